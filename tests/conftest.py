"""Shared fixtures: the real seeds, a site built from them under a subpath, a server and a browser."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.build import BuildOptions, build
from tests.support import PUBLISHED_URL, SEEDS_DIR, SITE_CONFIG, SUBPATH

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """papershelf's user cache (compiled templates) in a folder of the test session, not in the
    home folder; the papershelf processes the tests start are given it too."""
    folder = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="session")
def seeds_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real seeds built once, for the base URL ``/papershelf/``."""
    out = tmp_path_factory.mktemp("seeds-site") / "_site"
    build(BuildOptions(seeds_dir=SEEDS_DIR, out_dir=out, config_path=SITE_CONFIG, base_url=SUBPATH))
    return out


@pytest.fixture(scope="session")
def published_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real seeds built for the full URL ``PUBLISHED_URL``, as the Pages workflow builds them."""
    out = tmp_path_factory.mktemp("published-site") / "_site"
    build(
        BuildOptions(
            seeds_dir=SEEDS_DIR, out_dir=out, config_path=SITE_CONFIG, base_url=PUBLISHED_URL
        )
    )
    return out


class SubpathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder under a URL prefix, as GitHub Pages serves a project site; 404.html otherwise."""

    prefix = SUBPATH

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_the_subpath__")
        return super().translate_path("/" + path[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        not_found_page = Path(self.directory) / "404.html"
        if code == 404 and not_found_page.is_file():
            body = not_found_page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture(scope="session")
def site_server(seeds_site: Path) -> Iterator[str]:
    """The seeds site served on loopback under ``/papershelf/``; yields the site's root URL."""
    handler = functools.partial(SubpathHandler, directory=str(seeds_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SUBPATH}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (Playwright's own browser download is not used)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page that fails the test on any JavaScript error."""
    context = browser.new_context()
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda error: errors.append(str(error)))
    yield new_page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
