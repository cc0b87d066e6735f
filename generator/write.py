"""Write stage: put files into a fresh staging folder and swap it in only when the build succeeded.

The writer refuses any path that would land outside the staging folder and any path written twice, so
a slug can never escape the site and two pages can never silently overwrite each other.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from pathlib import Path

from generator.errors import BuildError


def check_output_dir(out_dir: Path, protected: list[Path]) -> None:
    """Refuse an output folder whose replacement would destroy something else: the file-system root,
    the home folder, or any protected path (the project, the seeds, the config) or a folder above one."""
    out = out_dir.resolve()
    if out == Path(out.anchor) or out == Path.home().resolve():
        raise BuildError(f"refusing to use {out_dir} as the output folder")
    for path in protected:
        path = path.resolve()
        if path == out or path.is_relative_to(out):
            raise BuildError(
                f"refusing to use {out_dir} as the output folder: it holds {path}, "
                "which a build would replace"
            )


class SiteWriter:
    """Writes the files of one build into a staging folder beside the output folder."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.resolve()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(
            tempfile.mkdtemp(prefix=f".{self.out_dir.name}.building-", dir=self.out_dir.parent)
        ).resolve()
        self.staging.chmod(0o755)  # mkdtemp makes it private; a site is meant to be read
        self.written: set[str] = set()
        self._made_dirs: set[str] = set()

    def _target(self, rel_path: str) -> Path:
        # The staging folder holds only what this writer made (no symbolic links), so normalising
        # the path text is as safe as resolving it on disk, and much faster for thousands of pages.
        key = posixpath.normpath(rel_path)
        if key.startswith(("/", "../")) or key in ("..", "."):
            raise BuildError(f"refusing to write {rel_path!r}: it is outside the output folder")
        if key in self.written:
            raise BuildError(f"refusing to write {key!r} twice: two pages share one path")
        self.written.add(key)
        target = self.staging / key
        parent = posixpath.dirname(key)
        if parent and parent not in self._made_dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made_dirs.add(parent)
        return target

    def write_text(self, rel_path: str, text: str) -> None:
        """Write a UTF-8 text file at ``rel_path`` below the site root."""
        self._target(rel_path).write_bytes(text.encode("utf-8"))

    def write_bytes(self, rel_path: str, data: bytes) -> None:
        """Write a binary file at ``rel_path`` below the site root."""
        self._target(rel_path).write_bytes(data)

    def link_file(self, source: Path, rel_path: str) -> None:
        """Put an unchanged file of the previous site into this one: a hard link, or a copy where
        the file system cannot link."""
        target = self._target(rel_path)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    def copy_file(self, source: Path, rel_path: str) -> None:
        """Copy one file into the site."""
        shutil.copyfile(source, self._target(rel_path))

    def copy_tree(self, source: Path, rel_dir: str) -> None:
        """Copy a folder's files into the site, in sorted order, skipping hidden files."""
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                self.copy_file(path, f"{rel_dir}/{relative.as_posix()}")

    def commit(self) -> None:
        """Replace the output folder by the staging folder (the old site is removed last)."""
        old = None
        if self.out_dir.exists():
            old = Path(
                tempfile.mkdtemp(prefix=f".{self.out_dir.name}.old-", dir=self.out_dir.parent)
            )
            os.replace(self.out_dir, old / "site")
        os.replace(self.staging, self.out_dir)
        if old is not None:
            shutil.rmtree(old)

    def abort(self) -> None:
        """Throw the staging folder away, leaving the previous site as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)
