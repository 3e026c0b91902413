"""An error as a dialog: what went wrong, what to do, and buttons for the ways out."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from rsdock.wizard.tui.widgets.button import Button


class ErrorScreen(ModalScreen[str]):
    """Dismisses with the id of the way out the user picked (Escape picks the last one).

    Args:
        title: one line saying what failed.
        message: the located error text (``path:line: error: ...`` with its hint).
        ways_out: (id, label) pairs, the preferred one first.
    """

    BINDINGS = [("escape", "cancel", "Close")]

    def __init__(self, title: str, message: str, ways_out: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.ways_out = ways_out

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog error"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.message, id="error-message")
            with Horizontal(classes="buttons"):
                for index, (way_id, label) in enumerate(self.ways_out):
                    yield Button(label, id=way_id, variant="primary" if index == 0 else "default")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id or "")

    def action_cancel(self) -> None:
        self.dismiss(self.ways_out[-1][0])
