"""``papershelf new DIR``: start a shelf that builds, serves and publishes as it is.

The new folder holds a ``site.yml`` listing every option with its documentation and default (made
from the config schema, so it never falls behind it), one example dump in the dumps' own format, one
example note, a ``.gitignore`` and a GitHub Pages workflow that installs papershelf and deploys the
site. Files are created, never replaced: a folder that exists and is not empty is refused.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from generator import __version__
from generator.assets import SCAFFOLD_DIR
from generator.errors import NewSiteError
from generator.read.config import SiteConfig
from generator.read.schema import entry_kind, is_record, options, yaml_scalar

# The scaffold's files and where each goes in the new shelf (dot files are stored without their
# dot, so that the package's own tools never take them for their own).
SCAFFOLD_FILES = {
    "seeds/reading-list.txt": "seeds/reading-list.txt",
    "notes/the-forward-forward-algorithm-some-preliminary-investigations.md": (
        "notes/the-forward-forward-algorithm-some-preliminary-investigations.md"
    ),
    "gitignore": ".gitignore",
}
WORKFLOW_PATH = ".github/workflows/pages.yml"
INSTALL_PLACEHOLDER = "@PAPERSHELF_INSTALL@"


def new_site(folder: Path) -> list[str]:
    """Create a shelf in ``folder`` (made if missing, refused if it holds anything); returns the
    paths written, relative to it."""
    if folder.exists() and not folder.is_dir():
        raise NewSiteError(f"refusing to start a shelf in {folder}: it is a file")
    if folder.is_dir() and any(folder.iterdir()):
        raise NewSiteError(
            f"refusing to start a shelf in {folder}: it is not empty (papershelf new never "
            "replaces a file; name a new or empty folder)"
        )
    files = {"site.yml": commented_config(folder.resolve().name)}
    for source, target in SCAFFOLD_FILES.items():
        files[target] = (SCAFFOLD_DIR / source).read_text(encoding="utf-8")
    workflow = (SCAFFOLD_DIR / "pages.yml").read_text(encoding="utf-8")
    files[WORKFLOW_PATH] = workflow.replace(INSTALL_PLACEHOLDER, install_requirement())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for relative, text in files.items():
            _create(folder / relative, text)
    except OSError as exc:
        raise NewSiteError(f"cannot write in {folder}: {exc.strerror or exc}") from None
    return list(files)


def _create(path: Path, text: str) -> None:
    """Write a new file; one that appeared meanwhile is never replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as file:
        file.write(text)


def install_requirement() -> str:
    """What the workflow installs: the git commit papershelf was installed from, if it came from a
    public git URL, else this version by name (papershelf's own dist-info says which)."""
    from importlib.metadata import PackageNotFoundError, distribution

    requirement = f"papershelf=={__version__}"
    try:
        record = distribution("papershelf").read_text("direct_url.json")
    except PackageNotFoundError:
        return requirement
    origin = json.loads(record) if record else {}
    vcs = origin.get("vcs_info", {})
    url = origin.get("url", "")
    if vcs.get("vcs") == "git" and url.startswith("https://") and "@" not in url:
        return f"papershelf @ git+{url}@{vcs.get('commit_id', '')}".rstrip("@")
    return requirement


# ---- site.yml: every option of the schema, with its documentation and default ----

HEADER = """\
# papershelf site configuration. Every option is listed with what it does and its default;
# an option commented out (#key: value) takes that default: remove the '#' to set it.
# Unknown keys are errors, so a typo never passes silently.
"""


def commented_config(title: str) -> str:
    """The ``site.yml`` of a new shelf: its title set, every other option commented out at its
    default. Uncommenting an option (removing the '#' before it and its keys) gives a valid file
    with the same meaning; documentation lines start with '# '."""
    blocks = [HEADER]
    for key in options(SiteConfig):
        lines = _doc_lines(key.option.doc)
        if key.name == "title":
            lines.append(f"title: {yaml_scalar(title)}")
        elif is_record(key.kind):
            lines += _keys_doc(key.kind) + _nested_defaults(key.name, key.kind)
        elif is_record(entry := entry_kind(key.kind)):
            lines += _keys_doc(entry) + _entry_example(key.name, entry)
        else:
            lines.append(f"#{key.name}: {yaml_scalar(key.default)}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _doc_lines(doc: str) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(doc, 96)]


def _keys_doc(record: type) -> list[str]:
    """One documentation line per key of a nested option."""
    # Continuation lines are not indented: a '#' followed by spaces and a word marks an option
    # to uncomment, and documentation must never read as one.
    return [
        f"# {line}"
        for key in options(record)
        for line in textwrap.wrap(f"- {key.name}: {key.option.doc}", 96)
    ]


def _nested_defaults(name: str, record: type) -> list[str]:
    """A nested option's keys, commented out at their defaults."""
    return [f"#{name}:"] + [f"#  {key.name}: {yaml_scalar(key.default)}" for key in options(record)]


# What the example dump's collection would say about itself, key by key of the schema's record.
EXAMPLE_COLLECTION_ID = "reading-list"
EXAMPLE_COLLECTION = {
    "title": "My reading list",
    "description": "Papers our group read **this spring**.",
    "date": "2024-05-19",
}


def _entry_example(name: str, record: type) -> list[str]:
    """A mapping of records by id (the collections option): the example dump's collection, with
    every key of the record."""
    return [f"#{name}:", f"#  {EXAMPLE_COLLECTION_ID}:"] + [
        f"#    {key.name}: {EXAMPLE_COLLECTION[key.name]}" for key in options(record)
    ]


def files_written_message(folder: Path, written: list[str]) -> str:
    """What ``papershelf new`` prints: what it made and what to do next."""
    shown = os.path.relpath(folder) if not folder.is_absolute() else str(folder)
    return (
        f"papershelf: started a shelf in {shown}/ ({len(written)} files)\n"
        f"next: cd {shown} && papershelf serve   (then put your own dumps in seeds/)"
    )
