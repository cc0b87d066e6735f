"""Hostile surroundings of a build: a malformed ``SOURCE_DATE_EPOCH`` is one short error line, and
a page of the built site edited by hand is made afresh even when its size and mtime are put back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.build import BuildOptions, build
from generator.errors import BuildError
from generator.options import source_date_epoch
from generator.read.dumps import parse_dump
from tests.support import (
    LAYOUT_A,
    LAYOUT_B,
    differences,
    papershelf_env,
    small_options,
    write_seeds,
)

ATOM_UPDATED = "<updated>"


def build_with_epoch(site: Path, value: str) -> subprocess.CompletedProcess:
    """``papershelf build`` in ``site``, as a user runs it, with SOURCE_DATE_EPOCH at ``value``."""
    return subprocess.run(
        [sys.executable, "-m", "generator", "build"],
        cwd=site,
        capture_output=True,
        text=True,
        env={**papershelf_env(), "SOURCE_DATE_EPOCH": value},
        check=False,
    )


# The reproducible-builds.org specification: "an ASCII representation of an integer with no
# fractional component, identical to the output format of date +%s"; a malformed value SHOULD end
# the build with a non-zero exit code. An empty value is not an integer: malformed too.
MALFORMED = [
    ("", "error: SOURCE_DATE_EPOCH: set but empty; expected seconds since 1970-01-01 UTC, "),
    ("abc", "error: SOURCE_DATE_EPOCH: expected seconds since 1970-01-01 UTC, "),
    ("1e9", "error: SOURCE_DATE_EPOCH: expected seconds since 1970-01-01 UTC, "),
    ("253402300800", "error: SOURCE_DATE_EPOCH: 253402300800 is after the year 9999"),
    ("9" * 5000, "error: SOURCE_DATE_EPOCH: " + "9" * 40 + "... is after the year 9999"),
]


@pytest.mark.parametrize(
    ("value", "start"), MALFORMED, ids=["empty", "abc", "1e9", "10000", "5000"]
)
def test_a_malformed_source_date_epoch_is_one_line_and_exit_7(
    tmp_path: Path, value: str, start: str
) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_B})
    result = build_with_epoch(tmp_path, value)
    assert result.returncode == 7  # docs/commands.md: bad SOURCE_DATE_EPOCH
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(start)
    assert len(result.stderr) < 200  # the value is cut, not echoed whole
    assert result.stdout == ""
    assert not (tmp_path / "_site").exists()
    assert not list(tmp_path.glob("._site*"))  # no staging folder either


def test_a_malformed_source_date_epoch_stops_a_no_op_build_too(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_B})
    assert build_with_epoch(tmp_path, "1700000000").returncode == 0
    before = (tmp_path / "_site" / "feed.xml").read_bytes()
    result = build_with_epoch(tmp_path, "1700000000.5")
    assert result.returncode == 7
    assert result.stderr.splitlines() == [
        "error: SOURCE_DATE_EPOCH: expected seconds since 1970-01-01 UTC, as `date +%s` prints "
        "them, got '1700000000.5'"
    ]
    assert (tmp_path / "_site" / "feed.xml").read_bytes() == before


@pytest.mark.parametrize(
    ("value", "stamp"),
    [("-1", "1969-12-31T23:59:59Z"), ("-62135596800", "0001-01-01T00:00:00Z")],
    ids=["before-1970", "year-1"],
)
def test_a_negative_source_date_epoch_dates_the_feed_before_1970(
    tmp_path: Path, value: str, stamp: str
) -> None:
    # `date +%s` prints a negative number for a time before 1970: an integer, as the spec asks.
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_B})
    result = build_with_epoch(tmp_path, value)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    feed = (tmp_path / "_site" / "feed.xml").read_text("utf-8")
    assert f"{ATOM_UPDATED}{stamp}</updated>" in feed  # RFC 3339: four digits of year


def test_source_date_epoch_accepts_ascii_integers_only() -> None:
    def parsed(value: str) -> str:
        date = source_date_epoch({"SOURCE_DATE_EPOCH": value})
        return date.isoformat() if date else "unset"

    assert source_date_epoch({}) is None
    assert parsed("0") == "1970-01-01T00:00:00+00:00"
    assert parsed("1700000000") == "2023-11-14T22:13:20+00:00"
    assert parsed("00000000000000000000000001700000000") == "2023-11-14T22:13:20+00:00"
    assert parsed("253402300799") == "9999-12-31T23:59:59+00:00"
    for value in (" 1700000000", "1700000000\n", "+5", "0x10", "1_000", "\u0661\u0662", "-"):
        with pytest.raises(BuildError, match="expected seconds since 1970"):
            source_date_epoch({"SOURCE_DATE_EPOCH": value})
    with pytest.raises(BuildError, match=r"^SOURCE_DATE_EPOCH: -62135596801 is before the year 1$"):
        source_date_epoch({"SOURCE_DATE_EPOCH": "-62135596801"})
    with pytest.raises(BuildError) as refused:
        source_date_epoch({"SOURCE_DATE_EPOCH": "a\nb\x1b[2J" + "x" * 100})
    assert "\n" not in str(refused.value) and "\x1b" not in str(refused.value)
    assert str(refused.value).endswith("got 'a\\nb\\x1b[2J" + "x" * 33 + "...'")


def test_equal_build_dates_are_one_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_B})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(small_options(tmp_path))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "01700000000")
    assert build(small_options(tmp_path)).unchanged
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    assert not build(small_options(tmp_path)).unchanged


# A page edited by hand, its size and modification time put back.


def edit_keeping_size_and_mtime(page: Path) -> None:
    """Change a page's bytes, then put back its size and modification time (``touch -r``)."""
    # On a kernel with coarse timestamps, a change in the very tick of the build's last change to
    # the file would keep its ctime; a hand edit comes later than that.
    time.sleep(0.05)
    stat = page.stat()
    text = page.read_bytes()
    edited = text.replace(b"<title>", b"<TITLE>", 1)
    assert edited != text and len(edited) == len(text)
    page.write_bytes(edited)
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (page.stat().st_size, page.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)


