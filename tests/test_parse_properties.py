"""Property tests: any record set written in either dump layout, with noise, parses back unchanged.

The generated records follow the documented shape of a dump, not the parser's thresholds: a title is
one line of at most 300 characters, at most one sentence break (``What's in a Prior? Learned ...``) and
no closing full stop; an abstract is one or more sentences ending with a full stop. Within that, the
text is any Unicode (letters, marks, digits, punctuation, symbols), short or long.
"""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.read.dumps import FURNITURE_LINES, TITLE_MAX_CHARS, parse_dump

# Derandomised and small in the suite, so it is repeatable and quick; PAPERSHELF_HYPOTHESIS_EXAMPLES=2000
# explores further with fresh random cases.
EXAMPLES = int(os.environ.get("PAPERSHELF_HYPOTHESIS_EXAMPLES", "0"))
SETTINGS = settings(
    max_examples=EXAMPLES or 20,
    deadline=None,
    derandomize=not EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

_BREAK = re.compile(r"[.!?][)\]\"'’”]?\s+[A-Z(]")
_DATE = re.compile(
    r"(?i)(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(,?\s+\d{4})?"
)

word_chars = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"),
)
words = st.text(word_chars, min_size=1, max_size=10).filter(
    lambda w: not any(c.isspace() for c in w)
)
ascii_words = st.sampled_from(
    ["Learning", "graphs", "GNNs", "(LLMs)", "model", "on", "via", "C++", "x", "é", "3D", "α-β"]
)
any_word = st.one_of(words, ascii_words, ascii_words)


def is_title(text: str) -> bool:
    """The documented shape of a title line (see the module docstring)."""
    return (
        0 < len(text) <= TITLE_MAX_CHARS
        and len(_BREAK.findall(text)) <= 1
        and not re.search(r"\.[)\]\"'’”]*$", text)
        and " ".join(text.split()).casefold() not in FURNITURE_LINES
        and not text.startswith("Subscribe")
        and not _DATE.fullmatch(text)
    )


titles = st.lists(any_word, min_size=1, max_size=40).map(" ".join).filter(is_title)


@st.composite
def sentences(draw: st.DrawFn) -> str:
    body = " ".join(draw(st.lists(any_word, min_size=1, max_size=20)))
    return body + draw(st.sampled_from([".", ".", "!", "?"]))


@st.composite
def abstracts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(sentences(), min_size=1, max_size=8))
    text = " ".join(parts)
    return text if text.endswith(".") else text + "."


records = st.lists(st.tuples(titles, abstracts()), min_size=1, max_size=12)


@st.composite
def noise(draw: st.DrawFn) -> dict:
    """The noise of a real dump: BOM, line endings, trailing blanks, stray blank lines."""
    return {
        "bom": draw(st.booleans()),
        "ending": draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"])),
        # Mixed endings never put CR before LF: that pair is one CRLF line end.
        "endings": draw(st.lists(st.sampled_from(["\n", "\r\n"]), min_size=8, max_size=8)),
        "trailing": draw(st.lists(st.sampled_from(["", "", " ", "\t", "  \t", "\u00a0"]))),
        "blank_lines": draw(st.lists(st.integers(0, 2), min_size=1)),
        "leading": draw(st.lists(st.sampled_from(["", "", " ", "\t"]))),
    }


def render_dump(layout: str, pairs: list[tuple[str, str]], extra: dict, dated: bool):
    """Write ``pairs`` as a dump; return its text and the line number of each title."""
    if layout == "glued":
        lines, title_indexes = glued_layout(pairs)
    else:
        lines, title_indexes = blank_line_layout(pairs, dated)
    return with_noise(lines, title_indexes, extra)


def glued_layout(pairs: list[tuple[str, str]]) -> tuple[list[str | None], list[int]]:
    """The lines of a dump whose first title is glued to Subscribe, and the index of each title."""
    lines: list[str | None] = [
        "Get trending papers in your email inbox once a day!",
        "Get trending papers in your email inbox!",
    ]
    title_indexes: list[int] = []
    for n, (title, abstract) in enumerate(pairs):
        title_indexes.append(len(lines))
        lines.append(("Subscribe" if n == 0 else "") + title)
        lines.append(abstract)
    return lines, title_indexes


def blank_line_layout(
    pairs: list[tuple[str, str]], dated: bool
) -> tuple[list[str | None], list[int]]:
    """The lines of a dump with blank lines between all (None: a structural blank line of the
    layout), and the index of each title."""
    lines: list[str | None] = ["new", None, "Get trending papers in your email inbox!", None]
    lines += ["Subscribe", None, "byAK and the research community", None]
    if dated:
        lines += ["May 19", None]
    title_indexes: list[int] = []
    for title, abstract in pairs:
        title_indexes.append(len(lines))
        lines += [title, None, abstract, None]
    return lines, title_indexes


