"""The folders the benchmark builds in, and keeping the file system out of its measurements.

One folder per corpus size under bench/corpora/ (git-ignored): the real seeds at 545 papers, a
synthetic corpus (bench/corpus.py) at any other size, made on demand and reused while its inputs
are unchanged. Removing a built tree is noted, so that the next full build waits until ext4 no
longer counts the freed inodes as recently deleted (``settle``). Also here: a site's pages and
bytes, the files two sites differ in, and the one abstract the "one change" build changes.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
CORPORA_DIR = BENCH_DIR / "corpora"
RESULTS_DIR = BENCH_DIR / "results"
SEEDS_SIZE = 545  # the real seeds

# When the harness last removed a tree of files (time.monotonic()), see settle().
_last_removal = 0.0


def remove_tree(folder: Path) -> None:
    """Remove a folder the harness made or a build wrote, noting when (see ``settle``)."""
    global _last_removal
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
        _last_removal = time.monotonic()


# ext4 without a journal does not reuse an inode freed less than RECENTCY_MIN seconds ago, or
# RECENTCY_DIRTY more while the block holding it is not yet written back (fs/ext4/ialloc.c).
RECENTCY_MIN_SECONDS = 60
SETTLE_MARGIN_SECONDS = 2


def settle() -> None:
    """Wait until no file the harness removed counts as recently deleted, before a full build.

    On ext4 without a journal (this benchmark machine's root file system) every new inode is
    checked against the inodes freed in the last 60 seconds (360 while their inode table block is
    dirty) and skipped if it is one of them, one buffer lookup each: creating tens of thousands of
    files right after removing the last run's tens of thousands costs seconds of system time, more
    the more were removed, for papershelf and Hugo alike. A user's first build does not follow such
    a removal, so each full build is measured once the blocks are written back (sync) and that
    window has passed."""
    os.sync()
    remaining = _last_removal + RECENTCY_MIN_SECONDS + SETTLE_MARGIN_SECONDS - time.monotonic()
    if _last_removal and remaining > 0:
        time.sleep(remaining)


def tree_size(folder: Path) -> tuple[int, int]:
    """(HTML pages, total bytes) of a built site."""
    pages = total = 0
    for path in folder.rglob("*"):
        if path.is_file():
            total += path.stat().st_size
            pages += path.suffix == ".html"
    return pages, total


def same_tree(left: Path, right: Path) -> list[str]:
    """The relative paths that differ between two folders (missing on one side, or other bytes)."""
    names = {p.relative_to(left).as_posix() for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right).as_posix() for p in right.rglob("*") if p.is_file()}
    return sorted(
        name
        for name in names
        if not (left / name).is_file()
        or not (right / name).is_file()
        or not filecmp.cmp(left / name, right / name, shallow=False)
    )


def corpus_dir(size: int) -> Path:
    """Make sure the corpus of ``size`` papers exists under bench/corpora/ and return its folder."""
    from bench.corpus import write_corpus

    folder = CORPORA_DIR / str(size)
    stamp = folder / ".stamp"
    digest = hashlib.sha256(str(size).encode())
    for path in [
        BENCH_DIR / "corpus.py",
        PROJECT_ROOT / "site.yml",
        *sorted((PROJECT_ROOT / "seeds").glob("*.txt")),
    ]:
        digest.update(path.read_bytes())
    if stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return folder
    remove_tree(folder)
    (folder / "seeds").mkdir(parents=True)
    if size == SEEDS_SIZE:
        for path in (PROJECT_ROOT / "seeds").glob("*.txt"):
            shutil.copyfile(path, folder / "seeds" / path.name)
        shutil.copyfile(PROJECT_ROOT / "site.yml", folder / "site.yml")
    else:
        print(f"bench: generating a corpus of {size} papers", flush=True)
        write_corpus(size, PROJECT_ROOT / "seeds", folder / "seeds")
        (folder / "site.yml").write_text(
            f"title: papershelf bench\ndescription: {size} synthetic papers.\n", "utf-8"
        )
    stamp.write_text(digest.hexdigest())
    return folder


def change_one_abstract(seeds: Path, revision: int) -> tuple[Path, bytes]:
    """Change the abstract of the middle paper of the middle dump; returns the file and its old bytes."""
    from generator.read.dumps import parse_dump

    dumps = sorted(seeds.glob("*.txt"))
    path = dumps[len(dumps) // 2]
    original = path.read_bytes()
    text = original.decode("utf-8")
    records = parse_dump(text, path.name).records
    record = records[len(records) // 2]
    changed = text.replace(record.abstract, f"{record.abstract} Revised ({revision}).", 1)
    path.write_bytes(changed.encode("utf-8"))
    return path, original
