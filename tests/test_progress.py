"""The build progress bar: drawn on a terminal during long builds, never in logs or pipes."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from generator.progress import ProgressBar
from tests.support import LAYOUT_B, SEEDS_DIR, SITE_CONFIG, papershelf_env


def test_the_bar_fills_up_and_clears_its_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, delay=0)
    for done in range(1, 11):
        bar(done, 10)
    bar.finish()
    drawn = stream.getvalue().split("\r")
    assert drawn[1].startswith("rendering [###.........") and drawn[1].endswith("1/10 pages")
    assert drawn[-2] == "rendering [" + "#" * 30 + "] 10/10 pages"
    assert drawn[-1] == "\x1b[K"


def test_a_quick_build_draws_nothing() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)  # the default delay: quick builds stay quiet
    bar(1, 2)
    bar(2, 2)
    bar.finish()
    assert stream.getvalue() == ""


def test_a_terminal_sees_the_bar_then_the_summary(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator",
            "build",
            "--seeds",
            str(SEEDS_DIR),
            "--config",
            str(SITE_CONFIG),
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        stdout=terminal,
        stderr=subprocess.DEVNULL,
        env=papershelf_env(),
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the build is over
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(timeout=120) == 0
    text = output.decode()
    # 564 pages before the discovery pages (topics, map, about); their count follows the topics
    assert "\rrendering [" in text and re.search(r"\b(\d+)/\1 pages", text)
    assert int(re.search(r"\b(\d+)/\1 pages", text).group(1)) > 564
    assert text.rstrip().splitlines()[-1].split("\x1b[K")[-1].startswith("papershelf: 545 papers")


def test_a_pipe_gets_only_the_summary(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds/may.txt").write_text(LAYOUT_B)
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=papershelf_env(),
        timeout=120,
    )
    assert result.returncode == 0
    assert "\r" not in result.stdout and "rendering" not in result.stdout
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("papershelf: 3 papers")
