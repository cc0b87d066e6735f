"""Index stage: the client-side search payload, prebuilt with lunr.py and loaded by lunr.js.

One file, ``search/search_index.json``, holds the serialised lunr index, a small document store for
rendering results, and the settings the browser must share with the build (ref, fields, boosts), so
they are defined once, here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lunr import lunr

from generator.model import Corpus, Paper

INDEX_PATH = "search/search_index.json"
INDEX_FORMAT_VERSION = 1
REF_FIELD = "id"
FIELD_BOOSTS = {"title": 10, "abstract": 1}
EXCERPT_CHARS = 240


@dataclass(frozen=True)
class SearchDocument:
    """What a search result needs to show a paper without loading its page."""

    title: str
    url: str  # below the site root
    excerpt: str
    collections: tuple[str, ...]


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The start of an abstract, cut at a word boundary, with an ellipsis when shortened."""
    if not text:
        return ""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def search_document(paper: Paper) -> SearchDocument:
    """The document-store entry of one paper."""
    return SearchDocument(paper.title, paper.url_path, excerpt(paper.abstract), paper.collections)


def build_search_payload(corpus: Corpus) -> str:
    """Serialise the lunr index, the document store and the shared settings as compact JSON."""
    documents = [
        {REF_FIELD: paper.id, "title": paper.title, "abstract": paper.abstract or ""}
        for paper in corpus.papers
    ]
    index = lunr(
        ref=REF_FIELD,
        fields=[{"field_name": name, "boost": boost} for name, boost in FIELD_BOOSTS.items()],
        documents=documents,
    )
    docs = {}
    for paper in corpus.papers:
        document = search_document(paper)
        docs[paper.id] = {
            "title": document.title,
            "url": document.url,
            "excerpt": document.excerpt,
            "collections": list(document.collections),
        }
    payload = {
        "version": INDEX_FORMAT_VERSION,
        "config": {
            "ref": REF_FIELD,
            "fields": FIELD_BOOSTS,
            "collections": {c.id: c.title for c in corpus.collections},
        },
        "docs": docs,
        "index": index.serialize(),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
