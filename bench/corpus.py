"""Synthetic corpora for the benchmark: the real seeds' titles and abstract sentences recombined.

A corpus of N papers is written as several dump files in the seed format, alternating the two layouts
the seeds use (glued ``Subscribe`` header without blank lines; furniture, date line and blank lines),
with a few papers listed in two dumps as in the seeds. The same N and seed always give the same files.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from generator.model import normalise_title
from generator.read.dumps import is_furniture, match_date, parse_dump, sentence_breaks

PAPERS_PER_DUMP = 500
CROSS_LISTED = (
    0.1  # share of a dump's entries that repeat a paper of an earlier dump, as in the seeds
)
SEED = 20260523
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def seed_records(seeds_dir: Path) -> list[tuple[str, str]]:
    """Every (title, abstract) of the real seeds, in file order."""
    records = []
    for path in sorted(seeds_dir.glob("*.txt")):
        dump = parse_dump(path.read_text("utf-8"), path.name)
        records += [(r.title, r.abstract) for r in dump.records if r.abstract]
    return records


TITLE_MAX_CHARS = 150  # the seeds' titles are at most 145 characters
ABSTRACT_MIN_CHARS = 400  # and their abstracts at least 400


def _usable_title(title: str) -> bool:
    plain = not (is_furniture(title) or match_date(title, 1)) and sentence_breaks(title) == 0
    return plain and len(title) <= TITLE_MAX_CHARS and (title[:1].isupper() or title[:1].isdigit())


def _usable_abstract(abstract: str) -> bool:
    return len(abstract) >= ABSTRACT_MIN_CHARS and sentence_breaks(abstract) >= 2


def make_papers(
    count: int, records: list[tuple[str, str]], seed: int = SEED
) -> list[tuple[str, str]]:
    """``count`` papers with distinct titles: the front of one real title joined to the back of
    another, and an abstract of four to nine real sentences."""
    rng = random.Random(seed)
    words = [title.split() for title, _ in records]
    sentences = [
        s for _, abstract in records for s in _SENTENCE_SPLIT.split(abstract) if len(s) > 30
    ]
    seen: set[str] = set()
    papers = []
    while len(papers) < count:
        head, tail = rng.choice(words), rng.choice(words)
        cut_head = rng.randint(1, max(1, len(head) - 1))
        cut_tail = rng.randint(1, max(1, len(tail) - 1))
        title = " ".join(head[:cut_head] + tail[cut_tail:])
        key = normalise_title(title)
        if not key or key in seen or not _usable_title(title):
            continue
        abstract = " ".join(rng.sample(sentences, rng.randint(4, 9)))
        if not _usable_abstract(abstract):
            continue
        seen.add(key)
        papers.append((title, abstract))
    return papers


def dump_text(entries: list[tuple[str, str]], layout: int, number: int) -> str:
    """One dump in the seed format; layout 0 is the glued header, layout 1 the spaced one."""
    if layout == 0:
        lines = [
            "Get trending papers in your email inbox once a day!",
            "Get trending papers in your email inbox!",
        ]
        first_title, first_abstract = entries[0]
        lines += ["Subscribe" + first_title, first_abstract]
        for title, abstract in entries[1:]:
            lines += [title, abstract]
        return "\n".join(lines) + "\n"
    date = f"{MONTHS[number % 12]} {number % 28 + 1}"
    blocks = [
        "new",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "byAK and the research community",
        date,
    ]
    for title, abstract in entries:
        blocks += [title, abstract]
    return "\n\n".join(blocks) + "\n"


def write_corpus(count: int, seeds_dir: Path, out_dir: Path, seed: int = SEED) -> int:
    """Write a corpus of ``count`` distinct papers as dump files into ``out_dir``; returns the dump count."""
    rng = random.Random(seed + 1)
    papers = make_papers(count, seed_records(seeds_dir), seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.txt"):
        old.unlink()
    dumps = max(1, round(count / PAPERS_PER_DUMP))
    for number in range(dumps):
        own = papers[number * count // dumps : (number + 1) * count // dumps]
        earlier = papers[: number * count // dumps]
        extra = rng.sample(earlier, min(len(earlier), int(len(own) * CROSS_LISTED)))
        entries = list(own)
        for (
            paper
        ) in extra:  # repeat earlier papers at random places, as the seeds' trending pages do
            entries.insert(rng.randrange(1, len(entries) + 1), paper)
        name = f"{number:03d}_synthetic_{count}.txt"
        (out_dir / name).write_text(dump_text(entries, number % 2, number), "utf-8")
    return dumps
