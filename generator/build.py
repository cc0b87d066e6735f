"""The build pipeline: read and check everything, then render and write, in that order."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator.assets import INSTALLATION_DIRS, STATIC_DIR, TEMPLATES_DIR
from generator.errors import Diagnostic, ParseError, SeedsError, StrictModeError
from generator.model import Corpus, build_corpus, collection_id
from generator.output.cache import BuildCache, code_digest, digest
from generator.output.writer import (
    OUTPUT_MARKER,
    OUTPUT_MARKER_TEXT,
    SiteWriter,
    check_output_dir,
    remove_output,
    remove_stale_staging,
)
from generator.read.config import DEFAULT_CONFIG_NAME, SiteConfig, load_config
from generator.read.dumps import ParsedDump, decode_dump, parse_dump
from generator.read.notes import Notes, apply_collection_notes, read_notes, unmatched_paper_notes
from generator.read.paths import SEEDS_NAME, SitePaths, site_paths

DUMP_SUFFIX = ".txt"


@dataclass(frozen=True)
class BuildOptions:
    """What the user asked for on the command line; a folder left as None is found in the site
    folder (the one that holds the config file)."""

    config_path: Path = Path(DEFAULT_CONFIG_NAME)
    config_required: bool = False  # True when --config named the file explicitly
    seeds_dir: Path | None = None  # None: seeds/ in the site folder
    out_dir: Path | None = None  # None: _site/ in the site folder
    notes_dir: Path | None = None  # None: notes_dir of the config, inside the site folder
    templates_dir: Path | None = None  # templates that override papershelf's own, by file name
    base_url: str | None = None
    strict: bool = False
    dev_reload: bool = False  # papershelf serve: every page loads the live-reload script
    jobs: int | None = None  # processes that render, this one included; None: one per CPU
    use_cache: bool = True  # False: ignore and do not write .papershelf-cache/


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


def display_path(path: Path) -> str:
    """A path as the user should read it: relative to the working folder when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def paths_of(options: BuildOptions, config: SiteConfig) -> SitePaths:
    """The folders of the build the options ask for."""
    return site_paths(
        config,
        options.config_path,
        seeds_dir=options.seeds_dir,
        notes_dir=options.notes_dir,
        out_dir=options.out_dir,
        templates_dir=options.templates_dir,
    )


def template_folders(paths: SitePaths) -> list[Path]:
    """Where templates are looked up, in order: the user's folder (if any), then papershelf's own."""
    return [paths.templates_dir, TEMPLATES_DIR] if paths.templates_dir else [TEMPLATES_DIR]


def skipped_templates(paths: SitePaths) -> tuple[Diagnostic, ...]:
    """A warning for each of the user's templates that links outside the readable folders (the
    template loader passes them over, so papershelf's own template of that name is used)."""
    if paths.templates_dir is None or not paths.templates_dir.is_dir():
        return ()
    found = (
        paths.skipped_link(path, display_path(path))
        for path in sorted(paths.templates_dir.rglob("*"))
        if path.is_file()
    )
    return tuple(warning for warning in found if warning is not None)


def _inputs(paths: SitePaths) -> list[tuple[str, Path]]:
    """The folders an output folder may be neither, nor lie inside, nor hold, each named."""
    inputs = [("the seeds folder", paths.seeds_dir), ("the notes folder", paths.notes_dir)]
    if paths.templates_dir is not None:
        inputs.append(("the templates folder", paths.templates_dir))
    return inputs + [("a folder of papershelf itself", folder) for folder in INSTALLATION_DIRS]


def check_output(paths: SitePaths) -> None:
    """Refuse an output folder that is not papershelf's to replace (see write.output_refusal)."""
    check_output_dir(paths.out_dir, paths.site_dir, _inputs(paths))


def clean_output(paths: SitePaths) -> bool:
    """Remove the output folder after the same check as a build's; False if there was none."""
    return remove_output(paths.out_dir, paths.site_dir, _inputs(paths))


