"""End to end in headless Chromium: the seeds site served under /papershelf/, as on GitHub Pages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support import search

pytestmark = pytest.mark.browser

HEADER_INPUT = "#header-search-input"
INDEX_FILE = "search/search_index.json"


def wait_for_results(page) -> None:
    """Wait until the search page shows a result count for its query."""
    page.locator("#search-status").filter(has_text=re.compile(r"match")).wait_for()


def result_count(page) -> int:
    """The number of papers the search page's status line says match."""
    status = page.locator("#search-status").inner_text()
    counts = re.match(
        r"^(\d+) papers? match(?:es)? all the words of “.*”; (\d+) more match some", status
    )
    if counts:
        return int(counts.group(1)) + int(counts.group(2))
    some = re.match(r"^No paper matches all the words of “.*”; (\d+) papers? match", status)
    if some:
        return int(some.group(1))
    return int(re.match(r"^(\d+) papers? match", status).group(1))


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_search_from_the_home_page_and_open_a_result(page, site_server: str) -> None:
    page.goto(site_server)
    assert page.title() == "papershelf"
    page.fill(HEADER_INPUT, "forward gradient")
    page.press(HEADER_INPUT, "Enter")  # no option chosen: the form goes to the search page
    page.wait_for_url(f"{site_server}search/?q=forward+gradient")
    first = page.locator("#search-results li.search-result h2 a").first
    first.wait_for()
    title = first.inner_text()
    assert "forward" in title.lower() or "gradient" in title.lower()
    status = page.locator("#search-status").inner_text()
    assert re.match(r"^\d+ papers match all the words of “forward gradient”; \d+ more", status), (
        status
    )
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
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type("mechanistic interp")
    page.wait_for_url("**/search/?q=mechanistic+interp")
    page.locator("#search-status").filter(has_text="“mechanistic interp”").wait_for()
    titles = page.locator("#search-results li.search-result h2").all_inner_texts()
    assert "Towards Automated Circuit Discovery for Mechanistic Interpretability" in titles[:5]
    assert 0 < len(titles) <= result_count(page)
    page.fill("#search-input", "")
    page.locator("#search-status").filter(has_text="Type to search 545 papers").wait_for()
    assert page.locator("#search-results li.search-result").count() == 0
    assert urlsplit(page.url).query == ""


def test_matched_words_are_marked_in_titles_and_excerpts(page, site_server: str) -> None:
    page.goto(f"{site_server}search/?q=transformer")
    wait_for_results(page)
    first = page.locator("#search-results > li.search-result").first
    title_marks = first.locator("h2 a mark").all_inner_texts()
    excerpt_marks = page.locator("#search-results .search-result-excerpt mark").all_inner_texts()
    assert title_marks and excerpt_marks
    assert all(m.lower().startswith("transform") for m in title_marks + excerpt_marks)
    # The marks are elements around the words, not markup shown as text, and no text is lost:
    # the title link holds only text and <mark> nodes, and reads exactly as the paper's title.
    shape = first.locator("h2 a").evaluate(
        """a => Array.from(a.childNodes).map(n => n.nodeType === 3 ? "#text"
             : n.tagName + ":" + Array.from(n.childNodes).map(c => c.nodeType).join(","))"""
    )
    assert set(shape) <= {"#text", "MARK:3"} and "MARK:3" in shape
    title = first.locator("h2 a").inner_text()
    assert "<mark" not in title
    first.locator("h2 a").click()
    assert page.locator("h1").inner_text() == title


