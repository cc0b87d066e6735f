"""``papershelf clean``: removes the output folder and nothing else, and refuses anything precious."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with seeds, a config, a built-looking site and a home folder of its own."""
    root = tmp_path / "project"
    (root / "seeds").mkdir(parents=True)
    (root / "seeds" / "a.txt").write_text("Title\nAbstract.\n")
    (root / "conf").mkdir()
    (root / "conf" / "site.yml").write_text("title: Lab\n")
    (root / "_site" / "papers" / "x").mkdir(parents=True)
    for name in ("index.html", "papers.json", "papers/x/index.html"):
        (root / "_site" / name).write_text("site")
    monkeypatch.chdir(root)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return root


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_clean_removes_the_site_and_stale_staging_folders_only(project: Path, capsys) -> None:
    (project / "._site.building-x1y2").mkdir()  # left by a killed build
    (project / "._site.building-x1y2" / "index.html").write_text("half")
    assert main(["clean", "--config", "conf/site.yml"]) == 0
    assert capsys.readouterr().out == "papershelf: removed _site/\n"
    assert files_under(project) == ["conf", "conf/site.yml", "seeds", "seeds/a.txt"]
    assert main(["clean"]) == 0
    assert capsys.readouterr().out == "papershelf: _site/ does not exist, nothing to remove\n"


@pytest.mark.parametrize(
    ("out", "message"),
    [
        (".", "refusing to remove .: it holds "),
        ("..", "refusing to remove ..: it holds "),
        ("seeds", "refusing to remove seeds: it holds "),
        ("seeds/_site", "refusing to remove seeds/_site: it is inside seeds"),
        ("conf", "refusing to remove conf: it holds "),
        ("HOME", "refusing to remove HOME: it is the home folder"),
        ("/", "refusing to remove /: it is the file-system root"),
        ("PROJECT_ROOT", "refusing to remove PROJECT_ROOT: it holds "),
        ("notes", "refusing to remove notes: it does not look like a papershelf site"),
        ("notes/todo.txt", "refusing to remove notes/todo.txt: it is not a folder"),
    ],
)
def test_clean_refuses_precious_folders(project: Path, capsys, out: str, message: str) -> None:
    (project / "seeds" / "_site").mkdir()
    (project / "notes").mkdir()
    (project / "notes" / "todo.txt").write_text("keep me")
    places = {"HOME": str(Path.home()), "PROJECT_ROOT": str(PROJECT_ROOT)}
    target = places.get(out, out)
    before = files_under(project)
    assert main(["clean", "--out", target, "--config", "conf/site.yml"]) == 7
    error = capsys.readouterr().err
    assert error.startswith("error: " + message.replace(out, target)), error
    assert files_under(project) == before
    assert Path(target).exists()
