"""Writing one string into YAML so every reader gets that string back: the one place rsdock
decides between a plain and a quoted scalar (the workflow templates and ``rsdock edit`` both
use it).

A value stays plain only when YAML itself says it is a string: ruamel's resolver gives it the
``str`` tag under both YAML 1.1 (``yes``, ``on``, ``0x10`` and ``12:30`` are not strings there)
and 1.2 (GitHub's reader), and a document ``k: VALUE`` loads back as exactly that string (no
``: ``, `` #``, indicator or leading space changes its meaning). Anything else is double-quoted
with YAML escapes for every character a reader would not keep as it is: control characters,
U+0085 (NEL) and U+2028/U+2029, which YAML folds like a line break, and the byte order mark.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

_STR_TAG = "tag:yaml.org,2002:str"
# Characters YAML does not keep literally inside a scalar (YAML 1.2 section 5.1 "c-printable"
# excludes the controls; NEL and the Unicode line/paragraph separators are line breaks in 1.1).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff"
                          "\ufffe\uffff]")
_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r",
                   "\x00": "\\0", "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"}


@lru_cache(maxsize=1)
def _resolvers() -> tuple[Any, ...]:
    return VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2))


@lru_cache(maxsize=4096)
def plain_safe(value: str) -> bool:
    """Whether ``value`` written plain (``key: value``, ``- value``) reads back as itself."""
    if not value or value != value.strip() or _UNPRINTABLE.search(value) or "\n" in value:
        return False
    for resolver in _resolvers():
        tag = resolver.resolve(ScalarNode, value, (True, False))
        if str(getattr(tag, "value", tag)) != _STR_TAG:
            return False
    try:
        loaded = YAML(typ="safe").load(f"k: {value}\n")
    except Exception:  # any syntax error: not plain
        return False
    return isinstance(loaded, dict) and loaded == {"k": value} and type(loaded["k"]) is str


def needs_escapes(value: str) -> bool:
    """Whether ``value`` holds a character only a double-quoted scalar can write (escaped)."""
    return bool(_UNPRINTABLE.search(value)) or "\n" in value or "\r" in value


def double_quoted(value: str) -> str:
    """``value`` as a YAML double-quoted scalar, every unprintable character escaped."""
    out = []
    for char in value:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif _UNPRINTABLE.match(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


# What rsdock writes plain at all (names, paths, refs): anything else is quoted for the reader's
# sake even when YAML would take it for a string (``${{ a || b }}/x``).
_PLAIN_LOOKING = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")


def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when it looks like a name or path and every reader
    takes it for this string (:func:`plain_safe`), else double-quoted."""
    if _PLAIN_LOOKING.fullmatch(value) and plain_safe(value):
        return value
    return double_quoted(value)
