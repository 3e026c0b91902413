"""Asks before overwriting files whose text on disk differs, showing what would change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from rsdock.wizard.generate.writer import Change
from rsdock.wizard.tui.widgets.text import SCROLL_BINDINGS, diff_text
from rsdock.wizard.tui.widgets.button import Button


class ConfirmOverwriteScreen(ModalScreen[bool | None]):
    """Dismisses True (overwrite them), False (write only new files) or None (cancel)."""

    BINDINGS = [("escape", "cancel", "Cancel"), *SCROLL_BINDINGS]

    def __init__(self, changes: tuple[Change, ...]) -> None:
        super().__init__()
        self.changes = changes

    def compose(self) -> ComposeResult:
        names = ", ".join(c.path for c in self.changes)
        with Vertical(id="dialog", classes="dialog"):
            yield Static(f"Overwrite {len(self.changes)} existing file(s)?",
                         classes="dialog-title")
            yield Static(f"These differ from what rsdock generates: {names}")
            with ScrollableContainer(id="confirm-diff", classes="dialog-body"):
                yield Static(diff_text("".join(c.diff for c in self.changes)), classes="diff")
            with Horizontal(classes="buttons"):
                yield Button("Overwrite", id="overwrite", variant="warning")
                yield Button("Keep them", id="keep", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss({"overwrite": True, "keep": False}.get(event.button.id or ""))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_scroll_body(self, how: str) -> None:
        body = self.query_one("#confirm-diff", ScrollableContainer)
        getattr(body, f"scroll_{how}")(animate=False)
