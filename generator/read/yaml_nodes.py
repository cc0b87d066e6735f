"""The one way ``site.yml`` and note front matter are read as YAML: plain data, or one short problem.

YAML can say much more than a settings file needs, and some of it is hostile: an alias (``*name``)
lets a few hundred bytes stand for billions of values, a tag (``!!python/object``) asks for an
object, a number may run to thousands of digits, lists may nest until Python runs out of stack. The
composer here refuses each of these as it meets it, before anything large is built: aliases; tags
other than YAML's standard data types; numbers of more than ``MAX_DIGITS`` digits; strings of more
than ``MAX_CHARS`` characters; nesting deeper than ``MAX_DEPTH``; more than ``MAX_NODES`` values.
``plain_value`` turns a composed node into Python values and reports a value that is no value (a
date such as 2024-02-30) as a problem. Every message quotes at most ``QUOTE_CHARS`` of what was
written.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

MAX_DIGITS = 30
MAX_CHARS = 100_000
MAX_DEPTH = 32
MAX_NODES = 20_000
QUOTE_CHARS = 60

_STANDARD = "tag:yaml.org,2002:"
# The tags a file may give, by the kind of node they may be given to.
_TAGS = {
    yaml.ScalarEvent: {
        _STANDARD + name for name in ("str", "int", "float", "bool", "null", "timestamp")
    },
    yaml.SequenceStartEvent: {_STANDARD + "seq"},
    yaml.MappingStartEvent: {_STANDARD + "map"},
}
# PyYAML resolves ``=`` to a "value" tag and ``<<`` to a "merge" tag that only makes sense with
# aliases; without them both are plain strings.
_AS_STRING = {_STANDARD + "value", _STANDARD + "merge"}
_WHAT = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "null": "null",
    "timestamp": "a date",
}
_NOT_DIGITS = re.compile(r"[-+_.:]")
_KEY_AT_LINE_START = re.compile(r"^\s*([\w.-]+)\s*:")
# PyYAML's safe constructors fail in all these ways on scalars their tag does not fit.
_CONSTRUCTION_FAILURES = (yaml.YAMLError, ValueError, LookupError, AttributeError, TypeError)


class YamlProblem(Exception):
    """YAML that is not plain data, or not YAML at all: the line (from 1; 0 when unknown) and why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message

    def at(self, first_line: int = 1) -> str:
        """``line N: message``, N counted in a file whose YAML starts on line ``first_line``."""
        if not self.line:
            return self.message
        return f"line {self.line + first_line - 1}: {self.message}"


def clipped(text: str, limit: int = QUOTE_CHARS) -> str:
    """Text as a message shows it: control characters escaped, cut to ``limit`` characters with …."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return shown if len(shown) <= limit and len(text) <= limit else shown[: limit - 1] + "…"


def quoted(value: Any) -> str:
    """A value as a message quotes it: its ``repr``, cut to ``QUOTE_CHARS`` characters with …."""
    return clipped(repr(value))  # never a huge integer: the composer refuses long numbers


def compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document (None when it is empty); raises ``YamlProblem``."""
    try:
        return _DataLoader(text).get_single_node()  # the reader checks the text on creation
    except yaml.YAMLError as exc:
        raise YamlProblem(*_described(exc, text)) from None


def plain_value(node: yaml.Node) -> Any:
    """A composed node as str, int, float, bool, None, date, datetime, list and dict; raises
    ``YamlProblem`` for a value that is none of them (a date such as 2024-02-30)."""
    constructor = SafeConstructor()
    for scalar in _scalars(node):
        try:
            constructor.construct_object(scalar)
        except _CONSTRUCTION_FAILURES:
            raise YamlProblem(scalar.start_mark.line + 1, _not_a_value(scalar)) from None
    try:
        return constructor.construct_object(node, deep=True)
    except _CONSTRUCTION_FAILURES as exc:  # an unhashable key, or !!map on a list
        line = node.start_mark.line + 1
        raise YamlProblem(line, f"invalid value: {clipped(_problem_of(exc), 200)}") from None


