"""Hostile content: titles, abstracts and config text are data, never markup, script or template.

A mini-site is built from seeds full of HTML, script, event attributes, javascript: URLs and
Jinja-looking text; every output is read back with a real parser (html5lib, json) and must show the
text exactly as written, with no element, attribute or URL that the content put there. Slugs are
property-tested to stay inside the output folder whatever the title.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import BuildOptions, build
from generator.model import RESERVED_SLUGS, assign_slugs, paper_id, slugify
from tests.html import parse_html, text_of
from tests.support import PROJECT_ROOT

HOSTILE_TITLES = [
    '<script>alert("title")</script> Graph Rewiring',
    '<img src=x onerror="window.__pwned=1"> Attention Is Not Enough',
    "{{ 7*7 }} and {% if true %}Jinja{% endif %} Templates {# comment #}",
    '<a href="javascript:alert(1)">Click Me</a> for Free Gradients',
    "</title><script>alert(2)</script><!-- Unclosed Comment",
    "\"Quoted\" & 'Apostrophe' <b onmouseover=alert(3)>Bold</b> &amp; Entities &lt;x&gt;",
    "]]> CDATA End </textarea></style><style>*{display:none}</style> Layout",
    "../../../etc/passwd and C:\\Windows\\System32 Paths",
    "\u202eReversed\u202c Text, Emoji 🎉 and ZWJ 👩\u200d🔬 Titles",
    "javascript:alert(document.cookie)",
]
HOSTILE_ABSTRACTS = [
    f"We inject <script>alert({n})</script> and <iframe src=javascript:alert({n})></iframe>. "
    f"Then {{{{ config.items() }}}} and {{% for x in range({n}) %}}loops{{% endfor %}} follow. "
    f'Links such as <a href="javascript:alert({n})">this</a> and data:text/html,<b>x</b> stay text.'
    for n in range(len(HOSTILE_TITLES))
]
HOSTILE_CONFIG = """\
title: "<script>alert('site')</script> {{ site }}"
description: "<img src=x onerror=alert('desc')> {% raw %}"
collections:
  evil:
    title: "<svg onload=alert('coll')>Evil {{ 1+1 }}"
    description: "Raw <script>alert('md')</script> stays text; [a link](https://example.org/?a=1&b=2)."
