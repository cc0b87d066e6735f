"""Words of a paper that people also write another way, found in the corpus itself.

Four kinds, each a list of ``Variant`` (the form the paper writes, the form a searcher types):

- ``hyphen``: a compound written with a hyphen ("over-squashing") typed joined ("oversquashing")
  or split ("over squashing"); or a joined word whose hyphenated form another paper writes, typed
  with the hyphen or split;
- ``letter-digit``: a name of letters and a number ("GPT-4", "CIFAR10") typed joined, hyphenated or
  split ("gpt4", "gpt-4", "gpt 4");
- ``accent``: a word with accents ("Schrödinger") typed without them ("schrodinger") or in the
  LaTeX escapes abstracts are written in (``Schr\\"odinger``); or a word written without accents
  that another paper writes with them ("naive", "naïve"), typed with them;
- ``spelling``: a British or American spelling (-ise/-ize, -isation/-ization, -yse/-yze) typed the
  other way, when the corpus attests the other spelling of the same stem (some word of the corpus
  starts with it and ends in one of ``SUFFIXES``), so that "noise" or "promising" are never
  respelled.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bench.bm25 import STOP_WORDS

KINDS = ("hyphen", "letter-digit", "accent", "spelling")
HYPHENATED = re.compile(r"(?<![\w-])([A-Za-z]{2,})-([A-Za-z]{2,})(?![\w-])")
# Not a year or an id (at most 3 digits), not the front of a size such as OPT-2.7B.
LETTER_DIGIT = re.compile(r"(?<![\w-])([A-Za-z]{2,})(-?)(\d{1,3})(?![\w-]|\.\d)")
ACCENTED = re.compile(r"\w*[^\x00-\x7f]\w*")
WORD = re.compile(r"(?<![\w-])[A-Za-z]+(?![\w-])")
SUFFIXES = ("e", "ed", "es", "er", "ers", "ing", "ation", "ations", "ational")
SPELLING = re.compile(r"^([a-z]{3,}?)(is|iz|ys|yz)(" + "|".join(SUFFIXES) + ")$")
SWAP = {"is": "iz", "iz": "is", "ys": "yz", "yz": "ys"}
# Combining marks and the LaTeX accent commands that write them.
LATEX_ACCENTS = {
    "\u0308": '\\"',
    "\u0301": "\\'",
    "\u0300": "\\`",
    "\u0302": "\\^",
    "\u0303": "\\~",
}
UNDECOMPOSED = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D"}


@dataclass(frozen=True)
class Variant:
    """A word as a paper writes it and as a searcher types it."""

    kind: str
    written: str
    typed: str


def fold_accents(word: str) -> str:
    """``word`` without accents: Schrödinger is Schrodinger, Łojasiewicz is Lojasiewicz."""
    decomposed = unicodedata.normalize("NFD", "".join(UNDECOMPOSED.get(c, c) for c in word))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def latex_escaped(word: str) -> str | None:
    """``word`` with its accents as LaTeX escapes (Schr\\"odinger), or None if one has none."""
    out = []
    for char in unicodedata.normalize("NFD", word):
        if unicodedata.combining(char):
            command = LATEX_ACCENTS.get(char)
            if command is None or not out:
                return None
            out[-1] = command + out[-1]
        elif ord(char) > 0x7F:
            return None
        else:
            out.append(char)
    return "".join(out)


def hyphen_variants(text: str, joined_to_hyphenated: dict[str, str]) -> list[Variant]:
    """Compounds of ``text`` typed joined or split, and joined words typed hyphenated or split."""
    found = []
    for match in HYPHENATED.finditer(text):
        first, second = match.group(1), match.group(2)
        if first.lower() in STOP_WORDS or second.lower() in STOP_WORDS:
            continue
        found.append(Variant("hyphen", match.group(0), first + second))
        found.append(Variant("hyphen", match.group(0), f"{first} {second}"))
    for match in WORD.finditer(text):
        hyphenated = joined_to_hyphenated.get(match.group(0).lower())
        if hyphenated:
            found.append(Variant("hyphen", match.group(0), hyphenated))
            found.append(Variant("hyphen", match.group(0), hyphenated.replace("-", " ")))
    return found


def letter_digit_variants(text: str) -> list[Variant]:
    """Names such as GPT-4 or CIFAR10 typed in the two other ways."""
    found = []
    for match in LETTER_DIGIT.finditer(text):
        letters, digits = match.group(1), match.group(3)
        if letters.lower() in STOP_WORDS:
            continue
        forms = (f"{letters}{digits}", f"{letters}-{digits}", f"{letters} {digits}")
        found += [Variant("letter-digit", match.group(0), f) for f in forms if f != match.group(0)]
    return found


def accent_variants(text: str, folded_to_accented: dict[str, str]) -> list[Variant]:
    """Accented words typed without accents or LaTeX-escaped; plain words typed with accents."""
    found = []
    for match in ACCENTED.finditer(text):
        word = match.group(0)
        if not word.isalpha():
            continue
        found.append(Variant("accent", word, fold_accents(word)))
        escaped = latex_escaped(word)
        if escaped:
            found.append(Variant("accent", word, escaped))
    for match in WORD.finditer(text):
        accented = folded_to_accented.get(match.group(0).lower())
        if accented:
            found.append(Variant("accent", match.group(0), accented))
    return found


def respelled(word: str, vocabulary: set[str]) -> str | None:
    """The other (British or American) spelling of ``word`` when the corpus attests its stem."""
    match = SPELLING.match(word.lower())
    if not match or word.lower().endswith("yses"):  # "analyses" is also the plural of analysis
        return None
    root = match.group(1) + SWAP[match.group(2)]
    if not any(w.startswith(root) and w[len(root) :] in SUFFIXES for w in vocabulary):
        return None
    return root + match.group(3)


def spelling_variants(text: str, vocabulary: set[str]) -> list[Variant]:
    """Words of ``text`` typed in the other spelling."""
    found = []
    for match in WORD.finditer(text):
        other = respelled(match.group(0), vocabulary)
        if other:
            found.append(Variant("spelling", match.group(0), other))
    return found


def corpus_tables(texts: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(joined compound -> its hyphenated form, folded word -> its accented form) over the corpus,
    the first form met of each."""
    joined: dict[str, str] = {}
    accented: dict[str, str] = {}
    for text in texts:
        for match in HYPHENATED.finditer(text):
            if match.group(1).lower() in STOP_WORDS or match.group(2).lower() in STOP_WORDS:
                continue
            form = match.group(0).lower()
            joined.setdefault(form.replace("-", ""), form)
        for match in ACCENTED.finditer(text):
            if match.group(0).isalpha():
                accented.setdefault(fold_accents(match.group(0)).lower(), match.group(0).lower())
    return joined, accented


def paper_variants(
    text: str, tables: tuple[dict[str, str], dict[str, str]], vocabulary: set[str]
) -> dict[str, list[Variant]]:
    """Every variant of one paper's text, by kind, without repeats, in the order met."""
    joined, accented = tables
    found = {
        "hyphen": hyphen_variants(text, joined),
        "letter-digit": letter_digit_variants(text),
        "accent": accent_variants(text, accented),
        "spelling": spelling_variants(text, vocabulary),
    }
    return {kind: list(dict.fromkeys(variants)) for kind, variants in found.items()}
