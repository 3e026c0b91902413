"""The key reference, as a modal dismissed with Escape, F1 or its button."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from rsdock.wizard.tui.widgets.button import Button

KEYS: tuple[tuple[str, str], ...] = (
    ("Ctrl+N", "next step"),
    ("Ctrl+P", "previous step (answers are kept)"),
    ("Tab / Shift+Tab", "move between fields"),
    ("↑ ↓", "move in a list"),
    ("Space", "tick or untick an image or platform; choose the highlighted option"),
    ("Enter", "choose the highlighted option; jump to a step in the step list"),
    ("Ctrl+T", "go to the step list"),
    ("F1", "this help"),
    ("Ctrl+Q", "quit (asks first while files are not written; twice quits)"),
)


class HelpScreen(ModalScreen[None]):
    """Lists every key of the wizard; the mouse works everywhere too."""

    BINDINGS = [("escape", "close", "Close"), ("f1", "close", "Close")]
    #: the (key, what it does) rows shown; a screen with other keys subclasses and replaces them
    KEYS: tuple[tuple[str, str], ...] = KEYS

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, what in self.KEYS:
            table.add_row(key, what)
        with Vertical(id="dialog", classes="dialog"):
            yield Static("Keys", classes="dialog-title")
            yield Static(table)
            yield Static("The mouse works too: click steps, options and buttons.", classes="note")
            yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
