"""Discovery stage: related papers, topics and the map, all from one tf-idf matrix of the corpus.

It runs after the model stage and before rendering; its results are plain data handed to the templates
and to ``papers.json``. ``timings`` records the CPU seconds each step took, for the benchmark.

``start_discovery`` runs it in a forked child process where the platform allows, started before the
corpus is read (a small one) or as soon as it is (a large one): it (and the import of scipy, which
this module leaves to the child) overlaps with the read, the rest of the build's imports and the
search index, made meanwhile in the parent.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import pickle
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from generator.errors import BuildError
from generator.model import Corpus
from generator.read.config import SiteConfig

if TYPE_CHECKING:
    import numpy as np

    from generator.discover.related import RelatedPaper
    from generator.discover.topics import TopicModel


@dataclass(frozen=True)
class Discovery:
    """What the build found out about the corpus as a whole."""

    related: dict[str, tuple[RelatedPaper, ...]]
    topics: TopicModel
    positions: dict[str, tuple[float, float]]  # map position of each paper, in [0, 1]
    # Per paper (rows in corpus order) its nearest papers' rows, best first, -1 past the last;
    # the search engine ranks up the papers near the best matches (docs/search.md).
    nearest: np.ndarray
    timings: dict[str, float] = field(default_factory=dict, compare=False)


def load_libraries() -> None:
    """Import the numerical libraries the stage uses (the benchmark times this on its own)."""
    import numpy  # noqa: F401
    import scipy.sparse  # noqa: F401


def discover(corpus: Corpus, config: SiteConfig) -> Discovery:
    """Vectorise the papers, then find each one's related papers, the topics and the map layout."""
    # One BLAS thread: sums then run in one order on every machine (the same topics on every
    # build), and a busy machine's cores are not fought over by spinning threads.
    # The BLAS libraries must be loaded before the limit is set, or it does not reach them.
    load_libraries()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _discover(corpus, config)


def _discover(corpus: Corpus, config: SiteConfig) -> Discovery:
    from generator.discover.layout import map_positions
    from generator.discover.related import EXACT_UP_TO, nearest_neighbours, related_papers
    from generator.discover.topics import find_topics
    from generator.discover.vectors import EMBEDDING_DIMENSIONS, embedding, term_vectors

    timings: dict[str, float] = {}  # CPU seconds per step
    clock = time.process_time()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.process_time()
        timings[name] = now - clock
        clock = now

    vectors = term_vectors(corpus.papers)
    lap("tf-idf")
    # A small corpus needs the embedding only to start the map layout: a few axes are enough.
    embedded = embedding(vectors, 16 if len(corpus.papers) <= EXACT_UP_TO else EMBEDDING_DIMENSIONS)
    lap("embedding")
    neighbours = nearest_neighbours(vectors, embedded)
    lap("neighbours")
    related = related_papers(vectors, neighbours)
    lap("related")
    topics = find_topics(vectors, config.topics)
    lap("topics")
    order = {topic.slug: index for index, topic in enumerate(topics.topics)}
    memberships = [
        tuple(order[slug] for slug in topics.paper_topics.get(pid, ()) if slug in order)
        for pid in vectors.paper_ids
    ]
    positions = map_positions(embedded, neighbours, memberships, len(topics.topics))
    lap("layout")
    return Discovery(
        related=related,
        topics=topics,
        positions={
            pid: (float(x), float(y))
            for pid, (x, y) in zip(vectors.paper_ids, positions, strict=True)
        },
        nearest=neighbours.similar_rows(),
        timings=timings,
    )


# Up to this many bytes of dumps, the discovery child is started before the corpus is read: it
# imports scipy and its own modules (0.15 s) while this process reads, then the corpus is sent
# to it (the seeds, 0.9 MB of dumps, pickle to 0.9 MB in 3 ms). A larger corpus goes to a child
# forked once it is read, which shares the corpus's memory instead of holding a copy.
EARLY_START_BYTES = 8_000_000


