"""Hostile inputs: dumps and notes saved as UTF-16 or UTF-32 read like UTF-8, binary and undecodable
files are refused with one line naming file and line, and hidden files are listed as skipped."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.errors import ConfigError, Diagnostic
from generator.read.dumps import ParsedDump, decode_dump, parse_dump
from generator.read.notes import read_notes
from tests.support import ABSTRACT_1, LAYOUT_B, SEEDS_DIR, run_cli, write_seeds
from tests.test_parse_properties import SETTINGS

SEED = "003_ec176ae3cada82f8.txt"
# Each encoding a Windows or macOS editor may save "Unicode" text in, with its byte order mark.
WITH_BOM = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
    "utf-8": codecs.BOM_UTF8,
}


def encoded(text: str, codec: str) -> bytes:
    """The text as an editor saves it in ``codec``: its byte order mark, then the text."""
    return WITH_BOM[codec] + text.encode(codec)


def decoded_and_parsed(data: bytes, source: str) -> ParsedDump:
    text, problem = decode_dump(data, source)
    assert problem is None, str(problem)
    return parse_dump(text, source)


# ---- dumps ----


@pytest.mark.parametrize("codec", sorted(WITH_BOM))
def test_a_seed_saved_with_a_byte_order_mark_parses_like_its_utf8_original(codec: str) -> None:
    text = (SEEDS_DIR / SEED).read_text("utf-8")
    original = decoded_and_parsed(text.encode("utf-8"), SEED)
    assert len(original.records) > 10
    assert decoded_and_parsed(encoded(text, codec), SEED) == original


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-be"])
def test_line_numbers_of_a_utf16_or_utf32_dump_are_those_of_its_text(codec: str) -> None:
    lost_abstract = LAYOUT_B.replace(f"{ABSTRACT_1}\n\n", "").replace("\n", "\r\n")
    dump = decoded_and_parsed(encoded(lost_abstract, codec), "seeds/a.txt")
    assert [str(warning) for warning in dump.warnings] == [
        "seeds/a.txt:11: title without abstract: 'Graph Rewiring Done Right'"
    ]
    assert [record.line for record in dump.records] == [11, 13, 17]


def test_a_binary_file_is_still_refused_as_binary() -> None:
    text, problem = decode_dump(b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "seeds/pixel.txt")
    assert text is None
    assert str(problem) == "seeds/pixel.txt: binary file (contains NUL bytes), not a text dump"
    # UTF-16 text without its byte order mark is binary too: nothing says how to read it.
    text, problem = decode_dump(LAYOUT_B.encode("utf-16-le"), "seeds/unmarked.txt")
    assert text is None and "binary file" in problem.message


def test_invalid_utf8_names_its_line_and_byte_after_a_utf8_bom() -> None:
    data = codecs.BOM_UTF8 + b"new\r\nTitle\r\nabstract \xe9t\xe9\r\n"
    text, problem = decode_dump(data, "seeds/latin1.txt")
    assert text is None
    assert str(problem) == "seeds/latin1.txt:3: not valid UTF-8 (byte 0xe9 at offset 24)"
    assert data[24] == 0xE9


def test_a_broken_utf16_dump_names_its_line_and_bytes() -> None:
    data = encoded("Title\nabstract\nmore ", "utf-16-le") + b"\x00\xd8" + "x".encode("utf-16-le")
    text, problem = decode_dump(data, "seeds/cut.txt")
    assert text is None
    assert str(problem) == "seeds/cut.txt:3: not valid UTF-16LE (bytes 0x00 0xd8 at offset 42)"


def test_a_nul_character_in_utf16_text_is_binary() -> None:
    text, problem = decode_dump(encoded("Title\n\x00abstract\n", "utf-16-be"), "seeds/nul.txt")
    assert text is None
    assert str(problem) == "seeds/nul.txt:2: binary file (contains NUL characters), not a text dump"


byte_order_marks = st.sampled_from([b"", *WITH_BOM.values(), b"\xff", b"\xfe\xff\x00"])


@SETTINGS
@given(mark=byte_order_marks, data=st.binary(max_size=300))
def test_any_bytes_decode_and_parse_or_are_refused_with_one_line(mark: bytes, data: bytes) -> None:
    text, problem = decode_dump(mark + data, "seeds/any.txt")
    if text is None:
        assert isinstance(problem, Diagnostic) and problem.path == "seeds/any.txt"
        assert problem.message.startswith(("binary file (contains NUL", "not valid UTF-"))
        assert "\n" not in str(problem)
        return
    assert problem is None and "\x00" not in text
    dump = parse_dump(text, "seeds/any.txt")
    assert all(isinstance(d, Diagnostic) for d in dump.warnings + dump.errors)


@SETTINGS
@given(
    codec=st.sampled_from(sorted(WITH_BOM)), text=st.text(st.characters(exclude_characters="\x00"))
)
def test_any_text_saved_with_a_byte_order_mark_decodes_to_itself(codec: str, text: str) -> None:
    text += "\n"  # as editors save it; a line break is what tells UTF-16 from ASCII noise
    try:
        data = encoded(text, codec)
    except UnicodeEncodeError:  # a lone surrogate: no editor can save it
        return
    assert decode_dump(data, "seeds/any.txt") == (text, None)


# ---- notes ----

NOTE = "---\ntags: [graphs, rewiring]\n---\nRewires **locally**.\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_a_note_saved_as_utf16_or_utf32_is_read(tmp_path: Path, codec: str) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "graph-rewiring.md").write_bytes(encoded(NOTE, codec))
    note = read_notes(notes, "notes").papers["graph-rewiring"]
    assert (note.body, note.tags) == ("Rewires **locally**.", ("graphs", "rewiring"))


def test_a_utf16_note_with_bad_front_matter_names_the_right_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_bytes(encoded("---\r\ntags: [a]\r\nauthor: me\r\n---\r\n", "utf-16-le"))
    with pytest.raises(ConfigError) as caught:
        read_notes(notes, "notes")
    assert caught.value.problems == [
        "notes/a.md: line 3: 'author': unknown key (known keys: tags, links)"
    ]


def test_binary_and_undecodable_notes_are_refused_naming_file_and_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (notes / "latin1.md").write_bytes(b"---\ntags: [caf\xe9]\n---\n")
    with pytest.raises(ConfigError) as caught:
        read_notes(notes, "notes")
    assert caught.value.problems == [
        "notes/image.md: binary file (contains NUL bytes), not a Markdown note",
        "notes/latin1.md:2: not valid UTF-8 (byte 0xe9 at offset 14)",
    ]


# ---- a real build from the command line ----


def test_hidden_files_are_listed_as_skipped_in_the_build_summary(tmp_path: Path) -> None:
    write_seeds(
        tmp_path / "seeds",
        {"may.txt": LAYOUT_B, ".draft.txt": LAYOUT_B, "june.txt": encoded(LAYOUT_B, "utf-16-le")},
    )
    write_seeds(
        tmp_path / "notes", {".half-done.md": "Later.\n", "forward-only-learning.md": "Kept."}
    )
    write_seeds(tmp_path / "notes" / "collections", {".may.md": "---\ntitle: Draft\n---\n"})
    skipped = [
        "note: notes/.half-done.md: skipped: hidden file",
        "note: notes/collections/.may.md: skipped: hidden file",
        "note: seeds/.draft.txt: skipped: hidden file",
    ]
    for args in (["build"], ["build", "--strict"]):  # the second reuses the cache: same summary
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert sorted(line for line in result.stderr.splitlines() if "skipped" in line) == skipped
        assert result.stdout.startswith("papershelf: 3 papers in 2 collections, ")
        assert ", 0 warnings, " in result.stdout
    assert (tmp_path / ".papershelf-cache").is_dir()  # there, and never listed


def test_a_seeds_folder_of_hidden_dumps_says_they_were_skipped(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {".draft.txt": LAYOUT_B})
    result = run_cli("build", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        4,
        "error: seeds/.draft.txt: skipped: hidden file\n"
        "error: seeds: no dump files (*.txt) in the seeds folder\n",
    )


def test_an_undecodable_seed_fails_the_build_with_one_line_naming_its_line(tmp_path: Path) -> None:
    broken = encoded("Title\r\nabstract\r\nmore", "utf-32-le")[:-2]
    write_seeds(tmp_path / "seeds", {"may.txt": LAYOUT_B, "cut.txt": broken})
    result = run_cli("build", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        5,
        "error: seeds/cut.txt:3: not valid UTF-32LE (bytes 0x65 0x00 at offset 84)\n",
    )


def test_a_latin1_file_that_starts_like_a_utf16_mark_is_not_read_as_utf16() -> None:
    # "ÿþ" in Latin-1 is the UTF-16 LE mark; the ASCII after it would read as CJK-looking noise.
    text, problem = decode_dump("ÿþ Title\nabstract\n".encode("latin-1"), "seeds/latin1.txt")
    assert text is None
    assert str(problem) == "seeds/latin1.txt:1: not valid UTF-8 (byte 0xff at offset 0)"
    # A file of nothing but the mark is an empty UTF-16 file.
    assert decode_dump(codecs.BOM_UTF16_LE, "seeds/empty.txt") == ("", None)
