"""Read stage for the curator's notes: Markdown files with YAML front matter in the notes folder.

``NOTES/<paper-slug>.md`` adds notes, tags and links (code, arXiv, project page) to a paper's page;
``NOTES/collections/<collection-id>.md`` gives a collection its title, date and description. Front
matter is declared as records (``PaperNoteFront``, ``CollectionNoteFront``) and validated by the same
schema as ``site.yml``: unknown keys and wrong types are errors naming the file and the line. A note
whose name matches no paper or collection is a warning naming the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import ConfigError, Diagnostic
from generator.read.config import CollectionConfig, SiteConfig
from generator.read.encoding import decode_text
from generator.read.schema import Invalid, Wording, option, options, validate
from generator.read.yaml_nodes import YamlProblem, compose, quoted

NOTE_SUFFIX = ".md"
COLLECTIONS_SUBDIR = "collections"
LINK_KINDS = ("code", "arxiv", "project")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_ARXIV_URL = re.compile(r"^https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?$")


@dataclass(frozen=True)
class NoteLink:
    """One link of a paper note: what it is and where it goes."""

    kind: str  # code, arxiv or project
    label: str
    href: str


@dataclass(frozen=True)
class PaperNote:
    """The curator's words on one paper: Markdown body, tags and links."""

    source: str
    body: str
    tags: tuple[str, ...]
    links: tuple[NoteLink, ...]


@dataclass(frozen=True)
class Notes:
    """Every note of the site: paper notes by slug, collection settings by collection id."""

    papers: dict[str, PaperNote]
    collections: dict[str, CollectionConfig]
    collection_sources: dict[str, str]
    warnings: tuple[Diagnostic, ...] = ()


# ---- the schema of front matter ----


