"""Index stage: the client-side search payload, a lunr 2.3.9 index written directly and split up.

The build computes the index lunr.py would build (same tokens, pipeline, BM25 scores rounded to three
decimals, proven equal by tests/test_search_index.py) but straight from the text with cached per-word
normalisation and stemming, which is many times faster than lunr.py's object pipeline.

The browser never downloads that index whole. ``search/search_index.json`` (the entry) holds the
settings shared with the JavaScript engine, the collections and the sorted vocabulary (needed to
expand prefixes and typos exactly as lunr does); the postings live in term shards (``search/t/N.json``,
contiguous ranges of the vocabulary) and the papers in document chunks (``search/d/N.json``). A query
fetches only the shards of the terms it expands to and the chunks of the results it shows, and lunr.js
scores it on a lunr.Index assembled from them, so the results equal those of the whole index.
"""

from __future__ import annotations

import hashlib
import json
import math
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from generator.model import Corpus, Paper
from generator.search import text as search_text

INDEX_PATH = "search/search_index.json"
SHARD_PATH = "search/t/{}.json"
CHUNK_PATH = "search/d/{}.json"
INDEX_FORMAT_VERSION = 2
LUNR_VERSION = "2.3.9"
REF_FIELD = "id"  # the lunr ref is the paper's number in site order; the id is in the chunks
FIELD_BOOSTS = {"title": 10, "abstract": 1}
# lunr's BM25 parameters (its defaults, written here because the build computes the scores).
BM25_K1 = 1.2
BM25_B = 0.75
# A shard is cut once its postings pass this many entries; one very common term may exceed it.
SHARD_POSTINGS = 2500
DOCS_PER_CHUNK = 8
EXCERPT_CHARS = 240  # length of the abstract excerpt around the first match, shown with results
SCORE_SCALE = 1000  # scores are rounded to 3 decimals, as lunr does, and shipped as integers


@dataclass(frozen=True)
class Postings:
    """An inverted index: terms sorted as JavaScript sorts strings; per field, flat arrays of doc
    numbers and scores grouped by term (term t's entries are ``offsets[t]:offsets[t + 1]``)."""

    fields: tuple[str, ...]
    vocabulary: tuple[str, ...]
    words: tuple[str, ...]  # [term] -> the words that stem to it, for typed beginnings and typos
    offsets: tuple[np.ndarray, ...]  # [field] -> int64[len(vocabulary) + 1]
    docs: tuple[np.ndarray, ...]  # [field] -> doc numbers, ascending within a term
    scores: tuple[np.ndarray, ...]  # [field] -> score * SCORE_SCALE, as lunr rounds it
    document_count: int

    def term_docs(self, field: int, term: int) -> np.ndarray:
        """The doc numbers holding a term in a field."""
        return self.docs[field][self.offsets[field][term] : self.offsets[field][term + 1]]

    def term_scores(self, field: int, term: int) -> np.ndarray:
        """The scaled scores of a term in a field, aligned with ``term_docs``."""
        return self.scores[field][self.offsets[field][term] : self.offsets[field][term + 1]]


def js_order(term: str) -> bytes:
    """Sort key putting strings in JavaScript's (UTF-16 code unit) order, which lunr.js relies on."""
    return term.encode("utf-16-be")


@dataclass
class _Tokenised:
    """The documents tokenised: their term ids, flat postings and the words met."""

    terms: list[str]  # term id -> term
    flat: list[tuple[array, array, array]]  # per field: term ids, doc numbers, tfs
    lengths: list[array]  # per field: each document's number of terms
    words: list[list[str]]  # per field: the distinct words


