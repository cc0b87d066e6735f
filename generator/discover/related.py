"""Related papers: each paper's nearest neighbours by cosine similarity of tf-idf vectors.

No all-pairs matrix is ever held: scores are computed a block of rows at a time and only each row's
top k survive. Up to ``EXACT_UP_TO`` papers the scores are exact sparse products of the tf-idf rows.
Above it the search is an inverted-file index over the dense SVD embedding: k-means splits the papers
into about sqrt(n) cells, each paper is compared only with the papers of its ``PROBES`` nearest cells
(so the work grows as n^1.5, not n^2), and the candidates found are re-ranked by their exact tf-idf
cosine. Memory stays linear in the corpus.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from generator.discover.vectors import RANDOM_SEED, TermVectors

RELATED_COUNT = 5
# Lowest tf-idf cosine at which a neighbour is shown as related: below it the pair shares only
# common words and is rarely about the same thing. Calibrated on the 545 seed papers: of their
# 1st..5th neighbours' cosines (median 0.20 for the 1st, 0.12 for the 5th), sampled pairs read
# about one in three on the same subject below 0.10 ("Bidding in Spades" and a Rubik's cube solver,
# 0.07; binary search and policy gradients, 0.09), about half from 0.10 to 0.11 and two in three
# from 0.11 to 0.12 ("Light Schrödinger Bridge" and Sinkhorn's algorithm, 0.106, both optimal
# transport). At 0.10, 395 seed papers keep five related papers, 50 four, 42 three, 31 two, 23 one
# and 4 none. A floor relative to the first neighbour's cosine read worse: a paper with one near
# twin would lose good neighbours (the 5th at a fifth of the 1st can still be on the subject), and
# a paper with only weak ones would keep them all. The map and search ranking keep every neighbour.
RELATED_FLOOR = 0.10
# Neighbours kept per paper: the first RELATED_COUNT are shown, all of them shape the map.
NEIGHBOURS = 10
EXACT_UP_TO = 5000
# Candidates per paper taken from the embedding before exact re-ranking.
CANDIDATES = 20
# Cells of the inverted file each paper searches.
PROBES = 8
# k-means for the inverted file: Lloyd rounds, on a sample of this many papers per cell.
KMEANS_ROUNDS = 10
KMEANS_SAMPLE_PER_CELL = 64
# Scores held at once (rows of a block × papers): bounds memory whatever the corpus size.
BLOCK_CELLS = 4_000_000
REASON_TERMS = 3
# Pairs whose tf-idf rows are multiplied at once (each pair holds a few hundred terms).
PAIR_BLOCK = 16_384
# Share of a pair's strongest shared term below which a term is not considered for the reason.
REASON_FLOOR = 0.05


@dataclass(frozen=True)
class Neighbours:
    """Each paper's nearest other papers (row indices, best first) and their cosine similarities."""

    indices: np.ndarray  # (papers, k) int
    scores: np.ndarray  # (papers, k) float32

    def similar_rows(self) -> np.ndarray:
        """The indices as int32, -1 where a neighbour shares nothing (a cosine of 0)."""
        return np.where(self.scores > 0, self.indices, -1).astype(np.int32)


class RelatedPaper(NamedTuple):
    """One related paper as a paper page shows it: which, how close, and the terms both share.

    A named tuple, not a dataclass: a large corpus has hundreds of thousands, sent from the
    discovery process to the build's, and a tuple unpickles four times faster (2 s at 50,000
    papers for dataclasses, on the build's critical path)."""

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
    candidates = _inverted_file_top_k(embedded, min(CANDIDATES, rows - 1))
    return _rerank(vectors, candidates, k)


