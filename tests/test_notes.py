"""The curator's notes: Markdown with front matter on paper and collection pages, checked loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import build
from generator.errors import ConfigError, StrictModeError
from generator.read.config import parse_config
from generator.read.notes import read_notes
from tests.html import parse_html, text_of
from tests.support import LAYOUT_B, small_options, write_seeds


def write_note(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_seed_note_renders_on_its_paper(seeds_site: Path) -> None:
    page = parse_html(
        seeds_site / "papers" / "locality-aware-graph-rewiring-in-gnns" / "index.html"
    )
    note = page.find(".//section[@class='curator-note']")
    assert note is not None
    assert note.find(".//div[@class='prose']//strong").text == "locally"
    assert [text_of(t) for t in note.findall(".//li[@class='tag']")] == [
        "graph rewiring",
        "over-squashing",
        "GNNs",
    ]
    link = note.find(".//a[@class='note-link note-link-arxiv']")
    assert (link.get("href"), text_of(link)) == (
        "https://arxiv.org/abs/2310.01668",
        "arXiv:2310.01668",
    )


def test_notes_add_to_papers_and_collections(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"may.txt": LAYOUT_B})
    notes = tmp_path / "notes"
    write_note(
        notes,
        "graph-rewiring-done-right.md",
        "---\ntags: [graphs, rewiring]\nlinks:\n  code: https://example.org/code\n"
        "  arxiv: https://arxiv.org/abs/2310.01668v2\n  project: https://example.org/\n---\n"
        "Read *this* first. <script>alert(1)</script>\n",
    )
    write_note(
        notes,
        "collections/may.md",
        "---\ntitle: May picks\ndate: 2024-05-19\n---\nThe **best** of May.\n",
    )
    report = build(small_options(tmp_path))
    assert report.warnings == ()
    out = tmp_path / "out"
    page = parse_html(out / "papers" / "graph-rewiring-done-right" / "index.html")
    note = page.find(".//section[@class='curator-note']")
    assert note.find(".//em").text == "this"
    assert note.find(".//script") is None
    assert "<script>alert(1)</script>" in text_of(note)
    hrefs = [a.get("href") for a in note.findall(".//ul[@class='note-links']//a")]
    assert hrefs == [
        "https://example.org/code",
        "https://arxiv.org/abs/2310.01668v2",
        "https://example.org/",
    ]
    collection = parse_html(out / "collections" / "may" / "index.html")
    assert text_of(collection.find(".//h1")) == "May picks"
    assert collection.find(".//div[@class='prose']/p/strong").text == "best"
    assert "May 19, 2024" in text_of(collection.find(".//header[@class='page-header']"))
    other = parse_html(out / "papers" / "forward-only-learning" / "index.html")
    assert other.find(".//section[@class='curator-note']") is None


def test_a_note_for_no_paper_is_a_warning_naming_its_file(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"may.txt": LAYOUT_B})
    write_note(tmp_path / "notes", "no-such-paper.md", "Lost words.\n")
    write_note(tmp_path / "notes", "collections/june.md", "---\ntitle: June\n---\n")
    report = build(small_options(tmp_path))
    assert sorted(str(w) for w in report.warnings) == [
        f"{_shown(tmp_path)}/notes/collections/june.md: no collection with the id 'june'",
        f"{_shown(tmp_path)}/notes/no-such-paper.md: no paper with the slug 'no-such-paper'; "
        "the note is not shown",
    ]
    with pytest.raises(StrictModeError):
        build(small_options(tmp_path, out_dir=tmp_path / "strict", strict=True))


def test_bad_front_matter_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"may.txt": LAYOUT_B})
    write_note(
        tmp_path / "notes",
        "graph-rewiring-done-right.md",
        "---\ntags: [a]\nlinks:\n  arxiv: not-an-id\nauthor: me\n---\nBody\n",
    )
    write_note(tmp_path / "notes", "collections/may.md", "---\ndate: May\n---\n")
    with pytest.raises(ConfigError) as caught:
        build(small_options(tmp_path))
    shown = _shown(tmp_path)
    assert caught.value.problems == [
        f"{shown}/notes/collections/may.md: line 2: 'date': expected a date written YYYY-MM-DD, got 'May'",
        f"{shown}/notes/graph-rewiring-done-right.md: line 3: 'links': links.arxiv: expected an arXiv "
        "id such as 2310.01668, got {'arxiv': 'not-an-id'}",
        f"{shown}/notes/graph-rewiring-done-right.md: line 5: 'author': unknown key (known keys: tags, links)",
    ]
    assert not (tmp_path / "out").exists()


def test_notes_folder_is_set_in_site_yml(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"may.txt": LAYOUT_B})
    (tmp_path / "site.yml").write_text("notes_dir: curator\n", "utf-8")
    write_note(tmp_path / "curator", "forward-only-learning.md", "Kept.\n")
    write_note(tmp_path / "notes", "forward-only-learning.md", "Ignored.\n")
    build(small_options(tmp_path))
    page = parse_html(tmp_path / "out" / "papers" / "forward-only-learning" / "index.html")
    assert text_of(page.find(".//section[@class='curator-note']//div")) == "Kept."
    assert parse_config("notes_dir: curator\n").notes_dir == "curator"


def _shown(tmp_path: Path) -> str:
    """How the build names a folder below tmp_path (relative to the working folder when inside it)."""
    from generator.read.paths import display_path

    return display_path(tmp_path)


def test_front_matter_is_checked_like_site_yml(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    write_note(notes, "a-paper.md", "---\ntags: [a]\ntags: b\nlinks: {code: ftp://x}\n---\n")
    write_note(notes, "collections/may.md", "---\n- title\n---\n")
    with pytest.raises(ConfigError) as caught:
        read_notes(notes, "notes")
    assert caught.value.problems == [
        "notes/a-paper.md: line 3: 'tags': given twice",
        "notes/a-paper.md: line 4: 'links': links.code: expected an http(s) URL, got "
        "{'code': 'ftp://x'}",
        "notes/collections/may.md: line 2: expected front matter as a mapping of title, date",
    ]