def read_seeds(
    seeds_dir: Path, paths: SitePaths | None = None
) -> tuple[list[ParsedDump], list[Diagnostic]]:
    """Read and parse every dump in the seeds folder, sorted by name; all unreadable files at once.
    With ``paths``, a dump that links outside the readable folders is skipped with a warning."""
    if not seeds_dir.is_dir():
        problem = "is not a folder" if seeds_dir.exists() else "seeds folder not found"
        raise SeedsError(f"{display_path(seeds_dir)}: {problem}")
    try:
        entries = sorted(p for p in seeds_dir.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        raise SeedsError(f"{display_path(seeds_dir)}: cannot read: {exc.strerror or exc}") from None
    notices = [
        Diagnostic(display_path(p), 0, f"not a {DUMP_SUFFIX} dump, ignored")
        for p in entries
        if not (p.is_file() and p.suffix == DUMP_SUFFIX)
    ]
    dump_paths = []
    for path in entries:
        if path.is_file() and path.suffix == DUMP_SUFFIX:
            skipped = paths.skipped_link(path, display_path(path)) if paths else None
            notices += [skipped] if skipped else []
            dump_paths += [] if skipped else [path]
    if not dump_paths:
        raise SeedsError(
            "\n".join(
                [str(notice) for notice in notices]
                + [f"{display_path(seeds_dir)}: no dump files (*{DUMP_SUFFIX}) in the seeds folder"]
            )
        )
    dumps: list[ParsedDump] = []
    errors: list[Diagnostic] = []
    for dump, problems in _read_dumps(dump_paths):
        errors += problems
        if dump is not None:
            dumps.append(dump)
    if errors:
        raise ParseError(errors)
    return dumps, notices


def dumps_size(seeds_dir: Path) -> int:
    """The bytes of the dumps in the seeds folder; what cannot be read counts 0 (the read says why)."""
    total = 0
    with contextlib.suppress(OSError):
        for path in seeds_dir.glob(f"*{DUMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
    return total


# Below this many bytes of dumps, forking a second reader costs more than it saves.
PARALLEL_READ_BYTES = 8_000_000


def _read_dumps(paths: list[Path]) -> list[tuple[ParsedDump | None, list[Diagnostic]]]:
    """Each dump read and parsed, in order; a large corpus in two processes (this one reads the
    first dumps while a forked one reads the others), as the other core has nothing to do yet."""
    sizes = []
    for path in paths:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)  # reported when it is read
    total = sum(sizes)
    can_fork = "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1
    if len(paths) < 2 or total < PARALLEL_READ_BYTES or not can_fork:
        return [_read_dump(path) for path in paths]
    # The first dumps up to half the bytes here, the rest in the forked process.
    running, half = 0, len(paths) - 1
    for number, size in enumerate(sizes[:-1], start=1):
        running += size
        if running * 2 >= total:
            half = number
            break
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        rest = pool.submit(_read_dump_list, paths[half:])
        first = [_read_dump(path) for path in paths[:half]]
        return first + rest.result()


def _read_dump_list(paths: list[Path]) -> list[tuple[ParsedDump | None, list[Diagnostic]]]:
    return [_read_dump(path) for path in paths]


def _read_dump(path: Path) -> tuple[ParsedDump | None, list[Diagnostic]]:
    """One dump parsed and its errors; None and why if it cannot be read or decoded."""
    source = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(source, 0, f"cannot read: {exc.strerror or exc}")]
    text, problem = decode_dump(data, source)
    if problem is not None:
        return None, [problem]
    dump = parse_dump(text, source)
    return dump, list(dump.errors)


def load_site_config(options: BuildOptions) -> SiteConfig:
    """The config file, with the command line's base URL applied. With no config file and no
    seeds folder, there is no site here: the error says how to start one."""
    config_path = options.config_path
    if not config_path.exists() and not options.config_required and options.seeds_dir is None:
        site_dir = config_path.parent
        if not (site_dir / SEEDS_NAME).exists():
            here = "here" if site_dir.resolve() == Path.cwd().resolve() else f"in {site_dir}"
            raise SeedsError(
                f"no {config_path.name} and no {SEEDS_NAME}/ folder {here}, so no site to build: "
                "start one with `papershelf new FOLDER`, or run papershelf in a site's folder"
            )
    config = load_config(config_path, required=options.config_required)
    if options.base_url is not None:
        config = config.with_base_url(options.base_url)
    return config


def load_corpus(options: BuildOptions, config: SiteConfig, notes: Notes | None = None) -> Corpus:
    """Read stage and model stage together: every dump parsed, every paper resolved; collection
    notes give their collections title, date and description."""
    paths = paths_of(options, config)
    dumps, notices = read_seeds(paths.seeds_dir, paths)
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
    """The curator's notes from the notes folder (none if it is absent)."""
    paths = paths_of(options, config)
    return read_notes(paths.notes_dir, display_path(paths.notes_dir), paths.skipped_link)


