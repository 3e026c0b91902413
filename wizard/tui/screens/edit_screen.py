"""Edit mode: the plan the existing files implement, their findings, fixes and plan changes.

Everything that changes a file goes through one path: a worker builds a
:class:`~rsdock.wizard.edit.propose.Proposal`, :class:`ProposalScreen` shows its diff (or its
refusals), and only a "Write" there applies it, keeping a backup of each changed file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from rsdock.errors import UserError
from rsdock.wizard.edit import backup
from rsdock.wizard.edit.propose import Proposal, Request, apply, propose
from rsdock.wizard.edit.sources import split_root
from rsdock.wizard.edit import session
from rsdock.wizard.tui.screens.error_screen import ErrorScreen
from rsdock.wizard.tui.screens.proposal_screen import ProposalScreen
from rsdock.wizard.tui.screens.question_screen import QuestionScreen
from rsdock.wizard.tui.widgets.change_form import ChangeForm
from rsdock.wizard.tui.widgets.finding_list import FindingList
from rsdock.wizard.tui.widgets.plan_view import PlanView

if TYPE_CHECKING:
    from rsdock.wizard.tui.app import RsdockApp


def unsafe_fixable(state: session.EditState) -> list:
    """The findings whose fix can be applied but is not safe (``f`` asks before offering it)."""
    return [f for f in state.findings
            if f.fix is not None and not f.fix.safe and not f.fix.display_only]


class EditScreen(Screen):
    """Holds the files' :class:`~rsdock.wizard.edit.session.EditState` and routes the actions.

    Attributes:
        root: the workspace root.
        state: the latest parsed, inferred and linted files (None until loaded).
        last_backup: the backup folder the last write made, or None.
    """

    BINDINGS = [
        # The tab titles show 1-3 already: the footer keeps its room for the actions.
        Binding("1", "tab('plan')", "Plan", show=False),
        Binding("2", "tab('findings')", "Findings", show=False),
        Binding("3", "tab('changes')", "Changes", show=False),
        Binding("f", "fix_one", "Fix"),
        Binding("a", "fix_all", "Fix all"),
        Binding("v", "show_diff", "Diff"),
        Binding("u", "undo", "Undo"),
        Binding("d", "discard", "Discard"),
        Binding("r", "reload", "Reload", show=False),
        Binding("n", "fresh", "New setup"),
    ]

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = Path(root)
        # the git root when the workspace is a sub-folder of it: edits and backups are made there
        self.edit_root = split_root(self.root)[0]
        self.state: session.EditState | None = None
        self.last_backup: Path | None = None

    def compose(self) -> ComposeResult:
        shown = cast("RsdockApp", self.app).shown
        yield Static(f"rsdock · edit · {shown(str(self.root))}", id="title")
        with TabbedContent(initial="plan", id="edit-tabs"):
            with TabPane("1 Plan", id="plan"):
                with VerticalScroll(id="plan-scroll"):
                    yield PlanView("Reading the files…", id="plan-view")
            with TabPane("2 Findings", id="findings"):
                yield FindingList(id="finding-list")
            with TabPane("3 Changes", id="changes"):
                yield ChangeForm(id="change-form")
        yield Static("Reading and linting the files…", id="edit-status")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    # --- loading -----------------------------------------------------------------------------

    def action_reload(self) -> None:
        """Read, infer and lint the files again (in a worker)."""
        self.load_files()

    @work(thread=True, exclusive=True, group="edit-load")
    def load_files(self) -> None:
        """Parse, infer and lint off the UI thread, then show the result or the error."""
        try:
            state = session.load_state(self.root)
        except UserError as error:
            self.app.call_from_thread(self._load_failed, error.format())
            return
        except Exception as error:  # noqa: BLE001 - a rule bug must not kill the app
            self.app.call_from_thread(self._load_failed, f"rsdock failed to read the files: "
                                      f"{error!r}\n  hint: report this as a bug")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_state, state)

    def show_state(self, state: session.EditState) -> None:
        """Show ``state``: the plan, the findings per file, and the change form's answers."""
        self.state = state
        self.query_one(PlanView).show(state.inferred, state.drift)
        files = sorted(state.sources.texts())
        self.query_one(FindingList).show(files, state.findings)
        self.query_one(ChangeForm).show(state.inferred)
        self._show_status()

    def _show_status(self) -> None:
        state = self.state
        if state is None:
            return
        fixable = len(state.fixable)
        unsafe = len(unsafe_fixable(state))
        # one line at 80 columns: the second says where the backups are
        first = f"{len(state.findings)} finding(s): ✎ {fixable} safe fix(es)"
        if unsafe:
            first += f", ✎! {unsafe} unsafe (asks)"
        if fixable or unsafe:
            first += " · f fix one" + (" · a all safe" if fixable else "")
        folders = backup.list_backups(self.edit_root)
        if folders:
            shown = (self.last_backup or folders[-1]).relative_to(self.edit_root).as_posix()
            second = f"Backup: {shown} ({len(folders)} kept) · u undo · d discard"
        else:
            second = "No backups kept · n starts the fresh-setup wizard instead"
        self.query_one("#edit-status", Static).update(f"{first}\n{second}")

    def _load_failed(self, message: str) -> None:
        self.query_one("#edit-status", Static).update("The files could not be read.")
        self.app.push_screen(ErrorScreen(
            "rsdock cannot read a file it would edit", message
            + "\n\nFix the file and read again, or set the project up afresh.",
            [("retry", "Read again"), ("fresh", "Fresh setup"), ("quit", "Quit")]),
            self._after_load_error)

    def _after_load_error(self, choice: str | None) -> None:
        if choice == "retry":
            self.action_reload()
        elif choice == "fresh":
            self.action_fresh()
        else:
            self.app.exit(1, return_code=1)

    # --- proposals ---------------------------------------------------------------------------

    def action_tab(self, tab: str) -> None:
        """Show tab ``tab`` (plan, findings or changes)."""
        self.query_one(TabbedContent).active = tab

    def on_option_list_option_selected(self, event: FindingList.OptionSelected) -> None:
        # Enter (or a click) on a finding offers its fix, like ``f``.
        if isinstance(event.option_list, FindingList):
            event.stop()
            self.action_fix_one()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # Keys act on what the tab shows: put the cursor in it, not on the tab bar.
        target = {"findings": "#finding-list", "changes": "#edit-platforms"}.get(
            event.pane.id or "")
        if target:
            # scrolling the list into view would hide the form's explanation above it
            self.query_one(target).focus(scroll_visible=False)

    def action_fix_one(self) -> None:
        """Offer the safe fix of the highlighted finding."""
        state = self.state
        finding = self.query_one(FindingList).highlighted_finding
        if state is None or finding is None:
            self.action_tab("findings")
            self.notify("Highlight a finding on the Findings tab first.", severity="warning")
            return
        if finding.fix is None:
            self.notify(f"{finding.rule} has no fix: change it by hand.",
                        severity="warning")
            return
        title = f"Fix {finding.rule} at {finding.path}:{finding.line}"
        if finding.fix.safe or finding.fix.display_only:
            self.prepare(title, lambda: session.fix_one(state, finding))
            return
        # The CLI applies an unsafe fix only with --unsafe-fixes: here the user says so.
        def answered(yes: bool | None) -> None:
            if yes:
                self.prepare(title + " (unsafe)", lambda: session.fix_one(state, finding))

        self.app.push_screen(QuestionScreen(
            f"Apply an unsafe fix ({finding.rule})?",
            f"{finding.fix.description or finding.rule}. This fix can change how the image "
            "builds or runs (rsdock lint --fix applies it only with --unsafe-fixes). The "
            "next dialog shows its diff before anything is written.",
            "Show the diff"),
            answered)

    def action_fix_all(self) -> None:
        """Offer every safe fix at once."""
        state = self.state
        if state is None or not state.fixable:
            self.notify("No finding has a safe fix.", severity="warning")
            return
        self.prepare(f"Apply every safe fix ({len(state.fixable)} finding(s))",
                     lambda: propose(state.sources, Request(fix=True), state.inferred))

    def action_show_diff(self) -> None:
        """Show the diff of the answers on the Changes tab."""
        self.action_tab("changes")
        self.query_one(ChangeForm).request_diff()

    def on_change_form_diff_requested(self, event: ChangeForm.DiffRequested) -> None:
        event.stop()
        state = self.state
        if state is None:
            return
        if not event.platforms:
            self.notify("Tick at least one platform.", severity="warning")
            return
        request = session.request_for(state.inferred, event.platforms, event.cache,
                                      event.registry)
        if request.empty:
            self.notify("These are the answers the files already implement: nothing to change.")
            return
        self.prepare(f"Change the plan: {session.describe(request)}",
                     lambda: propose(state.sources, request, state.inferred))

    @work(thread=True, exclusive=True, group="edit-propose")
    def prepare(self, title: str, make: Callable[[], Proposal]) -> None:
        """Build a proposal off the UI thread, then show it (or why it cannot be made)."""
        try:
            proposal = make()
        except UserError as error:
            self.app.call_from_thread(self._failed, "This change cannot be made", error.format())
            return
        except Exception as error:  # noqa: BLE001 - an editing bug must not kill the app
            self.app.call_from_thread(self._failed, "rsdock failed to prepare the edit",
                                      f"{error!r}\n  hint: nothing was written; report this")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._offer, title, proposal)

    def _offer(self, title: str, proposal: Proposal) -> None:
        self.app.push_screen(ProposalScreen(title, proposal),
                             lambda agreed: self._write(proposal) if agreed else None)

    def _write(self, proposal: Proposal) -> None:
        try:
            folder = apply(self.edit_root, proposal)
        except UserError as error:
            self._failed("Nothing was written", error.format())
            return
        except OSError as error:
            self._failed("Could not write the files", UserError(
                error.strerror or str(error), path=str(error.filename or self.root),
                hint="check the permissions and free space").format())
            return
        if folder is not None:
            self.last_backup = folder
            names = ", ".join(e.path for e in proposal.changed)
            self.notify(f"Wrote {names}; backup in "
                        f"{folder.relative_to(self.edit_root).as_posix()}")
        self.action_reload()

    def _failed(self, title: str, message: str) -> None:
        self.app.push_screen(ErrorScreen(title, message, [("back", "Back to the files")]))

    # --- backups -----------------------------------------------------------------------------

    def action_undo(self) -> None:
        """Put back the files of the newest backup, after asking."""
        folders = backup.list_backups(self.edit_root)
        if not folders:
            self.notify("No backup to restore.", severity="warning")
            return
        folder = self.last_backup if self.last_backup in folders else folders[-1]
        names = ", ".join(backup.backed_up_files(folder))
        self.app.push_screen(QuestionScreen(
            "Undo the last write?",
            f"Puts back {names} from {folder.relative_to(self.edit_root).as_posix()}; any "
            "change made to them since is lost. The backup is kept until you discard it.",
            "Restore"), lambda yes: self._restore(folder) if yes else None)

    def _restore(self, folder: Path) -> None:
        try:
            restored = backup.restore_backup(self.edit_root, folder)
        except UserError as error:  # a damaged backup, a file in the way: nothing was restored
            self._failed("Could not restore the backup", error.format())
            return
        except (OSError, UnicodeDecodeError) as error:
            self._failed("Could not restore the backup", UserError(
                str(error), path=str(folder), hint="copy the .bak files back by hand").format())
            return
        self.notify(f"Restored {', '.join(restored)}")
        self.action_reload()

    def action_discard(self) -> None:
        """Delete every backup, after asking."""
        folders = backup.list_backups(self.edit_root)
        if not folders:
            self.notify("No backups to discard.")
            return
        self.app.push_screen(QuestionScreen(
            f"Discard {len(folders)} backup(s)?",
            f"Deletes {backup.BACKUP_DIR} and the previous versions it holds; undo is no longer "
            "possible afterwards.", "Discard"),
            lambda yes: self._discard() if yes else None)

    def _discard(self) -> None:
        try:
            count = backup.discard_backups(self.edit_root)
        except UserError as error:
            self._failed("Could not discard the backups", error.format())
            return
        except OSError as error:
            self._failed("Could not discard the backups", UserError(
                str(error.strerror or error), path=backup.BACKUP_DIR,
                hint="delete the folder by hand").format())
            return
        self.last_backup = None
        self.notify(f"Discarded {count} backup(s)")
        self._show_status()

    def action_fresh(self) -> None:
        """Leave edit mode for the fresh-setup wizard (it asks before overwriting files)."""
        cast("RsdockApp", self.app).start_fresh(self.root)
