"""Accessibility and look in headless Chromium: axe-core, keyboard use, small screens, print, CSP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import PROJECT_ROOT

pytestmark = pytest.mark.browser

AXE_JS = PROJECT_ROOT / "node_modules/axe-core/axe.min.js"
# Moderate too: the only one axe reported (two unlabelled search landmarks) is fixed.
FORBIDDEN_IMPACTS = {"moderate", "serious", "critical"}


def first_paper(seeds_site: Path) -> str:
    return json.loads((seeds_site / "papers.json").read_text("utf-8"))[0]["slug"]


def page_kinds(seeds_site: Path) -> dict[str, str]:
    return {
        "home": "",
        "paper": f"papers/{first_paper(seeds_site)}/",
        "collection": "collections/001_0341fee289cc69d9/",
        "search with results": "search/?q=forward+gradient",
        "404": "papers/no-such-paper/",
        "topics": "topics/",
        "topic": f"topics/{json.loads((seeds_site / 'papers.json').read_text('utf-8'))[0]['topics'][0]}/",
        "map": "map/",
        "about": "about/",
    }


def open_page(page, url: str) -> None:
    page.goto(url)
    if "search/?q=" in url:
        page.locator("#search-results li").first.wait_for()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_moderate_or_worse(
    browser, site_server: str, seeds_site: Path, scheme
) -> None:
    # axe is injected as a script of the test; only the injection needs the page's CSP set aside.
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    found = {}
    try:
        for kind, path in page_kinds(seeds_site).items():
            open_page(page, site_server + path)
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
                scheme == "dark"
            )
            page.add_script_tag(path=str(AXE_JS))
            violations = page.evaluate(
                """async () => (await axe.run(document)).violations.map(v => ({
                    id: v.id, impact: v.impact,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
            )
            found[kind] = [v for v in violations if v["impact"] in FORBIDDEN_IMPACTS]
    finally:
        context.close()
    assert found == {kind: [] for kind in page_kinds(seeds_site)}


def test_pages_load_their_scripts_and_styles_under_the_csp(
    page, site_server: str, seeds_site: Path
) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    for path in page_kinds(seeds_site).values():
        open_page(page, site_server + path)
        sheets = page.locator("link[rel=stylesheet]")
        assert sheets.first.evaluate("l => l.sheet.cssRules.length") > 10
        assert sheets.evaluate_all("ls => ls.every(l => l.sheet && l.sheet.cssRules.length > 0)")
    # the JSON-LD block of the paper page is data: the policy neither runs nor reports it
    assert not [m for m in messages if "Content Security Policy" in m], messages


def test_skip_link_is_the_first_stop_and_focus_is_visible(page, site_server: str) -> None:
    page.goto(site_server)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["height"] > 10  # shown when focused, not left off-screen
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    landmarks = page.evaluate(
        "['header', 'nav', 'main', 'footer'].map(t => document.querySelectorAll(t).length)"
    )
    assert landmarks[0] >= 1 and landmarks[1] >= 1 and landmarks[2] == 1 and landmarks[3] == 1


def test_nothing_overflows_a_360_px_screen(browser, site_server: str, seeds_site: Path) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    papers = json.loads((seeds_site / "papers.json").read_text("utf-8"))
    # the titles and abstracts that overflowed before long words could wrap
    long_ones = [p["slug"] for p in papers if max(map(len, p["abstract"].split())) > 30][:6]
    paths = [*page_kinds(seeds_site).values(), "collections/", "page/2/"]
    paths += [f"papers/{slug}/" for slug in long_ones]
    wide = {}
    try:
        for path in paths:
            open_page(page, site_server + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                wide[path] = width
    finally:
        context.close()
    assert len(long_ones) >= 3 and wide == {}


def test_paper_pages_print_without_the_site_furniture(
    page, site_server: str, seeds_site: Path
) -> None:
    page.goto(f"{site_server}papers/{first_paper(seeds_site)}/")
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """['.site-header', '.site-footer', '.skip-link'].map(
            s => getComputedStyle(document.querySelector(s)).display)"""
    )
    assert hidden == ["none", "none", "none"]
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    after = page.evaluate(
        "getComputedStyle(document.querySelector('.lookup-links a'), '::after').content"
    )
    assert after.startswith('" <https://arxiv.org/search/')
    assert page.locator("h1").is_visible() and page.locator(".abstract").is_visible()
