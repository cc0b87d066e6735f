"""Page keys: a hash of everything a page's output depends on, so that a rebuild can reuse the
page of the previous site whose key is unchanged (see generator/output/cache.py).

A page's key hashes its path, its template and its data: scalars by type and repr, lists, dicts and
short tuples item by item, records (frozen dataclasses) field by field, and any other value by its
repr. Values that many pages share (a paper is on the pages of its neighbours, a topic on every
page of its papers) are digested once and remembered by identity.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from types import MethodType

from generator.pages.site import Page

# Digests of shared context values in one generation of the cache (two are kept): bounds what a
# worker holds on a large site, while the values every page shares stay in it.
DIGEST_CACHE_SIZE = 32_768
# Tuples up to this long are encoded in the key of each page that holds them, longer ones are
# digested once (a long tuple shared by many pages would be encoded again on each).
INLINE_TUPLE_ITEMS = 64
_SCALARS = frozenset([str, int, float, bool, type(None)])


class PageKeys:
    """The keys of the pages of one build; ``base`` digests what every page depends on (the code,
    the config, the collections)."""

    def __init__(self, base: str):
        self.base = base
        # By id (a value is kept alive with its digest, so its id cannot be reused by another):
        # the current generation, and the one before it, whose entries move up when met again.
        self._digests: dict[object, tuple[bytes, object]] = {}
        self._older_digests: dict[object, tuple[bytes, object]] = {}

    def key(self, page: Page) -> str:
        """The key of one page: a hash of its path, template and context."""
        encoded: list[bytes] = []
        for text in (self.base, page.path, page.template):
            _atom(encoded, text.encode())
        for name in sorted(page.context):
            _atom(encoded, name.encode())
            self._encode(page.context[name], encoded)
        return hashlib.sha256(b"".join(encoded)).hexdigest()

    def _encode(self, value: object, encoded: list[bytes]) -> None:
        """Append an unambiguous encoding of one context value: scalars by type and repr, lists,
        dicts and short tuples (named tuples too: a page's own small values, such as its related
        entries) item by item, anything else by its digest, computed once per object since pages
        share them (a paper is on the pages of its neighbours, a topic with thousands of paper ids
        on every page of its papers)."""
        kind = type(value)
        if kind in _SCALARS:  # exact types: a subclass (a Markup, an enum) goes by its digest
            encoded += [b"v", kind.__name__.encode(), b"\0"]
            _atom(encoded, repr(value).encode())
        elif kind is list:
            encoded += [b"l", len(value).to_bytes(8, "big")]
            for item in value:
                self._encode(item, encoded)
        elif isinstance(value, tuple) and len(value) <= INLINE_TUPLE_ITEMS:
            encoded += [b"t", kind.__qualname__.encode(), b"\0", len(value).to_bytes(8, "big")]
            for item in value:
                self._encode(item, encoded)
        elif kind is dict:
            encoded += [b"d", len(value).to_bytes(8, "big")]
            for name, item in sorted(value.items()):
                _atom(encoded, repr(name).encode())
                self._encode(item, encoded)
        else:
            encoded += [b"h", self._digest(value)]

    def _digest(self, value: object) -> bytes:
        """The SHA-256 of a shared value's parts: a record (a frozen dataclass) field by field, a
        tuple item by item, anything else by its repr."""
        kind = type(value)
        if kind is MethodType:  # a new object at each access: key it by owner and function
            key: object = ("method", id(value.__self__), value.__func__)
        else:
            key = id(value)
        found = self._digests.get(key)
        if found is None and (found := self._older_digests.get(key)) is not None:
            self._digests[key] = found
        if found is not None:
            return found[0]
        encoded: list[bytes] = [kind.__qualname__.encode(), b"\0"]
        fields = _compared_fields(kind)
        if fields is not None:
            encoded.append(b"c")
            for name in fields:
                _atom(encoded, name.encode())
                self._encode(getattr(value, name), encoded)
        elif isinstance(value, tuple):
            encoded += [b"t", len(value).to_bytes(8, "big")]
            for item in value:
                self._encode(item, encoded)
        else:
            encoded.append(b"r")
            _atom(encoded, repr(value).encode())
        result = hashlib.sha256(b"".join(encoded)).digest()
        if len(self._digests) >= DIGEST_CACHE_SIZE:
            # A new generation; what the older one held and nobody met again is dropped (and
            # computed again if it is met after all).
            self._older_digests, self._digests = self._digests, {}
        self._digests[key] = (result, value)
        return result


def _atom(encoded: list[bytes], data: bytes) -> None:
    """Append bytes with their length before them, so no two sequences of atoms run together."""
    encoded += [len(data).to_bytes(8, "big"), data]


@functools.cache
def _compared_fields(kind: type) -> tuple[str, ...] | None:
    """The fields that make up what a dataclass's value is (not its timings or caches); None for
    a type that is not a dataclass."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(item.name for item in dataclasses.fields(kind) if item.compare)
