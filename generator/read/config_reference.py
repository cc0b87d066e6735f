"""The option tables of ``docs/configuration.md``, made from the schema so they never fall behind it.

``python -m generator.read.config_reference docs/configuration.md`` rewrites the tables between their
markers in place (the prose around them is left as it is); with no argument it prints them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from generator.read.config import SiteConfig
from generator.read.notes import CollectionNoteFront, PaperNoteFront
from generator.read.schema import Key, default_doc, entry_kind, is_record, options, type_doc

REGENERATE = "python -m generator.read.config_reference docs/configuration.md"
# Each note file's front matter, by where the file goes in the notes folder.
FRONT_MATTER = {"SLUG.md": PaperNoteFront, "collections/ID.md": CollectionNoteFront}


def config_reference_markdown() -> str:
    """The table of every ``site.yml`` option: key, type, default and meaning."""
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    rows += _rows(SiteConfig, "")
    return "\n".join(rows) + "\n"


def front_matter_reference_markdown() -> str:
    """The table of every key of a note's front matter: file, key, type and meaning."""
    rows = ["| note | key | type | meaning |", "| --- | --- | --- | --- |"]
    rows += [
        f"| `notes/{where}` | `{key.name}` | {_cell(type_doc(key))} | {_cell(key.option.doc)} |"
        for where, record in FRONT_MATTER.items()
        for key in options(record)
    ]
    return "\n".join(rows) + "\n"


# The generated blocks of docs/configuration.md, by the name in their markers.
BLOCKS: dict[str, Callable[[], str]] = {
    "site.yml options": config_reference_markdown,
    "note front matter": front_matter_reference_markdown,
}


def _rows(record: type, prefix: str) -> list[str]:
    """One row per option of a record, then one per key of each nested record."""
    rows = []
    for key in options(record):
        rows.append(_row(f"{prefix}{key.name}", key))
        if is_record(key.kind):
            rows += _rows(key.kind, f"{prefix}{key.name}.")
        elif is_record(entry := entry_kind(key.kind)):
            rows += _rows(entry, f"{prefix}{key.name}.ID.")
    return rows


def _row(name: str, key: Key) -> str:
    cells = (f"`{name}`", type_doc(key), default_doc(key), key.option.doc)
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _markers(name: str) -> tuple[str, str]:
    begin = f"<!-- BEGIN {name}: made from the schema by `{REGENERATE}`; edit the schema -->"
    return begin, f"<!-- END {name} -->"


def updated_reference(text: str) -> str:
    """The text of ``docs/configuration.md`` with every generated block made afresh."""
    for name, make in BLOCKS.items():
        begin, end = _markers(name)
        found = re.search(re.escape(begin) + r"\n.*?" + re.escape(end), text, re.DOTALL)
        if found is None:
            raise ValueError(f"no block marked {begin!r} ... {end!r}")
        text = f"{text[: found.start()]}{begin}\n{make()}{end}{text[found.end() :]}"
    return text


def main(argv: list[str]) -> int:
    """Rewrite the generated blocks of the file named, or print them."""
    if not argv:
        for name, make in BLOCKS.items():
            begin, end = _markers(name)
            print(f"{begin}\n{make()}{end}")
        return 0
    path = Path(argv[0])
    text = path.read_text(encoding="utf-8")
    fresh = updated_reference(text)
    if fresh != text:
        path.write_text(fresh, encoding="utf-8")
    print(f"{path}: {'updated' if fresh != text else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
