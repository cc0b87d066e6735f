"""Where a site's inputs and output are, and which files a build may read.

A site folder is the folder that holds ``site.yml``: the seeds, the notes and the output folder are
found relative to it, whatever the working folder. A build reads only files that lie inside the
site folder or inside a folder the user named on the command line, so a symbolic link in seeds/ or
notes/ can never bring a file from elsewhere (a system file, another project) into the published
site: such a file is skipped with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.assets import TEMPLATES_DIR
from generator.errors import ConfigError, Diagnostic
from generator.read.config import DEFAULT_CONFIG_NAME, SiteConfig
from generator.read.yaml_nodes import clipped

SEEDS_NAME = "seeds"
OUTPUT_NAME = "_site"


@dataclass(frozen=True)
class SitePaths:
    """The folders of one build, each as the user should read it (relative where it can be)."""

    site_dir: Path  # the folder that holds site.yml
    config_path: Path
    seeds_dir: Path
    notes_dir: Path
    out_dir: Path
    templates_dir: Path | None  # the user's templates, which override papershelf's own by name
    # Folders whose files a build may read: the site folder and the folders named by path.
    readable: tuple[Path, ...]

    def outside(self, path: Path) -> bool:
        """Whether ``path`` (a link followed to its end) lies outside every readable folder."""
        real = path.resolve()
        return not any(real.is_relative_to(folder) for folder in self.readable)

    def skipped_link(self, path: Path, shown: str) -> Diagnostic | None:
        """The warning for an input file that leads outside the readable folders, else None."""
        if not self.outside(path):
            return None
        return Diagnostic(
            shown, 0, "is a link to a file outside the site folder; skipped (name it by path)"
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


def site_paths(
    config: SiteConfig,
    config_path: Path = Path(DEFAULT_CONFIG_NAME),
    *,
    seeds_dir: Path | None = None,
    notes_dir: Path | None = None,
    out_dir: Path | None = None,
    templates_dir: Path | None = None,
) -> SitePaths:
    """The folders of a build: those named on the command line as given, the others in the site
    folder. A notes folder that ``site.yml`` places outside the site folder is an error: only the
    command line may bring files from elsewhere."""
    site_dir = config_path.parent
    named = [path for path in (seeds_dir, notes_dir, templates_dir) if path is not None]
    if notes_dir is None:
        notes_dir = site_dir / config.notes_dir
        if not notes_dir.resolve().is_relative_to(site_dir.resolve()):
            raise ConfigError(
                config_path,
                [
                    f"Config value 'notes_dir': {clipped(repr(config.notes_dir), 300)} is outside the site folder; "
                    "a notes folder elsewhere is used only when named with --notes"
                ],
            )
    return SitePaths(
        site_dir=site_dir,
        config_path=config_path,
        seeds_dir=seeds_dir if seeds_dir is not None else site_dir / SEEDS_NAME,
        notes_dir=notes_dir,
        out_dir=out_dir if out_dir is not None else site_dir / OUTPUT_NAME,
        templates_dir=templates_dir,
        readable=tuple(path.resolve() for path in [site_dir, *named]),
    )


def display_path(path: Path) -> str:
    """A path as the user should read it: relative to the working folder when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
