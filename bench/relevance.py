"""Search relevance: ``make bench-search`` (or ``python -m bench.relevance``).

Runs the committed queries of bench/queries/ (known-item queries generated from the seeds by
bench/queries.py, hand-judged topical queries) through papershelf's engine, Pagefind and a plain
BM25 (bench/search_systems.py), scores the first 10 results of each (bench/relevance_metrics.py),
prints the table and writes it, with the machine and every query's ranks, to
bench/results/YYYY-MM-DD-HHMM-search.md and a JSON of every ranking beside it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.queries import KNOWN_ITEM, QUERIES_DIR, regenerate, seed_papers
from bench.relevance_metrics import (
    Outcome,
    Query,
    details_table,
    score,
    summarise,
    summary_table,
    worst,
)
from bench.report import machine
from bench.search_systems import SYSTEMS, prepare
from bench.workspace import PROJECT_ROOT, RESULTS_DIR

CATEGORIES = (*KNOWN_ITEM, "topical")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options of ``make bench-search`` (bench/README.md)."""
    parser = argparse.ArgumentParser(prog="bench.relevance", description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated systems")
    parser.add_argument(
        "--category", default=",".join(CATEGORIES), help="comma-separated categories"
    )
    parser.add_argument(
        "--site", type=Path, help="search this built papershelf site, not a fresh build"
    )
    parser.add_argument(
        "--show-failures",
        type=int,
        default=0,
        metavar="N",
        help="print papershelf's N worst queries",
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rewrite the known-item query files first"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; write no result files")
    args = parser.parse_args(argv)
    args.systems = chosen(args.systems, SYSTEMS, parser)
    args.category = chosen(args.category, CATEGORIES, parser)
    return args


def chosen(value: str, allowed: tuple[str, ...], parser: argparse.ArgumentParser) -> list[str]:
    """The names of a comma-separated option, in the order of ``allowed``; an unknown one is an error."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown or not names:
        parser.error(f"choose among {', '.join(allowed)} (got {value!r})")
    return [name for name in allowed if name in names]


def load_queries(categories: list[str]) -> dict[str, list[dict]]:
    """The committed queries of ``categories`` (``topical`` included), by category."""
    loaded = {}
    for category in categories:
        document = json.loads((QUERIES_DIR / f"{category}.json").read_text("utf-8"))
        loaded[category] = document["queries"]
    return loaded


def queries_of(categories: list[str], titles: dict[str, str]) -> list[Query]:
    """The committed queries of ``categories``, in category order."""
    queries = []
    for category, records in load_queries(categories).items():
        for record in records:
            if category == "topical":
                judgments = tuple((j["id"], j["grade"]) for j in record["judgments"])
                relevant = sum(1 for _, grade in judgments if grade > 0)
                label = f"{relevant} relevant"
                queries.append(Query(category, record["query"], None, judgments, label))
            else:
                target = record["target"]
                queries.append(Query(category, record["query"], target, (), titles[target]))
    return queries


def run_systems(args: argparse.Namespace, papers: list, queries: list[Query]) -> tuple[dict, dict]:
    """Each system's outcomes for ``queries``, and its seconds to build and to answer them all."""
    outcomes: dict[str, list[Outcome]] = {}
    seconds: dict[str, tuple[float, float]] = {}
    texts = [query.text for query in queries]
    with tempfile.TemporaryDirectory(prefix="papershelf-bench-search-") as workdir:
        for system in args.systems:
            print(f"bench-search: {system}", flush=True)
            started = time.perf_counter()
            search = prepare(system, papers, Path(workdir), args.site)
            built = time.perf_counter()
            rankings = search(texts)
            seconds[system] = (built - started, time.perf_counter() - built)
            outcomes[system] = [score(q, r) for q, r in zip(queries, rankings, strict=True)]
    return outcomes, seconds


def summaries_of(queries: list[Query], outcomes: dict[str, list[Outcome]]) -> list:
    """Per category and system, then over all known-item queries per system."""
    rows = []
    categories = list(dict.fromkeys(query.category for query in queries))
    groups = [(c, [q.category == c for q in queries]) for c in categories]
    if sum(c in KNOWN_ITEM for c in categories) > 1:
        groups.append(("all known-item", [q.target is not None for q in queries]))
    for category, member in groups:
        for system, results in outcomes.items():
            picked = [outcome for outcome, inside in zip(results, member, strict=True) if inside]
            rows.append(summarise(category, system, picked))
    return rows


def describe(args: argparse.Namespace, seconds: dict[str, tuple[float, float]]) -> list[str]:
    """The paragraphs above the table: what was run and how long each system took."""
    site = f"the site in {args.site}" if args.site else "a fresh `--no-cache` build of seeds/"
    timing = "; ".join(
        f"{system} {build:.1f} s to build, {answer:.1f} s to answer"
        for system, (build, answer) in seconds.items()
    )
    return [
        "Queries: bench/queries/ (known-item queries generated from seeds/ by bench/queries.py; "
        "topical queries judged by hand). Systems: papershelf's engine in Node on "
        f"{site}; Pagefind on the bench's Hugo site, in headless Chromium; plain BM25 "
        "(k1 1.2, b 0.75, title and abstract as one field, Porter stems, OR). First 10 results "
        "scored: MRR@10, recall@10 (target in the first 10; topical: relevant found over "
        "min(10, relevant)), share of queries with no result, nDCG@10 (topical, gain 2^grade - 1).",
        "",
        f"Seconds: {timing}.",
    ]


def report(args, queries: list[Query], outcomes: dict, seconds: dict, now) -> str:
    """The results as Markdown, with every query's ranks in a collapsed section."""
    lines = [
        f"# papershelf search relevance, {now:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}.",
        "",
        *describe(args, seconds),
        "",
        *summary_table(summaries_of(queries, outcomes)),
        "",
        "<details><summary>Every query: the target's rank in the first 10 (- not found, none: no "
        "result at all) or, for topical queries, nDCG@10</summary>",
        "",
        *details_table(queries, outcomes),
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


def rankings_json(queries: list[Query], outcomes: dict[str, list[Outcome]]) -> str:
    """Every query's rankings and scores, per system, as JSON: one query a line."""
    entries = []
    for number, query in enumerate(queries):
        entry = {"category": query.category, "query": query.text, "target": query.target}
        entry["systems"] = {
            system: {"ids": list(o[number].ranking), "rank": o[number].rank, "ndcg": o[number].ndcg}
            for system, o in outcomes.items()
        }
        entries.append(entry)
    lines = (json.dumps(entry, ensure_ascii=False, sort_keys=True) for entry in entries)
    return "[\n" + ",\n".join(lines) + "\n]\n"


def show_failures(queries: list[Query], outcomes: dict[str, list[Outcome]], n: int) -> None:
    """Print papershelf's ``n`` worst queries with every system's rank or nDCG."""
    print(f"\npapershelf's {n} worst queries (rank of the target, or nDCG@10 for topical):")
    for number in worst(queries, outcomes, "papershelf", n):
        query = queries[number]
        parts = []
        for system, results in outcomes.items():
            outcome = results[number]
            value = f"{outcome.ndcg:.2f}" if outcome.ndcg is not None else str(outcome.rank or "-")
            parts.append(f"{system} {value}")
        print(f"- [{query.category}] {query.text!r} -> {query.label[:70]}: {', '.join(parts)}")


def main(argv: list[str] | None = None) -> int:
    """Run the relevance benchmark as the options ask."""
    args = parse_args(argv)
    if args.regenerate:
        for path in regenerate(write=True):
            print(f"bench-search: rewrote {path.relative_to(PROJECT_ROOT)}")
    if args.show_failures and "papershelf" not in args.systems:
        print("bench-search: --show-failures needs the papershelf system", file=sys.stderr)
        return 2
    papers = seed_papers()
    queries = queries_of(args.category, {paper.id: paper.title for paper in papers})
    outcomes, seconds = run_systems(args, papers, queries)
    now = datetime.datetime.now(datetime.timezone.utc)
    text = report(args, queries, outcomes, seconds, now)
    print("\n" + text.split("<details>")[0].rstrip())
    if not args.no_write:
        RESULTS_DIR.mkdir(exist_ok=True)
        stem = now.strftime("%Y-%m-%d-%H%M-search")
        (RESULTS_DIR / f"{stem}.md").write_text(text, "utf-8")
        (RESULTS_DIR / f"{stem}.json").write_text(rankings_json(queries, outcomes), "utf-8")
        print(f"\nbench-search: wrote bench/results/{stem}.md and {stem}.json")
    if args.show_failures:
        show_failures(queries, outcomes, args.show_failures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
