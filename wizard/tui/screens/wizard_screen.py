"""The wizard: a step list, one page per step, back/forward, and a live preview worker."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from rich.text import Text
from textual.widgets import ContentSwitcher, Static
from textual.worker import get_current_worker
from typing import TYPE_CHECKING, cast

from rsdock.errors import UserError
from rsdock.wizard.generate import review, steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.screens.error_screen import ErrorScreen
from rsdock.wizard.tui.widgets.project_pane import ProjectPane
from rsdock.wizard.tui.widgets.step_list import StepList
from rsdock.wizard.tui.widgets.step_pane import StepPane
from rsdock.wizard.tui.widgets.button import Button

if TYPE_CHECKING:
    from rsdock.wizard.tui.app import RsdockApp
    from rsdock.wizard.tui.widgets.review_pane import ReviewPane
    from rsdock.wizard.tui.widgets.write_pane import WritePane


def _pane_class(step_id: str) -> type[StepPane]:
    """The page class of ``step_id``. Only the first page's module is imported before the first
    screen; the others load as their pages are mounted, while the user reads it (the review
    page alone brings rich's syntax highlighter, the choice lists their tables)."""
    if step_id == "project":
        return ProjectPane
    if step_id == "images":
        from rsdock.wizard.tui.widgets.images_pane import ImagesPane
        return ImagesPane
    if step_id == "platforms":
        from rsdock.wizard.tui.widgets.platforms_pane import PlatformsPane
        return PlatformsPane
    if step_id == "runtime":
        from rsdock.wizard.tui.widgets.runtime_pane import RuntimePane
        return RuntimePane
    if step_id == "cache":
        from rsdock.wizard.tui.widgets.cache_pane import CachePane
        return CachePane
    if step_id == "registry":
        from rsdock.wizard.tui.widgets.registry_pane import RegistryPane
        return RegistryPane
    if step_id == "review":
        from rsdock.wizard.tui.widgets.review_pane import ReviewPane
        return ReviewPane
    if step_id == "write":
        from rsdock.wizard.tui.widgets.write_pane import WritePane
        return WritePane
    raise KeyError(step_id)


_PREVIEW_STEPS = ("review", "write")  # the pages that show the preview
_BACKGROUND_DELAY = 0.1  # seconds from the first screen drawn to the preview and other pages


def _progress(done: int, width: int = 14) -> Text:
    """The steps done as a bar of ``width`` cells and a count: ``━━━━━╸──────── 3/8``.

    Drawn as text, not with Textual's ProgressBar, whose animation made every step change
    wait for it (about 100 ms of frames on a loaded machine)."""
    total = len(steps.STEPS)
    cells = round(width * done / total)
    bar = Text("━" * cells, style="bold")
    if cells < width:
        bar.append("╸" if cells else "", style="bold")
        bar.append("─" * (width - cells - (1 if cells else 0)), style="dim")
    bar.append(f" {done}/{total}", style="dim")
    return bar


class WizardScreen(Screen):
    """Holds the plan; panes edit it through messages, the preview worker renders and lints it.

    Attributes:
        plan: the answers so far.
        current: the id of the shown step.
        preview: the latest preview of :attr:`plan` (None until the first one is ready).
        written: what the last write did, or None.
    """

    BINDINGS = [
        Binding("ctrl+n", "next", "Next"),
        Binding("ctrl+p", "back", "Back"),
        Binding("ctrl+t", "focus_steps", "Steps"),
    ]

    def __init__(self, session: steps.Session, plan: Plan) -> None:
        super().__init__()
        self.session = session
        self.plan = plan
        self.current = steps.STEP_IDS[0]
        self.preview: review.Preview | None = None
        self.written: review.WriteResult | None = None
        self._reported_error = ""
        #: whether the preview worker and the mounting of the other pages have started (a
        #: moment after the first screen is drawn; tests wait for it before reading the preview)
        self.background_started = False
        self._panes: dict[str, StepPane] = {}  # the pages made so far, by step id

    def compose(self) -> ComposeResult:
        where = " (example copy)" if self.session.example else ""
        shown = cast("RsdockApp", self.app).shown
        yield Static(f"rsdock · {shown(str(self.session.root))}{where}", id="title")
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield StepList(id="steps")
                yield Static(id="progress")
                yield Static(id="preview-status")
            with ContentSwitcher(initial=f"step-{self.current}", id="panes"):
                # Only the first page: the others are mounted once the first screen is up
                # (see _mount_next_pane), which halves the time to it.
                yield _pane_class(self.current)(self.session, self.plan)
        with Horizontal(id="nav"):
            yield Button("◂ Back", id="back")
            yield Static(id="position")
            yield Button("Next ▸", id="next", variant="primary")
        # The wizard's keys never change with the focus, so a line of text: Textual's Footer
        # recomposed itself on every focus change, about a third of a step change's time.
        yield Static(id="keys")

    def on_mount(self) -> None:
        self.query_one("#keys", Static).update(self._keys())
        self.go(self.current)
        # The preview (jinja2, the rules and their parsers: a worker thread, but it holds the
        # interpreter's lock as much as the UI) and the other pages start a moment after the
        # first screen is drawn, so drawing it and the first keys never wait for them.
        self.call_after_refresh(self.set_timer, _BACKGROUND_DELAY, self._start_background)

    def _keys(self) -> Text:
        text = Text()
        # Priority bindings (Quit) before the others, as Textual's Footer orders them.
        app_bindings = sorted(self.app.BINDINGS, key=lambda b: not getattr(b, "priority", False))
        for binding in (*self.BINDINGS, *app_bindings):
            if isinstance(binding, Binding) and binding.show:
                text.append(f" {self.app.get_key_display(binding)}", style="bold")
                text.append(f" {binding.description} ")
        return text

    def _start_background(self) -> None:
        if self.background_started:
            return
        self.background_started = True
        self.refresh_preview()
        self._mount_next_pane()

    # --- pages, mounted on demand ------------------------------------------------------------

    def _pane(self, step_id: str) -> StepPane:
        """The page of ``step_id``, mounted now (hidden) if it was not yet."""
        pane = self._panes.get(step_id)
        if pane is None:
            found = self.query(f"#step-{step_id}").results(StepPane)  # the composed first page
            pane = next(found, None)
            if pane is not None:
                self._panes[step_id] = pane
                return pane
            pane = self._panes[step_id] = _pane_class(step_id)(self.session, self.plan)
            pane.display = False
            mounting = self.query_one("#panes", ContentSwitcher).mount(pane)
            self.run_worker(self._catch_up(pane, mounting), group="mount-pane")
        return pane

    def _mount_next_pane(self) -> None:
        """Mount the next page not mounted yet, one per refresh, while the user reads."""
        missing = [step_id for step_id in steps.STEP_IDS if step_id not in self._panes]
        if missing:
            self._pane(missing[0])
            self.set_timer(0.02, self._mount_next_pane)

    async def _catch_up(self, pane: StepPane, mounting) -> None:
        """Once ``pane`` is mounted, show it what arrived before: the plan, the preview."""
        await mounting
        if pane.plan != self.plan:
            pane.show_plan(self.plan)
        if self.preview is not None and pane.STEP_ID in _PREVIEW_STEPS:
            cast("ReviewPane | WritePane", pane).show_preview(self.preview)

    # --- navigation --------------------------------------------------------------------------

    def go(self, step_id: str) -> None:
        """Show step ``step_id``; every answer stays as it is."""
        self.current = step_id
        index = steps.STEP_IDS.index(step_id)
        pane = self._pane(step_id)
        self.query_one("#panes", ContentSwitcher).current = f"step-{step_id}"
        self._show_progress()
        self.query_one("#position", Static).update(
            f"Step {index + 1} of {len(steps.STEPS)}: {steps.step(step_id).title}")
        self.query_one("#back", Button).disabled = index == 0
        self.query_one("#next", Button).disabled = index == len(steps.STEPS) - 1
        if pane.is_mounted and pane.children:
            self._focus_first(pane)
        else:  # just mounted: its widgets exist after the next refresh
            self.call_after_refresh(self._focus_first, pane)

    def _focus_first(self, pane: StepPane) -> None:
        # Every way to a step (Next, Back, a jump from the step list) puts the keyboard on the
        # page: after a jump the focus stayed in the step list, and Tab then Enter pressed Back.
        if self.current == pane.STEP_ID:
            pane.focus_answer()

    def _show_progress(self) -> None:
        troubled = {steps.problem_step(p) for p in self.plan.problems()}
        step_list = self.query_one(StepList)
        step_list.show(self.current, troubled, written=self.written is not None)
        self.query_one("#progress", Static).update(_progress(step_list.done_count))

    def action_next(self) -> None:
        index = steps.STEP_IDS.index(self.current)
        if index + 1 < len(steps.STEP_IDS):
            self.go(steps.STEP_IDS[index + 1])

    def action_back(self) -> None:
        index = steps.STEP_IDS.index(self.current)
        if index > 0:
            self.go(steps.STEP_IDS[index - 1])

    def action_focus_steps(self) -> None:
        self.query_one(StepList).focus()

    def on_step_list_jump(self, event: StepList.Jump) -> None:
        self.go(event.step_id)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next":
            self.action_next()
        elif event.button.id == "back":
            self.action_back()

    # --- answers and the live preview --------------------------------------------------------

    def on_step_pane_edited(self, event: StepPane.Edited) -> None:
        self.plan = event.plan
        for pane in self.query(StepPane):
            if not pane.is_mounted:
                continue  # it catches up once mounted
            # The pane being typed in already shows the answer; re-setting its fields would
            # move the cursor, so it only refreshes its problems.
            if pane is event.pane:
                pane.show_problems()
            else:
                pane.show_plan(self.plan)
        if self.written is not None:
            self.written = None
            for write_pane in self.query("#step-write"):
                if write_pane.is_mounted:
                    cast("WritePane", write_pane).clear_result()
        self._show_progress()
        self.refresh_preview()

    @work(thread=True, exclusive=True, group="preview")
    def refresh_preview(self) -> None:
        """Render, diff and lint the current plan off the UI thread, then show the result.

        Two passes: rsdock's own rules first (fast), then again with hadolint. A newer answer
        cancels this worker, and the passes it has not started are skipped.
        """
        plan = self.plan
        for hadolint in (False, True):
            try:
                result = review.preview(self.session.root, plan, hadolint=hadolint)
            except UserError as error:
                result = review.Preview(plan, note=error.format(), error=error.format())
            except Exception as error:  # noqa: BLE001 - a renderer or rule bug must not kill the app
                result = review.Preview(plan, note=f"rsdock failed to render or lint: {error!r}")
            if get_current_worker().is_cancelled:
                return
            self.app.call_from_thread(self.show_preview, result)
            if not result.changes:
                return  # nothing rendered: a second pass would say the same

    def show_preview(self, result: review.Preview) -> None:
        """Show ``result`` unless the plan changed since it was started (a newer one comes)."""
        if result.plan != self.plan:
            return
        self.preview = result
        if result.error and result.error != self._reported_error:
            # Once per distinct error: the Review page keeps showing it as its note.
            self.app.push_screen(ErrorScreen(
                "Cannot compare the files with the workspace", result.error
                + "\n\nFix it on disk; the preview updates with your next answer.",
                [("back", "Back to the wizard")]))
        self._reported_error = result.error
        for pane in self.query(StepPane):
            if pane.STEP_ID in _PREVIEW_STEPS and pane.is_mounted:  # one still mounting catches up in _catch_up
                cast("ReviewPane | WritePane", pane).show_preview(result)
        if result.problems:
            count = len(result.problems)
            status = f"{count} problem{'s' * (count != 1)}:\nsee the ✗ steps"
        elif result.changes:
            status = f"{len(result.changes)} files\n{len(result.findings)} findings"
        else:
            status = "no preview"
        self.query_one("#preview-status", Static).update(status)

    # --- writing -----------------------------------------------------------------------------

    def unwritten(self) -> str:
        """What quitting now would lose, in a sentence, or "" when nothing: the answers'
        files are written, or every one is already on disk as rendered. A copy of the bundled
        example loses nothing of the user's (it is deleted on quit either way)."""
        if self.written is not None or self.session.example:
            return ""
        result = self.preview
        if result is None or result.plan != self.plan:
            return "The files for your answers are not written yet."
        if result.problems:
            return "Nothing is written: your answers have problems (see the ✗ steps)."
        pending = [c.path for c in result.changes if c.status != "same"]
        if not pending:
            return ""
        return f"Not written yet: {', '.join(pending)}."

    def on_write_pane_write_requested(self, event: WritePane.WriteRequested) -> None:
        result = self.preview
        if result is None or not result.writable or result.plan != self.plan:
            self.notify("The preview is not ready yet; try again in a moment.", severity="warning")
            return
        if result.overwrites:
            from rsdock.wizard.tui.screens.confirm_screen import ConfirmOverwriteScreen

            self.app.push_screen(ConfirmOverwriteScreen(result.overwrites),
                                 lambda answer: self._write(result, answer))
        else:
            self._write(result, False)

    def _write(self, result: review.Preview, overwrite: bool | None) -> None:
        if overwrite is None:
            return
        try:
            from rsdock.wizard.edit.backup import write_hook  # merges are backed up, as edits

            self.written = review.write(self.session.root, result, overwrite=overwrite,
                                        backup=write_hook)
        except UserError as error:
            self._write_failed(error.format())
            return
        except OSError as error:
            self._write_failed(UserError(
                error.strerror or str(error), path=str(error.filename or self.session.root),
                hint="check the permissions and free space, then press Write").format())
            return
        cast("WritePane", self.query_one("#step-write", StepPane)).show_result(self.written)
        self._show_progress()
        self.refresh_preview()

    def _write_failed(self, message: str) -> None:
        self.app.push_screen(ErrorScreen("Could not write the files", message,
                                         [("back", "Back to the wizard")]))
