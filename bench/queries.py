"""The known-item query sets of ``make bench-search``, written from the seeds with a fixed seed.

``python -m bench.queries`` regenerates every set in memory and checks it against the committed
files in bench/queries/ (exit status 1 if one differs); ``--regenerate`` rewrites them.

Each query is meant to find one paper, its target, read from seeds/ by papershelf's own reader;
targets are drawn in a seeded random order, 50 a category:

- ``title``: 2 to 4 words of the target's title (the rarer, the likelier), in title order or (two
  times in five) shuffled;
- ``abstract``: 3 to 5 words of its abstract that are not in its title, as a reader remembers a few
  telling words: among the 12 words of the abstract with the highest salience (times the abstract
  uses the word, times its idf), drawn with the salience as weight. Each is in at most 10 % of the
  papers but in one other paper at least (no names, codes or typos), and is a topical word: the
  papers that use it use it 1.5 times or more on average ("plasticity", "qubits"; not "otherwise");
- ``typo``: a title query with one word of 5 letters or more mistyped once (insertion, deletion,
  substitution of a neighbouring key, or two adjacent letters swapped; never the first letter),
  into a word the corpus does not contain;
- ``prefix``: a title query whose last word (5 letters or more) is cut to its first 3 to 6 letters;
- ``variant``: 1 to 3 title words and a word of the title or abstract typed in another form
  (bench/variants.py); the four kinds of form take turns, one query a target, the same typed form
  in two queries at most.

Words are lower-cased runs of letters (bench/bm25.py), without stop words and a few function words
("via", "towards"); a word and its plural count as one (a final s is dropped except after s, u or
i). The rule for distinctive queries: every word is in at most 20 % of the papers (``variant``:
but for the variant itself); were words to fall in papers independently, fewer than 0.5 other
papers would hold them all; and at most 2 other papers do hold them all, so no query is trivially
ambiguous. Each query records that count as ``others``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.bm25 import STOP_WORDS, words
from bench.variants import KINDS, Variant, corpus_tables, paper_variants
from bench.workspace import BENCH_DIR, PROJECT_ROOT

QUERIES_DIR = BENCH_DIR / "queries"
SEED = 19  # issue 19
PER_CATEGORY = 50
KNOWN_ITEM = ("title", "abstract", "typo", "prefix", "variant")
MAX_WORD_SHARE = 0.2
MAX_EXPECTED_OTHERS = 0.5
MAX_OTHERS = 2
MAX_SAME_VARIANT = 2  # queries typing the same variant form (naïve, cifar10) at most
SALIENT = 12
ABSTRACT_MAX_WORD_SHARE = 0.1
MIN_BURSTINESS = 1.5
URL = re.compile(r"https?://\S+")
KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# Function words beyond the stop words, which a searcher leaves out of a query.
_FUNCTION_WORDS_TEXT = """
    via towards toward using use based without beyond through within between under over upon onto
    versus more less much many new novel one two three first second whose whether both each such
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())


def seed_papers(project: Path = PROJECT_ROOT) -> list:
    """The papers of seeds/, read by papershelf's own reader with the project's site.yml."""
    from generator.inputs import load_corpus, load_site_config
    from generator.options import BuildOptions

    options = BuildOptions(seeds_dir=project / "seeds", config_path=project / "site.yml")
    return list(load_corpus(options, load_site_config(options)).papers)


