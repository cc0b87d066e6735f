"""Links between pages: relative URLs from any page to any other, and the pager of a long listing."""

from __future__ import annotations

import posixpath
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from generator.build import build
from generator.pages.render import Pager, relative_url
from tests.html import links, parse_html, text_of
from tests.support import LAYOUT_A, LAYOUT_B, small_options, write_seeds

segment = st.sampled_from(["a", "b", "papers", "x-y", "page", "2"])
site_path = st.lists(segment, max_size=4).map("/".join)


@given(site_path, st.booleans(), site_path, st.sampled_from(["index.html", "404.html"]))
def test_relative_url_equals_relpath(target: str, slash: bool, page_dir: str, name: str) -> None:
    target = target + "/" if slash and target else target
    page_path = f"{page_dir}/{name}" if page_dir else name
    expected = posixpath.relpath(target or ".", start=posixpath.dirname(page_path) or ".")
    if expected == ".":
        expected = "./"
    elif target.endswith("/") or not target:
        expected += "/"
    assert relative_url(target, page_path) == expected


def test_pager_shows_every_page_up_to_eleven_then_a_window() -> None:
    paths = tuple("" if n == 1 else f"page/{n}/" for n in range(1, 12))
    assert [n for n, _ in Pager(6, 11, paths).window] == list(range(1, 12))
    many = tuple("" if n == 1 else f"page/{n}/" for n in range(1, 1001))
    window = Pager(500, 1000, many).window
    assert [link and link[0] for link in window] == [
        1,
        2,
        None,
        498,
        499,
        500,
        501,
        502,
        None,
        999,
        1000,
    ]
    assert window[5] == (500, "page/500/")
    assert [link and link[0] for link in Pager(2, 1000, many).window] == [
        1,
        2,
        3,
        4,
        None,
        999,
        1000,
    ]


def test_a_long_listing_links_a_window_of_pages(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_A, "b.txt": LAYOUT_B.replace("Four", "Five")})
    (tmp_path / "site.yml").write_text("per_page: 1\n", "utf-8")
    (tmp_path / "seeds" / "c.txt").write_text(
        LAYOUT_A.replace("Graph", "Tree").replace("Forward", "Backward").replace("Four", "Six"),
        "utf-8",
    )
    (tmp_path / "seeds" / "d.txt").write_text(
        LAYOUT_A.replace("Graph", "Mesh").replace("Forward", "Sideways").replace("Four", "Ten"),
        "utf-8",
    )
    (tmp_path / "seeds" / "e.txt").write_text(
        LAYOUT_A.replace("Graph", "Ring").replace("Forward", "Upward").replace("Four", "Nine"),
        "utf-8",
    )
    assert build(small_options(tmp_path)).papers == 13
    page = parse_html(tmp_path / "out" / "page" / "6" / "index.html")
    items = page.findall(".//nav[@class='pager']/ol/li")
    labels = [text_of(item) for item in items]
    assert labels == ["1", "2", "…", "4", "5", "6", "7", "8", "…", "12", "13"]
    current = page.find(".//nav[@class='pager']/ol/li/a[@aria-current='page']")
    assert text_of(current) == "6" and current.get("href") == "./"
    assert items[0].find("a").get("href") == "../../"


def test_note_images_show_over_https_and_never_from_unsafe_schemes(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"may.txt": LAYOUT_B})
    note = tmp_path / "notes" / "graph-rewiring-done-right.md"
    note.parent.mkdir()
    note.write_text(
        "![Figure 1](https://example.org/fig1.png)\n\n"
        "![local](figures/fig2.png)\n\n"
        "![plain](http://example.org/fig3.png)\n\n"
        "![bad](javascript:alert(1)) ![worse](JaVa&#09;script:alert(2))\n\n"
        "![inline](data:text/html;base64,PHNjcmlwdD4=)\n",
        "utf-8",
    )
    assert build(small_options(tmp_path)).warnings == ()
    page = parse_html(tmp_path / "out" / "papers" / "graph-rewiring-done-right" / "index.html")
    policy = next(
        meta.get("content")
        for meta in page.iter("meta")
        if meta.get("http-equiv") == "Content-Security-Policy"
    )
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["img-src"] == "'self' https: data:"
    assert directives["default-src"] == "'none'" and directives["script-src"] == "'self'"
    prose = page.find(".//section[@class='curator-note']//div[@class='prose']")
    images = {img.get("alt"): img for img in prose.iter("img")}
    assert images["Figure 1"].get("src") == "https://example.org/fig1.png"
    assert images["Figure 1"].get("referrerpolicy") == "no-referrer"
    assert images["local"].get("src") == "figures/fig2.png"
    # An http: image would be blocked by the policy: it is a link to the picture instead.
    assert "plain" not in images
    assert [(a.get("href"), text_of(a)) for a in prose.iter("a")] == [
        ("http://example.org/fig3.png", "plain")
    ]
    # javascript: and data: images keep no address at all.
    assert [images[alt].get("src") for alt in ("bad", "worse", "inline")] == [None, None, None]
    assert not any("script:" in value or "data:" in value for value in links(prose))
