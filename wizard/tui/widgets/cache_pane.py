"""Step 5: where CI keeps BuildKit's layer cache."""

from __future__ import annotations

from textual.app import ComposeResult

from rsdock.wizard.generate import steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.widgets.choice_list import ChoiceList
from rsdock.wizard.tui.widgets.step_pane import StepPane


class CachePane(StepPane):
    """The cache backend (gha with mode=max by default)."""

    STEP_ID = "cache"

    def compose_body(self) -> ComposeResult:
        yield ChoiceList(steps.cache_choices(), self.plan.cache, id="cache")

    def sync(self, plan: Plan) -> None:
        self.query_one("#cache", ChoiceList).value = plan.cache

    def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        event.stop()
        self.edit(steps.set_choice(self.plan, "cache", event.value))
