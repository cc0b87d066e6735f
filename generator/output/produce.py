"""Produce stage: run the render and index stages over the corpus, reusing and parallelising.

The site's content is cut into units: one per page, and file jobs (``papers.json``, the search
payload, the feeds, the sitemap). A page has a key, a hash of everything its output depends on; a
page whose key the previous build also had is hard-linked from the previous site, the others are
rendered. Where there are several CPUs, forked workers and this process share the units out, each
keying, linking or rendering the ones it takes. Workers are forked, so they share the corpus and
the compiled templates without copying them; this process reserves every file's place in the
SiteWriter (so the writer's checks hold) and whoever makes the file writes it into that place, so
the output does not depend on which process finished first.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import BytecodeCache, TemplateError

from generator.errors import BuildError
from generator.fingerprint import digest
from generator.model import Corpus
from generator.output.cache import BuildCache
from generator.output.page_keys import PageKeys
from generator.output.writer import SiteWriter, link_reserved, write_reserved
from generator.pages.render import make_environment, render_page
from generator.pages.site import Page
from generator.read.config import SiteConfig

# A unit's files: (path below the site root, the place reserved for it in the staging folder,
# whether the writer made its folder already).
Places = list[tuple[str, str, bool]]
# What became of a unit: its page key (None for a file job, or without a cache) and whether its
# files were made afresh (False: linked from the previous site).
Produced = tuple[str | None, bool]
# Pages per task sent to a worker: at most CHUNK_PAGES (the pipe's overhead stays low), fewer as
# the work runs out (a share of what is left, at least MIN_CHUNK_PAGES), so that no process is
# left with a long chunk while the others are done.
CHUNK_PAGES = 64
MIN_CHUNK_PAGES = 4
# Chunks handed to each worker ahead of the one it is making: it never waits for this process,
# which hands them out only between pieces of its own work.
CHUNKS_AHEAD = 3
# Pages this process makes between looking at the workers: few, so it keeps them supplied.
OWN_PIECE_PAGES = 4
PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent dies
MIN_PARALLEL_UNITS = 2  # below this, forking costs more than it saves

# What forked workers read: set by the parent just before the pool forks.
_shared: Producer | None = None


def _worker_start(lock_fd: int | None) -> None:
    # A worker must neither outlive a killed build nor keep its staging folder locked: the lock is
    # how the next build tells a running build's folder from one that a killed build left.
    if lock_fd is not None:
        with contextlib.suppress(OSError):
            os.close(lock_fd)
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _make_chunk(staging: Path, tasks: list[tuple[int, Places]]) -> list[tuple[int, Produced]]:
    """Make (or reuse) the units of one chunk into the places the parent reserved for them; returns
    what became of each unit, by number."""
    producer = _shared
    return [(number, producer.produce(staging, number, places)) for number, places in tasks]


# A file's text: whole, or as parts written one after another (a large file is never held whole).
Text = str | Iterable[str]


@dataclass(frozen=True)
class FileJob:
    """Files made afresh on every build (papers.json, the search payload, the feeds), on the
    workers beside the pages: their paths, and the function that makes their texts in that order
    (each text is written before the next is made, so a large payload is never held whole)."""

    paths: tuple[str, ...]
    make: Callable[[], Iterable[Text]]

    @classmethod
    def one_file(cls, path: str, make: Callable[[], Text]) -> FileJob:
        """The job of a single file whose text ``make()`` returns."""
        return cls((path,), lambda: [make()])


class Producer:
    """Renders the pages of one corpus and writes them with the file jobs (``papers.json``, the
    search payload, the feeds), reusing from the previous site what it can.

    Units are added as they become known: ``write_while`` writes the first ones in this process while
    the discovery stage still runs elsewhere, ``write_content`` all the others, on workers and in
    this process."""

    def __init__(
        self,
        templates: Path | Sequence[Path],
        config: SiteConfig,
        corpus: Corpus,
        code: str,
        cache: BuildCache | None,
        jobs: int | None,
        *,
        readable: Sequence[Path] = (),
        dev_reload: bool = False,
        bytecode_cache: BytecodeCache | None = None,
    ):
        self.environment = make_environment(
            templates,
            config,
            readable=readable,
            dev_reload=dev_reload,
            bytecode_cache=bytecode_cache,
        )
        self.config = config
        self.corpus = corpus
        self.cache = cache
        self.jobs = max(1, jobs if jobs is not None else os.cpu_count() or 1)
        self.units: list[Page | FileJob] = []
        self._complete: list[Callable[[Page], Page] | None] = []  # of each unit, see ``add``
        self._next = 0  # units before this one are written (or reused)
        self.rendered = 0
        self.keys: dict[str, str] = {}  # each file's unit key, for the cache's manifest
        # Seconds of each part as it ran: pages (rendered and written, here and on workers, until
        # the last one was written).
        self.timings: dict[str, float] = {}
        # Every output depends on the code and the config; every page on the collections as well.
        self.page_keys = PageKeys(
            digest(code, repr(config), repr(dev_reload), repr(corpus.collections))
        )

    @property
    def pages(self) -> list[Page]:
        """Every page added so far, in order."""
        return [unit for unit in self.units if isinstance(unit, Page)]

    @property
    def page_count(self) -> int:
        """How many pages were added."""
        return sum(isinstance(unit, Page) for unit in self.units)

    def add(
        self, units: list[Page | FileJob], complete: Callable[[Page], Page] | None = None
    ) -> None:
        """Queue pages and file jobs, to be written in the order added. ``complete(page)``, if given,
        gives each of these pages its whole context where the page is made (on the workers, side by
        side), rather than here before any is made (it took seconds on a large site)."""
        self.units += units
        self._complete += [complete] * len(units)

    def unit(self, number: int) -> Page | FileJob:
        """Unit ``number`` as it is made: a page with its whole context."""
        complete = self._complete[number]
        return self.units[number] if complete is None else complete(self.units[number])

    def render(self, page: Page) -> bytes:
        """One page as the bytes of its file."""
        return render_page(self.environment, page, self.corpus).encode("utf-8")

    def make(self, unit: Page | FileJob) -> Iterator[Iterable[bytes]]:
        """The bytes of a unit's files, one file at a time, each in one or more parts."""
        if isinstance(unit, Page):
            yield (self.render(unit),)
        else:
            for text in unit.make():
                parts = (text,) if isinstance(text, str) else text
                yield (part.encode("utf-8") for part in parts)

    def unit_paths(self, number: int) -> tuple[str, ...]:
        """The paths below the site root of unit ``number``'s files."""
        unit = self.units[number]
        return (unit.path,) if isinstance(unit, Page) else unit.paths

    def produce(self, staging: Path, number: int, places: Places) -> Produced:
        """Write unit ``number``'s files into the places reserved for them: a page whose key the
        previous build also had is linked from the previous site, anything else is made afresh."""
        unit = self.unit(number)
        keyed = self.cache is not None and isinstance(unit, Page)
        key = self.page_keys.key(unit) if keyed else None
        previous = self.cache.reusable(key) if key is not None else None
        if previous is not None:
            ((rel_path, target, folder_made),) = places
            with _naming_failures(rel_path):
                link_reserved(staging, target, self.cache.path_of(unit.path), folder_made)
            return key, False
        for (rel_path, target, folder_made), data in zip(places, self.make(unit), strict=True):
            with _naming_failures(rel_path):
                write_reserved(staging, target, data, folder_made)
        return key, True

    def reserve_places(self, writer: SiteWriter, number: int) -> Places:
        """Reserve the places of unit ``number``'s files in the writer (which checks each path)."""
        places = []
        for path in self.unit_paths(number):
            target = str(writer.reserve(path))
            places.append((path, target, writer.folder_made(path)))
        return places

    def _done(self, number: int, produced: Produced) -> None:
        """Note what became of unit ``number``: its files' keys, and whether they were made afresh."""
        key, afresh = produced
        paths = self.unit_paths(number)
        self.keys.update(dict.fromkeys(paths, key or ""))  # "": a file job, made every time
        if afresh:
            self.rendered += len(paths)

    def write_while(
        self, writer: SiteWriter, busy: Callable[[], bool], ahead: Iterable[str] = ()
    ) -> None:
        """Write the queued units one by one in this process for as long as ``busy()`` says the
        process has nothing better to do (the discovery stage still runs beside it); then, while
        it still does, compile the templates and make the folders of the files ``ahead``."""
        while self._next < len(self.units) and busy():
            number = self._next
            self._next += 1
            self._done(number, self.produce_here(writer, number))
        # Still waiting: compile the templates of the pages to come (the workers inherit them).
        templates = iter(self.environment.list_templates())
        while busy() and (name := next(templates, None)) is not None:
            # A broken template is reported when its page renders, naming the template and line.
            with contextlib.suppress(TemplateError):
                self.environment.get_template(name)
        paths = iter(ahead)
        while busy() and (path := next(paths, None)) is not None:
            writer.prepare(path)

    def write_content(
        self, writer: SiteWriter, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, str]:
        """Write every unit not written yet; returns each file's unit key. ``progress(done,
        total)`` is called as pages are reused or written."""
        total = self.page_count
        done = sum(isinstance(unit, Page) for unit in self.units[: self._next])
        todo = list(range(self._next, len(self.units)))
        self._next = len(self.units)
        started = last_page = time.perf_counter()
        for number, produced in self._produce(todo, writer):
            self._done(number, produced)
            if isinstance(self.units[number], Page):
                done += 1
                if progress is not None:
                    progress(done, total)
                last_page = time.perf_counter()
        self.timings["pages"] = last_page - started
        return self.keys

    def _produce(self, todo: list[int], writer: SiteWriter) -> Iterator[tuple[int, Produced]]:
        """Make (or reuse) and write every unit of ``todo``; yield each unit's number and what
        became of it once it is written.

        With ``jobs`` processes, this one is the last of them: it hands chunks of units to
        ``jobs - 1`` forked workers and makes chunks itself between handing them out, rather than
        wait (one process fewer holding its own copy of what it touches). Workers write the files
        themselves, into paths this process reserved in the writer (so its checks hold), and send
        back only the pages' keys."""
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        if self.jobs == 1 or method is None or len(todo) < MIN_PARALLEL_UNITS:
            for number in todo:
                yield number, self.produce_here(writer, number)
            return
        workers = min(self.jobs, len(todo)) - 1
        with self._worker_pool(multiprocessing.get_context(method), workers, writer) as pool:
            yield from _Dispatch(self, pool, workers, writer, todo).run()

    def produce_here(self, writer: SiteWriter, number: int) -> Produced:
        """Make (or reuse) unit ``number`` in this process, into the places reserved for it."""
        return self.produce(writer.staging, number, self.reserve_places(writer, number))

    @contextlib.contextmanager
    def _worker_pool(self, context, workers: int, writer: SiteWriter) -> Iterator:
        """A pool of forked workers that inherit this producer (templates compiled, memory frozen
        so that their collector does not copy it) and close the staging folder's lock."""
        global _shared
        # Compile every template once here, so the workers inherit them instead of each compiling.
        for template in sorted({page.template for page in self.pages}):
            # A broken template is reported when its page renders, naming the template and line.
            with contextlib.suppress(TemplateError):
                self.environment.get_template(template)
        _shared = self
        # Frozen objects are left alone by the collector, so the workers do not touch (and so copy)
        # every page of memory they inherited when they collect garbage.
        gc.freeze()
        pool = context.Pool(workers, _worker_start, (writer.lock_descriptor,))
        try:
            yield pool
            pool.close()
        finally:
            pool.terminate()
            pool.join()
            gc.unfreeze()
            _shared = None


