"""Read stage for the curator's notes: Markdown files with YAML front matter in the notes folder.

``NOTES/<paper-slug>.md`` adds notes, tags and links (code, arXiv, project page) to a paper's page;
``NOTES/collections/<collection-id>.md`` gives a collection its title, date and description. Front
matter is validated like ``site.yml``: unknown keys and wrong types are errors naming the file and the
line. A note whose name matches no paper or collection is a warning naming the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import ConfigError, Diagnostic
from generator.read.config import CollectionConfig, SiteConfig

NOTE_SUFFIX = ".md"
COLLECTIONS_SUBDIR = "collections"
PAPER_KEYS = ("tags", "links")
LINK_KINDS = ("code", "arxiv", "project")
COLLECTION_KEYS = ("title", "date")
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
        if (
            path.suffix != NOTE_SUFFIX
            or len(relative.parts) > 2
            or (len(relative.parts) == 2 and relative.parts[0] != COLLECTIONS_SUBDIR)
        ):
            warnings.append(
                Diagnostic(source, 0, "not a note (NAME.md or collections/ID.md), ignored")
            )
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{source}: cannot read the note: {exc}")
            continue
        found: list[str] = []
        front, body = _split(text, source, found)
        if len(relative.parts) == 2:
            values = _validate(front, COLLECTION_KEYS, source, found)
            if not found:
                collections[path.stem] = CollectionConfig(
                    title=values.get("title"),
                    description=body.strip() or None,
                    date=values.get("date"),
                )
                sources[path.stem] = source
        else:
            values = _validate(front, PAPER_KEYS, source, found)
            if not found:
                papers[path.stem] = PaperNote(
                    source, body.strip(), values.get("tags", ()), values.get("links", ())
                )
        problems += found
    if problems:
        raise ConfigError("notes", problems)
    return Notes(papers, collections, sources, tuple(warnings))


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


def _split(text: str, source: str, problems: list[str]) -> tuple[yaml.Node | None, str]:
    """Front matter (a YAML node, or None) and the Markdown body after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    try:
        node = yaml.compose(match.group(1) or "", Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 2}: " if mark else ""
        problems.append(
            f"{source}: {line}invalid YAML front matter: {getattr(exc, 'problem', exc)}"
        )
        return None, text[match.end() :]
    return node, text[match.end() :]


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 2  # the front matter starts on the file's second line


def _validate(
    node: yaml.Node | None, keys: tuple[str, ...], source: str, problems: list[str]
) -> dict[str, Any]:
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            f"{source}: line {_line(node)}: expected front matter as a mapping of {', '.join(keys)}"
        )
        return {}
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        where = f"{source}: line {_line(key_node)}: '{key}'"
        if key not in keys:
            problems.append(f"{where}: unknown key (known keys: {', '.join(keys)})")
            continue
        value = yaml.SafeLoader("").construct_object(value_node, deep=True)
        checked = _CHECKS[key](value)
        if isinstance(checked, _Problem):
            problems.append(f"{where}: {checked.message}, got {value!r}")
        else:
            values[key] = checked
    return values


@dataclass(frozen=True)
class _Problem:
    message: str


def _check_title(value: Any) -> Any:
    return (
        value.strip() if isinstance(value, str) and value.strip() else _Problem("expected a title")
    )


def _check_date(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    return _Problem("expected a date written YYYY-MM-DD")


def _check_tags(value: Any) -> Any:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(
        isinstance(t, (str, int, float)) and str(t).strip() for t in value
    ):
        return tuple(dict.fromkeys(str(t).strip() for t in value))
    return _Problem("expected a list of tags")


def _check_links(value: Any) -> Any:
    if not isinstance(value, dict):
        return _Problem(f"expected a mapping with {', '.join(LINK_KINDS)}")
    links = []
    for kind in LINK_KINDS:
        if kind not in value:
            continue
        target = str(value[kind]).strip()
        if kind == "arxiv":
            url_match = _ARXIV_URL.match(target)
            arxiv_id = url_match.group(1) if url_match else target.removeprefix("arXiv:")
            if not _ARXIV_ID.match(arxiv_id):
                return _Problem("links.arxiv: expected an arXiv id such as 2310.01668")
            links.append(NoteLink(kind, f"arXiv:{arxiv_id}", f"https://arxiv.org/abs/{arxiv_id}"))
        elif re.match(r"^https?://[^\s/]+", target):
            links.append(NoteLink(kind, "Code" if kind == "code" else "Project page", target))
        else:
            return _Problem(f"links.{kind}: expected an http(s) URL")
    unknown = sorted(set(map(str, value)) - set(LINK_KINDS))
    if unknown:
        return _Problem(f"unknown link {unknown[0]!r} (known: {', '.join(LINK_KINDS)})")
    return tuple(links)


_CHECKS = {"title": _check_title, "date": _check_date, "tags": _check_tags, "links": _check_links}