def _inverted_file_top_k(embedded: np.ndarray, k: int) -> Neighbours:
    """Approximate top k by embedding cosine: each paper against the papers of its nearest cells."""
    rows = embedded.shape[0]
    cells = max(PROBES, int(np.sqrt(rows)))
    centres, cell_of = kmeans(embedded, cells)
    # Each paper's PROBES nearest cells (in no particular order: only the set matters).
    probes = np.empty((rows, PROBES), dtype=np.int64)
    block = max(1, BLOCK_CELLS // cells)
    for start in range(0, rows, block):
        centroid_scores = embedded[start : start + block] @ centres.T
        probes[start : start + block] = np.argpartition(-centroid_scores, PROBES - 1, axis=1)[
            :, :PROBES
        ]
    found = np.full((rows, PROBES * k), -1, dtype=np.int32)
    found_scores = np.full((rows, PROBES * k), -np.inf, dtype=np.float32)
    # Papers and probes grouped by cell once, rather than searched for cell by cell.
    by_cell = np.argsort(cell_of, kind="stable")
    cell_starts = np.searchsorted(cell_of[by_cell], np.arange(cells + 1))
    by_probe = np.argsort(probes.ravel(), kind="stable")
    probe_starts = np.searchsorted(probes.ravel()[by_probe], np.arange(cells + 1))
    for cell in range(cells):
        members = by_cell[cell_starts[cell] : cell_starts[cell + 1]]
        queries, slot = np.divmod(by_probe[probe_starts[cell] : probe_starts[cell + 1]], PROBES)
        if len(members) == 0 or len(queries) == 0:
            continue
        take = min(k, len(members))
        for start in range(0, len(queries), max(1, BLOCK_CELLS // len(members))):
            block = queries[start : start + max(1, BLOCK_CELLS // len(members))]
            block_slot = slot[start : start + len(block)]
            values = embedded[block] @ embedded[members].T
            # Not its own neighbour (members are ascending: find each query among them).
            own = np.minimum(np.searchsorted(members, block), len(members) - 1)
            mine = np.flatnonzero(members[own] == block)
            values[mine, own[mine]] = -np.inf
            best = np.argpartition(-values, take - 1, axis=1)[:, :take]
            columns = block_slot[:, None] * k + np.arange(take)[None, :]
            found[block[:, None], columns] = members[best]
            found_scores[block[:, None], columns] = np.take_along_axis(values, best, axis=1)
    indices = np.empty((rows, k), dtype=np.int64)
    scores = np.empty((rows, k), dtype=np.float32)
    block = max(1, BLOCK_CELLS // (PROBES * k))
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        indices[start:stop], scores[start:stop] = _best_of(
            found[start:stop], found_scores[start:stop], k
        )
    # A paper whose cells held fewer than k others: pad with itself, scored as no match.
    missing = indices < 0
    indices[missing] = np.nonzero(missing)[0]
    scores[missing] = -np.inf
    return Neighbours(indices, scores)


def _best_of(found: np.ndarray, found_scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of each row (no paper twice in a row), best first, equal scores in index order.
    A row with more than k scores at or above its k-th best (a tie at the edge of the partition)
    is ranked in full instead."""
    best = np.argpartition(-found_scores, k - 1, axis=1)[:, :k]
    best_scores = np.take_along_axis(found_scores, best, axis=1)
    best_found = np.take_along_axis(found, best, axis=1).astype(np.int64)
    kth = best_scores.min(axis=1, keepdims=True)
    tied = np.flatnonzero((found_scores >= kth).sum(axis=1) > k)
    if len(tied):
        full = np.lexsort((found[tied], -found_scores[tied]), axis=1)[:, :k]
        best_scores[tied] = np.take_along_axis(found_scores[tied], full, axis=1)
        best_found[tied] = np.take_along_axis(found[tied], full, axis=1)
    order = np.lexsort((best_found, -best_scores), axis=1)
    return np.take_along_axis(best_found, order, axis=1), np.take_along_axis(
        best_scores, order, axis=1
    )


def kmeans(points: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """``cells`` centres found by Lloyd's k-means on a seeded sample of the points (started by
    k-means++), and the nearest centre of every point."""
    rng = np.random.default_rng(RANDOM_SEED)
    rows = len(points)
    sample = points
    if rows > KMEANS_SAMPLE_PER_CELL * cells:
        sample = points[np.sort(rng.choice(rows, KMEANS_SAMPLE_PER_CELL * cells, replace=False))]
    centres = _spread_centres(sample, cells, rng)
    for _ in range(KMEANS_ROUNDS):
        nearest = _nearest_centre(sample, centres)
        order = np.argsort(nearest, kind="stable")
        sizes = np.bincount(nearest, minlength=cells)
        filled = np.flatnonzero(sizes)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))[filled]
        sums = np.add.reduceat(sample[order].astype(np.float64), starts, axis=0)
        moved = centres.copy()
        moved[filled] = (sums / sizes[filled, None]).astype(points.dtype)
        if np.array_equal(moved, centres):
            break
        centres = moved  # a cell left empty keeps its centre
    return centres, _nearest_centre(points, centres)


def _spread_centres(sample: np.ndarray, cells: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++: each next centre a sample point drawn with probability growing with the square
    of its distance to the nearest centre so far, so that the centres start spread out."""
    chosen = [int(rng.integers(len(sample)))]
    distance = ((sample - sample[chosen[0]]) ** 2).sum(axis=1, dtype=np.float64)
    for _ in range(1, cells):
        total = distance.sum()
        if total <= 0:  # fewer distinct points than cells: repeat one
            chosen.append(chosen[-1])
            continue
        pick = int(np.searchsorted(np.cumsum(distance), rng.random() * total, side="right"))
        chosen.append(min(pick, len(sample) - 1))
        closer = ((sample - sample[chosen[-1]]) ** 2).sum(axis=1, dtype=np.float64)
        np.minimum(distance, closer, out=distance)
    return sample[chosen].copy()


def _nearest_centre(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The number of each point's nearest centre (Euclidean), a block of points at a time."""
    lengths = (centres.astype(np.float64) ** 2).sum(axis=1).astype(points.dtype)
    nearest = np.empty(len(points), dtype=np.int64)
    block = max(1, BLOCK_CELLS // len(centres))
    for start in range(0, len(points), block):
        # |p - c|^2 = |p|^2 - 2 p.c + |c|^2: the point's own length does not change the ranking.
        closeness = 2.0 * (points[start : start + block] @ centres.T) - lengths
        nearest[start : start + block] = np.argmax(closeness, axis=1)
    return nearest


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
    block = max(1, PAIR_BLOCK // width)
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        found = candidates.indices[start:stop]
        exact = pair_scores(vectors, np.repeat(np.arange(start, stop), width), found.ravel())
        exact = exact.reshape(found.shape)
        exact[~np.isfinite(candidates.scores[start:stop])] = -np.inf  # padding, not a paper
        exact[found == np.arange(start, stop)[:, None]] = -np.inf
        order = np.lexsort((found, -exact), axis=1)[:, :k]
        indices[start:stop] = np.take_along_axis(found, order, axis=1)
        scores[start:stop] = np.take_along_axis(exact, order, axis=1)
    return Neighbours(indices, scores)


def pair_scores(vectors: TermVectors, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The exact tf-idf cosine of each pair (left[n], right[n])."""
    products = vectors.matrix[left].multiply(vectors.matrix[right])
    return np.asarray(products.sum(axis=1), dtype=np.float32).ravel()


def related_papers(
    vectors: TermVectors,
    neighbours: Neighbours,
    count: int = RELATED_COUNT,
    floor: float = RELATED_FLOOR,
) -> dict[str, tuple[RelatedPaper, ...]]:
    """Each paper's (up to) ``count`` most related papers, with the terms they share: those of its
    nearest neighbours whose cosine is at least ``floor`` (and above 0) and that share at least one
    term. A paper with no close neighbour gets fewer, or none."""
    ids = vectors.paper_ids
    count = min(count, neighbours.indices.shape[1])
    related: dict[str, tuple[RelatedPaper, ...]] = {pid: () for pid in ids}
    if count == 0:
        return related
    rows = np.repeat(np.arange(len(ids)), count)
    others = neighbours.indices[:, :count].ravel()
    # A block of pairs at a time: the products of all pairs' rows at once would not fit in memory.
    shared: list[tuple[str, ...]] = []
    for start in range(0, len(rows), PAIR_BLOCK):
        stop = start + PAIR_BLOCK
        shared += _shared_terms(vectors, rows[start:stop], others[start:stop])
    scores = neighbours.scores[:, :count].ravel().tolist()
    others = others.tolist()
    for row in range(len(ids)):
        entries = []
        for position in range(row * count, (row + 1) * count):
            if scores[position] > 0 and scores[position] >= floor and shared[position]:
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
    products.sum_duplicates()
    pairs = products.shape[0]
    counts = np.diff(products.indptr)
    rows = np.repeat(np.arange(pairs), counts)
    strongest = np.zeros(pairs)
    filled = counts > 0
    strongest[filled] = np.maximum.reduceat(products.data, products.indptr[:-1][filled])
    # Terms far weaker than a pair's strongest never make its reason: drop them before sorting.
    strong = np.flatnonzero(products.data >= REASON_FLOOR * strongest[rows])
    # One sort for all pairs: pair number plus a fraction that falls as the weight rises; a stable
    # sort keeps equal weights in term order, so the reason reads the same on every build.
    key = rows[strong] + (1.0 - products.data[strong] / (strongest[rows[strong]] * 1.000001))
    order = strong[np.argsort(key, kind="stable")]
    first = np.searchsorted(rows[order], np.arange(pairs))
    rank = np.arange(len(order)) - first[rows[order]]
    keep = order[rank < REASON_TERMS * 2]
    kept_rows = rows[keep]
    kept_terms = vectors.terms[products.indices[keep]].tolist()
    bounds = np.searchsorted(kept_rows, np.arange(pairs + 1)).tolist()
    return [
        _key_phrases(tuple(kept_terms[bounds[pair] : bounds[pair + 1]]), REASON_TERMS)
        for pair in range(pairs)
    ]


def key_phrases(ranked_terms: list[str], limit: int) -> tuple[str, ...]:
    """Up to ``limit`` phrases from terms ranked best first, skipping words a kept phrase already says
    (plurals count as the same word) and joining overlapping pairs ("graph neural" + "neural networks")."""
    return _key_phrases(tuple(ranked_terms), limit)


@functools.lru_cache(maxsize=1 << 16)
def _key_phrases(ranked_terms: tuple[str, ...], limit: int) -> tuple[str, ...]:
    phrases: list[list[str]] = []
    stems: list[frozenset[str]] = []  # the stems of each phrase's words, kept beside it
    for term in ranked_terms:
        words, term_stems = _term_words(term)
        if any(term_stems <= kept for kept in stems):
            continue
        changed = -1
        if len(words) == 2:
            for number, kept in enumerate(phrases):
                if len(kept) < 4 and _stem(kept[-1]) == _stem(words[0]):
                    kept.append(words[1])
                    changed = number
                    break
                if len(kept) < 4 and _stem(kept[0]) == _stem(words[1]):
                    kept.insert(0, words[0])
                    changed = number
                    break
        if changed < 0:
            phrases.append(list(words))
            stems.append(term_stems)
            changed = len(phrases) - 1
        else:
            stems[changed] = stems[changed] | term_stems
        # The longer phrase replaces the single words it contains ("graph" then "graph rewiring").
        covered = stems[changed]
        keep = [n for n in range(len(phrases)) if n == changed or not stems[n] <= covered]
        phrases = [phrases[n] for n in keep]
        stems = [stems[n] for n in keep]
        if len(phrases) == limit:
            break
    return tuple(" ".join(words) for words in phrases)


@functools.lru_cache(maxsize=1 << 16)
def _term_words(term: str) -> tuple[tuple[str, ...], frozenset[str]]:
    words = tuple(term.split())
    return words, frozenset(_stem(w) for w in words)


@functools.lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """A word without its plural ending, enough to see "network" and "networks" as one."""
    if word.endswith("sses"):
        return word[:-2]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