class _Dispatch:
    """Shares the units between the workers and this process. Each file job is a chunk of its own,
    ahead of the pages (so the search payload, the longest unit of all, goes to a worker early);
    the pages go in chunks. The workers take chunks from the front, a few ahead, and report them as
    they finish; this process takes small pieces from the back whenever the workers have enough in
    hand."""

    def __init__(self, producer: Producer, pool, workers: int, writer: SiteWriter, todo: list[int]):
        self.producer, self.pool, self.writer = producer, pool, writer
        self.ahead = CHUNKS_AHEAD * workers
        units = producer.units
        self.pending = deque(n for n in todo if isinstance(units[n], FileJob))
        self.pending += (n for n in todo if isinstance(units[n], Page))
        self.finished: queue.SimpleQueue = queue.SimpleQueue()
        self.outstanding = 0

    def run(self) -> Iterator[tuple[int, Produced]]:
        """Every unit's number and what became of it, as each is written."""
        while self.pending or self.outstanding:
            while self.pending and self.outstanding < self.ahead:
                self.hand_out(self.next_chunk())
            while self.outstanding and not self.finished.empty():
                yield from self.take()
            if self.pending:
                for _ in range(min(OWN_PIECE_PAGES, len(self.pending))):
                    number = self.pending.pop()
                    yield number, self.producer.produce_here(self.writer, number)
            elif self.outstanding:
                yield from self.take()

    def next_chunk(self) -> list[int]:
        """The next units for a worker: a file job alone, or pages, fewer as the work runs out."""
        if isinstance(self.producer.units[self.pending[0]], FileJob):
            return [self.pending.popleft()]
        share = len(self.pending) // (2 * self.producer.jobs)
        size = min(len(self.pending), CHUNK_PAGES, max(MIN_CHUNK_PAGES, share))
        return [self.pending.popleft() for _ in range(size)]

    def hand_out(self, chunk: list[int]) -> None:
        """Reserve the chunk's places and send it to a worker."""
        tasks = [(n, self.producer.reserve_places(self.writer, n)) for n in chunk]
        self.pool.apply_async(
            _make_chunk,
            (self.writer.staging, tasks),
            callback=lambda results: self.finished.put((results, None)),
            error_callback=lambda error: self.finished.put(([], error)),
        )
        self.outstanding += 1

    def take(self) -> list[tuple[int, Produced]]:
        """The results of the next chunk a worker finished (waiting for one); its error, raised."""
        results, error = self.finished.get()
        self.outstanding -= 1
        if error is not None:
            raise error
        return results


@contextlib.contextmanager
def _naming_failures(rel_path: str) -> Iterator[None]:
    """Report a failure to write a file as a build error naming the file."""
    try:
        yield
    except OSError as exc:
        raise BuildError(f"cannot write {rel_path}: {exc.strerror or exc}") from None