def with_noise(
    lines: list[str | None], title_indexes: list[int], extra: dict
) -> tuple[str, list[int]]:
    """The text of the lines with ``extra``'s noise, and the line number of each title in it."""
    out: list[str] = []
    title_lines: list[int] = []
    blanks, trailing, leading = extra["blank_lines"], extra["trailing"], extra["leading"]
    for index, line in enumerate(lines):
        text = "" if line is None else line
        if trailing:
            text += trailing[index % len(trailing)]
        if leading and line is not None:
            text = leading[index % len(leading)] + text
        if index in title_indexes:
            title_lines.append(len(out) + 1)
        out.append(text)
        out += [" " * (n % 2) for n in range(blanks[index % len(blanks)])]
    return joined(out, extra), title_lines


def joined(lines: list[str], extra: dict) -> str:
    """The lines joined with ``extra``'s line endings, after a BOM if it has one."""
    if extra["ending"] == "mixed":
        endings = extra["endings"]
        text = "".join(line + endings[n % len(endings)] for n, line in enumerate(lines))
    else:
        text = extra["ending"].join(lines) + extra["ending"]
    return "\ufeff" + text if extra["bom"] else text


@SETTINGS
@given(
    pairs=records,
    layout=st.sampled_from(["glued", "blank-line"]),
    extra=noise(),
    dated=st.booleans(),
)
def test_records_round_trip_through_either_layout_with_noise(
    pairs: list[tuple[str, str]], layout: str, extra: dict, dated: bool
) -> None:
    text, title_lines = render_dump(layout, pairs, extra, dated)
    dump = parse_dump(text, "gen.txt")
    assert [(r.title, r.abstract) for r in dump.records] == pairs
    assert [r.line for r in dump.records] == title_lines
    assert dump.warnings == () and dump.errors == ()
    if layout == "blank-line" and dated:
        assert dump.date is not None and dump.date.label == "May 19"


@SETTINGS
@given(
    pairs=st.lists(st.tuples(titles, abstracts()), min_size=3, max_size=8),
    layout=st.sampled_from(["glued", "blank-line"]),
    extra=noise(),
    data=st.data(),
)
def test_a_lost_abstract_costs_one_warning_and_no_other_record(
    pairs: list[tuple[str, str]], layout: str, extra: dict, data: st.DataObject
) -> None:
    # The title that follows the lost abstract must read as a heading for the loss to be visible.
    victim = data.draw(st.integers(0, len(pairs) - 1))
    if victim + 1 < len(pairs):
        next_title = pairs[victim + 1][0]
        if _BREAK.search(next_title) or next_title.endswith(("!", "?")):
            return
    text, title_lines = render_dump(layout, pairs, extra, dated=False)
    lost = pairs[victim][1]
    text = text.replace(lost, "", 1) if text.count(lost) == 1 else None
    if text is None:
        return
    dump = parse_dump(text, "gen.txt")
    expected = [(t, None if n == victim else a) for n, (t, a) in enumerate(pairs)]
    assert [(r.title, r.abstract) for r in dump.records] == expected
    assert [(w.line, w.message.split(":")[0]) for w in dump.warnings] == [
        (title_lines[victim], "title without abstract")
    ]


@SETTINGS
@given(
    pairs=st.lists(st.tuples(titles, abstracts()), min_size=3, max_size=8),
    extra=noise(),
    data=st.data(),
)
def test_a_lost_title_costs_one_warning_and_no_other_record(
    pairs: list[tuple[str, str]], extra: dict, data: st.DataObject
) -> None:
    # Blank-line layout: deleting the title line leaves the abstract where the title was.
    victim = data.draw(st.integers(1, len(pairs) - 1))
    text, title_lines = render_dump("blank-line", pairs, extra, dated=False)
    lost_title, orphan = pairs[victim]
    if len(orphan) < 60 or sum(text.count(t) for t, _ in pairs) != len(pairs):
        return  # a one-line abstract can pass for a title: then nothing tells the loss
    lines = re.split(r"\r\n|\r|\n", text)
    line_of_title = title_lines[victim] - 1
    assert lost_title in lines[line_of_title]
    lines[line_of_title] = ""
    dump = parse_dump("\n".join(lines), "gen.txt")
    assert [(r.title, r.abstract) for r in dump.records] == pairs[:victim] + pairs[victim + 1 :]
    assert len(dump.warnings) == 1
    assert dump.warnings[0].message.startswith("abstract without title, skipped")
