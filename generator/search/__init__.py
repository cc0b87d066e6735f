"""Search stage: the client-side search payload, an index in lunr's terms split into parts.

``text`` defines the normalisation once (the browser receives its settings), ``spelling`` reads
British spellings as American ones, ``stemmer`` is lunr.js's Porter stemmer, ``postings`` counts
every paper's terms, forms and word positions, and ``payload`` writes the entry, term shards,
position files and document chunks.
"""
