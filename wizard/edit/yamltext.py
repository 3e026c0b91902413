"""Byte-preserving YAML edits, located and verified with ruamel.yaml's round-trip model.

ruamel's emitter re-indents sequences and re-wraps long lines it did not need to touch, so a
dumped document can differ from a hand-written one far from the edit. Instead, ruamel's round
trip model locates each value (line and column, anchors, aliases, styles); the edit replaces just
that value's text in its own style; and the edited text is loaded again and compared with the
original data plus the intended changes. Any mismatch refuses the edit: nothing else may change.
"""

from __future__ import annotations

import re
from typing import Any

from rsdock.lint.model.yaml_scalar import double_quoted, needs_escapes, plain_safe
from rsdock.records import record

from ruamel.yaml import YAML

_ANCHOR_RE = re.compile(r"&([^\s,\[\]{}]+)\s+")
_ALIAS_RE = re.compile(r"\*([^\s,\[\]{}]+)")


@record(frozen=True)
class Span:
    """Where a scalar's text is: ``[start, end)`` offsets, its style and indentation.

    Attributes:
        start: offset of the value text (after any ``&anchor``).
        end: offset just past it (for block scalars: past the last content line's newline).
        style: ``plain``, ``single``, ``double`` or ``block``.
        indent: the content indentation of a block scalar ("" otherwise).
    """

    start: int
    end: int
    style: str
    indent: str = ""
    flow: bool = False


class Unsupported(Exception):
    """A value rsdock cannot edit in place (message says which and why)."""


def newline_at(text: str, offset: int) -> str:
    """The line ending of the line holding ``offset`` (``\\r\\n`` or ``\\n``)."""
    end = text.find("\n", offset)
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


def offsets(text: str) -> list[int]:
    """Offsets of each line start (index 0 is line 0, ruamel's numbering)."""
    starts = [0]
    starts += [i + 1 for i, c in enumerate(text) if c == "\n"]
    return starts


def scalar_span(text: str, line0: int, col0: int, flow: bool = False) -> Span:
    """The span of the scalar written at ruamel position (``line0``, ``col0``).

    An alias (``*name``) resolves to its anchor's scalar, so editing it edits every use.
    ``flow``: the scalar is an item of a flow collection (``[a, b]``), where ``,]}`` end it.

    Raises:
        Unsupported: for a multi-line plain or quoted scalar, or an unknown alias.
    """
    starts = offsets(text)
    pos = starts[line0] + col0
    alias = _ALIAS_RE.match(text, pos)
    if alias:
        anchor = re.search(rf"&{re.escape(alias[1])}\s", text)
        if anchor is None:
            raise Unsupported(f"the alias *{alias[1]} has no anchor rsdock can find")
        pos = anchor.start()
    anchor = _ANCHOR_RE.match(text, pos)
    if anchor:
        pos = anchor.end()
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    char = text[pos:pos + 1]
    if char in ("|", ">"):
        return _block_span(text, line_end, starts, line0)
    if char in ('"', "'"):
        end = _quoted_end(text, pos, line_end)
        return Span(pos, end, "double" if char == '"' else "single", flow=flow)
    comment = re.search(r"\s#|[,\]}]" if flow else r"\s#", text[pos:line_end])
    end = pos + (comment.start() if comment else line_end - pos)
    if flow:
        return Span(pos, end, "plain", flow=True)
    while end > pos and text[end - 1] in " \t\r":
        end -= 1
    nxt = text[line_end + 1: text.find("\n", line_end + 1) if "\n" in text[line_end + 1:]
               else len(text)]
    key_indent = len(text[starts[line0]:]) - len(text[starts[line0]:].lstrip(" "))
    if nxt.strip() and not nxt.lstrip().startswith("#") and \
            len(nxt) - len(nxt.lstrip(" ")) > key_indent and ":" not in nxt and \
            not nxt.lstrip().startswith("-"):
        raise Unsupported("the value continues on the next line (a multi-line plain scalar)")
    return Span(pos, end, "plain")


def _quoted_end(text: str, pos: int, line_end: int) -> int:
    quote = text[pos]
    i = pos + 1
    while i < line_end:
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            if quote == "'" and text[i + 1:i + 2] == "'":
                i += 2
                continue
            return i + 1
        i += 1
    raise Unsupported("a quoted value that continues on the next line")


def _block_span(text: str, header_end: int, starts: list[int], line0: int) -> Span:
    key_line = text[starts[line0]: header_end]
    key_indent = len(key_line) - len(key_line.lstrip(" "))
    pos = header_end + 1
    end = pos
    indent = None
    while pos < len(text):
        nl = text.find("\n", pos)
        line = text[pos: len(text) if nl < 0 else nl]
        if line.strip():
            width = len(line) - len(line.lstrip(" "))
            if width <= key_indent:
                break
            indent = line[:width] if indent is None else indent
            end = len(text) if nl < 0 else nl + 1
        pos = len(text) if nl < 0 else nl + 1
    if indent is None:
        raise Unsupported("an empty block scalar")
    return Span(header_end + 1, end, "block", indent)


def render_scalar(span: Span, value: str, text: str) -> str:
    """``value`` written in the style of the scalar at ``span``.

    Block scalars get one content line per line of ``value`` (with the file's line ending,
    read from ``text``); a plain scalar that YAML would read differently becomes double-quoted.
    """
    if span.style == "block":
        newline = "\r\n" if "\r\n" in text[span.start:span.end] else "\n"
        return "".join(span.indent + line + newline for line in value.rstrip("\n").split("\n"))
    if span.style == "single" and not needs_escapes(value):
        return "'" + value.replace("'", "''") + "'"
    if span.style != "plain" or not plain_safe(value) or (
            span.flow and any(c in value for c in ",[]{}")):
        return double_quoted(value)
    return value


def plain(node: Any) -> Any:
    """Round-trip data as plain Python (dicts, lists, str, int, bool, None) for comparisons."""
    if isinstance(node, dict):
        return {plain(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


def assign(data: Any, path: tuple[Any, ...], value: Any) -> None:
    """Set ``data[path[0]][path[1]]… = value`` (a missing last key is added)."""
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def verify(old_text: str, new_text: str,
           changes: list[tuple[tuple[Any, ...], Any]]) -> str | None:
    """Why ``new_text`` is not ``old_text`` with ``changes`` applied, or None when it is."""
    loader = YAML(typ="rt")
    try:
        expected = plain(loader.load(old_text))
        for path, value in changes:
            assign(expected, path, value)
        actual = plain(YAML(typ="rt").load(new_text))
    except Exception as error:  # the edited text must load; if not, it is our bug
        return f"the edited YAML does not load: {str(error).splitlines()[0]}"
    if actual != expected:
        return "the edited YAML would change more than asked"
    return None