class DiscoveryJob:
    """The discovery stage in a forked child process: ``start(corpus)`` gives it the corpus,
    ``result()`` waits for what it found.

    ``early``: the child is forked at once and prepares (imports its libraries) until it is given
    the corpus; else it is forked by ``start``, with the corpus."""

    def __init__(self, config: SiteConfig, early: bool):
        self._config = config
        self._result: Discovery | None = None
        self._process = None
        self._sender: threading.Thread | None = None
        self._forks = "fork" in multiprocessing.get_all_start_methods()
        if self._forks and early:
            self._fork(_waiting_child, config)

    def _fork(self, target, *args) -> None:
        # numpy first: this process needs it too (the search index), and the child inherits it
        # instead of importing it a second time (about 0.05 s of CPU, while both cores are busy).
        import numpy  # noqa: F401

        context = multiprocessing.get_context("fork")
        self._connection, theirs = context.Pipe(duplex=True)
        self._process = context.Process(target=target, args=(theirs, *args), daemon=True)
        self._process.start()
        theirs.close()

    def start(self, corpus: Corpus) -> None:
        """Give the child the corpus (forking it now if it is not running yet)."""
        if not self._forks:
            self._result = discover(corpus, self._config)  # no fork here: run it in place
        elif self._process is None:
            self._fork(_child, corpus, self._config)
        else:
            # Sent from a thread: the child takes it only once its imports are done, and a pipe
            # holds 64 KB; this process goes on meanwhile (the thread waits in the kernel, without
            # the GIL).
            data = pickle.dumps(corpus, protocol=pickle.HIGHEST_PROTOCOL)
            self._sender = threading.Thread(target=self._send, args=(data,), daemon=True)
            self._sender.start()

    def _send(self, data: bytes) -> None:
        # The child may have failed or been stopped; result() reports it.
        with contextlib.suppress(OSError):
            self._connection.send_bytes(data)

    def ready(self) -> bool:
        """Whether ``result()`` would return without waiting."""
        return self._result is not None or self._connection.poll()

    def result(self) -> Discovery:
        """The discovery, once the child has sent it; its exception if it failed."""
        if self._result is not None:
            return self._result
        try:
            outcome, payload = pickle.loads(self._connection.recv_bytes())
        except EOFError:
            raise BuildError("the discovery stage stopped without a result") from None
        finally:
            self._connection.close()
            self._process.join()
            self._join_sender()
        if outcome == "error":
            raise payload
        self._result = payload
        return payload

    def cancel(self) -> None:
        """Stop the child if it is still running (the build failed elsewhere)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._join_sender()  # its write fails at once now that nobody reads

    def _join_sender(self) -> None:
        # An interrupt inside Thread.start() can leave a thread that never ran: nothing to join.
        if self._sender is not None and self._sender.ident is not None:
            self._sender.join()


def _child(connection, corpus: Corpus, config: SiteConfig) -> None:
    # The child lives for one computation of arrays and plain values, which make no reference
    # cycles: the cyclic collector would only rescan its allocations (7 % of its time at 10,000
    # papers); it all goes when the child exits.
    gc.disable()
    try:
        message = ("ok", discover(corpus, config))
    except BaseException as exc:  # handed to the parent, which raises it
        message = ("error", exc)
    connection.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    connection.close()


def _waiting_child(connection, config: SiteConfig) -> None:
    gc.disable()
    load_libraries()
    from generator.discover import layout, related, topics, vectors  # noqa: F401 (what discover imports)

    try:
        corpus = pickle.loads(connection.recv_bytes())
    except EOFError:
        return  # the build stopped before it read the corpus
    _child(connection, corpus, config)


@contextlib.contextmanager
def start_discovery(config: SiteConfig, early: bool) -> Iterator[DiscoveryJob]:
    """A discovery job for the rest of the build (``early``: its child is started now, see
    ``DiscoveryJob``); the child is stopped if the build leaves the block without its result."""
    job = DiscoveryJob(config, early)
    try:
        yield job
    finally:
        job.cancel()
