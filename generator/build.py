"""The build, as a table of contents: prepare, reuse an unchanged site, read, write while the
discovery runs, write the rest, swap the site in, record it.

Everything is read and checked before anything is written, and the site is written into a staging
folder that replaces the output folder only when every file is there: a failed build leaves the
previous site as it was. Modules that only a full build needs (Jinja2, lunr, numpy) are imported by
the phases that use them, so that a no-op rebuild does not pay for them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.assets import STATIC_DIR, TEMPLATES_DIR
from generator.errors import Diagnostic, StrictModeError
from generator.fingerprint import code_digest
from generator.inputs import load_corpus, load_notes, load_site_config, paths_of
from generator.model import Corpus
from generator.options import BuildOptions, source_date_epoch
from generator.output.cache import BuildCache, SiteSummary, input_fingerprint
from generator.output.writer import (
    OUTPUT_MARKER,
    OUTPUT_MARKER_TEXT,
    SiteWriter,
    check_output,
    remove_stale_staging,
)
from generator.read.config import SiteConfig
from generator.read.paths import (
    SitePaths,
    skipped_templates,
    template_folders,
)
from generator.read.seeds import dumps_size

if TYPE_CHECKING:
    from generator.discover.stage import DiscoveryJob
    from generator.output.produce import Producer
    from generator.pages.site import Page, SiteData
    from generator.search.postings import Postings

# Called as progress(pages_done, pages_total) while pages are rendered.
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildReport:
    """What a finished build produced."""

    papers: int
    collections: int
    pages: int
    files: int
    warnings: tuple[Diagnostic, ...]
    seconds: float
    out_dir: Path
    notes: tuple[str, ...] = ()  # what was left out and why; not warnings
    rendered: int = 0  # files produced afresh; the others were reused from the previous site
    unchanged: bool = False  # True when nothing changed and the site was left as it was
    timings: tuple[tuple[str, float], ...] = ()  # seconds per part of the build, for --timings


@dataclass
class Run:
    """One build under way: what it was asked, where its files are, what identifies its inputs,
    and the seconds each phase took."""

    options: BuildOptions
    config: SiteConfig
    paths: SitePaths
    cache: BuildCache | None
    code: str  # digest of papershelf's code, templates, static files and libraries
    fingerprint: str | None  # digest of every input; None if one could not be read
    started: float
    build_date: dt.datetime | None  # what SOURCE_DATE_EPOCH sets: the feeds are dated by it
    timings: dict[str, float] = dataclasses.field(default_factory=dict)

    def lap(self, phase: str, since: float) -> float:
        """Record the seconds of a phase begun at ``since``; returns the time now."""
        now = time.perf_counter()
        self.timings[phase] = now - since
        return now


@dataclass(frozen=True)
class Outcome:
    """What the build left in the output folder."""

    summary: SiteSummary
    rendered: int = 0
    unchanged: bool = False


def build(options: BuildOptions, progress: ProgressCallback | None = None) -> BuildReport:
    """Build the whole site into the output folder; on any error the previous site is left as it
    was. With the cache on, unchanged inputs leave the site as it is, and changed ones reuse every
    unchanged file of the previous site (see generator/output/cache.py)."""
    try:
        run = prepare(options)
        outcome = unchanged_site(run) or make_site(run, progress)
        return report(run, outcome)
    finally:
        gc.unfreeze()  # what the build froze is garbage once it returns


def prepare(options: BuildOptions) -> Run:
    """Check SOURCE_DATE_EPOCH, load the config, find the site's folders, refuse an output folder
    that is not papershelf's, and fingerprint the code and the inputs."""
    started = time.perf_counter()
    # First of all: numpy reads the variable too (numpy.f2py, which scipy imports), and a value
    # it cannot read would stop the discovery child with a traceback.
    build_date = source_date_epoch()
    config = load_site_config(options)
    paths = paths_of(options, config)
    check_output(paths)
    cache = BuildCache(paths.out_dir) if options.use_cache else None
    code = code_digest([*template_folders(paths), STATIC_DIR], [])
    settings = repr((options.base_url, options.config_required, options.dev_reload, build_date))
    fingerprint = input_fingerprint(paths, code, settings)
    run = Run(options, config, paths, cache, code, fingerprint, started, build_date)
    run.lap("fingerprint", started)
    return run


