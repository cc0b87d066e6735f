"""Write stage: put files into a fresh staging folder and swap it in only when the build succeeded.

The writer refuses any path that would land outside the staging folder and any path written twice, so
a slug can never escape the site and two pages can never silently overwrite each other.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import posixpath
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from generator.assets import INSTALLATION_DIRS
from generator.errors import BuildError, OutputFolderError
from generator.read.paths import SitePaths

# Every build writes this file into its output folder: a folder holding it is papershelf's own
# to replace. Any other non-empty folder is refused, so a mistyped --out never destroys anything.
OUTPUT_MARKER = ".papershelf"
OUTPUT_MARKER_TEXT = (
    "This folder is a site built by papershelf. Every build replaces all of it, and\n"
    "`papershelf clean` removes it. Delete this file to keep papershelf away from it.\n"
)


def output_refusal(out_dir: Path, site_dir: Path, inputs: Iterable[tuple[str, Path]]) -> str | None:
    """Why ``out_dir`` may not be replaced by a build nor removed, or None if it may.

    Never: the file-system root, the home folder, the site folder (which holds site.yml), the
    working folder or any folder above them, an input folder or papershelf's own folders (each
    named in ``inputs``), anything inside them or holding them, a folder holding ``.git``.
    Besides those, only a missing folder, an empty one, or one holding a previous build (its
    marker file) may be replaced."""
    if out_dir.is_symlink():
        return "it is a symbolic link"
    out = out_dir.resolve()
    return _precious_place(out, site_dir) or _input_place(out, inputs) or _foreign_content(out)


def _precious_place(out: Path, site_dir: Path) -> str | None:
    """Why ``out`` is, or holds, a folder no build may replace."""
    places = (
        (Path(out.anchor), "the file-system root"),
        (Path.home(), "the home folder"),
        (site_dir, "the site folder"),
        (Path.cwd(), "the working folder"),
    )
    for place, name in places:
        place = place.resolve()
        if out == place:
            return f"it is {name}"
        if place.is_relative_to(out):
            return f"it holds {name} ({place})"
    return None


def _input_place(out: Path, inputs: Iterable[tuple[str, Path]]) -> str | None:
    """Why ``out`` is, lies in or holds one of the build's inputs."""
    for name, path in inputs:
        path = path.resolve()
        if out == path:
            return f"it is {name} ({path})"
        if out.is_relative_to(path):
            return f"it is inside {name} ({path})"
        if path.is_relative_to(out):
            return f"it holds {name} ({path})"
    return None


def _foreign_content(out: Path) -> str | None:
    """Why what ``out`` holds is not papershelf's to replace."""
    if os.path.lexists(out / ".git"):
        return "it holds a .git (a repository's files)"
    if not out.exists():
        return None
    if not out.is_dir():
        return "it is not a folder"
    if any(out.iterdir()) and not (out / OUTPUT_MARKER).is_file():
        return f"it is not empty and holds no papershelf build (no {OUTPUT_MARKER} file in it)"
    return None


def check_output_dir(
    out_dir: Path, site_dir: Path, inputs: Iterable[tuple[str, Path]], *, removing: bool = False
) -> None:
    """Raise ``OutputFolderError`` if ``out_dir`` may not be replaced (or removed); see
    ``output_refusal``. Nothing is touched either way."""
    reason = output_refusal(out_dir, site_dir, inputs)
    if reason is not None:
        action = f"remove {out_dir}" if removing else f"use {out_dir} as the output folder"
        raise OutputFolderError(f"refusing to {action}: {reason}")


def remove_output(out_dir: Path, site_dir: Path, inputs: Iterable[tuple[str, Path]]) -> bool:
    """Remove the output folder (and staging folders left by killed builds); False if there was
    none. Refuses what ``check_output_dir`` refuses."""
    check_output_dir(out_dir, site_dir, inputs, removing=True)
    remove_stale_staging(out_dir)
    if not out_dir.exists():
        return False
    try:
        shutil.rmtree(out_dir)
    except OSError as exc:
        raise BuildError(f"cannot remove {out_dir}: {exc.strerror or exc}") from None
    return True


STAGING_MARK = "building"


def staging_prefix(out_dir: Path) -> str:
    """Name prefix of the staging folders of ``out_dir``, beside it and hidden: never served."""
    return f".{out_dir.name}.{STAGING_MARK}-"


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Remove staging folders that a killed build left beside ``out_dir``; a running build's folder
    is locked and kept. Returns the folders removed."""
    out_dir = out_dir.resolve()
    if not out_dir.parent.is_dir():
        return []
    removed = []
    for path in sorted(out_dir.parent.glob(staging_prefix(out_dir) + "*")):
        if path.is_dir() and not path.is_symlink() and _try_lock(path) is not None:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _try_lock(folder: Path) -> int | None:
    """Take the lock of a staging folder; an open descriptor if no live build holds it, else None."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where the system cannot."""
    if _renameat2 is None:
        return False
    at_cwd = -100
    result = _renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), 2)  # EXCHANGE
    return result == 0


