"""The lint findings grouped under the file they belong to; fixable ones are marked."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rsdock.lint.model.findings import Finding
from rsdock.wizard.tui.widgets.text import Hanging

#: how a finding's severity (``str(Severity)``) is coloured wherever the TUI lists findings
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
#: the severity as a word of the list's severity column: colour alone is lost without it
SEVERITY_WORD = {"error": "error", "warning": "warn", "info": "info"}

#: the marks of a finding rsdock can fix: safely, or only after asking (ruff's and the CLI's
#: rule: ``lint --fix`` applies unsafe fixes only with ``--unsafe-fixes``)
SAFE_MARK = "✎ "
UNSAFE_MARK = "✎!"


def fix_mark(finding: Finding) -> str:
    """``✎ `` for a safe fix, ``✎!`` for an unsafe one, blanks when nothing can be applied."""
    fix = finding.fix
    if fix is None or fix.display_only:
        return "  "
    return SAFE_MARK if fix.safe else UNSAFE_MARK


class FindingList(OptionList):
    """One heading per file (not selectable), then its findings as ``line rule message``.

    :attr:`highlighted_finding` is the finding under the cursor (None on a heading or when
    empty); the screen offers its fix.
    """

    DEFAULT_CSS = """
    FindingList { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.findings: list[Finding] = []

    def show(self, files: list[str], findings: list[Finding]) -> None:
        """List ``findings`` under each of ``files`` (a file without findings says so)."""
        self.findings = list(findings)
        previous = self.highlighted
        self.clear_options()
        options: list[Option] = []
        for path in files:
            mine = [(i, f) for i, f in enumerate(self.findings) if f.path == path]
            heading = Text(path, style="bold underline")
            heading.append(f"  {len(mine)} finding{'s' * (len(mine) != 1)}", style="dim")
            options.append(Option(heading, id=f"file:{path}", disabled=True))
            for index, finding in mine:
                options.append(Option(self._prompt(finding), id=f"finding:{index}"))
        if not self.findings:
            options.append(Option(Text("No findings: nothing to fix.", style="dim"),
                                  id="none", disabled=True))
        self.add_options(options)
        enabled = [i for i, o in enumerate(options) if not o.disabled]
        if enabled:
            self.highlighted = previous if previous in enabled else enabled[0]

    @staticmethod
    def _prompt(finding: Finding) -> Hanging:
        severity = str(finding.severity)
        prompt = Text(f"{finding.line:>4} ", style="dim")
        prompt.append(f"{SEVERITY_WORD.get(severity, severity):<6}",
                      style=SEVERITY_STYLE.get(severity, ""))
        prompt.append(f"{finding.rule:<7}", style=SEVERITY_STYLE.get(severity, ""))
        mark = fix_mark(finding)
        prompt.append(mark, style="bold yellow" if mark == UNSAFE_MARK else "green")
        prompt.append(" ")
        indent = prompt.cell_len  # wrapped lines continue under the message, not the line number
        prompt.append(finding.message)
        return Hanging(prompt, indent=indent)

    @property
    def highlighted_finding(self) -> Finding | None:
        """The finding under the cursor, or None."""
        if self.highlighted is None:
            return None
        option_id = self.get_option_at_index(self.highlighted).id or ""
        if not option_id.startswith("finding:"):
            return None
        return self.findings[int(option_id.split(":", 1)[1])]
