"""Build tests: sites built into tmp_path and read back with an HTML parser."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.build import build
from generator.errors import ParseError, StrictModeError
from generator.read.dumps import parse_dump
from generator.read.text import clean_text
from tests.html import find_by_id, links, parse_html, text_of
from tests.support import (
    ABSTRACT_1,
    ABSTRACT_2,
    LAYOUT_B,
    SEEDS_DIR,
    SUBPATH,
    run_cli,
    small_options,
    write_seeds,
)


def all_seed_records():
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        yield from parse_dump(path.read_text("utf-8"), path.name).records


def test_every_seed_paper_has_its_page_with_its_exact_abstract(seeds_site: Path) -> None:
    papers = json.loads((seeds_site / "papers.json").read_text("utf-8"))
    by_title = {p["title"]: p for p in papers}
    records = list(all_seed_records())
    assert len(records) == 602
    for record in records:
        # Pages show clean text: the dump's LaTeX escapes restored (see tests/test_text.py).
        paper = by_title[clean_text(record.title)]
        page = parse_html(seeds_site / "papers" / paper["slug"] / "index.html")
        assert text_of(page.find(".//h1")) == clean_text(record.title)
        abstract = page.find(".//p[@class='abstract']")
        assert "".join(abstract.itertext()) == clean_text(record.abstract)
    assert len(list((seeds_site / "papers").iterdir())) == 545


def test_papers_json_lists_every_paper(seeds_site: Path) -> None:
    papers = json.loads((seeds_site / "papers.json").read_text("utf-8"))
    assert len(papers) == 545
    fields = {"id", "slug", "title", "abstract", "collections", "url", "related", "topics"}
    assert all(set(p) == fields for p in papers)
    first = papers[0]
    assert first["url"] == f"{SUBPATH}papers/{first['slug']}/"
    assert first["collections"] == ["000_9a4de9028e002a6d"]
    assert sum(len(p["collections"]) for p in papers) == 602


def test_papers_json_written_in_parts_is_laid_out_as_one_json_dump(seeds_site: Path) -> None:
    # papers.json is written a paper at a time; the file must read as json.dumps of the whole list
    text = (seeds_site / "papers.json").read_text("utf-8")
    papers = json.loads(text)
    assert text == json.dumps(papers, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def test_papers_json_of_no_papers_is_an_empty_list() -> None:
    from generator.model import Corpus
    from generator.pages.render import papers_json
    from generator.read.config import SiteConfig

    assert "".join(papers_json(Corpus((), (), ()), SiteConfig())) == "[]\n"


def test_home_is_paginated_fifty_a_page(seeds_site: Path) -> None:
    home = parse_html(seeds_site / "index.html")
    items = home.findall(".//ol[@class='paper-list']/li")
    assert len(items) == 50
    pager = home.find(".//nav[@class='pager']")
    assert [text_of(a) for a in pager.findall(".//ol/li/a")] == [str(n) for n in range(1, 12)]
    assert pager.find(".//a[@rel='next']").get("href") == "page/2/"
    last = parse_html(seeds_site / "page" / "11" / "index.html")
    assert len(last.findall(".//ol[@class='paper-list']/li")) == 545 - 500
    assert last.find(".//ol[@class='paper-list']").get("start") == "501"
    assert last.find(".//nav[@class='pager']//a[@rel='prev']").get("href") == "../10/"
    assert last.find(".//nav[@class='pager']//a[@rel='next']") is None
    cards = home.findall(".//ul[@class='collection-cards']/li")
    assert [text_of(c) for c in cards][1] == "Optimisation and learning dynamics 73 papers · May 19"


def test_collection_pages_list_their_papers(seeds_site: Path) -> None:
    page = parse_html(seeds_site / "collections" / "003_ec176ae3cada82f8" / "index.html")
    assert text_of(page.find(".//h1")) == "On-device and efficient learning"
    assert len(page.findall(".//ol[@class='paper-list']/li")) == 51
    description = page.find(".//div[@class='prose']")
    assert description.find(".//strong").text == "May 23"
    index = parse_html(seeds_site / "collections" / "index.html")
    assert len(index.findall(".//ul[@class='collection-cards']/li")) == 5


def test_paper_page_links_collections_and_lookup_services(seeds_site: Path) -> None:
    papers = json.loads((seeds_site / "papers.json").read_text("utf-8"))
    shared = next(p for p in papers if len(p["collections"]) == 3)
    page = parse_html(seeds_site / "papers" / shared["slug"] / "index.html")
    chips = page.findall(".//ul[@class='chips']/li/a")
    assert [c.get("href") for c in chips] == [
        f"../../collections/{c}/" for c in shared["collections"]
    ]
    lookups = {text_of(a): a.get("href") for a in page.findall(".//ul[@class='lookup-links']/li/a")}
    assert set(lookups) == {"arXiv", "Hugging Face Papers", "Semantic Scholar", "Google Scholar"}
    hosts = {urlsplit(href).netloc for href in lookups.values()}
    assert hosts == {"arxiv.org", "huggingface.co", "www.semanticscholar.org", "scholar.google.com"}
    first_word = shared["title"].split()[0]
    assert all(first_word in urlsplit(href).query for href in lookups.values())


def test_every_page_has_a_search_form_leading_to_the_search_page(seeds_site: Path) -> None:
    for path in ["index.html", "papers/2bp-2-stage-backpropagation/index.html", "404.html"]:
        page = parse_html(seeds_site / path)
        form = page.find(".//form[@role='search']")
        assert form.get("method") == "get"
        assert form.find(".//input[@type='search'][@name='q']") is not None
        target = posixpath.normpath(
            posixpath.join(posixpath.dirname("/papershelf/" + path), form.get("action"))
        )
        assert target + "/" == "/papershelf/search/" or form.get("action") == "/papershelf/search/"


def test_search_page_explains_that_it_needs_javascript(seeds_site: Path) -> None:
    page = parse_html(seeds_site / "search" / "index.html")
    noscript = page.find(".//noscript")
    assert noscript is not None
    # html5lib parses <noscript> content as text when scripting is on; read it as markup.
    assert "needs JavaScript" in "".join(noscript.itertext())
    assert find_by_id(page, "search-results") is not None
    app = find_by_id(page, "search-app")
    assert app.get("data-index-url") == "search_index.json"


def resolve(page_path: str, link: str) -> str | None:
    """The file a link on the page points at (None for external links and fragments)."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    if parts.path.startswith("/"):
        assert parts.path.startswith(SUBPATH), (
            f"{page_path}: root-relative link {link!r} outside the subpath"
        )
        target = parts.path[len(SUBPATH) :]
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page_path), parts.path))
        if parts.path.endswith("/"):
            target += "/"
    if target in ("", ".", "./"):
        return "index.html"
    return target + "index.html" if target.endswith("/") else target