def input_fingerprint(paths: SitePaths, options: BuildOptions, code: str) -> str | None:
    """A hash of every input of a build, read as raw bytes: equal fingerprints give equal sites.
    None when an input cannot be read: the build then reports it as it would without a cache."""
    parts: list[str | bytes] = [
        code,
        str(Path.cwd().resolve()),  # diagnostics name files relative to it
        str(paths.seeds_dir.resolve()),
        repr((options.base_url, options.config_required, options.dev_reload)),
        # publish.py dates feeds by it
        os.environ.get("SOURCE_DATE_EPOCH", ""),
    ]
    try:
        return digest(*parts, *_input_bytes(paths))
    except OSError:
        return None


def _input_bytes(paths: SitePaths) -> list[str | bytes]:
    parts: list[str | bytes] = []
    config_file = paths.config_path
    parts.append(config_file.read_bytes() if config_file.is_file() else b"no config file")
    if paths.seeds_dir.is_dir():
        for path in sorted(paths.seeds_dir.iterdir()):
            parts.append(path.name)
            if path.is_file() and path.suffix == DUMP_SUFFIX and not paths.outside(path):
                parts.append(path.read_bytes())
    # The curator's notes: every file below the notes folder.
    if paths.notes_dir.is_dir():
        for path in sorted(paths.notes_dir.rglob("*")):
            parts.append(path.relative_to(paths.notes_dir).as_posix())
            if path.is_file() and not paths.outside(path):
                parts.append(path.read_bytes())
    return parts


# Called as progress(pages_done, pages_total) while pages are rendered.
ProgressCallback = Callable[[int, int], None]


def build(options: BuildOptions, progress: ProgressCallback | None = None) -> BuildReport:
    """Build the whole site into ``options.out_dir``; on any error the previous site is left as it was.

    With the cache on, a build whose inputs are all unchanged leaves the site as it is, and a build
    whose inputs changed reuses every unchanged file of the previous site (see generator/output/cache.py)."""
    try:
        return _build(options, progress)
    finally:
        gc.unfreeze()  # what the build froze is garbage once it returns


