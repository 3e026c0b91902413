"""``.dockerignore`` patterns compiled the way moby's ``patternmatcher`` compiles them, matched in
linear time.

moby translates a pattern into a Go regexp (RE2: linear time, whatever the pattern). Python's
``re`` backtracks, so the same translation of a 31-byte ``*a*a*a…*b`` took minutes on a path that
does not match. Here a pattern with at most one unbounded wildcard (``*``, ``**``) keeps its
``re`` translation, which then backtracks at most once per character; any other runs in
:class:`Glob`, a bit-parallel simulation of the same automaton (one step per path character,
whatever the pattern). Runs of wildcards that mean the same are merged first (10,000 ``*`` are
one ``**``).

A token is ``(kind, value)``: ``lit`` (a character), ``cls`` (a ``[...]`` class, as a compiled
one-character regexp), ``one`` (``?``: any character but ``/``), ``star`` (``*``: any run without
``/``), ``dstar`` (``**`` before more pattern: ``(.*/)?``) and ``any`` (``**`` at the end: ``.*``).
"""

from __future__ import annotations

import functools
import re
from typing import Any

_UNBOUNDED = ("star", "dstar", "any")
# No path on Linux is longer (PATH_MAX): a pattern that needs more characters matches nothing.
MAX_PATH = 4096
_REGEX = {"one": "[^/]", "star": "[^/]*", "dstar": "(.*/)?", "any": ".*"}

Token = tuple[str, Any]
_SPECIAL = re.compile(r"[*?\[\]\\]")


def compile_pattern(pattern: str) -> tuple[list[Token], str]:
    """The tokens and match kind moby's ``patternmatcher`` builds for a cleaned pattern.

    Kinds are moby's: ``exact`` (no wildcard), ``prefix`` (``dir/**``), ``suffix`` (``**/name``)
    and ``regexp``; only the last needs the tokens (which describe the others too).

    Raises:
        re.error: when the pattern is malformed (an unclosed ``[``), as Docker would refuse it.
    """
    if not _SPECIAL.search(pattern):
        return [], "exact"  # most lines of a long file: no wildcard to read
    collapsed = False
    if "\\" not in pattern and "[" not in pattern:
        short = collapse_stars(pattern)
        collapsed, pattern = short != pattern, short
    tokens: list[Token] = []
    kind, i, step, in_class, klass = "exact", 0, 0, False, ""
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if in_class:
            # filepath.Match: inside [...] only ']', '-', a leading '^' and '\\' mean anything
            if ch == "]":
                in_class = False
                tokens.append(("cls", _class(klass + "]")))
            elif ch == "\\" and i < len(pattern):
                klass += re.escape(pattern[i])
                i += 1
            elif ch == "-" and not klass.endswith(("[", "-")) and pattern[i:i + 1] not in ("-", "]"):
                klass += "-"  # a range; Python would read "--" as a set operation
            elif ch == "^" and klass == "[":
                klass += "^"
            else:
                klass += re.escape(ch)
        elif ch == "*" and pattern[i:i + 1] == "*":
            i += 1
            if pattern[i:i + 1] == "/":
                i += 1  # "**/" is "**"
            tokens.append(("any" if i >= len(pattern) else "dstar", None))
            if i >= len(pattern):
                kind = "prefix" if kind == "exact" else "regexp"
            else:
                kind = "regexp"
            if step == 0:
                kind = "suffix"
        elif ch == "*":
            tokens.append(("star", None))
            kind = "regexp"
        elif ch == "?":
            tokens.append(("one", None))
            kind = "regexp"
        elif ch == "\\":
            if i < len(pattern):
                tokens.append(("lit", pattern[i]))
                kind = "regexp"
                i += 1
            else:
                tokens.append(("lit", "\\"))
        elif ch == "[":
            kind, in_class, klass = "regexp", True, "["
        elif ch == "]":
            tokens.append(("lit", "]"))
            kind = "regexp"  # moby copies it into the regexp, where it is a literal
        else:
            tokens.append(("lit", ch))
        step += 1
    if in_class:
        raise re.error("missing ], unterminated character class")
    tokens = _merged(tokens)
    if collapsed:  # the prefix and suffix kinds read the pattern as written: use the tokens
        kind = "regexp"
    if (kind == "regexp" and len(pattern) > MAX_PATH
            and sum(1 for k, _ in tokens if k not in _UNBOUNDED) > MAX_PATH):
        return [("lit", "/" * (MAX_PATH + 1))], kind  # needs a path longer than any: none
    return tokens, kind


_STAR_RUN = re.compile(r"\*{4,}")
_WILD = re.compile(r"[*?\[\]\\]")