def _load_renameat2():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2() if sys.platform.startswith("linux") else None


class SiteWriter:
    """Writes the files of one build into a staging folder beside the output folder.

    The staging folder is locked while the build runs, so the next build can tell a folder left by a
    killed build (removed) from one of a build still running (kept). The output folder is swapped for
    the staging folder in one atomic rename where the system allows it, so a server never sees a
    half-written site nor a missing one.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.resolve()
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise BuildError(f"refusing to use {out_dir} as the output folder: it is not a folder")
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_staging(self.out_dir)
            self.staging = Path(
                tempfile.mkdtemp(prefix=staging_prefix(self.out_dir), dir=self.out_dir.parent)
            ).resolve()
            self._lock = _try_lock(self.staging)
            self.staging.chmod(0o755)  # mkdtemp makes it private; a site is meant to be read
        except OSError as exc:
            raise BuildError(f"cannot write beside {out_dir}: {exc.strerror or exc}") from None
        self.written: set[str] = set()
        self._made_dirs: set[str] = {""}  # folders made and checked; "" is the staging folder

    def _target(self, rel_path: str) -> Path:
        """The checked place of a file this process writes: its folder made, nothing in its place."""
        key = self._claim(rel_path)
        target = self.staging / key
        self._make_folder(posixpath.dirname(key), rel_path)
        if os.path.lexists(target):
            raise BuildError(f"refusing to write {rel_path!r}: something else is in its place")
        self.written.add(key)
        return target

    def reserve(self, rel_path: str) -> Path:
        """The checked place of a file that another process writes with ``write_reserved``, which
        makes the file's own folder (a page's folder is made where the page is written) unless
        ``prepare`` made it (see ``folder_made``)."""
        try:
            key = self._claim(rel_path)
            folder = posixpath.dirname(key)
            if folder not in self._made_dirs:
                self._make_folder(posixpath.dirname(folder), rel_path)
        except OSError as exc:
            raise BuildError(f"cannot write {rel_path}: {exc.strerror or exc}") from None
        self.written.add(key)
        return self.staging / key

    def prepare(self, rel_path: str) -> None:
        """Make the folder of a file to be reserved later, while the build has time to spare (it
        waits for its discovery stage): making 50,000 page folders takes seconds. A path ``reserve``
        would refuse is left for it to refuse."""
        with contextlib.suppress(BuildError, OSError):
            self._make_folder(posixpath.dirname(self._claim(rel_path)), rel_path)

    def folder_made(self, rel_path: str) -> bool:
        """Whether the folder of a reserved file is made and checked already."""
        return posixpath.dirname(posixpath.normpath(rel_path)) in self._made_dirs

    def _claim(self, rel_path: str) -> str:
        """The normalised path of a new file inside the site, or an error saying why it is not."""
        if "\x00" in rel_path:
            raise BuildError(f"refusing to write {rel_path!r}: a path cannot hold a NUL character")
        key = posixpath.normpath(rel_path) if rel_path else "."
        if key == "." or key.startswith("/") or key == ".." or key.startswith("../"):
            raise BuildError(f"refusing to write {rel_path!r}: it is outside the output folder")
        if key in self.written:
            raise BuildError(f"refusing to write {key!r} twice: two pages share one path")
        return key

    def _make_folder(self, folder: str, rel_path: str) -> None:
        # Only this writer makes folders and files here, so the check that no link leads out runs
        # once per folder: resolving every file's path cost more than writing it.
        if folder in self._made_dirs:
            return
        path = self.staging / folder
        if posixpath.dirname(folder) in self._made_dirs:
            # A new folder inside a checked one is inside the site; one that exists is checked.
            with contextlib.suppress(FileExistsError):
                os.mkdir(path)
                self._made_dirs.add(folder)
                return
        if not path.resolve().is_relative_to(self.staging):
            raise BuildError(f"refusing to write {rel_path!r}: it is outside the output folder")
        path.mkdir(parents=True, exist_ok=True)
        while folder not in self._made_dirs:  # it and the folders above it are all inside
            self._made_dirs.add(folder)
            folder = posixpath.dirname(folder)

    def _guarded(self, rel_path: str, write) -> None:
        try:
            write(self._target(rel_path))
        except OSError as exc:
            raise BuildError(f"cannot write {rel_path}: {exc.strerror or exc}") from None

    def write_text(self, rel_path: str, text: str) -> None:
        """Write a UTF-8 text file at ``rel_path`` below the site root."""
        self._guarded(rel_path, lambda target: target.write_bytes(text.encode("utf-8")))

    def copy_file(self, source: Path, rel_path: str) -> None:
        """Copy one file into the site."""
        self._guarded(rel_path, lambda target: shutil.copyfile(source, target))

    def copy_tree(self, source: Path, rel_dir: str) -> None:
        """Copy a folder's files into the site, in sorted order, skipping hidden files."""
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                self.copy_file(path, f"{rel_dir}/{relative.as_posix()}")

    def commit(self) -> None:
        """Put the staging folder in place of the output folder, then remove the old site."""
        try:
            if self.out_dir.is_dir() and _exchange(self.staging, self.out_dir):
                shutil.rmtree(self.staging)  # now holds the previous site
            else:
                self._replace()
        except OSError as exc:
            raise BuildError(f"cannot replace {self.out_dir}: {exc.strerror or exc}") from None
        finally:
            self._unlock()

    def _replace(self) -> None:
        # Without an atomic exchange the old site is moved aside first; a build killed between the
        # two renames leaves it in a staging-named folder, removed by the next build.
        old = None
        if self.out_dir.exists():
            old = Path(
                tempfile.mkdtemp(prefix=staging_prefix(self.out_dir), dir=self.out_dir.parent)
            )
            os.replace(self.out_dir, old / "site")
        os.replace(self.staging, self.out_dir)
        if old is not None:
            shutil.rmtree(old)

    def abort(self) -> None:
        """Throw the staging folder away, leaving the previous site as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self._unlock()

    @property
    def lock_descriptor(self) -> int | None:
        """The open descriptor that holds the staging folder's lock: a process forked to write
        into it must close its copy, or a killed build's folder would look locked."""
        return self._lock

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def _reserved_folder(staging: Path, target: str) -> None:
    """Make the folder of a reserved file; refuse one that leads out of the staging folder."""
    folder = os.path.dirname(target)
    try:
        os.mkdir(folder)  # inside its checked parent: inside the site
    except FileExistsError:  # made for another file, or planted: check where it leads
        if not Path(folder).resolve().is_relative_to(staging):
            raise BuildError(
                f"refusing to write {os.path.relpath(target, staging)!r}: "
                "it is outside the output folder"
            ) from None


