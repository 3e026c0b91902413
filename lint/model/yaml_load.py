"""YAML into ruamel.yaml's round-trip model (``CommentedMap``/``CommentedSeq`` with line and
column), fast where it can be exact.

ruamel.yaml's round-trip loader reads and parses in pure Python: the 46 workflows of a large
repository (vector) took 0.37 s of CPU, half of its whole lint. ruamel.yaml.clib's C parser
(libyaml) composes the same nodes, with the same marks, about eight times faster; ruamel's own
round-trip constructor and YAML 1.2 resolver then build the same objects from them with the same
positions. Only comments are missing, and no reader of the model uses them (a ``uses:`` pin's
``# v4`` is read from the source line).

Whatever the C path would not give exactly as the round-trip loader does takes the round-trip
loader instead (:func:`load_exact`): any YAML error (so the message and its position are the
round-trip loader's), a ``%YAML`` directive (it may ask for 1.1), anchors and aliases, explicit
tags (``!foo``), merge keys (``<<``). Without the C extension (a platform it is not built for)
every document takes the round-trip loader. tests/lint/model/test_yaml_load.py checks that both
paths give identical models and findings on every fixture. :func:`load_plain` (compose files)
is ruamel's own safe loader on the C parser: libyaml composes the same node graph, so the safe
constructor builds the same dicts.

Every entry point first measures how deep the collections nest (:func:`check_depth`): both
composers recurse once per level, libyaml's in C, so a 60 KB line of ``[[[[…`` would overflow the
C stack (a segmentation fault, no report written) and the pure one would spend seconds before a
``RecursionError``. The check reads the parser's events, which libyaml produces with a stack of
its own, and stops at the first level too deep: a :class:`TooDeep` error located there.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, StreamMark, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent, StreamEndEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

try:
    from _ruamel_yaml import CParser  # ruamel.yaml.clib
except ImportError:  # pragma: no cover - the C extension is not built for every platform
    CParser = None

__all__ = ["FAST", "MAX_DEPTH", "NOT_FAST", "TooDeep", "check_depth", "load", "load_exact",
           "load_fast", "load_plain"]

FAST = CParser is not None
# An anchor (``&name``) where a node may start; ``&&``, ``&>`` and ``2>&1`` in scripts are not.
# A false alarm only costs the slower loader.
_ANCHOR_RE = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},&>]", re.MULTILINE)
_DIRECTIVE_RE = re.compile(r"^%", re.MULTILINE)
_CORE_TAG = "tag:yaml.org,2002:"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Real workflows and compose files nest a dozen levels; the composers recurse once per level.
MAX_DEPTH = 100


class TooDeep(MarkedYAMLError):
    """Collections nested deeper than :data:`MAX_DEPTH`, located at the first one too deep."""


def check_depth(text: str) -> None:
    """Refuse ``text`` when its collections nest deeper than :data:`MAX_DEPTH`, before any
    composer recurses into them. Linear, and stops at the first level too deep; syntax errors
    are left to the loader (which reports them in its own words).

    Raises:
        TooDeep: with the problem and the mark of the first collection too deep.
    """
    # A flow collection opens with '[' or '{'; a block one needs an indicator ('-', '?', ':').
    if text.count("[") + text.count("{") + text.count("-") + text.count("?") \
            + text.count(":") <= MAX_DEPTH:
        return
    depth = 0
    try:
        for event in _events(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise TooDeep(problem=f"collections nest more than {MAX_DEPTH} levels deep "
                                          f"here; rsdock reads up to {MAX_DEPTH}: flatten it",
                                  problem_mark=event.start_mark)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except TooDeep:
        raise
    except (YAMLError, ValueError, TypeError, AttributeError):
        return  # not YAML: the loader says what is wrong, where


def _events(text: str) -> Iterator[Any]:
    """The parser's events for ``text``: libyaml's, or ruamel's pure parser's (a state machine
    with a stack of its own, like libyaml's)."""
    if CParser is None:
        yield from YAML(typ="rt", pure=True).parse(text)
        return
    parser = CParser(text)
    try:
        while True:
            event = parser.get_event()
            if event is None:
                return
            yield event
            if isinstance(event, StreamEndEvent):
                return
    finally:
        parser.dispose()


def load_exact(text: str) -> Any:
    """``text`` loaded by ruamel.yaml's round-trip loader (comments kept).

    Raises:
        TooDeep: see :func:`check_depth`.
        YAMLError: for text that is not YAML.
    """
    check_depth(text)
    return YAML(typ="rt").load(text)


def load_plain(text: str) -> Any:
    """``text`` as plain dicts and lists (ruamel's safe loader), through libyaml when it is there.

    Raises:
        TooDeep: see :func:`check_depth`.
        YAMLError: for text that is not YAML (libyaml's message; the pure loader's without it).
    """
    check_depth(text)
    return YAML(typ="safe", pure=not FAST).load(text)


def load(text: str) -> Any:
    """``text`` loaded into the round-trip model, through the C parser where that is exact.

    Raises:
        TooDeep: see :func:`check_depth`.
        YAMLError: as :func:`load_exact` does (the error is always the round-trip loader's).
    """
    check_depth(text)
    data = load_fast(text)
    return YAML(typ="rt").load(text) if data is NOT_FAST else data


NOT_FAST = object()


def load_fast(text: str) -> Any:
    """``text`` through the C parser, or :data:`NOT_FAST` when only the round-trip loader can
    load it exactly (or the C extension is missing). The caller checks the depth first
    (:func:`check_depth`)."""
    if CParser is None or _ANCHOR_RE.search(text) or _DIRECTIVE_RE.search(text):
        return NOT_FAST
    loader = _CLoader(text)
    try:
        node = loader.get_single_node()
        if node is None or not _plain(node, text):
            return NOT_FAST
        return loader.construct_document(node)
    except (YAMLError, ValueError, TypeError, AttributeError, RecursionError):
        # the round-trip loader says what is wrong, where, in its own words (or reads it)
        return NOT_FAST
    finally:
        loader.dispose()


def _plain(root: Any, text: str) -> bool:
    """Whether the node tree has no alias (a node met twice), explicit tag or merge key: what
    the round-trip loader would mark (anchors) or treat otherwise. Moves each empty mapping
    value to where the round-trip loader places it (see :func:`_empty_at`)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return False
        seen.add(id(node))
        tag = str(node.tag)
        if not tag.startswith(_CORE_TAG) or tag == _MERGE_TAG:
            return False
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if _empty(key):
                    return False
                if _empty(value):
                    mark = None if node.flow_style else _empty_at(text, value.start_mark)
                    if mark is None:
                        return False
                    value.start_mark = mark
                stack.append(key)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)  # an empty item is where libyaml places it
    return True


def _empty(node: Any) -> bool:
    return isinstance(node, ScalarNode) and node.value == "" and node.style not in ("'", '"')


_BREAKS = "\n\r\x85\u2028\u2029"


def _empty_at(text: str, mark: Any) -> Any:
    """Where the round-trip loader places an empty block mapping value (``key:`` and nothing):
    at the next token, past spaces, blank lines and comment lines (libyaml places it just after
    the ``:``). None for a comment on the key's line or a tab on the way: left to the
    round-trip loader."""
    index, line, column = mark.index, mark.line, mark.column
    end = len(text)
    same_line = True
    while index < end:
        char = text[index]
        if char == " ":
            index += 1
            column += 1
        elif char == "#":
            if same_line:
                # ruamel's scanner attaches the comment, and where the value lands then
                # depends on the token after it: left to the round-trip loader
                return None
            while index < end and text[index] not in _BREAKS:
                index += 1
        elif char in _BREAKS:
            index += 2 if text.startswith("\r\n", index) else 1
            line += 1
            column = 0
            same_line = False
        elif char == "\t":
            return None
        else:
            break
    return StreamMark(mark.name, index, line, column)


if CParser is not None:
    class _CLoader(CParser, RoundTripConstructor, VersionedResolver):  # type: ignore[misc]
        """libyaml's reader, scanner, parser and composer (C) with ruamel's round-trip
        constructor and YAML 1.2 resolver, as ``YAML(typ="rt")`` configures them."""

        comment_handling = None  # what YAML() sets: the constructor reads it
        processing_version = (1, 2)  # no %YAML directive reaches here (load checks)

        def __init__(self, text: str):
            CParser.__init__(self, text)
            self._parser = self._composer = self
            RoundTripConstructor.__init__(self, loader=self)
            self.allow_duplicate_keys = False  # YAML()'s default: duplicates are errors
            VersionedResolver.__init__(self, loadumper=self)
