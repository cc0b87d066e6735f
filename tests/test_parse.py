"""Parser tests: the real seeds, both layouts written inline, and broken input."""

from __future__ import annotations

import pytest

from generator.read.dumps import (
    TITLE_MAX_CHARS,
    abstract_cost,
    content_lines,
    decode_dump,
    looks_like_heading,
    parse_dump,
    title_cost,
)
from tests.support import (
    ABSTRACT_1,
    ABSTRACT_2,
    ABSTRACT_3,
    EXPECTED_TITLES,
    LAYOUT_A,
    LAYOUT_B,
    SEEDS_DIR,
)

SEED_COUNTS = {
    "000_9a4de9028e002a6d.txt": 211,
    "001_0341fee289cc69d9.txt": 73,
    "002_155d1d252854c531.txt": 65,
    "003_ec176ae3cada82f8.txt": 51,
    "004_237dc198f15ea8b3.txt": 202,
}


@pytest.mark.parametrize(("name", "count"), sorted(SEED_COUNTS.items()))
def test_real_seed_record_counts(name: str, count: int) -> None:
    dump = parse_dump((SEEDS_DIR / name).read_text(encoding="utf-8"), name)
    assert len(dump.records) == count
    assert dump.warnings == ()
    assert dump.errors == ()
    assert all(record.abstract for record in dump.records)
    assert all(not record.title.startswith("Subscribe") for record in dump.records)


def test_real_seed_first_records_and_dates() -> None:
    glued = parse_dump((SEEDS_DIR / "000_9a4de9028e002a6d.txt").read_text("utf-8"), "000")
    assert glued.records[0].title == "Locality-Aware Graph-Rewiring in GNNs"
    assert glued.records[0].line == 3
    assert glued.records[0].abstract.startswith("Graph Neural Networks (GNNs) are popular models")
    assert glued.date is None
    dated = parse_dump((SEEDS_DIR / "001_0341fee289cc69d9.txt").read_text("utf-8"), "001")
    assert dated.date is not None and dated.date.label == "May 19"
    assert dated.records[0].title.startswith("From Logistic Regression to the Perceptron")
    assert dated.records[0].line == 11
    assert dated.date.line == 9


@pytest.mark.parametrize("text", [LAYOUT_A, LAYOUT_B], ids=["glued-layout", "blank-line-layout"])
def test_both_layouts_parse_alike(text: str) -> None:
    dump = parse_dump(text, "inline.txt")
    assert [r.title for r in dump.records] == EXPECTED_TITLES
    assert [r.abstract for r in dump.records] == [ABSTRACT_1, ABSTRACT_2, ABSTRACT_3]
    assert dump.warnings == () and dump.errors == ()


def test_blank_line_layout_reads_date_and_lines() -> None:
    dump = parse_dump(LAYOUT_B, "b.txt")
    assert (dump.date.month, dump.date.day, dump.date.year) == (5, 19, None)
    assert [r.line for r in dump.records] == [11, 15, 19]


@pytest.mark.parametrize("layout", [LAYOUT_A, LAYOUT_B], ids=["glued-layout", "blank-line-layout"])
def test_noise_is_tolerated(layout: str) -> None:
    noisy = "\ufeff" + "\n\n".join(line + "  \t" for line in layout.split("\n")).replace(
        "\n", "\r\n"
    )
    dump = parse_dump(noisy, "noisy.txt")
    assert [r.title for r in dump.records] == EXPECTED_TITLES
    assert [r.abstract for r in dump.records] == [ABSTRACT_1, ABSTRACT_2, ABSTRACT_3]


def test_title_followed_by_title_is_a_warning_and_later_records_survive() -> None:
    text = LAYOUT_B.replace(f"{ABSTRACT_1}\n\n", "")
    dump = parse_dump(text, "seeds/broken.txt")
    assert [r.title for r in dump.records] == EXPECTED_TITLES
    assert [r.abstract for r in dump.records] == [None, ABSTRACT_2, ABSTRACT_3]
    assert [str(w) for w in dump.warnings] == [
        "seeds/broken.txt:11: title without abstract: 'Graph Rewiring Done Right'"
    ]


def test_abstract_without_title_is_a_warning_naming_its_line() -> None:
    text = LAYOUT_B.replace("Forward-Only Learning\n\n", "")
    dump = parse_dump(text, "seeds/broken.txt")
    assert [r.title for r in dump.records] == [
        "Graph Rewiring Done Right",
        "Four-Bit Language Models",
    ]
    assert [r.abstract for r in dump.records] == [ABSTRACT_1, ABSTRACT_3]
    assert len(dump.warnings) == 1
    warning = dump.warnings[0]
    assert (warning.path, warning.line) == ("seeds/broken.txt", 15)
    assert warning.message.startswith("abstract without title, skipped: 'Backpropagation is")


