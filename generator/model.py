"""Model stage: the immutable records of the site, built from every parsed dump at once.

A paper listed in several dumps is one ``Paper`` that belongs to several collections; identity is the
normalised title, which keeps only letters, digits, "+" and "#" ("GPT-4", "GPT4" and "gpt 4" are one
paper). Ids are derived from the titles alone, so they are stable across builds whatever the order of
the dumps; slugs are unique over the whole corpus.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from generator.errors import Diagnostic, ParseError
from generator.read.config import SiteConfig
from generator.read.dumps import DumpDate, ParsedDump
from generator.read.text import clean_text

SLUG_MAX_CHARS = 80
ID_HEX_CHARS = 12
# Names that some file systems or servers treat specially; a slug never equals one of them.
RESERVED_SLUGS = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        "index",
        "page",
        "static",
        "search",
        "papers",
        "collections",
        "paper",
    }
    | {f"com{n}" for n in range(10)}
    | {f"lpt{n}" for n in range(10)}
)


@dataclass(frozen=True)
class SourceRef:
    """Where a record was read: dump file and line of its title."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Paper:
    """One paper, however many dumps list it."""

    id: str
    slug: str
    title: str
    abstract: str | None  # None when every dump that lists the paper lost its abstract
    collections: tuple[str, ...]  # collection ids, in build order
    sources: tuple[SourceRef, ...]  # every place the paper was listed

    @property
    def url_path(self) -> str:
        """Path of the paper page below the site root."""
        return f"papers/{self.slug}/"


@dataclass(frozen=True)
class Collection:
    """One dump file: a dated or undated list of papers."""

    id: str
    title: str
    description: str | None  # Markdown, from site.yml
    date_label: str | None
    source: str
    paper_ids: tuple[str, ...]  # in page order
    date: dt.date | None = None  # a full date, when site.yml or the dump's date line gives a year

    @property
    def url_path(self) -> str:
        """Path of the collection page below the site root."""
        return f"collections/{self.id}/"


@dataclass(frozen=True)
class Corpus:
    """All papers and collections of a site, in a stable order (first appearance)."""

    papers: tuple[Paper, ...]
    collections: tuple[Collection, ...]
    warnings: tuple[Diagnostic, ...]

    def paper(self, paper_id: str) -> Paper:
        """Look a paper up by id."""
        return self._papers_by_id[paper_id]

    def collection(self, collection_id: str) -> Collection:
        """Look a collection up by id."""
        return self._collections_by_id[collection_id]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_papers_by_id", {p.id: p for p in self.papers})
        object.__setattr__(self, "_collections_by_id", {c.id: c for c in self.collections})


def normalise_title(title: str) -> str:
    """The identity of a paper: its letters, digits, "+" and "#", with case and accents ignored,
    so punctuation and spacing never split a paper ("GPT-4" = "GPT4" = "GPT 4")."""
    return _title_words(title).replace(" ", "")


def paper_id(title: str) -> str:
    """A short stable id: a hash of the title's words (or of the raw title if it has none)."""
    return _hash(_title_words(title) or title)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:ID_HEX_CHARS]


def _title_words(title: str) -> str:
    """The title's words, casefolded, without accents, joined by single spaces.

    Ids hash this, not the identity, so the ids of papers spelled one way stay what they were before
    spacing stopped counting for identity (feeds, links and bookmarks keep working)."""
    if title.isascii():  # nothing to decompose, no combining marks
        text = title.casefold()
    else:
        text = unicodedata.normalize("NFKD", title)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    # "+" and "#" carry meaning in titles ("C++", "C#"), other punctuation does not.
    return " ".join(re.sub(r"[^\w+#]+|_", " ", text).split())