def test_shared_link_reload_and_back_button(page, site_server: str) -> None:
    page.goto(f"{site_server}search/?q=sparse+autoencoders")  # a shared link
    wait_for_results(page)
    assert page.input_value("#search-input") == "sparse autoencoders"
    page.fill("#search-input", "knowledge distillation")
    page.wait_for_url("**/search/?q=knowledge+distillation")
    page.locator("#search-status").filter(has_text="“knowledge distillation”").wait_for()
    first_title = page.locator("#search-results li.search-result h2 a").first.inner_text()
    page.reload()
    page.locator("#search-status").filter(has_text="“knowledge distillation”").wait_for()
    assert page.input_value("#search-input") == "knowledge distillation"
    page.locator("#search-results li.search-result h2 a").first.click()
    page.wait_for_url(f"{site_server}papers/**")
    page.go_back()
    assert query_of(page.url) == {"q": ["knowledge distillation"]}
    page.locator("#search-status").filter(has_text="“knowledge distillation”").wait_for()
    assert page.input_value("#search-input") == "knowledge distillation"
    assert page.locator("#search-results li.search-result h2 a").first.inner_text() == first_title


def test_keyboard_slash_arrows_and_enter_on_the_search_page(page, site_server: str) -> None:
    page.goto(f"{site_server}papers/2bp-2-stage-backpropagation/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "header-search-input"
    page.keyboard.type("a/b")  # "/" while typing in a field is just a character
    assert page.input_value(HEADER_INPUT) == "a/b"

    page.goto(f"{site_server}search/?q=attention")
    wait_for_results(page)
    page.keyboard.press("/")  # on the search page, "/" goes to the page's own box
    assert page.evaluate("document.activeElement.id") == "search-input"
    links = page.locator("#search-results li.search-result h2 a")
    focused_href = "document.activeElement.getAttribute('href')"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused_href) == links.nth(0).get_attribute("href")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    second = links.nth(1).get_attribute("href")
    assert page.evaluate(focused_href) == second
    page.keyboard.press("Enter")
    page.wait_for_url(second)


def test_header_dropdown_is_a_keyboard_combobox(page, site_server: str) -> None:
    page.goto(f"{site_server}collections/")
    box = page.locator(HEADER_INPUT)
    page.keyboard.press("/")
    page.keyboard.type("sparse autoencoders")
    options = page.locator("#header-search-listbox [role=option]")
    see_all = options.last
    # Results for a beginning ("sp") may show while the rest is typed: wait for the whole query's.
    page.wait_for_function(
        """() => {
            const link = document.querySelector("#header-search-listbox [role=option]:last-child a");
            return link && new URL(link.href).searchParams.get("q") === "sparse autoencoders";
        }"""
    )
    see_all.filter(has_text="See all").wait_for()
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "header-search-listbox"
    assert 2 <= options.count() <= 9  # the top 8 results, then "See all N results"
    assert options.first.locator("mark").count() > 0
    title_id = options.first.get_attribute("aria-labelledby")
    assert options.first.locator(f"[id='{title_id}']").inner_text()  # named by its title
    total = int(re.search(r"See all (\d+) results?", see_all.inner_text()).group(1))
    assert query_of(see_all.locator("a").get_attribute("href")) == {"q": ["sparse autoencoders"]}

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    first = options.first
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "header-search-input"
    page.keyboard.press("Escape")
    assert page.locator("#header-search-popup").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "sparse autoencoders"  # Escape closes, it does not clear

    page.keyboard.press("ArrowDown")  # reopens
    page.locator("#header-search-popup").wait_for()
    page.keyboard.press("ArrowUp")  # wraps to "See all N results"
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=sparse+autoencoders")
    wait_for_results(page)
    assert result_count(page) == total

    page.locator(HEADER_INPUT).fill("sparse autoencoders")
    page.locator("#header-search-listbox [role=option]").first.wait_for()
    href = page.locator("#header-search-listbox [role=option] a").first.get_attribute("href")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(href)
    assert page.url.startswith(f"{site_server}papers/")


def all_results(page) -> list[dict]:
    """Every result on the search page (after pressing "Show more" as often as needed)."""
    while page.locator("#search-more").is_visible():
        shown = page.locator("#search-results > li.search-result").count()
        page.click("#search-more")
        page.wait_for_function(
            "n => document.querySelectorAll('#search-results > li.search-result').length > n",
            arg=shown,
        )
    return page.locator("#search-results > li.search-result").evaluate_all(
        """items => items.map(li => ({
             href: li.querySelector("h2 a").getAttribute("href"),
             collections: Array.from(li.querySelectorAll(".search-result-collections li"),
                                     c => c.textContent)}))"""
    )


