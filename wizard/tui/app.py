"""``rsdock-tui``: the Textual onboarding wizard's application object.

The app only opens a workspace (or, failing that, offers the bundled example) and hands it to
:class:`~rsdock.wizard.tui.screens.wizard_screen.WizardScreen`; the steps, their answers and the
preview live there and in :mod:`rsdock.wizard.generate.steps`. A folder that already has Dockerfiles or
workflows opens in :class:`~rsdock.wizard.tui.screens.edit_screen.EditScreen` instead, when asked to
(``rsdock-tui`` does, unless ``--new``).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

from textual.app import App
from textual.binding import Binding

from rsdock import resources
from rsdock.errors import UserError
from rsdock.lint.model import cargo
from rsdock.wizard.edit.existing import existing_files
from rsdock.wizard.generate import answers, defaults, repository, steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.screens.error_screen import ErrorScreen
from rsdock.wizard.tui.screens.help_screen import HelpScreen
from rsdock.wizard.tui.screens.question_screen import QuestionScreen
from rsdock.wizard.tui.screens.wizard_screen import WizardScreen


class RsdockApp(App[int]):
    """The wizard. ``return_code`` is 0 after a normal quit, 1 when no workspace was opened.

    Args:
        path: the workspace (or a directory inside it); the current directory when None.
        example_parent: where the bundled example is copied when the user picks it; a new
            temporary directory when None (tests pass a fixed one so shown paths are stable).
        edit_existing: open edit mode when ``path`` already has Dockerfiles or workflows
            (False: always the fresh-setup wizard).
        shown: how text naming a path appears on screen (titles, the project step, error
            dialogs): unchanged by default; the snapshot tests map their per-run temporary
            directory to a stable name, since the path is drawn in every picture.
    """

    CSS_PATH = "app.tcss"
    TITLE = "rsdock"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, path: Path | None = None, *, example_parent: Path | None = None,
                 edit_existing: bool = False, shown: Callable[[str], str] = str) -> None:
        super().__init__()
        self.path = Path(path) if path is not None else Path.cwd()
        self.example_parent = example_parent
        self.edit_existing = edit_existing
        self.shown = shown
        self._example_copies: list[Path] = []

    def remove_example_copies(self) -> None:
        """Delete the temporary copies of the bundled example this app made."""
        for folder in self._example_copies:
            shutil.rmtree(folder, ignore_errors=True)
        self._example_copies.clear()

    def on_unmount(self) -> None:
        self.remove_example_copies()

    def on_mount(self) -> None:
        if self.edit_existing and existing_files(self.path):
            from rsdock.wizard.tui.screens.edit_screen import EditScreen

            self.push_screen(EditScreen(self.path))
        else:
            self.open_workspace(self.path)

    def start_fresh(self, path: Path) -> None:
        """Leave edit mode and start the fresh-setup wizard on ``path``."""
        if self._in_edit_mode():
            self.pop_screen()
        self.open_workspace(path)

    def open_workspace(self, path: Path, *, example: bool = False) -> None:
        """Scan ``path`` and start the wizard on it, or explain why not in a dialog."""
        try:
            workspace = cargo.scan(path)
            cargo.require_packageable(workspace)
        except UserError as error:
            self._offer_example(error.format(), example)
            return
        except OSError as error:
            located = UserError(error.strerror or str(error), path=str(error.filename or path),
                                hint="check the path and its permissions")
            self._offer_example(located.format(), example)
            return
        root = Path(workspace.root)
        base, problem = self._saved_plan(root)
        left_out: list[str] = []
        repo = repository.repository(workspace)
        plan = self._default_plan(workspace, base, left_out, repo)
        session = steps.Session(root, workspace, steps.candidate_images(workspace, plan), example,
                                tuple(left_out),
                                repository.branch_note(repo, plan) if base is None else "")
        self.push_screen(WizardScreen(session, plan))
        if problem:
            self.push_screen(ErrorScreen(
                "rsdock.toml cannot be used", self.shown(problem)
                + "\n\nThe wizard starts from the defaults; writing replaces rsdock.toml.",
                [("ok", "Start from the defaults")]))

    @staticmethod
    def _saved_plan(root: Path) -> tuple[Plan | None, str]:
        """The plan rsdock.toml holds (None without one), and why it cannot be used, or ""."""
        if not answers.config_path(root).exists():
            return None, ""
        try:
            return answers.load(root), ""
        except UserError as error:
            return None, error.format()

    @staticmethod
    def _default_plan(workspace, base: Plan | None, notes: list[str], repo) -> Plan:
        try:
            return defaults.default_plan(workspace, base=base, notes=notes, repo=repo)
        except UserError:
            # An invalid saved plan still opens: each step shows its problem where it is made.
            return base or Plan(images=defaults.workspace_images(workspace))

    def _offer_example(self, message: str, was_example: bool) -> None:
        ways = [("quit", "Quit")] if was_example else [
            ("example", "Try the bundled example"), ("quit", "Quit")]
        self.push_screen(ErrorScreen("No cargo workspace to containerise here",
                                     self.shown(message), ways),
                         self._after_scan_error)

    def _after_scan_error(self, choice: str | None) -> None:
        if choice == "example":
            self.open_workspace(self.copy_example(), example=True)
        else:
            self.exit(1, return_code=1)

    def copy_example(self) -> Path:
        """Copy the bundled example workspace somewhere writable and return the copy's path.

        Without ``example_parent`` the copy goes to a new temporary directory, deleted when the
        app ends (:meth:`remove_example_copies`).
        """
        if self.example_parent is None:
            parent = Path(tempfile.mkdtemp(prefix="rsdock-example-"))
            self._example_copies.append(parent)
        else:
            parent = self.example_parent
        target = parent / "workspace"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(resources.example_workspace(), target)
        return target

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            if self._in_edit_mode():
                from rsdock.wizard.tui.screens.edit_help_screen import EditHelpScreen

                self.push_screen(EditHelpScreen())
            else:
                self.push_screen(HelpScreen())

    def _in_edit_mode(self) -> bool:
        # Edit mode's modules load only when it opens (they cost ~0.2 s before the first
        # screen of the wizard otherwise).
        edit_screen = sys.modules.get("rsdock.wizard.tui.screens.edit_screen")
        return edit_screen is not None and isinstance(self.screen, edit_screen.EditScreen)

    async def action_quit(self) -> None:
        """Quit, asking first when the wizard's answers have files not written yet (a second
        Ctrl+Q in that question quits)."""
        screen = self.screen
        if screen.id == "quit-question":
            self.exit(0, return_code=0)
            return
        if isinstance(screen, WizardScreen) and screen.unwritten():
            self.push_screen(QuestionScreen(
                "Quit without writing?",
                screen.unwritten() + " Go to step 8 (Write) and press Write files to keep "
                "them; your answers are not saved either.",
                "Quit", no="Back to the wizard", id="quit-question"),
                lambda yes: self.exit(0, return_code=0) if yes else None)
            return
        self.exit(0, return_code=0)
