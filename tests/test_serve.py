"""``papershelf serve`` as a user runs it: a real process, real files edited, a real browser."""

from __future__ import annotations

import http.client
import json
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.serve import BuildState, listen, make_handler
from tests.support import LAYOUT_B, PROJECT_ROOT, SUBPATH, papershelf_env


@dataclass
class DevServer:
    """A running ``papershelf serve``, the project folder it watches and its temporary folder."""

    url: str
    project: Path
    process: subprocess.Popen
    lines: queue.Queue
    temp_dir: Path
    pump: threading.Thread

    def wait_for_line(self, fragment: str, timeout: float = 60) -> str:
        """The next line of output that contains ``fragment``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, "papershelf serve stopped"
                continue
            if fragment in line:
                return line
        raise AssertionError(f"no output line with {fragment!r} within {timeout} s")

    def printed(self) -> list[str]:
        """The lines of output not read yet (all of them once the process has ended)."""
        if self.process.poll() is not None:
            self.pump.join(timeout=30)
        found = []
        while not self.lines.empty():
            found.append(self.lines.get())
        return found

    def get(self, raw_path: str, method: str = "GET") -> tuple[int, bytes]:
        """GET a path exactly as written (no client-side normalisation of ``..``)."""
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.putrequest(method, raw_path, skip_accept_encoding=True)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def status(self) -> dict:
        return json.loads(self.get(f"{SUBPATH}__papershelf__/status")[1])

    def stop(self, signal_number: int = signal.SIGINT) -> tuple[int, list[str]]:
        """Stop the server with a signal: its exit code and what it printed meanwhile."""
        self.process.send_signal(signal_number)
        code = self.process.wait(timeout=30)
        return code, self.printed()


def serve_folders(temp_dir: Path) -> list[str]:
    """The folders ``papershelf serve`` made in a temporary folder and left there."""
    return sorted(path.name for path in temp_dir.glob("papershelf-serve-*"))


def serve_env(temp_dir: Path) -> dict[str, str]:
    """The environment of a ``papershelf serve`` process whose temporary folder is ``temp_dir``."""
    temp_dir.mkdir(parents=True, exist_ok=True)
    return {**papershelf_env(), "TMPDIR": str(temp_dir)}


def start_server(project: Path) -> DevServer:
    """``papershelf serve`` on ``project`` on any free port, with ``tmp/`` beside the project as
    its temporary folder."""
    temp_dir = project.parent / "tmp"
    process = subprocess.Popen(
        [
            *(sys.executable, "-u", "-m", "generator", "serve", "--port", "0"),
            *("--templates", str(project / "templates")),
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=serve_env(temp_dir),
    )
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    pump_thread = threading.Thread(target=pump, daemon=True)
    pump_thread.start()
    server = DevServer("", project, process, lines, temp_dir, pump_thread)
    server.url = server.wait_for_line("serving http").split()[1]
    return server


def make_project(project: Path) -> Path:
    """A small project with its own copy of the templates."""
    (project / "seeds").mkdir(parents=True)
    (project / "seeds/may.txt").write_text(LAYOUT_B)
    (project / "site.yml").write_text(f"title: Dev shelf\nbase_url: {SUBPATH}\n")
    (project / "notes").mkdir()
    shutil.copytree(PROJECT_ROOT / "templates", project / "templates")
    return project


@pytest.fixture
def dev_project(tmp_path: Path) -> Path:
    """A small project with its own copy of the templates."""
    return make_project(tmp_path / "project")


@pytest.fixture
def dev_server(dev_project: Path) -> Iterator[DevServer]:
    """``papershelf serve`` on ``dev_project``."""
    server = start_server(dev_project)
    yield server
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        server.process.wait(timeout=30)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    """One ``papershelf serve`` for the tests that only send requests (no edits)."""
    server = start_server(make_project(tmp_path_factory.mktemp("shared") / "project"))
    yield server
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        server.process.wait(timeout=30)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_serve_binds_loopback_under_the_base_path_and_stops_on_ctrl_c(
    dev_server: DevServer,
) -> None:
    assert dev_server.url.startswith("http://127.0.0.1:") and dev_server.url.endswith(SUBPATH)
    status, body = dev_server.get(SUBPATH)
    assert status == 200 and b"<title>Dev shelf</title>" in body
    assert b"__papershelf__/reload.js" in body  # injected in serve mode only
    status, _ = dev_server.get(f"{SUBPATH}papers/graph-rewiring-done-right/")
    assert status == 200
    assert dev_server.get(f"{SUBPATH}papers/nope/")[0] == 404
    assert dev_server.get("/elsewhere/")[0] == 404
    assert dev_server.status() == {"build": 1, "error": None}
    dev_server.process.send_signal(signal.SIGINT)
    assert dev_server.process.wait(timeout=30) == 0
    dev_server.wait_for_line("stopped")


@pytest.mark.parametrize(
    "raw_path",
    [
        f"{SUBPATH}../../../../../../etc/passwd",
        f"{SUBPATH}%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"{SUBPATH}..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        f"{SUBPATH}static/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc/passwd",
        f"{SUBPATH}%252e%252e/%252e%252e/etc/passwd",
        f"{SUBPATH}/etc/passwd",
        f"{SUBPATH}%2Fetc%2Fpasswd",
        f"{SUBPATH}..%5c..%5c..%5cetc%5cpasswd",
        f"{SUBPATH}index.html%00.css",
    ],
)
def test_serve_serves_nothing_outside_the_output_folder(
    shared_server: DevServer, raw_path: str
) -> None:
    status, body = shared_server.get(raw_path)
    assert status == 404, raw_path
    assert b"root:" not in body


def test_serve_rebuilds_and_reloads_the_page_on_an_edit_of_any_input(
    dev_server: DevServer, page
) -> None:
    page.goto(dev_server.url)
    page.wait_for_selector("html[data-papershelf-build='1']", state="attached")
    edit(dev_server.project / "templates/base.html", "built with", "freshly rebuilt with")
    dev_server.wait_for_line("(changed: ")
    page.wait_for_selector("html[data-papershelf-build='2']", state="attached", timeout=30_000)
    assert "freshly rebuilt with" in page.locator(".site-footer").inner_text()
    # a seed edit rebuilds too, and the new paper is served
    with (dev_server.project / "seeds/may.txt").open("a") as seeds:
        seeds.write("\nA Freshly Added Paper\n\nIts abstract, long enough to be one.\n")
    page.wait_for_selector("html[data-papershelf-build='3']", state="attached", timeout=30_000)
    assert "A Freshly Added Paper" in page.locator("main").inner_text()
    # and so does a note: the paper's page shows it
    note = dev_server.project / "notes/graph-rewiring-done-right.md"
    note.write_text("A note saved while the server runs.\n")
    dev_server.wait_for_line("notes/graph-rewiring-done-right.md")
    page.goto(f"{dev_server.url}papers/graph-rewiring-done-right/")
    page.wait_for_selector("html[data-papershelf-build='4']", state="attached", timeout=30_000)
    assert "A note saved while the server runs." in page.locator("main").inner_text()


def test_serve_survives_a_build_error_and_shows_it(dev_server: DevServer, page) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(dev_server.url)
    page.wait_for_selector("html[data-papershelf-build='1']", state="attached")
    template = dev_server.project / "templates/index.html"
    edit(template, "{% block content %}", "{% block content %}{% if %}")
    line = dev_server.wait_for_line("error: templates/index.html")
    assert "Expected an expression" in line
    dev_server.wait_for_line("still serving the last good site")
    overlay = page.locator("#papershelf-build-error")
    overlay.wait_for(timeout=30_000)
    assert "templates/index.html" in overlay.inner_text()
    status, body = dev_server.get(SUBPATH)
    assert status == 200 and b"Graph Rewiring Done Right" in body  # the last good site
    assert dev_server.status()["build"] == 1
    edit(template, "{% if %}", "")
    page.wait_for_selector("html[data-papershelf-build='2']", state="attached", timeout=30_000)
    assert page.locator("#papershelf-build-error").count() == 0
    assert not [m for m in messages if "Content Security Policy" in m], messages


def test_a_first_build_that_fails_shows_the_error_until_fixed(tmp_path: Path, page) -> None:
    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    (project / "seeds/may.txt").write_text(LAYOUT_B)
    (project / "site.yml").write_text(f"base_url: {SUBPATH}\n")
    shutil.copytree(PROJECT_ROOT / "templates", project / "templates")
    edit(project / "templates/paper.html", "{% block content %}", "{% block content %}{{")
    server = start_server(project)
    try:
        assert server.get("/")[0] == 302
        assert server.get("/index.html")[0] == 404
        page.goto(server.url)
        assert "The build failed" in page.locator("h1").inner_text()
        assert "templates/paper.html" in page.locator("pre").inner_text()
        edit(project / "templates/paper.html", "{% block content %}{{", "{% block content %}")
        page.wait_for_selector("html[data-papershelf-build='1']", state="attached", timeout=30_000)
        assert page.locator("h1").inner_text() == "papershelf"
    finally:
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=30) == 0
    assert serve_folders(server.temp_dir) == []


def run_serve(project: Path, *args: str) -> subprocess.CompletedProcess:
    """``papershelf serve`` run to its end on ``project``, its temporary folder ``tmp/`` beside it."""
    return subprocess.run(
        [sys.executable, "-m", "generator", "serve", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env=serve_env(project.parent / "tmp"),
    )


def test_a_port_in_use_is_a_message_and_exit_code_9(dev_project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve(dev_project, "--port", str(port))
    assert result.returncode == 9
    assert result.stderr == (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use "
        f"(--port {port} is in use: choose another, or --port 0 for any free one)\n"
    )
    assert result.stdout == ""
    assert serve_folders(dev_project.parent / "tmp") == []


@pytest.mark.parametrize("port", ["70000", "65536", "-1", "-65536"])
def test_a_port_out_of_range_is_a_message_and_exit_code_9(dev_project: Path, port: str) -> None:
    result = run_serve(dev_project, "--port", port)
    assert result.returncode == 9
    assert result.stderr == (
        f"error: --port {port} is not a port: expected 1 to 65535, or 0 for any free one\n"
    )
    assert result.stdout == ""
    assert serve_folders(dev_project.parent / "tmp") == []


@pytest.mark.parametrize("port", ["abc", "80.5", "", "0x50"])
def test_a_port_that_is_not_a_number_is_a_usage_error(dev_project: Path, port: str) -> None:
    result = run_serve(dev_project, f"--port={port}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "papershelf serve: error: argument --port: expected a port number "
        f"(1 to 65535, or 0 for any free one), got {port!r}"
    )
    assert serve_folders(dev_project.parent / "tmp") == []


def test_a_host_that_is_not_this_machine_is_a_message_and_exit_code_9(dev_project: Path) -> None:
    result = run_serve(dev_project, "--host", "192.0.2.1", "--port", "0")  # TEST-NET-1
    assert result.returncode == 9
    assert result.stderr.startswith("error: cannot listen on 192.0.2.1:0: ")
    assert result.stderr.endswith("(--host 192.0.2.1 is not an address of this machine)\n")
    assert result.stderr.count("\n") == 1
    assert serve_folders(dev_project.parent / "tmp") == []


@pytest.mark.parametrize(
    "signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"]
)
def test_serve_stopped_by_a_signal_removes_its_folder(
    dev_server: DevServer, signal_number: int
) -> None:
    assert dev_server.get(SUBPATH)[0] == 200
    assert len(serve_folders(dev_server.temp_dir)) == 1
    code, printed = dev_server.stop(signal_number)
    assert code == 0
    assert printed == ["stopped"]
    assert serve_folders(dev_server.temp_dir) == []


def test_serve_stopped_by_sigterm_while_it_starts_removes_its_folder(dev_project: Path) -> None:
    temp_dir = dev_project.parent / "tmp"
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--port", "0"],
        cwd=dev_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=serve_env(temp_dir),
    )
    deadline = time.monotonic() + 60
    while not serve_folders(temp_dir) and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)  # the folder is made: the first build is on its way
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert stdout.splitlines()[-1] == "stopped"
    # Rarely, the interrupt lands in a finalizer, which Python reports as "Exception ignored" and
    # swallows; the server stops all the same (see SiteServer.service_actions).
    assert not stderr or stderr.startswith("Exception ignored in"), stderr
    assert serve_folders(temp_dir) == []


LONGEST = SUBPATH + "e" * (2048 - len(SUBPATH))  # as long as a request target may be


@pytest.mark.parametrize(
    ("raw_path", "expected"),
    [
        (f"{SUBPATH}{'a' * 300}", 404),
        (f"{SUBPATH}papers/{'b' * 300}/", 404),
        (f"{SUBPATH}{'c' * 300}/index.html", 404),
        (f"{SUBPATH}{'%41' * 300}", 404),
        (f"{SUBPATH}{'%C3%A9' * 200}", 404),
        (f"{SUBPATH}__papershelf__/{'d' * 300}", 404),
        (f"{SUBPATH}{('f' * 200 + '/') * 9}", 404),
        (LONGEST, 404),
        (LONGEST + "e", 414),
        (f"{SUBPATH}{'x' * 10_000}", 414),
        ("/" + "y" * 10_000, 414),
        (f"{SUBPATH}__papershelf__/{'z' * 5000}", 414),
        (f"{SUBPATH}?{'q' * 5000}", 414),
        (f"{SUBPATH}%00", 404),
        (f"{SUBPATH}papers%00/", 404),
        (f"{SUBPATH}%zz", 404),
        (f"{SUBPATH}%", 404),
        (f"{SUBPATH}%c3%28", 404),
        (f"{SUBPATH}%ff%fe/", 404),
        (f"{SUBPATH}..", 404),
        ("//[", 404),
        ("//example.org/papershelf/", 404),
    ],
    ids=lambda value: (
        value[:40] + (f"…({len(value)})" if len(value) > 40 else "")
        if isinstance(value, str)
        else str(value)
    ),
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_serve_answers_a_hostile_path_and_serves_the_next_request(
    shared_server: DevServer, raw_path: str, expected: int, method: str
) -> None:
    status, body = shared_server.get(raw_path, method)
    assert status == expected
    assert b"root:" not in body
    assert shared_server.get(SUBPATH)[0] == 200
    assert shared_server.get(f"{SUBPATH}papers/graph-rewiring-done-right/")[0] == 200
    assert shared_server.printed() == []  # no traceback, no log line


WATCH_IMPORTS_SCRIPT = """
import sys, threading
imports = []

