"""Search text normalisation, defined once: the build applies it here, the browser gets its settings.

A text is split into words on ``SEPARATOR`` (whitespace and punctuation that never joins a word;
hyphens, dots and apostrophes stay inside words). Each word then goes through three pipeline steps,
registered in lunr.py under the names below and in lunr.js (static/js/search-engine.js) under the
same names, so ``lunr.Index.load`` accepts the index:

1. ``papershelf-normalise``: compatibility-decompose, lower-case and drop combining marks (so
   "Schrödinger" is "schrodinger" and "𝔽" is "f"), drop apostrophes, then split on anything that is
   not a letter or digit. A word of several parts gives the joined form first, then each part:
   "over-squashing" gives "oversquashing", "over", "squashing"; "GPT-4" gives "gpt4", "gpt", "4".
   LaTeX accent commands are read as the letters they mark: ``Schr\\"odinger`` and
   ``Schr{\\"o}dinger`` are "schrodinger".
2. ``papershelf-stop-words``: drops English stop words, except in titles (skipped for the title
   field), so a query made of stop words ("all you need") still finds the titles that hold them.
3. ``papershelf-spelling``: British spellings become American ones ("normalise" is "normalize",
   "behaviour" is "behavior"), by the rules of ``SPELLINGS``, so both spellings find each other.
4. ``stemmer``: lunr.js's Porter stemmer (``lunr.stemmer``), ported to Python in stemmer.py
   because lunr.py's stemmer differs from it on words such as "delay" and "play".

A word's normalised, respelled term is its *form*; the index keeps, per stem, which forms each paper
holds, so a query word found in its own form ranks above the same stem reached from another form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from lunr.pipeline import Pipeline
from lunr.stop_word_filter import WORDS as LUNR_STOP_WORDS
from lunr.token import Token

from generator.search import spelling
from generator.search.spelling import american
from generator.search.stemmer import stem_word

# One character class, valid and equal in Python's re and JavaScript's RegExp: whitespace, and
# punctuation that never sits inside a word. Hyphens, dots and apostrophes stay, to be joined, and so
# do backslashes, braces, double quotes, ^ and `, the marks of LaTeX accents: Schr{\"o}dinger.
SEPARATOR = (
    r"[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
    r"!()*,/:;<=>?@\[\]|~\u00ab\u00bb\u2013-\u2015\u2018\u201a-\u201f\u2026\u2039\u203a]"
)
# LaTeX accents and letters, as written in abstracts: \"o, \"{o}, {\"o}, \c{c}, {\ss}, \o. The
# browser has the same three expressions (static/js/search-engine.js).
LATEX_ACCENT = r"\\[`'^\x22~=.]\{?([A-Za-z])\}?|\\[uvHcdbkr]\{([A-Za-z])\}"
LATEX_LETTER = r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])"
LATEX_BRACES = r"[{}]"
APOSTROPHES = "'\u2019\u02bc"
NORMALISE = "papershelf-normalise"
STOP_WORDS_FILTER = "papershelf-stop-words"
SPELLING = "papershelf-spelling"
STEMMER = "stemmer"
# Build pipeline in order; the stop-word filter is skipped for these fields.
PIPELINE = (NORMALISE, STOP_WORDS_FILTER, SPELLING, STEMMER)
STOP_WORDS_KEPT_IN = ("title",)
STOP_WORDS = tuple(sorted(LUNR_STOP_WORDS))
# What lunr.js runs on a query term given with usePipeline (papershelf's own queries do not).
SEARCH_PIPELINE = (NORMALISE, SPELLING, STEMMER)

SEPARATOR_RUN = re.compile(SEPARATOR + "+")
_STOP_WORDS = frozenset(STOP_WORDS)
_APOSTROPHE = re.compile(f"[{APOSTROPHES}]")
_ASCII_NON_WORD = re.compile(r"[^a-z0-9]+")
_LATEX_ACCENT = re.compile(LATEX_ACCENT)
_LATEX_LETTER = re.compile(LATEX_LETTER)
_LATEX_BRACES = re.compile(LATEX_BRACES)


def split_words(text: str) -> list[str]:
    """The words of a text, as lunr's tokenizer cuts them with ``SEPARATOR``."""
    return [word for word in SEPARATOR_RUN.split(text) if word]


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


@lru_cache(maxsize=1 << 18)
def normalise_word(word: str) -> tuple[str, ...]:
    """Accent-free lower-case terms of one word: the joined form, then its parts if several."""
    if word.isascii() and "\\" not in word:  # most words: no accents or LaTeX, only [a-z0-9]
        folded = word.lower().replace("'", "")
        if folded.isalnum():
            return (folded,)
        return _joined_and_parts([part for part in _ASCII_NON_WORD.split(folded) if part])
    return normalise_any_word(word)


