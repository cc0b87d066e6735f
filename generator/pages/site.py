"""Every page of the site, listed once: the kinds of page, the data each template gets, in site order.

A page is a path and a record of typed data; the record's class names its template, so a template
always receives the same variables (none is ever undefined). ``SITE_PAGES`` lists the page families
in the order of the site (and of its sitemap); each family says whether it needs the discovery's
results. A page made before the discovery ends (a paper page, the first listing page) says whether
it ``awaits_discovery``; ``complete`` then gives it what the discovery found.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from generator.discover.topics import Topic
from generator.errors import Diagnostic
from generator.model import Collection, Corpus, Paper
from generator.pages.charts import BarChart, MapView, OverlapChart
from generator.pages.findings import Findings, RelatedEntry, TopicPalette
from generator.pages.render import Pager
from generator.read.config import SiteConfig
from generator.read.notes import Notes, PaperNote

MOST_COLLECTED_COUNT = 10
HOME_TOPICS = 12


class PageData:
    """What every page's data says about it: its template, whether it is indexed (the sitemap,
    robots) and whether its links are absolute paths (the 404 page, served at any depth)."""

    TEMPLATE: ClassVar[str]
    INDEXABLE: ClassVar[bool] = True
    ABSOLUTE_LINKS: ClassVar[bool] = False

    @property
    def awaits_discovery(self) -> bool:
        """Whether ``completed`` adds what the discovery found: such a page waits for it."""
        return False

    def completed(self, findings: Findings) -> PageData:
        """The data with what the discovery found (itself, for a page that needs nothing)."""
        return self


@dataclass(frozen=True)
class Page:
    """One HTML page to write: its path below the site root and its template's data."""

    path: str
    data: PageData

    @property
    def template(self) -> str:
        """The template that renders the page."""
        return self.data.TEMPLATE

    @property
    def context(self) -> dict[str, Any]:
        """The template's variables: the data's fields and the page-wide flags."""
        variables = {field.name: getattr(self.data, field.name) for field in _fields(self.data)}
        variables["absolute_links"] = self.data.ABSOLUTE_LINKS
        variables["indexable"] = self.data.INDEXABLE
        return variables


def _fields(data: PageData) -> tuple[dataclasses.Field, ...]:
    return dataclasses.fields(data)  # type: ignore[arg-type]  # every PageData is a dataclass


@dataclass(frozen=True)
class Highlights:
    """What the first listing page shows above the papers, once the discovery is done."""

    most_collected: tuple[Paper, ...]
    topics: tuple[Topic, ...]
    topic_colour: TopicPalette


@dataclass(frozen=True)
class ListingData(PageData):
    """A page of the listing of every paper: the home page and ``page/N/``."""

    TEMPLATE: ClassVar[str] = "index.html"
    papers: tuple[Paper, ...]
    first_position: int
    collections: tuple[Collection, ...]
    paper_count: int
    pager: Pager
    most_collected: tuple[Paper, ...] = ()  # the first page's highlights, from the discovery
    topics: tuple[Topic, ...] = ()
    topic_colour: TopicPalette | None = None

    @property
    def awaits_discovery(self) -> bool:
        return self.pager.number == 1

    def completed(self, findings: Findings) -> ListingData:
        if not self.awaits_discovery:
            return self
        return dataclasses.replace(
            self,
            most_collected=tuple(most_collected(findings.corpus)),
            topics=tuple(findings.topics[:HOME_TOPICS]),
            topic_colour=findings.topic_colour,
        )


@dataclass(frozen=True)
class PaperData(PageData):
    """The page of one paper; its related papers and topics come from the discovery."""

    TEMPLATE: ClassVar[str] = "paper.html"
    paper: Paper
    paper_collections: tuple[Collection, ...]
    note: PaperNote | None
    related: tuple[RelatedEntry, ...] = ()
    paper_topics: tuple[Topic, ...] = ()
    topic_colour: TopicPalette | None = None

    @property
    def awaits_discovery(self) -> bool:
        return True

    def completed(self, findings: Findings) -> PaperData:
        return dataclasses.replace(
            self,
            related=tuple(findings.related(self.paper)),
            paper_topics=tuple(findings.paper_topics(self.paper)),
            topic_colour=findings.topic_colour,
        )


@dataclass(frozen=True)
class CollectionsData(PageData):
    """The list of collections."""

    TEMPLATE: ClassVar[str] = "collections.html"
    collections: tuple[Collection, ...]


@dataclass(frozen=True)
class CollectionData(PageData):
    """The page of one collection, listing its papers in page order."""

    TEMPLATE: ClassVar[str] = "collection.html"
    collection: Collection
    papers: tuple[Paper, ...]


@dataclass(frozen=True)
class SearchData(PageData):
    """The search page: the search script fills it in the browser."""

    TEMPLATE: ClassVar[str] = "search.html"


@dataclass(frozen=True)
class NotFoundData(PageData):
    """The 404 page: served at any depth, so its links are absolute paths; never indexed."""

    TEMPLATE: ClassVar[str] = "404.html"
    INDEXABLE: ClassVar[bool] = False
    ABSOLUTE_LINKS: ClassVar[bool] = True


@dataclass(frozen=True)
class TopicsData(PageData):
    """The list of topics with their paper counts."""

    TEMPLATE: ClassVar[str] = "topics.html"
    topics: tuple[Topic, ...]
    topic_colour: TopicPalette
    paper_count: int


