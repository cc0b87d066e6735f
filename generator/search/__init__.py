"""Search stage: the client-side search payload, a lunr 2.3.9 index split into parts.

``text`` defines the normalisation once (the browser receives its settings), ``stemmer`` is lunr.js's
Porter stemmer, and ``payload`` builds the postings and writes the entry, term shards and chunks.
"""
