"""One schema for ``site.yml`` and note front matter: typed records, each option declared once.

A record is a frozen dataclass whose options are fields with ``metadata=option(...)``: the
annotation is the option's type, the field gives its default, and ``option()`` its documentation
and, where the type alone does not say it, what a valid value is in words and a function that
checks it. ``validate`` walks a composed YAML node against a record with one rule for every record:
an unknown or repeated key is an error, a nested record is a mapping with the record's keys,
``dict[str, X]`` is a mapping keyed by ids, and every problem is kept, with its line, until the walk
ends. The validator, the configuration reference and the commented ``site.yml`` of a new shelf all
read the same records (see ``options``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from generator.read.yaml_nodes import YamlProblem, clipped, plain_value, quoted

_OPTION = "papershelf.option"  # the dataclass field metadata key that holds an option's Option
_REFUSED = object()  # a value the walk did not accept (its problem is already recorded)


class Invalid(Exception):
    """A value an option refuses. Each message follows the key's name; with no message, the problem
    is the option's ``expected`` phrase and the value found."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = messages


@dataclass(frozen=True)
class Option:
    """How one key of a record is documented and checked, beyond what its type says."""

    doc: str = ""
    # What a valid value is, in words ("a title"). With it, a value of the wrong type and a value its
    # check refuses both read "expected <expected>, got <value>"; without it, the type is named:
    # "expected an integer, got str ('twenty')".
    expected: str | None = None
    # Raw YAML value -> the option's value, for a form the type cannot say (a tag or a list of tags).
    parse: Callable[[Any], Any] | None = None
    # Typed value -> the accepted (perhaps normalised) value; not called for an absent value (None).
    check: Callable[[Any], Any] | None = None
    entries: Option | None = None  # for a dict[str, X] option: the rule of each entry
    type_doc: str | None = None  # the type as the reference shows it, when the annotation is not it
    default_doc: str | None = None  # the default in words, when None stands for a computed value


def option(doc: str, **rule: Any) -> dict[str, Option]:
    """The field metadata that makes a record field an option: its documentation and how it is
    checked (see ``Option``); the field itself gives the default."""
    return {_OPTION: Option(doc, **rule)}


@dataclass(frozen=True)
class Key:
    """One option of a record, as the validator and the documentation see it."""

    name: str
    kind: Any  # the resolved annotation
    option: Option
    default: Any


@functools.cache
def options(record: type) -> tuple[Key, ...]:
    """The options of a record in their declared order (a field without ``option()`` metadata is
    not an option: nothing in a file sets it)."""
    hints = typing.get_type_hints(record)
    return tuple(
        Key(field.name, hints[field.name], field.metadata[_OPTION], _default(field))
        for field in dataclasses.fields(record)
        if _OPTION in field.metadata
    )


def _default(field: dataclasses.Field) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    return field.default_factory()  # type: ignore[misc]


def is_record(kind: Any) -> bool:
    """True for a record type (a dataclass), whose YAML is a mapping with the record's keys."""
    return isinstance(kind, type) and dataclasses.is_dataclass(kind)


def entry_kind(kind: Any) -> Any | None:
    """The type of each entry of a ``dict[str, X]`` option, or None for any other type."""
    return typing.get_args(kind)[1] if typing.get_origin(kind) is dict else None


def _optional(kind: Any) -> Any | None:
    """``X`` for ``X | None``, else None."""
    if typing.get_origin(kind) not in (typing.Union, types.UnionType):
        return None
    others = [arg for arg in typing.get_args(kind) if arg is not type(None)]
    return others[0] if len(others) == 1 else None


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


