"""Typed site configuration, loaded from ``site.yml`` and validated at load time.

Every option is declared once below, with its type, default and documentation (see ``schema``); every
problem is reported at once, each naming the key, its line in the file, what was expected and what was
found. Unknown keys are errors, so a typo never falls back silently to a default.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from generator.errors import ConfigError
from generator.read.markdown import markdown_links
from generator.read.schema import Invalid, Option, Wording, option, validate
from generator.read.yaml_nodes import YamlProblem, compose, quoted

DEFAULT_CONFIG_NAME = "site.yml"
SITE_YML = Wording()  # messages such as "line 3: Config value 'per_page': expected an integer, ..."

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")  # browsers drop these inside a scheme


def is_safe_link(url: str) -> bool:
    """True for a relative link or an http(s)/mailto URL; False for ``javascript:``, ``data:`` and
    any other scheme, however it is spelled (case, entities, control characters)."""
    found = _SCHEME.match(_IGNORED_IN_URLS.sub("", html.unescape(url)))
    return found is None or found[1].lower() in SAFE_LINK_SCHEMES


# Markdown makes a link or image only from one of these: [text](url), [text][ref], ![alt](src),
# [^note], <http://...>, raw <a href>, or an attribute list {: href=...}.


# ---- checks of single options, each raising Invalid with what the user sees after the key ----


def _safe_links(description: str) -> str:
    """Refuse a description with a link that is not relative, http(s) or mailto."""
    refused = [link for link in markdown_links(description) if not is_safe_link(link)]
    if refused:
        rule = "refused (only relative, http(s) and mailto links)"
        raise Invalid(*(f"link {quoted(link)} {rule}" for link in refused))
    return description


_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9-]+(?::\d{1,5})?$")
_BASE_PATH = re.compile(r"^/([A-Za-z0-9._~!$&'()*+,;=:@%-]+/)*$")


def _base_url(value: str) -> str:
    """Accept ``/``, ``/REPO/`` or ``http(s)://host/REPO/``; always return it with a trailing slash.

    Anything else (``javascript:``, ``data:``, ``//host/``, a query) is refused: the base URL ends up in
    every link of the site."""
    given = quoted(value)
    if not value.endswith("/"):
        value += "/"
    try:
        parts = urlsplit(value)
    except ValueError:  # such as an unclosed [ of an IPv6 address
        raise Invalid(f"expected an http(s) URL or a path, got {given}") from None
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise Invalid(f"expected an http(s) URL or a path, got {given}")
    if parts.scheme and not parts.netloc:
        raise Invalid(f"the URL {given} has no host")
    if (
        (parts.netloc and not (parts.scheme and _HOST.match(parts.netloc)))
        or parts.query
        or parts.fragment
        or not _BASE_PATH.match(parts.path or "/")
    ):
        raise Invalid(
            "expected a path such as /REPO/ or a URL such as "
            f"https://user.github.io/REPO/, got {given}"
        )
    return value if parts.path else value.rstrip("/") + "/"


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def _language(value: str) -> str:
    """Accept a language code such as ``en`` or ``pt-BR`` (it is the pages' ``lang``)."""
    if not _LANGUAGE.match(value):
        raise Invalid(f"expected a language code such as en or pt-BR, got {quoted(value)}")
    return value


def _positive(value: int) -> int:
    if value < 1:
        raise Invalid(f"expected a positive integer, got {quoted(value)}")
    return value


_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domain(value: str) -> str:
    """Accept a bare domain name such as ``papers.example.org`` (no scheme, no path)."""
    host = value.strip().lower()
    if not _HOSTNAME.match(host):
        raise Invalid(f"expected a domain name such as papers.example.org, got {quoted(value)}")
    return host


def _not_negative(value: int) -> int:
    if value < 0:
        raise Invalid()  # the option's expected phrase says it
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise Invalid()
    return value


def _not_empty(value: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        raise Invalid()
    return value


# ---- the schema of site.yml ----


@dataclass(frozen=True)
class CollectionConfig:
    """What ``site.yml`` may say about one collection (one dump file), keyed by the collection id."""

    title: str | None = field(
        default=None,
        metadata=option("Display title.", default_doc="`Papers of <date>`, else the id"),
    )
    description: str | None = field(
        default=None,
        metadata=option(
            "Markdown shown at the top of the collection page; raw HTML is shown as text, and "
            "links may only be relative, http(s) or mailto.",
            type_doc="Markdown",
            check=_safe_links,
        ),
    )
    date: dt.date | None = field(
        default=None,
        metadata=option(
            "Full date (YYYY-MM-DD); overrides the dump's own date line, and dates the "
            "collection's papers in the feeds.",
            default_doc="the dump's date line",
        ),
    )


@dataclass(frozen=True)
class TopicsConfig:
    """What ``site.yml`` may say about the automatic topics; slugs are those the build found."""

    count: int = field(
        default=0,
        metadata=option(
            "How many topics to look for; 0 chooses from the corpus size (one per 25 papers, "
            "2 to 30).",
            expected="a whole number, 0 or more",
            check=_not_negative,
        ),
    )
    rename: dict[str, str] = field(
        default_factory=dict,
        metadata=option(
            "New title per topic slug (SLUG: Title); the topic's slug follows its new title.",
            expected="a mapping of topic slugs",
            entries=Option(expected="a title", check=_not_blank),
        ),
    )
    merge: dict[str, tuple[str, ...]] = field(
        default_factory=dict,
        metadata=option(
            "Per new (or existing) slug, the topic slugs to fold into it (NEW-SLUG: [SLUG, "
            "SLUG]); it keeps the first one's title unless renamed.",
            expected="a mapping of topic slugs",
            entries=Option(expected="a list of topic slugs", check=_not_empty),
        ),
    )
    pin: tuple[str, ...] = field(
        default=(),
        metadata=option(
            "Topic slugs listed first, in this order, on the topics page, the home page and the "
            "map legend.",
            expected="a list of topic slugs",
        ),
    )
    # Not options: where each entry was written, for warnings about slugs the build did not find.
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    source: str = field(default=DEFAULT_CONFIG_NAME, compare=False, repr=False)


@dataclass(frozen=True)
class SiteConfig:
    """Site-wide options; the field defaults are the documented defaults of ``site.yml``."""

    title: str = field(
        default="papershelf", metadata=option("Site name, shown in every header and page title.")
    )
    description: str = field(
        default="A shelf of research papers.",
        metadata=option(
            "One-line description of the site, shown under the title on the home page."
        ),
    )
    base_url: str = field(
        default="/",
        metadata=option(
            "Where the site is served: a path such as /REPO/ or a full URL such as "
            "https://user.github.io/REPO/ (anything else, such as javascript:, data:, //host/ or "
            "a query, is an error). --base-url overrides it.",
            check=_base_url,
        ),
    )
    language: str = field(
        default="en",
        metadata=option(
            "Language code of the pages (html lang), such as en or pt-BR.", check=_language
        ),
    )
    per_page: int = field(
        default=50, metadata=option("Papers per page on the home listing.", check=_positive)
    )
    collections: dict[str, CollectionConfig] = field(
        default_factory=dict,
        metadata=option(
            "Per-collection title, description and date, keyed by collection id (the dump's "
            "file name without .txt).",
            expected="a mapping of collection ids",
        ),
    )
    topics: TopicsConfig = field(
        default_factory=TopicsConfig,
        metadata=option("Number of automatic topics, and topics to rename, merge or pin."),
    )
    notes_dir: str = field(
        default="notes",
        metadata=option("Folder of the curator's Markdown notes, relative to site.yml."),
    )
    cname: str | None = field(
        default=None,
        metadata=option(
            "Custom domain (e.g. papers.example.org) written to CNAME at the site root.",
            type_doc="domain name",
            check=_domain,
        ),
    )

    @property
    def base_path(self) -> str:
        """The path part of ``base_url``, always starting and ending with a slash."""
        return urlsplit(self.base_url).path

    @property
    def absolute_base(self) -> str | None:
        """``base_url`` when it is a full URL (scheme and host), else None."""
        return self.base_url if urlsplit(self.base_url).scheme else None

    def with_base_url(self, base_url: str, source: str = "--base-url") -> SiteConfig:
        """A copy with another base URL, validated like the one in the file."""
        try:
            normalised = _base_url(base_url)
        except Invalid as refused:
            raise ConfigError(
                source, [f"Config value 'base_url': {message}" for message in refused.messages]
            ) from None
        return dataclasses.replace(self, base_url=normalised)


def load_config(path: Path, *, required: bool = False) -> SiteConfig:
    """Read and validate ``site.yml``; a missing file gives the defaults unless ``required``."""
    if not path.exists():
        if required:
            raise ConfigError(path, ["config file not found"])
        return SiteConfig()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, [f"cannot read the config file: {exc.strerror or exc}"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = (
            f"line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        )
        raise ConfigError(path, [problem]) from None
    return parse_config(text, str(path))


def parse_config(text: str, source: str = DEFAULT_CONFIG_NAME) -> SiteConfig:
    """Validate YAML text into a ``SiteConfig``; raises ``ConfigError`` listing every problem."""
    try:
        root = compose(text)
    except YamlProblem as refused:
        raise ConfigError(source, [refused.at()]) from None
    if root is None:
        return SiteConfig()
    if not isinstance(root, yaml.MappingNode):
        line = root.start_mark.line + 1
        raise ConfigError(source, [f"line {line}: expected a mapping of options at the top"])
    found = validate(root, SiteConfig, SITE_YML)
    if found.problems:
        raise ConfigError(source, found.problems)
    lines = {
        path.removeprefix("topics."): line
        for path, line in found.lines.items()
        if path.startswith("topics.")
    }
    topics = dataclasses.replace(found.value.topics, lines=lines, source=source)
    return dataclasses.replace(found.value, topics=topics)
