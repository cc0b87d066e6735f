"""The map and the statistics page in headless Chromium: drawn, focusable, zoomable."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_map_points_show_their_title_on_keyboard_focus_and_open_the_paper(
    page, site_server: str
) -> None:
    page.goto(f"{site_server}map/")
    points = page.locator("a.map-point")
    assert points.count() == 545
    first = points.first
    label = first.locator("text.map-point-label")
    assert not label.is_visible()
    # Tab through the header's links until the first point has the focus.
    for _ in range(40):
        page.keyboard.press("Tab")
        if first.evaluate("a => document.activeElement === a"):
            break
    else:
        pytest.fail("the first map point never took the keyboard focus")
    assert label.is_visible()
    title = first.locator("title").text_content()
    assert label.text_content() == title
    box = label.bounding_box()
    assert box and box["width"] > 20
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/papers/" in page.url
    assert page.locator("h1").inner_text() == title


def test_map_zooms_with_the_wheel_and_resets_on_double_click(page, site_server: str) -> None:
    page.goto(f"{site_server}map/")
    svg = page.locator("#paper-map")
    assert svg.get_attribute("viewBox") == "0 0 1000 700"
    svg.hover()
    page.mouse.wheel(0, -400)
    zoomed = [float(v) for v in svg.get_attribute("viewBox").split()]
    assert zoomed[2] < 1000 and zoomed[3] < 700
    svg.dblclick(position={"x": 3, "y": 3})  # a corner, where no point (a link) is
    assert svg.get_attribute("viewBox") == "0 0 1000 700"


def test_statistics_charts_render(page, site_server: str) -> None:
    page.goto(f"{site_server}about/")
    bars = page.locator("svg.bar-chart rect.bar")
    assert bars.count() > 5 + 15
    widths = [float(bars.nth(i).bounding_box()["width"]) for i in range(5)]
    assert all(width > 0 for width in widths)
    assert page.locator("svg.overlap-chart g.overlap-cell").count() == 25
