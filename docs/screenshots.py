"""Regenerate the README screenshots: ``make screenshots`` (builds the site, then shoots it in Chromium)."""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

SHOTS = [
    # (file, path below the site root, colour scheme, viewport width, height, typed in the header box)
    ("home.png", "", "light", 1100, 820, None),
    ("paper.png", "papers/locality-aware-graph-rewiring-in-gnns/", "dark", 1100, 820, None),
    ("search.png", "search/?q=over-squashing+graph", "light", 1100, 820, None),
    ("search-dropdown.png", "collections/", "dark", 390, 720, "graph rewiring"),
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main(site_dir: Path, out_dir: Path) -> None:
    """Serve ``site_dir`` on loopback and save each screenshot into ``out_dir``."""
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, path, scheme, width, height, typed in SHOTS:
            page = browser.new_page(
                viewport={"width": width, "height": height}, color_scheme=scheme
            )
            page.goto(root + path)
            page.wait_for_load_state("networkidle")
            if "?q=" in path:
                page.locator("#search-results mark").first.wait_for()
            if typed:
                page.type("#header-search-input", typed)
                page.locator("#header-search-live").filter(has_text=f"“{typed}”").wait_for()
                page.keyboard.press("ArrowDown")
            page.screenshot(path=str(out_dir / name))
            page.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
