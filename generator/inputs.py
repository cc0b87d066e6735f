"""A site's inputs, loaded as the options ask: the config, the folders, the notes and the corpus.
The build's read phase, also used on its own (serve, check, clean, the tests)."""

from __future__ import annotations

from pathlib import Path

from generator.errors import Diagnostic, SeedsError
from generator.model import Corpus, build_corpus, collection_id
from generator.options import BuildOptions
from generator.read.config import SiteConfig, load_config
from generator.read.notes import (
    Notes,
    apply_collection_notes,
    hidden_notes,
    read_notes,
    unmatched_paper_notes,
)
from generator.read.paths import SEEDS_NAME, SitePaths, display_path, site_paths
from generator.read.seeds import hidden_seeds, read_seeds


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


def skipped_inputs(options: BuildOptions) -> list[Diagnostic]:
    """The files of the seeds and notes folders that the read passes over without a warning (hidden files,
    ``.draft.txt``), each with why. Notes for the summary, not warnings: hiding a file is how one
    keeps it out of the site, so ``--strict`` does not refuse them."""
    paths = paths_of(options, load_site_config(options))
    return hidden_seeds(paths.seeds_dir) + hidden_notes(
        paths.notes_dir, display_path(paths.notes_dir)
    )