def write_reserved(
    staging: Path, target: str, data: bytes | Iterable[bytes], folder_made: bool = False
) -> None:
    """Write a file (its bytes, or their parts in order) at a place ``SiteWriter.reserve`` gave out,
    making its folder unless the writer says it is ``folder_made``; refuses a folder that leads out
    of the staging folder and anything already in the file's place."""
    if not folder_made:
        _reserved_folder(staging, target)
    _write_new(target, [data] if isinstance(data, bytes) else data)


def _write_new(target: str, parts: Iterable[bytes]) -> None:
    """Create a file that must not exist yet (nor be a link) and write its parts in order."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    with open(descriptor, "wb") as file:
        file.writelines(parts)


def link_reserved(staging: Path, target: str, source: Path, folder_made: bool = False) -> None:
    """Put an unchanged file of the previous site at a reserved place: a hard link, or a copy where
    the file system cannot link (``os.link`` never follows a link in the target's place)."""
    if not folder_made:
        _reserved_folder(staging, target)
    try:
        os.link(source, target)
    except FileExistsError:
        raise  # something is in the file's place: it is never replaced
    except OSError:  # a file system without hard links: a copy (its folder is made already)
        with open(source, "rb") as original:
            _write_new(target, [original.read()])


def output_inputs(paths: SitePaths) -> list[tuple[str, Path]]:
    """The folders an output folder may be neither, nor lie inside, nor hold, each named."""
    inputs = [("the seeds folder", paths.seeds_dir), ("the notes folder", paths.notes_dir)]
    if paths.templates_dir is not None:
        inputs.append(("the templates folder", paths.templates_dir))
    return inputs + [("a folder of papershelf itself", folder) for folder in INSTALLATION_DIRS]


def check_output(paths: SitePaths) -> None:
    """Refuse an output folder that is not papershelf's to replace (see ``output_refusal``)."""
    check_output_dir(paths.out_dir, paths.site_dir, output_inputs(paths))


def clean_output(paths: SitePaths) -> bool:
    """Remove the output folder after the same check as a build's; False if there was none."""
    return remove_output(paths.out_dir, paths.site_dir, output_inputs(paths))
