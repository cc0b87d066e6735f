"""Read the seeds folder: every dump file, read and parsed, all unreadable files reported at once."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from generator.errors import Diagnostic, ParseError, SeedsError
from generator.read.dumps import ParsedDump, decode_dump, parse_dump
from generator.read.paths import SitePaths, display_path

DUMP_SUFFIX = ".txt"


def read_seeds(
    seeds_dir: Path, paths: SitePaths | None = None
) -> tuple[list[ParsedDump], list[Diagnostic]]:
    """Read and parse every dump in the seeds folder, sorted by name; all unreadable files at once.
    With ``paths``, a dump that links outside the readable folders is skipped with a warning."""
    if not seeds_dir.is_dir():
        problem = "is not a folder" if seeds_dir.exists() else "seeds folder not found"
        raise SeedsError(f"{display_path(seeds_dir)}: {problem}")
    try:
        entries = sorted(p for p in seeds_dir.iterdir() if not _is_hidden(p))
    except OSError as exc:
        raise SeedsError(f"{display_path(seeds_dir)}: cannot read: {exc.strerror or exc}") from None
    notices = [
        Diagnostic(display_path(p), 0, f"not a {DUMP_SUFFIX} dump, ignored")
        for p in entries
        if not (p.is_file() and p.suffix == DUMP_SUFFIX)
    ]
    dump_paths = []
    for path in entries:
        if path.is_file() and path.suffix == DUMP_SUFFIX:
            skipped = paths.skipped_link(path, display_path(path)) if paths else None
            notices += [skipped] if skipped else []
            dump_paths += [] if skipped else [path]
    if not dump_paths:
        raise SeedsError(
            "\n".join(
                [str(notice) for notice in notices + hidden_seeds(seeds_dir)]
                + [f"{display_path(seeds_dir)}: no dump files (*{DUMP_SUFFIX}) in the seeds folder"]
            )
        )
    dumps: list[ParsedDump] = []
    errors: list[Diagnostic] = []
    for dump, problems in _read_dumps(dump_paths):
        errors += problems
        if dump is not None:
            dumps.append(dump)
    if errors:
        raise ParseError(errors)
    return dumps, notices


def _is_hidden(path: Path) -> bool:
    """A hidden file or folder (``.draft.txt``, ``.git``): the seeds folder's reader passes it over."""
    return path.name.startswith(".")


def hidden_seeds(seeds_dir: Path) -> list[Diagnostic]:
    """A note for each hidden file in the seeds folder, which ``read_seeds`` passes over."""
    with contextlib.suppress(OSError):
        found = sorted(p for p in seeds_dir.iterdir() if _is_hidden(p) and p.is_file())
        return [Diagnostic(display_path(path), 0, "skipped: hidden file") for path in found]
    return []


def dumps_size(seeds_dir: Path) -> int:
    """The bytes of the dumps in the seeds folder; what cannot be read counts 0 (the read says why)."""
    total = 0
    with contextlib.suppress(OSError):
        for path in seeds_dir.glob(f"*{DUMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
    return total


# Below this many bytes of dumps, forking a second reader costs more than it saves.
PARALLEL_READ_BYTES = 8_000_000


def _read_dumps(paths: list[Path]) -> list[tuple[ParsedDump | None, list[Diagnostic]]]:
    """Each dump read and parsed, in order; a large corpus in two processes (this one reads the
    first dumps while a forked one reads the others), as the other core has nothing to do yet."""
    sizes = []
    for path in paths:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)  # reported when it is read
    total = sum(sizes)
    can_fork = "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1
    if len(paths) < 2 or total < PARALLEL_READ_BYTES or not can_fork:
        return [_read_dump(path) for path in paths]
    # The first dumps up to half the bytes here, the rest in the forked process.
    running, half = 0, len(paths) - 1
    for number, size in enumerate(sizes[:-1], start=1):
        running += size
        if running * 2 >= total:
            half = number
            break
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        rest = pool.submit(_read_dump_list, paths[half:])
        first = [_read_dump(path) for path in paths[:half]]
        return first + rest.result()


def _read_dump_list(paths: list[Path]) -> list[tuple[ParsedDump | None, list[Diagnostic]]]:
    return [_read_dump(path) for path in paths]


def _read_dump(path: Path) -> tuple[ParsedDump | None, list[Diagnostic]]:
    """One dump parsed and its errors; None and why if it cannot be read or decoded."""
    source = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(source, 0, f"cannot read: {exc.strerror or exc}")]
    text, problem = decode_dump(data, source)
    if problem is not None:
        return None, [problem]
    dump = parse_dump(text, source)
    return dump, list(dump.errors)
