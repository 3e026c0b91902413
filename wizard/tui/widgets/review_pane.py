"""Step 7: every file the plan renders, highlighted, its diff against disk, and lint findings."""

from __future__ import annotations

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from rsdock.wizard.generate import keep
from rsdock.wizard.generate.review import Preview
from rsdock.wizard.tui.widgets.finding_list import SEVERITY_STYLE
from rsdock.wizard.tui.widgets.step_pane import StepPane
from rsdock.wizard.tui.widgets.text import Hanging


def _lexer(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name.startswith("Dockerfile") or name.endswith(".Dockerfile"):
        return "docker"
    if name.endswith((".yml", ".yaml")):
        return "yaml"
    if name.endswith(".toml"):
        return "toml"
    return "text"


class ReviewPane(StepPane):
    """Shows the latest :class:`~rsdock.wizard.generate.review.Preview`; the screen refreshes it live."""

    STEP_ID = "review"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.preview: Preview | None = None
        self.selected_path: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("Rendering…", id="review-status")
        yield OptionList(id="files")
        with TabbedContent(id="review-tabs"):
            with TabPane("File", id="tab-file"):
                yield VerticalScroll(Static(id="file-text"))
            with TabPane("Diff", id="tab-diff"):
                yield VerticalScroll(Static(id="diff-text"))
            with TabPane("Findings", id="tab-findings"):
                yield VerticalScroll(Static(id="findings-text"))
            with TabPane("CI cost", id="tab-ci"):
                yield VerticalScroll(Static(id="ci-text"))

    def show_preview(self, preview: Preview) -> None:
        """Show ``preview``, keeping the selected file when it is still rendered."""
        self.preview = preview
        self.query_one("#review-status", Static).update(self._status(preview))
        files = self.query_one("#files", OptionList)
        files.clear_options()
        for change in preview.changes:
            count = sum(1 for f in preview.findings if f.path == change.path)
            prompt = Text(f"{change.status:8}", style="dim")
            prompt.append(change.path, style="bold")
            if count:
                prompt.append(f"  {count} finding{'s' * (count != 1)}", style="yellow")
            files.add_option(Option(prompt, id=change.path))
        paths = [c.path for c in preview.changes]
        if paths:
            if self.selected_path not in paths:
                self.selected_path = paths[0]
            files.highlighted = paths.index(self.selected_path)
        self._show_file()
        self._show_findings()
        self.query_one("#ci-text", Static).update(Text(preview.ci or "Nothing to measure."))

    def _status(self, preview: Preview) -> Text:
        if not preview.changes:
            return Text(preview.note or "Nothing to render.", style="italic")
        statuses = [c.status for c in preview.changes]
        summary = ", ".join(f"{statuses.count(s)} {s}" for s in ("new", "differs", "same")
                            if statuses.count(s))
        text = Text(f"{len(statuses)} files ({summary}) · ")
        errors = sum(1 for f in preview.findings if str(f.severity) == "error")
        text.append(f"{len(preview.findings)} findings", style="bold red" if errors else "green")
        if not preview.complete:
            text.append(" · hadolint running…", style="italic")
        if preview.note:
            text.append(f" · {preview.note}", style="italic")
        return text

    def _show_file(self) -> None:
        change = next((c for c in (self.preview.changes if self.preview else ())
                       if c.path == self.selected_path), None)
        text = self.query_one("#file-text", Static)
        diff = self.query_one("#diff-text", Static)
        if change is None:
            text.update("")
            diff.update("")
            return
        text.update(Syntax(change.text, _lexer(change.path), line_numbers=True,
                           # wrapped: generated lines are longer than an 80-column pane
                           word_wrap=True, theme="ansi_dark"))
        note = keep.review_note(change.status, change.old, change.path, change.how)
        if change.status == "same":
            diff.update(Text(f"Identical to the file on disk. {note}".rstrip(), style="italic"))
        elif note:
            diff.update(Group(Text(note + "\n", style="italic"),
                              Syntax(change.diff, "diff", word_wrap=True, theme="ansi_dark")))
        else:
            diff.update(Syntax(change.diff, "diff", word_wrap=True, theme="ansi_dark"))

    def _show_findings(self) -> None:
        shown = []
        for finding in (self.preview.findings if self.preview else ()):
            severity = str(finding.severity)
            text = Text(f"{finding.path}:{finding.line}:{finding.column} ", style="bold")
            text.append(f"{severity} {finding.rule}", style=SEVERITY_STYLE.get(severity, ""))
            text.append(f" {finding.message}")
            shown.append(Hanging(text, indent=4))  # a wrapped message stays under its finding
        self.query_one("#findings-text", Static).update(
            Group(*shown) if shown
            else Text("No findings: the linter is happy with every file.", style="green"))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id and event.option.id != self.selected_path:
            self.selected_path = event.option.id
            self._show_file()