def kind_of(pattern: str) -> str:
    """:func:`compile_pattern`'s kind, read without tokenizing (a long file's patterns are
    tokenized only when a path needs them)."""
    if not _SPECIAL.search(pattern):
        return "exact"
    if "\\" not in pattern and "[" not in pattern and _STAR_RUN.search(pattern):
        return "regexp"
    if pattern.startswith("**"):
        rest = pattern[3:] if pattern.startswith("**/") else pattern[2:]
        return "regexp" if _WILD.search(rest.removesuffix("\\")) else "suffix"
    if pattern.endswith("**") and not _WILD.search(pattern[:-2]):
        return "prefix"
    return "regexp"


def literal_ends(pattern: str) -> tuple[str, str]:
    """The literal text a ``regexp`` pattern's matches must start with, and end with (without
    tokenizing: a ``\\`` escape ends either early, which only makes the key less selective)."""
    wild = [m.start() for m in _WILD.finditer(pattern)]
    if not wild:
        return pattern, pattern
    last = wild[-1]
    if pattern[last] == "\\":
        return pattern[:wild[0]], ""
    stars = len(pattern[:last + 1]) - len(pattern[:last + 1].rstrip("*"))
    if stars and stars % 2 == 0 and pattern.startswith("/", last + 1):
        last += 1  # `**/` (an even run of `*`) matches no folder at all: its `/` is optional
    return pattern[:wild[0]], pattern[last + 1:]


def collapse_stars(pattern: str) -> str:
    """``pattern`` with each run of four or more ``*`` cut to two or three (as its length is
    even or odd): the same matches (``**`` ``**`` is ``**``), without reading 10,000 of them.
    Only for patterns without ``\\`` or ``[``, where every ``*`` is a wildcard."""
    return _STAR_RUN.sub(lambda run: "**" if len(run.group()) % 2 == 0 else "***", pattern)


@functools.lru_cache(maxsize=1024)
def _class(source: str) -> re.Pattern[str]:
    return re.compile(source, re.DOTALL)


def _merged(tokens: list[Token]) -> list[Token]:
    """Runs of wildcards that match the same strings as one: ``**`` ``**`` is ``**``, ``*``
    ``*`` is ``*``, and a trailing ``.*`` swallows the wildcards just before it."""
    out: list[Token] = []
    for token in tokens:
        if out and token[0] in _UNBOUNDED and out[-1][0] == token[0]:
            continue
        while token[0] == "any" and out and out[-1][0] in _UNBOUNDED:
            out.pop()
        out.append(token)
    return out


def regex_source(tokens: list[Token]) -> str:
    """The Python regexp moby's translation amounts to (anchored)."""
    parts = []
    for kind, value in tokens:
        if kind == "lit":
            parts.append(re.escape(value))
        elif kind == "cls":
            parts.append(value.pattern)
        else:
            parts.append(_REGEX[kind])
    return "^" + "".join(parts) + r"\Z"


def matcher(tokens: list[Token]) -> Any:
    """Something with ``match(path) -> bool`` for a ``regexp`` pattern: its compiled regexp when
    that cannot backtrack more than linearly (at most one unbounded wildcard), else a
    :class:`Glob`."""
    if sum(1 for kind, _ in tokens if kind in _UNBOUNDED) <= 1:
        return re.compile(regex_source(tokens), re.DOTALL)
    return Glob(tokens)


class Glob:
    """A pattern's automaton, simulated a path character at a time (bit ``p`` of a state set:
    "before token ``p``"; bit ``len(tokens)``: matched).

    ``dstar`` at ``p`` is ``(.*/)?``: skipped, or entered, where any character keeps the path
    inside and a ``/`` may also leave it to ``p + 1``; ``star`` and ``any`` loop on ``p`` and may
    be skipped.
    """

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.accept = 1 << len(tokens)
        self.advance = self.loop = self.skip = self.dstar = 0
        for index, (kind, _) in enumerate(tokens):
            bit = 1 << index
            if kind in ("lit", "cls", "one"):
                self.advance |= bit
            elif kind == "dstar":
                self.dstar |= bit
                self.skip |= bit
            else:
                self.loop |= bit
                self.skip |= bit
        self._masks: dict[str, int] = {}

    def _mask(self, char: str) -> int:
        """The tokens that consume ``char`` (advancing or looping)."""
        mask = self._masks.get(char)
        if mask is None:
            mask = 0
            for index, (kind, value) in enumerate(self.tokens):
                if (kind == "lit" and value == char or kind == "cls" and value.match(char)
                        or kind in ("one", "star") and char != "/" or kind == "any"):
                    mask |= 1 << index
            if len(self._masks) < 256:
                self._masks[char] = mask
        return mask

    def _closure(self, states: int) -> int:
        while True:
            more = states | ((states & self.skip) << 1)
            if more == states:
                return states
            states = more

    def match(self, path: str) -> bool:
        """Whether the whole of ``path`` matches."""
        states = self._closure(1)
        inside = states & self.dstar
        for char in path:
            mask = self._mask(char)
            moved = ((states & mask & self.advance) << 1) | (states & mask & self.loop)
            if char == "/":
                moved |= inside << 1
            states = self._closure(moved)
            inside |= states & self.dstar
            if not states and not inside:
                return False
        return bool(states & self.accept)