def test_collection_facets_count_filter_and_live_in_the_url(page, site_server: str) -> None:
    page.goto(f"{site_server}search/?q=pruning")
    wait_for_results(page)
    results = all_results(page)
    assert len(results) == result_count(page) and all(r["collections"] for r in results)
    facets = page.locator("#search-facets label").evaluate_all(
        """labels => labels.map(l => ({id: l.querySelector("input").value,
             title: l.querySelector(".search-facet-title").textContent,
             count: Number(l.querySelector(".search-facet-count").textContent)}))"""
    )
    assert len(facets) >= 2
    for facet in facets:
        assert facet["count"] == sum(facet["title"] in r["collections"] for r in results)

    chosen = min(facets, key=lambda f: f["count"])
    page.locator("#search-facets label").filter(has_text=chosen["title"]).click()
    page.wait_for_url(re.compile(r"[?&]c="))
    assert query_of(page.url) == {"q": ["pruning"], "c": [chosen["id"]]}
    # the filtered results come back from the engine after the URL has changed
    page.locator("#search-status").filter(has_text=" of them in ").wait_for()
    filtered = all_results(page)
    assert len(filtered) == chosen["count"]
    assert all(chosen["title"] in r["collections"] for r in filtered)
    assert chosen["title"] in page.locator("#search-status").inner_text()

    page.reload()  # the filter survives a reload (and a shared link)
    wait_for_results(page)
    assert page.locator(f"#search-facets input[value='{chosen['id']}']").is_checked()
    assert all_results(page) == filtered
    page.locator("#search-facets label").filter(has_text=chosen["title"]).click()
    page.wait_for_url(re.compile(r"q=pruning$"))
    page.locator("#search-status").filter(
        has_text=re.compile(r"^\d+ papers match “pruning”\.$")
    ).wait_for()
    assert len(all_results(page)) == len(results)


def test_the_index_loads_only_when_search_is_used(page, site_server: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    held = []
    page.route(f"**/{INDEX_FILE}", lambda route: held.append(route))

    page.goto(f"{site_server}papers/2bp-2-stage-backpropagation/")
    page.wait_for_load_state("networkidle")
    assert any(url.endswith("static/js/search-ui.js") for url in requested)
    assert not any(INDEX_FILE in url for url in requested)  # a plain page view

    with page.expect_request(f"**/{INDEX_FILE}"):
        page.focus(HEADER_INPUT)
    while not held:  # Playwright hands over the held request while it waits
        page.wait_for_timeout(10)
    form = page.locator("header form[role=search]")
    assert "is-loading" in form.get_attribute("class")
    page.keyboard.type("graph")
    note = page.locator("#header-search-popup .search-popup-note")
    note.filter(has_text="Loading").wait_for()
    held[0].continue_()
    page.locator("#header-search-listbox [role=option]").first.wait_for()
    assert "is-loading" not in form.get_attribute("class")
    assert sum(INDEX_FILE in url for url in requested) == 1
    # The UI styles through classes only (a strict CSP will forbid style attributes).
    assert page.evaluate("document.querySelectorAll('[style]').length") == 0
    option = page.locator("#header-search-listbox [role=option] a").first
    href = option.get_attribute("href")
    option.click()
    page.wait_for_url(href)


def test_hostile_queries_do_not_throw(page, site_server: str) -> None:
    page.goto(f"{site_server}search/")
    page.locator("#search-status").filter(has_text="Type to search").wait_for()
    for query in ['"unbalanced', "title:", "+-~*^", "a:b:c", ":", "~1", "*", "^2", "<b>&amp;"]:
        page.fill("#search-input", query)
        page.wait_for_timeout(100)
        assert "could not" not in page.locator("#search-status").inner_text()
    assert page.locator("#search-results b").count() == 0


def test_narrow_dark_screen_does_not_overflow(browser, site_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, color_scheme="dark")
    page = context.new_page()
    page.goto(f"{site_server}search/?q=over-squashing")
    wait_for_results(page)
    page.locator(HEADER_INPUT).fill("graph rewiring")
    page.locator("#header-search-listbox [role=option]").first.wait_for()
    popup = page.locator("#header-search-popup").bounding_box()
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 23, 27)"  # the dark scheme's --bg
    context.close()