def test_every_internal_link_resolves_under_the_subpath(seeds_site: Path) -> None:
    pages = sorted(p.relative_to(seeds_site).as_posix() for p in seeds_site.rglob("*.html"))
    topics = len(list((seeds_site / "topics").glob("*/index.html")))
    # listing, collections, papers, search, 404; topics index and pages, map, about
    assert len(pages) == 11 + 1 + 5 + 545 + 1 + 1 + 1 + topics + 2
    checked = 0
    for page_path in pages:
        root = parse_html(seeds_site / page_path)
        for link in links(root):
            target = resolve(page_path, link)
            if target is None:
                continue
            assert not target.startswith(".."), f"{page_path}: {link!r} leaves the site"
            assert (seeds_site / target).is_file(), f"{page_path}: broken link {link!r}"
            checked += 1
    assert checked > 5_000  # about nine internal links a page


def test_404_page_links_are_absolute_under_the_base_path(seeds_site: Path) -> None:
    root = parse_html(seeds_site / "404.html")
    internal = [link for link in links(root) if not urlsplit(link).scheme and link[0] != "#"]
    assert internal and all(link.startswith(SUBPATH) for link in internal)


def test_lunr_and_assets_are_copied(seeds_site: Path) -> None:
    lunr_js = (seeds_site / "static/vendor/lunr.min.js").read_text("utf-8")
    assert "2.3.9" in lunr_js
    assert (seeds_site / "static/css/site.css").is_file()
    assert (seeds_site / "static/js/search-ui.js").is_file()
    assert (seeds_site / ".nojekyll").is_file()


def test_small_site_builds_at_the_domain_root(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"may.txt": LAYOUT_B})
    report = build(small_options(tmp_path))
    assert (report.papers, report.collections, report.warnings) == (3, 1, ())
    home = parse_html(tmp_path / "out" / "index.html")
    assert [text_of(a) for a in home.findall(".//h3/a")] == [
        "Graph Rewiring Done Right",
        "Forward-Only Learning",
        "Four-Bit Language Models",
    ]
    assert home.find(".//nav[@class='pager']") is None
    not_found = parse_html(tmp_path / "out" / "404.html")
    assert not_found.find(".//link[@rel='stylesheet']").get("href") == "/static/css/site.css"
    papers = json.loads((tmp_path / "out" / "papers.json").read_text("utf-8"))
    assert papers[0]["url"] == "/papers/graph-rewiring-done-right/"


