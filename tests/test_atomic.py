"""Atomic, deterministic output: a killed or failed build leaves the previous site byte for byte, the
writer never writes outside its folder, and the same input gives the same bytes."""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.assets import TEMPLATES_DIR
from generator.build import BuildOptions, load_corpus, load_site_config
from generator.errors import BuildError
from generator.output.produce import FileJob, Producer
from generator.output.writer import (
    SiteWriter,
    link_reserved,
    remove_stale_staging,
    write_reserved,
)
from tests.support import ABSTRACT_2, SEEDS_DIR, SITE_CONFIG, papershelf_env, write_seeds


def cli(*args: str, cwd: Path, **popen) -> tuple[list[str], dict]:
    """The command line of a real build subprocess, and its Popen options."""
    return [sys.executable, "-m", "generator", *args], {
        "cwd": cwd,
        "env": papershelf_env(),
        **popen,
    }


def run(*args: str, cwd: Path, **popen):
    command, options = cli(*args, cwd=cwd, **popen)
    return subprocess.run(command, capture_output=True, text=True, check=False, **options)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def staging_folders(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("._site.building-*"))


def files_in(folder: Path) -> list[Path]:
    """The files of a folder that a running build is writing (it may vanish meanwhile)."""
    try:
        return [path for path in folder.rglob("*") if path.is_file()]
    except OSError:
        return []


@pytest.fixture
def shelf(tmp_path: Path) -> Path:
    """The real seeds, built once; then one more dump, so the next build has work to do."""
    write_seeds(tmp_path / "seeds", {p.name: p.read_text() for p in SEEDS_DIR.glob("*.txt")})
    assert run("build", cwd=tmp_path).returncode == 0
    write_seeds(tmp_path / "seeds", {"zz.txt": f"Solo Paper\n{ABSTRACT_2}\n"})
    return tmp_path


_stopped_builds: list[subprocess.Popen] = []


def start_stopped_build(tmp_path: Path) -> subprocess.Popen:
    """A real build (with its workers, in a process group of its own), stopped with SIGSTOP once
    its staging folder holds a file: midway through writing the site."""
    command, options = cli("build", "--no-cache", cwd=tmp_path, start_new_session=True)
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, **options)
    _stopped_builds.append(process)
    deadline = time.monotonic() + 60
    known = set(staging_folders(tmp_path))
    while not any(files_in(folder) for folder in set(staging_folders(tmp_path)) - known):
        assert process.poll() is None, "the build ended before it could be stopped"
        assert time.monotonic() < deadline, "the build wrote nothing"
        time.sleep(0.001)
    os.killpg(process.pid, signal.SIGSTOP)
    return process


