"""A build progress bar for terminals; builds that are quick or not on a terminal show none."""

from __future__ import annotations

import time
from typing import TextIO

BAR_WIDTH = 30
DELAY_SECONDS = 0.3  # builds faster than this never draw the bar
REDRAW_SECONDS = 0.05


class ProgressBar:
    """Draws ``rendering [#####.....] 120/564 pages`` on one line, redrawn in place."""

    def __init__(self, stream: TextIO, delay: float = DELAY_SECONDS):
        self.stream = stream
        self.started = time.perf_counter()
        self.delay = delay
        self.last_draw = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self.started < self.delay:
            return
        if done != total and now - self.last_draw < REDRAW_SECONDS:
            return
        self.last_draw = now
        filled = BAR_WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stream.write(f"\rrendering [{bar}] {done}/{total} pages")
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        """Clear the bar's line so the summary takes its place."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
