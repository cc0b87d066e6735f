"""Search stage: the client-side search payload, split so that a query downloads only what it needs.

``search/search_index.json`` (the entry) holds the settings shared with the JavaScript engine
(static/js/search-engine.js), the collections and the sorted vocabulary of stems with their written
forms (to expand typed beginnings and typos); term shards (``search/t/N.json``, contiguous ranges of
the vocabulary) hold the postings: per field, the papers, their length-normalised term frequencies
and, for stems written in several forms, which forms each paper holds; position files
(``search/p/N.json``, one per shard) hold the word positions, fetched only to check phrases; document
chunks (``search/d/N.json``) hold the papers shown in results and each one's nearest papers (for
ranking by neighbourhood). docs/search.md has the design.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import pairwise

import numpy as np

from generator.model import Corpus, Paper
from generator.search import text as search_text
from generator.search.postings import (
    Postings,
    build_postings,
    length_normalised_tfs,
    lunr_scores,
)

INDEX_PATH = "search/search_index.json"
SHARD_PATH = "search/t/{}.json"
POSITIONS_PATH = "search/p/{}.json"
CHUNK_PATH = "search/d/{}.json"
INDEX_FORMAT_VERSION = 4
LUNR_VERSION = "2.3.9"
REF_FIELD = "id"  # the lunr ref is the paper's number in site order; the id is in the chunks
FIELDS = ("title", "abstract")
# BM25F: a field's weight multiplies its length-normalised term frequencies before saturation, so a
# title word counts as this many abstract words, and no field alone can pass the saturation bound.
FIELD_WEIGHTS = {"title": 3.0, "abstract": 1.0}
BM25_K1 = 1.2
BM25_B = 0.75
# lunr.js's own boosts, for the whole index in lunr's serialised form (``lunr_index``).
LUNR_BOOSTS = {"title": 10, "abstract": 1}
# A shard is cut once its postings pass this many entries; one very common term may exceed it.
SHARD_POSTINGS = 2500
DOCS_PER_CHUNK = 2
EXCERPT_CHARS = 240  # length of the abstract excerpt around the first match, shown with results
# Ranking by neighbourhood: each of the SEEDS best matches lends WEIGHT times its share of the best
# score to the papers nearest it; the KEPT best stay first (a paper searched by name is found first).
FEEDBACK = {"seeds": 10, "weight": 0.2, "kept": 2}
TF_SCALE = 100  # normalised term frequencies are shipped as integers, rounded to 2 decimals
LUNR_SCALE = 1000  # lunr rounds its scores to 3 decimals


def paper_texts(papers: Iterable[Paper]) -> Iterable[tuple[str, ...]]:
    """Each paper's indexed fields, in ``FIELD_BOOSTS`` order."""
    for paper in papers:
        yield (paper.title, paper.abstract or "")


def lunr_index(postings: Postings) -> dict:
    """The whole index in lunr.js 2.3.9's serialised form, with lunr's own BM25 scores: any lunr.js
    can load and query it (tests prove it is the index lunr.py builds from the same text)."""
    vectors: dict[str, list] = {
        f"{name}/{doc}": [] for doc in range(postings.document_count) for name in postings.fields
    }
    scores = [_scaled(s) for s in lunr_scores(postings, LUNR_BOOSTS, BM25_K1, BM25_B)]
    inverted = []
    for index, term in enumerate(postings.vocabulary):
        entry: dict = {"_index": index}
        for position, name in enumerate(postings.fields):
            low, high = postings.span(position, index, index + 1)
            docs = postings.docs[position][low:high].tolist()
            entry[name] = {str(d): {} for d in docs}
            for d, score in zip(docs, scores[position][low:high].tolist(), strict=True):
                vectors[f"{name}/{d}"].extend((index, score / LUNR_SCALE))
        inverted.append([term, entry])
    return {
        "version": LUNR_VERSION,
        "fields": list(postings.fields),
        "fieldVectors": [[ref, vector] for ref, vector in vectors.items()],
        "invertedIndex": inverted,
        "pipeline": list(search_text.SEARCH_PIPELINE),
    }


def _scaled(scores: np.ndarray) -> np.ndarray:
    """round(score, 3) * 1000 as integers, as lunr.py stores them."""
    scaled = scores * LUNR_SCALE
    result = np.rint(scaled).astype(np.int64)
    # Near a half the product's rounding may differ from Python's exact decimal rounding.
    for i in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6):
        result[i] = round(round(float(scores[i]), 3) * LUNR_SCALE)
    return result


