"""Where a build's templates come from: the user's folder (if any), then papershelf's own, each
file read only if it stays inside the folders a build may read; compiled templates are kept in the
user's cache between builds."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import jinja2
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, TemplateNotFound
from jinja2.loaders import split_template_path

from generator.assets import user_cache_dir
from generator.fingerprint import digest


class CompiledTemplates(FileSystemBytecodeCache):
    """Compiled templates kept between builds, as Python keeps compiled modules: compiling every
    template costs about 0.13 s of each build. Jinja2 checks each file against its template's
    source, so an edited template is compiled again."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        # A cache that cannot be written (a full disk) costs the next build time, not this one.
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_templates(root: Path | None = None) -> CompiledTemplates | None:
    """The cache of compiled templates below ``root`` (the user's cache folder by default); None
    if it cannot be made. One folder per version of Jinja2 and of this module, which decides how
    templates compile (autoescaping, whitespace control); the folders of other versions go."""
    root = root or user_cache_dir()
    folder = root / f"templates-{digest(jinja2.__version__, Path(__file__).read_bytes())[:16]}"
    try:
        if not folder.is_dir():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            for other in root.glob("templates-*"):
                if other != folder:
                    shutil.rmtree(other, ignore_errors=True)
        status = folder.lstat()
    except OSError:
        return None
    # Its code runs in this process: never take it from a folder another user could write to.
    if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
        return None
    return CompiledTemplates(str(folder))


class TemplateLoader(FileSystemLoader):
    """Templates by name from the first of several folders that has them (the user's folder, then
    papershelf's own); with ``readable``, a file whose real path (links followed) lies outside
    those folders is passed over, as if it were not there."""

    def __init__(self, folders: Sequence[Path], readable: Sequence[Path] = ()):
        super().__init__(list(folders))
        self.readable = tuple(Path(folder).resolve() for folder in readable)

    def allowed(self, path: str) -> bool:
        """Whether a template file may be read: it stays inside the readable folders."""
        if not self.readable:
            return True
        real = Path(path).resolve()
        return any(real.is_relative_to(folder) for folder in self.readable)

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.searchpath:
            path = os.path.join(folder, *pieces)
            if os.path.isfile(path) and self.allowed(path):
                with open(path, encoding=self.encoding) as file:
                    source = file.read()
                return (
                    source,
                    os.path.normpath(path),
                    functools.partial(_unchanged, path, os.path.getmtime(path)),
                )
        raise TemplateNotFound(template)


def _unchanged(path: str, modified: float) -> bool:
    try:
        return os.path.getmtime(path) == modified
    except OSError:
        return False
