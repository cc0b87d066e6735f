"""``papershelf new``: a shelf that builds, checks and publishes as it is, made without replacing
anything."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from generator import __version__
from generator.cli import main
from generator.errors import NewSiteError
from generator.read import schema
from generator.read.config import SiteConfig, TopicsConfig, parse_config
from tests.html import parse_html, text_of
from tests.support import actionlint

EXPECTED_FILES = [
    ".github/workflows/pages.yml",
    ".gitignore",
    "notes/the-forward-forward-algorithm-some-preliminary-investigations.md",
    "seeds/reading-list.txt",
    "site.yml",
]


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def shelf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "my-shelf"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("papershelf: started a shelf in my-shelf/ (5 files)\n")
    assert "cd my-shelf && papershelf serve" in out
    return tmp_path / "my-shelf"


def test_new_makes_the_shelf_files(shelf: Path) -> None:
    assert files_under(shelf) == EXPECTED_FILES
    ignored = (shelf / ".gitignore").read_text().split()
    assert "/_site/" in ignored and "/.papershelf-cache/" in ignored


@pytest.mark.parametrize("existing", ["a file in it", "a file"])
def test_new_refuses_a_folder_that_holds_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, existing: str
) -> None:
    monkeypatch.chdir(tmp_path)
    if existing == "a file":
        Path("target").write_text("mine")
    else:
        Path("target").mkdir()
        Path("target/site.yml").write_text("title: mine\n")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main(["new", "target"]) == NewSiteError.exit_code
    assert capsys.readouterr().err.startswith("error: refusing to start a shelf in target: ")
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_new_uses_an_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("empty").mkdir()
    assert main(["new", "empty"]) == 0
    assert files_under(tmp_path / "empty") == EXPECTED_FILES


def uncommented(text: str) -> str:
    """site.yml with every option uncommented: '#key' and '#  key' lines lose their '#', the
    documentation lines ('# words') stay comments."""
    return re.sub(r"^#(?=\S|  +\S)", "", text, flags=re.MULTILINE)


def test_site_yml_lists_every_option_at_its_default(shelf: Path) -> None:
    text = (shelf / "site.yml").read_text()
    assert parse_config(text) == dataclasses.replace(SiteConfig(), title="my-shelf")
    options = yaml.safe_load(uncommented(text))
    assert sorted(options) == sorted(key.name for key in schema.options(SiteConfig))
    assert sorted(options["topics"]) == sorted(key.name for key in schema.options(TopicsConfig))
    # Uncommented, every option keeps its default (the example collection aside).
    config = parse_config(uncommented(text))
    assert dataclasses.replace(config, collections={}) == dataclasses.replace(
        SiteConfig(), title="my-shelf"
    )
    assert config.collections["reading-list"].title == "My reading list"
    for key in schema.options(SiteConfig):
        first_words = " ".join(key.option.doc.split()[:4])
        assert f"# {first_words}" in text, key.name


def test_the_shelf_builds_strictly_and_shows_its_note(
    shelf: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(shelf)
    assert main(["build", "--strict"]) == 0
    assert "9 papers in 1 collection, " in capsys.readouterr().out
    slug = "the-forward-forward-algorithm-some-preliminary-investigations"
    page = parse_html(shelf / "_site/papers" / slug / "index.html")
    assert "Hinton's proposal" in text_of(page.find(".//main"))
    assert main(["check"]) == 0
    assert "papershelf check: " in capsys.readouterr().out


def test_the_workflow_installs_papershelf_builds_and_deploys(shelf: Path) -> None:
    path = shelf / ".github/workflows/pages.yml"
    result = subprocess.run(
        [actionlint(), "-no-color", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = path.read_text()
    workflow = yaml.safe_load(text)
    assert workflow["env"] == {"PAPERSHELF": f"papershelf=={__version__}"}
    # The one line to change comes before anything else the workflow does.
    assert text.index("PAPERSHELF:") < text.index("jobs:")
    runs = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    assert 'python -m pip install "$PAPERSHELF"' in runs
    assert any('papershelf build --base-url "$BASE_URL/"' in run for run in runs)
    assert "make " not in text and "npm" not in text and "node" not in text
    upload = next(
        s for s in workflow["jobs"]["build"]["steps"] if "upload-pages" in s.get("uses", "")
    )
    assert upload["with"] == {"path": "_site/", "include-hidden-files": True}
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")