# The leaf types a file can hold: how a message and the reference name each, and its test.
_SCALARS: dict[Any, tuple[str, str, Callable[[Any], bool]]] = {
    str: ("a string", "string", lambda value: isinstance(value, str)),
    int: ("an integer", "integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    dt.date: ("a date written YYYY-MM-DD", "date (YYYY-MM-DD)", _is_date),
}
_STRINGS = ("a list of strings", "list")  # tuple[str, ...], written as a YAML list


def _typed(value: Any, kind: Any) -> Any:
    """The value as its annotated type holds it, or ``_REFUSED``."""
    inner = _optional(kind)
    if inner is not None:
        return None if value is None else _typed(value, inner)
    if kind in _SCALARS:
        return value if _SCALARS[kind][2](value) else _REFUSED
    if kind == tuple[str, ...]:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(value)
        return _REFUSED
    if entry_kind(kind) is not None:
        return _REFUSED  # a mapping node is walked entry by entry: this value is no mapping
    raise TypeError(f"no check for the type {kind!r}: give the option a parse function")


def _type_words(kind: Any) -> tuple[str, str]:
    """How a message and the reference name a leaf type."""
    kind = _optional(kind) or kind
    if kind in _SCALARS:
        return _SCALARS[kind][:2]
    if typing.get_origin(kind) is tuple:
        return _STRINGS
    return ("a mapping", "mapping") if is_record(kind) or entry_kind(kind) else ("a value", "value")


def type_doc(key: Key) -> str:
    """The type of an option as the reference shows it."""
    return key.option.type_doc or _type_words(key.kind)[1]


def yaml_scalar(value: Any) -> str:
    """A value as YAML writes it on one line (None as null, a mapping as {}, a tuple as [])."""
    if isinstance(value, tuple):
        value = list(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.strip().removesuffix("...").strip()


def default_doc(key: Key) -> str:
    """The default of an option as the reference shows it."""
    if key.option.default_doc is not None:
        return key.option.default_doc
    if is_record(key.kind):
        return "see its keys"
    return "none" if key.default is None else f"`{yaml_scalar(key.default)}`"


def _mapping_words(kind: Any, option: Option) -> str:
    """What a record, or a mapping of them, expects: ``a mapping with title, description or date``."""
    if option.expected:
        return option.expected
    if is_record(kind):
        return f"a mapping with {in_words([key.name for key in options(kind)])}"
    return "a mapping"


def in_words(names: list[str]) -> str:
    """``a, b or c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


@dataclass(frozen=True)
class Wording:
    """How a document's messages name a key: ``site.yml`` and a note's front matter differ."""

    prefix: str = ""  # what starts each message: a note's messages name its file
    first_line: int = 1  # the line number of the node's first line (front matter starts on line 2)
    label: str = "Config value '{}'"  # how a key is named: MkDocs's wording, for site.yml
    sorted_keys: bool = True  # the known keys of an unknown-key message, sorted or as declared


@dataclass(frozen=True)
class Validated:
    """What ``validate`` found: the record (defaults where a value was refused), the line of every
    key and list item by its dotted path, and every problem, in file order."""

    value: Any
    lines: dict[str, int]
    problems: list[str]


def validate(node: yaml.MappingNode, record: type, wording: Wording) -> Validated:
    """Check a mapping node against a record; every problem is collected, none raised."""
    walk = _Walk(wording)
    value = walk.record(node, record, "")
    return Validated(value, walk.lines, walk.problems)


def _key(node: yaml.Node) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) else "?"


class _Walk:
    """One validation: the wording of its messages, and what it has found so far."""

    def __init__(self, wording: Wording) -> None:
        self.wording = wording
        self.lines: dict[str, int] = {}
        self.problems: list[str] = []

    def line(self, node: yaml.Node) -> int:
        """The line of the file a node starts on."""
        return node.start_mark.line + self.wording.first_line

    def problem(self, line: int, path: str, message: str) -> None:
        """Record a problem with the key at ``path``, on one line however long what was written."""
        label = self.wording.label.format(clipped(path, 100))
        self.problems.append(f"{self.wording.prefix}line {line}: {label}: {clipped(message, 300)}")

    def entries(self, node: yaml.MappingNode, path: str, known: list[str] | None):
        """Each (path, line, key, value node) of a mapping, a repeated or unknown key reported."""
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = _key(key_node)
            name = f"{path}.{key}" if path else key
            line = self.line(key_node)
            if key in seen:
                self.problem(line, name, "given twice")
            elif known is None and not isinstance(key_node, yaml.ScalarNode):
                self.problem(line, name, "expected a name as the key")
            elif known is not None and key not in known:
                shown = sorted(known) if self.wording.sorted_keys else known
                self.problem(line, name, f"unknown key (known keys: {', '.join(shown)})")
            else:
                self.lines[name] = line
                yield name, line, key, value_node
            seen.add(key)

    def record(self, node: yaml.MappingNode, record: type, path: str) -> Any:
        """A record from a mapping node: its options checked, the others left at their default."""
        keys = {key.name: key for key in options(record)}
        values = {}
        for name, line, key, value_node in self.entries(node, path, list(keys)):
            value = self.value(value_node, keys[key].kind, keys[key].option, name, line)
            if value is not _REFUSED:
                values[key] = value
        return record(**values)

    def value(self, node: yaml.Node, kind: Any, option: Option, path: str, line: int) -> Any:
        """One option's value: a nested record, a mapping of entries by id, or a leaf."""
        entry = entry_kind(kind)
        if isinstance(node, yaml.MappingNode) and is_record(kind):
            return self.record(node, kind, path)
        if isinstance(node, yaml.MappingNode) and entry is not None:
            return self.mapping(node, entry, option.entries or Option(), path)
        if is_record(kind) or is_record(entry):
            # A record, or a mapping of records, could hold a whole document: say what was
            # expected rather than all that was found.
            self.problem(line, path, f"expected {_mapping_words(kind, option)}")
            return _REFUSED
        return self.leaf(node, kind, option, path, line)

    def mapping(self, node: yaml.MappingNode, entry: Any, option: Option, path: str) -> dict:
        """A mapping keyed by ids, each entry checked as ``entry``; a refused entry is left out."""
        found = {}
        for name, line, key, value_node in self.entries(node, path, None):
            value = self.value(value_node, entry, option, name, line)
            if value is not _REFUSED:
                found[key] = value
        return found

    def leaf(self, node: yaml.Node, kind: Any, option: Option, path: str, line: int) -> Any:
        """A value written in one piece: typed (or parsed), then checked."""
        try:
            raw = plain_value(node)
        except YamlProblem as refused:  # a date such as 2024-02-30
            self.problem(line, path, refused.message)
            return _REFUSED
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:  # each item's line, for warnings about it later
                if isinstance(item, yaml.ScalarNode):
                    self.lines[f"{path}.{item.value}"] = self.line(item)
        try:
            value = option.parse(raw) if option.parse else _typed(raw, kind)
            if value is _REFUSED:
                if option.expected:
                    raise Invalid()
                found = type(raw).__name__ if raw is not None else "nothing"
                raise Invalid(f"expected {_type_words(kind)[0]}, got {found} ({quoted(raw)})")
            return option.check(value) if option.check and value is not None else value
        except Invalid as refused:
            for message in refused.messages or (f"expected {option.expected}, got {quoted(raw)}",):
                self.problem(line, path, message)
            return _REFUSED