def end(process: subprocess.Popen) -> None:
    """Kill a stopped build and its workers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if process.stderr:
        process.stderr.close()


@pytest.fixture(autouse=True)
def _no_stopped_build_left() -> Iterator[None]:
    """A build that a failing test left stopped is killed here."""
    yield
    while _stopped_builds:
        end(_stopped_builds.pop())


def test_killed_build_leaves_the_site_byte_identical_and_the_next_build_cleans_up(
    shelf: Path,
) -> None:
    before = snapshot(shelf / "_site")
    killed = start_stopped_build(shelf)
    [staging] = staging_folders(shelf)
    assert 1 <= len(files_in(staging)) < len(before)  # midway
    end(killed)
    assert snapshot(shelf / "_site") == before
    assert staging_folders(shelf) == [staging]  # what SIGKILL leaves behind ...

    # ... the next build removes, while a running build's folder is locked and kept.
    running = start_stopped_build(shelf)
    [running_staging] = [p for p in staging_folders(shelf) if p != staging]
    result = run("build", cwd=shelf)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("papershelf: 546 papers in 6 collections")
    assert staging_folders(shelf) == [running_staging]
    end(running)
    assert remove_stale_staging(shelf / "_site") == [running_staging]


def test_interrupted_build_says_so_and_leaves_nothing_behind(shelf: Path) -> None:
    before = snapshot(shelf / "_site")
    interrupted = start_stopped_build(shelf)
    os.kill(interrupted.pid, signal.SIGINT)  # Ctrl-C, which the terminal sends to the build
    os.killpg(interrupted.pid, signal.SIGCONT)
    _, stderr = interrupted.communicate(timeout=60)
    assert (interrupted.returncode, stderr) == (
        130,
        "interrupted; the previous site is left as it was\n",
    )
    assert snapshot(shelf / "_site") == before
    assert staging_folders(shelf) == []


def limit_file_size() -> None:
    """In the build's process: files larger than 64 KiB cannot be written (EFBIG), as on a
    full disk, rather than killing it (SIGXFSZ)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_write_failure_leaves_the_previous_site_byte_identical(shelf: Path) -> None:
    before = snapshot(shelf / "_site")
    result = run("build", "--no-cache", cwd=shelf, preexec_fn=limit_file_size)
    assert result.returncode == 7
    assert result.stderr.startswith("error: cannot write ")
    assert result.stderr.endswith(": File too large\n")
    assert "Traceback" not in result.stderr
    assert snapshot(shelf / "_site") == before
    assert staging_folders(shelf) == []


def test_same_input_gives_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    builds = []
    for seed in ("1", "4242"):  # two real builds of the seeds, side by side
        out = tmp_path / f"site-{seed}"
        args = ["build", "--seeds", str(SEEDS_DIR), "--config", str(SITE_CONFIG), "--out", str(out)]
        command, options = cli(*args, cwd=tmp_path)
        options["env"]["PYTHONHASHSEED"] = seed
        builds.append(
            (out, subprocess.Popen(command, stderr=subprocess.PIPE, text=True, **options))
        )
    outputs = []
    for out, process in builds:
        _, stderr = process.communicate()
        assert process.returncode == 0, stderr
        outputs.append(snapshot(out))
    first, second = outputs
    assert len(first) > 560
    assert sorted(first) == sorted(second)
    different = [path for path in first if first[path] != second[path]]
    assert different == []


@pytest.mark.parametrize(
    "path",
    ["../escape.html", "/etc/passwd", "papers/../../x", "a\x00b", "", ".", "papers/.."],
)
def test_writer_refuses_paths_outside_its_folder(tmp_path: Path, path: str) -> None:
    writer = SiteWriter(tmp_path / "out")
    try:
        with pytest.raises(BuildError, match="refusing to write"):
            writer.write_text(path, "x")
    finally:
        writer.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_writer_refuses_a_symlink_that_leads_outside_and_a_path_written_twice(
    tmp_path: Path,
) -> None:
    writer = SiteWriter(tmp_path / "out")
    (writer.staging / "link").symlink_to(tmp_path)
    with pytest.raises(BuildError, match="outside the output folder"):
        writer.write_text("link/escape.html", "x")
    writer.write_text("papers/a/index.html", "x")
    with pytest.raises(BuildError, match="twice"):
        writer.write_text("papers/./a/index.html", "y")
    writer.abort()
    assert not (tmp_path / "escape.html").exists()


def test_reserved_places_refuse_planted_links_and_files(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path / "out")
    try:
        # Workers write pages into places the writer reserved, making each page's folder.
        place = writer.reserve("papers/a/index.html")
        write_reserved(writer.staging, str(place), b"page")
        assert (writer.staging / "papers/a/index.html").read_bytes() == b"page"
        # A link planted where a page's folder goes, leading out: refused, nothing written outside.
        place = writer.reserve("papers/b/index.html")
        (writer.staging / "papers/b").symlink_to(tmp_path)
        with pytest.raises(BuildError, match="outside the output folder"):
            write_reserved(writer.staging, str(place), b"x")
        assert not (tmp_path / "index.html").exists()
        # A link planted in a file's place is not followed.
        place = writer.reserve("papers/c/index.html")
        (writer.staging / "papers/c").mkdir()
        (writer.staging / "papers/c/index.html").symlink_to(tmp_path / "target.html")
        with pytest.raises(OSError):
            write_reserved(writer.staging, str(place), b"x")
        assert not (tmp_path / "target.html").exists()
        with pytest.raises(BuildError, match="twice"):
            writer.reserve("papers/a/index.html")
    finally:
        writer.abort()


