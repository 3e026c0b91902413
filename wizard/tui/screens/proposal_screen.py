"""Shows a proposal before anything is written: the diff, why each file changes, and refusals.

A proposal with refusals cannot be written: the dialog shows, for each, where and why, and the
lines to change by hand, and offers only Close.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from rsdock.wizard.edit.propose import Proposal


def diff_text(diff: str) -> Text:
    """A unified diff coloured line by line, every character of it kept (indentation matters
    in YAML, so nothing is re-flowed or dedented)."""
    text = Text(no_wrap=False)
    for line in diff.splitlines(keepends=True):
        style = ("bold" if line.startswith(("+++", "---")) else "green" if line.startswith("+")
                 else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else "")
        text.append(line, style=style)
    return text


class ProposalScreen(ModalScreen[bool]):
    """Dismisses True when the user agrees to write, False otherwise (Escape: False).

    Args:
        title: what is being proposed ("Fix RS413 at docker.yml:13", ...).
        proposal: the edits, notes and refusals to show.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("w", "write", "Write")]

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
            with VerticalScroll(id="proposal-body"):
                yield Static(self._summary(), id="proposal-summary")
                if refused:
                    yield Static(Text("".join(r.format() for r in self.proposal.refusals)),
                                 id="proposal-refusals")
                elif self.proposal.changed:
                    yield Static(diff_text(self.proposal.diff()), id="proposal-diff")
            with Horizontal(classes="buttons"):
                if self.writable:
                    yield Button("Write (w)", id="write", variant="warning")
                yield Button("Cancel" if self.writable else "Close", id="cancel",
                             variant="default" if self.writable else "primary")

    def _summary(self) -> Text:
        text = Text()
        if self.proposal.refusals:
            text.append("rsdock cannot make this edit safely; nothing will be written. "
                        "Change these lines by hand:\n", style="bold")
        elif not self.proposal.changed:
            text.append("Nothing to change: the files already do that.\n", style="bold")
        else:
            names = ", ".join(e.path for e in self.proposal.changed)
            text.append(f"Write {len(self.proposal.changed)} file(s): {names}? "
                        "A backup of each is kept.\n", style="bold")
            for edit in self.proposal.changed:
                for reason in edit.reasons:
                    text.append(f"  {edit.path}: {reason}\n", style="dim")
        for note in self.proposal.notes:
            text.append(f"note: {note}\n", style="dim")
        return text

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
