"""Read stage: the site's config, its dumps and its notes, from files into checked values.

``paths`` says where a site's files are and which may be read; ``config`` loads ``site.yml`` through
the one validator of ``schema`` (``config_reference`` documents its options); ``markdown`` is the one
Markdown set-up for curator text;
``dumps`` parses one dump's text (no file access) and ``seeds`` reads the seeds folder; ``notes``
reads the curator's notes; ``text`` restores the LaTeX escapes of scraped abstracts.
"""
