"""The inverted index of the search payload: per stem and field, the papers holding it, how often,
at which word positions and in which written forms.

The papers' text goes through the pipeline of ``generator.search.text`` (the index terms are what
lunr.py would make of it; tests/test_search_index.py proves it), with per-word results cached, which
is many times faster than lunr.py's object pipeline. Position numbers count a field's words; all the
terms of one word ("over-squashing": "oversquash", "over", "squash") share its position, and a stop
word dropped from an abstract still takes one, so phrases can be checked word by word.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from generator.search import text as search_text

# Forms past this many of one stem share its last bit in a posting's form mask.
MAX_FORM_BITS = 31


@dataclass(frozen=True)
class Postings:
    """Terms sorted as JavaScript sorts strings; per field, flat arrays grouped by term (term t's
    postings are ``offsets[f][t]:offsets[f][t + 1]``, doc numbers ascending within a term)."""

    fields: tuple[str, ...]
    vocabulary: tuple[str, ...]  # the stems
    forms: tuple[tuple[str, ...], ...]  # [term] -> the forms met that stem to it, in bit order
    offsets: tuple[np.ndarray, ...]  # [field] -> int64[len(vocabulary) + 1]
    docs: tuple[np.ndarray, ...]  # [field] -> doc numbers
    tfs: tuple[np.ndarray, ...]  # [field] -> occurrences of the term in the doc's field
    masks: tuple[np.ndarray, ...]  # [field] -> bit i set: the doc's field holds forms[term][i]
    positions: tuple[np.ndarray, ...]  # [field] -> per posting, its tf positions, ascending
    lengths: tuple[np.ndarray, ...]  # [field] -> per doc, its number of index terms
    document_count: int

    def span(self, field: int, start: int, end: int) -> tuple[int, int]:
        """Where the postings of terms ``start:end`` lie in the field's flat arrays."""
        return int(self.offsets[field][start]), int(self.offsets[field][end])

    def position_offsets(self, field: int) -> np.ndarray:
        """Where each posting's positions start in ``positions[field]`` (and the end)."""
        return np.concatenate(([0], np.cumsum(self.tfs[field], dtype=np.int64)))


@dataclass
class _FieldArrays:
    """One field's postings in the order met: term ids, docs, tfs, form masks, positions."""

    tids: array
    docs: array
    tfs: array
    masks: array
    positions: array
    lengths: array

    @classmethod
    def empty(cls) -> _FieldArrays:
        return cls(*(array("I") for _ in range(6)))


class _Tokeniser:
    """Counts every document's terms per field; the hot loop, with per-word results cached."""

    def __init__(self, keeps: list[bool]) -> None:
        self.keeps = keeps
        self.term_ids: dict[str, int] = {}
        self.form_bits: list[dict[str, int]] = []  # term id -> {form: bit number}
        self.word_terms: list[dict[str, tuple]] = [{} for _ in keeps]
        self.fields = [_FieldArrays.empty() for _ in keeps]

    def word(self, word: str, field: int) -> tuple[bool, tuple[tuple[int, int], ...]]:
        """Whether a word takes a position, and its (term id, form bit) pairs."""
        takes_position = bool(search_text.normalise_word(word))
        pairs = []
        for form in search_text.index_forms(word, self.keeps[field]):
            tid = self.term_ids.setdefault(search_text.stem(form), len(self.term_ids))
            if tid == len(self.form_bits):
                self.form_bits.append({})
            bits = self.form_bits[tid]
            bit = bits.setdefault(form, len(bits))
            pairs.append((tid, 1 << min(bit, MAX_FORM_BITS - 1)))
        return takes_position, tuple(pairs)

    def add(self, doc: int, field: int, text: str) -> None:
        cache = self.word_terms[field]
        found: dict[int, list[int]] = {}  # term id -> [form mask, position, position, ...]
        position = length = 0
        for word in search_text.SEPARATOR_RUN.split(text):
            entry = cache.get(word)
            if entry is None:
                if not word:
                    continue
                entry = cache[word] = self.word(word, field)
            takes_position, pairs = entry
            if not takes_position:
                continue
            for tid, bit in pairs:
                seen = found.get(tid)
                if seen is None:
                    found[tid] = [bit, position]
                else:
                    seen[0] |= bit
                    seen.append(position)
            length += len(pairs)
            position += 1
        out = self.fields[field]
        out.lengths.append(length)
        out.tids.extend(found)
        out.docs.extend([doc] * len(found))
        for mask, *places in found.values():
            out.masks.append(mask)
            out.tfs.append(len(places))
            out.positions.extend(places)