def _build(options: BuildOptions, progress: ProgressCallback | None) -> BuildReport:
    started = time.perf_counter()
    config = load_site_config(options)
    paths = paths_of(options, config)
    check_output(paths)
    cache = BuildCache(paths.out_dir) if options.use_cache else None
    code = code_digest([*template_folders(paths), STATIC_DIR], [])
    fingerprint = input_fingerprint(paths, options, code)
    if cache is not None and fingerprint and (summary := cache.unchanged(fingerprint)) is not None:
        warnings = tuple(Diagnostic(*warning) for warning in summary["warnings"])
        if options.strict and warnings:
            raise StrictModeError(list(warnings))
        remove_stale_staging(paths.out_dir)  # what a killed build left, as a real build would
        return BuildReport(
            papers=summary["papers"],
            collections=summary["collections"],
            pages=summary["pages"],
            files=summary["files"],
            warnings=warnings,
            seconds=time.perf_counter() - started,
            out_dir=paths.out_dir,
            rendered=0,
            unchanged=True,
            timings=(("fingerprint", time.perf_counter() - started),),
            notes=tuple(summary.get("notes", ())),
        )

    timings = {"fingerprint": time.perf_counter() - started}
    # Related papers, topics and the map are computed in a child process, the longest part of the
    # build before the pages that show them; for a small corpus it is started now, to import its
    # libraries while this process reads (see generator/discover/stage.py). Meanwhile this one reads,
    # imports the rest, builds the search postings, then writes what does not depend on the
    # discovery: the feeds, the listing and collection pages.
    from generator.discover.stage import EARLY_START_BYTES, start_discovery

    early = dumps_size(paths.seeds_dir) <= EARLY_START_BYTES
    with start_discovery(config, early) as discovery_job:
        notes = load_notes(options, config)
        corpus = load_corpus(options, config, notes)
        timings["read"] = time.perf_counter() - started - sum(timings.values())
        # The corpus lives as long as the build: the collector need not scan its millions of
        # objects again at every collection (it did, dozens of times, on a large corpus).
        gc.freeze()
        corpus = Corpus(
            corpus.papers, corpus.collections, corpus.warnings + skipped_templates(paths)
        )
        if options.strict and corpus.warnings:
            raise StrictModeError(list(corpus.warnings))
        stage_started = time.perf_counter()
        discovery_job.start(corpus)
        # Imported here, not at the top, so that a no-op rebuild does not pay for Jinja2 and lunr.
        from generator.output.feeds import (
            feed_jobs,
            publishing_notes,
            site_file_jobs,
            source_date_epoch,
        )
        from generator.output.produce import FileJob, Producer
        from generator.pages.explore import Explorer
        from generator.pages.render import (
            PAPERS_JSON_PATH,
            compiled_templates,
            papers_json,
            site_pages,
        )
        from generator.search.payload import search_files, search_paths, search_postings

        build_date = source_date_epoch()
        base_pages = site_pages(corpus, config)
        # The pages the discovery adds to (paper pages, the home page), completed as they are made.
        waiting = [page for page in base_pages if Explorer.enriches(page)]
        producer = Producer(
            template_folders(paths),
            config,
            corpus,
            code,
            cache,
            options.jobs,
            readable=[*paths.readable, TEMPLATES_DIR],
            dev_reload=options.dev_reload,
            bytecode_cache=compiled_templates() if options.use_cache else None,
        )
        writer = SiteWriter(paths.out_dir)
        try:
            postings = search_postings(corpus)
            producer.add(
                [FileJob.one_file(*job) for job in feed_jobs(config, corpus, build_date)]
                + [page for page in base_pages if not Explorer.enriches(page)]
            )
            producer.write_while(
                writer,
                busy=lambda: not discovery_job.ready(),
                ahead=[page.path for page in waiting],
            )
            discovery = discovery_job.result()
        except BaseException:
            writer.abort()
            raise
    timings["discovery stage"] = time.perf_counter() - stage_started
    try:
        warnings = corpus.warnings + discovery.topics.warnings
        if options.strict and warnings:
            raise StrictModeError(list(warnings))

        explorer = Explorer(corpus, discovery, notes)
        discovery_pages = explorer.pages()
        # Every page in site order, for the sitemap, which needs only their paths and whether they
        # are indexed: the pages that wait for the discovery are completed as they are made.
        pages = base_pages + discovery_pages
        topics = [(topic.slug, topic.title) for topic in discovery.topics.topics]

        def search_texts() -> Iterator[str]:
            # The document store names each paper's topics, so it is written once they are known.
            found = search_files(corpus, postings, topics, discovery.topics.paper_topics)
            return (text for _, text in found)

        producer.add(
            [
                # First: the search payload is the longest unit of all.
                FileJob(tuple(search_paths(corpus, postings)), search_texts),
                FileJob.one_file(
                    PAPERS_JSON_PATH,
                    lambda: papers_json(corpus, config, explorer.papers_json_fields()),
                ),
            ]
        )
        producer.add(waiting, explorer.enrich)
        producer.add(
            discovery_pages
            # The sitemap (listing every page in order), robots.txt, CNAME.
            + [FileJob.one_file(*job) for job in site_file_jobs(config, pages)]
        )
        keys = producer.write_content(writer, progress)
        writer.copy_tree(STATIC_DIR, "static")
        # GitHub Pages must serve the folder as it is, not run Jekyll over it.
        writer.write_text(".nojekyll", "")
        writer.write_text(OUTPUT_MARKER, OUTPUT_MARKER_TEXT)
        if cache is not None:
            cache.forget()
        swap_started = time.perf_counter()
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    timings.update(producer.timings)
    timings["swap"] = time.perf_counter() - swap_started
    warning_rows = [[w.path, w.line, w.message] for w in warnings]
    notes_shown = tuple(publishing_notes(config))
    if cache is not None and fingerprint:
        for path in writer.written:
            keys.setdefault(path, "")  # static files: copied every time, never reused
        summary = {
            "papers": len(corpus.papers),
            "collections": len(corpus.collections),
            "pages": producer.page_count,
            "files": len(writer.written),
            "warnings": warning_rows,
            "notes": list(notes_shown),
        }
        manifest_started = time.perf_counter()
        cache.save(fingerprint, summary, keys)
        timings["manifest"] = time.perf_counter() - manifest_started
    report = BuildReport(
        papers=len(corpus.papers),
        collections=len(corpus.collections),
        pages=producer.page_count,
        files=len(writer.written),
        warnings=warnings,
        seconds=time.perf_counter() - started,
        out_dir=paths.out_dir,
        rendered=producer.rendered,
        timings=tuple(timings.items()),
        notes=notes_shown,
    )
    return report
