"""The one Markdown set-up for what a curator writes (collection descriptions, notes): Markdown
Extra, with raw HTML shown as text, never as markup. The config check lists the links it would
make; the pages render it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

# Text without any of these cannot hold a link or an image: Markdown need not even be imported.
LINK_MARKS = "[<{"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")  # browsers drop these inside a scheme


def curator_markdown(tree_step: Callable[[Any], None] | None = None) -> Any:
    """A Markdown converter for curator text; ``tree_step(root)``, if given, runs on each parsed
    tree before it is written out (to collect or drop links)."""
    import markdown  # here: most sites have no notes, and the import costs every build 15 ms
    import markdown.treeprocessors

    renderer = markdown.Markdown(extensions=["extra"], output_format="html")
    renderer.preprocessors.deregister("html_block")
    renderer.inlinePatterns.deregister("html")
    # After the inline patterns and attribute lists have made every image, before tree_step.
    renderer.treeprocessors.register(_ImageStep(), "curator-images", 5)
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


def url_scheme(url: str) -> str | None:
    """The scheme of a URL as a browser reads it (entities decoded, spaces and control characters
    dropped), lowercased; None for a relative URL."""
    found = _SCHEME.match(_IGNORED_IN_URLS.sub("", html.unescape(url)))
    return found[1].lower() if found else None


class _ImageStep:
    """Images are shown from the site itself and over https; an http: image becomes a link to it.

    The pages' Content-Security-Policy allows ``img-src 'self' https: data:`` so that an image a
    curator embeds from another site shows, as MkDocs and Hugo users expect. Such an image tells
    its host each reader's IP address: the curator chooses that by embedding it, and the page sends
    no Referer and loads it only when scrolled to. A plain http: image would be blocked (mixed
    content, and not in the policy), so it is made a link rather than a broken image. Other schemes
    (javascript:, data:) lose their src to the unsafe-link filter, as before."""

    def run(self, root: Any) -> None:
        """Rewrite the images of one parsed tree in place."""
        for element in list(root.iter("img")):
            src = element.get("src")
            if src is not None and url_scheme(src) == "http":
                _image_to_link(element, src)
            else:
                element.set("loading", "lazy")
                element.set("referrerpolicy", "no-referrer")


def _image_to_link(element: Any, src: str) -> None:
    """Turn ``<img alt src title>`` into ``<a href title>alt</a>`` (the address if no alt text)."""
    alt, title = element.get("alt"), element.get("title")
    element.tag = "a"
    element.attrib.clear()
    element.set("href", src)
    if title:
        element.set("title", title)
    element.text = alt or src