def _tags(value: Any) -> tuple[str, ...]:
    """One tag or a list of them (numbers read as text), blanks refused, repeats dropped."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(
        isinstance(t, (str, int, float)) and str(t).strip() for t in value
    ):
        return tuple(dict.fromkeys(str(t).strip() for t in value))
    raise Invalid()


def _links(value: Any) -> tuple[NoteLink, ...]:
    """A mapping of code, arxiv and project to where each goes, as links in that order."""
    if not isinstance(value, dict):
        raise Invalid(f"expected a mapping with {', '.join(LINK_KINDS)}, got {quoted(value)}")
    links = [_link(kind, str(value[kind]).strip(), value) for kind in LINK_KINDS if kind in value]
    unknown = sorted(set(map(str, value)) - set(LINK_KINDS))
    if unknown:
        known = ", ".join(LINK_KINDS)
        raise Invalid(f"unknown link {quoted(unknown[0])} (known: {known}), got {quoted(value)}")
    return tuple(links)


def _link(kind: str, target: str, links: dict) -> NoteLink:
    if kind == "arxiv":
        url_match = _ARXIV_URL.match(target)
        arxiv_id = url_match.group(1) if url_match else target.removeprefix("arXiv:")
        if not _ARXIV_ID.match(arxiv_id):
            raise Invalid(
                f"links.arxiv: expected an arXiv id such as 2310.01668, got {quoted(links)}"
            )
        return NoteLink(kind, f"arXiv:{arxiv_id}", f"https://arxiv.org/abs/{arxiv_id}")
    if not re.match(r"^https?://[^\s/]+", target):
        raise Invalid(f"links.{kind}: expected an http(s) URL, got {quoted(links)}")
    return NoteLink(kind, "Code" if kind == "code" else "Project page", target)


def _title(value: str) -> str:
    if not value.strip():
        raise Invalid()
    return value.strip()


@dataclass(frozen=True)
class PaperNoteFront:
    """The front matter of a paper note, ``NOTES/SLUG.md``."""

    tags: tuple[str, ...] = field(
        default=(),
        metadata=option(
            "Tags shown with the note: a list (tags: [graphs, rewiring]) or a single tag.",
            expected="a list of tags",
            parse=_tags,
            default_doc="none",
        ),
    )
    links: tuple[NoteLink, ...] = field(
        default=(),
        metadata=option(
            "Links shown with the note: any of code (a URL), arxiv (an id such as 2310.01668, or "
            "its arXiv URL) and project (a URL).",
            parse=_links,
            type_doc="mapping",
            default_doc="none",
        ),
    )


@dataclass(frozen=True)
class CollectionNoteFront:
    """The front matter of a collection note, ``NOTES/collections/ID.md`` (its body is the
    collection's description)."""

    title: str | None = field(
        default=None,
        metadata=option(
            "The collection's title; takes precedence over site.yml.",
            expected="a title",
            check=_title,
        ),
    )
    date: dt.date | None = field(
        default=None,
        metadata=option(
            "The collection's full date (YYYY-MM-DD); takes precedence over site.yml.",
            expected="a date written YYYY-MM-DD",
        ),
    )


# ---- reading the notes folder ----


def read_notes(
    folder: Path,
    display: str,
    skipped_link: Callable[[Path, str], Diagnostic | None] = lambda path, shown: None,
) -> Notes:
    """Read and validate every note below ``folder``; all problems are reported at once.
    ``skipped_link`` names a file that must not be read (a link leading out of the site)."""
    papers: dict[str, PaperNote] = {}
    collections: dict[str, CollectionConfig] = {}
    sources: dict[str, str] = {}
    warnings: list[Diagnostic] = []
    problems: list[str] = []
    if not folder.is_dir():
        return Notes(papers, collections, sources)
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        source = f"{display}/{relative.as_posix()}"
        if (skipped := skipped_link(path, source)) is not None:
            warnings.append(skipped)
            continue
        if not _is_note(relative):
            warnings.append(
                Diagnostic(source, 0, "not a note (NAME.md or collections/ID.md), ignored")
            )
            continue
        found: list[str] = []
        is_collection = len(relative.parts) == 2
        front, body = _read_note(path, source, found)
        record = CollectionNoteFront if is_collection else PaperNoteFront
        values = _front_matter(front, record, source, found)
        if found:
            problems += found
        elif is_collection:
            description = body.strip() or None
            collections[path.stem] = CollectionConfig(values.title, description, values.date)
            sources[path.stem] = source
        else:
            papers[path.stem] = PaperNote(source, body.strip(), values.tags, values.links)
    if problems:
        raise ConfigError("notes", problems)
    return Notes(papers, collections, sources, tuple(warnings))


def _is_note(relative: Path) -> bool:
    """``NAME.md`` or ``collections/ID.md``; anything else in the notes folder is not a note."""
    if relative.suffix != NOTE_SUFFIX or len(relative.parts) > 2:
        return False
    return len(relative.parts) == 1 or relative.parts[0] == COLLECTIONS_SUBDIR


def hidden_notes(folder: Path, display: str) -> list[Diagnostic]:
    """A note for each hidden file where a note could be (``.draft.md``, ``collections/.x.md``),
    which ``read_notes`` passes over; hidden folders (``.git``) and what they hold are not listed."""
    try:
        found = [
            path.relative_to(folder)
            for place in (folder, folder / COLLECTIONS_SUBDIR)
            if place.is_dir()
            for path in place.iterdir()
            if path.name.startswith(".") and path.is_file()
        ]
    except OSError:  # an unreadable folder is the read's to report
        return []
    return [
        Diagnostic(f"{display}/{relative.as_posix()}", 0, "skipped: hidden file")
        for relative in sorted(found)
    ]


def apply_collection_notes(
    config: SiteConfig, notes: Notes, collection_ids: list[str]
) -> tuple[SiteConfig, list[Diagnostic]]:
    """``site.yml``'s collections with each collection note's title, date and description on top."""
    merged = dict(config.collections)
    warnings = []
    for cid, note in notes.collections.items():
        if cid not in collection_ids:
            warnings.append(
                Diagnostic(notes.collection_sources[cid], 0, f"no collection with the id {cid!r}")
            )
            continue
        base = merged.get(cid, CollectionConfig())
        merged[cid] = CollectionConfig(
            title=note.title or base.title,
            description=note.description or base.description,
            date=note.date or base.date,
        )
    return dataclasses.replace(config, collections=merged), warnings


def unmatched_paper_notes(notes: Notes, slugs: set[str]) -> list[Diagnostic]:
    """A warning for every paper note whose file name is no paper's slug."""
    return [
        Diagnostic(note.source, 0, f"no paper with the slug {slug!r}; the note is not shown")
        for slug, note in sorted(notes.papers.items())
        if slug not in slugs
    ]


def _read_note(path: Path, source: str, problems: list[str]) -> tuple[yaml.Node | None, str]:
    """A note's front matter (a YAML node, or None) and the Markdown body after it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(f"{source}: cannot read the note: {exc.strerror or exc}")
        return None, ""
    text, refused = decode_text(data, source, "Markdown note")
    if text is None:
        problems.append(str(refused))
        return None, ""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    try:
        node = compose(match.group(1) or "")
    except YamlProblem as refused:  # the front matter starts on the file's second line
        problems.append(f"{source}: {refused.at(first_line=2)}")
        return None, text[match.end() :]
    return node, text[match.end() :]


def _front_matter(node: yaml.Node | None, record: type, source: str, problems: list[str]) -> Any:
    """The front matter as its record; what is wrong with it goes to ``problems``."""
    if node is None:
        return record()
    if not isinstance(node, yaml.MappingNode):
        keys = ", ".join(key.name for key in options(record))
        line = node.start_mark.line + 2  # the front matter starts on the file's second line
        problems.append(f"{source}: line {line}: expected front matter as a mapping of {keys}")
        return record()
    # Messages such as "notes/x.md: line 3: 'tags': expected a list of tags, got 3".
    wording = Wording(prefix=f"{source}: ", first_line=2, label="'{}'", sorted_keys=False)
    found = validate(node, record, wording)
    problems += found.problems
    return found.value
