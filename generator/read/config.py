"""Typed site configuration, loaded from ``site.yml`` and validated at load time.

Every option is a typed field with its documentation; every problem is reported at once, each naming the
key, its line in the file, what was expected and what was found. Unknown keys are errors, so a typo never
falls back silently to a default.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from generator.errors import ConfigError

DEFAULT_CONFIG_NAME = "site.yml"


@dataclass(frozen=True)
class CollectionConfig:
    """What ``site.yml`` may say about one collection (one dump file), keyed by the collection id."""

    title: str | None = field(default=None, metadata={"doc": "Display title."})
    description: str | None = field(
        default=None, metadata={"doc": "Markdown shown at the top of the collection page."}
    )
    date: dt.date | None = field(
        default=None,
        metadata={"doc": "Full date (YYYY-MM-DD); overrides the dump's own date line."},
    )


@dataclass(frozen=True)
class TopicsConfig:
    """What ``site.yml`` may say about the automatic topics; slugs are those the build found."""

    count: int = field(
        default=0, metadata={"doc": "How many topics to look for; 0 chooses from the corpus size."}
    )
    rename: dict[str, str] = field(
        default_factory=dict, metadata={"doc": "New title per topic slug (the slug follows it)."}
    )
    merge: dict[str, tuple[str, ...]] = field(
        default_factory=dict,
        metadata={"doc": "Per new (or existing) slug, the topic slugs to fold into it."},
    )
    pin: tuple[str, ...] = field(
        default=(), metadata={"doc": "Topic slugs listed first, in this order, everywhere."}
    )
    # Where each entry was written, for warnings about slugs the build did not find.
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    source: str = field(default=DEFAULT_CONFIG_NAME, compare=False, repr=False)


@dataclass(frozen=True)
class SiteConfig:
    """Site-wide options; the field defaults are the documented defaults of ``site.yml``."""

    title: str = field(default="papershelf", metadata={"doc": "Site name, shown in every header."})
    description: str = field(
        default="A shelf of research papers.",
        metadata={"doc": "One-line description of the site, shown on the home page."},
    )
    base_url: str = field(
        default="/",
        metadata={
            "doc": "Where the site is served: a path such as /REPO/ or a full URL "
            "such as https://user.github.io/REPO/. --base-url overrides it."
        },
    )
    language: str = field(default="en", metadata={"doc": "Language code of the pages (html lang)."})
    per_page: int = field(default=50, metadata={"doc": "Papers per page on the home listing."})
    collections: dict[str, CollectionConfig] = field(
        default_factory=dict,
        metadata={"doc": "Per-collection title, description and date, keyed by collection id."},
    )
    topics: TopicsConfig = field(
        default_factory=TopicsConfig,
        metadata={"doc": "Number of automatic topics, and topics to rename, merge or pin."},
    )
    notes_dir: str = field(
        default="notes",
        metadata={"doc": "Folder of the curator's Markdown notes, relative to site.yml."},
    )
    cname: str | None = field(
        default=None,
        metadata={
            "doc": "Custom domain (e.g. papers.example.org) written to CNAME at the site root."
        },
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
        problems: list[str] = []
        normalised = _check_base_url(base_url, "Config value 'base_url'", problems)
        if problems:
            raise ConfigError(source, problems)
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
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(source, [_describe_yaml_error(exc, text)]) from None
    if root is None:
        return SiteConfig()
    problems: list[str] = []
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(source, [f"line {_line(root)}: expected a mapping of options at the top"])
    lines: dict[str, int] = {}
    values = _validate_mapping(root, SiteConfig, "", problems, lines)
    if "collections" in values:
        values["collections"] = _validate_collections(values["collections"], problems)
    if "topics" in values:
        values["topics"] = _validate_topics(values["topics"], source, problems)
    if "base_url" in values:
        values["base_url"] = _check_base_url(
            values["base_url"], f"line {lines['base_url']}: Config value 'base_url'", problems
        )
    if "language" in values and not _LANGUAGE.match(values["language"]):
        problems.append(
            f"line {lines['language']}: Config value 'language': expected a language code such "
            f"as en or pt-BR, got {values['language']!r}"
        )
    if values.get("cname") is not None:
        values["cname"] = _check_cname(values["cname"], problems, lines["cname"])
    if "per_page" in values and values["per_page"] < 1:
        problems.append(
            f"line {lines['per_page']}: Config value 'per_page': expected a positive integer, "
            f"got {values['per_page']}"
        )
    if problems:
        raise ConfigError(source, problems)
    return SiteConfig(**values)


_KEY_AT_LINE_START = re.compile(r"^\s*([\w.-]+)\s*:")


def _describe_yaml_error(exc: yaml.YAMLError, text: str) -> str:
    """``line N: invalid YAML in 'key': problem``, N being where the broken construct starts."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    mark = context_mark or problem_mark
    if mark is None:
        return f"invalid YAML: {problem}"
    if context and context_mark and problem_mark and problem_mark.line != context_mark.line:
        problem = f"{context}, {problem} at line {problem_mark.line + 1}"
    lines = text.splitlines()
    key = _KEY_AT_LINE_START.match(lines[mark.line]) if mark.line < len(lines) else None
    where = f" in '{key[1]}'" if key else ""
    return f"line {mark.line + 1}: invalid YAML{where}: {problem}"


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _validate_mapping(
    node: yaml.MappingNode,
    schema: type,
    prefix: str,
    problems: list[str],
    lines: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Check one mapping node against a dataclass schema; return the accepted values (and, in
    ``lines``, the line of each key)."""
    fields = {f.name: f for f in dataclasses.fields(schema)}
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
        name = f"{prefix}{key}"
        if lines is not None:
            lines[key] = _line(key_node)
        where = f"line {_line(key_node)}: Config value '{name}'"
        if key in seen:
            problems.append(f"{where}: given twice")
            continue
        seen.add(key)
        if key not in fields:
            known = ", ".join(sorted(fields))
            problems.append(f"{where}: unknown key (known keys: {known})")
            continue
        if key in ("collections", "topics") and schema is SiteConfig:
            values[key] = (value_node, name)
            continue
        value = _construct(value_node)
        expected = fields[key].type
        checked = _check_type(value, expected)
        if checked is _INVALID:
            found = type(value).__name__ if value is not None else "nothing"
            problems.append(f"{where}: expected {_describe(expected)}, got {found} ({value!r})")
            continue
        values[key] = checked
    return values


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
LINK_MARKS = "[<{"


def markdown_links(text: str) -> list[str]:
    """Every link and image URL that Markdown text would produce."""
    if not any(mark in text for mark in LINK_MARKS):
        return []  # no link possible: Python-Markdown's import and run are skipped
    import markdown
    import markdown.treeprocessors

    renderer = markdown.Markdown(extensions=["extra"], output_format="html")
    found: list[str] = []

    class Collect(markdown.treeprocessors.Treeprocessor):
        def run(self, root):
            found.extend(
                value
                for element in root.iter()
                for name in ("href", "src")
                if (value := element.get(name))
            )

    renderer.treeprocessors.register(Collect(renderer), "collect-links", 0)
    renderer.convert(text)
    return found


def _validate_collections(
    entry: tuple[yaml.Node, str], problems: list[str]
) -> dict[str, CollectionConfig]:
    node, name = entry
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            f"line {_line(node)}: Config value '{name}': expected a mapping of collection ids"
        )
        return {}
    collections: dict[str, CollectionConfig] = {}
    for key_node, value_node in node.value:
        collection_id = str(key_node.value)
        where = f"line {_line(key_node)}: Config value '{name}.{collection_id}'"
        if not isinstance(value_node, yaml.MappingNode):
            problems.append(f"{where}: expected a mapping with title, description or date")
            continue
        lines: dict[str, int] = {}
        values = _validate_mapping(
            value_node, CollectionConfig, f"{name}.{collection_id}.", problems, lines
        )
        for link in markdown_links(values.get("description") or ""):
            if not is_safe_link(link):
                problems.append(
                    f"line {lines['description']}: Config value '{name}.{collection_id}.description': "
                    f"link {link!r} refused (only relative, http(s) and mailto links)"
                )
        collections[collection_id] = CollectionConfig(**values)
    return collections


def _validate_topics(
    entry: tuple[yaml.Node, str], source: str, problems: list[str]
) -> TopicsConfig:
    """Check the ``topics`` mapping: count, rename, merge and pin, each entry's line kept."""
    node, name = entry
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            f"line {_line(node)}: Config value '{name}': expected a mapping with count, rename, "
            "merge or pin"
        )
        return TopicsConfig()
    known = {f.name for f in dataclasses.fields(TopicsConfig)} - {"lines", "source"}
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        where = f"line {_line(key_node)}: Config value '{name}.{key}'"
        if key not in known or key in values:
            reason = (
                "given twice"
                if key in values
                else f"unknown key (known keys: {', '.join(sorted(known))})"
            )
            problems.append(f"{where}: {reason}")
            continue
        lines[key] = _line(key_node)
        value = _construct(value_node)
        if key == "count":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(f"{where}: expected a whole number, 0 or more, got {value!r}")
                continue
            values[key] = value
        elif key == "pin":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{where}: expected a list of topic slugs, got {value!r}")
                continue
            values[key] = tuple(value)
            for item in value_node.value:
                lines[f"pin.{item.value}"] = _line(item)
        else:
            if not isinstance(value_node, yaml.MappingNode):
                problems.append(f"{where}: expected a mapping of topic slugs, got {value!r}")
                continue
            entries: dict[str, Any] = {}
            for slug_node, target_node in value_node.value:
                slug = str(slug_node.value)
                target = _construct(target_node)
                lines[f"{key}.{slug}"] = _line(slug_node)
                inner = f"line {_line(slug_node)}: Config value '{name}.{key}.{slug}'"
                if key == "rename" and not (isinstance(target, str) and target.strip()):
                    problems.append(f"{inner}: expected a title, got {target!r}")
                elif key == "merge" and not (
                    isinstance(target, list) and target and all(isinstance(t, str) for t in target)
                ):
                    problems.append(f"{inner}: expected a list of topic slugs, got {target!r}")
                else:
                    entries[slug] = target if key == "rename" else tuple(target)
                    if key == "merge":
                        for item in target_node.value:
                            lines[f"merge.{slug}.{item.value}"] = _line(item)
            values[key] = entries
    return TopicsConfig(**values, lines=lines, source=source)


