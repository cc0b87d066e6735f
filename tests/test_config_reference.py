"""The option reference in docs/configuration.md is made from the schema and kept up to date."""

from __future__ import annotations

from pathlib import Path

from generator.read.config import SiteConfig
from generator.read.config_reference import (
    REGENERATE,
    config_reference_markdown,
    front_matter_reference_markdown,
    updated_reference,
)
from generator.read.schema import options

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def test_docs_configuration_md_is_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert updated_reference(text) == text, f"out of date: run {REGENERATE}"
    assert REGENERATE in text


def test_every_option_is_documented_with_its_default() -> None:
    table = config_reference_markdown()
    for key in options(SiteConfig):
        assert key.option.doc, key.name
        assert f"| `{key.name}` |" in table
    assert "| `per_page` | integer | `50` | Papers per page on the home listing. |" in table
    assert "| `topics.pin` | list | `[]` |" in table
    assert "| `collections.ID.date` | date (YYYY-MM-DD) | the dump's date line |" in table


def test_every_front_matter_key_is_documented() -> None:
    table = front_matter_reference_markdown()
    rows = [line.split(" | ")[:2] for line in table.splitlines()[2:]]
    assert rows == [
        ["| `notes/SLUG.md`", "`tags`"],
        ["| `notes/SLUG.md`", "`links`"],
        ["| `notes/collections/ID.md`", "`title`"],
        ["| `notes/collections/ID.md`", "`date`"],
    ]
