"""Layout: a 2-D position per paper for the map, similar papers close together.

The method is a small version of UMAP's: start from the two principal axes of the paper embedding, then
pull each paper towards its nearest neighbours (the related-papers graph) and push it away from a few
randomly drawn others, for a fixed number of rounds with a shrinking step. Every round is a handful of
vector operations over the edges, so the cost grows linearly with the papers; the random draws use a
fixed seed, so the map is the same on every build.
"""

from __future__ import annotations

import numpy as np

from generator.discover.related import Neighbours
from generator.discover.vectors import RANDOM_SEED

ROUNDS = 200
# Fewer rounds on a large corpus: each round costs time in proportion to the papers.
ROUNDS_LARGE = 80
LARGE = 10_000
NEGATIVE_SAMPLES = 3
MAX_STEP = 4.0
# Once topics are placed, neighbours only nudge papers: a few gentle rounds.
REFINE_ROUNDS = 30
REFINE_STEP = 0.05
# How far a paper moves towards each of its other topics' regions.
SECOND_TOPIC_PULL = 0.15


def map_positions(
    embedded: np.ndarray, neighbours: Neighbours, memberships: list[tuple[int, ...]], topics: int
) -> np.ndarray:
    """Positions in [0, 1] x [0, 1], one row per paper: each topic a region placed by how alike the
    topics are, each paper inside it by its own similarities, then nudged towards its neighbours."""
    rows = embedded.shape[0]
    if rows < 3:
        return _spread(rows)
    if topics == 0 or not any(memberships):
        positions = _principal_axes(embedded) * 10.0
        return _scaled(
            _refine(positions, neighbours, ROUNDS if rows <= LARGE else ROUNDS_LARGE, 1.0)
        )
    primary = np.array([m[0] if m else -1 for m in memberships])
    sizes = np.bincount(primary[primary >= 0], minlength=topics).astype(np.float64)
    radius = np.sqrt(np.maximum(sizes, 1.0))
    centres = _topic_centres(embedded, primary, topics, radius)
    positions = np.zeros((rows, 2))
    for topic in range(topics):
        members = np.flatnonzero(primary == topic)
        if len(members):
            positions[members] = centres[topic] + radius[topic] * _disc(embedded[members])
    # A paper in several topics leans towards the others' regions.
    for row, topic_list in enumerate(memberships):
        for other in topic_list[1:]:
            positions[row] += SECOND_TOPIC_PULL * (centres[other] - centres[topic_list[0]])
    lonely = np.flatnonzero(primary < 0)
    if len(lonely) and neighbours.indices.shape[1]:
        positions[lonely] = positions[neighbours.indices[lonely]].mean(axis=1)
    scale = np.sqrt(sizes.sum() / topics) or 1.0
    positions = _refine(positions / scale * 10.0, neighbours, REFINE_ROUNDS, REFINE_STEP)
    return _scaled(positions)


def _topic_centres(
    embedded: np.ndarray, primary: np.ndarray, topics: int, radius: np.ndarray
) -> np.ndarray:
    """A centre per topic: alike topics close (classical MDS of their centroids' cosine distance),
    then pushed apart until no two regions overlap."""
    centroids = np.zeros((topics, embedded.shape[1]))
    np.add.at(centroids, primary[primary >= 0], embedded[primary >= 0])
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids /= np.where(norms > 0, norms, 1.0)
    distance = 1.0 - centroids @ centroids.T
    centring = np.eye(topics) - 1.0 / topics
    gram = -0.5 * centring @ (distance**2) @ centring
    values, vectors = np.linalg.eigh(gram)
    order = np.argsort(values)[::-1][:2]
    centres = vectors[:, order] * np.sqrt(np.maximum(values[order], 1e-9))
    if centres.shape[1] < 2:
        centres = np.hstack([centres, np.zeros((topics, 2 - centres.shape[1]))])
    signs = np.sign(centres[np.abs(centres).argmax(axis=0), [0, 1]])
    centres *= np.where(signs == 0, 1.0, signs)
    spread = np.abs(centres).max() or 1.0
    centres = centres / spread * radius.sum() / 2.0
    # Push overlapping regions apart, all pairs at once, until none overlaps (or enough rounds).
    needed = (radius[:, None] + radius[None, :]) * 1.15
    np.fill_diagonal(needed, 0.0)
    for _ in range(500):
        gap = centres[None, :, :] - centres[:, None, :]  # gap[a, b] = centres[b] - centres[a]
        distance = np.hypot(gap[..., 0], gap[..., 1])
        overlap = np.where(distance < needed, needed - distance, 0.0)
        if not overlap.any():
            break
        safe = np.where(distance > 1e-9, distance, 1.0)
        direction = gap / safe[..., None]
        # Coincident centres part along a fixed direction, so the result stays deterministic.
        order = np.sign(np.arange(len(centres))[None, :] - np.arange(len(centres))[:, None])
        coincident = distance <= 1e-9
        direction[coincident] = np.sqrt(0.5) * order[coincident][:, None]
        centres = centres - 0.5 * (overlap[..., None] * direction).sum(axis=1) / 2.0
    return centres


