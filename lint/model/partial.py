"""Values known only in part: literal pieces around holes that are computed at run time.

``scope=platform-${{ env.PAIR }}`` is not known, but it starts with ``platform-`` and so can
never be ``buildkit``; ``target/$(uname -m)-unknown-linux-gnu/release`` is not known, but its
folder under ``target/`` ends in ``-unknown-linux-gnu`` and so is a target triple. A
:class:`Shape` keeps those pieces so that rules can decide what every possible value has in
common, and say "cannot tell" only when the pieces do not decide it.

The shell model (``$VAR``, ``${VAR...}``, ``$(...)``, backticks) and the expression model
(``${{ ... }}``) build their shapes here, so one idea of "partly known" serves both.
"""

from __future__ import annotations

import re

from rsdock.records import record

# Where a hole stands in :meth:`Shape.marked`: a character no path, scope or tag contains.
HOLE = "\x00"
_EXPRESSION_RE = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)
_SHELL_VAR_RE = re.compile(r"\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])")


@record(frozen=True)
class Shape:
    """A string made of literal ``pieces`` with one unknown run of text between each two.

    ``Shape(("platform-", ""))`` is every string starting with ``platform-``; a fully known
    string is a shape of one piece.
    """

    pieces: tuple[str, ...]

    @classmethod
    def literal(cls, text: str) -> Shape:
        """The shape of a string known exactly."""
        return cls((text,))

    @classmethod
    def of_expression_text(cls, text: str) -> Shape:
        """The shape of a workflow value with ``${{ ... }}`` interpolations left in it."""
        return cls(tuple(_EXPRESSION_RE.split(text)))

    @classmethod
    def of_shell_word(cls, text: str) -> Shape:
        """The shape of a shell word as the shell model leaves an unknown expansion: written
        as it stands (``$T``, ``${T:-x}``, ``$(uname -m)``, `` `cmd` ``)."""
        pieces: list[str] = []
        current: list[str] = []
        i = 0
        while i < len(text):
            end = _shell_expansion_end(text, i)
            if end is None:
                current.append(text[i])
                i += 1
                continue
            pieces.append("".join(current))
            current = []
            i = end
        pieces.append("".join(current))
        return cls(tuple(pieces))

    @property
    def known(self) -> str | None:
        """The value when it is known exactly, else None."""
        return self.pieces[0] if len(self.pieces) == 1 else None

    @property
    def prefix(self) -> str:
        """What every value starts with."""
        return self.pieces[0]

    @property
    def suffix(self) -> str:
        """What every value ends with (the whole value when known)."""
        return self.pieces[-1]

    def marked(self) -> str:
        """The pieces joined by :data:`HOLE`: a string to split and match with the holes kept."""
        return HOLE.join(self.pieces)

    def could_be(self, value: str) -> bool:
        """Whether some value of the holes makes this shape equal ``value``."""
        pattern = ".*".join(re.escape(p) for p in self.pieces)
        return re.fullmatch(pattern, value, re.DOTALL) is not None

    def could_equal(self, other: Shape) -> bool:
        """Whether some value of this shape could equal some value of ``other``.

        Exact when either is known; otherwise decided by what both start and end with (the
        middles of two partly known strings are not compared: they may always agree).
        """
        if self.known is not None:
            return other.could_be(self.known)
        if other.known is not None:
            return self.could_be(other.known)
        starts = self.prefix.startswith(other.prefix) or other.prefix.startswith(self.prefix)
        ends = self.suffix.endswith(other.suffix) or other.suffix.endswith(self.suffix)
        return starts and ends

    def __str__(self) -> str:
        return "…".join(self.pieces)


def _shell_expansion_end(text: str, start: int) -> int | None:
    """The end of the expansion starting at ``start`` (``$X``, ``${X}``, ``$(...)``,
    `` `...` ``), or None when none starts there."""
    char = text[start]
    if char == "`":
        end = text.find("`", start + 1)
        return len(text) if end < 0 else end + 1
    if char != "$" or start + 1 >= len(text):
        return None
    if text[start + 1] == "(":
        depth = 0
        for i in range(start + 1, len(text)):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth == 0:
                    return i + 1
        return len(text)
    match = _SHELL_VAR_RE.match(text, start)
    return match.end() if match else None
