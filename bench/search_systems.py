"""The three systems ``make bench-search`` compares, each answering a list of queries with, per
query, the ids of its first ``LIMIT`` papers in rank order.

- ``papershelf``: the seeds site built by papershelf, searched by its real engine
  (static/js/search-engine.js) in Node through tests/js/engine.cjs; only each result's ``id``, in
  order, is used, so the engine's other fields may change freely;
- ``pagefind``: the bench's Hugo site of the same papers (bench/peer_builds.py) indexed by
  Pagefind, searched by ``pagefind.js`` in headless Chromium, all queries in one page; each
  result's URL (``/papers/<slug>/``) is mapped back to the paper's id;
- ``bm25``: the plain BM25 of bench/bm25.py over title and abstract.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from bench.bm25 import Bm25
from bench.first_search import CHROMIUM
from bench.workspace import PROJECT_ROOT, SEEDS_SIZE

LIMIT = 10
ENGINE = PROJECT_ROOT / "tests" / "js" / "engine.cjs"
Ranking = list[str]  # paper ids, best first; empty when the system found nothing


def build_papershelf_site(out: Path) -> Path:
    """Build the seeds site into ``out`` from nothing (``--no-cache``) and return it."""
    command = [sys.executable, "-m", "generator", "build", "--config", "site.yml"]
    command += ["--out", str(out), "--no-cache"]
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True, text=True)
    return out


def papershelf_rankings(site: Path, queries: list[str]) -> list[Ranking]:
    """The real engine's first ``LIMIT`` ids per query, on the built ``site``, one engine in Node."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH (make bench-search installs node_modules with npm)")
    request = {"site": str(site.resolve()), "mode": "search", "queries": queries, "limit": LIMIT}
    done = subprocess.run(
        [node, str(ENGINE)], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    answers = json.loads(done.stdout)["answers"]
    return [[result["id"] for result in answer["results"][:LIMIT]] for answer in answers]


def build_pagefind_site(out: Path) -> Path:
    """Write the Hugo project of the seeds, build it into ``out`` and index it with Pagefind."""
    from bench.peer_builds import hugo_project, peer_binaries

    binaries = peer_binaries()
    if binaries is None:
        raise RuntimeError(
            "hugo and pagefind are not installed (the bench extra: make bench-search)"
        )
    hugo, pagefind = binaries
    project = hugo_project(SEEDS_SIZE)
    run = functools.partial(subprocess.run, cwd=project, check=True, capture_output=True)
    run([hugo, "--quiet", "--destination", str(out.resolve())])
    run([pagefind, "--site", str(out.resolve()), "--quiet"])
    return out


# Runs in the page: every query through pagefind.js, the URLs of the first results of each.
PAGEFIND_SEARCH = """async ({queries, limit}) => {
  const pagefind = await import("/pagefind/pagefind.js");
  await pagefind.init();
  const answers = [];
  for (const query of queries) {
    const search = await pagefind.search(query);
    const data = await Promise.all(search.results.slice(0, limit).map((r) => r.data()));
    answers.push(data.map((d) => d.url));
  }
  return answers;
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def pagefind_rankings(
    public: Path, queries: list[str], id_of_slug: dict[str, str]
) -> list[Ranking]:
    """Pagefind's first ``LIMIT`` ids per query, searched in one Chromium page on ``public``."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(public))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            urls = page.evaluate(PAGEFIND_SEARCH, {"queries": queries, "limit": LIMIT})
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return [[id_of_url(url, id_of_slug) for url in answer] for answer in urls]


def id_of_url(url: str, id_of_slug: dict[str, str]) -> str:
    """The paper id of a Hugo paper page's URL, or the URL itself when it is no paper's."""
    parts = [part for part in url.split("?")[0].split("/") if part]
    if len(parts) == 2 and parts[0] == "papers" and parts[1] in id_of_slug:
        return id_of_slug[parts[1]]
    return url


def bm25_rankings(papers: list, queries: list[str]) -> list[Ranking]:
    """The bench's BM25 over title and abstract, first ``LIMIT`` ids per query."""
    index = Bm25.over([(paper.id, f"{paper.title} {paper.abstract or ''}") for paper in papers])
    return [index.search(query, LIMIT) for query in queries]


System = Callable[[list[str]], list[Ranking]]
SYSTEMS = ("papershelf", "pagefind", "bm25")


def prepare(name: str, papers: list, workdir: Path, site: Path | None) -> System:
    """Build what system ``name`` searches (in ``workdir``, or reuse the papershelf ``site``) and
    return a function from queries to rankings."""
    if name == "papershelf":
        built = site or build_papershelf_site(workdir / "papershelf")
        return functools.partial(papershelf_rankings, built)
    if name == "pagefind":
        public = build_pagefind_site(workdir / "pagefind")
        slugs = {paper.slug: paper.id for paper in papers}
        return lambda queries: pagefind_rankings(public, queries, slugs)
    if name == "bm25":
        return functools.partial(bm25_rankings, papers)
    raise ValueError(f"unknown system {name!r}; the systems are {', '.join(SYSTEMS)}")