def shard_bounds(postings: Postings, limit: int = SHARD_POSTINGS) -> list[int]:
    """Where each shard starts in the vocabulary: contiguous runs of about ``limit`` postings."""
    sizes = (1 + sum(np.diff(offsets) for offsets in postings.offsets)).tolist()
    starts: list[int] = []
    size = limit
    for index, term_size in enumerate(sizes):
        if size >= limit:
            starts.append(index)
            size = 0
        size += term_size
    return starts


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _numbers(values: Iterable[int]) -> str:
    return "[" + ",".join(map(str, values)) + "]"


def _gaps(values: np.ndarray, firsts: Sequence[int] | np.ndarray) -> np.ndarray:
    """Ascending runs of numbers as gaps from the previous number of the same run; ``firsts`` are
    where the runs start, kept whole."""
    gaps = np.diff(values.astype(np.int64), prepend=0)
    gaps[firsts] = values[firsts]
    return gaps


def shard_json(postings: Postings, tfs: Sequence[np.ndarray], start: int, end: int) -> str:
    """One term shard: per term, per field its doc numbers as gaps and its normalised term
    frequencies x100, then, for a stem of several forms, per field the form masks:
    [[title docs], [title tfs], [abstract docs], [abstract tfs], ([title masks], [abstract masks])]."""
    columns = []
    for field in range(len(postings.fields)):
        low, high = postings.span(field, start, end)
        bounds = (postings.offsets[field][start : end + 1] - low).tolist()
        firsts = [a for a, b in pairwise(bounds) if b > a]
        gaps = _gaps(postings.docs[field][low:high], firsts).tolist()
        columns.append((bounds, gaps, tfs[field][low:high], postings.masks[field][low:high]))
    rows = []
    for row in range(end - start):
        cells, masks = [], []
        for bounds, gaps, scaled, mask in columns:
            a, b = bounds[row], bounds[row + 1]
            cells += [_numbers(gaps[a:b]), _numbers(scaled[a:b].tolist())]
            masks.append(_numbers(mask[a:b].tolist()))
        if len(postings.forms[start + row]) > 1:
            cells += masks
        rows.append("[" + ",".join(cells) + "]")
    return "[" + ",".join(rows) + "]"


def positions_json(postings: Postings, places: Sequence[np.ndarray], start: int, end: int) -> str:
    """One position file, row for row with its shard: per term, per field, for each posting in order
    its number of positions, then the first position and the gaps to the next ones."""
    columns = []
    for field in range(len(postings.fields)):
        low, high = postings.span(field, start, end)
        offsets = places[field]
        firsts = offsets[low:high] - offsets[low]
        gaps = _gaps(postings.positions[field][offsets[low] : offsets[high]], firsts)
        flat = np.insert(gaps, firsts, postings.tfs[field][low:high]).tolist()
        # A term's cells: one count per posting, then its positions.
        term_offsets = postings.offsets[field][start : end + 1]
        bounds = ((term_offsets - low) + (offsets[term_offsets] - offsets[low])).tolist()
        columns.append((flat, bounds))
    rows = []
    for row in range(end - start):
        cells = [_numbers(flat[bounds[row] : bounds[row + 1]]) for flat, bounds in columns]
        rows.append("[" + ",".join(cells) + "]")
    return "[" + ",".join(rows) + "]"


def forms_code(stem: str, forms: Sequence[str]) -> str:
    """A stem's forms, written against the stem: "=" is the stem itself, "ion" appends to it, "1.y"
    drops its last letter first ("happi" -> "happy"); "" when the stem itself is its one form."""
    if tuple(forms) in ((), (stem,)):
        return ""
    codes = []
    for form in forms:
        common = 0
        while common < min(len(form), len(stem)) and form[common] == stem[common]:
            common += 1
        dropped = len(stem) - common
        rest = form[common:]
        codes.append("=" if form == stem else f"{dropped}.{rest}" if dropped else rest)
    return " ".join(codes)


def chunk_json(
    papers: tuple[Paper, ...],
    collection_numbers: dict[str, int],
    paper_topics: Mapping[str, tuple[int, ...]],
    nearest: np.ndarray,
) -> str:
    """One document chunk: per paper its id, title, URL, abstract, collection and topic numbers, and
    the numbers of its nearest papers (``nearest``: a row per paper of the chunk)."""
    return _dumps(
        [
            [
                paper.id,
                paper.title,
                paper.url_path,
                paper.abstract or "",
                [collection_numbers[c] for c in paper.collections],
                list(paper_topics.get(paper.id, ())),
                [int(n) for n in near if n >= 0],
            ]
            for paper, near in zip(papers, nearest, strict=True)
        ]
    )


def search_postings(corpus: Corpus) -> Postings:
    """The index's postings: the costly part of the payload, built while other stages run."""
    return build_postings(paper_texts(corpus.papers), FIELDS)