def fold(word: str) -> str:
    """The key a word is counted under: lower case, a plural's final s dropped."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word[-1] == "s" and word[-2] not in "sui" else word


def candidate_words(text: str) -> list[str]:
    """The words of ``text`` a query may use: letters only, 3 or more, not stop words; once each."""
    found = [w for w in words(URL.sub(" ", text)) if w.isalpha() and len(w) >= 3]
    return list(dict.fromkeys(w for w in found if w not in STOP_WORDS | FUNCTION_WORDS))


@dataclass
class Corpus:
    """The papers and what the generator counts in them."""

    papers: list
    folds: list[set[str]]  # per paper, the folded words of title and abstract
    df: Counter  # papers holding a folded word
    cf: Counter  # times the corpus uses it
    vocabulary: set[str]

    @classmethod
    def of(cls, papers: list) -> Corpus:
        """Count the words of ``papers``."""
        texts = [f"{p.title} {p.abstract or ''}" for p in papers]
        used = [Counter(fold(w) for w in words(URL.sub(" ", text))) for text in texts]
        df = Counter(key for counts in used for key in counts)
        cf = sum(used, Counter())
        vocabulary = {w for text in texts for w in words(text)}
        return cls(papers, [set(counts) for counts in used], df, cf, vocabulary)

    def share(self, word: str) -> float:
        """The fraction of papers holding ``word``."""
        return self.df[fold(word)] / len(self.papers)

    def burstiness(self, word: str) -> float:
        """How many times a paper that uses ``word`` uses it, on average: topical words recur
        within a text, words of general English ("otherwise", "bear") mostly do not."""
        return self.cf[fold(word)] / max(self.df[fold(word)], 1)

    def idf(self, word: str) -> float:
        """log(N / df) of ``word``."""
        return math.log(len(self.papers) / max(self.df[fold(word)], 1))

    def distinctive(self, number: int, query_words: list[str], also: list[str] = ()) -> bool:
        """The rule for a query for paper ``number`` (see the module's docstring); the words
        ``also`` count towards the others but may be common (a variant's own words)."""
        n = len(self.papers)
        if not query_words or any(self.share(w) > MAX_WORD_SHARE for w in query_words):
            return False
        keys = {fold(w) for w in [*query_words, *also]}
        expected = (n - 1) * math.prod((self.df[key] - 1) / (n - 1) for key in keys)
        return expected < MAX_EXPECTED_OTHERS and self.others(number, list(keys)) <= MAX_OTHERS

    def others(self, number: int, query_words: list[str]) -> int:
        """How many papers other than paper ``number`` hold every one of ``query_words``."""
        keys = {fold(w) for w in query_words}
        return sum(1 for i, held in enumerate(self.folds) if i != number and keys <= held)


def weighted_sample(rng: random.Random, items: list[str], weights: list[float], k: int) -> list:
    """``k`` distinct items drawn with the given weights, in the order drawn."""
    items, weights, chosen = list(items), list(weights), []
    for _ in range(min(k, len(items))):
        index = rng.choices(range(len(items)), weights)[0]
        chosen.append(items.pop(index))
        weights.pop(index)
    return chosen


def title_words(corpus: Corpus, rng: random.Random, number: int, k_range=(2, 4)) -> list[str]:
    """Distinctive words of paper ``number``'s title, in title order or shuffled; [] if none fit."""
    candidates = candidate_words(corpus.papers[number].title)
    candidates = [w for w in candidates if corpus.share(w) <= MAX_WORD_SHARE]
    if len(candidates) < k_range[0]:
        return []
    for _ in range(20):
        k = rng.randint(k_range[0], min(k_range[1], len(candidates)))
        chosen = weighted_sample(rng, candidates, [corpus.idf(w) for w in candidates], k)
        if corpus.distinctive(number, chosen):
            if rng.random() < 0.6:
                chosen.sort(key=candidates.index)
            return chosen
    return []


def abstract_words(corpus: Corpus, rng: random.Random, number: int) -> list[str]:
    """3 to 5 of the ``SALIENT`` most telling abstract words not in the title; [] if none fit."""
    paper = corpus.papers[number]
    in_title = {fold(w) for w in words(paper.title)}
    counts = Counter(fold(w) for w in words(paper.abstract or ""))
    candidates = [
        w
        for w in candidate_words(paper.abstract or "")
        if len(w) >= 4
        and fold(w) not in in_title
        and corpus.df[fold(w)] >= 2
        and corpus.share(w) <= ABSTRACT_MAX_WORD_SHARE
        and corpus.burstiness(w) >= MIN_BURSTINESS
    ]
    candidates = list({fold(w): w for w in reversed(candidates)}.values())[::-1]
    salience = {w: counts[fold(w)] * corpus.idf(w) for w in candidates}
    candidates = sorted(candidates, key=lambda w: -salience[w])[:SALIENT]
    if len(candidates) < 3:
        return []
    for _ in range(20):
        k = rng.randint(3, min(5, len(candidates)))
        chosen = weighted_sample(rng, candidates, [salience[w] for w in candidates], k)
        if corpus.distinctive(number, chosen):
            return chosen
    return []


def neighbour(rng: random.Random, letter: str) -> str:
    """A key beside ``letter`` on its keyboard row (or any letter, for one not on the rows)."""
    for row in KEY_ROWS:
        if letter in row:
            i = row.index(letter)
            return rng.choice([row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)])
    return rng.choice("abcdefghijklmnopqrstuvwxyz")


def mistype(rng: random.Random, word: str) -> tuple[str, str]:
    """(edit, typed): ``word`` with one edit, never at its first letter."""
    edit = rng.choice(("insertion", "deletion", "substitution", "transposition"))
    if edit == "insertion":
        i = rng.randint(1, len(word))
        return edit, word[:i] + neighbour(rng, word[i - 1]) + word[i:]
    if edit == "deletion":
        i = rng.randint(1, len(word) - 1)
        return edit, word[:i] + word[i + 1 :]
    if edit == "substitution":
        i = rng.randint(1, len(word) - 1)
        return edit, word[:i] + neighbour(rng, word[i]) + word[i + 1 :]
    i = rng.randint(1, len(word) - 2)
    return edit, word[:i] + word[i + 1] + word[i] + word[i + 2 :]


Made = dict  # a query record before its target is added: query, words and what was done


def title_query(corpus: Corpus, rng: random.Random, number: int) -> Made | None:
    """A ``title`` query for paper ``number``."""
    chosen = title_words(corpus, rng, number)
    return {"query": " ".join(chosen), "words": chosen} if chosen else None


def abstract_query(corpus: Corpus, rng: random.Random, number: int) -> Made | None:
    """An ``abstract`` query for paper ``number``."""
    chosen = abstract_words(corpus, rng, number)
    return {"query": " ".join(chosen), "words": chosen} if chosen else None


def typo_query(corpus: Corpus, rng: random.Random, number: int) -> Made | None:
    """A ``typo`` query: a title query with one long word mistyped."""
    chosen = title_words(corpus, rng, number)
    long_words = [w for w in chosen if len(w) >= 5]
    if not long_words:
        return None
    word = rng.choice(long_words)
    for _ in range(10):
        edit, typed = mistype(rng, word)
        if typed != word and typed not in corpus.vocabulary:
            query = " ".join(typed if w == word else w for w in chosen)
            return {"query": query, "words": chosen, "word": word, "typed": typed, "edit": edit}
    return None


def prefix_query(corpus: Corpus, rng: random.Random, number: int) -> Made | None:
    """A ``prefix`` query: a title query whose last word is still being typed."""
    chosen = title_words(corpus, rng, number)
    long_words = [w for w in chosen if len(w) >= 5]
    if not long_words:
        return None
    if len(chosen[-1]) < 5:
        last = rng.choice(long_words)
        chosen = [w for w in chosen if w != last] + [last]
    word = chosen[-1]
    typed = word[: rng.randint(3, min(6, len(word) - 1))]
    query = " ".join([*chosen[:-1], typed])
    return {"query": query, "words": chosen, "word": word, "typed": typed}


def variant_query(corpus: Corpus, rng: random.Random, number: int, variant: Variant) -> Made | None:
    """A ``variant`` query: 1 to 3 title words and ``variant`` as typed, at a random place."""
    written = [w for w in words(variant.written) if w.isalpha() and w not in STOP_WORDS]
    avoid = {fold(w) for w in written + words(variant.typed)}
    context = candidate_words(corpus.papers[number].title)
    context = [w for w in context if corpus.share(w) <= MAX_WORD_SHARE and fold(w) not in avoid]
    for _ in range(20 if context else 0):
        k = rng.randint(1, min(3, len(context)))
        chosen = weighted_sample(rng, context, [corpus.idf(w) for w in context], k)
        if corpus.distinctive(number, chosen, also=written):
            chosen.sort(key=context.index)
            chosen.insert(rng.randint(0, len(chosen)), variant.typed.lower())
            return {
                "query": " ".join(chosen),
                "words": [w for w in chosen if w != variant.typed.lower()] + written,
                "kind": variant.kind,
                "written": variant.written,
                "typed": variant.typed.lower(),
            }
    return None


MAKERS: dict[str, Callable[[Corpus, random.Random, int], Made | None]] = {
    "title": title_query,
    "abstract": abstract_query,
    "typo": typo_query,
    "prefix": prefix_query,
}


def record(corpus: Corpus, number: int, made: Made) -> dict:
    """The stored query: what was made, its target and how many other papers hold its words."""
    paper = corpus.papers[number]
    query_words = made.pop("words")
    return {
        **made,
        "target": paper.id,
        "title": paper.title,
        "others": corpus.others(number, query_words),
    }


def variant_set(corpus: Corpus, rng: random.Random, order: list[int]) -> list[dict]:
    """``PER_CATEGORY`` variant queries, the kinds taking turns, one per target."""
    tables = corpus_tables(URL.sub(" ", f"{p.title} {p.abstract or ''}") for p in corpus.papers)
    queues: dict[str, list[tuple[int, Variant]]] = {kind: [] for kind in KINDS}
    for number in order:
        paper = corpus.papers[number]
        text = URL.sub(" ", f"{paper.title} {paper.abstract or ''}")
        found = paper_variants(text, tables, corpus.vocabulary)
        for kind, variants in found.items():
            if variants:
                queues[kind].append((number, rng.choice(variants)))
    queries: list[dict] = []
    used: set[int] = set()
    typed: Counter = Counter()
    while len(queries) < PER_CATEGORY and any(queues.values()):
        for kind in KINDS:
            while queues[kind] and len(queries) < PER_CATEGORY:
                number, variant = queues[kind].pop(0)
                if number in used or typed[variant.typed.lower()] >= MAX_SAME_VARIANT:
                    continue
                made = variant_query(corpus, rng, number, variant)
                if made:
                    used.add(number)
                    typed[variant.typed.lower()] += 1
                    queries.append(record(corpus, number, made))
                    break
    return queries


def known_item_set(corpus: Corpus, category: str) -> list[dict]:
    """The queries of one known-item category, targets drawn in a seeded random order."""
    rng = random.Random(f"{SEED}-{category}")
    order = list(range(len(corpus.papers)))
    rng.shuffle(order)
    if category == "variant":
        return variant_set(corpus, rng, order)
    queries = []
    for number in order:
        made = MAKERS[category](corpus, rng, number)
        if made:
            queries.append(record(corpus, number, made))
        if len(queries) == PER_CATEGORY:
            break
    return queries


def query_file_text(category: str, queries: list[dict]) -> str:
    """The bytes of bench/queries/CATEGORY.json."""
    document = {
        "category": category,
        "generated_by": "python -m bench.queries --regenerate (rules in its docstring)",
        "seed": f"{SEED}-{category}",
        "queries": queries,
    }
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def generated_files(papers: list | None = None) -> dict[Path, str]:
    """Every known-item query file, as generated now from the seeds."""
    corpus = Corpus.of(papers if papers is not None else seed_papers())
    return {
        QUERIES_DIR / f"{category}.json": query_file_text(
            category, known_item_set(corpus, category)
        )
        for category in KNOWN_ITEM
    }


def regenerate(write: bool) -> list[Path]:
    """The query files that differ from a fresh generation; rewritten when ``write``."""
    differing = []
    for path, text in generated_files().items():
        if not path.is_file() or path.read_text("utf-8") != text:
            differing.append(path)
            if write:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, "utf-8")
    return differing


def main(argv: list[str] | None = None) -> int:
    """Check the committed query files against a fresh generation, or rewrite them."""
    parser = argparse.ArgumentParser(prog="bench.queries", description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="rewrite bench/queries/*.json")
    args = parser.parse_args(argv)
    differing = regenerate(write=args.regenerate)
    for path in differing:
        verb = "rewrote" if args.regenerate else "differs from a fresh generation:"
        print(f"bench.queries: {verb} {path.relative_to(PROJECT_ROOT)}")
    if not differing:
        print("bench.queries: the query files are what the seeds generate")
    return 1 if differing and not args.regenerate else 0


if __name__ == "__main__":
    sys.exit(main())
