"""British spellings read as American ones, so "normalise" finds "normalize" and the other way round.

The rules apply to a normalised term (accent-free, lower-case) before stemming, in the build and in
the browser, which receives ``SPELLINGS`` and applies them the same way (static/js/search-engine.js):

1. ``pairs``: a term made of a British beginning and one of ``suffixes`` takes the American beginning
   ("behavioural" is "behavioral", "modelling" is "modeling", "centres" is "centers");
2. ``-ise`` and ``-yse`` verbs and their derived forms take ``-ize`` and ``-yze`` ("regularisation" is
   "regularization", "analysed" is "analyzed"), except the words of ``ise_words`` and words ending in
   "wise", which are spelled with -ise in American English too ("promise", "pairwise").

Both sides apply the same rules, so a rule that misfires on a rare word only merges it with a
spelling nobody writes; the exceptions keep real words apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

SUFFIXES = ("", "s", "d", "ed", "ing", "er", "ers", "al", "ally", "ist", "ists", "hood", "hoods")
PAIRS = (
    ("acknowledgement", "acknowledgment"),
    ("ageing", "aging"),
    ("aluminium", "aluminum"),
    ("analogue", "analog"),
    ("armour", "armor"),
    ("artefact", "artifact"),
    ("behaviour", "behavior"),
    ("calibre", "caliber"),
    ("catalogue", "catalog"),
    ("centre", "center"),
    ("centred", "centered"),
    ("centring", "centering"),
    ("colour", "color"),
    ("defence", "defense"),
    ("endeavour", "endeavor"),
    ("favour", "favor"),
    ("fibre", "fiber"),
    ("flavour", "flavor"),
    ("grey", "gray"),
    ("harbour", "harbor"),
    ("honour", "honor"),
    ("humour", "humor"),
    ("judgement", "judgment"),
    ("labell", "label"),
    ("labour", "labor"),
    ("licence", "license"),
    ("litre", "liter"),
    ("metre", "meter"),
    ("modell", "model"),
    ("neighbour", "neighbor"),
    ("odour", "odor"),
    ("offence", "offense"),
    ("programme", "program"),
    ("rigour", "rigor"),
    ("rumour", "rumor"),
    ("sceptic", "skeptic"),
    ("signall", "signal"),
    ("theatre", "theater"),
    ("travell", "travel"),
    ("tumour", "tumor"),
    ("vapour", "vapor"),
    ("vigour", "vigor"),
)
ISE_WORDS = (
    "advertise", "advise", "anise", "apprise", "arise", "bruise", "chastise", "chemise",
    "circumcise", "comprise", "compromise", "concise", "cruise", "demise", "despise", "devise",
    "disguise", "enterprise", "excise", "exercise", "expertise", "franchise", "guise", "improvise",
    "incise", "merchandise", "mortise", "noise", "paradise", "poise", "porpoise", "praise",
    "precise", "premise", "promise", "raise", "reprise", "revise", "supervise", "surmise",
    "surprise", "televise", "tortoise", "treatise", "valise",
)  # fmt: skip
# A term of at least two letters, then "is" or "ys", then the ending of a verb or its derivatives.
ISE_ENDING = r"^([a-z]{2,}?)([iy])s(e|es|ed|ing|ation|ations|ational|er|ers|able)$"

_ISE = re.compile(ISE_ENDING)
_PAIRS = {british: american for british, american in PAIRS}
_SUFFIXES = frozenset(SUFFIXES)
_ISE_WORDS = frozenset(ISE_WORDS)


@lru_cache(maxsize=1 << 16)
def american(term: str) -> str:
    """The American spelling of a normalised term (the term itself when no rule applies)."""
    for end in range(len(term), 3, -1):
        american_start = _PAIRS.get(term[:end])
        if american_start is not None and term[end:] in _SUFFIXES:
            return american_start + term[end:]
    match = _ISE.match(term)
    if match is None:
        return term
    start, vowel, ending = match.groups()
    base = start + vowel + "se"
    if base in _ISE_WORDS or base.endswith("wise") or base.endswith("noise"):
        return term
    return f"{start}{vowel}z{ending}"


def settings() -> dict:
    """The rules, for the browser."""
    return {
        "pairs": [list(pair) for pair in PAIRS],
        "suffixes": list(SUFFIXES),
        "iseWords": list(ISE_WORDS),
        "iseEnding": ISE_ENDING,
    }
