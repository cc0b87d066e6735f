"""Produce stage: run the render and index stages over the corpus, reusing and parallelising.

The site's content is cut into units: one per page, ``papers.json`` and the search payload. Each unit
has a key, a hash of everything its output depends on; a unit whose key the previous build also had
is hard-linked from the previous site, and the others are produced, on worker processes when there
are several CPUs. Workers are forked, so they share the corpus and the compiled templates without
copying them; they return bytes, and this process writes every file itself through the SiteWriter, so
the writer's checks hold and the output does not depend on which worker finished first.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from jinja2 import TemplateError

from generator import index
from generator.cache import BuildCache, digest
from generator.config import SiteConfig
from generator.model import Corpus
from generator.render import (
    PAPERS_JSON_PATH,
    Page,
    make_environment,
    papers_json,
    render_page,
    site_pages,
)
from generator.write import SiteWriter

CHUNK_PAGES = 64  # pages per task sent to a worker: large enough to keep the pipe overhead low
PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent dies
MIN_PARALLEL_UNITS = 2  # below this, forking costs more than it saves

# What forked workers read: set by the parent just before the pool forks.
_shared: Producer | None = None


def search_files(corpus: Corpus) -> list[tuple[str, bytes]]:
    """The files of the search payload, as (path below the site root, bytes)."""
    return [(path, text.encode("utf-8")) for path, text in index.search_files(corpus)]


def timed_search_files(corpus: Corpus) -> tuple[list[tuple[str, bytes]], float]:
    """``search_files`` and the seconds it took where it ran."""
    started = time.perf_counter()
    files = search_files(corpus)
    return files, time.perf_counter() - started


def _worker_start(lock_fd: int | None) -> None:
    # A worker must neither outlive a killed build nor keep its staging folder locked: the lock is
    # how the next build tells a running build's folder from one that a killed build left.
    if lock_fd is not None:
        with contextlib.suppress(OSError):
            os.close(lock_fd)
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _render_chunk(indices: list[int]) -> list[bytes]:
    producer = _shared
    return [producer.render(producer.pages[i]) for i in indices]


def _search_to_pipe(connection, lock_fd: int | None) -> None:
    # A process of its own, not a pool worker: pool workers are daemons, and the index stage may
    # start processes of its own for a large corpus, which a daemon may not.
    _worker_start(lock_fd)
    try:
        connection.send(("ok", timed_search_files(_shared.corpus)))
    except BaseException as exc:
        connection.send(("error", exc))
    finally:
        connection.close()


class Producer:
    """Renders the pages and builds the search payload of one corpus, reusing what it can."""

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
        self.pages = site_pages(corpus, config)
        self.page_count = len(self.pages)
        self.rendered = 0
        self._writer: SiteWriter | None = None  # set by write_content; workers close its lock
        # Seconds of each part as it ran: pages (rendered and written, here and on workers, until
        # the last one was written) and the search payload (where it was built, maybe beside them).
        self.timings: dict[str, float] = {}
        # Every output depends on the code and the config; every page on the collections as well.
        base = digest(code, repr(config), repr(dev_reload))
        self.page_base = digest(base, repr(corpus.collections))
        papers = repr(corpus.papers)
        self.papers_json_key = digest(base, "papers.json", papers)
        self.search_key = digest(base, "search", papers, repr(corpus.collections))

    def page_key(self, page: Page) -> str:
        """The key of one page: its path, template and context."""
        return digest(self.page_base, page.path, page.template, repr(sorted(page.context.items())))

    def render(self, page: Page) -> bytes:
        """One page as the bytes of its file."""
        return render_page(self.environment, page, self.corpus).encode("utf-8")

    def _reuse(self, writer: SiteWriter, key: str, keys: dict[str, str]) -> bool:
        paths = self.cache.reusable(key) if self.cache is not None else None
        if paths is None:
            return False
        for path in paths:
            writer.link_file(self.cache.path_of(path), path)
            keys[path] = key
        return True

    def write_content(
        self, writer: SiteWriter, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, str]:
        """Write every page, papers.json and the search payload; returns each file's unit key.
        ``progress(done, total)`` is called as pages are reused or written."""
        keys: dict[str, str] = {}
        self._writer = writer
        todo: list[int] = []
        total = len(self.pages)
        done = 0
        for number, page in enumerate(self.pages):
            key = self.page_key(page)
            if self._reuse(writer, key, keys):
                done += 1
            else:
                todo.append(number)
                keys[page.path] = key
        if progress is not None and done:
            progress(done, total)
        if not self._reuse(writer, self.papers_json_key, keys):
            writer.write_bytes(
                PAPERS_JSON_PATH, papers_json(self.corpus, self.config).encode("utf-8")
            )
            keys[PAPERS_JSON_PATH] = self.papers_json_key
            self.rendered += 1
        need_search = not self._reuse(writer, self.search_key, keys)

        search_result: list[tuple[str, bytes]] = []

        def on_search(files: list[tuple[str, bytes]], seconds: float) -> None:
            search_result.extend(files)
            self.timings["search payload"] = seconds

        started = last_page = time.perf_counter()
        for number, data in self._produce(todo, need_search, on_search):
            writer.write_bytes(self.pages[number].path, data)
            self.rendered += 1
            done += 1
            if progress is not None:
                progress(done, total)
            last_page = time.perf_counter()
        self.timings["pages"] = last_page - started
        for path, data in search_result:
            writer.write_bytes(path, data)
            keys[path] = self.search_key
            self.rendered += 1
        return keys

    def _produce(
        self, todo: list[int], need_search: bool, on_search: Callable[[list, float], None]
    ) -> Iterator[tuple[int, bytes]]:
        """Yield (page number, bytes) in page order; hand the search files to ``on_search``."""
        units = len(todo) + need_search
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        if self.jobs == 1 or method is None or units < MIN_PARALLEL_UNITS:
            for number in todo:
                yield number, self.render(self.pages[number])
            if need_search:
                on_search(*timed_search_files(self.corpus))
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
        pool = None
        if todo:
            pool = context.Pool(min(self.jobs, len(todo)), _worker_start, (lock_fd,))
        search = None
        try:
            # The search payload is the largest single task: start it first, beside the pages.
            if need_search:
                receiver, sender = context.Pipe(duplex=False)
                search = context.Process(target=_search_to_pipe, args=(sender, lock_fd))
                search.start()
                sender.close()
            chunks = [todo[i : i + CHUNK_PAGES] for i in range(0, len(todo), CHUNK_PAGES)]
            if pool is not None:
                for chunk, results in zip(chunks, pool.imap(_render_chunk, chunks), strict=True):
                    yield from zip(chunk, results, strict=True)
                pool.close()
            if search is not None:
                status, result = receiver.recv()
                search.join()
                if status == "error":
                    raise result
                on_search(*result)
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
            if search is not None and search.is_alive():
                search.terminate()
                search.join()
            gc.unfreeze()
            _shared = None
