"""Step 1: the scanned workspace, and the Rust version the images build with."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.table import Table
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from rsdock.wizard.generate import steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.widgets.step_pane import StepPane

if TYPE_CHECKING:
    from rsdock.wizard.tui.app import RsdockApp


class ProjectPane(StepPane):
    """What rsdock found in the workspace; the Rust version is the one answer here."""

    STEP_ID = "project"

    def compose_body(self) -> ComposeResult:
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")  # a long existing file's path wraps, never cut
        for label, value in steps.workspace_summary(self.session.workspace, self.session.root):
            table.add_row(label, cast("RsdockApp", self.app).shown(value) if label == "Root"
                          else value)
        yield Static(table, id="workspace-summary")
        if self.session.example:
            yield Static("This is a temporary copy of rsdock's example workspace: writing "
                         "changes only the copy.", classes="note")
        yield Label("Rust the images build with (builder and cargo-chef)")
        yield Input(id="rust-version", placeholder="1.86")

    def sync(self, plan: Plan) -> None:
        field = self.query_one("#rust-version", Input)
        if field.value != plan.rust_version:
            field.value = plan.rust_version

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.edit(steps.set_rust_version(self.plan, event.value))
