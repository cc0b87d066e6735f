"""Build cache: what the last build of an output folder produced, so a rebuild redoes only what changed.

The cache lives in ``.papershelf-cache/<output folder name>/`` beside the output folder. Its manifest
holds a fingerprint of every input of the last build (seeds, config, templates, static files, lunr.js,
papershelf's own code, library versions, options) and, for each file of that site, the key of the unit
that produced it with the file's stat signature (see ``FileEntry``). A rebuild whose fingerprint is
unchanged and whose site is untouched leaves the site as it is. Otherwise each page whose key is
unchanged is hard-linked from the previous site, and only the rest is rendered (the other files are
made afresh). A page's key hashes everything its output depends on: its path, template and context,
records digested field by field and anything else by its ``repr``; the tests compare cached,
incremental and parallel builds with a clean serial build byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

from generator.errors import Diagnostic
from generator.fingerprint import digest
from generator.read.paths import SitePaths
from generator.read.seeds import DUMP_SUFFIX

CACHE_DIR_NAME = ".papershelf-cache"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 2  # 2: files are signed by inode and ctime too


def cache_dir(out_dir: Path) -> Path:
    """The cache folder of an output folder: beside it, so a site and its cache move together."""
    out = out_dir.resolve()
    return out.parent / CACHE_DIR_NAME / out.name


@dataclass(frozen=True)
class FileEntry:
    """One file of the last site: the unit key that produced it and its stat signature.

    Size and modification time alone miss a hand edit that puts them back (``touch -d``,
    ``os.utime``); the signature has the inode and the status-change time (ctime) too, which any
    write, ``utime``, rename, link or ``chmod`` of the file sets to the clock, and which nothing
    short of turning the system clock can set back. The build's own changes to its files (hard
    links from the previous site into the staging folder, the swap, the removal of the previous
    site) are all made before ``save`` reads the signatures, so they are never taken for edits;
    anything done to a file after the build (an edit, a ``chmod``, another hard link to it) has
    the file made afresh."""

    key: str
    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int

    def signature(self) -> tuple[int, int, int, int]:
        """What ``stat_signature`` of the file gives while it is as the build left it."""
        return (self.size, self.mtime_ns, self.inode, self.ctime_ns)


def stat_signature(stat: os.stat_result) -> tuple[int, int, int, int]:
    """Size, modification time, inode and status-change time of a file: see ``FileEntry``."""
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns)


@dataclass(frozen=True)
class SiteSummary:
    """What the last build made, as its summary line reports it; kept in the manifest so that a
    no-op rebuild reports the same without reading anything."""

    papers: int
    collections: int
    pages: int
    files: int
    warnings: tuple[Diagnostic, ...]
    notes: tuple[str, ...]

    def to_json(self) -> dict:
        """The summary as the manifest stores it."""
        rows = [[w.path, w.line, w.message] for w in self.warnings]
        return {**dataclasses.asdict(self), "warnings": rows, "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: dict) -> SiteSummary:
        """The summary read back from the manifest."""
        warnings = tuple(Diagnostic(*row) for row in data["warnings"])
        return cls(**{**data, "warnings": warnings, "notes": tuple(data.get("notes", ()))})


class BuildCache:
    """The manifest of the last build of one output folder, and what can be reused from it."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.resolve()
        self.folder = cache_dir(out_dir)
        self.fingerprint: str | None = None
        self.summary: SiteSummary | None = None
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
        try:
            summary = SiteSummary.from_json(data["summary"])
        except (KeyError, TypeError):
            return
        self.fingerprint = data["fingerprint"]
        self.summary = summary
        self.files = files
        for path, entry in files.items():
            self._paths_by_key.setdefault(entry.key, []).append(path)

    def _intact(self, path: str) -> bool:
        try:
            stat = os.stat(f"{self.out_dir}/{path}")  # a Path per file costs more than its stat
        except OSError:
            return False
        return stat_signature(stat) == self.files[path].signature()

    def unchanged(self, fingerprint: str) -> SiteSummary | None:
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

    def save(self, fingerprint: str, summary: SiteSummary, keys: dict[str, str]) -> None:
        """Record the site just committed: each file's unit key and stat signature (once the
        previous site is gone: removing it changes the ctime of the files linked from it)."""
        files = {}
        root = f"{self.out_dir}/"  # os.stat of a string: a Path per file costs more than its stat
        for path, key in sorted(keys.items()):
            files[path] = [key, *stat_signature(os.stat(root + path))]
        data = {"version": MANIFEST_VERSION, "fingerprint": fingerprint}
        data["summary"] = summary.to_json()
        data["files"] = files
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{MANIFEST_NAME}.{os.getpid()}"
        temporary.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), "utf-8")
        os.replace(temporary, self.folder / MANIFEST_NAME)


def input_fingerprint(paths: SitePaths, code: str, settings: str) -> str | None:
    """A hash of every input of a build, read as raw bytes, with its code and settings (the
    options, and the build date SOURCE_DATE_EPOCH gives): equal fingerprints give equal sites.
    None when an input cannot be read: the build then reports it as it would without a cache."""
    parts: list[str | bytes] = [
        code,
        settings,
        str(Path.cwd().resolve()),  # diagnostics name files relative to it
        str(paths.seeds_dir.resolve()),
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