def unchanged_site(run: Run) -> Outcome | None:
    """The last build's outcome, when its inputs were these very ones and its site is untouched."""
    if run.cache is None or run.fingerprint is None:
        return None
    summary = run.cache.unchanged(run.fingerprint)
    if summary is None:
        return None
    if run.options.strict and summary.warnings:
        raise StrictModeError(list(summary.warnings))
    remove_stale_staging(run.paths.out_dir)  # what a killed build left, as a real build would
    return Outcome(summary, unchanged=True)


def make_site(run: Run, progress: ProgressCallback | None) -> Outcome:
    """Read, then write the site while the discovery runs in a child process, then the rest."""
    from generator.discover.stage import EARLY_START_BYTES, start_discovery

    # A small corpus's discovery child starts now, to import its libraries while this process
    # reads (see generator/discover/stage.py).
    early = dumps_size(run.paths.seeds_dir) <= EARLY_START_BYTES
    with start_discovery(run.config, early) as discovery:
        site = read_site(run)
        stage_started = time.perf_counter()
        discovery.start(site.corpus)
        production = start_writing(run, site)
        with production.aborting():
            write_before_discovery(site, production, discovery, run.build_date)
            site = with_findings(run, site, discovery)
    run.lap("discovery stage", stage_started)
    with production.aborting():
        write_after_discovery(site, production, progress)
        swap_started = finish(production.writer, run.cache)
    run.timings.update(production.producer.timings)
    run.lap("swap", swap_started)
    return record(run, site, production)


@dataclass
class Production:
    """The site being written: the producer that makes every unit, the writer of the staging
    folder, the pages in site order (the sitemap lists them) and the search postings."""

    producer: Producer
    writer: SiteWriter
    pages: list[Page] = dataclasses.field(default_factory=list)
    postings: Postings | None = None
    keys: dict[str, str] = dataclasses.field(default_factory=dict)  # each file's unit key

    @contextlib.contextmanager
    def aborting(self) -> Iterator[None]:
        """On any error, throw the staging folder away: the previous site stays as it was."""
        try:
            yield
        except BaseException:
            self.writer.abort()
            raise


def read_site(run: Run) -> SiteData:
    """Every input read and checked: the notes, the corpus (all dumps, resolved into papers) and
    the warnings of both; with --strict, any warning stops the build here."""
    from generator.pages.site import SiteData

    read_started = time.perf_counter()
    notes = load_notes(run.options, run.config)
    corpus = load_corpus(run.options, run.config, notes)
    warnings = corpus.warnings + skipped_templates(run.paths)
    corpus = Corpus(corpus.papers, corpus.collections, warnings)
    run.lap("read", read_started)
    # The corpus lives as long as the build: the collector need not scan its millions of objects
    # again at every collection (it did, dozens of times, on a large corpus).
    gc.freeze()
    if run.options.strict and corpus.warnings:
        raise StrictModeError(list(corpus.warnings))
    return SiteData(corpus, run.config, notes)


def start_writing(run: Run, site: SiteData) -> Production:
    """The producer that renders and writes every unit, and the writer of the staging folder."""
    from generator.output.produce import Producer
    from generator.pages.templates import compiled_templates

    producer = Producer(
        template_folders(run.paths),
        site.config,
        site.corpus,
        run.code,
        run.cache,
        run.options.jobs,
        readable=[*run.paths.readable, TEMPLATES_DIR],
        dev_reload=run.options.dev_reload,
        bytecode_cache=compiled_templates() if run.options.use_cache else None,
    )
    return Production(producer, SiteWriter(run.paths.out_dir))


def write_before_discovery(
    site: SiteData,
    production: Production,
    discovery: DiscoveryJob,
    build_date: dt.datetime | None,
) -> None:
    """While the discovery runs: the search postings, the feeds (dated ``build_date`` where
    nothing else dates them) and every page that needs nothing from it (the folders of the
    pages it completes are made meanwhile)."""
    from generator.output.feeds import feed_jobs
    from generator.output.produce import FileJob
    from generator.pages.site import site_pages
    from generator.search.payload import search_postings

    production.pages = site_pages(site)
    waiting = [page.path for page in production.pages if page.data.awaits_discovery]
    production.postings = search_postings(site.corpus)
    feeds = feed_jobs(site.config, site.corpus, build_date)
    production.producer.add(
        [FileJob.one_file(*job) for job in feeds]
        + [page for page in production.pages if not page.data.awaits_discovery]
    )
    production.producer.write_while(
        production.writer, busy=lambda: not discovery.ready(), ahead=waiting
    )