def record(event, args):
    if event == "import" and threading.current_thread() is not threading.main_thread():
        imports.append((threading.current_thread().name, args[0]))

sys.addaudithook(record)
from generator.build import BuildOptions
from generator.serve import serve

def stop(address):
    # Long enough for the watcher to be watching (its start is what imports).
    threading.Event().wait(1.0)
    raise KeyboardInterrupt

serve(BuildOptions(templates_dir=__import__("pathlib").Path("templates")), port=0, ready=stop)
print("imports in other threads:", imports)
"""


def test_the_watcher_thread_imports_nothing_a_forked_build_could_wait_for(
    dev_project: Path,
) -> None:
    # A module being imported by another thread when a build forks stays locked in the child: the
    # discovery child then hung importing numpy, which imports that module too.
    result = subprocess.run(
        [sys.executable, "-c", WATCH_IMPORTS_SCRIPT],
        cwd=dev_project,
        capture_output=True,
        text=True,
        timeout=120,
        env=papershelf_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "imports in other threads: []" in result.stdout


FORKED_SIGTERM_SCRIPT = """
import multiprocessing, signal, time
from generator.serve import sigterm_stops

context = multiprocessing.get_context("fork")
with sigterm_stops():
    for _ in range(100):
        child = context.Process(target=time.sleep, args=(30,))
        child.start()
        child.terminate()  # at once: often before the child has run any code of its own
        child.join(timeout=10)
        assert child.exitcode == -signal.SIGTERM, child.exitcode
print("every child stopped")
"""


def test_a_process_forked_while_serving_dies_of_sigterm_even_sent_at_once() -> None:
    # A build's pool stops its workers with SIGTERM: inheriting serve's handler, or losing a
    # signal sent before it reset it, a worker (or the discovery child) lived on and serve hung.
    result = subprocess.run(
        [sys.executable, "-c", FORKED_SIGTERM_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env=papershelf_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "every child stopped\n"
    assert result.stderr == ""


def test_a_sigterm_whose_interrupt_was_swallowed_still_stops_the_server(tmp_path: Path) -> None:
    # Its KeyboardInterrupt may land in a finalizer, which swallows it: the event it set remains.
    server = listen("127.0.0.1", 0, make_handler(tmp_path, "/", BuildState()))
    server.stopping = threading.Event()
    server.stopping.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            server.serve_forever(poll_interval=0.01)
    finally:
        server.server_close()
