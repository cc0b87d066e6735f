"""The search UI's markup in the built pages, read with an HTML parser (the behaviour is in test_browser.py)."""

from __future__ import annotations

import posixpath
from pathlib import Path

from tests.html import find_by_id, parse_html
from tests.support import SUBPATH

SAMPLE_PAGES = [
    "index.html",
    "page/2/index.html",
    "papers/2bp-2-stage-backpropagation/index.html",
    "collections/index.html",
    "search/index.html",
    "404.html",
]
SCRIPTS = ["static/vendor/lunr.min.js", "static/js/search-engine.js", "static/js/search-ui.js"]


def executable_scripts(root) -> list:
    """The page's <script> elements that run (JSON-LD blocks are data, not scripts)."""
    return [s for s in root.iter("script") if s.get("type") != "application/ld+json"]


def site_path(page_path: str, link: str) -> str:
    """The path below the site root that a link on the page points at."""
    if link.startswith("/"):
        return link.removeprefix(SUBPATH)
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_path), link))


def test_every_page_loads_the_search_scripts_deferred_in_contract_order(seeds_site: Path) -> None:
    for page_path in SAMPLE_PAGES:
        root = parse_html(seeds_site / page_path)
        scripts = executable_scripts(root)
        assert [site_path(page_path, s.get("src")) for s in scripts] == SCRIPTS, page_path
        assert all(s.get("defer") is not None for s in scripts), page_path
    for script in SCRIPTS:
        assert (seeds_site / script).is_file()


def test_no_inline_scripts_or_styles_on_any_page(seeds_site: Path) -> None:
    for page_path in SAMPLE_PAGES:
        root = parse_html(seeds_site / page_path)
        scripts = executable_scripts(root)
        assert all(s.get("src") and not "".join(s.itertext()).strip() for s in scripts), page_path
        assert not list(root.iter("style")), page_path
        styled = [e.tag for e in root.iter() if e.get("style") is not None]
        assert not styled, f"{page_path}: style attributes on {styled}"
        handlers = [
            (e.tag, name) for e in root.iter() for name in e.attrib if name.startswith("on")
        ]
        assert not handlers, f"{page_path}: inline event handlers {handlers}"


def test_header_search_form_names_the_index_and_site_root(seeds_site: Path) -> None:
    for page_path in SAMPLE_PAGES:
        root = parse_html(seeds_site / page_path)
        form = root.find(".//header//form[@role='search']")
        index = site_path(page_path, form.get("data-index-url"))
        assert index == "search/search_index.json" and (seeds_site / index).is_file()
        assert site_path(page_path, form.get("data-site-root")) in (".", "")
        assert form.find(".//input[@type='search'][@name='q']") is not None
        popup = find_by_id(root, "header-search-popup")
        assert popup is not None and popup.get("hidden") is not None  # shown by JS only
        assert find_by_id(root, "header-search-listbox").get("role") == "listbox"
    app = find_by_id(parse_html(seeds_site / "search/index.html"), "search-app")
    assert app.get("data-site-root") == "../"