def _tokenise(texts: list[tuple[str, ...]], keeps: list[bool]) -> _Tokenised:
    """Count every document's terms per field; the hot loop, with per-word terms cached."""
    term_ids: dict[str, int] = {}
    word_terms: list[dict[str, tuple[int, ...]]] = [{} for _ in keeps]
    flat = [(array("I"), array("I"), array("I")) for _ in keeps]
    lengths: list[array] = [array("I") for _ in keeps]
    split = search_text.SEPARATOR_RUN.split  # empty strings at the ends are skipped below
    for doc, values in enumerate(texts):
        for position, text in enumerate(values):
            cache = word_terms[position]
            frequencies: dict[int, int] = {}
            length = 0
            for word in split(text):
                tids = cache.get(word)
                if tids is None:
                    if not word:
                        continue
                    terms = search_text.index_terms(word, keeps[position])
                    tids = cache[word] = tuple(term_ids.setdefault(t, len(term_ids)) for t in terms)
                length += len(tids)
                for tid in tids:
                    frequencies[tid] = frequencies.get(tid, 0) + 1
            lengths[position].append(length)
            tids_out, docs_out, tfs_out = flat[position]
            tids_out.extend(frequencies)
            tfs_out.extend(frequencies.values())
            docs_out.extend([doc] * len(frequencies))
    return _Tokenised(list(term_ids), flat, lengths, [list(cache) for cache in word_terms])


def build_postings(texts: Iterable[tuple[str, ...]], fields: dict[str, int]) -> Postings:
    """Tokenise, normalise and score every document's fields (texts in field order) as lunr would.

    In one process: the build makes them while its discovery child has the other core."""
    names = tuple(fields)
    keeps = [name in search_text.STOP_WORDS_KEPT_IN for name in names]
    documents = list(texts)
    count = len(documents)
    tokenised = _tokenise(documents, keeps)
    del documents
    lengths = tokenised.lengths
    word_lists = [set(words) for words in tokenised.words]
    vocabulary = sorted(tokenised.terms, key=js_order)
    term_ids = {term: number for number, term in enumerate(tokenised.terms)}
    rank = np.empty(len(vocabulary), dtype=np.int32)
    rank[[term_ids[t] for t in vocabulary]] = np.arange(len(vocabulary))
    grouped = _grouped_by_term(tokenised.flat, rank)
    del tokenised
    counts = [np.bincount(terms, minlength=len(vocabulary)) for terms, _, _ in grouped]
    boosts = [fields[name] for name in names]
    docs_by_field, scores = _bm25_scores(grouped, lengths, counts, count, boosts)
    offsets = [np.concatenate(([0], np.cumsum(found))).astype(np.int64) for found in counts]
    words = _stemmed_words(word_lists, keeps)
    return Postings(
        names,
        tuple(vocabulary),
        tuple(" ".join(words.get(term, ())) for term in vocabulary),
        tuple(offsets),
        tuple(docs_by_field),
        tuple(scores),
        count,
    )


