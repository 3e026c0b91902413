"""A yes/no question as a dialog: what will happen, and the two ways to answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from rsdock.wizard.tui.widgets.button import Button


class QuestionScreen(ModalScreen[bool]):
    """Dismisses True for ``yes``, False for ``no`` or Escape.

    Args:
        title: the question, one line.
        message: what answering yes does, and what cannot be undone.
        yes: the label of the button that goes ahead.
        no: the label of the button that does nothing.
    """

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, title: str, message: str, yes: str, no: str = "Cancel",
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.title_text = title
        self.message = message
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.message, id="question-message")
            with Horizontal(classes="buttons"):
                yield Button(self.yes, id="yes", variant="warning")
                yield Button(self.no, id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_cancel(self) -> None:
        self.dismiss(False)
