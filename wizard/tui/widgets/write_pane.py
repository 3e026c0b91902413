"""Step 8: write the files (asking before overwriting), then show what to do next."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Static

from rsdock.wizard.generate import steps
from rsdock.wizard.generate.review import Preview, WriteResult
from rsdock.wizard.tui.widgets.step_pane import StepPane
from rsdock.wizard.tui.widgets.button import Button


class WritePane(StepPane):
    """A summary of what writing does, the Write button, then the result and next steps."""

    STEP_ID = "write"

    class WriteRequested(Message):
        """The user pressed Write."""

    def compose_body(self) -> ComposeResult:
        yield Static(id="write-summary")
        # Disabled until a preview says what would be written; the label says why, since a
        # disabled button differs from an enabled one only by colour otherwise.
        yield Button(self.WAITING, id="write", variant="primary", disabled=True)
        yield Static(id="write-result")

    #: the Write button's label in each state
    READY = "Write files"
    WAITING = "Preparing the files…"
    BLOCKED = "✗ Cannot write: see above"

    def __init__(self, session: steps.Session, plan, **kwargs) -> None:
        super().__init__(session, plan, **kwargs)
        self._written: WriteResult | None = None

    def show_preview(self, preview: Preview) -> None:
        """Say what writing ``preview`` would do (or, right after a write, what it did), and
        allow writing only when the preview is valid."""
        button = self.query_one("#write", Button)
        button.disabled = not preview.writable
        button.label = self.READY if preview.writable else self.BLOCKED
        if preview.writable and self.display and self.app.focused in (None, self):
            button.focus()  # the page was shown before the button could take the keys
        if not preview.writable:
            self.query_one("#write-summary", Static).update(
                Text(preview.note or "Nothing to write yet.", style="italic"))
            return
        rows = [(self._verb(change.status, change.path), change.path)
                for change in preview.changes]
        rows.append(("saved" if self._written else "save",
                     "rsdock.toml (your answers: init regenerates from them)"))
        # The column is as wide as its longest verb: a fixed width let "keep (identical)" run
        # into the file name.
        width = max(len(verb) for verb, _ in rows) + 2
        text = Text()
        for verb, path in rows:
            text.append(f"{verb:{width}}", style="yellow" if verb == "overwrite" else "")
            text.append(path, style="bold" if not path.startswith("rsdock.toml") else "")
            text.append("\n")
        text.rstrip()
        self.query_one("#write-summary", Static).update(text)

    def focus_answer(self) -> None:
        """The Write button when it can be pressed, else the page (it takes the button once
        the preview allows writing: see :meth:`show_preview`)."""
        button = self.query_one("#write", Button)
        if button.disabled:
            self.scroll_home(animate=False, immediate=True)
            self.focus(scroll_visible=False)
        else:
            super().focus_answer()

    def _verb(self, status: str, path: str) -> str:
        if self._written is not None:
            if path in self._written.written:
                return "written"
            if path in self._written.kept:
                return "kept yours"
        return {"new": "create", "differs": "overwrite", "same": "unchanged"}.get(status, status)

    def show_result(self, result: WriteResult) -> None:
        """Show what was written and the next steps for the plan."""
        self._written = result
        text = Text("Written: ", style="bold green")
        text.append(", ".join(result.written) or "nothing (all files were up to date)")
        text.append(f"\nSaved: {result.config.name}")
        if result.kept:
            text.append(f"\nKept as they were: {', '.join(result.kept)}", style="yellow")
        text.append("\n\nNext steps\n", style="bold")
        for number, line in enumerate(steps.next_steps(self.plan), 1):
            text.append(f"{number}. {line}\n")
        text.append("\nPress Ctrl+Q to quit.", style="italic")
        self.query_one("#write-result", Static).update(text)

    def clear_result(self) -> None:
        """Forget the last write's report: the answers changed since."""
        self._written = None
        self.query_one("#write-result", Static).update("")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.WriteRequested())