def _grouped_by_term(
    flat: list[tuple[array, array, array]], rank: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per field, its postings as (vocabulary ranks, doc numbers, tfs) sorted by rank; ``flat`` is
    emptied as it goes, so each field's flat arrays are freed once grouped."""
    grouped = []
    while flat:
        tids, docs, tfs = flat.pop(0)
        if not tids:
            empty = np.zeros(0, np.int32)
            grouped.append((empty, empty, empty))
            continue
        terms = rank[np.frombuffer(tids, dtype=np.uint32)]
        del tids
        order = np.argsort(terms, kind="stable")  # keeps each term's docs ascending
        docs_in_order = np.frombuffer(docs, dtype=np.uint32)[order].astype(np.int32)
        grouped.append((terms[order], docs_in_order, np.frombuffer(tfs, dtype=np.uint32)[order]))
        del terms, docs, tfs, order, docs_in_order
    return grouped


def _bm25_scores(
    grouped: list[tuple[np.ndarray, ...]],
    lengths: list[array],
    counts: list[np.ndarray],
    count: int,
    boosts: list[int],
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per field, the doc numbers and their scaled BM25 scores, as lunr.py computes them; each
    field's group in ``grouped`` is dropped once scored, and each array as soon as it is used."""
    # lunr's idf counts a document once per field that holds the term; math.log, as lunr.py.
    with_term = sum(counts).tolist() if counts else []
    idf = np.array(
        [math.log(1 + abs((count - n + 0.5) / (n + 0.5))) for n in with_term], dtype=np.float64
    )
    docs_by_field, scores = [], []
    for position, boost in enumerate(boosts):
        terms, docs, tfs = grouped[position]
        grouped[position] = ()
        field_lengths = np.frombuffer(lengths[position], dtype=np.uint32).astype(np.float64)
        # No term in any document's field: no posting to score (and lunr.py would divide by 0).
        average = (sum(lengths[position]) / count if count else 0.0) or 1.0
        # lunr.py's operations on the same doubles: idf * ((k1 + 1) * tf) / (norm + tf) * boost,
        # done in place (a product or sum of two doubles does not depend on their order).
        norm = BM25_K1 * ((1 - BM25_B) + BM25_B * (field_lengths / average))
        tf = tfs.astype(np.float64)
        del tfs
        score = (BM25_K1 + 1) * tf
        score *= idf[terms]
        del terms
        denominator = norm[docs]
        denominator += tf
        del tf
        score /= denominator
        del denominator
        score *= boost
        scores.append(_scaled(score))
        del score
        docs_by_field.append(docs)
    return docs_by_field, scores


def _scaled(scores: np.ndarray) -> np.ndarray:
    """round(score, 3) * 1000 as integers: what lunr.py stores, shipped as n and read as n / 1000."""
    scaled = scores * SCORE_SCALE
    result = np.rint(scaled).astype(np.int32)
    # Near a half the product's rounding may differ from Python's exact decimal rounding.
    for i in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6):
        result[i] = round(round(float(scores[i]), 3) * SCORE_SCALE)
    return result


def _stemmed_words(word_lists: list[set[str]], keeps: list[bool]) -> dict[str, list[str]]:
    """Per stem, the normalised words the stemmer changed into it ("diffusion" for "diffus"), so a
    typed beginning such as "diffusio" or a typo such as "backpropagaton" finds it."""
    forms: dict[str, set[str]] = {}
    for words, keep in zip(word_lists, keeps, strict=True):
        for word in sorted(words):
            for term in search_text.normalise_word(word):
                if keep or not search_text.is_stop_word(term):
                    stemmed = search_text.stem(term)
                    if stemmed != term:
                        forms.setdefault(stemmed, set()).add(term)
    return {stemmed: sorted(found, key=js_order) for stemmed, found in forms.items()}


def paper_texts(papers: Iterable[Paper]) -> Iterable[tuple[str, ...]]:
    """Each paper's indexed fields, in ``FIELD_BOOSTS`` order."""
    for paper in papers:
        yield (paper.title, paper.abstract or "")


def lunr_index(postings: Postings) -> dict:
    """The whole index in lunr.js 2.3.9's serialised form (for tests and size comparisons)."""
    vectors: dict[str, list] = {
        f"{name}/{doc}": [] for doc in range(postings.document_count) for name in postings.fields
    }
    inverted = []
    for index, term in enumerate(postings.vocabulary):
        entry: dict = {"_index": index}
        for position, name in enumerate(postings.fields):
            docs = postings.term_docs(position, index).tolist()
            scores = postings.term_scores(position, index).tolist()
            entry[name] = {str(d): {} for d in docs}
            for d, score in zip(docs, scores, strict=True):
                vectors[f"{name}/{d}"].extend((index, score / SCORE_SCALE))
        inverted.append([term, entry])
    return {
        "version": LUNR_VERSION,
        "fields": list(postings.fields),
        "fieldVectors": [[ref, vector] for ref, vector in vectors.items()],
        "invertedIndex": inverted,
        "pipeline": list(search_text.SEARCH_PIPELINE),
    }


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


def shard_json(postings: Postings, start: int, end: int) -> str:
    """One term shard, a JSON list with per term, per field, the doc numbers as gaps (the first
    from 0) and the scores x1000: [[title docs], [title scores], [abstract docs], ...]."""
    columns = []
    for position in range(len(postings.fields)):
        offsets = postings.offsets[position]
        low, high = int(offsets[start]), int(offsets[end])
        docs = postings.docs[position][low:high]
        gaps = np.diff(docs, prepend=0)
        bounds = (offsets[start : end + 1] - low).tolist()
        firsts = [b for b, e in pairwise(bounds) if e > b]
        gaps[firsts] = docs[firsts]
        columns.append((bounds, gaps.tolist(), postings.scores[position][low:high].tolist()))
    rows = []
    for row in range(end - start):
        cells = []
        for bounds, gaps, scores in columns:
            a, b = bounds[row], bounds[row + 1]
            cells.append("[" + ",".join(map(str, gaps[a:b])) + "]")
            cells.append("[" + ",".join(map(str, scores[a:b])) + "]")
        rows.append("[" + ",".join(cells) + "]")
    return "[" + ",".join(rows) + "]"


def chunk_json(
    papers: tuple[Paper, ...],
    collection_numbers: dict[str, int],
    paper_topics: Mapping[str, tuple[int, ...]],
) -> str:
    """One document chunk: per paper its id, title, URL, abstract, collection and topic numbers."""
    return _dumps(
        [
            [
                paper.id,
                paper.title,
                paper.url_path,
                paper.abstract or "",
                [collection_numbers[c] for c in paper.collections],
                list(paper_topics.get(paper.id, ())),
            ]
            for paper in papers
        ]
    )


def search_postings(corpus: Corpus) -> Postings:
    """The index's postings: the costly part of the payload, built while other stages run."""
    return build_postings(paper_texts(corpus.papers), FIELD_BOOSTS)


def search_paths(corpus: Corpus, postings: Postings) -> list[str]:
    """The paths of the files ``search_files`` yields, in its order."""
    shards = [SHARD_PATH.format(n) for n in range(len(shard_bounds(postings)))]
    chunk_count = -(-len(corpus.papers) // DOCS_PER_CHUNK)
    return [*shards, *(CHUNK_PATH.format(n) for n in range(chunk_count)), INDEX_PATH]


def search_files(
    corpus: Corpus,
    postings: Postings | None = None,
    topics: Sequence[tuple[str, str]] = (),
    paper_topics: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[tuple[str, str]]:
    """Every file of the search payload as (path below the site root, text): the term shards, the
    document chunks, then the entry; yielded one by one so a large site never holds them all.
    ``topics`` lists (slug, title) of every topic, ``paper_topics`` each paper's topic slugs."""
    if postings is None:
        postings = search_postings(corpus)
    topic_numbers = {slug: n for n, (slug, _) in enumerate(topics)}
    topic_lists = {
        pid: tuple(topic_numbers[slug] for slug in slugs if slug in topic_numbers)
        for pid, slugs in (paper_topics or {}).items()
    }
    # A fingerprint of all the parts, appended to their URLs, so a browser never mixes two builds.
    digest = hashlib.sha256()

    def part(path: str, text: str) -> tuple[str, str]:
        digest.update(path.encode() + b"\0" + text.encode() + b"\0")
        return path, text

    starts = shard_bounds(postings)
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(postings.vocabulary)
        yield part(SHARD_PATH.format(number), shard_json(postings, start, end))
    collection_numbers = {c.id: n for n, c in enumerate(corpus.collections)}
    chunks = 0
    for chunks, start in enumerate(range(0, len(corpus.papers), DOCS_PER_CHUNK), start=1):
        papers = corpus.papers[start : start + DOCS_PER_CHUNK]
        yield part(
            CHUNK_PATH.format(chunks - 1), chunk_json(papers, collection_numbers, topic_lists)
        )
    entry = {
        "version": INDEX_FORMAT_VERSION,
        "build": digest.hexdigest()[:16],
        "config": {
            "ref": REF_FIELD,
            "fields": list(postings.fields),
            "boosts": FIELD_BOOSTS,
            "lunrVersion": LUNR_VERSION,
            "text": search_text.settings(),
            "scoreScale": SCORE_SCALE,
            "excerptChars": EXCERPT_CHARS,
        },
        "documentCount": postings.document_count,
        "collections": [[c.id, c.title] for c in corpus.collections],
        "topics": [[slug, title] for slug, title in topics],
        # Per paper its collection numbers, so facet counts over all results need no chunk.
        "memberships": [[collection_numbers[c] for c in p.collections] for p in corpus.papers],
        "vocabulary": list(postings.vocabulary),
        "words": list(postings.words),
        "shards": {"path": "t/{}.json", "starts": starts},
        "chunks": {"path": "d/{}.json", "size": DOCS_PER_CHUNK, "count": chunks},
    }
    yield INDEX_PATH, _dumps(entry)
