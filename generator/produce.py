"""Produce stage: run the render and index stages over the corpus, reusing and parallelising.

The site's content is cut into units: one per page, and file jobs (``papers.json``, the search
payload, the feeds, the sitemap). A page has a key, a hash of everything its output depends on; a
page whose key the previous build also had is hard-linked from the previous site. The other units
are made on worker processes when there are several CPUs. Workers are forked, so they share the
corpus and the compiled templates without copying them; this process reserves every file's place
in the SiteWriter (so the writer's checks hold) and the workers write into those places, so the
output does not depend on which worker finished first.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import inspect
import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateError

from generator.cache import BuildCache, digest
from generator.config import SiteConfig
from generator.errors import BuildError
from generator.model import Corpus
from generator.render import Page, make_environment, render_page
from generator.write import SiteWriter, write_reserved

CHUNK_PAGES = 64  # pages per task sent to a worker: large enough to keep the pipe overhead low
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


def _make_chunk(staging: Path, tasks: list[tuple[int, list[tuple[str, str]]]]) -> None:
    """Make the units of one chunk and write each file to the place the parent reserved for it."""
    producer = _shared
    for number, places in tasks:
        for (rel_path, target), data in zip(places, producer.make(number), strict=True):
            try:
                write_reserved(staging, target, data)
            except OSError as exc:
                raise BuildError(f"cannot write {rel_path}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class FileJob:
    """Files made afresh on every build (papers.json, the search payload, the feeds), on the
    workers beside the pages: their paths, and the function that makes their texts in that order."""

    paths: tuple[str, ...]
    make: Callable[[], list[str]]

    @classmethod
    def one_file(cls, path: str, make: Callable[[], str]) -> FileJob:
        """The job of a single file whose text ``make()`` returns."""
        return cls((path,), lambda: [make()])


class Producer:
    """Renders the pages of one corpus and writes them with the file jobs (``papers.json``, the
    search payload, the feeds), reusing from the previous site what it can.

    Units are added as they become known: ``write_while`` writes the first ones in this process while
    the discovery stage still runs elsewhere, ``write_content`` all the others on workers."""

    def __init__(
        self,
        templates_dir: Path,
        config: SiteConfig,
        corpus: Corpus,
        code: str,
        cache: BuildCache | None,
        jobs: int | None,
        *,
        dev_reload: bool = False,
    ):
        self.environment = make_environment(templates_dir, config, dev_reload=dev_reload)
        self.config = config
        self.corpus = corpus
        self.cache = cache
        self.jobs = max(1, jobs if jobs is not None else os.cpu_count() or 1)
        self.units: list[Page | FileJob] = []
        self._next = 0  # units before this one are written (or reused)
        self.rendered = 0
        self.keys: dict[str, str] = {}  # each file's unit key, for the cache's manifest
        self._writer: SiteWriter | None = None  # set by write_content; workers close its lock
        # Seconds of each part as it ran: pages (rendered and written, here and on workers, until
        # the last one was written).
        self.timings: dict[str, float] = {}
        self._digests: dict[object, tuple[str, object]] = {}
        # Every output depends on the code and the config; every page on the collections as well.
        self.page_base = digest(code, repr(config), repr(dev_reload), repr(corpus.collections))

    @property
    def pages(self) -> list[Page]:
        """Every page added so far, in order."""
        return [unit for unit in self.units if isinstance(unit, Page)]

    @property
    def page_count(self) -> int:
        """How many pages were added."""
        return sum(isinstance(unit, Page) for unit in self.units)

    def add(self, units: list[Page | FileJob]) -> None:
        """Queue pages and file jobs, to be written in the order added."""
        self.units += units

    def page_key(self, page: Page) -> str:
        """The key of one page: its path, template and context."""
        values = [
            f"{name}={self._value_digest(page.context[name])}" for name in sorted(page.context)
        ]
        return digest(self.page_base, page.path, page.template, *values)

    def _value_digest(self, value: object) -> str:
        """The digest of one context value, built from its parts: a record (a frozen dataclass), a
        tuple or a bound method is digested once per object, since pages share them (a topic with
        thousands of paper ids is on every page of its papers); lists and dicts are made per page
        but hold shared records. Anything else is digested by its repr."""
        if inspect.ismethod(value):  # a new object at each access: key it by owner and function
            key: object = ("method", id(value.__self__), value.__func__)
        elif isinstance(value, (str, int, float, bool, type(None))):
            return digest(type(value).__name__, repr(value))
        else:
            key = id(value)
        found = self._digests.get(key)
        if found is not None:
            return found[0]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts = [type(value).__qualname__]
            for item in dataclasses.fields(value):
                if not item.compare:  # not part of what the value is (timings, caches)
                    continue
                parts += [item.name, self._value_digest(getattr(value, item.name))]
            result = digest(*parts)
        elif isinstance(value, (tuple, list)):
            result = digest(type(value).__name__, *map(self._value_digest, value))
        elif isinstance(value, dict):
            result = digest(
                "dict",
                *(
                    part
                    for k, v in sorted(value.items())
                    for part in (repr(k), self._value_digest(v))
                ),
            )
        else:
            result = digest(type(value).__qualname__, repr(value))
        if isinstance(value, (list, dict)):
            return result  # mutable and made per page: its id may be reused by the next page's
        # The value is kept alive with its digest, so its id cannot be reused by another.
        self._digests[key] = (result, value)
        return result

    def render(self, page: Page) -> bytes:
        """One page as the bytes of its file."""
        return render_page(self.environment, page, self.corpus).encode("utf-8")

    def make(self, number: int) -> list[bytes]:
        """The bytes of unit ``number``'s files."""
        unit = self.units[number]
        if isinstance(unit, Page):
            return [self.render(unit)]
        return [text.encode("utf-8") for text in unit.make()]

    def unit_paths(self, number: int) -> tuple[str, ...]:
        """The paths below the site root of unit ``number``'s files."""
        unit = self.units[number]
        return (unit.path,) if isinstance(unit, Page) else unit.paths

    def _reused(self, writer: SiteWriter, number: int) -> bool:
        """Link a page from the previous site if its key is unchanged; note the key either way.
        File jobs are made afresh every time."""
        unit = self.units[number]
        if not isinstance(unit, Page):
            self.keys.update(dict.fromkeys(unit.paths, ""))
            return False
        if self.cache is None:  # nothing to reuse, and no manifest to save the keys in
            return False
        key = self.page_key(unit)
        self.keys[unit.path] = key
        paths = self.cache.reusable(key)
        if paths is None:
            return False
        for path in paths:
            writer.link_file(self.cache.path_of(path), path)
            self.keys[path] = key
        return True

    def _write_here(self, writer: SiteWriter, number: int) -> None:
        """Make unit ``number`` and write its files from this process."""
        for path, data in zip(self.unit_paths(number), self.make(number), strict=True):
            writer.write_bytes(path, data)

    def write_while(self, writer: SiteWriter, busy: Callable[[], bool]) -> None:
        """Write the queued units one by one in this process for as long as ``busy()`` says the
        process has nothing better to do (the discovery stage still runs beside it)."""
        while self._next < len(self.units) and busy():
            number = self._next
            self._next += 1
            if not self._reused(writer, number):
                self._write_here(writer, number)
                self.rendered += len(self.unit_paths(number))

    def write_content(
        self, writer: SiteWriter, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, str]:
        """Write every unit not written yet; returns each file's unit key. ``progress(done,
        total)`` is called as pages are reused or written."""
        self._writer = writer
        total = self.page_count
        done = sum(isinstance(unit, Page) for unit in self.units[: self._next])
        todo: list[int] = []
        for number in range(self._next, len(self.units)):
            if self._reused(writer, number):
                done += 1
            else:
                todo.append(number)
        self._next = len(self.units)
        if progress is not None and done:
            progress(done, total)
        started = last_page = time.perf_counter()
        for number in self._produce(todo, writer):
            self.rendered += len(self.unit_paths(number))
            if isinstance(self.units[number], Page):
                done += 1
                if progress is not None:
                    progress(done, total)
                last_page = time.perf_counter()
        self.timings["pages"] = last_page - started
        return self.keys

    def _produce(self, todo: list[int], writer: SiteWriter) -> Iterator[int]:
        """Make and write every unit of ``todo``; yield each unit's number once it is written.
        Workers write the files themselves, into paths this process reserved in the writer
        (so its checks hold), and send nothing back but that they are done."""
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        if self.jobs == 1 or method is None or len(todo) < MIN_PARALLEL_UNITS:
            for number in todo:
                self._write_here(writer, number)
                yield number
            return
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
        context = multiprocessing.get_context(method)
        lock_fd = getattr(self._writer, "_lock", None)
        workers = min(self.jobs, len(todo))
        pool = context.Pool(workers, _worker_start, (lock_fd,))
        try:
            # Each file job is a task of its own (the search payload is the longest of all); the
            # pages go in chunks. Chunks are reserved a few ahead of the workers and reported as
            # they finish, in whatever order.
            chunks: list[list[int]] = [[n] for n in todo if isinstance(self.units[n], FileJob)]
            page_numbers = [n for n in todo if isinstance(self.units[n], Page)]
            chunks += [
                page_numbers[i : i + CHUNK_PAGES] for i in range(0, len(page_numbers), CHUNK_PAGES)
            ]
            finished: queue.SimpleQueue = queue.SimpleQueue()
            outstanding = 0

            def take() -> list[int]:
                nonlocal outstanding
                done_chunk, error = finished.get()
                outstanding -= 1
                if error is not None:
                    raise error
                return done_chunk

            for chunk in chunks:
                tasks = [
                    (n, [(path, str(writer.reserve(path))) for path in self.unit_paths(n)])
                    for n in chunk
                ]
                pool.apply_async(
                    _make_chunk,
                    (writer.staging, tasks),
                    callback=lambda _, chunk=chunk: finished.put((chunk, None)),
                    error_callback=lambda error, chunk=chunk: finished.put((chunk, error)),
                )
                outstanding += 1
                while outstanding > 3 * workers or (outstanding and not finished.empty()):
                    yield from take()
            while outstanding:
                yield from take()
            pool.close()
        finally:
            pool.terminate()
            pool.join()
            gc.unfreeze()
            _shared = None