def test_last_title_without_abstract_is_kept_with_a_warning() -> None:
    dump = parse_dump(LAYOUT_A + "\nAn Orphan Title", "a.txt")
    assert dump.records[-1].title == "An Orphan Title"
    assert dump.records[-1].abstract is None
    assert [w.line for w in dump.warnings] == [9]


def test_empty_and_furniture_only_dumps_are_errors() -> None:
    assert [str(e) for e in parse_dump("", "e.txt").errors] == ["e.txt: empty file, no records"]
    assert [str(e) for e in parse_dump("\ufeff \r\n\n", "e.txt").errors] == [
        "e.txt: empty file, no records"
    ]
    furniture = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nMay 19\n"
    assert [str(e) for e in parse_dump(furniture, "f.txt").errors] == [
        "f.txt: no records found (only page furniture)"
    ]


def test_undecodable_and_binary_files_are_errors_naming_the_file() -> None:
    text, problem = decode_dump(b"Title\nabstract \xff\xfe here\n", "seeds/latin.txt")
    assert text is None
    assert str(problem) == "seeds/latin.txt:2: not valid UTF-8 (byte 0xff at offset 15)"
    text, problem = decode_dump(b"\x89PNG\r\n\x1a\n\x00\x00", "seeds/image.txt")
    assert text is None
    assert str(problem) == "seeds/image.txt: binary file (contains NUL bytes), not a text dump"
    text, problem = decode_dump("\ufeffTitle\n".encode(), "bom.txt")
    assert (text, problem) == ("Title\n", None)


def test_subscribe_is_only_furniture_in_the_header() -> None:
    text = LAYOUT_B + "\nSubscribers Prefer Short Titles\n\n" + ABSTRACT_1
    dump = parse_dump(text, "b.txt")
    assert dump.records[-1].title == "Subscribers Prefer Short Titles"


def test_content_lines_skips_blanks_and_keeps_numbers() -> None:
    assert list(content_lines("a\r\n\r\n  b  \rc")) == [(1, "a"), (3, "b"), (4, "c")]


def test_heading_and_prose_recognisers() -> None:
    assert looks_like_heading("Attention Is All You Need")
    assert looks_like_heading("Which Invariance Should We Transfer?")
    assert not looks_like_heading("We prove it.")
    assert not looks_like_heading("How Far Can Transformers Reason? The Globality Barrier.")
    assert abstract_cost(ABSTRACT_1) == 0 and abstract_cost("Attention Is All You Need") > 0
    assert title_cost("What's in a Prior? Learned Proximal Networks for Inverse Problems") == 0
    assert 0 < title_cost(ABSTRACT_1) < title_cost(ABSTRACT_1 * 2)
    # An overlong line without sentences may still be a (broken) title; long prose never is.
    assert title_cost("x" * (TITLE_MAX_CHARS + 1)) < title_cost(ABSTRACT_1 * 2)


def test_short_abstract_and_long_title_still_pair_up() -> None:
    long_title = "A Study of " + " and ".join(f"Method {n}" for n in range(20))  # 276 characters
    text = f"{long_title}\nWe prove it.\nShort Title\n{ABSTRACT_1}\n"
    dump = parse_dump(text, "a.txt")
    assert [(r.title, r.abstract, r.line) for r in dump.records] == [
        (long_title, "We prove it.", 1),
        ("Short Title", ABSTRACT_1, 3),
    ]
    assert dump.warnings == ()


def test_title_of_ten_thousand_characters_has_its_own_message() -> None:
    huge = "Transformers " * 770  # 10,010 characters, no sentence in it
    text = LAYOUT_B.replace("Forward-Only Learning", huge.strip())
    dump = parse_dump(text, "seeds/long.txt")
    assert [r.title for r in dump.records] == ["Graph Rewiring Done Right", EXPECTED_TITLES[2]]
    assert [str(w) for w in dump.warnings] == [
        "seeds/long.txt:15: title line of 10009 characters is too long for a title (at most 300; "
        "lines run together?), record skipped: 'Transformers Transformers Transformers Transformers "
        "Transfo…'"
    ]


def test_glued_title_may_start_with_a_lowercase_letter() -> None:
    dump = parse_dump(LAYOUT_A.replace("Graph Rewiring Done Right", "xLSTM Done Right"), "a.txt")
    assert dump.records[0].title == "xLSTM Done Right"


def test_only_cr_lf_and_crlf_break_lines_and_control_characters_go() -> None:
    text = f"Form\x0cFeed\u2028Title\x1b[31m\x00\x7f\n{ABSTRACT_1}\r\n"
    dump = parse_dump(text, "a.txt")
    assert [r.title for r in dump.records] == ["Form Feed\u2028Title[31m"]
