"""Related papers: each paper's nearest neighbours by cosine similarity of tf-idf vectors.

No all-pairs matrix is ever held: scores are computed a block of rows at a time and only each row's
top k survive. Up to ``EXACT_UP_TO`` papers the scores are exact sparse products of the tf-idf rows;
above it the candidates come from the dense SVD embedding (a block of papers against all, as a BLAS
matrix product) and are then re-ranked by their exact tf-idf cosine, so a large corpus costs time
linear in its size per row and memory linear in its size overall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.vectors import TermVectors

RELATED_COUNT = 5
# Neighbours kept per paper: the first RELATED_COUNT are shown, all of them shape the map.
NEIGHBOURS = 10
EXACT_UP_TO = 5000
# Candidates per paper taken from the embedding before exact re-ranking.
CANDIDATES = 30
# Scores held at once (rows of a block × papers): bounds memory whatever the corpus size.
BLOCK_CELLS = 4_000_000
REASON_TERMS = 3


@dataclass(frozen=True)
class Neighbours:
    """Each paper's nearest other papers (row indices, best first) and their cosine similarities."""

    indices: np.ndarray  # (papers, k) int
    scores: np.ndarray  # (papers, k) float32


@dataclass(frozen=True)
class RelatedPaper:
    """One related paper as a paper page shows it: which, how close, and the terms both share."""

    paper_id: str
    score: float
    shared_terms: tuple[str, ...]


def nearest_neighbours(
    vectors: TermVectors, embedded: np.ndarray, k: int = NEIGHBOURS
) -> Neighbours:
    """The k most similar papers of every paper, computed block by block."""
    rows = len(vectors.paper_ids)
    k = min(k, rows - 1)
    if vectors.empty or k < 1:
        return Neighbours(np.zeros((rows, 0), dtype=np.int64), np.zeros((rows, 0), np.float32))
    matrix = vectors.matrix
    if rows <= EXACT_UP_TO:
        return _top_k(rows, k, lambda start, stop: (matrix[start:stop] @ matrix.T).toarray())
    candidates = _top_k(rows, min(CANDIDATES, rows - 1), lambda a, b: embedded[a:b] @ embedded.T)
    return _rerank(vectors, candidates, k)


def _top_k(rows: int, k: int, block_scores) -> Neighbours:
    """Run ``block_scores(start, stop)`` over blocks of rows and keep each row's k best others."""
    indices = np.empty((rows, k), dtype=np.int64)
    scores = np.empty((rows, k), dtype=np.float32)
    block = max(1, BLOCK_CELLS // rows)
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        block_rows = np.arange(stop - start)
        values = np.asarray(block_scores(start, stop), dtype=np.float32)
        values[block_rows, start + block_rows] = -np.inf  # a paper is not its own neighbour
        best = np.argpartition(-values, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(values, best, axis=1)
        # Best first; equal scores in index order, so the outcome never depends on the partition.
        order = np.lexsort((best, -best_scores), axis=1)
        indices[start:stop] = np.take_along_axis(best, order, axis=1)
        scores[start:stop] = np.take_along_axis(best_scores, order, axis=1)
    return Neighbours(indices, scores)


def _rerank(vectors: TermVectors, candidates: Neighbours, k: int) -> Neighbours:
    """Re-score candidate pairs by their exact tf-idf cosine and keep the k best of each row."""
    rows, width = candidates.indices.shape
    indices = np.empty((rows, k), dtype=np.int64)
    scores = np.empty((rows, k), dtype=np.float32)
    block = max(1, BLOCK_CELLS // (width * 64))
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        found = candidates.indices[start:stop]
        exact = pair_scores(vectors, np.repeat(np.arange(start, stop), width), found.ravel())
        exact = exact.reshape(found.shape)
        order = np.lexsort((found, -exact), axis=1)[:, :k]
        indices[start:stop] = np.take_along_axis(found, order, axis=1)
        scores[start:stop] = np.take_along_axis(exact, order, axis=1)
    return Neighbours(indices, scores)


def pair_scores(vectors: TermVectors, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The exact tf-idf cosine of each pair (left[n], right[n])."""
    products = vectors.matrix[left].multiply(vectors.matrix[right])
    return np.asarray(products.sum(axis=1), dtype=np.float32).ravel()


def related_papers(
    vectors: TermVectors, neighbours: Neighbours, count: int = RELATED_COUNT
) -> dict[str, tuple[RelatedPaper, ...]]:
    """Each paper's ``count`` most related papers that share at least one term, with the shared terms."""
    ids = vectors.paper_ids
    count = min(count, neighbours.indices.shape[1])
    related: dict[str, tuple[RelatedPaper, ...]] = {pid: () for pid in ids}
    if count == 0:
        return related
    rows = np.repeat(np.arange(len(ids)), count)
    others = neighbours.indices[:, :count].ravel()
    shared = _shared_terms(vectors, rows, others)
    scores = neighbours.scores[:, :count].ravel()
    for row in range(len(ids)):
        entries = []
        for position in range(row * count, (row + 1) * count):
            if scores[position] > 0 and shared[position]:
                entries.append(
                    RelatedPaper(ids[others[position]], float(scores[position]), shared[position])
                )
        related[ids[row]] = tuple(entries)
    return related


def _shared_terms(
    vectors: TermVectors, left: np.ndarray, right: np.ndarray
) -> list[tuple[str, ...]]:
    """For each pair, the terms that contribute most to its similarity, as readable phrases."""
    products = vectors.matrix[left].multiply(vectors.matrix[right]).tocsr()
    terms = vectors.terms
    result = []
    for pair in range(products.shape[0]):
        start, stop = products.indptr[pair], products.indptr[pair + 1]
        weights = products.data[start:stop]
        columns = products.indices[start:stop]
        # Strongest first, ties by term, so the reason reads the same on every build.
        order = np.lexsort((columns, -weights))[: REASON_TERMS * 4]
        result.append(key_phrases([terms[c] for c in columns[order]], REASON_TERMS))
    return result


def key_phrases(ranked_terms: list[str], limit: int) -> tuple[str, ...]:
    """Up to ``limit`` phrases from terms ranked best first, skipping words a kept phrase already says
    (plurals count as the same word) and joining overlapping pairs ("graph neural" + "neural networks")."""
    phrases: list[list[str]] = []
    for term in ranked_terms:
        words = term.split()
        stems = {_stem(w) for w in words}
        if any(stems <= {_stem(w) for w in kept} for kept in phrases):
            continue
        changed = None
        for kept in phrases:
            if len(words) == 2 and len(kept) < 4 and _stem(kept[-1]) == _stem(words[0]):
                kept.append(words[1])
                changed = kept
                break
            if len(words) == 2 and len(kept) < 4 and _stem(kept[0]) == _stem(words[1]):
                kept.insert(0, words[0])
                changed = kept
                break
        if changed is None:
            changed = words
            phrases.append(words)
        # The longer phrase replaces the single words it contains ("graph" then "graph rewiring").
        covered = {_stem(w) for w in changed}
        phrases = [k for k in phrases if k is changed or not {_stem(w) for w in k} <= covered]
        if len(phrases) == limit:
            break
    return tuple(" ".join(words) for words in phrases)


def _stem(word: str) -> str:
    """A word without its plural ending, enough to see "network" and "networks" as one."""
    if word.endswith("sses"):
        return word[:-2]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
