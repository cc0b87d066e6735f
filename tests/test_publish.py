"""Web conventions: feeds, sitemap, robots.txt, CNAME, page metadata and the Content-Security-Policy."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.build import BuildOptions, build
from generator.errors import BuildError, ConfigError
from generator.output.check import check_site
from generator.pages.render import CONTENT_SECURITY_POLICY
from generator.read.config import SiteConfig, parse_config
from tests.html import parse_html, text_of
from tests.support import LAYOUT_B, PUBLISHED_URL, SUBPATH

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def page_address(rel: str) -> str:
    return rel[: -len("index.html")] if rel.endswith("index.html") else rel


def local_file(site: Path, url: str) -> Path:
    """The file of the published site that an absolute URL under PUBLISHED_URL names."""
    assert url.startswith(PUBLISHED_URL), url
    rel = url[len(PUBLISHED_URL) :]
    return site / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def test_site_feed_is_atom_with_every_paper_linked_absolutely(published_site: Path) -> None:
    feed = ET.parse(published_site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "papershelf"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == PUBLISHED_URL + "feed.xml"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 545
    ids = {entry.findtext(f"{ATOM}id") for entry in entries}
    assert len(ids) == 545 and all(i.startswith("urn:uuid:") for i in ids)
    papers = {p["title"]: p for p in json.loads((published_site / "papers.json").read_text())}
    for entry in entries:
        title = entry.findtext(f"{ATOM}title")
        link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert link == "https://example.org" + papers[title]["url"]
        assert local_file(published_site, link).is_file()
        assert entry.findtext(f"{ATOM}summary") == (
            papers[title]["abstract"] or "The dump listing this paper carried no abstract."
        )
        assert entry.findtext(f"{ATOM}updated")  # required by Atom
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "papershelf"


def test_every_collection_has_its_feed(published_site: Path) -> None:
    counts = {}
    for collection_dir in sorted((published_site / "collections").iterdir()):
        if not collection_dir.is_dir():
            continue
        feed = ET.parse(collection_dir / "feed.xml").getroot()
        page = parse_html(collection_dir / "index.html")
        listed = [text_of(a) for a in page.findall(".//ol[@class='paper-list']/li/h3/a")]
        assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == listed
        alternate = page.find(".//link[@type='application/atom+xml'][@href='feed.xml']")
        assert alternate is not None
        counts[collection_dir.name] = len(listed)
    assert sum(counts.values()) == 602 and len(counts) == 5


def test_sitemap_lists_every_indexable_page(published_site: Path) -> None:
    root = ET.parse(published_site / "sitemap.xml").getroot()
    locs = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    pages = [p for p in html_pages(published_site) if p != "404.html"]
    assert sorted(locs) == sorted(PUBLISHED_URL + page_address(p) for p in pages)
    topics = len(list((published_site / "topics").glob("*/index.html")))
    assert len(locs) == 563 + 1 + topics + 2  # and the topics index and pages, map, about
    robots = (published_site / "robots.txt").read_text()
    assert f"Sitemap: {PUBLISHED_URL}sitemap.xml" in robots.splitlines()


class HeadReader(HTMLParser):
    """Collects what the checks below need from one page, fast enough for all 564 pages."""

    def __init__(self) -> None:
        super().__init__()
        self.metas: list[dict[str, str]] = []
        self.links: list[dict[str, str]] = []
        self.scripts: list[dict[str, str]] = []
        self.inline_code: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name == "style" or name.startswith("on"):
                self.inline_code.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.inline_code.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.inline_code.append("<style>")
        if tag == "meta":
            self.metas.append(values)
        elif tag == "link":
            self.links.append(values)
        elif tag == "script":
            self.scripts.append(values)
        # Only the document's title: SVG drawings carry <title> elements of their own.
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def meta(self, key: str) -> list[str]:
        return [
            m.get("content", "") for m in self.metas if key in (m.get("name"), m.get("property"))
        ]


def read_head(path: Path) -> HeadReader:
    reader = HeadReader()
    reader.feed(path.read_text("utf-8"))
    return reader


@pytest.mark.parametrize("site_fixture", ["seeds_site", "published_site"])
def test_every_page_has_a_strict_csp_and_no_inline_script_or_style(
    site_fixture: str, request: pytest.FixtureRequest
) -> None:
    site = request.getfixturevalue(site_fixture)
    pages = html_pages(site)
    topics = len(list((site / "topics").glob("*/index.html")))
    assert len(pages) == 564 + 1 + topics + 2  # and the topics index and pages, map, about
    for rel in pages:
        head = read_head(site / rel)
        policies = [
            m["content"]
            for m in head.metas
            if m.get("http-equiv", "").lower() == "content-security-policy"
        ]
        assert policies == [CONTENT_SECURITY_POLICY], rel
        assert head.inline_code == [], rel
        for script in head.scripts:
            # Either a file of the site, or a JSON-LD data block (data, never executed).
            assert script.get("src") or script.get("type") == "application/ld+json", rel
    for css in site.rglob("*.css"):
        assert "expression(" not in css.read_text()
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'none'" and "unsafe" not in CONTENT_SECURITY_POLICY


def test_every_page_has_title_description_canonical_and_social_cards(published_site: Path) -> None:
    for rel in html_pages(published_site):
        head = read_head(published_site / rel)
        assert head.title.strip(), rel
        assert head.meta("description")[0].strip(), rel
        assert head.meta("og:title") == [head.title] == head.meta("twitter:title"), rel
        assert head.meta("og:description") == head.meta("description"), rel
        assert head.meta("twitter:card") == ["summary"], rel
        assert head.meta("og:site_name") == ["papershelf"], rel
        icons = [link["href"] for link in head.links if link.get("rel") == "icon"]
        assert len(icons) == 1 and icons[0].endswith("static/favicon.svg"), rel
        feeds = [link for link in head.links if link.get("type") == "application/atom+xml"]
        assert feeds and feeds[0]["href"].endswith("feed.xml"), rel
        canonical = [link["href"] for link in head.links if link.get("rel") == "canonical"]
        if rel == "404.html":
            assert canonical == [] and head.meta("robots") == ["noindex"]
            continue
        assert canonical == [PUBLISHED_URL + page_address(rel)], rel
        assert head.meta("og:url") == canonical, rel
        expected_type = "article" if rel.startswith("papers/") else "website"
        assert head.meta("og:type") == [expected_type], rel
    assert (published_site / "static/favicon.svg").read_text().startswith("<svg")


def test_paper_pages_carry_scholarly_article_json_ld_and_citation_title(
    published_site: Path,
) -> None:
    papers = json.loads((published_site / "papers.json").read_text())
    for paper in papers[:40] + [p for p in papers if p["abstract"] is None]:
        page = parse_html(published_site / "papers" / paper["slug"] / "index.html")
        block = page.find(".//script[@type='application/ld+json']")
        data = json.loads(block.text)
        assert data["@context"] == "https://schema.org"
        assert data["@type"] == "ScholarlyArticle"
        assert data["name"] == paper["title"] == text_of(page.find(".//h1"))
        assert data.get("abstract") == paper["abstract"]
        assert data["url"] == "https://example.org" + paper["url"]
        citation = page.find(".//meta[@name='citation_title']").get("content")
        assert citation == paper["title"]


def test_a_path_base_url_leaves_out_only_what_needs_a_host(seeds_site: Path) -> None:
    assert not (seeds_site / "sitemap.xml").exists()
    assert "Sitemap:" not in (seeds_site / "robots.txt").read_text()
    head = read_head(seeds_site / "index.html")
    assert not [link for link in head.links if link.get("rel") == "canonical"]
    feed = ET.parse(seeds_site / "collections/001_0341fee289cc69d9/feed.xml").getroot()
    # Atom resolves relative links against the feed's own address.
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == "./"
    first = feed.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert first.startswith("../../papers/")
    assert (seeds_site / "collections/001_0341fee289cc69d9" / first / "index.html").is_file()


@pytest.mark.parametrize("base_url", ["/", SUBPATH])
def test_no_root_relative_link_outside_the_404_page(tmp_path: Path, base_url: str) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "may.txt").write_text(LAYOUT_B)
    build(
        BuildOptions(
            seeds_dir=seeds,
            out_dir=tmp_path / "out",
            config_path=tmp_path / "absent.yml",
            base_url=base_url,
        )
    )
    report = check_site(tmp_path / "out", SiteConfig().with_base_url(base_url))
    assert report.broken == [] and report.pages == 11  # 8 + topics, map, about
    for rel in html_pages(tmp_path / "out"):
        root = parse_html(tmp_path / "out" / rel)
        for element in root.iter():
            for attribute in ("href", "src", "action"):
                link = element.get(attribute)
                if link is None or urlsplit(link).scheme:
                    continue
                if rel == "404.html":
                    assert link.startswith(base_url) or link.startswith("#"), (rel, link)
                else:
                    assert not link.startswith("/"), (rel, link)


def small_build(tmp_path: Path, config: str, name: str = "out") -> Path:
    seeds = tmp_path / "seeds"
    if not seeds.exists():
        seeds.mkdir()
        (seeds / "may.txt").write_text(LAYOUT_B)
    (tmp_path / "site.yml").write_text(config)
    out = tmp_path / name
    build(BuildOptions(seeds_dir=seeds, out_dir=out, config_path=tmp_path / "site.yml"))
    return out


def test_feed_dates_come_from_collections_then_source_date_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    undated = ET.parse(small_build(tmp_path, "title: T\n", "a") / "feed.xml").getroot()
    assert {e.text for e in undated.iter(f"{ATOM}updated")} == {"1970-01-01T00:00:00Z"}

    config = "base_url: https://example.org/\ncollections:\n  may:\n    date: 2024-05-19\n"
    dated = ET.parse(small_build(tmp_path, config, "b") / "feed.xml").getroot()
    assert {e.text for e in dated.iter(f"{ATOM}updated")} == {"2024-05-19T00:00:00Z"}

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = small_build(tmp_path, "title: T\n", "c")
    feed = ET.parse(first / "feed.xml").getroot()
    assert feed.findtext(f"{ATOM}updated") == "2023-11-14T22:13:20Z"
    second = small_build(tmp_path, "title: T\n", "d")
    for path in sorted(first.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(BuildError, match="SOURCE_DATE_EPOCH"):
        small_build(tmp_path, "title: T\n", "e")


def test_hostile_titles_stay_text_in_the_feed(tmp_path: Path) -> None:
    title = 'A <script>alert("x")</script> & {{ 7*7 }} \x01Study'
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "x.txt").write_text(
        f"May 19\n\n{title}\n\nAn abstract that is long enough to count.\n"
    )
    out = small_build(tmp_path, "title: T\n")
    entry = ET.parse(out / "feed.xml").getroot().find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == title.replace("\x01", "")


def test_cname_is_written_and_validated(tmp_path: Path) -> None:
    out = small_build(tmp_path, "cname: Papers.Example.org\n")
    assert (out / "CNAME").read_text() == "papers.example.org\n"
    assert not (small_build(tmp_path, "title: T\n", "plain") / "CNAME").exists()
    with pytest.raises(ConfigError, match="Config value 'cname': expected a domain name"):
        parse_config("cname: https://papers.example.org/\n")


def test_a_path_base_url_is_noted_and_a_full_url_is_not(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "may.txt").write_text(LAYOUT_B)
    no_config = tmp_path / "absent.yml"
    path_only = build(
        BuildOptions(
            seeds_dir=seeds, out_dir=tmp_path / "a", config_path=no_config, base_url=SUBPATH
        )
    )
    assert len(path_only.notes) == 1 and "sitemap.xml" in path_only.notes[0]
    assert path_only.warnings == ()  # a local build is not a problem: --strict still passes
    full = build(
        BuildOptions(
            seeds_dir=seeds, out_dir=tmp_path / "b", config_path=no_config, base_url=PUBLISHED_URL
        )
    )
    assert full.notes == ()
