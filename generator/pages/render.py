"""Render stage: turn the corpus into pages through the Jinja2 templates.

Templates hold the markup and receive typed objects; Python decides what goes on which page. Every link
in a template goes through the ``url`` function, which makes it relative to the page being rendered, so a
site works at a domain root, under a project subpath and from the file system alike. The 404 page is
the exception: a server shows it at any depth, so its links are absolute paths under the base URL.
"""

from __future__ import annotations

import functools
import json
import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from jinja2 import (
    BytecodeCache,
    Environment,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    pass_context,
    select_autoescape,
)
from markupsafe import Markup

from generator.errors import BuildError
from generator.model import Corpus, Paper
from generator.pages.templates import TemplateLoader
from generator.read.config import SiteConfig, is_safe_link
from generator.read.markdown import curator_markdown

if TYPE_CHECKING:
    from generator.pages.site import Page

PAPERS_JSON_PATH = "papers.json"
# Paths and link parts remembered: the last pages' folders and the links they share (a worker
# renders pages in order, so an unbounded cache would only hold every page folder of the site).
URL_CACHE_SIZE = 4096
PAGER_ALL_UP_TO = 11  # listings with more pages than this show a window of page links
# Everything the pages load comes from the site itself, except images a curator embeds in a note
# from another site over https (generator/read/markdown.py says why); no inline script or style is
# allowed. A JSON-LD block is data, not script: CSP does not apply to it. frame-ancestors is left
# out because browsers ignore it in a <meta> policy.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)


@dataclass(frozen=True)
class LookupLink:
    """A link that looks a paper up on another service by its title."""

    label: str
    href: str


@dataclass(frozen=True)
class Pager:
    """Where one page of a paginated listing sits among its siblings."""

    number: int
    count: int
    page_paths: tuple[str, ...]  # directory path of every page, index 0 = page 1

    @property
    def previous_path(self) -> str | None:
        """Directory path of the previous page, if any."""
        return self.page_paths[self.number - 2] if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        """Directory path of the next page, if any."""
        return self.page_paths[self.number] if self.number < self.count else None

    @property
    def window(self) -> tuple[tuple[int, str] | None, ...]:
        """The page links to show as (number, path), None standing for a gap: every page up to
        PAGER_ALL_UP_TO pages, else the first two, the last two and two either side of this one, so
        a listing of n pages costs O(n) links rather than n per page."""
        if self.count <= PAGER_ALL_UP_TO:
            shown = range(1, self.count + 1)
        else:
            near = range(max(1, self.number - 2), min(self.count, self.number + 2) + 1)
            shown = sorted({1, 2, *near, self.count - 1, self.count})
        window: list[tuple[int, str] | None] = []
        for number in shown:
            if window and window[-1] is not None and number > window[-1][0] + 1:
                window.append(None)
            window.append((number, self.page_paths[number - 1]))
        return tuple(window)


def lookup_links(paper: Paper) -> tuple[LookupLink, ...]:
    """Search URLs for the paper's title on arXiv, Hugging Face Papers, Semantic Scholar, Google Scholar."""
    title = quote_plus(paper.title)
    return (
        LookupLink("arXiv", f"https://arxiv.org/search/?query={title}&searchtype=title"),
        LookupLink("Hugging Face Papers", f"https://huggingface.co/papers?q={title}"),
        LookupLink("Semantic Scholar", f"https://www.semanticscholar.org/search?q={title}"),
        LookupLink("Google Scholar", f"https://scholar.google.com/scholar?q=%22{title}%22"),
    )


def render_markdown(text: str | None) -> Markup:
    """Render curator-written Markdown with any raw HTML shown as text, never as markup."""
    if not text:
        return Markup("")
    return Markup(curator_markdown(drop_unsafe_links).convert(text))


def drop_unsafe_links(root: Any) -> None:
    """Second line of defence behind the config check: no ``javascript:`` href or src survives."""
    for element in root.iter():
        for name in ("href", "src"):
            if (value := element.get(name)) is not None and not is_safe_link(value):
                del element.attrib[name]


@functools.lru_cache(maxsize=URL_CACHE_SIZE)
def _segments(path: str) -> tuple[str, ...]:
    return tuple(part for part in posixpath.normpath(path).split("/") if part and part != ".")


@functools.lru_cache(maxsize=URL_CACHE_SIZE)
def _page_folder(page_path: str) -> tuple[tuple[str, ...], str]:
    """The segments of a page's folder, and the way up from it to the site root."""
    parts = _segments(posixpath.dirname(page_path))
    return parts, "../" * len(parts)


@functools.lru_cache(maxsize=URL_CACHE_SIZE)
def _target_link(target: str) -> tuple[tuple[str, ...], str]:
    """The segments of a target, and its link from the site root."""
    parts = _segments(target)
    link = "/".join(parts)
    if link and (target.endswith("/") or not target):
        link += "/"
    return parts, link