def search_paths(corpus: Corpus, postings: Postings) -> list[str]:
    """The paths of the files ``search_files`` yields, in its order."""
    shards = range(len(shard_bounds(postings)))
    chunk_count = -(-len(corpus.papers) // DOCS_PER_CHUNK)
    return [
        *(SHARD_PATH.format(n) for n in shards),
        *(POSITIONS_PATH.format(n) for n in shards),
        *(CHUNK_PATH.format(n) for n in range(chunk_count)),
        INDEX_PATH,
    ]


def search_files(
    corpus: Corpus,
    postings: Postings | None = None,
    topics: Sequence[tuple[str, str]] = (),
    paper_topics: Mapping[str, Sequence[str]] | None = None,
    nearest: np.ndarray | None = None,
) -> Iterator[tuple[str, str]]:
    """Every file of the search payload as (path below the site root, text): the term shards, the
    position files, the document chunks, then the entry; yielded one by one so a large site never
    holds them all. ``topics`` lists (slug, title) of every topic, ``paper_topics`` each paper's
    topic slugs, ``nearest`` each paper's nearest papers (``Discovery.nearest``)."""
    if postings is None:
        postings = search_postings(corpus)
    if nearest is None:
        nearest = np.full((len(corpus.papers), 0), -1, dtype=np.int32)
    # A fingerprint of all the parts, appended to their URLs, so a browser never mixes two builds.
    digest = hashlib.sha256()

    def part(path: str, text: str) -> tuple[str, str]:
        digest.update(path.encode() + b"\0" + text.encode() + b"\0")
        return path, text

    starts = shard_bounds(postings)
    ends = [*starts[1:], len(postings.vocabulary)]
    tfs = [
        np.rint(length_normalised_tfs(postings, field, BM25_B) * TF_SCALE).astype(np.int64)
        for field in range(len(postings.fields))
    ]
    for number, (start, end) in enumerate(zip(starts, ends, strict=True)):
        yield part(SHARD_PATH.format(number), shard_json(postings, tfs, start, end))
    del tfs
    places = [postings.position_offsets(field) for field in range(len(postings.fields))]
    for number, (start, end) in enumerate(zip(starts, ends, strict=True)):
        yield part(POSITIONS_PATH.format(number), positions_json(postings, places, start, end))
    del places
    collection_numbers = {c.id: n for n, c in enumerate(corpus.collections)}
    topic_lists = _topic_numbers(topics, paper_topics or {})
    chunks = 0
    for chunks, start in enumerate(range(0, len(corpus.papers), DOCS_PER_CHUNK), start=1):
        papers = corpus.papers[start : start + DOCS_PER_CHUNK]
        near = nearest[start : start + DOCS_PER_CHUNK]
        chunk = chunk_json(papers, collection_numbers, topic_lists, near)
        yield part(CHUNK_PATH.format(chunks - 1), chunk)
    entry = _entry(corpus, postings, starts, chunks, topics, collection_numbers)
    yield INDEX_PATH, _dumps({**entry, "build": digest.hexdigest()[:16]})


def _topic_numbers(
    topics: Sequence[tuple[str, str]], paper_topics: Mapping[str, Sequence[str]]
) -> dict[str, tuple[int, ...]]:
    numbers = {slug: n for n, (slug, _) in enumerate(topics)}
    return {
        pid: tuple(numbers[slug] for slug in slugs if slug in numbers)
        for pid, slugs in paper_topics.items()
    }


def _entry(
    corpus: Corpus,
    postings: Postings,
    starts: list[int],
    chunks: int,
    topics: Sequence[tuple[str, str]],
    collection_numbers: Mapping[str, int],
) -> dict:
    """The entry file, but for the build's fingerprint."""
    return {
        "version": INDEX_FORMAT_VERSION,
        "config": {
            "ref": REF_FIELD,
            "fields": list(postings.fields),
            "weights": FIELD_WEIGHTS,
            "k1": BM25_K1,
            "b": BM25_B,
            "tfScale": TF_SCALE,
            "feedback": FEEDBACK,
            "lunrVersion": LUNR_VERSION,
            "text": search_text.settings(),
            "excerptChars": EXCERPT_CHARS,
        },
        "documentCount": postings.document_count,
        "collections": [[c.id, c.title] for c in corpus.collections],
        "topics": [[slug, title] for slug, title in topics],
        # Per paper its collection numbers, so facet counts over all results need no chunk.
        "memberships": [[collection_numbers[c] for c in p.collections] for p in corpus.papers],
        "vocabulary": list(postings.vocabulary),
        "forms": [
            forms_code(s, f) for s, f in zip(postings.vocabulary, postings.forms, strict=True)
        ],
        "shards": {"path": "t/{}.json", "starts": starts},
        "positions": {"path": "p/{}.json"},
        "chunks": {"path": "d/{}.json", "size": DOCS_PER_CHUNK, "count": chunks},
    }