def unlatex(word: str) -> str:
    """A word with its LaTeX accents and letters read as letters (the accents are dropped later)."""
    word = _LATEX_ACCENT.sub(lambda m: m.group(1) or m.group(2), word)
    word = _LATEX_LETTER.sub(lambda m: m.group(1), word)
    return _LATEX_BRACES.sub("", word)


def normalise_any_word(word: str) -> tuple[str, ...]:
    """``normalise_word`` for any word, without the shortcut taken for ASCII words."""
    if "\\" in word:
        word = unlatex(word)
    folded = unicodedata.normalize("NFKD", word).lower()
    folded = "".join(c for c in folded if not unicodedata.category(c).startswith("M"))
    folded = _APOSTROPHE.sub("", folded)
    parts: list[str] = []
    current: list[str] = []
    for char in folded:
        if _is_word_char(char):
            current.append(char)
        elif current:
            parts.append("".join(current))
            current = []
    if current:
        parts.append("".join(current))
    return _joined_and_parts(parts)


def _joined_and_parts(parts: list[str]) -> tuple[str, ...]:
    if len(parts) <= 1:
        return tuple(parts)
    return tuple(dict.fromkeys(["".join(parts), *parts]))


def is_stop_word(term: str) -> bool:
    """Whether a normalised term is an English stop word (lunr's list)."""
    return term in _STOP_WORDS


@lru_cache(maxsize=1 << 18)
def stem(form: str) -> str:
    """lunr.js's Porter stem of a form (a normalised term in American spelling)."""
    return stem_word(form)


@lru_cache(maxsize=1 << 18)
def index_forms(word: str, keep_stop_words: bool) -> tuple[str, ...]:
    """The forms of one word an index keeps: its normalised terms in American spelling, stop words
    dropped unless kept for the field."""
    return tuple(
        american(term) for term in normalise_word(word) if keep_stop_words or not is_stop_word(term)
    )


@lru_cache(maxsize=1 << 18)
def index_terms(word: str, keep_stop_words: bool) -> tuple[str, ...]:
    """The index terms of one word, through the whole build pipeline, for one kind of field."""
    return tuple(stem(form) for form in index_forms(word, keep_stop_words))


def field_terms(text: str, field: str) -> list[str]:
    """The index terms of a field's text, in order, repeated as often as they occur."""
    keep = field in STOP_WORDS_KEPT_IN
    return [term for word in split_words(text) for term in index_terms(word, keep)]


def _normalise_token(token: Token, i: int | None = None, tokens: list | None = None) -> list[Token]:
    return [Token(term, dict(token.metadata)) for term in normalise_word(token.string)]


def _stop_word_filter(token: Token, i: int | None = None, tokens: list | None = None):
    return None if is_stop_word(token.string) else token


def _respell(token: Token, i: int | None = None, tokens: list | None = None) -> Token:
    return token.update(lambda string, metadata: american(string))


def _stemmer(token: Token, i: int | None = None, tokens: list | None = None) -> Token:
    return token.update(lambda string, metadata: stem(string))


# Serialised as lunr.js's "stemmer", which it equals; not registered, to leave lunr.py's own alone.
_stemmer.label = STEMMER
Pipeline.register_function(_normalise_token, NORMALISE)
Pipeline.register_function(_stop_word_filter, STOP_WORDS_FILTER)
Pipeline.register_function(_respell, SPELLING)


def lunr_py_pipelines(build: Pipeline, search: Pipeline, fields: list[str]) -> None:
    """Set up a lunr.py builder's pipelines as papershelf's (used to check the direct writer)."""
    build.reset()
    build.add(_normalise_token, _stop_word_filter, _respell, _stemmer)
    build.skip(_stop_word_filter, [f for f in fields if f in STOP_WORDS_KEPT_IN])
    search.reset()
    search.add(_normalise_token, _respell, _stemmer)


def settings() -> dict:
    """What the browser needs to treat text exactly as the build did."""
    return {
        "separator": SEPARATOR,
        "apostrophes": APOSTROPHES,
        "pipeline": list(PIPELINE),
        "searchPipeline": list(SEARCH_PIPELINE),
        "stopWords": list(STOP_WORDS),
        "stopWordsKeptIn": list(STOP_WORDS_KEPT_IN),
        "latex": [LATEX_ACCENT, LATEX_LETTER, LATEX_BRACES],
        "spelling": spelling.settings(),
    }
