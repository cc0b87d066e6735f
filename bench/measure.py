"""How one build is measured: wall time, CPU time and peak memory of a whole process tree.

The command runs as its own process. While it runs, a thread sums the RSS of every process of its
tree from /proc every 20 ms and the PSS every 0.2 s; ``wait4`` then gives the CPU seconds of the
process and of the children it waited for, and the kernel's high-water mark of the largest single
process. A ``Sample`` is one such run, a ``Row`` the medians of the runs of one tool, corpus and
build (one of ``SCENARIOS``).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SCENARIOS = ("full", "no-op", "one change")
POLL_SECONDS = 0.02
PSS_EVERY = 10  # polls between two readings of PSS (0.2 s)


@dataclass
class Sample:
    """One measured process tree."""

    seconds: float
    peak_rss: int  # bytes, the largest sum of RSS over the tree seen while it ran
    output: str
    cpu_seconds: float = 0.0  # user + system time of the process and the children it waited for
    # bytes, the largest sum of PSS over the tree: memory shared by forked workers counted once
    peak_pss: int = 0


@dataclass
class Row:
    """The medians of one tool, one corpus and one scenario."""

    papers: int
    tool: str
    scenario: str
    samples: list[Sample] = field(default_factory=list)
    pages: int | None = None
    output_bytes: int | None = None
    search_bytes: int | None = None
    search_requests: int | None = None

    @property
    def seconds(self) -> float:
        """Median wall seconds."""
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu_seconds(self) -> float:
        """Median user + system seconds of the tree."""
        return statistics.median(s.cpu_seconds for s in self.samples)

    @property
    def search_seconds(self) -> float | None:
        """Median seconds the build spent on the search payload (papershelf's --timings)."""
        return self._timing(r"^timing: discovery stage ([\d.]+) s$")

    @property
    def pages_seconds(self) -> float | None:
        """Median seconds the build spent rendering and writing pages (papershelf's --timings)."""
        return self._timing(r"^timing: pages ([\d.]+) s$")

    @property
    def peak_rss(self) -> int:
        """Median of the peak summed RSS, in bytes."""
        return int(statistics.median(s.peak_rss for s in self.samples))

    @property
    def peak_pss(self) -> int:
        """Median of the peak summed PSS, in bytes."""
        return int(statistics.median(s.peak_pss for s in self.samples))

    def _timing(self, pattern: str) -> float | None:
        found = [re.search(pattern, s.output, re.M) for s in self.samples]
        values = [float(match[1]) for match in found if match]
        return statistics.median(values) if values else None


def _tree_pids(root: int) -> list[int]:
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    stack += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return pids


def _tree_rss(root: int) -> int:
    total = 0
    for pid in _tree_pids(root):
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
    return total


def _tree_pss(root: int) -> int:
    """The proportional set size of the tree: a page shared by n processes counts 1/n in each, so
    the sum is the memory the tree really holds (RSS counts a forked worker's inherited pages again)."""
    total = 0
    for pid in _tree_pids(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run a command, returning its wall and CPU time, the peak RSS and PSS of its whole process tree
    and its output.

    The tree's RSS is summed every 20 ms from /proc (PSS every 0.2 s); the kernel's own high-water
    mark of the largest single process (wait4's ru_maxrss) is taken when larger, so a short spike is
    not missed."""
    log = cwd / ".bench-output.log"
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        peak = peak_pss = 0
        done = threading.Event()

        def poll() -> None:
            nonlocal peak, peak_pss
            polls = 0
            while not done.is_set():
                peak = max(peak, _tree_rss(process.pid))
                # Reading PSS makes the kernel walk every page table of the tree: it is read ten
                # times less often than RSS, to disturb a large build less, except in the first
                # 0.2 s (a no-op rebuild is over by then).
                if polls < PSS_EVERY or polls % PSS_EVERY == 0:
                    peak_pss = max(peak_pss, _tree_pss(process.pid))
                polls += 1
                done.wait(POLL_SECONDS)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        poller.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text("utf-8", "replace")
    log.unlink()
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed in {cwd}:\n{output}")
    cpu = usage.ru_utime + usage.ru_stime
    # A one-process tree's PSS is at most its RSS; the kernel's high-water mark catches a spike
    # between two polls, counted as PSS only when the tree was one process.
    return Sample(seconds, max(peak, usage.ru_maxrss * 1024), output, cpu, max(peak_pss, 1))
