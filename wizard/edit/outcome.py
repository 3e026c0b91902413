"""The value objects of an edit: per-file changes, refusals, and a line editor.

A :class:`FileEdit` is a whole-file before/after pair (what the diff, the consent prompt and the
writer need); a :class:`Refusal` is an edit rsdock will not make by itself, located, with the
exact lines the user can add by hand. :class:`LineEditor` applies line-level changes to a text
while keeping every untouched line (and its line ending) byte for byte.
"""

from __future__ import annotations


from rsdock.lint.engine.fix import unified_diff
from rsdock.records import field, record


@record(frozen=True)
class Refusal:
    """An edit that cannot be made safely: where, why, and what to change by hand.

    Attributes:
        path: the file, relative to the workspace root.
        line: the 1-based line the user should look at (0 when the whole file).
        message: why rsdock does not make the edit.
        manual: the exact lines to add or change by hand (may be empty).
    """

    path: str
    line: int
    message: str
    manual: tuple[str, ...] = ()

    def format(self) -> str:
        """``path:line: cannot edit safely: message`` then the lines to add, indented."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: cannot edit safely: {self.message}\n"
        if self.manual:
            text += "  change it by hand, for example:\n"
            text += "".join(f"    {line}\n" for line in self.manual)
        return text


@record(frozen=True)
class FileEdit:
    """The new text of one file and why it changes.

    Attributes:
        path: root-relative path.
        old: the text on disk.
        new: the text after the edit.
        reasons: one line per change made, for the summary.
    """

    path: str
    old: str
    new: str
    reasons: tuple[str, ...] = ()

    @property
    def diff(self) -> str:
        """The unified diff ``a/path`` -> ``b/path`` ("" when nothing changes)."""
        return unified_diff(self.path, self.old, self.new) if self.old != self.new else ""


@record
class Outcome:
    """What an editing step produced for one file: its new text, reasons, refusals and notes."""

    text: str
    reasons: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class LineEditor:
    """Replace, delete and insert whole lines of a text, by original 1-based line numbers."""

    def __init__(self, text: str):
        self.lines = text.splitlines(keepends=True)
        self._replace: dict[int, str | None] = {}
        self._after: dict[int, list[str]] = {}

    def line(self, number: int) -> str:
        """Original line ``number`` without its line ending."""
        return self.lines[number - 1].rstrip("\r\n")

    def ending(self, number: int) -> str:
        """The line ending of line ``number`` (``\\n`` when it has none)."""
        raw = self.lines[number - 1] if 0 < number <= len(self.lines) else "\n"
        stripped = raw.rstrip("\r\n")
        return raw[len(stripped):] or ("\r\n" if any(
            line.endswith("\r\n") for line in self.lines) else "\n")

    def replace(self, number: int, content: str) -> None:
        """Replace line ``number``'s content, keeping its line ending."""
        self._replace[number] = content

    def delete(self, number: int) -> None:
        """Delete line ``number``."""
        self._replace[number] = None

    def insert_after(self, number: int, contents: list[str]) -> None:
        """Insert lines after line ``number`` (0: at the top), each with the file's ending."""
        self._after.setdefault(number, []).extend(contents)

    def current(self, number: int) -> str | None:
        """Line ``number`` as edited so far (None when deleted)."""
        return self._replace.get(number, self.line(number))

    @property
    def changed(self) -> bool:
        """Whether any change is pending."""
        return bool(self._replace or self._after)

    def text(self) -> str:
        """The edited text."""
        out: list[str] = []
        for content in self._after.get(0, []):
            out.append(content + self.ending(1))
        for number, raw in enumerate(self.lines, 1):
            if number in self._replace:
                replaced = self._replace[number]
                if replaced is not None:
                    out.append(replaced + self.ending(number) if raw.endswith(("\n", "\r"))
                               else replaced)
            else:
                out.append(raw)
            for content in self._after.get(number, []):
                if out and not out[-1].endswith(("\n", "\r")):
                    out[-1] += self.ending(number)
                out.append(content + self.ending(number))
        return "".join(out)
