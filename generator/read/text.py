"""Clean text: restore the LaTeX escapes that lost their meaning when a listing page was scraped.

Abstracts copied from arXiv keep their authors' LaTeX: ``100\\%``, ``Schr\\"odinger``, ``{\\L}ojasiewicz``,
``{\\em persistent homology}``. ``clean_text`` turns each such escape into the character or the words it
stands for. Anything it cannot restore is left exactly as it was: math (``\\[ ... \\]``, ``\\( ... \\)``,
``$ ... $``) is never touched, nor are commands it does not know (an author's own macro such as
``\\tool``), and no word is ever dropped.
"""

from __future__ import annotations

import re
import unicodedata

# Accent commands and the combining character each one stands for.
ACCENTS = {
    "'": "\u0301",  # acute
    "`": "\u0300",  # grave
    '"': "\u0308",  # diaeresis
    "^": "\u0302",  # circumflex
    "~": "\u0303",  # tilde
    "=": "\u0304",  # macron
    ".": "\u0307",  # dot above
    "u": "\u0306",  # breve
    "v": "\u030c",  # caron
    "H": "\u030b",  # double acute
    "c": "\u0327",  # cedilla
    "k": "\u0328",  # ogonek
    "r": "\u030a",  # ring above
    "d": "\u0323",  # dot below
}
# Letters LaTeX writes as commands.
LETTERS = {
    "L": "Ł",
    "l": "ł",
    "o": "ø",
    "O": "Ø",
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "i": "ı",
    "j": "ȷ",
}
# Escaped special characters.
SPECIALS = {"%": "%", "&": "&", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}"}
# Commands whose one argument is text in another font: the text stays, the command goes.
FONT_COMMANDS = ("textbf", "textit", "emph", "texttt", "textsc", "textrm", "textsf", "underline")
# Old-style font switches used inside a group: ``{\em words}``.
FONT_SWITCHES = ("em", "it", "bf", "sc", "tt", "rm", "sl", "sf")

_MATH = re.compile(r"\\\[.*?\\\]|\\\(.*?\\\)|\$\$.*?\$\$|\$[^$]+\$", re.DOTALL)
_LETTER_ARG = r"(?:\\[ij](?![A-Za-z])|[A-Za-z])"
_SYMBOL_ACCENT = re.compile(
    r"(?P<open>\{)?\\(?P<accent>['`\"^~=.])\s*"
    rf"(?:\{{(?P<braced>{_LETTER_ARG})\}}|(?P<bare>{_LETTER_ARG})(?:(?<=\\[ij]) (?=[A-Za-z]))?)"
    r"(?(open)\})"
)
# Letter-named accents (\v, \c ...) need a braced argument or a space, else they are other commands.
_WORD_ACCENT = re.compile(
    r"(?P<open>\{)?\\(?P<accent>[uvHckrd])"
    rf"(?:\{{(?P<braced>{_LETTER_ARG})\}}|\s+(?P<bare>{_LETTER_ARG}))(?(open)\}})"
)
_LETTER = re.compile(
    r"\{\\(?P<braced>" + "|".join(sorted(LETTERS, key=len, reverse=True)) + r")(?:\{\})?\}"
    r"|\\(?P<bare>"
    + "|".join(sorted(LETTERS, key=len, reverse=True))
    + r")(?![A-Za-z])(?:\{\}| (?=[A-Za-z]))?"
)
_SPECIAL = re.compile(r"\\([%&_#${}])")
_FONT_COMMAND = re.compile(r"\\(?:" + "|".join(FONT_COMMANDS) + r")\{([^{}]*)\}")
_FONT_SWITCH = re.compile(r"\{\\(?:" + "|".join(FONT_SWITCHES) + r")(?![A-Za-z])\s*([^{}]*)\}")
# A font command whose closing brace the scrape lost: drop the command, keep every word after it.
_UNCLOSED_FONT_COMMAND = re.compile(r"\\(?:" + "|".join(FONT_COMMANDS) + r")\{(?![^{}]*\})")
_HREF = re.compile(r"\\href\{([^{}\s]+)\}\{([^{}]*)\}")
# A scraped ``\href{URL{TEXT}...}``: the link text survived inside the URL's braces.
_BROKEN_HREF = re.compile(r"\\href\{([^{}\s]+)\{([^{}]*)\}([^{}]*)\}")
_CONTROL_SPACES = re.compile(r"\\[ ,;:!](?![A-Za-z])|\\ ")
# What a restorable escape looks like; tests use it to prove none is left on any page.
RESTORABLE = re.compile(
    r"\\['`\"^~=.%&_#$]"
    r"|\\(?:L|l|o|O|ss|ae|AE|oe|OE|aa|AA)(?![A-Za-z])"
    r"|\\[uvHckrd]\{"
    r"|\\(?:" + "|".join(FONT_COMMANDS) + r"|href)\{"
    r"|\{\\(?:" + "|".join(FONT_SWITCHES) + r")(?![A-Za-z])"
)


def clean_text(text: str) -> str:
    """The text with every restorable LaTeX escape replaced by what it stands for; math untouched."""
    if "\\" not in text:
        return text
    parts: list[str] = []
    position = 0
    for math in _MATH.finditer(text):
        parts.append(_clean_prose(text[position : math.start()]))
        parts.append(math.group())
        position = math.end()
    parts.append(_clean_prose(text[position:]))
    return "".join(parts)


def _accented(match: re.Match[str]) -> str:
    letter = match.group("braced") or match.group("bare")
    base = {"\\i": "i", "\\j": "j"}.get(letter, letter)
    return unicodedata.normalize("NFC", base + ACCENTS[match.group("accent")])


def _letter(match: re.Match[str]) -> str:
    return LETTERS[match.group("braced") or match.group("bare")]


def _href(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    return label if label in ("", url) else f"{label} ({url})"


def _broken_href(match: re.Match[str]) -> str:
    return _href(match) + match.group(3)


def _clean_prose(text: str) -> str:
    """Restore escapes in text that holds no math."""
    if "\\" not in text:
        return text
    text = _SYMBOL_ACCENT.sub(_accented, text)
    text = _WORD_ACCENT.sub(_accented, text)
    text = _LETTER.sub(_letter, text)
    text = _HREF.sub(_href, text)
    text = _BROKEN_HREF.sub(_broken_href, text)
    # Innermost groups first, so nested commands unwind from the inside.
    previous = None
    while previous != text:
        previous = text
        text = _FONT_COMMAND.sub(r"\1", text)
        text = _FONT_SWITCH.sub(r"\1", text)
    text = _UNCLOSED_FONT_COMMAND.sub("", text)
    text = _CONTROL_SPACES.sub(" ", text)
    return _SPECIAL.sub(lambda match: SPECIALS[match.group(1)], text)
