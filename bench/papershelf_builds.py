"""papershelf's builds of one corpus: full, no-op and one change, the cold-cache build and the
identity check.

Each run of a size: a full build from nothing (no ``_site/``, no ``.papershelf-cache/``, after
``settle``), the same build again (no-op), and a build after one abstract changed. The last run also
measures the first search on the full build's site, times a full build with an empty user cache
(every template compiled), and compares the one-change site byte for byte with a clean serial build
without cache (up to ``--check-identity-up-to`` papers). Both extras are reported as notes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench.first_search import first_search_bytes
from bench.measure import SCENARIOS, Row, measure
from bench.workspace import (
    change_one_abstract,
    corpus_dir,
    remove_tree,
    same_tree,
    settle,
    tree_size,
)


def build_command(out: str, jobs: str | None) -> list[str]:
    """``papershelf build`` of a corpus folder's seeds into ``out``, printing its stage timings."""
    command = [sys.executable, "-m", "generator", "build", "--seeds", "seeds", "--out", out]
    return command + ["--timings"] + (["--jobs", jobs] if jobs else [])


def add_sample(row: Row, command: list[str], folder: Path) -> None:
    """Measure one build into ``row``, with the pages and bytes of the site it left."""
    row.samples.append(measure(command, folder))
    row.pages, row.output_bytes = tree_size(folder / "_site")


def papershelf_rows(
    size: int, reps: int, query: str, jobs: str | None, check_up_to: int
) -> tuple[list[Row], list[str]]:
    """Full, no-op and one-change builds of one corpus, the identity check and the first search."""
    folder = corpus_dir(size)
    command = build_command("_site", jobs)
    rows = {name: Row(size, "papershelf", name) for name in SCENARIOS}
    notes = []
    for rep in range(reps):
        last = rep == reps - 1
        remove_tree(folder / "_site")
        remove_tree(folder / ".papershelf-cache")
        settle()
        add_sample(rows["full"], command, folder)
        if last:
            notes += measure_first_search(folder, size, query, rows["full"])
            notes.append(cold_cache_note(folder, size, jobs))
        add_sample(rows["no-op"], command, folder)
        path, original = change_one_abstract(folder / "seeds", rep)
        try:
            add_sample(rows["one change"], command, folder)
            if last:
                notes.append(identity_note(folder, size, check_up_to))
        finally:
            path.write_bytes(original)
    return list(rows.values()), notes


def measure_first_search(folder: Path, size: int, query: str, row: Row) -> list[str]:
    """Record the first search's bytes on the built site in ``row``; a note if it failed."""
    try:
        row.search_bytes, row.search_requests = first_search_bytes(
            folder / "_site", query, "#search-results li.search-result"
        )
    except Exception as exc:  # e.g. an index too large for the browser: say so, go on
        return [f"{size} papers: first search not measured: {str(exc).splitlines()[0]}"]
    return []


def cold_cache_note(folder: Path, size: int, jobs: str | None) -> str:
    """The time of a full build that compiles every template, as a note."""
    # The rows' full builds find the templates compiled by an earlier build (kept in the
    # user's cache, as Python keeps .pyc files); this one compiles them, as the first build
    # after installing papershelf or editing every template would.
    with tempfile.TemporaryDirectory(prefix="papershelf-bench-cache-") as empty_cache:
        settle()
        env = {**os.environ, "XDG_CACHE_HOME": empty_cache}
        sample = measure(build_command("_cold", jobs), folder, env)
    remove_tree(folder / "_cold")
    remove_tree(folder / ".papershelf-cache" / "_cold")
    return (
        f"{size} papers: full build with no compiled templates in the user cache: "
        f"{sample.seconds:.2f} s"
    )


def identity_note(folder: Path, size: int, check_up_to: int) -> str:
    """Whether the one-change site equals a clean serial build without cache, as a note."""
    if size > check_up_to:
        return (
            f"{size} papers: byte-identity with a clean serial build not checked here "
            f"(--check-identity-up-to {check_up_to}); the tests prove it on every build path"
        )
    clean = [sys.executable, "-m", "generator", "build", "--seeds", "seeds"]
    clean += ["--out", "_clean", "--no-cache", "--jobs", "1"]
    remove_tree(folder / "_clean")
    measure(clean, folder)
    differ = same_tree(folder / "_site", folder / "_clean")
    remove_tree(folder / "_clean")
    return f"{size} papers: one-change build vs clean serial build without cache: " + (
        "byte-identical" if not differ else f"{len(differ)} files differ: {differ[:5]}"
    )
