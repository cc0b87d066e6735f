"""The output folder is papershelf's own: ``build`` and ``clean`` replace or remove only a folder
that is missing, empty or a previous build, and refuse everything else without touching a file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from generator.assets import PACKAGE_DIR
from generator.cli import main
from generator.errors import OutputFolderError
from tests.support import LAYOUT_B

REFUSED = OutputFolderError.exit_code


def tree_digest(folder: Path) -> str:
    """A hash of every name, file content and link target below ``folder``."""
    hasher = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        hasher.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_symlink():
            hasher.update(b"link:" + os.readlink(path).encode())
        elif path.is_file():
            hasher.update(path.read_bytes())
    return hasher.hexdigest()


@pytest.fixture
def shelf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site folder with its inputs, a user's own folders beside them, and a home of its own."""
    home = tmp_path / "home"
    root = home / "shelf"
    (root / "seeds").mkdir(parents=True)
    (root / "seeds/may.txt").write_text(LAYOUT_B)
    (root / "site.yml").write_text("title: Lab\n")
    (root / "notes").mkdir()
    (root / "notes/todo.txt").write_text("keep me")
    (root / "templates").mkdir()
    (root / "templates/base.html").write_text("{% block content %}{% endblock %}")
    (root / "docs").mkdir()
    (root / "docs/guide.md").write_text("the user's own documentation")
    (root / "repo/.git").mkdir(parents=True)
    (root / "repo/.git/HEAD").write_text("ref: refs/heads/main\n")
    (root / "README.md").write_text("a file")
    (root / "empty").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("HOME", str(home))
    return root


@pytest.mark.parametrize("command", ["build", "clean"])
@pytest.mark.parametrize(
    ("out", "reason"),
    [
        (".", "it is the site folder"),
        ("..", "it is the home folder"),
        ("../..", "it holds the home folder"),
        ("/", "it is the file-system root"),
        ("seeds", "it is the seeds folder"),
        ("seeds/_site", "it is inside the seeds folder"),
        ("notes", "it is the notes folder"),
        ("notes/_site", "it is inside the notes folder"),
        ("templates", "it is the templates folder"),
        ("templates/out", "it is inside the templates folder"),
        ("repo", "it holds a .git"),
        ("docs", "it is not empty and holds no papershelf build"),
        ("README.md", "it is not a folder"),
        ("PACKAGE", "it is a folder of papershelf itself"),
        ("PACKAGE/out", "it is inside a folder of papershelf itself"),
    ],
)
def test_a_folder_that_is_not_papershelfs_is_refused_and_left_as_it_was(
    shelf: Path, capsys, command: str, out: str, reason: str
) -> None:
    target = out.replace("PACKAGE", str(PACKAGE_DIR))
    watched = shelf.parent.parent  # the whole test folder: the home, the shelf and its neighbours
    before, package_before = tree_digest(watched), tree_digest(PACKAGE_DIR)
    assert main([command, "--out", target, "--templates", "templates"]) == REFUSED
    error = capsys.readouterr().err
    action = "use" if command == "build" else "remove"
    assert error.startswith(f"error: refusing to {action} {target}"), error
    assert reason in error
    assert tree_digest(watched) == before
    assert tree_digest(PACKAGE_DIR) == package_before


def test_a_link_to_a_folder_is_refused(shelf: Path, capsys) -> None:
    (shelf / "elsewhere").mkdir()
    (shelf / "linked").symlink_to(shelf / "elsewhere")
    assert main(["build", "--out", "linked"]) == REFUSED
    assert "it is a symbolic link" in capsys.readouterr().err
    assert list((shelf / "elsewhere").iterdir()) == []


def test_an_empty_folder_is_used_and_a_previous_build_replaced(shelf: Path, capsys) -> None:
    assert main(["build", "--out", "empty"]) == 0
    assert (shelf / "empty/index.html").is_file()
    marker = (shelf / "empty/.papershelf").read_text()
    assert "built by papershelf" in marker
    (shelf / "empty/stale.html").write_text("from an older build")
    (shelf / "seeds/june.txt").write_text(LAYOUT_B.replace("Graph Rewiring", "Sheaf Rewiring"))
    assert main(["build", "--out", "empty", "--no-cache"]) == 0
    assert not (shelf / "empty/stale.html").exists()
    assert (shelf / "empty/papers/sheaf-rewiring-done-right/index.html").is_file()
    assert "written to empty/" in capsys.readouterr().out


def test_the_default_output_is_site_in_the_site_folder_wherever_papershelf_runs(
    shelf: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(shelf / "docs")
    assert main(["build", "--config", "../site.yml"]) == 0
    assert (shelf / "_site/index.html").is_file()
    assert "<title>Lab</title>" in (shelf / "_site/index.html").read_text()
    assert main(["clean", "--config", "../site.yml"]) == 0
    assert capsys.readouterr().out.endswith("papershelf: removed ../_site/\n")
    assert not (shelf / "_site").exists()


def test_clean_removes_a_build_and_what_killed_builds_left_only(shelf: Path, capsys) -> None:
    assert main(["build"]) == 0
    (shelf / "._site.building-x1y2").mkdir()  # left by a killed build
    (shelf / "._site.building-x1y2/index.html").write_text("half")
    others = sorted(p.name for p in shelf.iterdir() if p.name not in ("_site", ".papershelf-cache"))
    capsys.readouterr()
    assert main(["clean"]) == 0
    assert capsys.readouterr().out == "papershelf: removed _site/\n"
    assert sorted(p.name for p in shelf.iterdir() if p.name != ".papershelf-cache") == [
        name for name in others if name != "._site.building-x1y2"
    ]
    assert main(["clean"]) == 0
    assert capsys.readouterr().out == "papershelf: _site/ does not exist, nothing to remove\n"
