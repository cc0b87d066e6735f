"""Scoring the rankings of ``make bench-search``, and the Markdown that shows the scores.

Per query and system, from its first 10 results:

- known-item queries: the rank of the target (None when it is not in the first 10); reciprocal
  rank 1/rank (0 when missing); recall 1 when the target is in the first 10, else 0;
- topical queries: reciprocal rank of the first relevant paper (grade 1 or 2); recall the relevant
  papers in the first 10 over min(10, relevant papers); nDCG@10 with gain 2^grade - 1 and discount
  log2(rank + 1), over the ideal order of all judged papers;
- zero results: the system returned nothing.

Per category and system: the means of these (MRR@10, recall@10, zero-result rate, nDCG@10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.search_systems import LIMIT, Ranking


@dataclass(frozen=True)
class Query:
    """One query of a category: its text and what answers it (a target, or graded judgments)."""

    category: str
    text: str
    target: str | None = None
    judgments: tuple[tuple[str, int], ...] = ()
    label: str = ""  # the target's title, or how many papers are relevant


@dataclass(frozen=True)
class Outcome:
    """How one system did on one query."""

    ranking: tuple[str, ...]
    rank: int | None  # first relevant (or the target) among the first LIMIT, from 1
    reciprocal_rank: float
    recall: float
    ndcg: float | None  # topical queries only

    @property
    def zero(self) -> bool:
        """The system found nothing."""
        return not self.ranking


def first_rank(ranking: Ranking, relevant: set[str]) -> int | None:
    """The rank (from 1) of the first relevant id among the first LIMIT, if any."""
    return next((i for i, doc in enumerate(ranking[:LIMIT], 1) if doc in relevant), None)


def ndcg(ranking: Ranking, grades: dict[str, int]) -> float:
    """nDCG@LIMIT with gain 2^grade - 1."""
    gain = sum(
        (2 ** grades.get(doc, 0) - 1) / math.log2(i + 1) for i, doc in enumerate(ranking[:LIMIT], 1)
    )
    ideal_grades = sorted(grades.values(), reverse=True)[:LIMIT]
    ideal = sum((2**g - 1) / math.log2(i + 1) for i, g in enumerate(ideal_grades, 1))
    return gain / ideal if ideal else 0.0


def score(query: Query, ranking: Ranking) -> Outcome:
    """The outcome of ``ranking`` for ``query``."""
    top = tuple(ranking[:LIMIT])
    if query.target is not None:
        rank = first_rank(top, {query.target})
        return Outcome(top, rank, 1 / rank if rank else 0.0, 1.0 if rank else 0.0, None)
    grades = {doc: grade for doc, grade in query.judgments if grade > 0}
    rank = first_rank(top, set(grades))
    found = sum(1 for doc in top if doc in grades)
    recall = found / min(LIMIT, len(grades)) if grades else 0.0
    return Outcome(top, rank, 1 / rank if rank else 0.0, recall, ndcg(top, grades))


@dataclass(frozen=True)
class Summary:
    """The means over one category (or all known-item queries) for one system."""

    category: str
    system: str
    queries: int
    mrr: float
    recall: float
    zero: float
    ndcg: float | None


def summarise(category: str, system: str, outcomes: list[Outcome]) -> Summary:
    """The means of ``outcomes``."""
    n = max(len(outcomes), 1)
    ndcgs = [o.ndcg for o in outcomes if o.ndcg is not None]
    return Summary(
        category,
        system,
        len(outcomes),
        sum(o.reciprocal_rank for o in outcomes) / n,
        sum(o.recall for o in outcomes) / n,
        sum(o.zero for o in outcomes) / n,
        sum(ndcgs) / len(ndcgs) if ndcgs else None,
    )


def summary_table(summaries: list[Summary]) -> list[str]:
    """The Markdown table of the summaries, one row per category and system."""
    lines = [
        "| category | queries | system | MRR@10 | recall@10 | zero results | nDCG@10 |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for s in summaries:
        ndcg_cell = f"{s.ndcg:.3f}" if s.ndcg is not None else ""
        lines.append(
            f"| {s.category} | {s.queries} | {s.system} | {s.mrr:.3f} | {s.recall:.3f} "
            f"| {s.zero:.1%} | {ndcg_cell} |"
        )
    return lines


def cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def rank_cell(outcome: Outcome) -> str:
    """A known-item query's rank for the details table: the rank, '-' when the target is not in
    the first 10, 'none' when the system found nothing."""
    if outcome.zero:
        return "none"
    return str(outcome.rank) if outcome.rank else "-"


def details_table(queries: list[Query], outcomes: dict[str, list[Outcome]]) -> list[str]:
    """Per query, each system's rank of the target (known-item) or nDCG@10 (topical)."""
    systems = list(outcomes)
    lines = [
        "| category | query | target | " + " | ".join(systems) + " |",
        "| --- | --- | --- | " + " | ".join("---:" for _ in systems) + " |",
    ]
    for number, query in enumerate(queries):
        if query.target is not None:
            cells = [rank_cell(outcomes[s][number]) for s in systems]
        else:
            cells = [f"{outcomes[s][number].ndcg:.2f}" for s in systems]
        lines.append(
            f"| {query.category} | `{cell(query.text)}` | {cell(query.label[:60])} | "
            + " | ".join(cells)
            + " |"
        )
    return lines


def worst(queries: list[Query], outcomes: dict[str, list[Outcome]], system: str, n: int) -> list:
    """The ``n`` queries ``system`` did worst on (reciprocal rank, or nDCG for topical ones), those
    the other systems answered best first among equals."""

    def quality(outcome: Outcome) -> float:
        return outcome.ndcg if outcome.ndcg is not None else outcome.reciprocal_rank

    def key(number: int) -> tuple[float, float]:
        others = [quality(o[number]) for s, o in outcomes.items() if s != system]
        return quality(outcomes[system][number]), -max(others, default=0.0)

    return sorted(range(len(queries)), key=key)[:n]