def test_titles_and_abstracts_are_escaped(tmp_path: Path) -> None:
    title = "<script>alert(1)</script> & {{ 7*7 }}"
    write_seeds(tmp_path / "seeds", {"x.txt": f"{title}\n{ABSTRACT_1} <b>bold</b>\n"})
    build(small_options(tmp_path))
    papers = json.loads((tmp_path / "out" / "papers.json").read_text("utf-8"))
    page_path = tmp_path / "out" / "papers" / papers[0]["slug"] / "index.html"
    page = parse_html(page_path)
    assert text_of(page.find(".//h1")) == title
    assert page.find(".//h1//script") is None
    assert "<script>alert" not in page_path.read_text("utf-8")
    assert "".join(page.find(".//p[@class='abstract']").itertext()).endswith("<b>bold</b>")


def test_warnings_are_reported_and_strict_refuses_them(tmp_path: Path) -> None:
    broken = LAYOUT_B.replace(f"{ABSTRACT_1}\n\n", "")
    write_seeds(tmp_path / "seeds", {"broken.txt": broken})
    report = build(small_options(tmp_path))
    assert [w.line for w in report.warnings] == [11]
    assert report.papers == 3
    with pytest.raises(StrictModeError):
        build(small_options(tmp_path, out_dir=tmp_path / "strict-out", strict=True))
    assert not (tmp_path / "strict-out").exists()


def test_failed_build_leaves_the_previous_site_untouched(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_B})
    build(small_options(tmp_path))
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    write_seeds(tmp_path / "seeds", {"b.txt": b"\xff\xfe not utf-8"})
    with pytest.raises(ParseError):
        build(small_options(tmp_path))
    after = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert after == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert leftovers == []


