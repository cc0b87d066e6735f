"""What the discovery found, as pages use it: each paper's topics and related papers, the topics'
colours, the map drawing, the statistics and the fields it adds to ``papers.json``."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, NamedTuple

from generator.discover.related import RelatedPaper
from generator.discover.stage import Discovery
from generator.discover.topics import Topic, topic_title
from generator.model import Corpus, Paper
from generator.pages.charts import MapView, bar_chart, colour_class, map_view, overlap_chart


class RelatedEntry(NamedTuple):
    """A related paper as its neighbour's page lists it (a named tuple: each page has its own,
    which the page's cache key encodes with the page rather than digesting one by one)."""

    paper: Paper
    related: RelatedPaper

    @property
    def reason(self) -> str:
        """One line saying why the two papers are related."""
        return "Shares " + ", ".join(f"“{term}”" for term in self.related.shared_terms)


@dataclass(frozen=True)
class TopicPalette:
    """The palette class of each topic, called from templates as ``topic_colour(slug)``. A small
    value, not a method of Findings: the build cache keys pages by their context's repr."""

    positions: tuple[tuple[str, int], ...]  # (slug, position among the topics)

    def __call__(self, slug: str) -> str:
        """The palette class of a topic (``none`` for an unknown slug)."""
        return colour_class(dict(self.positions).get(slug))


@dataclass(frozen=True)
class Findings:
    """What the discovery found, as the pages look it up: by paper, by topic, and drawn."""

    corpus: Corpus
    discovery: Discovery

    def __post_init__(self) -> None:
        topics = self.discovery.topics.topics
        object.__setattr__(self, "_topics", {t.slug: t for t in topics})
        object.__setattr__(self, "_colours", {t.slug: i for i, t in enumerate(topics)})
        palette = TopicPalette(tuple((t.slug, i) for i, t in enumerate(topics)))
        object.__setattr__(self, "topic_colour", palette)

    @property
    def topics(self) -> tuple[Topic, ...]:
        """Every topic, in the order the site lists them."""
        return tuple(self.discovery.topics.topics)

    def paper_topics(self, paper: Paper) -> list[Topic]:
        """The topics of a paper, strongest first."""
        return [self._topics[s] for s in self.discovery.topics.paper_topics.get(paper.id, ())]

    def related(self, paper: Paper) -> list[RelatedEntry]:
        """The papers related to ``paper``, most related first."""
        return [
            RelatedEntry(self.corpus.paper(r.paper_id), r)
            for r in self.discovery.related.get(paper.id, ())
        ]

    def map(self) -> MapView:
        """The map drawing: every paper coloured by its strongest topic, each topic labelled."""
        positions = self.discovery.positions
        points = []
        by_topic: dict[str, list[tuple[float, float]]] = {}
        for paper in self.corpus.papers:
            x, y = positions[paper.id]
            slugs = self.discovery.topics.paper_topics.get(paper.id, ())
            topic = self._colours.get(slugs[0]) if slugs else None
            points.append((x, y, paper.url_path, paper.title, topic))
            if slugs:
                by_topic.setdefault(slugs[0], []).append((x, y))
        labels = []
        for slug, spots in by_topic.items():
            topic = self._topics[slug]
            x = statistics.median(s[0] for s in spots)
            y = statistics.median(s[1] for s in spots)
            labels.append((x, y, _short_title(topic), topic.url_path, self._colours[slug]))
        # Larger topics place their labels first; smaller ones move aside when they collide.
        size = {self._colours[s]: len(self._topics[s].paper_ids) for s in by_topic}
        labels.sort(key=lambda label: (-size[label[4]], label[2]))
        return map_view(points, labels)

    def statistics(self) -> dict[str, Any]:
        """The context of the statistics page: papers per collection and topic, and their overlaps."""
        corpus = self.corpus
        collections = corpus.collections
        per_collection = bar_chart(
            [(c.title, len(c.paper_ids), c.url_path, "bar") for c in collections]
        )
        topics = self.discovery.topics.topics
        per_topic = bar_chart(
            [(t.title, len(t.paper_ids), t.url_path, self.topic_colour(t.slug)) for t in topics]
        )
        position = {c.id: i for i, c in enumerate(collections)}
        shared: dict[tuple[int, int], int] = {}
        for paper in corpus.papers:
            indexes = [position[cid] for cid in paper.collections]
            for i in indexes:
                for j in indexes:
                    shared[i, j] = shared.get((i, j), 0) + 1
        overlap = overlap_chart([(c.title, c.url_path) for c in collections], shared)
        in_several = sum(1 for p in corpus.papers if len(p.collections) > 1)
        return {
            "per_collection": per_collection,
            "per_topic": per_topic,
            "overlap": overlap,
            "paper_count": len(corpus.papers),
            "collection_count": len(collections),
            "topic_count": len(topics),
            "in_several": in_several,
        }

    def papers_json_fields(self) -> dict[str, dict[str, Any]]:
        """What each paper's ``papers.json`` entry gains: related paper ids and topic slugs."""
        return {
            paper.id: {
                "related": [r.paper_id for r in self.discovery.related.get(paper.id, ())],
                "topics": list(self.discovery.topics.paper_topics.get(paper.id, ())),
            }
            for paper in self.corpus.papers
        }


def _short_title(topic: Topic) -> str:
    """A topic's name short enough for a map label: its first two phrases, unless site.yml named it."""
    if topic.title != topic_title(topic.key_phrases):
        return topic.title
    return topic_title(topic.key_phrases[:2])
