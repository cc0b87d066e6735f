"""Decode an input file's bytes into text: UTF-8, or UTF-16 or UTF-32 when a byte order mark says so.

Dumps and notes are both read through ``decode_text``. Editors on Windows save "Unicode" text as
UTF-16 with a byte order mark (BOM), so a file that starts with the BOM of UTF-16 or UTF-32 (either
byte order) is decoded as such, and then reads exactly as its UTF-8 twin: same text, same line
numbers. Without a BOM a file must be UTF-8 (a UTF-8 BOM is dropped). A file with NUL bytes and no
BOM is binary (an image, an archive), not text, and is refused as such; so is decoded text that
holds a NUL character.

The UTF-16 marks are two bytes that other files may start with too (``ÿþ`` in Latin-1). UTF-16 text
of any language holds a space, a line break or a byte of 0x80 or more, so bytes after the mark that
are all ASCII and none NUL are not UTF-16 (they would read as CJK-looking noise): such a file is
read as UTF-8, and refused at its first byte.
"""

from __future__ import annotations

import codecs
import re

from generator.errors import Diagnostic

# The UTF-32 LE mark begins with the UTF-16 LE one, so it is tried first.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
)
# Line breaks as the dump parser counts them (generator/read/dumps.py), so line numbers agree.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def decode_text(data: bytes, source: str, kind: str) -> tuple[str | None, Diagnostic | None]:
    """The text of a file's bytes (BOM removed), or None and why not, e.g. ``seeds/x.txt:3: not
    valid UTF-8 (byte 0xe9 at offset 52)``; ``kind`` names what the file should be ("text dump")."""
    mark, codec, label = _encoding_of(data)
    if codec == "utf-8" and b"\x00" in data:
        return None, Diagnostic(source, 0, f"binary file (contains NUL bytes), not a {kind}")
    body = data[len(mark) :]
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        offset = len(mark) + exc.start
        line = _line_of(body[: exc.start].decode(codec, errors="replace"))
        # UTF-8 names its first bad byte, as it always has; UTF-16 and UTF-32 their bad code unit.
        bad = data[offset : len(mark) + exc.end][: 1 if codec == "utf-8" else 4]
        shown = " ".join(f"0x{byte:02x}" for byte in bad)
        what = "byte" if len(bad) == 1 else "bytes"
        return None, Diagnostic(
            source, line, f"not valid {label} ({what} {shown} at offset {offset})"
        )
    if "\x00" in text:
        line = _line_of(text[: text.index("\x00")])
        return None, Diagnostic(
            source, line, f"binary file (contains NUL characters), not a {kind}"
        )
    return text, None


def _encoding_of(data: bytes) -> tuple[bytes, str, str]:
    """The file's byte order mark (or b""), the codec it names and that codec's usual name."""
    for mark, codec, label in BYTE_ORDER_MARKS:
        if data.startswith(mark) and not (codec.startswith("utf-16") and _ascii_noise(data[2:])):
            return mark, codec, label
    return b"", "utf-8", "UTF-8"


def _ascii_noise(body: bytes) -> bool:
    """True for bytes after a UTF-16 mark that hold no UTF-16 text: some, all ASCII, none NUL."""
    return bool(body) and body.isascii() and b"\x00" not in body


def _line_of(before: str) -> int:
    """The number of the line that the text ``before`` a position ends on, counted from 1."""
    return len(_LINE_BREAK.findall(before)) + 1
