"""Fingerprints: hashes that tell whether a build's code or inputs changed (the build cache and the
compiled templates are keyed by them)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from pathlib import Path

GENERATOR_DIR = Path(__file__).resolve().parent  # the whole package
# Libraries whose output ends up in the site; a new version may render differently (numpy and
# scipy compute the related papers, topics and map).
OUTPUT_LIBRARIES = ("jinja2", "markupsafe", "markdown", "pyyaml", "lunr", "numpy", "scipy")
DIST_INFO = ".dist-info"


def digest(*parts: str | bytes) -> str:
    """A SHA-256 over several parts, each length-prefixed so that no two sequences collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def folder_digest(folder: Path) -> str:
    """A hash of the names and bytes of every file below a folder (hidden files and caches skipped)."""
    parts: list[str | bytes] = []
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            if path.is_file():
                parts += [relative.as_posix(), path.read_bytes()]
    return digest(*parts)


def code_digest(extra_folders: list[Path], extra_files: list[Path]) -> str:
    """Everything that renders the site besides the content: papershelf's code, templates, static
    files, vendored scripts, library versions and the Python version."""
    versions = library_versions(OUTPUT_LIBRARIES)
    return digest(
        sys.version,
        *(f"{name}=={versions.get(name, 'missing')}" for name in OUTPUT_LIBRARIES),
        folder_digest(GENERATOR_DIR),
        *(folder_digest(folder) for folder in extra_folders),
        *(path.read_bytes() if path.is_file() else b"missing" for path in extra_files),
    )


def library_versions(names: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each named distribution that is installed.

    Read from the names of the ``.dist-info`` folders on ``sys.path``, the first one found as
    ``import`` would find it: what importlib.metadata reads too, without the 30 ms its import costs
    every build (a no-op rebuild takes about 150 ms). A distribution installed otherwise (an
    ``.egg-info``) is looked up with importlib.metadata."""
    wanted = {_distribution_key(name): name for name in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in listing:
            if folder.endswith(DIST_INFO):
                distribution, _, version = folder[: -len(DIST_INFO)].partition("-")
                name = wanted.get(_distribution_key(distribution))
                if name is not None and name not in found:
                    found[name] = version
    if len(found) < len(names):
        from importlib import metadata

        for name in names:
            if name not in found:
                with contextlib.suppress(metadata.PackageNotFoundError):
                    found[name] = metadata.version(name)
    return found


def _distribution_key(name: str) -> str:
    # PEP 503's normalised name ("PyYAML" and "pyyaml", "Markup_Safe" and "markup-safe" are one).
    return re.sub(r"[-_.]+", "-", name).lower()