def relative_url(target: str, page_path: str) -> str:
    """The link from the page at ``page_path`` to ``target`` (both relative to the site root).

    Equal to ``posixpath.relpath(target, dirname(page_path))`` with the trailing slash kept, but
    computed on path segments alone: relpath resolves both against the working folder, which made it
    a third of the render time. Most links lead out of the page's top folder: they are the way up
    joined to the target, both computed once."""
    page_parts, up = _page_folder(page_path)
    target_parts, target_link = _target_link(target)
    if not page_parts or not target_parts or page_parts[0] != target_parts[0]:
        return (up + target_link) or "./"
    common = 0
    for mine, theirs in zip(page_parts, target_parts, strict=False):
        if mine != theirs:
            break
        common += 1
    link = "/".join([".."] * (len(page_parts) - common) + list(target_parts[common:]))
    if not link:
        return "./"
    if target.endswith("/") or not target:
        link += "/"
    return link


def page_target(page_path: str) -> str:
    """The address of a page below the site root: ``papers/x/`` for ``papers/x/index.html``."""
    return page_path[: -len("index.html")] if page_path.endswith("index.html") else page_path


def scholarly_article(paper: Paper, config: SiteConfig) -> dict[str, Any]:
    """The schema.org ScholarlyArticle of a paper page, as plain data for a JSON-LD block."""
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "name": paper.title,
        "headline": paper.title[:110],
        "inLanguage": config.language,
        "identifier": paper.id,
    }
    if paper.abstract:
        article["abstract"] = paper.abstract
    if config.absolute_base:
        article["url"] = config.absolute_base + paper.url_path
    return article


def make_environment(
    templates: Path | Sequence[Path],
    config: SiteConfig,
    *,
    readable: Sequence[Path] = (),
    dev_reload: bool = False,
    bytecode_cache: BytecodeCache | None = None,
) -> Environment:
    """A Jinja2 environment with autoescaping, strict undefined variables and the ``url`` function;
    ``templates`` is a folder or several, searched in order, whose files must lie inside
    ``readable`` if it is given; ``dev_reload`` adds the live-reload script of ``papershelf serve``
    to every page; ``bytecode_cache`` keeps compiled templates between builds."""
    folders = [templates] if isinstance(templates, Path) else list(templates)
    environment = Environment(
        loader=TemplateLoader(folders, readable),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # One build renders with one set of templates (serve makes a new environment per build):
        # no need to stat each template file again before every page.
        auto_reload=False,
        bytecode_cache=bytecode_cache,
    )

    @pass_context
    def url(context: Any, target: str) -> str:
        if context.get("absolute_links"):
            return config.base_path + target
        return relative_url(target, context["page_path"])

    def absolute_url(target: str) -> str | None:
        return config.absolute_base + target if config.absolute_base else None

    environment.globals["url"] = url
    environment.globals["absolute_url"] = absolute_url
    environment.globals["page_target"] = page_target
    environment.globals["site"] = config
    environment.globals["content_security_policy"] = CONTENT_SECURITY_POLICY
    environment.globals["dev_reload"] = dev_reload
    environment.globals["scholarly_article"] = lambda paper: scholarly_article(paper, config)
    # Made from the paper as the page renders: a page's cache key then need not digest them.
    # (Not named lookup_links, the context variable it replaces: a template that still iterates
    # that gets "'lookup_links' is undefined", not a TypeError from iterating a function.)
    environment.globals["paper_lookup_links"] = lookup_links
    environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    environment.filters["markdown"] = render_markdown
    return environment


def render_page(environment: Environment, page: Page, corpus: Corpus) -> str:
    """Render one page with the context every template shares; a template fault names its file."""
    context = page.context
    # The link to the site root, ending in "/" ("" from a top-level page): what links to the
    # site's own files (static/, feed.xml) start with, as url() would give them, without a call.
    if context["absolute_links"]:
        root = environment.globals["site"].base_path
    else:
        root = _page_folder(page.path)[1]
    try:
        template = environment.get_template(page.template)
        return template.render(
            page_path=page.path, root=root, all_collections=corpus.collections, **context
        )
    except TemplateSyntaxError as exc:
        raise BuildError(
            f"templates/{exc.name or page.template}:{exc.lineno}: {exc.message}"
        ) from None
    except TemplateError as exc:
        raise BuildError(f"templates/{page.template}: while rendering {page.path}: {exc}") from None


def papers_json(
    corpus: Corpus, config: SiteConfig, extra: dict[str, dict[str, Any]] | None = None
) -> Iterator[str]:
    """``papers.json``: every paper as plain data, its url being the page's path under the base URL;
    ``extra`` adds fields per paper id (related papers, topics). Yielded a paper at a time, laid
    out as ``json.dumps(papers, indent=1)`` lays out the whole list, so it is never held whole."""
    extra = extra or {}
    separator = "[\n "
    for paper in corpus.papers:
        record = {
            **extra.get(paper.id, {}),
            "id": paper.id,
            "slug": paper.slug,
            "title": paper.title,
            "abstract": paper.abstract,
            "collections": list(paper.collections),
            "url": config.base_path + paper.url_path,
        }
        # One level deeper inside the list: every line of the record indented by one more space
        # (JSON strings hold no raw line breaks, so the record's lines are its lines of layout).
        text = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1)
        yield separator + text.replace("\n", "\n ")
        separator = ",\n "
    yield "[]\n" if separator == "[\n " else "\n]\n"
