"""Step 4: the final stage's base image, and the Debian release for debian-slim."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, Static

from rsdock.wizard.generate import steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.widgets.choice_list import ChoiceList
from rsdock.wizard.tui.widgets.step_pane import StepPane


class RuntimePane(StepPane):
    """The runtime base (the runtime table's, the first by default)."""

    STEP_ID = "runtime"

    def compose_body(self) -> ComposeResult:
        yield ChoiceList(steps.runtime_choices(self.plan.debian), self.plan.runtime, id="runtime")
        yield Label(steps.release_label())
        yield ChoiceList(steps.debian_choices(), self.plan.debian, id="debian")
        yield Static(id="runtime-c-cost", classes="help")

    def sync(self, plan: Plan) -> None:
        self.query_one("#runtime", ChoiceList).value = plan.runtime
        self.query_one("#debian", ChoiceList).value = plan.debian
        self._show_dependent(plan)

    def _show_dependent(self, plan: Plan) -> None:
        # Each list depends on the other's answer: debian-slim's explanation names the chosen
        # release, and the release is asked only for the runtimes that follow it.
        self.query_one("#runtime", ChoiceList).set_choices(steps.runtime_choices(plan.debian))
        self.query_one("#debian", ChoiceList).disabled = not steps.asks_release(plan.runtime)
        costs = steps.c_cost_for_runtimes(plan)
        cost = self.query_one("#runtime-c-cost", Static)
        cost.display = bool(costs)  # only a workspace with C dependencies has something to say
        cost.update("C libraries the binaries link, per runtime:\n" + "\n".join(costs))

    def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        event.stop()
        self.edit(steps.set_choice(self.plan, event.choice_list.id or "", event.value))
        # The screen does not re-sync the pane being answered in (it would move the cursor).
        self._show_dependent(self.plan)
