"""The one error type a user sees: located, explained, with the way out. Never a traceback."""

from __future__ import annotations

import re

# What a terminal would obey rather than show: C0 controls (ESC starts a colour or cursor
# sequence), DEL, the C1 controls (U+009B is a one-character CSI) and the bidirectional
# controls that make text read in another order than it runs (CVE-2021-42574, "Trojan Source").
TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f"
                              r"\u202a-\u202e\u2066-\u2069]")


def escaped_char(char: str) -> str:
    """``\\xNN`` or ``\\uNNNN`` for one character."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every character a terminal would obey escaped (newlines and tabs kept)."""
    return TERMINAL_CONTROL.sub(lambda m: escaped_char(m[0]), text)


# The exit codes every command shares (README.md, "Exit codes"; tests/test_exit_codes.py checks
# the table against the commands).
OK, REFUSED, BAD_INPUT = 0, 1, 2
# `rsdock init --check`: the files are as rsdock last wrote them, but this rsdock renders them
# differently (an upgrade, not the user's drift; README.md "Exit codes").
UPGRADE = 3


class UserError(Exception):
    """Bad input, reported as ``path:line: message`` plus a hint; the CLI exits 2.

    Attributes:
        message: what is wrong.
        path: the file at fault, if any.
        line: its 1-based line, if known.
        hint: what to do about it.
        exit_code: the process exit code (:data:`BAD_INPUT`, or :data:`REFUSED` for a
            request rsdock understood but will not carry out on these files).
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 hint: str | None = None, exit_code: int = BAD_INPUT):
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        self.exit_code = exit_code
        super().__init__(self.format())

    def format(self) -> str:
        """``path:line: error: message`` then an indented hint line."""
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return terminal_safe(text)
