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

from tests.support import LAYOUT_B, PROJECT_ROOT, SUBPATH, papershelf_env


@dataclass
class DevServer:
    """A running ``papershelf serve`` and the project folder it watches."""

    url: str
    project: Path
    process: subprocess.Popen
    lines: queue.Queue

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

    def get(self, raw_path: str) -> tuple[int, bytes]:
        """GET a path exactly as written (no client-side normalisation of ``..``)."""
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.putrequest("GET", raw_path, skip_accept_encoding=True)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def status(self) -> dict:
        return json.loads(self.get(f"{SUBPATH}__papershelf__/status")[1])


def start_server(project: Path) -> DevServer:
    process = subprocess.Popen(
        [
            *(sys.executable, "-u", "-m", "generator", "serve", "--port", "0"),
            *("--templates", str(project / "templates")),
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=papershelf_env(),
    )
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    server = DevServer("", project, process, lines)
    server.url = server.wait_for_line("serving http").split()[1]
    return server


@pytest.fixture
def dev_project(tmp_path: Path) -> Path:
    """A small project with its own copy of the templates."""
    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    (project / "seeds/may.txt").write_text(LAYOUT_B)
    (project / "site.yml").write_text(f"title: Dev shelf\nbase_url: {SUBPATH}\n")
    (project / "notes").mkdir()
    shutil.copytree(PROJECT_ROOT / "templates", project / "templates")
    return project


@pytest.fixture
def dev_server(dev_project: Path) -> Iterator[DevServer]:
    """``papershelf serve`` on ``dev_project``."""
    server = start_server(dev_project)
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
    dev_server: DevServer, raw_path: str
) -> None:
    status, body = dev_server.get(raw_path)
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


def test_a_port_in_use_is_a_message_and_exit_code_9(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds/may.txt").write_text(LAYOUT_B)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "generator", "serve", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env=papershelf_env(),
        )
    assert result.returncode == 9
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert "Traceback" not in result.stderr


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
