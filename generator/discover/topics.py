"""Topics: groups of papers found by non-negative matrix factorisation of the tf-idf matrix.

NMF splits the matrix into paper-topic weights and topic-term weights; a topic is labelled by its
strongest terms, read as phrases, and a paper belongs to its strongest topic and to any other nearly as
strong. The factorisation is seeded, so a build is reproducible. On a large corpus it is fitted on a
seeded sample and every paper is then projected onto the topics found, which bounds its cost.
``site.yml`` may merge, rename and pin topics (``TopicsConfig``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from generator.discover.related import key_phrases
from generator.discover.vectors import RANDOM_SEED, TermVectors, randomized_svd
from generator.errors import Diagnostic
from generator.model import slugify
from generator.read.config import TopicsConfig

# Fewer papers than this make no useful topics.
MIN_PAPERS = 12
MAX_TOPICS = 30
PAPERS_PER_TOPIC = 25
FIT_SAMPLE = 3000
# Terms the factorisation looks at: the most frequent in the papers it is fitted on.
MAX_TERMS = 10_000
# NMF: at most this many rounds of coordinate descent, fewer once the projected gradient has fallen
# to NMF_TOLERANCE of the first round's (scikit-learn's defaults are 200 and 1e-4; 1e-3 is enough
# for topic labels and memberships); power iterations of the SVD that starts it.
NMF_ROUNDS = 200
NMF_TOLERANCE = 1e-3
NMF_SVD_ITERATIONS = 7
# Papers read to find how a topic's phrases are written.
CASING_SAMPLE = 20
LABEL_PHRASES = 3
# A paper also belongs to a topic whose weight is at least this share of its strongest topic's.
SECOND_TOPIC_SHARE = 0.6
MAX_TOPICS_PER_PAPER = 3


@dataclass(frozen=True)
class Topic:
    """One topic: its slug and title, the phrases that define it and its papers, strongest first."""

    slug: str
    title: str
    key_phrases: tuple[str, ...]
    paper_ids: tuple[str, ...]
    pinned: bool = False

    @property
    def url_path(self) -> str:
        """Path of the topic page below the site root."""
        return f"topics/{self.slug}/"


@dataclass(frozen=True)
class TopicModel:
    """All topics in display order and the topic slugs of every paper, strongest first."""

    topics: tuple[Topic, ...]
    paper_topics: dict[str, tuple[str, ...]]
    warnings: tuple[Diagnostic, ...] = ()

    def topic(self, slug: str) -> Topic:
        """Look a topic up by slug."""
        return next(t for t in self.topics if t.slug == slug)


def topic_count(papers: int, configured: int) -> int:
    """How many topics to look for: the configured number, else one per 25 papers, at most 30."""
    if configured:
        return min(configured, papers)
    return min(MAX_TOPICS, max(2, round(papers / PAPERS_PER_TOPIC)))


def find_topics(vectors: TermVectors, config: TopicsConfig) -> TopicModel:
    """Factorise the tf-idf matrix into topics, then apply the merges, names and pins of site.yml."""
    papers = len(vectors.paper_ids)
    if vectors.empty or papers < MIN_PAPERS:
        model = TopicModel((), {pid: () for pid in vectors.paper_ids})
        return _apply_config(model, config)
    weights, term_weights = _factorise(vectors, topic_count(papers, config.count))
    topics = _label(vectors, weights, term_weights)
    return _apply_config(topics, config)


def _factorise(vectors: TermVectors, count: int) -> tuple[np.ndarray, np.ndarray]:
    rows = vectors.matrix.shape[0]
    # The factorisation's cost grows with the vocabulary: keep the terms most papers use.
    sample = (
        np.arange(rows)
        if rows <= FIT_SAMPLE
        else np.sort(np.random.default_rng(RANDOM_SEED).choice(rows, FIT_SAMPLE, False))
    )
    fit_matrix = vectors.matrix[sample]
    frequency = np.bincount(fit_matrix.indices, minlength=fit_matrix.shape[1])
    columns = np.sort(np.lexsort((np.arange(len(frequency)), -frequency))[:MAX_TERMS])
    matrix = vectors.matrix[:, columns]
    count = min(count, matrix.shape[1])
    if rows <= FIT_SAMPLE:
        weights, components = nmf(matrix, count)
    else:
        components = nmf(matrix[sample], count)[1]
        # Every paper's weights by one sparse product with the unit-length topic vectors: far
        # cheaper than solving NMF for 50,000 rows, and it ranks topics the same way.
        topics = components / np.maximum(np.linalg.norm(components, axis=1, keepdims=True), 1e-12)
        weights = np.asarray(matrix @ topics.T)
    term_weights = np.zeros((count, vectors.matrix.shape[1]))
    term_weights[:, columns] = components
    return weights, term_weights


def nmf(matrix, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative W (rows x count) and H (count x columns) with W @ H close to the sparse
    ``matrix`` (least squares): NNDSVDa start, then coordinate descent (HALS, as scikit-learn's
    "cd" solver) until the projected gradient falls to NMF_TOLERANCE of the first round's."""
    weights, components = _nndsvda(matrix, count)
    # Both factors held topic by topic (W transposed), so that each update reads contiguous rows.
    # Single precision: the updates read and write every factor entry each round.
    weights_t = np.ascontiguousarray(weights.T, dtype=np.float32)
    components = components.astype(np.float32)
    transposed = matrix.T.tocsr()
    first = None
    for _ in range(NMF_ROUNDS):
        violation = _descend(matrix, weights_t, components)
        violation += _descend(transposed, components, weights_t)
        if first is None:
            first = violation
        if first == 0 or violation / first <= NMF_TOLERANCE:
            break
    return weights_t.T.astype(np.float64), components.astype(np.float64)