@dataclass(frozen=True)
class TopicData(PageData):
    """The page of one topic, its papers strongest first."""

    TEMPLATE: ClassVar[str] = "topic.html"
    topic: Topic
    papers: tuple[Paper, ...]
    topic_colour: TopicPalette


@dataclass(frozen=True)
class MapData(PageData):
    """The map of every paper, coloured and labelled by topic."""

    TEMPLATE: ClassVar[str] = "map.html"
    map: MapView
    topics: tuple[Topic, ...]
    topic_colour: TopicPalette


@dataclass(frozen=True)
class AboutData(PageData):
    """The statistics page: papers per collection and topic, and the collections' overlaps."""

    TEMPLATE: ClassVar[str] = "about.html"
    per_collection: BarChart
    per_topic: BarChart
    overlap: OverlapChart
    paper_count: int
    collection_count: int
    topic_count: int
    in_several: int


@dataclass(frozen=True)
class SiteData:
    """What the pages are made from: the corpus, the config, the notes and (once it is done) what
    the discovery found."""

    corpus: Corpus
    config: SiteConfig
    notes: Notes
    findings: Findings | None = None

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """Every warning of the build: the inputs', then the discovery's (once it is done)."""
        found = self.findings.discovery.topics.warnings if self.findings else ()
        return self.corpus.warnings + tuple(found)


def listing_pages(site: SiteData) -> Iterator[Page]:
    """The home page and its paginated continuation (``page/2/``, ``page/3/`` ...)."""
    corpus, per_page = site.corpus, site.config.per_page
    count = max(1, math.ceil(len(corpus.papers) / per_page))
    dirs = tuple("" if n == 1 else f"page/{n}/" for n in range(1, count + 1))
    for number in range(1, count + 1):
        start = (number - 1) * per_page
        data = ListingData(
            papers=corpus.papers[start : start + per_page],
            first_position=start + 1,
            collections=corpus.collections,
            paper_count=len(corpus.papers),
            pager=Pager(number, count, dirs),
        )
        yield Page(f"{dirs[number - 1]}index.html", data)


def collection_pages(site: SiteData) -> Iterator[Page]:
    """The list of collections, then one page per collection."""
    corpus = site.corpus
    yield Page("collections/index.html", CollectionsData(corpus.collections))
    for collection in corpus.collections:
        papers = tuple(corpus.paper(pid) for pid in collection.paper_ids)
        yield Page(f"{collection.url_path}index.html", CollectionData(collection, papers))


def paper_pages(site: SiteData) -> Iterator[Page]:
    """One page per paper, with its curator's note if it has one."""
    corpus, notes = site.corpus, site.notes.papers
    for paper in corpus.papers:
        collections = tuple(corpus.collection(cid) for cid in paper.collections)
        data = PaperData(paper, collections, notes.get(paper.slug))
        yield Page(f"{paper.url_path}index.html", data)


def search_and_not_found_pages(site: SiteData) -> Iterator[Page]:
    """The search page and the 404 page."""
    yield Page("search/index.html", SearchData())
    yield Page("404.html", NotFoundData())


def topic_pages(site: SiteData) -> Iterator[Page]:
    """The list of topics, then one page per topic."""
    findings, corpus = _findings(site), site.corpus
    palette = findings.topic_colour
    yield Page("topics/index.html", TopicsData(findings.topics, palette, len(corpus.papers)))
    for topic in findings.topics:
        papers = tuple(corpus.paper(pid) for pid in topic.paper_ids)
        yield Page(f"{topic.url_path}index.html", TopicData(topic, papers, palette))


def map_and_about_pages(site: SiteData) -> Iterator[Page]:
    """The map and the statistics page."""
    findings = _findings(site)
    yield Page("map/index.html", MapData(findings.map(), findings.topics, findings.topic_colour))
    statistics = findings.statistics()
    yield Page("about/index.html", AboutData(**statistics))


def _findings(site: SiteData) -> Findings:
    if site.findings is None:
        raise ValueError("these pages are made once the discovery is done")
    return site.findings


@dataclass(frozen=True)
class PageFamily:
    """Pages of one kind, made by ``make``; ``needs_discovery``: made once the discovery is done."""

    make: Callable[[SiteData], Iterator[Page]]
    needs_discovery: bool = False


# Every page of the site, in site order.
SITE_PAGES = (
    PageFamily(listing_pages),
    PageFamily(collection_pages),
    PageFamily(paper_pages),
    PageFamily(search_and_not_found_pages),
    PageFamily(topic_pages, needs_discovery=True),
    PageFamily(map_and_about_pages, needs_discovery=True),
)


def site_pages(site: SiteData) -> list[Page]:
    """The pages that can be made from ``site``: without findings, every page of the families
    that need none (some of them await the discovery, see ``complete``); with findings, the pages
    of the families that need them."""
    ready = site.findings is not None
    return [
        page
        for family in SITE_PAGES
        if family.needs_discovery == ready
        for page in family.make(site)
    ]


def complete(findings: Findings) -> Callable[[Page], Page]:
    """A function giving a page that awaits the discovery what it found (others as they are)."""

    def completed(page: Page) -> Page:
        if not page.data.awaits_discovery:
            return page
        return Page(page.path, page.data.completed(findings))

    return completed


def most_collected(corpus: Corpus, count: int = MOST_COLLECTED_COUNT) -> list[Paper]:
    """The papers listed in the most collections (at least two), ties in corpus order."""
    shared = [p for p in corpus.papers if len(p.collections) > 1]
    return sorted(shared, key=lambda p: -len(p.collections))[:count]
