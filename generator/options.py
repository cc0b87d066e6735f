"""What the user asked for: the options of a build, as the command line gives them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.read.config import DEFAULT_CONFIG_NAME


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