def _descend(matrix, factor: np.ndarray, other: np.ndarray) -> float:
    """One round of coordinate descent on ``factor`` (topics x rows of ``matrix``, in place) with
    ``other`` (topics x its columns) fixed, one topic at a time; returns the size of the projected
    gradient before the round."""
    gram = other @ other.T
    target = np.ascontiguousarray(np.asarray(matrix @ other.T).T)
    gradient = gram @ factor - target
    violation = float(np.abs(np.where(factor == 0, np.minimum(gradient, 0.0), gradient)).sum())
    for topic in range(factor.shape[0]):
        # The first topic's gradient is the one just computed; the others see the updates.
        gradient_row = gram[topic] @ factor - target[topic] if topic else gradient[0]
        if gram[topic, topic] > 0:
            row = factor[topic]
            np.maximum(row - gradient_row / gram[topic, topic], 0.0, out=row)
    return violation


def _nndsvda(matrix, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Boutsidis and Gallopoulos' NNDSVD start from the truncated SVD, zeros set to the mean."""
    left, values, right = randomized_svd(matrix, count, NMF_SVD_ITERATIONS)
    weights = np.zeros((matrix.shape[0], count))
    components = np.zeros((count, matrix.shape[1]))
    weights[:, 0] = np.sqrt(values[0]) * np.abs(left[:, 0])
    components[0] = np.sqrt(values[0]) * np.abs(right[0])
    for axis in range(1, len(values)):
        x, y = left[:, axis], right[axis]
        halves = []
        for sign in (1.0, -1.0):
            u, v = np.maximum(sign * x, 0.0), np.maximum(sign * y, 0.0)
            halves.append((np.linalg.norm(u) * np.linalg.norm(v), u, v))
        # The half (positive or negative parts) that carries more of the axis.
        size, u, v = halves[0] if halves[0][0] > halves[1][0] else halves[1]
        if size == 0:
            continue
        scale = np.sqrt(values[axis] * size)
        weights[:, axis] = scale * u / np.linalg.norm(u)
        components[axis] = scale * v / np.linalg.norm(v)
    average = matrix.sum() / (matrix.shape[0] * matrix.shape[1])
    weights[weights < 1e-6] = average
    components[components < 1e-6] = average
    return weights, components


def _label(vectors: TermVectors, weights: np.ndarray, term_weights: np.ndarray) -> TopicModel:
    """Name each topic by its strongest phrases and give every paper its strongest topics."""
    count = term_weights.shape[0]
    phrases = []
    for row in term_weights:
        ranked = np.lexsort((np.arange(len(row)), -row))[: LABEL_PHRASES * 6]
        phrases.append(key_phrases([vectors.terms[c] for c in ranked], LABEL_PHRASES))
    slugs = _unique_slugs([slugify(" ".join(p[:2])) or "topic" for p in phrases])
    abstracts = {p.id: p.abstract or p.title for p in vectors.papers}

    strongest = weights.max(axis=1)
    # Each paper's strongest topics, equal weights in topic order, all papers at once.
    order = np.argsort(-weights, axis=1, kind="stable")[:, :MAX_TOPICS_PER_PAPER]
    order_weights = np.take_along_axis(weights, order, axis=1)
    chosen_mask = (order_weights >= SECOND_TOPIC_SHARE * strongest[:, None]) & (
        strongest[:, None] > 0
    )
    members: list[list[tuple[float, str]]] = [[] for _ in range(count)]
    paper_topics: dict[str, tuple[str, ...]] = {}
    rows = zip(
        vectors.paper_ids, order.tolist(), order_weights.tolist(), chosen_mask.tolist(), strict=True
    )
    for pid, topic_order, topic_weights, chosen in rows:
        picked = [(t, w) for t, w, c in zip(topic_order, topic_weights, chosen, strict=True) if c]
        paper_topics[pid] = tuple(slugs[t] for t, _ in picked)
        for t, w in picked:
            members[t].append((w, pid))
    topics = []
    for t in range(count):
        if not members[t]:
            continue
        ranked = [pid for _, pid in sorted(members[t], key=lambda m: (-m[0], m[1]))]
        # Phrases as the papers write them ("GNNs", "Gaussian processes"), not lowercased.
        sample = " ".join(abstracts[pid] for pid in ranked[:CASING_SAMPLE])
        cased = tuple(written_form(phrase, sample) for phrase in phrases[t])
        topics.append(Topic(slugs[t], _title(cased), cased, tuple(ranked)))
    return TopicModel(tuple(topics), paper_topics)


def written_form(phrase: str, text: str) -> str:
    """The most common way ``text`` writes ``phrase`` (case-insensitive match), else the phrase."""
    forms = Counter(phrase_matches(phrase, text))
    if not forms:
        return phrase
    # Prefer lowercase among equals: a sentence-initial capital is not how a term is spelled.
    best = max(forms.items(), key=lambda item: (item[1], item[0].islower(), item[0]))[0]
    return " ".join(best.split())


def phrase_matches(phrase: str, text: str) -> Iterator[str]:
    """Each place ``text`` writes ``phrase`` (its words apart by spaces or hyphens, any case), as
    written there, left to right."""
    words = phrase.split()
    pattern = r"\b" + r"[\s-]+".join(re.escape(word) for word in words) + r"\b"
    if not (words and text.isascii() and phrase.isascii()):
        yield from (match.group() for match in re.finditer(pattern, text, re.IGNORECASE))
        return
    # ASCII: the same matches in the lowercased text (as long, as many word characters), found
    # from where the first word occurs: a case-insensitive scan of the whole text took three times
    # as long (66 phrases in 20 abstracts each, for the seeds).
    lowered = text.lower()
    compiled = re.compile(pattern)
    position = lowered.find(words[0])
    while position >= 0:
        match = compiled.match(lowered, position)
        if match is None:
            position = lowered.find(words[0], position + 1)
        else:
            yield text[match.start() : match.end()]
            position = lowered.find(words[0], match.end())


def topic_title(phrases: tuple[str, ...]) -> str:
    """The automatic title of a topic: its phrases, the first capitalised."""
    return _title(phrases)


def _title(phrases: tuple[str, ...]) -> str:
    text = ", ".join(phrases)
    return text[:1].upper() + text[1:]


def _unique_slugs(slugs: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for slug in slugs:
        seen[slug] = seen.get(slug, 0) + 1
        unique.append(slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
    return unique


def _apply_config(model: TopicModel, config: TopicsConfig) -> TopicModel:
    """Merge, then rename, then pin, as ``site.yml`` says; a slug it names that is not there warns."""
    problems: list[Diagnostic] = []
    by_slug, paper_topics = _merge_topics(model, config, problems)
    by_slug, renames = _rename_topics(by_slug, config, problems)
    ordered = _pinned_first(by_slug, config, problems)
    paper_topics = {
        pid: tuple(renames.get(s, s) for s in slugs) for pid, slugs in paper_topics.items()
    }
    return TopicModel(tuple(ordered), paper_topics, model.warnings + tuple(problems))


def _merge_topics(
    model: TopicModel, config: TopicsConfig, problems: list[Diagnostic]
) -> tuple[dict[str, Topic], dict[str, tuple[str, ...]]]:
    """The topics by slug and each paper's topic slugs once ``merge`` has joined its topics; a slug
    it names that is not there adds to ``problems``."""
    by_slug = {t.slug: t for t in model.topics}
    paper_topics = dict(model.paper_topics)
    for target, sources in config.merge.items():
        # The target keeps its own papers when it is a topic already.
        found = [by_slug[s] for s in dict.fromkeys([*sources, target]) if s in by_slug]
        for source in sources:
            if source not in by_slug:
                problems.append(_unknown(config, f"merge.{target}", source, by_slug))
        if not found:
            continue
        merged = _merged_topic(target, by_slug.get(target, found[0]), found)
        gone = {t.slug for t in found}
        by_slug = {s: t for s, t in by_slug.items() if s not in gone}
        by_slug[target] = merged
        for pid, slugs in paper_topics.items():
            if gone & set(slugs):
                renamed = (target if s in gone else s for s in slugs)
                paper_topics[pid] = tuple(dict.fromkeys(renamed))
    return by_slug, paper_topics


def _merged_topic(slug: str, base: Topic, found: list[Topic]) -> Topic:
    """One topic of the papers of ``found``, each at its best place in any of them, named as ``base``."""
    rank = {}
    for topic in found:
        for position, pid in enumerate(topic.paper_ids):
            rank[pid] = min(rank.get(pid, position), position)
    return Topic(
        slug=slug,
        title=base.title,
        key_phrases=base.key_phrases,
        paper_ids=tuple(sorted(rank, key=lambda pid: (rank[pid], pid))),
    )


def _rename_topics(
    by_slug: dict[str, Topic], config: TopicsConfig, problems: list[Diagnostic]
) -> tuple[dict[str, Topic], dict[str, str]]:
    """The topics (still under their old slugs) with the titles ``rename`` gives, and each renamed
    topic's new slug; a slug it names that is not there adds to ``problems``."""
    by_slug = dict(by_slug)
    renames: dict[str, str] = {}
    for slug, title in config.rename.items():
        if slug not in by_slug:
            problems.append(_unknown(config, "rename", slug, by_slug))
            continue
        new_slug = slugify(title) or slug
        if new_slug != slug and new_slug in by_slug:
            new_slug = slug  # the name's slug is taken: keep the old address rather than clash
        renames[slug] = new_slug
        old = by_slug[slug]
        by_slug[slug] = Topic(new_slug, title, old.key_phrases, old.paper_ids)
    return by_slug, renames


def _pinned_first(
    by_slug: dict[str, Topic], config: TopicsConfig, problems: list[Diagnostic]
) -> list[Topic]:
    """The topics in site order: those ``pin`` names first, in its order, then the others, largest
    first; a slug it names that is not there adds to ``problems``."""
    pins = []
    for slug in config.pin:
        if slug not in by_slug:
            problems.append(_unknown(config, "pin", slug, by_slug))
        elif slug not in pins:
            pins.append(slug)
    ordered = [by_slug[s] for s in pins]
    ordered = [Topic(t.slug, t.title, t.key_phrases, t.paper_ids, True) for t in ordered]
    ordered += sorted(
        (t for s, t in by_slug.items() if s not in pins),
        key=lambda t: (-len(t.paper_ids), t.slug),
    )
    return ordered


def _unknown(config: TopicsConfig, key: str, slug: str, by_slug: dict[str, Topic]) -> Diagnostic:
    line = config.lines.get(f"{key}.{slug}", config.lines.get(key, 0))
    known = ", ".join(sorted(by_slug)) or "none"
    return Diagnostic(
        config.source, line, f"topics.{key}: no topic with the slug {slug!r} (topics: {known})"
    )
