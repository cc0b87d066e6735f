"""``papershelf serve``: build, serve under the base path, rebuild on changes, reload the browser.

The site is built into a temporary folder (``_site/`` is left alone) with the base URL set to the
server's own address, and with ``dev_reload`` on, so every page loads ``__papershelf__/reload.js``.
That script polls ``__papershelf__/status`` and reloads the page when the build number changes, or
shows the error of a failed build over the page, while the server keeps serving the last good site.
Only files inside the output folder are ever served: a request whose target is longer than
``MAX_TARGET_LENGTH`` characters is answered 414, one the file system refuses (a name too long, a
NUL byte, a path leaving the folder) 404, and the server goes on serving. Its folder is removed
however it stops: Ctrl-C, SIGTERM (turned into the same orderly stop) or an error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import html
import http.server
import json
import mimetypes
import os

# A build forks (its discovery stage, its page workers) while the watcher thread runs. A module that
# thread is importing at that moment stays locked in the forked child, which waits for it forever
# if it imports the module too. watchfiles.watch imports platform when it starts (to detect WSL):
# imported here first, the watcher thread imports nothing (a test checks it).
import platform  # noqa: F401
import shutil
import signal
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote

import watchfiles

from generator.assets import STATIC_DIR, TEMPLATES_DIR
from generator.build import build
from generator.errors import PapershelfError, ServeError
from generator.inputs import load_site_config, paths_of
from generator.options import BuildOptions
from generator.read.config import SiteConfig
from generator.read.paths import display_path

RELOAD_SCRIPT = Path(__file__).with_name("reload.js")
DEV_PREFIX = "__papershelf__/"
# The longest request target (path and query, as sent) answered other than 414: far above any path
# of a site (a file name is at most 255 bytes), far below http.server's own 64 KB request line.
MAX_TARGET_LENGTH = 2048
MAX_PORT = 65535


@dataclasses.dataclass
class BuildState:
    """The outcome of the latest build, shared by the watcher thread and the request handlers."""

    number: int = 0  # how many builds succeeded; the browser reloads when it changes
    error: str | None = None  # the message of the latest build if it failed
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def status_json(self) -> bytes:
        """What ``__papershelf__/status`` answers."""
        with self.lock:
            return json.dumps({"build": self.number, "error": self.error}).encode("utf-8")


def _error_page(message: str, base_path: str) -> bytes:
    """Shown while no build has succeeded yet; it reloads itself once one does."""
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        "<title>papershelf: build failed</title></head><body>"
        "<h1>The build failed</h1>"
        f"<pre>{html.escape(message)}</pre>"
        "<p>Fix the problem and save: this page reloads when the site builds.</p>"
        f'<script src="{html.escape(base_path)}{DEV_PREFIX}reload.js" defer></script>'
        "</body></html>\n"
    ).encode()


class SiteHandler(http.server.BaseHTTPRequestHandler):
    """Serves a built site's folder under its base path, and the live-reload endpoints; ``root``,
    ``base_path`` and ``state`` are set by ``make_handler``."""

    server_version = "papershelf-serve"
    root: Path
    base_path: str
    state: BuildState

    def do_GET(self) -> None:
        self._respond(head_only=False)

    def do_HEAD(self) -> None:
        self._respond(head_only=True)

    def log_message(self, format: str, *args: object) -> None:  # one line per build instead
        pass

    def _send(self, code: int, body: bytes, content_type: str, head_only: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _respond(self, head_only: bool) -> None:
        if len(self.path) > MAX_TARGET_LENGTH:
            body = f"request target longer than {MAX_TARGET_LENGTH} characters\n".encode()
            return self._send(414, body, "text/plain; charset=utf-8", head_only)
        # Split by hand: urlsplit reads a target starting with // as a host, and fails on //[ (an
        # http.server older than 3.10.12 and 3.11.4 does not collapse the leading slashes first).
        path, base_path = self.path.split("?", 1)[0].split("#", 1)[0], self.base_path
        if path != base_path and path in (base_path.rstrip("/"), "/"):
            return self._redirect(base_path)
        if not path.startswith(base_path):
            return self._not_found(head_only)
        rel = unquote(path[len(base_path) :])
        if rel.startswith(DEV_PREFIX):
            return self._dev_endpoint(rel[len(DEV_PREFIX) :], head_only)
        with self.state.lock:
            never_built, error = self.state.number == 0, self.state.error
        if never_built:
            page = _error_page(error or "building…", base_path)
            return self._send(503, page, "text/html; charset=utf-8", head_only)
        return self._site_file(path, rel, head_only)

    def _dev_endpoint(self, name: str, head_only: bool) -> None:
        """The build status the reload script polls, and the script itself."""
        if name == "status":
            return self._send(200, self.state.status_json(), "application/json", head_only)
        if name == "reload.js":
            body = RELOAD_SCRIPT.read_bytes()
            return self._send(200, body, "text/javascript; charset=utf-8", head_only)
        return self._not_found(head_only)

    def _site_file(self, path: str, rel: str, head_only: bool) -> None:
        """A file of the site (a folder's index.html), or the site's 404 page."""
        try:
            target = self._inside(rel)
            if target is not None and target.is_dir():
                if not path.endswith("/"):
                    return self._redirect(path + "/")
                target = target / "index.html"
            body = target.read_bytes() if target is not None and target.is_file() else None
        except (OSError, ValueError):  # a name too long for the file system, an unreadable file
            body = None
        if body is None:
            return self._not_found(head_only)
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith(("json", "xml")):
            content_type += "; charset=utf-8"
        return self._send(200, body, content_type, head_only)

    def _inside(self, rel: str) -> Path | None:
        """The file for a decoded path below the base, or None when it would leave the site."""
        if "\x00" in rel or "\\" in rel:
            return None
        target = (self.root / rel).resolve()
        return target if target.is_relative_to(self.root) else None

    def _not_found(self, head_only: bool) -> None:
        page = self.root / "404.html"
        body = page.read_bytes() if page.is_file() else b"not found\n"
        self._send(404, body, "text/html; charset=utf-8", head_only)


def make_handler(out_dir: Path, base_path: str, state: BuildState) -> type:
    """A request handler serving ``out_dir`` under ``base_path`` and the live-reload endpoints."""
    settings = {"root": out_dir.resolve(), "base_path": base_path, "state": state}
    return type("Handler", (SiteHandler,), settings)


def watched_paths(options: BuildOptions, config: SiteConfig) -> list[Path]:
    """What a change to rebuilds on: every input of the site (the config, the seeds, the notes,
    the user's templates) and papershelf's own templates and static files."""
    paths = paths_of(options, config)
    inputs = [paths.config_path, paths.seeds_dir, paths.notes_dir, paths.templates_dir]
    inputs += [TEMPLATES_DIR, STATIC_DIR]
    return [path for path in inputs if path is not None and path.exists()]


@dataclasses.dataclass
class Rebuilder:
    """Builds the served site, one build at a time (the watcher's and the first one), and says in
    the terminal and in the shared state how each build went."""

    options: BuildOptions
    state: BuildState
    out: TextIO
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def __call__(self, reason: str) -> None:
        with self.lock:
            started = time.perf_counter()
            try:
                report = build(self.options)
            except PapershelfError as exc:
                self._failed(exc, reason)
            else:
                with self.state.lock:
                    self.state.number += 1
                    self.state.error = None
                seconds = time.perf_counter() - started
                print(f"built {report.pages} pages in {seconds:.2f} s ({reason})", file=self.out)
            self.out.flush()

    def _failed(self, exc: PapershelfError, reason: str) -> None:
        with self.state.lock:
            self.state.error = str(exc)
            served = "the last good site" if self.state.number else "the error page until it builds"
        lines = "\n".join(f"error: {line}" for line in str(exc).splitlines())
        print(f"{lines}\nbuild failed ({reason}); still serving {served}", file=self.out)


def watch(paths: list[Path], rebuild: Callable[[str], None], stop: threading.Event) -> None:
    """Rebuild on every change below ``paths`` until ``stop`` is set."""
    for changes in watchfiles.watch(
        *paths, stop_event=stop, rust_timeout=500, yield_on_timeout=False
    ):
        names = sorted({display_path(Path(path)) for _, path in changes})
        rebuild("changed: " + ", ".join(names[:3]) + (" …" if len(names) > 3 else ""))


class SiteServer(http.server.ThreadingHTTPServer):
    """The HTTP server; a client that goes away mid-answer is no error worth a traceback."""

    daemon_threads = True
    stopping: threading.Event | None = None  # set by SIGTERM (see sigterm_stops)

    def service_actions(self) -> None:
        # SIGTERM's KeyboardInterrupt can land where it is swallowed (a finalizer, say): the event
        # it set stops the server all the same, within a poll interval.
        if self.stopping is not None and self.stopping.is_set():
            raise KeyboardInterrupt

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def check_port(port: int) -> None:
    """Refuse a port that no socket can have, before anything is made."""
    if not 0 <= port <= MAX_PORT:
        raise ServeError(
            f"--port {port} is not a port: expected 1 to {MAX_PORT}, or 0 for any free one"
        )


def listen(host: str, port: int, handler: type) -> SiteServer:
    """The server, listening; a host or port it cannot have is an error naming the option."""
    try:
        return SiteServer((host, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            hint = f"--port {port} is in use: choose another, or --port 0 for any free one"
        elif exc.errno == errno.EACCES:
            hint = f"--port {port} is not allowed here: choose one above 1023, or --port 0"
        else:
            hint = f"--host {host} is not an address of this machine"
        reason = exc.strerror or str(exc)
        raise ServeError(f"cannot listen on {host}:{port}: {reason} ({hint})") from None


# While serve handles SIGTERM, a process a build forks (a pool's worker, the discovery child) must
# die of it as by default, even sent at once: the child resets it first thing, and the fork happens
# with SIGTERM blocked, so that one sent before the reset waits for it (CPython drops a signal its
# child takes before its own reset after fork: the child lived on, and its parent waited for it).
_handling_sigterm = False


def _block_sigterm_for_fork() -> None:
    if _handling_sigterm:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})


def _unblock_sigterm_in_parent() -> None:
    if _handling_sigterm:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _default_sigterm_in_child() -> None:
    if _handling_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


if hasattr(os, "register_at_fork") and hasattr(signal, "pthread_sigmask"):
    os.register_at_fork(
        before=_block_sigterm_for_fork,
        after_in_parent=_unblock_sigterm_in_parent,
        after_in_child=_default_sigterm_in_child,
    )


@contextlib.contextmanager
def sigterm_stops() -> Iterator[threading.Event]:
    """While serving, SIGTERM stops the server as Ctrl-C does (a KeyboardInterrupt), once: it
    sets the event it gives, which serve also sets as it ends, after which SIGTERM is ignored."""
    global _handling_sigterm
    stopping = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stopping  # only the main thread can handle signals; serve's caller handles them
        return

    def on_sigterm(signum: int, frame: types.FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            # Raised in a fork hook, the interrupt would be swallowed: the server stops on the event.
            while frame is not None and frame.f_code is not _unblock_sigterm_in_parent.__code__:
                frame = frame.f_back
            if frame is None:
                raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    _handling_sigterm = True
    try:
        yield stopping
    finally:
        _handling_sigterm = False
        signal.signal(signal.SIGTERM, previous)


def run(
    server: SiteServer,
    rebuild: Rebuilder,
    watched: list[Path],
    address: str,
    ready: Callable[[str], None] | None,
) -> None:
    """Build, then serve and rebuild on every change until interrupted."""
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch, args=(watched, rebuild, stop), name="papershelf-watch", daemon=True
    )
    try:
        # The watcher first: its watches are set up while the first build runs, so an edit made
        # once "serving" is printed is never missed (started after the build, it could be, on a
        # busy machine); an edit during the first build makes a second one after it.
        watcher.start()
        rebuild("start")
        print(f"serving {address} (Ctrl-C to stop)", file=rebuild.out)
        rebuild.out.flush()
        if ready is not None:
            ready(address)
        server.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        server.server_close()
        if watcher.is_alive():
            watcher.join(timeout=5)


def serve(
    options: BuildOptions,
    host: str = "127.0.0.1",
    port: int = 8000,
    out: TextIO = sys.stdout,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Build, serve and rebuild on change until interrupted (Ctrl-C or SIGTERM); the temporary
    folder the site is built in is removed however serving ends."""
    check_port(port)
    config = load_site_config(options)
    watched = watched_paths(options, config)
    state = BuildState()
    with sigterm_stops() as stopping:
        work_dir = Path(tempfile.mkdtemp(prefix="papershelf-serve-"))
        try:
            site_dir = work_dir / "site"
            server = listen(host, port, make_handler(site_dir, config.base_path, state))
            server.stopping = stopping
            address = f"http://{host}:{server.server_address[1]}{config.base_path}"
            options = dataclasses.replace(
                options, out_dir=site_dir, base_url=address, dev_reload=True
            )
            run(server, Rebuilder(options, state, out), watched, address, ready)
        except KeyboardInterrupt:
            pass
        finally:
            stopping.set()  # a SIGTERM now must not cut the removal short
            shutil.rmtree(work_dir, ignore_errors=True)
    print("stopped", file=out)
    out.flush()
