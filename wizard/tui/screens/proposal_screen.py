"""Shows a proposal before anything is written: the diff, why each file changes, and refusals.

A proposal with refusals cannot be written: the dialog shows, for each, where and why, and the
lines to change by hand, and offers only Close.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from rsdock.wizard.edit.propose import Proposal
from rsdock.wizard.tui.widgets.text import SCROLL_BINDINGS, diff_text, hanging  # noqa: F401
from rsdock.wizard.tui.widgets.button import Button


class ProposalScreen(ModalScreen[bool]):
    """Dismisses True when the user agrees to write, False otherwise (Escape: False).

    Args:
        title: what is being proposed ("Fix RS413 at docker.yml:13", ...).
        proposal: the edits, notes and refusals to show.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"), Binding("w", "write", "Write"),
        # The diff scrolls from the buttons, without a Tab into it first.
        *SCROLL_BINDINGS,
    ]

    def __init__(self, title: str, proposal: Proposal) -> None:
        super().__init__()
        self.title_text = title
        self.proposal = proposal

    @property
    def writable(self) -> bool:
        """Whether there is something to write and nothing was refused."""
        return bool(self.proposal.changed) and not self.proposal.refusals

    def compose(self) -> ComposeResult:
        refused = bool(self.proposal.refusals)
        with Vertical(id="dialog", classes="dialog error" if refused else "dialog"):
            yield Static(self.title_text, classes="dialog-title")
            with ScrollableContainer(id="proposal-body", classes="dialog-body"):
                yield Static(self._summary(), id="proposal-summary")
                if refused:
                    # Lines to copy by hand: never wrapped, they scroll sideways.
                    yield Static(Text("".join(r.format() for r in self.proposal.refusals),
                                      no_wrap=True, overflow="ignore"),
                                 id="proposal-refusals", classes="diff")
                elif self.proposal.changed:
                    yield Static(diff_text(self.proposal.diff()), id="proposal-diff",
                                 classes="diff")
            with Horizontal(classes="buttons"):
                if self.writable:
                    yield Button("Write (w)", id="write", variant="warning")
                yield Button("Cancel" if self.writable else "Close", id="cancel",
                             variant="default" if self.writable else "primary")

    def _summary(self) -> Group:
        lines: list = []
        if self.proposal.refusals:
            # The heading promises lines only when some refusal has them.
            by_hand = any(r.manual for r in self.proposal.refusals)
            lines.append(Text("rsdock cannot make this edit safely; nothing will be written."
                              + (" Change these lines by hand:" if by_hand else " Why:"),
                              style="bold"))
        elif not self.proposal.changed:
            lines.append(Text("Nothing to change: the files already do that.", style="bold"))
        else:
            names = ", ".join(e.path for e in self.proposal.changed)
            lines.append(Text(f"Write {len(self.proposal.changed)} file(s): {names}? "
                              "A backup of each is kept.", style="bold"))
            for edit in self.proposal.changed:
                for reason in edit.reasons:
                    lines.append(hanging(f"{edit.path}: ", reason, indent=2))
        for note in self.proposal.notes:
            lines.append(hanging("note: ", note))
        return Group(*lines, Text())

    def action_scroll_body(self, how: str) -> None:
        body = self.query_one("#proposal-body", ScrollableContainer)
        getattr(body, f"scroll_{how}")(animate=False)

    def on_mount(self) -> None:
        self.query_one("#write" if self.writable else "#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "write" and self.writable)

    def action_write(self) -> None:
        if self.writable:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
