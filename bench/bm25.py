"""The plain BM25 baseline of ``make bench-search``, and the bench's own word splitting.

Title and abstract are one field; text is lower-cased and split on anything that is not a letter or
a digit, English stop words are dropped, and each word is Porter-stemmed (lunr.js's stemmer, as
ported in ``generator.search.stemmer``); a query is the OR of its words. Scores are BM25 with
k1 = 1.2 and b = 0.75 and Lucene's non-negative idf, ties broken by the corpus order.

The query generator (``bench.queries``) splits words the same way but does not stem, so the
committed query files do not change when papershelf's stemmer does.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

# lunr's English list (the one papershelf's search and most lunr sites use), spelled out here so
# the baseline does not move when papershelf's search code does.
_STOP_WORDS_TEXT = """
    a able about across after all almost also am among an and any are as at be because been
    but by can cannot could dear did do does either else ever every for from get got had has have
    he her hers him his how however i if in into is it its just least let like likely may me might
    most must my neither no nor not of off often on only or other our own rather said say says she
    should since so some than that the their them then there these they this tis to too twas us
    wants was we were what when where which while who whom why will with would yet you your
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
WORD = re.compile(r"[^\W_]+")
K1 = 1.2
B = 0.75


def words(text: str) -> list[str]:
    """The lower-cased runs of letters and digits of ``text``, stop words included."""
    return WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """``words`` without stop words."""
    return [word for word in words(text) if word not in STOP_WORDS]


def analyse(text: str) -> list[str]:
    """The BM25 terms of a text: content words, Porter-stemmed."""
    from generator.search.stemmer import stem_word

    return [stem_word(word) for word in content_words(text)]


@dataclass
class Bm25:
    """A BM25 index over (id, text) documents."""

    ids: list[str]
    term_counts: list[Counter] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def over(cls, documents: list[tuple[str, str]]) -> Bm25:
        """Index ``documents``, each an (id, text) pair, in the order given."""
        index = cls([doc_id for doc_id, _ in documents])
        for number, (_, text) in enumerate(documents):
            counts = Counter(analyse(text))
            index.term_counts.append(counts)
            index.lengths.append(sum(counts.values()))
            for term in counts:
                index.postings.setdefault(term, []).append(number)
        return index

    def idf(self, term: str) -> float:
        """Lucene's BM25 idf, never negative."""
        df = len(self.postings.get(term, ()))
        return math.log(1 + (len(self.ids) - df + 0.5) / (df + 0.5))

    def search(self, query: str, limit: int = 10) -> list[str]:
        """The ids of the ``limit`` best documents for ``query`` (OR of its terms)."""
        average = sum(self.lengths) / max(len(self.lengths), 1)
        scores: dict[int, float] = {}
        for term in set(analyse(query)):
            idf = self.idf(term)
            for number in self.postings.get(term, ()):
                tf = self.term_counts[number][term]
                norm = K1 * (1 - B + B * self.lengths[number] / average)
                scores[number] = scores.get(number, 0.0) + idf * tf * (K1 + 1) / (tf + norm)
        ranked = sorted(scores, key=lambda number: (-scores[number], number))
        return [self.ids[number] for number in ranked[:limit]]