def _papers_by_identity(titles: list[str]) -> dict[str, tuple[str, str]]:
    """The id and the title of each paper, by identity. A paper spelled several ways takes both from
    the spelling whose words sort first (the one split most at the first difference: "GPT-4" before
    "GPT4"), its first title in dump order, so the id does not depend on which dump is read first."""
    spellings: dict[str, dict[str, str]] = {}  # identity -> words -> first title with those words
    for title in titles:
        spellings.setdefault(_identity(title), {}).setdefault(_title_words(title) or title, title)
    return {
        identity: (_hash(words := min(by_words)), by_words[words])
        for identity, by_words in spellings.items()
    }


def _identity(title: str) -> str:
    # A title with no letter or digit ("∑∫∂") is only ever the same paper as itself.
    return normalise_title(title) or title


def slugify(text: str) -> str:
    """A lowercase ASCII slug of letters, digits and hyphens, cut at a word boundary; may be empty."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > SLUG_MAX_CHARS:
        cut = slug[:SLUG_MAX_CHARS]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug


def collection_id(source: str) -> str:
    """The collection id of a dump: its file name without extension, made URL-safe."""
    stem = PurePosixPath(source.replace("\\", "/")).stem
    return re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-") or paper_id(stem)


def assign_slugs(titles_by_id: dict[str, str]) -> dict[str, str]:
    """Slug every paper; papers whose titles slugify alike (or not at all, or to a reserved name) get
    their id appended, so the outcome does not depend on the order of the papers."""
    base = {pid: slugify(title) or "paper" for pid, title in titles_by_id.items()}
    counts: dict[str, int] = {}
    for slug in base.values():
        counts[slug] = counts.get(slug, 0) + 1
    slugs = {
        pid: f"{slug}-{pid}" if counts[slug] > 1 or slug in RESERVED_SLUGS else slug
        for pid, slug in base.items()
    }
    # A title may slugify to another paper's suffixed slug ("Graph <id>"); suffix it too, until no two
    # papers share a slug. Suffixed slugs end with distinct ids, so this ends.
    while True:
        owners: dict[str, list[str]] = {}
        for pid, slug in slugs.items():
            owners.setdefault(slug, []).append(pid)
        clashes = [pid for pids in owners.values() if len(pids) > 1 for pid in pids]
        unsuffixed = [pid for pid in clashes if not slugs[pid].endswith(f"-{pid}")]
        if not unsuffixed:
            return slugs
        for pid in unsuffixed:
            slugs[pid] = f"{slugs[pid]}-{pid}"


def build_corpus(dumps: list[ParsedDump], config: SiteConfig) -> Corpus:
    """Merge parsed dumps into papers and collections; dumps are taken in the order given."""
    collection_ids = [collection_id(dump.source) for dump in dumps]
    check_collection_ids(dumps, collection_ids)
    merged = _merge_dumps(dumps, collection_ids)
    slugs = assign_slugs(merged.titles)
    papers = tuple(
        Paper(
            id=pid,
            slug=slugs[pid],
            title=merged.titles[pid],
            abstract=merged.abstracts[pid],
            collections=tuple(merged.memberships[pid]),
            sources=tuple(merged.sources[pid]),
        )
        for pid in merged.titles
    )
    collections = tuple(
        _make_collection(dump, cid, merged.collection_papers[cid], config)
        for dump, cid in zip(dumps, collection_ids, strict=True)
    )
    warnings = merged.warnings + _unknown_collections(config, merged.collection_papers)
    return Corpus(papers, collections, tuple(warnings))


@dataclass
class _MergedDumps:
    """What the dumps say of each paper, by id in order of first appearance, and of each dump."""

    titles: dict[str, str]
    abstracts: dict[str, str | None]
    memberships: dict[str, list[str]]  # paper id -> collection ids
    sources: dict[str, list[SourceRef]]
    collection_papers: dict[str, list[str]]  # collection id -> paper ids, in page order
    warnings: list[Diagnostic]


def _merge_dumps(dumps: list[ParsedDump], collection_ids: list[str]) -> _MergedDumps:
    """Gather every record under its paper's id: the first title (of the spelling that gives the id)
    and the first abstract found are kept."""
    merged = _MergedDumps({}, {}, {}, {}, {}, [w for dump in dumps for w in dump.warnings])
    # Local names for the tables the loop fills, once per record of every dump.
    titles, abstracts, sources = merged.titles, merged.abstracts, merged.sources
    memberships, warnings = merged.memberships, merged.warnings
    # Records hold clean text from here on: every page, feed and index shows the same.
    clean_titles = [[clean_text(record.title) for record in dump.records] for dump in dumps]
    papers = _papers_by_identity([title for dump_titles in clean_titles for title in dump_titles])
    for dump, cid, dump_titles in zip(dumps, collection_ids, clean_titles, strict=True):
        paper_ids = merged.collection_papers[cid] = []
        for record, title in zip(dump.records, dump_titles, strict=True):
            abstract = clean_text(record.abstract) if record.abstract is not None else None
            pid, kept_title = papers[_identity(title)]
            if pid not in titles:
                titles[pid] = kept_title
                abstracts[pid] = abstract
                memberships[pid] = []
                sources[pid] = []
            elif abstracts[pid] is None:
                abstracts[pid] = abstract
            elif abstract is not None and abstract != abstracts[pid]:
                warnings.append(
                    Diagnostic(
                        dump.source,
                        record.line,
                        f"abstract differs from the one at {sources[pid][0]}; keeping the first",
                    )
                )
            sources[pid].append(SourceRef(dump.source, record.line))
            if cid in memberships[pid]:
                warnings.append(
                    Diagnostic(
                        dump.source,
                        record.line,
                        f"paper listed twice in this dump (first at line {_first_line(sources[pid], dump.source)})",
                    )
                )
                continue
            memberships[pid].append(cid)
            paper_ids.append(pid)
    return merged


def _unknown_collections(
    config: SiteConfig, collection_papers: dict[str, list[str]]
) -> list[Diagnostic]:
    """A warning for each collection ``site.yml`` describes that no dump provides."""
    return [
        Diagnostic("site.yml", 0, f"collections.{cid}: no dump with that id in the seeds folder")
        for cid in config.collections
        if cid not in collection_papers
    ]


def check_collection_ids(dumps: list[ParsedDump], ids: list[str]) -> None:
    """Two dumps whose names give one collection id (``A.txt`` and ``a.txt``) would share a page."""
    first_source: dict[str, str] = {}
    clashes = []
    for dump, cid in zip(dumps, ids, strict=True):
        if cid in first_source:
            clashes.append(
                Diagnostic(
                    dump.source,
                    0,
                    f"collection id {cid!r} is already taken by {first_source[cid]}; rename one file",
                )
            )
        first_source.setdefault(cid, dump.source)
    if clashes:
        raise ParseError(clashes)


def _first_line(refs: list[SourceRef], source: str) -> int:
    return next(ref.line for ref in refs if ref.path == source)


def _make_collection(
    dump: ParsedDump, cid: str, paper_ids: list[str], config: SiteConfig
) -> Collection:
    settings = config.collections.get(cid)
    date_label = _date_label(dump.date)
    date = _full_date(dump.date)
    if settings and settings.date:
        date = settings.date
        date_label = f"{settings.date:%b} {settings.date.day}, {settings.date.year}"
    title = (settings and settings.title) or (f"Papers of {date_label}" if date_label else cid)
    return Collection(
        id=cid,
        title=title,
        description=settings.description if settings else None,
        date_label=date_label,
        source=dump.source,
        paper_ids=tuple(paper_ids),
        date=date,
    )


def _date_label(date: DumpDate | None) -> str | None:
    return date.label if date else None


def _full_date(date: DumpDate | None) -> dt.date | None:
    if date is None or date.year is None:
        return None
    try:
        return dt.date(date.year, date.month, date.day)
    except ValueError:  # "Feb 30, 2024": the label still shows what the page said
        return None