def _disc(embedded: np.ndarray) -> np.ndarray:
    """Papers of one topic spread over a unit disc by their own two principal axes."""
    if len(embedded) < 3:
        return np.zeros((len(embedded), 2))
    local = _principal_axes(embedded)
    # Radial rank scaling fills the disc evenly instead of leaving a dense core and a few strays.
    length = np.hypot(local[:, 0], local[:, 1])
    rank = np.empty(len(length))
    rank[np.lexsort((np.arange(len(length)), length))] = np.arange(len(length))
    target = np.sqrt((rank + 0.5) / len(length))
    return local * (target / np.where(length > 0, length, 1.0))[:, None]


def _refine(
    positions: np.ndarray, neighbours: Neighbours, rounds: int, step_size: float
) -> np.ndarray:
    """Pull papers towards their nearest neighbours and away from random others (UMAP's forces)."""
    rows = positions.shape[0]
    if neighbours.indices.shape[1] == 0:
        return positions
    keep = neighbours.scores > 0
    heads = np.repeat(np.arange(rows), neighbours.indices.shape[1])[keep.ravel()]
    tails = neighbours.indices.ravel()[keep.ravel()]
    weights = neighbours.scores.ravel()[keep.ravel()].astype(np.float64)
    weights /= weights.max() if len(weights) else 1.0
    degree = np.bincount(heads, minlength=rows) + np.bincount(tails, minlength=rows) + 1.0
    rng = np.random.default_rng(RANDOM_SEED)
    pull_weights = -2.0 * weights
    # x and y held apart: each force is a few passes over flat arrays of edges.
    x, y = positions[:, 0].copy(), positions[:, 1].copy()
    for round_number in range(rounds):
        step = step_size * (1.0 - round_number / rounds)
        head_x, head_y = x[heads], y[heads]
        dx, dy = head_x - x[tails], head_y - y[tails]
        scale = pull_weights / (1.0 + (dx * dx + dy * dy))
        pull_x = np.clip(scale * dx, -MAX_STEP, MAX_STEP)
        pull_y = np.clip(scale * dy, -MAX_STEP, MAX_STEP)
        force_x = _sum_into(heads, pull_x, rows) - _sum_into(tails, pull_x, rows)
        force_y = _sum_into(heads, pull_y, rows) - _sum_into(tails, pull_y, rows)
        others = rng.integers(0, rows, size=(len(heads), NEGATIVE_SAMPLES))
        for column in range(NEGATIVE_SAMPLES):
            dx, dy = head_x - x[others[:, column]], head_y - y[others[:, column]]
            distance2 = dx * dx + dy * dy
            scale = 2.0 / ((0.01 + distance2) * (1.0 + distance2))
            force_x += _sum_into(heads, np.clip(scale * dx, -MAX_STEP, MAX_STEP), rows)
            force_y += _sum_into(heads, np.clip(scale * dy, -MAX_STEP, MAX_STEP), rows)
        x = x + step * force_x / degree
        y = y + step * force_y / degree
    return np.column_stack([x, y])


def _sum_into(index: np.ndarray, values: np.ndarray, rows: int) -> np.ndarray:
    """Sum ``values`` into ``rows`` slots by ``index`` (a fast ``np.add.at``)."""
    return np.bincount(index, weights=values, minlength=rows)


def _principal_axes(embedded: np.ndarray) -> np.ndarray:
    """The papers projected on the embedding's two principal axes, scaled to unit spread."""
    centred = embedded - embedded.mean(axis=0)
    _, _, axes = np.linalg.svd(centred[: min(len(centred), 20_000)], full_matrices=False)
    projected = centred @ axes[:2].T
    if projected.shape[1] < 2:
        projected = np.hstack([projected, np.zeros((len(projected), 2 - projected.shape[1]))])
    spread = projected.std(axis=0)
    spread[spread == 0] = 1.0
    # The sign of a singular vector is arbitrary; fix it so the map never flips between builds.
    signs = np.sign(projected[np.abs(projected).argmax(axis=0), [0, 1]])
    signs[signs == 0] = 1.0
    return projected / spread * signs


def _scaled(positions: np.ndarray) -> np.ndarray:
    """Fit positions into the unit square keeping their proportions, centred; the outermost 0.5 %
    are clipped so a few outliers cannot shrink the rest into a dot."""
    low = np.percentile(positions, 0.5, axis=0)
    high = np.percentile(positions, 99.5, axis=0)
    extent = float((high - low).max()) or 1.0
    centred = (positions - (low + high) / 2.0) / extent + 0.5
    return np.clip(centred, 0.0, 1.0)


def _spread(rows: int) -> np.ndarray:
    """Too few papers to lay out: place them on a diagonal."""
    return np.column_stack([np.linspace(0.2, 0.8, rows), np.linspace(0.2, 0.8, rows)])
