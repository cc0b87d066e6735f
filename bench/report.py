"""The results as Markdown: the machine, the table of rows, the ratios to the peers, the targets.

The same text is printed at the end of a run and written to bench/results/YYYY-MM-DD-HHMM.md; the
targets are those of issue 7, each judged met or not met on this run's medians.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

from bench.measure import SCENARIOS, Row
from bench.workspace import PROJECT_ROOT, SEEDS_SIZE

TABLE_HEADER = (
    "| papers | tool | build | wall s | CPU s | search + discovery s | pages s | peak PSS MiB "
    "| peak RSS MiB | pages | output MB | first search KB gz (requests) | runs |"
)
TABLE_RULE = (
    "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()


def machine() -> str:
    """nproc, memory, CPU model, Python version and the commit measured."""
    memory = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--", "generator", "templates", "static")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory / 1024 / 1024:.1f} GiB memory, load average "
        f"{load} when the table was written, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"papershelf at {commit}{' (uncommitted changes)' if dirty else ''}"
    )


def describe_runs(reps: int, large_reps: int, query: str) -> str:
    """The paragraph above the table: how many runs, and what each column means."""
    return (
        f"Median of {reps} runs per measurement; {large_reps} run at 50,000 papers and more. "
        "Full = from nothing (no output, no cache); no-op = the same build again; one change = after "
        "one abstract changed. Peak PSS and peak RSS are the largest sums over the whole process tree "
        "(PSS counts memory that forked workers share once; RSS counts it in every worker, so its sum "
        "overstates a forking program); the memory target is judged on PSS. First search = "
        f"gzipped bytes Chromium fetched from opening search/?q={query} until the first result "
        "showed. 'Search + discovery s' and 'pages s' = seconds papershelf spent on the search payload "
        "and the discovery stage (side by side) and on rendering and writing the pages inside that build (--timings), "
        "side by side on worker processes."
    )


def fmt_row(row: Row) -> str:
    """One row of the table."""
    search = f"{row.search_bytes / 1000:.0f} ({row.search_requests})" if row.search_bytes else ""
    runs = len(row.samples)
    index = f"{row.search_seconds:.2f}" if row.search_seconds is not None else ""
    pages = f"{row.pages_seconds:.2f}" if row.pages_seconds is not None else ""
    return (
        f"| {row.papers:,} | {row.tool} | {row.scenario} | {row.seconds:.2f} | {row.cpu_seconds:.2f} | {index} | {pages} "
        f"| {row.peak_pss / 2**20:.0f} | {row.peak_rss / 2**20:.0f} "
        f"| {row.pages:,} | {row.output_bytes / 1e6:.1f} | {search} | {runs} |"
    )


Rows = dict[tuple[int, str, str], Row]


def _verdict(label: str, ok: bool, detail: str) -> str:
    return f"- {'met' if ok else '**not met**'}: {label} ({detail})"


def _seeds_verdicts(full: Row, noop: Row, one: Row) -> list[str]:
    return [
        _verdict(
            "seeds: no-op rebuild at most 0.2 x full",
            noop.seconds <= 0.2 * full.seconds,
            f"{noop.seconds / full.seconds:.2f} x",
        ),
        _verdict(
            "seeds: one-record change at most 0.3 x full",
            one.seconds <= 0.3 * full.seconds,
            f"{one.seconds / full.seconds:.2f} x",
        ),
    ]


def _large_verdicts(size: int, full: Row) -> list[str]:
    return [
        _verdict(
            f"{size:,} papers: full build at most 60 s",
            full.seconds <= 60,
            f"{full.seconds:.1f} s",
        ),
        _verdict(
            f"{size:,} papers: peak memory at most 1 GiB (sum of PSS over the process tree)",
            full.peak_pss <= 2**30,
            f"{full.peak_pss / 2**20:.0f} MiB; summed RSS {full.peak_rss / 2**20:.0f} MiB",
        ),
    ]


def _size_verdicts(size: int, by: Rows) -> list[str]:
    """The targets of one corpus size."""
    full, noop, one = (by.get((size, "papershelf", s)) for s in SCENARIOS)
    peer = by.get((size, "hugo+pagefind", "full"))
    if not full:
        return []
    lines = []
    if peer:
        ratio = full.seconds / peer.seconds
        lines.append(
            _verdict(
                f"{size:,} papers: full build at most Hugo + Pagefind's time",
                ratio <= 1,
                f"{full.seconds:.2f} s vs {peer.seconds:.2f} s, ratio {ratio:.2f}",
            )
        )
    if size == SEEDS_SIZE:
        lines += _seeds_verdicts(full, noop, one)
    if size >= 50_000:
        lines += _large_verdicts(size, full)
    limit = 350_000 if size <= SEEDS_SIZE else 500_000 if size <= 10_000 else 1_000_000
    if full.search_bytes:
        lines.append(
            _verdict(
                f"{size:,} papers: first search at most {limit // 1000} KB gzipped",
                full.search_bytes <= limit,
                f"{full.search_bytes / 1000:.0f} KB",
            )
        )
    return lines


def _growth_verdict(sizes: list[int], by: Rows) -> list[str]:
    """Whether peak memory grows at most linearly, given three sizes or more."""
    fulls = [by[(s, "papershelf", "full")] for s in sizes if (s, "papershelf", "full") in by]
    if len(fulls) < 3:
        return []
    small, mid, large = fulls[0], fulls[-2], fulls[-1]
    per_mid = (mid.peak_pss - small.peak_pss) / (mid.papers - small.papers)
    per_large = (large.peak_pss - small.peak_pss) / (large.papers - small.papers)
    return [
        _verdict(
            "peak memory grows at most linearly",
            per_large <= per_mid * 1.15,
            f"{per_mid / 1024:.0f} KiB per extra paper up to {mid.papers:,}, "
            f"{per_large / 1024:.0f} KiB up to {large.papers:,}",
        )
    ]


def verdicts(rows: list[Row]) -> list[str]:
    """Each target of issue 7 against this run: met, not met, or not measured."""
    by = {(r.papers, r.tool, r.scenario): r for r in rows}
    sizes = sorted({r.papers for r in rows})
    lines = []
    for size in sizes:
        lines += _size_verdicts(size, by)
    return lines + _growth_verdict(sizes, by)


def ratios(rows: list[Row]) -> list[str]:
    """papershelf's wall time over Hugo + Pagefind's, for each size and build both ran."""
    by = {(r.papers, r.tool, r.scenario): r for r in rows}
    lines = []
    for (size, tool, scenario), row in by.items():
        peer = by.get((size, "hugo+pagefind", scenario))
        if tool == "papershelf" and peer:
            lines.append(f"- {size:,} papers, {scenario}: {row.seconds / peer.seconds:.2f}")
    return lines


def report(rows: list[Row], notes: list[str], reps_note: str) -> str:
    """The results as Markdown."""
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = [
        f"# papershelf benchmark, {now:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}.",
        "",
        reps_note,
        "",
        TABLE_HEADER,
        TABLE_RULE,
        *(fmt_row(row) for row in rows),
        "",
        "Ratios papershelf / (Hugo + Pagefind), wall time:",
        "",
        *ratios(rows),
        "",
        "Targets of issue 7:",
        "",
        *verdicts(rows),
        "",
        *(f"- {note}" for note in notes),
        "",
    ]
    return "\n".join(lines)