def _construct(node: yaml.Node) -> Any:
    """Turn a composed YAML node into a plain Python value with PyYAML's safe rules."""
    return yaml.SafeLoader("").construct_object(node, deep=True)


_INVALID = object()


def _check_type(value: Any, expected: Any) -> Any:
    """Return the value if it fits the annotated type (given as a string), else ``_INVALID``."""
    if expected in ("str", "str | None"):
        if value is None and "None" in expected:
            return None
        return value if isinstance(value, str) else _INVALID
    if expected == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else _INVALID
    if expected == "dt.date | None":
        if value is None:
            return None
        return (
            value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else _INVALID
        )
    raise TypeError(
        f"no validator for annotation {expected!r}"
    )  # a bug in the schema, not user input


def _describe(expected: str) -> str:
    return {
        "str": "a string",
        "str | None": "a string",
        "int": "an integer",
        "dt.date | None": "a date written YYYY-MM-DD",
    }[expected]


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9-]+(?::\d{1,5})?$")
_BASE_PATH = re.compile(r"^/([A-Za-z0-9._~!$&'()*+,;=:@%-]+/)*$")


def _check_base_url(value: str, name: str, problems: list[str]) -> str:
    """Accept ``/``, ``/REPO/`` or ``http(s)://host/REPO/``; always return it with a trailing slash.

    Anything else (``javascript:``, ``data:``, ``//host/``, a query) is refused: the base URL ends up in
    every link of the site."""
    given = value
    if not value.endswith("/"):
        value += "/"
    parts = urlsplit(value)
    if parts.scheme and parts.scheme not in ("http", "https"):
        problems.append(f"{name}: expected an http(s) URL or a path, got {given!r}")
    elif parts.scheme and not parts.netloc:
        problems.append(f"{name}: the URL {given!r} has no host")
    elif (
        (parts.netloc and not (parts.scheme and _HOST.match(parts.netloc)))
        or parts.query
        or parts.fragment
        or not _BASE_PATH.match(parts.path or "/")
    ):
        problems.append(
            f"{name}: expected a path such as /REPO/ or a URL such as "
            f"https://user.github.io/REPO/, got {given!r}"
        )
    elif not parts.path:
        value = value.rstrip("/") + "/"
    return value


_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _check_cname(value: str, problems: list[str], line: int) -> str:
    """Accept a bare domain name such as ``papers.example.org`` (no scheme, no path)."""
    host = value.strip().lower()
    if not _HOSTNAME.match(host):
        problems.append(
            f"line {line}: Config value 'cname': expected a domain name such as "
            f"papers.example.org, got {value!r}"
        )
    return host
