"""The build pipeline: read and check everything, then render and write, in that order."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.config import SiteConfig, load_config
from generator.discovery import start_discovery
from generator.errors import BuildError, Diagnostic, ParseError, SeedsError, StrictModeError
from generator.explore import Explorer
from generator.index import search_files, search_postings
from generator.model import Corpus, build_corpus, collection_id
from generator.notes import (
    Notes,
    apply_collection_notes,
    notes_folder,
    read_notes,
    unmatched_paper_notes,
)
from generator.parse import ParsedDump, decode_dump, parse_dump
from generator.publish import publish_files, publishing_notes, source_date_epoch
from generator.render import (
    PAPERS_JSON_PATH,
    make_environment,
    papers_json,
    render_page,
    site_pages,
)
from generator.write import SiteWriter, check_output_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
LUNR_JS = PROJECT_ROOT / "node_modules" / "lunr" / "lunr.min.js"
LUNR_JS_SITE_PATH = "static/vendor/lunr.min.js"
DUMP_SUFFIX = ".txt"


@dataclass(frozen=True)
class BuildOptions:
    """What the user asked for on the command line."""

    seeds_dir: Path = Path("seeds")
    out_dir: Path = Path("_site")
    config_path: Path = Path("site.yml")
    config_required: bool = False  # True when --config named the file explicitly
    base_url: str | None = None
    strict: bool = False
    templates_dir: Path = TEMPLATES_DIR
    dev_reload: bool = False  # papershelf serve: every page loads the live-reload script


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


def display_path(path: Path) -> str:
    """A path as the user should read it: relative to the working folder when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def protected_paths(options: BuildOptions) -> list[Path]:
    """What the output folder may never be nor hold: the working folder, papershelf itself, the
    seeds and the config."""
    return [Path.cwd(), PROJECT_ROOT, options.seeds_dir, options.config_path]


def read_seeds(seeds_dir: Path) -> tuple[list[ParsedDump], list[Diagnostic]]:
    """Read and parse every dump in the seeds folder, sorted by name; all unreadable files at once."""
    if not seeds_dir.is_dir():
        problem = "is not a folder" if seeds_dir.exists() else "seeds folder not found"
        raise SeedsError(f"{display_path(seeds_dir)}: {problem}")
    try:
        entries = sorted(p for p in seeds_dir.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        raise SeedsError(f"{display_path(seeds_dir)}: cannot read: {exc.strerror or exc}") from None
    dump_paths = [p for p in entries if p.is_file() and p.suffix == DUMP_SUFFIX]
    if not dump_paths:
        raise SeedsError(
            f"{display_path(seeds_dir)}: no dump files (*{DUMP_SUFFIX}) in the seeds folder"
        )
    notices = [
        Diagnostic(display_path(p), 0, f"not a {DUMP_SUFFIX} dump, ignored")
        for p in entries
        if p not in dump_paths
    ]
    dumps: list[ParsedDump] = []
    errors: list[Diagnostic] = []
    for path in dump_paths:
        source = display_path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            errors.append(Diagnostic(source, 0, f"cannot read: {exc.strerror or exc}"))
            continue
        text, problem = decode_dump(data, source)
        if problem is not None:
            errors.append(problem)
            continue
        dump = parse_dump(text, source)
        errors.extend(dump.errors)
        dumps.append(dump)
    if errors:
        raise ParseError(errors)
    return dumps, notices


def load_site_config(options: BuildOptions) -> SiteConfig:
    """The config file, with the command line's base URL applied."""
    config = load_config(options.config_path, required=options.config_required)
    if options.base_url is not None:
        config = config.with_base_url(options.base_url)
    return config


def load_corpus(options: BuildOptions, config: SiteConfig, notes: Notes | None = None) -> Corpus:
    """Read stage and model stage together: every dump parsed, every paper resolved; collection
    notes give their collections title, date and description."""
    dumps, notices = read_seeds(options.seeds_dir)
    note_warnings: list[Diagnostic] = []
    if notes is not None:
        ids = [collection_id(dump.source) for dump in dumps]
        config, note_warnings = apply_collection_notes(config, notes, ids)
    corpus = build_corpus(dumps, config)
    if notes is not None:
        note_warnings += list(notes.warnings)
        note_warnings += unmatched_paper_notes(notes, {paper.slug for paper in corpus.papers})
    return Corpus(
        corpus.papers, corpus.collections, tuple(notices) + corpus.warnings + tuple(note_warnings)
    )


def load_notes(options: BuildOptions, config: SiteConfig) -> Notes:
    """The curator's notes from the notes folder beside the config file (none if it is absent)."""
    folder = notes_folder(config, options.config_path)
    return read_notes(folder, display_path(folder))


# Called as progress(pages_done, pages_total) while pages are rendered.
ProgressCallback = Callable[[int, int], None]


def build(options: BuildOptions, progress: ProgressCallback | None = None) -> BuildReport:
    """Build the whole site into ``options.out_dir``; on any error the previous site is left as it was."""
    started = time.perf_counter()
    config = load_site_config(options)
    check_output_dir(options.out_dir, protected_paths(options), [options.seeds_dir])
    notes = load_notes(options, config)
    corpus = load_corpus(options, config, notes)
    if options.strict and corpus.warnings:
        raise StrictModeError(list(corpus.warnings))
    if not LUNR_JS.is_file():
        raise BuildError(f"{display_path(LUNR_JS)} is missing: run `npm ci` (or `make site`) first")
    # Checked before the discovery stage starts: importing numpy's f2py trips on a bad value.
    build_date = source_date_epoch()
    # Related papers, topics and the map are computed beside the search index.
    discovery_job = start_discovery(corpus, config)
    try:
        postings = search_postings(corpus)
        discovery = discovery_job.result()
    finally:
        discovery_job.cancel()
    # The document store names each paper's topics, so it is written once they are known.
    search_files_written = list(
        search_files(
            corpus,
            postings,
            topics=[(topic.slug, topic.title) for topic in discovery.topics.topics],
            paper_topics=discovery.topics.paper_topics,
        )
    )
    warnings = corpus.warnings + discovery.topics.warnings
    if options.strict and warnings:
        raise StrictModeError(list(warnings))

    environment = make_environment(options.templates_dir, config, dev_reload=options.dev_reload)
    explorer = Explorer(corpus, discovery, notes)
    pages = [explorer.enrich(page) for page in site_pages(corpus, config)] + explorer.pages()
    writer = SiteWriter(options.out_dir)
    try:
        for done, page in enumerate(pages, 1):
            writer.write_text(page.path, render_page(environment, page, corpus))
            if progress is not None:
                progress(done, len(pages))
        for path, text in publish_files(config, corpus, pages, build_date):
            writer.write_text(path, text)
        writer.write_text(
            PAPERS_JSON_PATH, papers_json(corpus, config, explorer.papers_json_fields())
        )
        for path, text in search_files_written:
            writer.write_text(path, text)
        writer.copy_tree(STATIC_DIR, "static")
        writer.copy_file(LUNR_JS, LUNR_JS_SITE_PATH)
        # GitHub Pages must serve the folder as it is, not run Jekyll over it.
        writer.write_text(".nojekyll", "")
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return BuildReport(
        papers=len(corpus.papers),
        collections=len(corpus.collections),
        pages=len(pages),
        files=len(writer.written),
        warnings=warnings,
        seconds=time.perf_counter() - started,
        out_dir=options.out_dir,
        notes=tuple(publishing_notes(config)),
    )
