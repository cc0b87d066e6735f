"""The one Markdown set-up for what a curator writes (collection descriptions, notes): Markdown
Extra, with raw HTML shown as text, never as markup. The config check lists the links it would
make; the pages render it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Text without any of these cannot hold a link or an image: Markdown need not even be imported.
LINK_MARKS = "[<{"


def curator_markdown(tree_step: Callable[[Any], None] | None = None) -> Any:
    """A Markdown converter for curator text; ``tree_step(root)``, if given, runs on each parsed
    tree before it is written out (to collect or drop links)."""
    import markdown  # here: most sites have no notes, and the import costs every build 15 ms
    import markdown.treeprocessors

    renderer = markdown.Markdown(extensions=["extra"], output_format="html")
    renderer.preprocessors.deregister("html_block")
    renderer.inlinePatterns.deregister("html")
    if tree_step is not None:

        class Step(markdown.treeprocessors.Treeprocessor):
            def run(self, root: Any) -> None:
                tree_step(root)

        renderer.treeprocessors.register(Step(renderer), "curator-tree-step", 0)
    return renderer


def markdown_links(text: str) -> list[str]:
    """Every link and image URL that Markdown text would produce."""
    if not any(mark in text for mark in LINK_MARKS):
        return []  # no link possible: Python-Markdown's import and run are skipped
    found: list[str] = []

    def collect(root: Any) -> None:
        found.extend(
            value
            for element in root.iter()
            for name in ("href", "src")
            if (value := element.get(name))
        )

    curator_markdown(collect).convert(text)
    return found
