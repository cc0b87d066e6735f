"""No file from outside the site folder reaches the output unless the user named it by path: a
seed, note or template that links outside is skipped with a warning that names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from tests.support import LAYOUT_B

SECRET = "Zanzibarquux"
# A private file, shaped as a dump and as a note, so that it would be published if it were read.
PRIVATE_DUMP = (
    f"Private {SECRET} Paper Title\n\n"
    f"The confidential abstract of {SECRET}, long enough to read as an abstract of a paper.\n"
)
PRIVATE_NOTE = f"---\ntags: [{SECRET}]\n---\nThe private note {SECRET}.\n"


@pytest.fixture
def shelf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site folder, and a private folder beside it that the site must never publish."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "dump.txt").write_text(PRIVATE_DUMP)
    (private / "note.md").write_text(PRIVATE_NOTE)
    (private / "base.html").write_text(f"<html>{SECRET}{{% block content %}}{{% endblock %}}")
    root = tmp_path / "shelf"
    (root / "seeds").mkdir(parents=True)
    (root / "seeds/may.txt").write_text(LAYOUT_B)
    (root / "site.yml").write_text("title: Lab\n")
    (root / "notes").mkdir()
    monkeypatch.chdir(root)
    return root


def published_text(site: Path) -> str:
    return "\n".join(
        path.read_text("utf-8", errors="replace") for path in site.rglob("*") if path.is_file()
    )


def test_linked_seed_note_and_template_are_skipped_with_a_warning(shelf: Path, capsys) -> None:
    private = shelf.parent / "private"
    (shelf / "seeds/leak.txt").symlink_to(private / "dump.txt")
    (shelf / "notes/graph-rewiring-done-right.md").symlink_to(private / "note.md")
    (shelf / "templates").mkdir()
    (shelf / "templates/base.html").symlink_to(private / "base.html")
    assert main(["build", "--templates", "templates"]) == 0
    captured = capsys.readouterr()
    for name in ("seeds/leak.txt", "notes/graph-rewiring-done-right.md", "templates/base.html"):
        assert f"warning: {name}: is a link to a file outside the site folder; skipped" in (
            captured.err
        )
    assert "3 warnings" in captured.out
    site = shelf / "_site"
    assert (site / "papers/graph-rewiring-done-right/index.html").is_file()
    assert SECRET not in published_text(site)


def test_a_link_inside_the_site_folder_is_followed(shelf: Path) -> None:
    (shelf / "archive").mkdir()
    (shelf / "archive/june.txt").write_text(LAYOUT_B.replace("Graph Rewiring", "Sheaf Rewiring"))
    (shelf / "seeds/june.txt").symlink_to(shelf / "archive/june.txt")
    assert main(["build"]) == 0
    assert (shelf / "_site/papers/sheaf-rewiring-done-right/index.html").is_file()


def test_a_linked_seeds_folder_is_used_only_when_named(shelf: Path, capsys) -> None:
    private = shelf.parent / "private"
    (shelf / "seeds/may.txt").unlink()
    (shelf / "seeds").rmdir()
    (shelf / "seeds").symlink_to(private)
    assert main(["build"]) == 4
    error = capsys.readouterr().err
    assert "seeds/dump.txt: is a link to a file outside the site folder; skipped" in error
    assert not (shelf / "_site").exists()
    assert main(["build", "--seeds", str(private)]) == 0
    assert SECRET in (shelf / "_site/papers.json").read_text()


def test_a_notes_folder_outside_the_site_is_an_error_unless_named(shelf: Path, capsys) -> None:
    private = shelf.parent / "private"
    (private / "notes").mkdir()
    (private / "notes/graph-rewiring-done-right.md").write_text(PRIVATE_NOTE)
    for notes_dir in (str(private / "notes"), "../private/notes"):
        (shelf / "site.yml").write_text(f"title: Lab\nnotes_dir: {notes_dir}\n")
        assert main(["build"]) == 3
        assert capsys.readouterr().err == (
            f"error: site.yml: Config value 'notes_dir': {notes_dir!r} is outside the site "
            "folder; a notes folder elsewhere is used only when named with --notes\n"
        )
    assert not (shelf / "_site").exists()
    assert main(["build", "--notes", str(private / "notes")]) == 0
    page = (shelf / "_site/papers/graph-rewiring-done-right/index.html").read_text()
    assert f"The private note {SECRET}." in page
