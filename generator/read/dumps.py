"""Parse stage: turn the text of one dump into records and diagnostics, with no file access.

A dump is a paper-listing page saved as text: page furniture (the e-mail prompt, ``Subscribe``, the
``byAK and the research community`` byline, ``new``), an optional date line such as ``May 19``, then each
paper's title on one line followed by its abstract on the next, with or without blank lines between them.
Each kind of line has its own small recogniser: furniture and the date line are recognised in the header;
in the body, titles and abstracts are paired by their alternation, weighed by how each line reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from generator.errors import Diagnostic
from generator.read.encoding import decode_text

# Page furniture, recognised by what it says. Compared after whitespace is folded and case ignored.
FURNITURE_LINES = frozenset(
    {
        "new",
        "subscribe",
        "get trending papers in your email inbox!",
        "get trending papers in your email inbox once a day!",
        "byak and the research community",
    }
)
# In one layout the first title is glued to the Subscribe button's label.
GLUED_PREFIX = "Subscribe"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_LINE = re.compile(
    r"^(?P<month>" + "|".join(MONTHS) + r")[a-z]*\.?\s+(?P<day>\d{1,2})(?:,?\s+(?P<year>\d{4}))?$",
    re.IGNORECASE,
)

# Titles in the seeds are at most 145 characters and arXiv caps them near 250; a longer line is prose or
# several lines run together, never a title.
TITLE_MAX_CHARS = 300
_SENTENCE_BREAK = re.compile(r"[.!?][)\]\"'’”]?\s+[A-Z(]")
_FULL_STOP_END = re.compile(r"\.[)\]\"'’”]*$")
# Line breaks are only CR, LF and CRLF. Other control characters are not text: the ones that space
# words (form feed, vertical tab, separators, NEL) become spaces, the rest (escape ...) are dropped,
# so a title never carries characters that HTML, JSON or XML readers choke on.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPACING_CONTROL = re.compile(r"[\x0b\x0c\x1c-\x1f\x85]")
_OTHER_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")

# Costs of reading a line as a title or as an abstract, and of a record missing one of the two. The body
# of a dump alternates title, abstract; the parser picks the reading of the whole dump that costs least,
# so a short abstract or a long title still pairs up, and only a line that clearly does not fit its
# place (a heading where an abstract should be, prose where a title should be) makes a record incomplete.
ORPHAN_COST = 4  # a title without abstract, or an abstract without title
SLIGHT_COST = 2  # a line that fits its place less well than usual
UNLIKELY_COST = 6  # more than one orphan, less than two: one odd line never breaks the alternation
IMPOSSIBLE_COST = 10  # more than two orphans
SHORT_LINE_CHARS = 200


@dataclass(frozen=True)
class DumpDate:
    """The date line of a dump: month and day, and a year when the page gave one."""

    month: int
    day: int
    year: int | None
    line: int

    @property
    def label(self) -> str:
        """The date as the page showed it, e.g. ``May 19``."""
        text = f"{MONTHS[self.month - 1]} {self.day}"
        return f"{text}, {self.year}" if self.year else text


@dataclass(frozen=True)
class RawRecord:
    """One title and its abstract as found in a dump; ``abstract`` is None when it was lost."""

    title: str
    abstract: str | None
    line: int  # line number of the title, counted from 1


@dataclass(frozen=True)
class ParsedDump:
    """Everything one dump yields: its records in page order, its date, and what went wrong."""

    source: str
    records: tuple[RawRecord, ...]
    date: DumpDate | None
    warnings: tuple[Diagnostic, ...]
    errors: tuple[Diagnostic, ...]


def decode_dump(data: bytes, source: str) -> tuple[str | None, Diagnostic | None]:
    """Decode a dump's bytes: UTF-8, or UTF-16/32 with a BOM; a binary or undecodable file is an
    error (see ``generator.read.encoding``)."""
    return decode_text(data, source, "text dump")


def content_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) of every non-blank line, whitespace trimmed; CR, CRLF and BOM tolerated."""
    text = text.removeprefix("\ufeff")
    # Neither class holds CR or LF, so the whole text is cleaned at once, not line by line.
    text = _OTHER_CONTROL.sub("", _SPACING_CONTROL.sub(" ", text))
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        stripped = line.strip()
        if stripped:
            yield number, stripped


def is_furniture(line: str) -> bool:
    """True for the page's own labels and prompts, which are not paper content."""
    return " ".join(line.split()).casefold() in FURNITURE_LINES


def split_glued_subscribe(line: str) -> str | None:
    """Return the title glued after ``Subscribe`` (``SubscribeLocality-Aware ...``), else None."""
    if line.startswith(GLUED_PREFIX) and len(line) > len(GLUED_PREFIX):
        return line[len(GLUED_PREFIX) :].strip() or None
    return None


def match_date(line: str, number: int) -> DumpDate | None:
    """Recognise a date line such as ``May 19`` or ``May 19, 2024``."""
    found = _DATE_LINE.match(line)
    if not found:
        return None
    month = MONTHS.index(found["month"][:3].title()) + 1
    day = int(found["day"])
    if not 1 <= day <= 31:
        return None
    year = int(found["year"]) if found["year"] else None
    return DumpDate(month, day, year, number)


def sentence_breaks(line: str) -> int:
    """How many times a sentence ends inside the line and another begins."""
    return len(_SENTENCE_BREAK.findall(line))


