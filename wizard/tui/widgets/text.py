"""Small text helpers shared by the TUI's lists and dialogs."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.binding import Binding

#: Keys that scroll a dialog's body while focus stays on its buttons (the screen defines
#: ``action_scroll_body``).
SCROLL_BINDINGS = (
    Binding("pagedown", "scroll_body('page_down')", "Page down", show=False),
    Binding("pageup", "scroll_body('page_up')", "Page up", show=False),
    Binding("down", "scroll_body('down')", show=False),
    Binding("up", "scroll_body('up')", show=False),
    Binding("right", "scroll_body('right')", show=False),
    Binding("left", "scroll_body('left')", show=False),
    Binding("home", "scroll_body('home')", show=False),
    Binding("end", "scroll_body('end')", show=False),
)


class Hanging:
    """Text whose wrapped lines are indented by ``indent`` columns under its first line (a
    hanging indent), so a wrapped finding or reason never continues at the left edge.

    Args:
        text: the text, styled or plain.
        indent: the continuation lines' indent.
        style: the style of a plain-string ``text``.
    """

    def __init__(self, text: str | Text, indent: int = 4, style: str = "") -> None:
        self.text = text if isinstance(text, Text) else Text(text, style=style)
        self.indent = indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - self.indent, 8)
        for index, line in enumerate(self.text.wrap(console, width, overflow="fold")):
            line.rstrip()
            yield (Text(" " * self.indent) + line) if index else line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(options.max_width, self.indent + 8),
                           min(options.max_width, self.text.cell_len))


def hanging(head: str, body: str | Text, *, indent: int = 0, style: str = "dim") -> Hanging:
    """``head`` + ``body`` as one :class:`Hanging` text, ``indent`` columns in (the wrapped
    lines 2 columns further)."""
    text = Text(" " * indent + head, style=style)
    text.append(body if isinstance(body, Text) else Text(body, style=style))
    return Hanging(text, indent=indent + 2)


def diff_text(diff: str) -> Text:
    """A unified diff coloured line by line, every character of it kept (indentation matters
    in YAML, so nothing is re-flowed, dedented or wrapped: long lines scroll sideways)."""
    text = Text(no_wrap=True, overflow="ignore")
    for line in diff.splitlines(keepends=True):
        style = ("bold" if line.startswith(("+++", "---")) else "green" if line.startswith("+")
                 else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else "")
        text.append(line, style=style)
    return text
