"""Time from the last keystroke to the results on screen, in Chromium, for the built site.

``python bench/search_ui_latency.py [SITE_DIR]`` (default ``_site``, as ``make site`` builds it)
serves the site on loopback, types each query key by key into the search page and into the
header box, and reports, per query, the milliseconds from the last key's ``keydown`` to the
moment the frame showing the results for the whole query has been rendered (debounce, search,
DOM updates, style, layout and paint included).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import statistics
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

QUERIES = [
    "transformer",
    "graph neural networks",
    "over-squashing",
    "sparse autoencoders",
    "backpropagation free training",
    "low rank adaptation",
    "diffusion",
    "mechanistic interpretability",
    "quantization",
    "schrodinger",
]
KEY_DELAY_MS = 90  # a fast typist
REPEATS = 3

# Installed before any page script: stamps every keydown, and every change of the watched element.
PROBE = """
window.__keys = []; window.__changes = [];
document.addEventListener("keydown", () => window.__keys.push(performance.now()), true);
window.__watch = (selector) => {
  const target = document.querySelector(selector);
  // Stamp the change once the frame that shows it has been rendered (the task after its rAF).
  new MutationObserver(() => {
    const text = target.textContent;
    requestAnimationFrame(() => setTimeout(() => window.__changes.push([performance.now(), text])));
  }).observe(target, {childList: true, subtree: true, characterData: true});
};
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def measure(page, box: str, watched: str, query: str, done: str) -> float:
    """Type ``query`` into ``box``; ms from its last keydown until ``watched`` shows ``done``."""
    page.fill(box, "")
    page.wait_for_timeout(150)
    page.evaluate("window.__keys = []; window.__changes = []")
    page.type(box, query, delay=KEY_DELAY_MS)
    page.wait_for_function("t => window.__changes.some(([, text]) => text.includes(t))", arg=done)
    last_key = page.evaluate("Math.max(...window.__keys)")
    changes = page.evaluate("window.__changes")
    shown = min(at for at, text in changes if at >= last_key and done in text)
    return shown - last_key


def main(site_dir: Path) -> None:
    """Serve ``site_dir`` and print the keystroke-to-results times."""
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.add_init_script(PROBE)
        page.goto(root + "search/")
        page.locator("#search-status").filter(has_text="Type to search").wait_for()
        page.evaluate("window.__watch('#search-status')")
        page.focus("#header-search-input")  # opens the same (memoised) engine
        page.evaluate("window.__watch('#header-search-live')")
        for label, box, watched in [
            ("search page", "#search-input", "#search-status"),
            ("header box", "#header-search-input", "#header-search-live"),
        ]:
            per_query = {query: [] for query in QUERIES}
            for _ in range(REPEATS):
                for query in QUERIES:
                    per_query[query].append(measure(page, box, watched, query, f"“{query}”"))
            times = sorted(t for runs in per_query.values() for t in runs)
            best = sorted(min(runs) for runs in per_query.values())
            print(
                f"{label}: {len(times)} typed queries, keystroke to results "
                f"median {statistics.median(times):.1f} ms, "
                f"95th percentile {times[int(len(times) * 0.95) - 1]:.1f} ms, max {times[-1]:.1f} ms; "
                f"best of {REPEATS} per query: median {statistics.median(best):.1f} ms, "
                f"max {best[-1]:.1f} ms"
            )
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "_site"))
