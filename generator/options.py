"""What the user asked for: the options of a build, as the command line gives them, and the build
date that ``SOURCE_DATE_EPOCH`` gives through the environment."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.errors import BuildError
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


SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
# The seconds a date of years 1 to 9999 can have (what Python's dates and Atom's can hold).
EARLIEST_SECONDS = -62_135_596_800  # 0001-01-01T00:00:00Z
LATEST_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z
# The reproducible-builds.org specification: "an ASCII representation of an integer with no
# fractional component, identical to the output format of date +%s" (negative before 1970).
_INTEGER = re.compile(r"-?[0-9]+")
_SHOWN_CHARACTERS = 40


def source_date_epoch(environ: Mapping[str, str] = os.environ) -> dt.datetime | None:
    """The build date that ``SOURCE_DATE_EPOCH`` sets (reproducible-builds.org), None when it is
    unset; a malformed value, empty included, is a BuildError, as the specification asks."""
    value = environ.get(SOURCE_DATE_EPOCH)
    if value is None:
        return None
    expected = "expected seconds since 1970-01-01 UTC, as `date +%s` prints them"
    if value == "":
        raise BuildError(f"{SOURCE_DATE_EPOCH}: set but empty; {expected}, or unset it")
    if not _INTEGER.fullmatch(value):
        raise BuildError(f"{SOURCE_DATE_EPOCH}: {expected}, got {_shown(value, quoted=True)}")
    # Past 20 digits the value is out of range whatever they are (and int() refuses 4,300).
    magnitude = value.lstrip("-").lstrip("0")
    seconds = int(magnitude or "0") if len(magnitude) <= 20 else 10**20
    seconds = -seconds if value.startswith("-") else seconds
    if seconds > LATEST_SECONDS:
        raise BuildError(f"{SOURCE_DATE_EPOCH}: {_shown(value)} is after the year 9999")
    if seconds < EARLIEST_SECONDS:
        raise BuildError(f"{SOURCE_DATE_EPOCH}: {_shown(value)} is before the year 1")
    return EPOCH + dt.timedelta(seconds=seconds)


def _shown(value: str, quoted: bool = False) -> str:
    """The value as an error message shows it: on one line, in ASCII, cut after 40 characters."""
    cut = value if len(value) <= _SHOWN_CHARACTERS else f"{value[:_SHOWN_CHARACTERS]}..."
    return ascii(cut) if quoted else cut