def test_cli_builds_and_prints_a_summary(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_B, "b.txt": f"Solo\n{ABSTRACT_2}\n"})
    result = run_cli("build", "--base-url", "/REPO/", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("papershelf: 4 papers in 2 collections, ")
    assert "written to _site/, 0 warnings" in result.stdout
    papers = json.loads((tmp_path / "_site" / "papers.json").read_text("utf-8"))
    assert papers[0]["url"].startswith("/REPO/papers/")


FURNITURE_ONLY = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nMay 19\n"
KNOWN_KEYS = (
    "base_url, cname, collections, description, language, notes_dir, per_page, title, topics"
)


@pytest.mark.parametrize(
    ("files", "config", "args", "code", "message"),
    [
        (
            None,
            None,
            [],
            4,
            "error: no site.yml and no seeds/ folder here, so no site to build: start one with "
            "`papershelf new FOLDER`, or run papershelf in a site's folder\n",
        ),
        (None, "title: Lab\n", [], 4, "error: seeds: seeds folder not found\n"),
        ("a file", None, [], 4, "error: seeds: is not a folder\n"),
        ({}, None, [], 4, "error: seeds: no dump files (*.txt) in the seeds folder\n"),
        ({"a.txt": ""}, None, [], 5, "error: seeds/a.txt: empty file, no records\n"),
        (
            {"a.txt": b"T\n\xc3\x28 abstract"},
            None,
            [],
            5,
            "error: seeds/a.txt:2: not valid UTF-8 (byte 0xc3 at offset 2)\n",
        ),
        (
            {"a.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
            None,
            [],
            5,
            "error: seeds/a.txt: binary file (contains NUL bytes), not a text dump\n",
        ),
        (
            {"a.txt": FURNITURE_ONLY, "b.txt": LAYOUT_B, "c.txt": "\ufeff\r\n \n"},
            None,
            [],
            5,
            "error: seeds/a.txt: no records found (only page furniture)\n"
            "error: seeds/c.txt: empty file, no records\n",
        ),
        (
            {"Lab.txt": LAYOUT_B, "lab.txt": LAYOUT_B},
            None,
            [],
            5,
            "error: seeds/lab.txt: collection id 'lab' is already taken by seeds/Lab.txt; "
            "rename one file\n",
        ),
        (
            {"a.txt": LAYOUT_B},
            None,
            ["--config", "nope.yml"],
            3,
            "error: nope.yml: config file not found\n",
        ),
        (
            {"a.txt": LAYOUT_B},
            None,
            ["--base-url", "javascript:x"],
            3,
            "error: --base-url: Config value 'base_url': expected an http(s) URL or a path, "
            "got 'javascript:x'\n",
        ),
        (
            {"a.txt": LAYOUT_B},
            "title: Lab\nper_pgae: 20\n",
            [],
            3,
            f"error: site.yml: line 2: Config value 'per_pgae': unknown key (known keys: "
            f"{KNOWN_KEYS})\n",
        ),
        (
            {"a.txt": LAYOUT_B},
            "title: Lab\nper_page: twenty\n",
            [],
            3,
            "error: site.yml: line 2: Config value 'per_page': expected an integer, got str "
            "('twenty')\n",
        ),
        (
            {"a.txt": LAYOUT_B},
            "title: Lab\ncollections: [a, b\n",
            [],
            3,
            "error: site.yml: line 2: invalid YAML in 'collections': while parsing a flow "
            "sequence, expected ',' or ']', but got '<stream end>' at line 3\n",
        ),
        (
            {"a.txt": LAYOUT_B},
            "title: Lab\nbase_url: 'data:text/html,<script>alert(1)</script>'\n",
            [],
            3,
            "error: site.yml: line 2: Config value 'base_url': expected an http(s) URL or a path, "
            "got 'data:text/html,<script>alert(1)</script>'\n",
        ),
        (
            {"a.txt": LAYOUT_B},
            b"title: caf\xe9\n",
            [],
            3,
            "error: site.yml: line 1: not valid UTF-8 (byte 0xe9 at offset 10)\n",
        ),
    ],
    ids=[
        "no-site-here",
        "missing-folder",
        "seeds-is-a-file",
        "empty-folder",
        "empty-file",
        "not-utf8",
        "binary-file",
        "furniture-only-and-blank",
        "clashing-collection-ids",
        "missing-config",
        "bad-base-url-option",
        "config-unknown-key",
        "config-wrong-type",
        "config-invalid-yaml",
        "config-data-url",
        "config-not-utf8",
    ],
)
def test_cli_errors_are_messages_with_exit_codes(
    tmp_path: Path, files, config, args, code: int, message: str
) -> None:
    if files == "a file":
        (tmp_path / "seeds").write_text("not a folder")
    elif files is not None:
        write_seeds(tmp_path / "seeds", files)
    if config is not None:
        data = config.encode("utf-8") if isinstance(config, str) else config
        (tmp_path / "site.yml").write_bytes(data)
    result = run_cli("build", *args, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (code, message)
    assert result.stdout == ""
    assert not (tmp_path / "_site").exists()


def test_cli_record_problems_are_warnings_with_file_and_line(tmp_path: Path) -> None:
    lost_abstract = LAYOUT_B.replace(f"{ABSTRACT_1}\n\n", "")
    lost_title = LAYOUT_B.replace("Forward-Only Learning\n\n", "")
    huge_title = LAYOUT_B.replace("Forward-Only Learning", "Graph " * 2000)
    write_seeds(
        tmp_path / "seeds", {"a.txt": lost_abstract, "b.txt": lost_title, "c.txt": huge_title}
    )
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert warnings == [
        "warning: seeds/a.txt:11: title without abstract: 'Graph Rewiring Done Right'",
        "warning: seeds/b.txt:15: abstract without title, skipped: 'Backpropagation is "
        "biologically implausible. We propose a f…'",
        "warning: seeds/c.txt:15: title line of 11999 characters is too long for a title (at most "
        "300; lines run together?), record skipped: 'Graph Graph Graph Graph Graph Graph Graph "
        "Graph Graph Graph…'",
    ]
    # Every record after a broken one is there: 3 + 2 + 2 records, 3 distinct papers.
    assert result.stdout.startswith("papershelf: 3 papers in 3 collections, ")
    assert ", 3 warnings, " in result.stdout
    collections = {
        c: len(
            parse_html(tmp_path / "_site" / "collections" / c / "index.html").findall(
                ".//ol[@class='paper-list']/li"
            )
        )
        for c in ("a", "b", "c")
    }
    assert collections == {"a": 3, "b": 2, "c": 2}


def test_cli_strict_mode_prints_the_warnings(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_B.replace("Forward-Only Learning\n\n", "")})
    result = run_cli("build", "--strict", cwd=tmp_path)
    assert result.returncode == 6
    assert result.stderr.splitlines()[0].startswith(
        "warning: seeds/a.txt:15: abstract without title, skipped: 'Backpropagation is"
    )
    assert "error: --strict: 1 warning turned into an error; nothing was written" in result.stderr
    assert not (tmp_path / "_site").exists()


def test_dumps_read_in_two_processes_equal_those_read_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.read.seeds as build_module

    serial = build_module.read_seeds(SEEDS_DIR)
    monkeypatch.setattr(build_module, "PARALLEL_READ_BYTES", 0)  # the seeds are small
    assert build_module.read_seeds(SEEDS_DIR) == serial
    # Errors from dumps on both sides of the split are all reported, in file order.
    seeds = write_seeds(
        tmp_path / "seeds",
        {"a.txt": b"\xff\xfe not text", "b.txt": LAYOUT_B, "c.txt": "", "d.txt": b"\x00\x01"},
    )
    with pytest.raises(ParseError) as failure:
        build_module.read_seeds(seeds)
    assert [d.path.rsplit("/", 1)[-1] for d in failure.value.diagnostics] == [
        "a.txt",
        "c.txt",
        "d.txt",
    ]