def with_findings(run: Run, site: SiteData, discovery: DiscoveryJob) -> SiteData:
    """The site with what the discovery found; with --strict, its warnings stop the build."""
    from generator.pages.findings import Findings

    site = dataclasses.replace(site, findings=Findings(site.corpus, discovery.result()))
    if run.options.strict and site.warnings:
        raise StrictModeError(list(site.warnings))
    return site


def write_after_discovery(
    site: SiteData, production: Production, progress: ProgressCallback | None
) -> None:
    """Once the discovery is done: the search payload, papers.json, the pages it completes, the
    pages it makes, the sitemap, robots.txt and CNAME; then every queued unit is made."""
    from generator.output.feeds import site_file_jobs
    from generator.output.produce import FileJob
    from generator.pages.render import PAPERS_JSON_PATH, papers_json
    from generator.pages.site import complete, site_pages
    from generator.search.payload import search_files, search_paths

    corpus, config, findings = site.corpus, site.config, site.findings
    postings = production.postings
    topics = [(topic.slug, topic.title) for topic in findings.topics]

    def search_texts() -> Iterator[str]:
        # The document store names each paper's topics, so it is written once they are known.
        discovery = findings.discovery
        parts = search_files(
            corpus, postings, topics, discovery.topics.paper_topics, discovery.nearest
        )
        return (text for _, text in parts)

    def papers_json_text() -> Iterator[str]:
        return papers_json(corpus, config, findings.papers_json_fields())

    discovered = site_pages(site)
    waiting = [page for page in production.pages if page.data.awaits_discovery]
    production.pages += discovered
    producer = production.producer
    # First: the search payload is the longest unit of all.
    producer.add([FileJob(tuple(search_paths(corpus, postings)), search_texts)])
    producer.add([FileJob.one_file(PAPERS_JSON_PATH, papers_json_text)])
    producer.add(waiting, complete(findings))
    site_files = site_file_jobs(config, production.pages)
    producer.add(discovered + [FileJob.one_file(*job) for job in site_files])
    production.keys = producer.write_content(production.writer, progress)


def finish(writer: SiteWriter, cache: BuildCache | None) -> float:
    """Add the static files and the markers, then swap the staging folder in; returns when the
    swap began."""
    writer.copy_tree(STATIC_DIR, "static")
    # GitHub Pages must serve the folder as it is, not run Jekyll over it.
    writer.write_text(".nojekyll", "")
    writer.write_text(OUTPUT_MARKER, OUTPUT_MARKER_TEXT)
    if cache is not None:
        cache.forget()  # a crash during the swap must not leave a manifest of files now gone
    swap_started = time.perf_counter()
    writer.commit()
    return swap_started


def record(run: Run, site: SiteData, production: Production) -> Outcome:
    """The site's summary, saved with each file's key in the cache's manifest."""
    from generator.output.feeds import publishing_notes

    writer, producer = production.writer, production.producer
    summary = SiteSummary(
        papers=len(site.corpus.papers),
        collections=len(site.corpus.collections),
        pages=producer.page_count,
        files=len(writer.written),
        warnings=site.warnings,
        notes=tuple(publishing_notes(site.config)),
    )
    if run.cache is not None and run.fingerprint:
        keys = production.keys
        for path in writer.written:
            keys.setdefault(path, "")  # static files: copied every time, never reused
        manifest_started = time.perf_counter()
        run.cache.save(run.fingerprint, summary, keys)
        run.lap("manifest", manifest_started)
    return Outcome(summary, rendered=producer.rendered)


def report(run: Run, outcome: Outcome) -> BuildReport:
    """What the build tells its user."""
    summary = outcome.summary
    return BuildReport(
        papers=summary.papers,
        collections=summary.collections,
        pages=summary.pages,
        files=summary.files,
        warnings=summary.warnings,
        seconds=time.perf_counter() - run.started,
        out_dir=run.paths.out_dir,
        notes=summary.notes,
        rendered=outcome.rendered,
        unchanged=outcome.unchanged,
        timings=tuple(run.timings.items()),
    )
