"""Link check: every internal link and asset of a built site must point at a file that exists.

The site is read as a browser served from the base URL would read it: each page's links are resolved
against the page's own address below the base path. Checked: ``href``, ``src`` and ``srcset`` of
every element (so ``<link rel=...>`` too), ``og:url``, CSS ``url()`` and ``@import``, and the links of
the sitemap and the Atom feeds. A ``#fragment`` must name an element of the target page. Links to
other hosts are counted, not fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import SplitResult, unquote, urljoin, urlsplit
from xml.etree import ElementTree as ET

from generator.read.config import SiteConfig

_ORIGIN = "http://site.invalid"  # stands for wherever the site is served; never contacted
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
_URL_METAS = {"og:url", "og:image", "twitter:image"}


@dataclass(frozen=True)
class BrokenLink:
    """A link whose target is missing, named by the page it is on."""

    page: str
    target: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: broken link to {self.target} ({self.reason})"


@dataclass
class LinkReport:
    """What a link check looked at and what it found."""

    pages: int = 0
    files: int = 0
    links: int = 0
    absolute: int = 0  # links that name the site by its full base URL (canonical, sitemap ...)
    external: int = 0
    targets: set[str] = field(default_factory=set)
    broken: list[BrokenLink] = field(default_factory=list)

    def summary(self) -> str:
        """One line: how much was checked and how much is broken."""
        return (
            f"{self.pages} pages and {self.files - self.pages} other files, {self.links} links "
            f"to {len(self.targets)} distinct targets checked ({self.external} external, "
            f"not fetched), {len(self.broken)} broken"
        )


class _PageParser(HTMLParser):
    """Collects the links and the element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        for name in ("id", "name") if tag == "a" else ("id",):
            if name in values:
                self.ids.add(values[name])
        for name in ("href", "src"):
            if name in values:
                self.links.append(values[name])
        if "srcset" in values:
            self.links += [c.split()[0] for c in values["srcset"].split(",") if c.strip()]
        if tag == "meta" and values.get("property", values.get("name")) in _URL_METAS:
            self.links.append(values.get("content", ""))


def _parse_page(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text("utf-8"))
    parser.close()
    return parser


def _address(rel_path: str, base_path: str) -> str:
    """The URL a file is served at, on the stand-in origin."""
    target = rel_path[: -len("index.html")] if rel_path.endswith("index.html") else rel_path
    return f"{_ORIGIN}{base_path}{target}"


def _xml_links(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    found = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "loc" and element.text:
            found.append(element.text.strip())
        elif tag == "link" and element.get("href"):
            found.append(element.get("href"))
    return found


def check_site(site_dir: Path, config: SiteConfig) -> LinkReport:
    """Check every link of the site in ``site_dir``, built for ``config.base_url``."""
    site_dir = site_dir.resolve()
    base_path = config.base_path
    report = LinkReport()
    ids_cache: dict[Path, set[str]] = {}
    sources: list[tuple[str, list[str]]] = []
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site_dir).as_posix()
        report.files += 1
        if path.suffix == ".html":
            report.pages += 1
            parsed = _parse_page(path)
            ids_cache[path] = parsed.ids
            sources.append((rel, parsed.links))
        elif path.suffix == ".css":
            text = path.read_text("utf-8")
            sources.append((rel, [m[2] or m[4] for m in _CSS_URL.finditer(text)]))
        elif path.suffix == ".xml":
            sources.append((rel, _xml_links(path)))

    for rel, links in sources:
        page_address = _address(rel, base_path)
        for link in links:
            report.links += 1
            problem = _check_link(site_dir, config, page_address, link, ids_cache, report)
            if problem:
                report.broken.append(BrokenLink(rel, link, problem))
    return report


def _check_link(
    site_dir: Path,
    config: SiteConfig,
    page_address: str,
    link: str,
    ids_cache: dict[Path, set[str]],
    report: LinkReport,
) -> str | None:
    """None when the link is fine, else why it is broken."""
    link = link.strip()
    if not link:
        return "empty link"
    parts = urlsplit(link)
    if parts.scheme.lower() == "javascript":
        return "javascript: URL"
    if parts.scheme in ("mailto", "tel", "data"):
        return None
    resolved = _resolve(config, page_address, link, parts, report)
    if resolved is None:
        return None
    return _check_target(site_dir, config.base_path, resolved, ids_cache, report)


def _resolve(
    config: SiteConfig, page_address: str, link: str, parts: SplitResult, report: LinkReport
) -> SplitResult | None:
    """The link's URL on the stand-in origin; None for a link to another host, counted there."""
    if not (parts.scheme or parts.netloc):
        return urlsplit(urljoin(page_address, link))
    if config.absolute_base and link.startswith(config.absolute_base):
        report.absolute += 1
        link = link[len(config.absolute_base) :]
        return urlsplit(urljoin(f"{_ORIGIN}{config.base_path}", link))
    report.external += 1
    return None


def _check_target(
    site_dir: Path,
    base_path: str,
    resolved: SplitResult,
    ids_cache: dict[Path, set[str]],
    report: LinkReport,
) -> str | None:
    """None when a URL of the site names a file of ``site_dir`` (and an element of it), else why not."""
    path = unquote(resolved.path)
    if not path.startswith(base_path):
        return f"outside the base path {base_path}"
    rel = path[len(base_path) :]
    report.targets.add(rel + (f"#{resolved.fragment}" if resolved.fragment else ""))
    target = (site_dir / rel).resolve()
    if not target.is_relative_to(site_dir):
        return "outside the site folder"
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return "no such file"
    if resolved.fragment and target.suffix == ".html":
        return _check_fragment(target, unquote(resolved.fragment), ids_cache)
    return None


def _check_fragment(page: Path, fragment: str, ids_cache: dict[Path, set[str]]) -> str | None:
    """None when the page has an element with the id ``fragment``, else why it is broken."""
    if page not in ids_cache:
        ids_cache[page] = _parse_page(page).ids
    if fragment not in ids_cache[page]:
        return f"no element with id {fragment!r}"
    return None