def looks_like_heading(line: str) -> bool:
    """True for a line that reads as a title, not prose: one sentence at most, no closing full stop."""
    return (
        len(line) <= TITLE_MAX_CHARS
        and sentence_breaks(line) == 0
        and not _FULL_STOP_END.search(line)
    )


def title_cost(line: str) -> int:
    """How unlikely the line is as a title: prose (several sentences, or too long) is unlikely."""
    breaks = sentence_breaks(line)
    if len(line) > TITLE_MAX_CHARS:
        # Long prose is an abstract; a long line with no sentence in it is a title gone wrong.
        return IMPOSSIBLE_COST if breaks else UNLIKELY_COST
    if breaks >= 2:
        return UNLIKELY_COST
    return SLIGHT_COST if _FULL_STOP_END.search(line) else 0


def abstract_cost(line: str) -> int:
    """How unlikely the line is as an abstract: a heading is unlikely, a short unfinished line a little."""
    if looks_like_heading(line):
        return UNLIKELY_COST
    if len(line) < SHORT_LINE_CHARS and not _FULL_STOP_END.search(line):
        return SLIGHT_COST
    return 0


def pair_lines(costs: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """Read the body lines as records, each ``(kind, index of its first line)``: ``"pair"`` is a title
    and the abstract on the next line, ``"title"`` and ``"abstract"`` a record missing its other half.

    ``costs`` holds (title cost, abstract cost) per line; the reading of least total cost wins, and on a
    tie the earlier pair and then the kept title, so no record is dropped when either reading fits.
    """
    count = len(costs)
    best = [0] * (count + 2)  # best[i]: least cost of reading lines i and after
    for i in range(count - 1, -1, -1):
        title, abstract = costs[i]
        options = [ORPHAN_COST + min(title, abstract) + best[i + 1]]
        if i + 1 < count:
            options.append(title + costs[i + 1][1] + best[i + 2])
        best[i] = min(options)
    reading: list[tuple[str, int]] = []
    i = 0
    while i < count:
        title, abstract = costs[i]
        if i + 1 < count and title + costs[i + 1][1] + best[i + 2] == best[i]:
            reading.append(("pair", i))
            i += 2
        else:
            reading.append(("title" if title <= abstract else "abstract", i))
            i += 1
    return reading


def parse_dump(text: str, source: str) -> ParsedDump:
    """Parse a dump's text into records; a title without abstract or an abstract without title is
    a warning at its line, and parsing goes on so the records after it are intact."""
    body, date = _body_and_date(content_lines(text))
    reading = pair_lines([(title_cost(line), abstract_cost(line)) for _, line in body])
    records, warnings = _records(body, reading, source)
    errors = _dump_errors(text, records, source)
    return ParsedDump(source, tuple(records), date, tuple(warnings), tuple(errors))


def _body_and_date(
    lines: Iterator[tuple[int, str]],
) -> tuple[list[tuple[int, str]], DumpDate | None]:
    """The body lines (numbered, furniture left out, a glued title freed) and the header's date."""
    date: DumpDate | None = None
    body: list[tuple[int, str]] = []
    furniture: list[str] = []
    for number, line in lines:
        if is_furniture(line):
            furniture.append(line.casefold())
            continue
        if not body:  # still in the page header
            glued = _glued_title(line, furniture)
            if glued is not None:
                line = glued
            elif date is None and (found := match_date(line, number)):
                date = found
                continue
        body.append((number, line))
    return body, date


def _glued_title(line: str, furniture: list[str]) -> str | None:
    """The title run into the Subscribe label on a header line, given the furniture met before it."""
    # The glued layout has the e-mail prompt, then the Subscribe label run into the first title
    # (whatever its first letter: "SubscribexLSTM"); the other layout has Subscribe on its own
    # line, so a title there may start with the word. Without any furniture, "Subscribers ..."
    # is a title and "SubscribeGraph ..." a glued one.
    if "subscribe" in furniture:
        return None
    glued = split_glued_subscribe(line)
    if glued and not furniture and glued[0].islower():
        return None
    return glued


def _records(
    body: list[tuple[int, str]], reading: list[tuple[str, int]], source: str
) -> tuple[list[RawRecord], list[Diagnostic]]:
    """The records of the body as ``pair_lines`` read it, and a warning for each incomplete one."""
    records: list[RawRecord] = []
    warnings: list[Diagnostic] = []
    for kind, index in reading:
        number, line = body[index]
        if kind == "abstract":
            warnings.append(
                Diagnostic(source, number, f"abstract without title, skipped: {_preview(line)}")
            )
        elif len(line) > TITLE_MAX_CHARS:
            warnings.append(
                Diagnostic(
                    source,
                    number,
                    f"title line of {len(line)} characters is too long for a title (at most "
                    f"{TITLE_MAX_CHARS}; lines run together?), record skipped: {_preview(line)}",
                )
            )
        elif kind == "title":
            warnings.append(Diagnostic(source, number, f"title without abstract: {_preview(line)}"))
            records.append(RawRecord(line, None, number))
        else:
            records.append(RawRecord(line, body[index + 1][1], number))
    return records, warnings


def _dump_errors(text: str, records: list[RawRecord], source: str) -> list[Diagnostic]:
    """An empty dump, or one with nothing but page furniture, is an error: it yields no records."""
    if not text.strip("\ufeff \t\r\n"):
        return [Diagnostic(source, 0, "empty file, no records")]
    if not records:
        return [Diagnostic(source, 0, "no records found (only page furniture)")]
    return []


def _preview(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[: width - 1] + "…")