"""
BASE_URL = "https://example.org/papershelf/"  # a full URL, so the sitemap is written too
ATOM = "{http://www.w3.org/2005/Atom}"
# The only scripts and event handlers the site may carry are its own.
OWN_SCRIPTS = {"static/vendor/lunr.min.js"} | {
    f"static/js/{script.name}" for script in (PROJECT_ROOT / "static" / "js").glob("*.js")
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built from hostile seeds and a hostile site.yml."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "seeds").mkdir()
    dump = "".join(
        f"{title}\n\n{abstract}\n\n"
        for title, abstract in zip(HOSTILE_TITLES, HOSTILE_ABSTRACTS, strict=True)
    )
    (root / "seeds" / "evil.txt").write_text(dump, encoding="utf-8")
    (root / "site.yml").write_text(HOSTILE_CONFIG, encoding="utf-8")
    report = build(
        BuildOptions(
            seeds_dir=root / "seeds",
            out_dir=root / "_site",
            config_path=root / "site.yml",
            base_url=BASE_URL,
        )
    )
    assert (report.papers, report.warnings) == (len(HOSTILE_TITLES), ())
    return root / "_site"


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_carries_only_its_own_markup(hostile_site: Path) -> None:
    pages = html_pages(hostile_site)
    assert len(pages) >= len(HOSTILE_TITLES) + 5
    for path in pages:
        root = parse_html(path)
        where = path.relative_to(hostile_site).as_posix()
        for element in root.iter():
            assert element.tag not in {"img", "iframe", "svg", "b", "textarea", "style"}, where
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), f"{where}: {element.tag} {name}={value}"
                if name in ("href", "src", "action"):
                    scheme = urlsplit(re.sub(r"[\x00-\x20]", "", value)).scheme.lower()
                    assert scheme in ("", "http", "https"), f"{where}: {name}={value}"
        for script in root.iter("script"):
            body = "".join(script.itertext())
            if script.get("type") == "application/ld+json":  # data, and it must stay data
                assert "<" not in body, f"{where}: markup inside JSON-LD"
                data = json.loads(body)
                if data.get("@type") == "ScholarlyArticle":
                    assert data["headline"] in HOSTILE_TITLES
                continue
            assert body.strip() == "", f"{where}: inline script"
            src = PurePosixPath(urlsplit(script.get("src")).path)
            assert any(str(src).endswith(own) for own in OWN_SCRIPTS), f"{where}: {src}"


def test_titles_and_abstracts_read_exactly_as_written(hostile_site: Path) -> None:
    papers = json.loads((hostile_site / "papers.json").read_text("utf-8"))
    assert [(p["title"], p["abstract"]) for p in papers] == list(
        zip(HOSTILE_TITLES, HOSTILE_ABSTRACTS, strict=True)
    )
    for paper in papers:
        page = parse_html(hostile_site / "papers" / paper["slug"] / "index.html")
        assert "".join(page.find(".//h1").itertext()) == paper["title"]
        assert "".join(page.find(".//p[@class='abstract']").itertext()) == paper["abstract"]
        assert "".join(page.find(".//title").itertext()).startswith(paper["title"] + " · ")
        description = page.find(".//meta[@name='description']").get("content")
        assert paper["abstract"].startswith(description.removesuffix("…"))
    home = parse_html(hostile_site / "index.html")
    listed = ["".join(a.itertext()) for a in home.findall(".//ol[@class='paper-list']//h3/a")]
    assert listed == HOSTILE_TITLES


def test_config_text_is_shown_as_written(hostile_site: Path) -> None:
    home = parse_html(hostile_site / "index.html")
    assert text_of(home.find(".//a[@class='brand']")) == "<script>alert('site')</script> {{ site }}"
    collection = parse_html(hostile_site / "collections" / "evil" / "index.html")
    assert text_of(collection.find(".//h1")) == "<svg onload=alert('coll')>Evil {{ 1+1 }}"
    prose = collection.find(".//div[@class='prose']")
    assert text_of(prose) == ("Raw <script>alert('md')</script> stays text; a link.")
    assert prose.find(".//a").get("href") == "https://example.org/?a=1&b=2"


def test_search_payload_holds_the_text_as_written(hostile_site: Path) -> None:
    search = hostile_site / "search"
    json.loads((search / "search_index.json").read_text("utf-8"))  # the entry parses
    docs = [
        doc
        for chunk in sorted((search / "d").glob("*.json"))
        for doc in json.loads(chunk.read_text("utf-8"))
    ]
    assert [(doc[1], doc[3]) for doc in docs] == list(
        zip(HOSTILE_TITLES, HOSTILE_ABSTRACTS, strict=True)
    )
    assert all(doc[2].startswith("papers/") and ".." not in doc[2] for doc in docs)


def test_feeds_carry_the_text_as_written(hostile_site: Path) -> None:
    for feed_path in ("feed.xml", "collections/evil/feed.xml"):
        feed = ElementTree.parse(hostile_site / feed_path).getroot()
        assert feed.tag == f"{ATOM}feed"
        entries = feed.findall(f"{ATOM}entry")
        assert [e.find(f"{ATOM}title").text for e in entries] == HOSTILE_TITLES
        assert [e.find(f"{ATOM}summary").text for e in entries] == HOSTILE_ABSTRACTS
        assert {e.find(f"{ATOM}title").get("type") for e in entries} == {"text"}
        for element in feed.iter():
            assert element.tag.startswith(ATOM), f"{feed_path}: {element.tag}"
            href = element.get("href")
            assert href is None or href.startswith(BASE_URL), f"{feed_path}: {href}"
        for entry in entries:
            category = entry.find(f"{ATOM}category")
            assert category.get("label") == "<svg onload=alert('coll')>Evil {{ 1+1 }}"
    collection_feed = ElementTree.parse(hostile_site / "collections/evil/feed.xml").getroot()
    assert collection_feed.find(f"{ATOM}title").text == (
        "<script>alert('site')</script> {{ site }}: <svg onload=alert('coll')>Evil {{ 1+1 }}"
    )


def test_sitemap_lists_only_plain_urls_of_the_site(hostile_site: Path) -> None:
    sitemap = ElementTree.parse(hostile_site / "sitemap.xml").getroot()
    urls = [loc.text for loc in sitemap.iter() if loc.tag.endswith("}loc")]
    assert len(urls) == len(html_pages(hostile_site)) - 1  # every page but 404.html
    for url in urls:
        assert url.startswith(BASE_URL) and url.endswith("/")
        assert re.fullmatch(r"[a-z0-9/_-]*", url.removeprefix(BASE_URL)), url


class _Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        return super().translate_path("/" + path.removeprefix("/papershelf/"))

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.browser
def test_search_results_show_hostile_titles_as_text(hostile_site: Path, page) -> None:
    handler = functools.partial(_Handler, directory=str(hostile_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        root = f"http://127.0.0.1:{server.server_address[1]}/papershelf/"
        page.goto(f"{root}search/?q=attention")
        result = page.locator("#search-results li a").first
        result.wait_for()
        assert result.inner_text() == HOSTILE_TITLES[1]
        page.fill("#search-input", "inject")
        page.locator("#search-results li").nth(len(HOSTILE_TITLES) - 1).wait_for()
        shown = page.locator("#search-results li h2 a, #search-results li h3 a").all_inner_texts()
        assert sorted(shown) == sorted(HOSTILE_TITLES)
        # The header box's dropdown shows the top results the same way.
        page.fill("#header-search-input", "inject")
        options = page.locator("#header-search-listbox .search-option-title")
        options.first.wait_for()
        assert set(options.all_inner_texts()) <= set(HOSTILE_TITLES)
        assert options.count() >= 5
        injected = page.evaluate(
            "() => [window.__pwned, document.querySelectorAll("
            "'main img, main script, main iframe, main svg, header img, header script, "
            "header iframe, header svg').length]"
        )
        assert injected == [None, 0]
    finally:
        server.shutdown()
        server.server_close()


# Titles a hostile or careless dump could hold: path tricks, NUL, reserved names, dots, huge.
path_like = st.sampled_from(
    ["..", ".", "...", "../", "/", "\\", "\x00", "con", "NUL", "index", "papers", "~", "%2e%2e"]
)
hostile_titles = st.lists(st.one_of(path_like, st.text(max_size=30)), min_size=1, max_size=8).map(
    "".join
) | st.text(min_size=200, max_size=2000)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(titles=st.lists(hostile_titles, min_size=1, max_size=12))
def test_slugs_stay_inside_the_output_folder_and_never_clash(titles: list[str]) -> None:
    by_id = {paper_id(title): title for title in titles}
    slugs = assign_slugs(by_id)
    assert len(set(slugs.values())) == len(slugs)
    papers_dir = Path("/site/papers")
    for slug in slugs.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
        assert slug not in RESERVED_SLUGS
        assert len(slug) <= 80 + 2 * 13
        assert (papers_dir / slug).resolve().parent == papers_dir


def test_a_title_that_slugifies_to_another_papers_suffixed_slug_gets_its_own() -> None:
    first, second = "C++ Graphs", "C Graphs"  # two papers, one slug: both get their id appended
    third = f"C Graphs {paper_id(first)}"  # slugifies to the first one's suffixed slug
    slugs = assign_slugs({paper_id(t): t for t in (first, second, third)})
    assert slugs[paper_id(first)] == f"c-graphs-{paper_id(first)}"
    assert slugs[paper_id(third)] == f"c-graphs-{paper_id(first)}-{paper_id(third)}"
    assert len(set(slugs.values())) == 3
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("\x00..\x00") == ""
