"""Publish stage: the files beside the pages that feed readers, crawlers and hosts look for.

Atom feeds (``feed.xml`` for the site, ``collections/ID/feed.xml`` per collection), ``sitemap.xml``,
``robots.txt`` and ``CNAME``. They are data formats rather than pages, so they are built with
ElementTree, which makes them well-formed whatever the titles hold. Nothing here reads the clock:
dates come from collection dates, from ``SOURCE_DATE_EPOCH`` (checked once, as the build starts:
``generator.options.source_date_epoch``), or from the fixed ``FALLBACK_DATE``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

from generator.model import Collection, Corpus, Paper
from generator.pages.render import page_target, relative_url
from generator.pages.site import Page
from generator.read.config import SiteConfig

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITE_FEED_PATH = "feed.xml"
SITEMAP_PATH = "sitemap.xml"
# The date of an entry nothing dates: the Unix epoch, so that builds stay byte-identical.
FALLBACK_DATE = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def collection_feed_path(collection: Collection) -> str:
    """Where a collection's Atom feed lives below the site root."""
    return f"{collection.url_path}feed.xml"


def paper_dates(corpus: Corpus, build_date: dt.datetime | None) -> dict[str, dt.datetime]:
    """Each paper's date: the earliest dated collection that lists it, else the build date,
    else ``FALLBACK_DATE``."""
    fallback = build_date or FALLBACK_DATE
    dates: dict[str, dt.datetime] = {}
    for paper in corpus.papers:
        known = [
            dt.datetime.combine(c.date, dt.time(), tzinfo=dt.timezone.utc)
            for c in map(corpus.collection, paper.collections)
            if c.date is not None
        ]
        dates[paper.id] = min(known) if known else fallback
    return dates


def _xml_text(text: str) -> str:
    """Text with the characters XML 1.0 cannot carry removed."""
    return _NOT_XML.sub("", text)


def _stamp(moment: dt.datetime) -> str:
    # RFC 3339 wants four digits of year; strftime's %Y gives "999" on glibc.
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"


@functools.lru_cache(maxsize=1 << 17)
def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = _xml_text(text)
    return element


def _serialise(root: ET.Element) -> str:
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def atom_feed(
    config: SiteConfig,
    corpus: Corpus,
    feed_path: str,
    title: str,
    html_target: str,
    papers: list[Paper],
    dates: dict[str, dt.datetime],
    build_date: dt.datetime | None,
) -> Iterator[str]:
    """An Atom feed of ``papers``, newest first, as parts of its text (a feed of a large corpus is
    written as it is made, never held whole); links are absolute when the base URL is a full URL,
    else relative to the feed (Atom resolves them against the feed's own address)."""

    def link(target: str) -> str:
        if config.absolute_base:
            return config.absolute_base + target
        return relative_url(target, feed_path)

    ordered = sorted(papers, key=lambda paper: dates[paper.id], reverse=True)  # stable sort
    updated = build_date or max((dates[p.id] for p in papers), default=FALLBACK_DATE)
    # Written as text, laid out as ElementTree's indent() would: a feed of 50,000 entries built as
    # elements took seconds, and feeds are made on every build.
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM_NS}" xml:lang={_attribute(config.language)}>',
        f" <id>{_urn(f'papershelf:{config.title}:{feed_path}')}</id>",
        f" <title>{_escape(title)}</title>",
        f" <subtitle>{_escape(config.description)}</subtitle>",
        f" <updated>{_stamp(updated)}</updated>",
        " <author>",
        f"  <name>{_escape(config.title)}</name>",
        " </author>",
        ' <generator uri="https://pypi.org/project/papershelf/">papershelf</generator>',
        f' <link rel="self" type="application/atom+xml" href={_attribute(link(feed_path))} />',
        f' <link rel="alternate" type="text/html" href={_attribute(link(html_target))} />',
    ]
    yield "\n".join(lines) + "\n"
    for paper in ordered:
        summary = paper.abstract or "The dump listing this paper carried no abstract."
        lines = [
            " <entry>",
            f"  <id>{_urn(f'papershelf:paper:{paper.id}')}</id>",
            f'  <title type="text">{_escape(paper.title)}</title>',
            f"  <updated>{_stamp(dates[paper.id])}</updated>",
            f'  <link rel="alternate" type="text/html" href={_attribute(link(paper.url_path))} />',
            *(
                f"  <category term={_attribute(c.id)} label={_attribute(_xml_text(c.title))} />"
                for c in map(corpus.collection, paper.collections)
            ),
            f'  <summary type="text">{_escape(summary)}</summary>',
            " </entry>",
        ]
        yield "\n".join(lines) + "\n"
    yield "</feed>\n"


def _escape(text: str) -> str:
    """Element text as ElementTree writes it, without the characters XML cannot carry."""
    return _xml_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(value: str) -> str:
    """A quoted attribute value as ElementTree writes it."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = value.replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")
    return '"' + value.replace("\t", "&#09;") + '"'


def sitemap(config: SiteConfig, pages: list[Page]) -> str:
    """``sitemap.xml``: the absolute URL of every indexable page (all but the 404 page)."""
    assert config.absolute_base, "a sitemap needs a full base URL"
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for page in pages:
        if page.context.get("indexable", True) and not page.context.get("absolute_links"):
            _sub(_sub(urlset, "url"), "loc", config.absolute_base + page_target(page.path))
    return _serialise(urlset)


def robots_txt(config: SiteConfig) -> str:
    """``robots.txt``: everything may be crawled; the sitemap is named when its URL is known."""
    lines = ["User-agent: *", "Allow: /"]
    if config.absolute_base:
        lines += ["", f"Sitemap: {config.absolute_base}{SITEMAP_PATH}"]
    return "\n".join(lines) + "\n"


def feed_jobs(
    config: SiteConfig, corpus: Corpus, build_date: dt.datetime | None
) -> list[tuple[str, Callable[[], Iterator[str]]]]:
    """The Atom feeds, of the site and of each collection, as (path, the function that makes the
    parts of the text): feeds of a large corpus take a while, and are made side by side with other
    work."""
    dates = paper_dates(corpus, build_date)
    # (feed path, title, page it belongs to, papers): the site's, then each collection's.
    feeds = [(SITE_FEED_PATH, config.title, "", list(corpus.papers))] + [
        (
            collection_feed_path(collection),
            f"{config.title}: {collection.title}",
            collection.url_path,
            [corpus.paper(pid) for pid in collection.paper_ids],
        )
        for collection in corpus.collections
    ]
    return [
        (
            path,
            functools.partial(
                atom_feed, config, corpus, path, title, target, papers, dates, build_date
            ),
        )
        for path, title, target, papers in feeds
    ]


def site_file_jobs(config: SiteConfig, pages: list[Page]) -> list[tuple[str, Callable[[], str]]]:
    """The sitemap (which lists ``pages``), robots.txt and CNAME, as (path, the function that
    makes the text)."""
    jobs: list[tuple[str, Callable[[], str]]] = []
    if config.absolute_base:
        jobs.append((SITEMAP_PATH, functools.partial(sitemap, config, pages)))
    jobs.append(("robots.txt", functools.partial(robots_txt, config)))
    if config.cname:
        jobs.append(("CNAME", lambda: config.cname + "\n"))
    return jobs


def publishing_notes(config: SiteConfig) -> list[str]:
    """What the build leaves out and why, for the summary (not warnings: a local build is fine)."""
    if config.absolute_base:
        return []
    return [
        f"base_url {config.base_url!r} is a path, so sitemap.xml, rel=canonical and og:url "
        "were left out; give a full URL (https://user.github.io/REPO/) to have them"
    ]