def build_postings(texts: Iterable[tuple[str, ...]], fields: Iterable[str]) -> Postings:
    """Tokenise and count every document's fields (``texts`` in field order)."""
    names = tuple(fields)
    tokeniser = _Tokeniser([name in search_text.STOP_WORDS_KEPT_IN for name in names])
    count = 0
    for doc, values in enumerate(texts):
        for field, text in enumerate(values):
            tokeniser.add(doc, field, text)
        count = doc + 1
    terms = list(tokeniser.term_ids)
    vocabulary = sorted(terms, key=js_order)
    rank = np.empty(len(terms), dtype=np.int64)
    rank[[tokeniser.term_ids[t] for t in vocabulary]] = np.arange(len(vocabulary))
    grouped = [_grouped(arrays, rank, len(vocabulary)) for arrays in tokeniser.fields]
    forms = [()] * len(vocabulary)
    for tid, bits in enumerate(tokeniser.form_bits):
        forms[rank[tid]] = tuple(bits)
    return Postings(
        names,
        tuple(vocabulary),
        tuple(forms),
        *(tuple(group[i] for group in grouped) for i in range(5)),
        tuple(np.frombuffer(a.lengths, dtype=np.uint32).astype(np.int32) for a in tokeniser.fields),
        count,
    )


def _grouped(arrays: _FieldArrays, rank: np.ndarray, terms: int) -> tuple[np.ndarray, ...]:
    """One field's (offsets, docs, tfs, masks, positions), grouped by vocabulary rank; the stable
    sort keeps each term's docs ascending and each posting's positions in order."""

    def column(values: array, dtype: type = np.int32) -> np.ndarray:
        return np.frombuffer(values, dtype=np.uint32).astype(dtype)

    ranks = rank[column(arrays.tids)] if arrays.tids else np.zeros(0, np.int64)
    tfs = column(arrays.tfs, np.int64)
    order = np.argsort(ranks, kind="stable")
    starts = np.cumsum(tfs) - tfs
    sorted_tfs = tfs[order]
    sorted_starts = np.cumsum(sorted_tfs) - sorted_tfs
    gather = np.repeat(starts[order] - sorted_starts, sorted_tfs) + np.arange(int(tfs.sum()))
    counts = np.bincount(ranks, minlength=terms)
    return (
        np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        column(arrays.docs)[order],
        sorted_tfs.astype(np.int32),
        column(arrays.masks)[order],
        column(arrays.positions, np.uint32)[gather],
    )


def js_order(term: str) -> bytes:
    """Sort key putting strings in JavaScript's (UTF-16 code unit) order, which lunr.js relies on."""
    return term.encode("utf-16-be")


def _length_norms(postings: Postings, field: int, b: float) -> np.ndarray:
    """Per doc, BM25's length normalisation of a field: 1 - b + b * length / average length."""
    lengths = postings.lengths[field].astype(np.float64)
    n = postings.document_count
    # No term in any document's field: no posting to normalise (and lunr.py would divide by 0).
    average = (lengths.sum() / n if n else 0.0) or 1.0
    return (1 - b) + b * (lengths / average)


def length_normalised_tfs(postings: Postings, field: int, b: float) -> np.ndarray:
    """BM25's length-normalised term frequencies, tf / (1 - b + b * length / average length): what
    the browser combines across fields and forms (BM25F) for the words of a query."""
    return postings.tfs[field] / _length_norms(postings, field, b)[postings.docs[field]]


def lunr_scores(postings: Postings, boosts: dict[str, int], k1: float, b: float) -> list:
    """Per field, the BM25 score lunr.py gives each posting (idf over all fields, as lunr counts
    documents), in the operations and order lunr.py uses, so the floats are the same."""
    counts = [np.diff(offsets) for offsets in postings.offsets]
    with_term = sum(counts).tolist() if counts else []
    n = postings.document_count
    idf = np.array([math.log(1 + abs((n - m + 0.5) / (m + 0.5))) for m in with_term])
    scores = []
    for field, name in enumerate(postings.fields):
        norm = k1 * _length_norms(postings, field, b)
        tf = postings.tfs[field].astype(np.float64)
        terms = np.repeat(np.arange(len(postings.vocabulary)), counts[field])
        score = (k1 + 1) * tf
        score *= idf[terms]
        score /= norm[postings.docs[field]] + tf
        score *= boosts[name]
        scores.append(score)
    return scores