def _scalars(node: yaml.Node):
    """Every scalar node below ``node`` (keys too), without recursion."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.ScalarNode):
            yield current
        elif isinstance(current, yaml.SequenceNode):
            pending += reversed(current.value)
        elif isinstance(current, yaml.MappingNode):
            pending += [part for pair in reversed(current.value) for part in reversed(pair)]


def _not_a_value(scalar: yaml.ScalarNode) -> str:
    kind = scalar.tag.removeprefix(_STANDARD)
    if kind == "timestamp":
        real = "a real date and time" if len(scalar.value.strip()) > 10 else "a real date"
        return f"not {real}: {_written(scalar.value)}"
    return f"not {_WHAT.get(kind, 'a value')}: {_written(scalar.value)}"


class _DataLoader(yaml.SafeLoader):
    """PyYAML's safe scanner and parser, with a composer that refuses what is not plain data."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.keys: list[str] = []  # the keys above the node being composed, for messages
        self.nodes = 0
        self.depth = 0  # how many nodes hold the one being composed

    def refuse(self, line: int, message: str) -> YamlProblem:
        """The problem, naming the nearest key above it."""
        key = f"'{clipped(self.keys[-1])}': " if self.keys else ""
        return YamlProblem(line, key + message)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """One node, refused before it is built if it is an alias, too deep, one too many or
        tagged with a type that is not plain data."""
        event = self.peek_event()
        line = event.start_mark.line + 1
        named = isinstance(index, yaml.ScalarNode)  # a mapping's value: index is its key
        self.keys += [index.value] if named else []
        if isinstance(event, yaml.AliasEvent):
            raise self.refuse(line, "YAML aliases (*name) are not supported; write the value out")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.refuse(line, f"more than {MAX_NODES:,} values; too many for a settings file")
        if self.depth >= MAX_DEPTH:
            raise self.refuse(line, f"nested more than {MAX_DEPTH} levels deep")
        if event.tag not in (None, "!") and event.tag not in _TAGS[type(event)]:
            raise self.refuse(line, f"the tag {_tag_name(event.tag)} is not supported {_PLAIN}")
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_CHARS:
            size = f"{len(event.value):,} characters (at most {MAX_CHARS:,})"
            raise self.refuse(line, f"a value of {size}")
        self.depth += 1  # no need to undo on a problem: the loader is dropped
        node = super().compose_node(parent, index)
        self.depth -= 1
        if isinstance(node, yaml.ScalarNode):
            self._check_scalar(node, explicit=event.tag not in (None, "!"), line=line)
        if named:
            self.keys.pop()
        return node

    def _check_scalar(self, node: yaml.ScalarNode, explicit: bool, line: int) -> None:
        """A number is short; an explicitly tagged scalar is written as its type is."""
        if node.tag in _AS_STRING:
            node.tag = _STANDARD + "str"
        kind = node.tag.removeprefix(_STANDARD)
        if kind in ("int", "float"):
            digits = len(_NOT_DIGITS.sub("", node.value))
            if digits > MAX_DIGITS:
                raise self.refuse(line, f"a number of {digits:,} digits (at most {MAX_DIGITS})")
        if explicit and kind in _WHAT:
            written = self.resolve(yaml.ScalarNode, node.value, (True, False))
            if written != node.tag and not (kind == "float" and written.endswith(":int")):
                raise self.refuse(line, f"not {_WHAT[kind]}: {_written(node.value)}")


def _written(value: str) -> str:
    """A scalar as written, quoted only when there is nothing to see."""
    return clipped(value) if value.strip() else repr(value)


_PLAIN = "(only plain data: strings, numbers, true/false, null, dates, lists and mappings)"


def _tag_name(tag: str) -> str:
    """A tag as it was most likely written: ``!!python/object`` rather than its full name."""
    return clipped("!!" + tag.removeprefix(_STANDARD) if tag.startswith(_STANDARD) else tag)


def _problem_of(exc: Exception) -> str:
    return getattr(exc, "problem", None) or str(exc)


def _described(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    """The line and ``invalid YAML in 'key': problem``, the line being where the broken construct
    starts."""
    if isinstance(exc, yaml.reader.ReaderError):  # a control character: it has a position, no mark
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        return line, f"invalid YAML: {exc.reason} (character #x{exc.character:04x})"
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = _problem_of(exc)
    context = getattr(exc, "context", None)
    mark = context_mark or problem_mark
    if mark is None:
        return 0, f"invalid YAML: {clipped(problem, 200)}"
    if context and context_mark and problem_mark and problem_mark.line != context_mark.line:
        problem = f"{context}, {problem} at line {problem_mark.line + 1}"
    lines = text.splitlines()
    key = _KEY_AT_LINE_START.match(lines[mark.line]) if mark.line < len(lines) else None
    where = f" in '{clipped(key[1])}'" if key else ""
    return mark.line + 1, f"invalid YAML{where}: {clipped(problem, 200)}"
