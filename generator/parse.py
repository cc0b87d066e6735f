"""Parse stage: turn the text of one dump into records and diagnostics, with no file access.

A dump is a paper-listing page saved as text: page furniture (the e-mail prompt, ``Subscribe``, the
``byAK and the research community`` byline, ``new``), an optional date line such as ``May 19``, then each
paper's title on one line followed by its abstract on the next, with or without blank lines between them.
Each kind of line has its own small recogniser; the parser tries them in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from generator.errors import Diagnostic

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

# An abstract is prose: long, or several sentences. Titles in the seeds are at most 145 characters and
# abstracts at least 400, so the thresholds leave a wide margin on both sides.
ABSTRACT_MIN_CHARS = 250
_SENTENCE_END = re.compile(r"[.!?][)\]\"']?\s+[A-Z(]")


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
    """Decode a dump's bytes as UTF-8 (with or without BOM); a binary or non-UTF-8 file is an error."""
    if b"\x00" in data:
        return None, Diagnostic(source, 0, "binary file (contains NUL bytes), not a text dump")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Diagnostic(
            source, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        )


def content_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) of every non-blank line, whitespace trimmed; CR, CRLF and BOM tolerated."""
    text = text.removeprefix("\ufeff")
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped:
            yield number, stripped


def is_furniture(line: str) -> bool:
    """True for the page's own labels and prompts, which are not paper content."""
    return " ".join(line.split()).casefold() in FURNITURE_LINES


def split_glued_subscribe(line: str) -> str | None:
    """Return the title glued after ``Subscribe`` (``SubscribeLocality-Aware ...``), else None."""
    if line.startswith(GLUED_PREFIX) and len(line) > len(GLUED_PREFIX):
        rest = line[len(GLUED_PREFIX) :]
        if not rest[0].islower():  # "Subscribers ..." or "Subscribed ..." would be a real title
            return rest.strip()
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


def looks_like_abstract(line: str) -> bool:
    """True for prose: a long line, or one holding at least two sentences."""
    return len(line) >= ABSTRACT_MIN_CHARS or len(_SENTENCE_END.findall(line)) >= 2


def parse_dump(text: str, source: str) -> ParsedDump:
    """Parse a dump's text into records; a title without abstract or an abstract without title is
    a warning at its line, and parsing goes on so the records after it are intact."""
    records: list[RawRecord] = []
    warnings: list[Diagnostic] = []
    date: DumpDate | None = None
    pending_title: tuple[int, str] | None = None
    in_header = True

    def flush_title_without_abstract() -> None:
        number, title = pending_title
        warnings.append(Diagnostic(source, number, f"title without abstract: {_preview(title)}"))
        records.append(RawRecord(title, None, number))

    for number, line in content_lines(text):
        if is_furniture(line):
            continue
        if in_header:
            glued = split_glued_subscribe(line)
            if glued is not None:
                line = glued
            elif date is None and (found := match_date(line, number)):
                date = found
                continue
        in_header = False
        if looks_like_abstract(line):
            if pending_title is None:
                warnings.append(
                    Diagnostic(source, number, f"abstract without title, skipped: {_preview(line)}")
                )
            else:
                records.append(RawRecord(pending_title[1], line, pending_title[0]))
                pending_title = None
        else:
            if pending_title is not None:
                flush_title_without_abstract()
            pending_title = (number, line)
    if pending_title is not None:
        flush_title_without_abstract()

    errors: list[Diagnostic] = []
    if not text.strip("\ufeff \t\r\n"):
        errors.append(Diagnostic(source, 0, "empty file, no records"))
    elif not records:
        errors.append(Diagnostic(source, 0, "no records found (only page furniture)"))
    return ParsedDump(source, tuple(records), date, tuple(warnings), tuple(errors))


def _preview(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[: width - 1] + "…")
