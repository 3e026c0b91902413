"""The base of every step's page: the question, the answers, and the problems they cause."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from rsdock.wizard.generate import steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.widgets.problem_list import ProblemList


class StepPane(VerticalScroll):
    """One step's page. Subclasses compose their answers in :meth:`compose_body`.

    The screen hands the current plan down with :meth:`show_plan`; a pane never keeps its own
    notion of the answers, it posts :class:`StepPane.Edited` with the plan changed through
    ``steps.set_*`` and the screen hands the result back down.
    """

    STEP_ID = ""

    class Edited(Message):
        """The user changed an answer; ``plan`` is the plan with the change applied."""

        def __init__(self, pane: "StepPane", plan: Plan) -> None:
            self.pane = pane
            self.plan = plan
            super().__init__()

    def __init__(self, session: steps.Session, plan: Plan, **kwargs) -> None:
        super().__init__(id=f"step-{self.STEP_ID}", classes="step-pane", **kwargs)
        self.session = session
        self.plan = plan
        # Widgets set from the plan post Changed messages too; those must not count as edits.
        self._syncing = False

    def compose(self) -> ComposeResult:
        yield Static(steps.step(self.STEP_ID).question, classes="question")
        # Above the answers, so a problem is seen in 24 lines without scrolling.
        yield ProblemList(classes="problems")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        """The step's own widgets."""
        yield from ()

    def on_mount(self) -> None:
        # A page mounted in the background (see WizardScreen._mount_next_pane) while the app
        # is closing gets no widgets: there is nothing to show on it.
        if not self.children:
            return
        self.show_plan(self.plan)

    def show_plan(self, plan: Plan) -> None:
        """Make the widgets show ``plan`` and the problems it has in this step."""
        self.plan = plan
        with self.muted():
            self.sync(plan)
        self.show_problems()

    @contextmanager
    def muted(self) -> Iterator[None]:
        """Within it, widget changes made from the plan are not reported as edits."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def show_problems(self) -> None:
        """Show the problems the current plan has in this step's answers."""
        self.query_one(ProblemList).problems = steps.problems_for(self.plan, self.STEP_ID)

    def focus_answer(self) -> None:
        """Put the keyboard on this page's first answer (the page itself when it has none), so
        keys typed after arriving act here, not on the step list or the buttons.

        The page opens at its top, with its question in view: focusing an answer below the
        fold scrolled a page at 80x24 past its question. Such an answer leaves the keys to the
        page (arrows scroll it, Tab reaches the answer)."""
        self.scroll_home(animate=False, immediate=True)
        focusable = [w for w in self.query("*") if w.focusable]
        target = focusable[0] if focusable else self
        target.focus(scroll_visible=False)
        if target is not self:
            self.call_after_refresh(self._unless_hidden, target)

    def _unless_hidden(self, target: Widget) -> None:
        if self.app.focused is target and not target.region.overlaps(self.content_region):
            self.focus(scroll_visible=False)

    def sync(self, plan: Plan) -> None:
        """Set the step's widgets from ``plan`` (called with change messages muted)."""

    def edit(self, plan: Plan) -> None:
        """Report an answer the user gave, unless it came from :meth:`sync`."""
        if self._syncing or plan == self.plan:
            return
        self.plan = plan
        self.post_message(self.Edited(self, plan))