def clean_build(options: BuildOptions, out_dir: Path) -> Path:
    """The same inputs built from scratch."""
    shutil.rmtree(out_dir, ignore_errors=True)
    build(BuildOptions(**{**options.__dict__, "out_dir": out_dir, "use_cache": False}))
    return out_dir


def test_a_no_op_build_restores_a_page_edited_with_size_and_mtime_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_B})
    options = small_options(tmp_path)
    build(options)
    page = tmp_path / "out" / "index.html"
    built = page.read_bytes()
    edit_keeping_size_and_mtime(page)
    report = build(options)
    assert not report.unchanged
    assert report.rendered >= 1
    assert page.read_bytes() == built
    # The build's own writes (hard links, the swap) are not taken for edits.
    assert build(options).unchanged
    assert build(options).unchanged


def test_an_incremental_build_restores_a_page_edited_with_size_and_mtime_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_A, "b.txt": LAYOUT_B.replace("Four", "Five")})
    options = small_options(tmp_path)
    out = tmp_path / "out"
    build(options)
    pages = {p: (p.stat().st_ino, p.read_bytes()) for p in out.rglob("index.html")}

    # A dump changes: the pages it does not touch are reused (the same file, hard-linked).
    dump = tmp_path / "seeds" / "b.txt"
    original = dump.read_text("utf-8")
    record = parse_dump(original, dump.name).records[0]
    dump.write_text(original.replace(record.abstract, record.abstract + " Revised.", 1), "utf-8")
    assert not build(options).unchanged
    reused = sorted(p for p, (inode, _) in pages.items() if p.stat().st_ino == inode)
    assert reused, "no page was reused: the test would prove nothing"

    # One of them is edited by hand, then the dump changes back: the page's key is the one it had,
    # but its file is not the one the build left, so it is made afresh instead of reused.
    page = reused[0]
    edit_keeping_size_and_mtime(page)
    dump.write_text(original, "utf-8")
    report = build(options)
    assert not report.unchanged
    assert page.read_bytes() == pages[page][1]
    assert differences(out, clean_build(options, tmp_path / "clean")) == []
    assert build(options).unchanged