def test_unknown_path_under_the_subpath_shows_the_styled_404(page, site_server: str) -> None:
    response = page.goto(f"{site_server}papers/no-such-paper/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.locator("link[rel=stylesheet]").first.evaluate("l => l.sheet.cssRules.length") > 10
    page.click("text=Browse all papers")
    page.wait_for_url(site_server)


def test_show_more_clicked_twice_while_loading_adds_each_result_once(
    page, site_server: str
) -> None:
    page.goto(f"{site_server}search/?q=learning")
    wait_for_results(page)
    assert result_count(page) > 40
    page.evaluate(
        "() => { const more = document.getElementById('search-more'); more.click(); more.click(); }"
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results > li.search-result').length >= 40"
    )
    page.locator("#search-more:enabled").wait_for()
    hrefs = page.locator("#search-results h2 a").evaluate_all("links => links.map(a => a.href)")
    assert len(hrefs) == len(set(hrefs)) == 40


def test_results_show_the_papers_topics_as_links_to_their_pages(page, site_server: str) -> None:
    page.goto(f"{site_server}search/?q=over-squashing")
    wait_for_results(page)
    first = page.locator("#search-results > li.search-result").first
    title = first.locator("h2").inner_text()
    chips = first.locator(".search-result-topics a")
    assert chips.count() >= 1
    chip_title = chips.first.inner_text()
    chips.first.click()
    page.wait_for_url(re.compile(r"/topics/[a-z0-9-]+/$"))
    assert chip_title in page.locator("h1").inner_text()
    assert title in page.locator("#main").inner_text()  # the paper is listed on its topic's page


def test_results_holding_every_word_come_first_under_honest_counts(page, site_server: str) -> None:
    page.goto(f"{site_server}search/?q=finetuning%20written%20early%20chinese")
    wait_for_results(page)
    assert "quotes" in page.locator(".search-syntax").inner_text()  # the one line of help
    status = page.locator("#search-status").inner_text()
    every, some = map(
        int, re.match(r"^(\d+) papers? match(?:es)? all .*; (\d+) more", status).groups()
    )
    assert 0 < every < every + some == result_count(page)
    items = page.locator("#search-results > li").evaluate_all(
        "items => items.map(li => li.className)"
    )
    divider = items.index("search-results-partial")
    assert divider == every  # the heading sits where the partial matches begin
    assert page.locator(".search-results-partial h2").inner_text() == (
        "Papers matching some of the words"
    )


def test_the_page_ranks_by_neighbourhood_as_the_engine_does(
    page, site_server: str, seeds_site: Path
) -> None:
    query = "training neural networks without backpropagation"
    [answer] = search(seeds_site, [query], limit=20)
    expected = [result["url"] for result in answer["results"]]
    scores = [result["score"] for result in answer["results"] if result["all"]]
    assert scores != sorted(scores, reverse=True)  # the kept places and the lending show
    page.goto(f"{site_server}search/?q={query.replace(' ', '%20')}")
    wait_for_results(page)
    links = page.locator("#search-results li.search-result .search-result-title a")
    shown = [urlsplit(href).path for href in links.evaluate_all("as => as.map(a => a.href)")]
    assert shown[:20] == [urlsplit(f"{site_server}{url}").path for url in expected]


def test_a_quoted_phrase_is_highlighted_as_one(page, site_server: str) -> None:
    page.goto(f"{site_server}search/?q=%22neural%20network%22%20-graph")
    wait_for_results(page)
    marks = page.locator("#search-results .search-result mark").all_inner_texts()
    assert (
        marks
        and [m for m in marks if not re.fullmatch(r"(?i)neural\s+networks?(?:['’]s)?", m)] == []
    )
    titles = page.locator("#search-results li.search-result h2").all_inner_texts()
    assert not any("graph" in t.lower() for t in titles)
