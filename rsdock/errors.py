"""The one error type a user sees: located, explained, with the way out. Never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input, reported as ``path:line: message`` plus a hint; the CLI exits 2.

    Attributes:
        message: what is wrong.
        path: the file at fault, if any.
        line: its 1-based line, if known.
        hint: what to do about it.
        exit_code: the process exit code (2 for bad input, 1 for a refusal).
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 hint: str | None = None, exit_code: int = 2):
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
        return text
