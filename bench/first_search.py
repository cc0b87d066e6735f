"""The bytes a browser downloads before the first search result shows, measured in Chromium.

The built site is served on 127.0.0.1 and headless Chromium (Playwright) opens ``search/?q=...``;
every response received until the first result is in the page (page, CSS, scripts, index files,
whatever the engine fetches) is gzipped at level 6, as a static host would serve it, and summed.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def first_search_bytes(site: Path, query: str, result_selector: str) -> tuple[int, int]:
    """(gzipped bytes, requests) a browser fetches from opening ``search/?q=query`` until the first
    result is shown: every response counts (page, CSS, scripts, index files), each gzipped at level 6
    as a static host would serve it. It watches the network, so it stays right whatever the engine loads."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sizes: dict[str, int] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()

            def record(response) -> None:
                # The bytes served are the site's file; Chromium does not keep bodies of many MB
                # for response.body(), so read the file the URL maps to when there is one.
                path = urlsplit(response.url).path
                served = site / unquote(path).lstrip("/")
                if path.endswith("/"):
                    served = served / "index.html"
                try:
                    body = served.read_bytes() if served.is_file() else response.body()
                except Exception:  # a redirect or an aborted request has no body
                    body = b""
                sizes[response.url] = len(gzip.compress(body, 6))

            page.on("response", record)
            url = f"http://127.0.0.1:{server.server_address[1]}/search/?q={query}"
            page.goto(url)
            page.wait_for_selector(result_selector, timeout=120_000)
            counted = dict(sizes)  # responses that arrive after the first result do not count
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return sum(counted.values()), len(counted)
