"""Parse built pages with a real HTML parser (html5lib) and read what a visitor would see."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib


def parse_html(path: Path) -> Element:
    """The page as an element tree, parsed the way a browser parses it."""
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def text_of(element: Element) -> str:
    """All text inside an element, whitespace folded."""
    return " ".join("".join(element.itertext()).split())


def find_by_id(root: Element, element_id: str) -> Element | None:
    """The element with the given id, if any."""
    return next((e for e in root.iter() if e.get("id") == element_id), None)


def links(root: Element) -> list[str]:
    """Every href and src on the page, in document order."""
    return [
        value
        for element in root.iter()
        for attribute in ("href", "src")
        if (value := element.get(attribute)) is not None
    ]
