"""Build cache: what the last build of an output folder produced, so a rebuild redoes only what changed.

The cache lives in ``.papershelf-cache/<output folder name>/`` beside the output folder. Its manifest
holds a fingerprint of every input of the last build (seeds, config, templates, static files, lunr.js,
papershelf's own code, library versions, options) and, for each file of that site, the key of the unit
that produced it with the file's size and modification time. A rebuild whose fingerprint is unchanged
and whose site is untouched leaves the site as it is. Otherwise each page whose key is unchanged
is hard-linked from the previous site, and only the rest is rendered (the other files are made
afresh). A page's key hashes everything its output depends on: its path, template and context,
records digested field by field and anything else by its ``repr``; the tests compare cached,
incremental and parallel builds with a clean serial build byte for byte.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR_NAME = ".papershelf-cache"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
GENERATOR_DIR = Path(__file__).resolve().parent.parent  # the whole package
# Libraries whose output ends up in the site; a new version may render differently (numpy and
# scipy compute the related papers, topics and map).
OUTPUT_LIBRARIES = ("jinja2", "markupsafe", "markdown", "pyyaml", "lunr", "numpy", "scipy")
DIST_INFO = ".dist-info"


def user_cache_dir() -> Path:
    """papershelf's folder in the user's cache (``$XDG_CACHE_HOME/papershelf``, by default
    ``~/.cache/papershelf``): what is worth keeping between builds of any site."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "papershelf"


def cache_dir(out_dir: Path) -> Path:
    """The cache folder of an output folder: beside it, so a site and its cache move together."""
    out = out_dir.resolve()
    return out.parent / CACHE_DIR_NAME / out.name


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


@dataclass(frozen=True)
class FileEntry:
    """One file of the last site: the unit key that produced it, its size and modification time."""

    key: str
    size: int
    mtime_ns: int


class BuildCache:
    """The manifest of the last build of one output folder, and what can be reused from it."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.resolve()
        self.folder = cache_dir(out_dir)
        self.fingerprint: str | None = None
        self.summary: dict = {}
        self.files: dict[str, FileEntry] = {}
        self._paths_by_key: dict[str, list[str]] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads((self.folder / MANIFEST_NAME).read_text("utf-8"))
            if data.get("version") != MANIFEST_VERSION:
                return
            files = {path: FileEntry(*entry) for path, entry in data["files"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            return  # no cache, or one this version cannot read: build from scratch
        self.fingerprint = data["fingerprint"]
        self.summary = data["summary"]
        self.files = files
        for path, entry in files.items():
            self._paths_by_key.setdefault(entry.key, []).append(path)

    def _intact(self, path: str) -> bool:
        entry = self.files[path]
        try:
            stat = (self.out_dir / path).stat()
        except OSError:
            return False
        return stat.st_size == entry.size and stat.st_mtime_ns == entry.mtime_ns

    def unchanged(self, fingerprint: str) -> dict | None:
        """The summary of the last build when it had this very fingerprint and its site holds exactly
        the files it wrote, untouched since; else None."""
        if fingerprint != self.fingerprint or not self.out_dir.is_dir():
            return None
        present = set()
        for root, _dirs, names in os.walk(self.out_dir):
            relative_root = os.path.relpath(root, self.out_dir)
            for name in names:
                present.add(name if relative_root == "." else f"{relative_root}/{name}")
        if present != set(self.files) or not all(self._intact(path) for path in self.files):
            return None
        return self.summary

    def reusable(self, key: str) -> list[str] | None:
        """The files the unit with this key wrote last time, when all are still as written; else None."""
        paths = self._paths_by_key.get(key)
        if not paths or not all(self._intact(path) for path in paths):
            return None
        return paths

    def path_of(self, relative: str) -> Path:
        """Where a file of the last site is."""
        return self.out_dir / relative

    def forget(self) -> None:
        """Drop the manifest before the site is replaced, so a crash cannot leave it describing
        files that are gone."""
        (self.folder / MANIFEST_NAME).unlink(missing_ok=True)

    def save(self, fingerprint: str, summary: dict, keys: dict[str, str]) -> None:
        """Record the site just committed: each file's unit key, size and modification time."""
        files = {}
        root = f"{self.out_dir}/"  # os.stat of a string: a Path per file costs more than its stat
        for path, key in sorted(keys.items()):
            stat = os.stat(root + path)
            files[path] = [key, stat.st_size, stat.st_mtime_ns]
        data = {"version": MANIFEST_VERSION, "fingerprint": fingerprint, "summary": summary}
        data["files"] = files
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{MANIFEST_NAME}.{os.getpid()}"
        temporary.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), "utf-8")
        os.replace(temporary, self.folder / MANIFEST_NAME)
