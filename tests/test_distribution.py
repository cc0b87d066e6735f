"""papershelf as a user installs it: the sdist and wheel carry everything a build needs, and the
wheel, installed into a new environment with no Node, starts a shelf and builds it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from generator import __version__
from generator.search.payload import LUNR_VERSION
from tests.support import PROJECT_ROOT, SEEDS_DIR

# What a distribution is built from (all else in the repository is for its developers).
SOURCES = ("pyproject.toml", "README.md", "generator", "templates", "static")
VENDORED = PROJECT_ROOT / "static" / "vendor"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built as ``python -m build`` builds them (the wheel from the sdist),
    from a copy of the sources, so that the checkout gets no build/ folder."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, source / name)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def repository_files(folder: str) -> set[str]:
    root = PROJECT_ROOT / folder
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_wheel_holds_the_code_templates_static_files_lunr_and_the_scaffold(dist: Path) -> None:
    (wheel,) = dist.glob("papershelf-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, inside in (
        ("generator", "generator"),
        ("templates", "generator/templates"),
        ("static", "generator/static"),
    ):
        missing = {f"{inside}/{name}" for name in repository_files(folder)} - names
        assert not missing, missing
    for name in (
        "generator/static/vendor/lunr.min.js",
        "generator/static/vendor/lunr.LICENSE.txt",
        "generator/scaffold/seeds/reading-list.txt",
        "generator/scaffold/pages.yml",
        "generator/scaffold/gitignore",
    ):
        assert name in names
    assert not [name for name in names if name.startswith(("tests/", "seeds/", "bench/"))]


def test_the_sdist_holds_the_sources(dist: Path) -> None:
    (sdist,) = dist.glob("papershelf-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for folder in ("generator", "templates", "static"):
        missing = {f"{folder}/{name}" for name in repository_files(folder)} - names
        assert not missing, missing


def test_the_vendored_lunr_is_the_version_pinned_in_the_lock_file() -> None:
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/lunr"]["version"]
    installed = PROJECT_ROOT / "node_modules" / "lunr"  # npm ci checked it against the lock
    assert json.loads((installed / "package.json").read_text())["version"] == pinned
    assert pinned == LUNR_VERSION  # the version the search payload declares
    assert (VENDORED / "lunr.min.js").read_bytes() == (installed / "lunr.min.js").read_bytes()
    assert (VENDORED / "lunr.LICENSE.txt").read_bytes() == (installed / "LICENSE").read_bytes()
    assert f"- {pinned}\n" in (VENDORED / "lunr.min.js").read_text().splitlines(True)[1]


def site_search(site: Path, *queries: str) -> dict[str, list[str]]:
    """The first titles per query, searched by the site's own lunr.js and engine in Node."""
    node = shutil.which("node") or "node"
    result = subprocess.run(
        [node, str(PROJECT_ROOT / "tests/js/site_search.cjs"), str(site), *queries],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["lunrVersion"] == LUNR_VERSION
    return {entry["query"]: entry["titles"] for entry in answer["answers"]}


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment outside the checkout with the wheel installed (its dependencies
    resolved by pip, as a user's would be); returns its bin folder."""
    venv = tmp_path_factory.mktemp("user") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    (wheel,) = dist.glob("papershelf-*.whl")
    result = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return venv / "bin"


def run_papershelf(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed command, with only the environment's bin folder on PATH: no node, no
    checkout on the Python path."""
    environment = {
        "PATH": str(bin_dir),
        "HOME": str(cwd),
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],
    }
    return subprocess.run(
        [str(bin_dir / "papershelf"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def test_the_installed_tool_starts_a_shelf_builds_it_and_its_search_finds_papers(
    installed: Path, tmp_path: Path
) -> None:
    assert shutil.which("node", path=str(installed)) is None
    version = run_papershelf(installed, "--version", cwd=tmp_path)
    assert version.stdout == f"papershelf {__version__}\n"
    started = run_papershelf(installed, "new", "shelf", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    shelf = tmp_path / "shelf"
    workflow = (shelf / ".github/workflows/pages.yml").read_text()
    assert f'PAPERSHELF: "papershelf=={__version__}"' in workflow  # installed from a wheel file
    built = run_papershelf(installed, "build", "--strict", cwd=shelf)
    assert built.returncode == 0, built.stderr
    assert "9 papers in 1 collection" in built.stdout
    site = shelf / "_site"
    assert (site / "static/vendor/lunr.min.js").is_file()
    found = site_search(site, "preliminary investigations", "oversquashing effective resistance")
    assert found["preliminary investigations"][0].startswith("The Forward-Forward Algorithm")
    assert found["oversquashing effective resistance"][0].startswith("Understanding Oversquashing")
    checked = run_papershelf(installed, "check", cwd=shelf)
    assert checked.returncode == 0, checked.stderr
    # The real seeds, dropped into the shelf's seeds folder, build as well.
    for dump in SEEDS_DIR.glob("*.txt"):
        shutil.copy(dump, shelf / "seeds" / dump.name)
    rebuilt = run_papershelf(installed, "build", cwd=shelf)
    assert rebuilt.returncode == 0, rebuilt.stderr
    found = site_search(site, "locality aware graph rewiring")
    assert found["locality aware graph rewiring"][0] == "Locality-Aware Graph-Rewiring in GNNs"