def test_folders_prepared_ahead_are_made_once_and_inside(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path / "out")
    try:
        # Made while the build waits; the page written later into it is not slowed by a mkdir.
        writer.prepare("papers/a/index.html")
        assert (writer.staging / "papers/a").is_dir()
        assert not writer.written  # a prepared path is not written nor claimed
        place = writer.reserve("papers/a/index.html")
        assert writer.folder_made("papers/a/index.html")
        write_reserved(writer.staging, str(place), b"page", folder_made=True)
        assert (writer.staging / "papers/a/index.html").read_bytes() == b"page"
        # Not prepared: the writing process makes the folder.
        writer.reserve("papers/b/index.html")
        assert not writer.folder_made("papers/b/index.html")
        # A path leading out is not prepared, and still refused when reserved.
        writer.prepare("../escape/index.html")
        assert not (tmp_path / "escape").exists()
        with pytest.raises(BuildError, match="outside the output folder"):
            writer.reserve("../escape/index.html")
    finally:
        writer.abort()


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("precious")
    with pytest.raises(BuildError, match="it is not a folder"):
        SiteWriter(tmp_path / "out")
    assert (tmp_path / "out").read_text() == "precious"


def test_commit_swaps_the_site_in(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.html").write_text("old")
    writer = SiteWriter(tmp_path / "out")
    writer.write_text("index.html", "new")
    writer.commit()
    assert snapshot(tmp_path / "out") == {"index.html": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert os.stat(tmp_path / "out").st_mode & 0o755 == 0o755


def test_a_reused_file_is_copied_where_the_file_system_cannot_link(tmp_path, monkeypatch) -> None:
    previous = tmp_path / "previous.html"
    previous.write_bytes(b"unchanged page")

    def no_links(source, target):
        raise OSError(errno.EXDEV, "cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    writer = SiteWriter(tmp_path / "site")
    try:
        place = writer.reserve("papers/a/index.html")
        link_reserved(writer.staging, str(place), previous)
        assert place.read_bytes() == b"unchanged page"
        with pytest.raises(FileExistsError):  # never over something already in the place
            link_reserved(writer.staging, str(place), previous)
    finally:
        writer.abort()


def test_writer_refuses_paths_outside_and_twice(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path / "out")
    try:
        for bad in ("../escape.html", "/etc/passwd", "a/../../escape", "", "."):
            with pytest.raises(BuildError, match="outside the output folder"):
                writer.write_text(bad, "x")
        writer.write_text("a/b.html", "x")
        with pytest.raises(BuildError, match="twice"):
            writer.write_text("a/./b.html", "y")
    finally:
        writer.abort()


def test_a_file_that_cannot_be_written_is_named_in_the_error(tmp_path: Path) -> None:
    options = BuildOptions(seeds_dir=SEEDS_DIR, config_path=SITE_CONFIG)
    config = load_site_config(options)
    producer = Producer(TEMPLATES_DIR, config, load_corpus(options, config), "code", None, 1)
    writer = SiteWriter(tmp_path / "site")

    def texts():
        yield "1"
        # The second file's place is taken once the first is written: its write must fail.
        (writer.staging / "data" / "second.json").write_text("planted")
        yield "2"

    producer.add([FileJob(("data/first.json", "data/second.json"), texts)])
    try:
        with pytest.raises(BuildError, match=r"^cannot write data/second\.json: "):
            producer.write_content(writer)
    finally:
        writer.abort()
