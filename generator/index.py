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
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from generator import search_text
from generator.model import Corpus, Paper

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
    """An inverted index: per term (sorted as JavaScript sorts strings), per field, docs and scores."""

    fields: tuple[str, ...]
    vocabulary: tuple[str, ...]
    words: tuple[str, ...]  # [term] -> the words that stem to it, where a prefix needs them
    docs: tuple[tuple[array, ...], ...]  # [term][field] -> doc numbers, ascending
    scores: tuple[tuple[array, ...], ...]  # [term][field] -> score * SCORE_SCALE, rounded
    document_count: int


def js_order(term: str) -> bytes:
    """Sort key putting strings in JavaScript's (UTF-16 code unit) order, which lunr.js relies on."""
    return term.encode("utf-16-be")


def build_postings(texts: Iterable[tuple[str, ...]], fields: dict[str, int]) -> Postings:
    """Tokenise, normalise and score every document's fields (texts in field order) as lunr would."""
    names = tuple(fields)
    term_ids: dict[str, int] = {}
    docs: list[list[array]] = []
    tfs: list[list[array]] = []
    lengths: list[array] = [array("I") for _ in names]
    # Per kind of field, the index terms of each distinct word met so far (the hot path).
    word_terms: list[dict[str, tuple[str, ...]]] = [{} for _ in names]
    keeps = [name in search_text.STOP_WORDS_KEPT_IN for name in names]
    count = 0
    for doc, values in enumerate(texts):
        count += 1
        for position, text in enumerate(values):
            cache = word_terms[position]
            frequencies: dict[str, int] = {}
            length = 0
            for word, times in Counter(search_text.split_words(text)).items():
                terms = cache.get(word)
                if terms is None:
                    terms = cache[word] = search_text.index_terms(word, keeps[position])
                for term in terms:
                    frequencies[term] = frequencies.get(term, 0) + times
                length += times * len(terms)
            lengths[position].append(length)
            for term, tf in frequencies.items():
                tid = term_ids.get(term)
                if tid is None:
                    tid = term_ids[term] = len(term_ids)
                    docs.append([array("I") for _ in names])
                    tfs.append([array("H") for _ in names])
                docs[tid][position].append(doc)
                tfs[tid][position].append(min(tf, 65535))
    norms = []  # per field: the BM25 length normalisation of each field length, cached
    for position in range(len(names)):
        average = sum(lengths[position]) / count if count else 0.0
        cache: dict[int, float] = {}
        for length in lengths[position]:
            if length not in cache:
                cache[length] = BM25_K1 * (1 - BM25_B + BM25_B * (length / average))
        norms.append((cache, lengths[position]))
    vocabulary = sorted(term_ids, key=js_order)
    all_docs, all_scores = [], []
    for term in vocabulary:
        tid = term_ids[term]
        with_term = sum(len(d) for d in docs[tid])  # lunr counts a doc once per field
        x = (count - with_term + 0.5) / (with_term + 0.5)
        idf = math.log(1 + abs(x))
        term_scores = []
        for position, name in enumerate(names):
            cache, field_lengths = norms[position]
            boost = fields[name]
            term_scores.append(
                array(
                    "I",
                    [
                        _scaled(idf * ((BM25_K1 + 1) * tf) / (cache[field_lengths[d]] + tf) * boost)
                        for d, tf in zip(docs[tid][position], tfs[tid][position], strict=True)
                    ],
                )
            )
        all_docs.append(tuple(docs[tid]))
        all_scores.append(tuple(term_scores))
    words = _stemmed_words(word_terms, keeps)
    return Postings(
        names,
        tuple(vocabulary),
        tuple(" ".join(words.get(term, ())) for term in vocabulary),
        tuple(all_docs),
        tuple(all_scores),
        count,
    )


def _stemmed_words(
    word_terms: list[dict[str, tuple[str, ...]]], keeps: list[bool]
) -> dict[str, list[str]]:
    """Per stem, the normalised words the stemmer shortened to it ("diffusion" for "diffus"), so a
    typed beginning such as "diffusio" finds it; a word that begins another of the same stem is
    left out, the longer one serves for both."""
    forms: dict[str, set[str]] = {}
    for cache, keep in zip(word_terms, keeps, strict=True):
        for word in cache:
            for term in search_text.normalise_word(word):
                if keep or not search_text.is_stop_word(term):
                    stemmed = search_text.stem(term)
                    if stemmed != term:
                        forms.setdefault(stemmed, set()).add(term)
    kept: dict[str, list[str]] = {}
    for stemmed, found in forms.items():
        ordered = sorted(found, key=js_order)
        kept[stemmed] = [
            w
            for i, w in enumerate(ordered)
            if i + 1 == len(ordered) or not ordered[i + 1].startswith(w)
        ]
    return kept


def _scaled(score: float) -> int:
    # round(score, 3) is what lunr.py stores; the integer n is shipped and read back as n / 1000,
    # which is the same double.
    return round(round(score, 3) * SCORE_SCALE)


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
            docs = postings.docs[index][position]
            scores = postings.scores[index][position]
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
    starts: list[int] = []
    size = limit
    for index in range(len(postings.vocabulary)):
        if size >= limit:
            starts.append(index)
            size = 0
        size += 1 + sum(len(d) for d in postings.docs[index])
    return starts


def _deltas(values: array) -> list[int]:
    previous = 0
    out = []
    for value in values:
        out.append(value - previous)
        previous = value
    return out


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def shard_json(postings: Postings, start: int, end: int) -> str:
    """One term shard: per term, per field, the doc numbers (as gaps) and the scores (x1000)."""
    rows = []
    for index in range(start, end):
        row = []
        for position in range(len(postings.fields)):
            row.append(_deltas(postings.docs[index][position]))
            row.append(list(postings.scores[index][position]))
        rows.append(row)
    return _dumps(rows)


def chunk_json(papers: tuple[Paper, ...], collection_numbers: dict[str, int]) -> str:
    """One document chunk: per paper its id, title, URL, abstract and collection numbers."""
    return _dumps(
        [
            [
                paper.id,
                paper.title,
                paper.url_path,
                paper.abstract or "",
                [collection_numbers[c] for c in paper.collections],
            ]
            for paper in papers
        ]
    )


def build_search_files(corpus: Corpus) -> dict[str, str]:
    """Every file of the search payload, by path below the site root: entry, shards and chunks."""
    postings = build_postings(paper_texts(corpus.papers), FIELD_BOOSTS)
    files: dict[str, str] = {}
    starts = shard_bounds(postings)
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(postings.vocabulary)
        files[SHARD_PATH.format(number)] = shard_json(postings, start, end)
    collection_numbers = {c.id: n for n, c in enumerate(corpus.collections)}
    chunks = 0
    for chunks, start in enumerate(range(0, len(corpus.papers), DOCS_PER_CHUNK), start=1):
        papers = corpus.papers[start : start + DOCS_PER_CHUNK]
        files[CHUNK_PATH.format(chunks - 1)] = chunk_json(papers, collection_numbers)
    # A fingerprint of all the parts, appended to their URLs, so a browser never mixes two builds.
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode() + b"\0")
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
        "vocabulary": list(postings.vocabulary),
        "words": list(postings.words),
        "shards": {"path": "t/{}.json", "starts": starts},
        "chunks": {"path": "d/{}.json", "size": DOCS_PER_CHUNK, "count": chunks},
    }
    files[INDEX_PATH] = _dumps(entry)
    return dict(sorted(files.items()))
