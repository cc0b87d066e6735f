"""End to end in headless Chromium: the seeds site served under /papershelf/, as on GitHub Pages."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_search_from_the_home_page_and_open_a_result(page, site_server: str) -> None:
    page.goto(site_server)
    assert page.title() == "papershelf"
    page.fill("header form[role=search] input[name=q]", "forward gradient")
    page.press("header form[role=search] input[name=q]", "Enter")
    page.wait_for_url(f"{site_server}search/?q=forward+gradient")
    first = page.locator("#search-results li a").first
    first.wait_for()
    title = first.inner_text()
    assert "forward" in title.lower() or "gradient" in title.lower()
    status = page.locator("#search-status").inner_text()
    assert re.match(r"^\d+ papers match “forward gradient”", status), status
    first.click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{site_server}papers/")
    assert page.locator("h1").inner_text() == title
    assert page.locator("link[rel=stylesheet]").evaluate_all(
        "links => links.every(l => l.sheet !== null)"
    )


def test_typing_on_the_search_page_updates_results_and_url(page, site_server: str) -> None:
    page.goto(f"{site_server}search/")
    page.locator("#search-status").filter(has_text="Type to search 545 papers").wait_for()
    page.fill("#search-input", "mechanistic interpretability")
    page.wait_for_url("**/search/?q=mechanistic+interpretability")
    titles = page.locator("#search-results li h2").all_inner_texts()
    assert "Towards Automated Circuit Discovery for Mechanistic Interpretability" in titles[:5]


def test_hostile_queries_do_not_throw(page, site_server: str) -> None:
    page.goto(f"{site_server}search/")
    page.locator("#search-status").filter(has_text="Type to search").wait_for()
    for query in ['"unbalanced', "title:", "+-~*^", "a:b:c", ":", "~1", "*", "^2"]:
        page.fill("#search-input", query)
        page.wait_for_timeout(150)
        assert "could not" not in page.locator("#search-status").inner_text()


def test_unknown_path_under_the_subpath_shows_the_styled_404(page, site_server: str) -> None:
    response = page.goto(f"{site_server}papers/no-such-paper/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.locator("link[rel=stylesheet]").first.evaluate("l => l.sheet.cssRules.length") > 10
    page.click("text=Browse all papers")
    page.wait_for_url(site_server)
