"""lunr.js 2.3.9's Porter stemmer, ported line by line so the build stems exactly as the browser does.

lunr.py's own stemmer is a different Porter implementation: it turns a final y into i after a vowel
too ("delay" -> "delai", "play" -> "plai", where lunr.js keeps "delay"), so an index stemmed by it
misses queries that lunr.js stems. Strings are handled as JavaScript sees them, in UTF-16 units.
"""

from __future__ import annotations

import re

_STEP2 = {
    "ational": "ate",
    "tional": "tion",
    "enci": "ence",
    "anci": "ance",
    "izer": "ize",
    "bli": "ble",
    "alli": "al",
    "entli": "ent",
    "eli": "e",
    "ousli": "ous",
    "ization": "ize",
    "ation": "ate",
    "ator": "ate",
    "alism": "al",
    "iveness": "ive",
    "fulness": "ful",
    "ousness": "ous",
    "aliti": "al",
    "iviti": "ive",
    "biliti": "ble",
    "logi": "log",
}
_STEP3 = {
    "icate": "ic",
    "ative": "",
    "alize": "al",
    "iciti": "ic",
    "ical": "ic",
    "ful": "",
    "ness": "",
}
_c = "[^aeiou]"  # consonant
_v = "[aeiouy]"  # vowel
_C = _c + "[^aeiouy]*"  # consonant sequence
_V = _v + "[aeiou]*"  # vowel sequence
_MGR0 = re.compile("^(" + _C + ")?" + _V + _C)  # [C]VC... is m>0
_MEQ1 = re.compile("^(" + _C + ")?" + _V + _C + "(" + _V + ")?$")  # [C]VC[V] is m=1
_MGR1 = re.compile("^(" + _C + ")?" + _V + _C + _V + _C)  # [C]VCVC... is m>1
_S_V = re.compile("^(" + _C + ")?" + _v)  # vowel in stem
_1A = re.compile(r"^(.+?)(ss|i)es$")
_1A2 = re.compile(r"^(.+?)([^s])s$")
_1B = re.compile(r"^(.+?)eed$")
_1B2 = re.compile(r"^(.+?)(ed|ing)$")
_1B_AT = re.compile(r"(at|bl|iz)$")
_1B_DOUBLE = re.compile(r"([^aeiouylsz])\1$")
_1B_CVC = re.compile("^" + _C + _v + "[^aeiouwxy]$")
_1C = re.compile(r"^(.+?[^aeiou])y$")
_2 = re.compile("^(.+?)(" + "|".join(_STEP2) + ")$")
_3 = re.compile("^(.+?)(" + "|".join(_STEP3) + ")$")
_4 = re.compile(
    r"^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$"
)
_4_ION = re.compile(r"^(.+?)(s|t)(ion)$")
_5 = re.compile(r"^(.+?)e$")
_5_LL = re.compile(r"ll$")
_5_CVC = re.compile("^" + _C + _v + "[^aeiouwxy]$")


def _porter(w: str) -> str:
    """The Porter stem of a word of three letters or more, as lunr.js's ``porterStemmer``."""
    if len(w) < 3:
        return w
    firstch = w[0]
    if firstch == "y":
        w = "Y" + w[1:]  # an initial y is a consonant: hidden from the vowel patterns
    w = _step5(_step4(_step3(_step2(_step1c(_step1b(_step1a(w)))))))
    if firstch == "y":
        w = "y" + w[1:]
    return w


def _step1a(w: str) -> str:
    """Step 1a: plurals (``caresses`` -> ``caress``, ``ponies`` -> ``poni``, ``cats`` -> ``cat``)."""
    if _1A.search(w):
        return _1A.sub(r"\1\2", w, count=1)
    if _1A2.search(w):
        return _1A2.sub(r"\1\2", w, count=1)
    return w


def _step1b(w: str) -> str:
    """Step 1b: ``-eed``, ``-ed`` and ``-ing`` (``agreed`` -> ``agree``, ``hopping`` -> ``hop``)."""
    match = _1B.search(w)
    if match:
        return w[:-1] if _MGR0.search(match.group(1)) else w
    match = _1B2.search(w)
    if match:
        stem = match.group(1)
        if _S_V.search(stem):
            return _step1b_tidy(stem)
    return w


def _step1b_tidy(w: str) -> str:
    """After ``-ed`` or ``-ing`` went: restore an ``e`` or undouble a consonant (``hop(p)`` -> ``hop``)."""
    if _1B_AT.search(w):
        return w + "e"
    if _1B_DOUBLE.search(w):
        return w[:-1]
    if _1B_CVC.search(w):
        return w + "e"
    return w


def _step1c(w: str) -> str:
    """Step 1c: a final y after a consonant (not the first letter) becomes i."""
    match = _1C.search(w)
    return match.group(1) + "i" if match else w


def _step2(w: str) -> str:
    """Step 2: double suffixes to single ones (``-ational`` -> ``-ate``) when m > 0."""
    match = _2.search(w)
    if match and _MGR0.search(match.group(1)):
        return match.group(1) + _STEP2[match.group(2)]
    return w


def _step3(w: str) -> str:
    """Step 3: ``-icate``, ``-ative``, ``-ful``, ``-ness`` ... shortened or dropped when m > 0."""
    match = _3.search(w)
    if match and _MGR0.search(match.group(1)):
        return match.group(1) + _STEP3[match.group(2)]
    return w


def _step4(w: str) -> str:
    """Step 4: ``-al``, ``-ance``, ``-ment`` ... and ``-ion`` after s or t dropped when m > 1."""
    match = _4.search(w)
    if match:
        return match.group(1) if _MGR1.search(match.group(1)) else w
    match = _4_ION.search(w)
    if match:
        stem = match.group(1) + match.group(2)
        if _MGR1.search(stem):
            return stem
    return w


def _step5(w: str) -> str:
    """Step 5: a final ``e`` dropped (m > 1, or m = 1 and not CVC), then ``-ll`` to ``-l`` (m > 1)."""
    match = _5.search(w)
    if match:
        stem = match.group(1)
        if _MGR1.search(stem) or (_MEQ1.search(stem) and not _5_CVC.search(stem)):
            w = stem
    if _5_LL.search(w) and _MGR1.search(w):
        w = w[:-1]
    return w


def _to_utf16_units(text: str) -> str:
    units = []
    for char in text:
        code = ord(char)
        if code < 0x10000:
            units.append(char)
        else:
            code -= 0x10000
            units.append(chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
    return "".join(units)


def stem_word(word: str) -> str:
    """What ``lunr.stemmer`` (lunr.js 2.3.9) makes of a word."""
    if all(ord(char) < 0x10000 for char in word):
        return _porter(word)
    # JavaScript counts and matches UTF-16 units: a character beyond the BMP is two of them.
    stemmed = _porter(_to_utf16_units(word))
    return stemmed.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
