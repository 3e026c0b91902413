"""Step 3: the platforms, each explaining what cross-compiling for it needs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, SelectionList, Static

from rsdock.wizard.tui.widgets.ticks import TickList
from rsdock.wizard.generate import steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.widgets.choice_list import ChoiceList
from rsdock.wizard.tui.widgets.step_pane import StepPane


class PlatformsPane(StepPane):
    """All eight platforms of the table; the highlighted one's triple, packages and caveat."""

    STEP_ID = "platforms"

    def compose_body(self) -> ComposeResult:
        self._help = {c.value: c.help for c in steps.platform_choices()}
        yield TickList[str](*((c.label, c.value) for c in steps.platform_choices()),
                                 id="platform-list")
        yield Static(id="platform-help", classes="help")
        for note in self.session.left_out:  # a default platform this workspace cannot build
            yield Static(note[0].upper() + note[1:], classes="note")
        yield Label("How CI builds them")
        yield ChoiceList(steps.strategy_choices(), self.plan.strategy, id="strategy")

    def sync(self, plan: Plan) -> None:
        selection = self.query_one("#platform-list", SelectionList)
        if set(selection.selected) != set(plan.platforms):
            selection.deselect_all()
            for name in plan.platforms:
                selection.select(name)
        if selection.highlighted is None:
            selection.highlighted = 0
        self.query_one("#strategy", ChoiceList).value = plan.strategy
        self._show_help()

    def _show_help(self) -> None:
        selection = self.query_one("#platform-list", SelectionList)
        if selection.highlighted is not None:
            name = selection.get_option_at_index(selection.highlighted).value
            cost = steps.c_cost_for_platform(self.plan, name)
            self.query_one("#platform-help", Static).update(
                f"{name}: {self._help[name]}" + (f"\n{cost}" if cost else ""))

    def on_selection_list_selection_highlighted(
        self, event: SelectionList.SelectionHighlighted
    ) -> None:
        event.stop()
        self._show_help()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        self.edit(steps.set_platforms(self.plan, list(event.selection_list.selected)))

    def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        event.stop()
        self.edit(steps.set_choice(self.plan, "strategy", event.value))
