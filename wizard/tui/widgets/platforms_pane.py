"""Step 3: the platforms, each explaining what cross-compiling for it needs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, SelectionList, Static

from rsdock.wizard.tui.widgets.ticks import TickList
from rsdock.wizard.generate import steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.widgets.choice_list import ChoiceList
from rsdock.wizard.tui.widgets.problem_list import ProblemList
from rsdock.wizard.tui.widgets.step_pane import StepPane


def _left_out_platform(note: str) -> str:
    """The platform a defaults note ``left out linux/arm/v7: why`` is about ("" for another)."""
    head, sep, _ = note.partition(": ")
    return head.removeprefix("left out ") if sep and head.startswith("left out ") else ""


#: how steps.c_cost_for_platform joins what a platform costs and why it is refused
_REFUSED = "; refused: "


def _refused_in_short(cost: str) -> str:
    """``cost`` for a ticked platform whose refusal the problem list already shows: a line
    that lists packages "the builder adds" and then refuses the platform says only that it is
    refused (the packages would never be installed, and the reason stood twice)."""
    lines = []
    for line in cost.splitlines():
        head, sep, _ = line.partition(_REFUSED)
        if sep:
            image = head.split(": the builder adds", 1)[0]
            line = f"{image}: ✗ refused on this platform (see the problem above)"
        lines.append(line)
    return "\n".join(lines)


class PlatformsPane(StepPane):
    """All eight platforms of the table; the highlighted one's triple, packages and caveat."""

    STEP_ID = "platforms"

    def compose_body(self) -> ComposeResult:
        self._help = {c.value: c.help for c in steps.platform_choices()}
        yield TickList[str](*((c.label, c.value) for c in steps.platform_choices()),
                                 id="platform-list")
        yield Static(id="platform-help", classes="help")
        for index, note in enumerate(self.session.left_out):
            # a default platform this workspace cannot build; hidden once the user ticks it
            # (the problem above the list then says why, once)
            yield Static(note[0].upper() + note[1:], id=f"left-out-{index}", classes="note")
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
        self._show_left_out()
        self._show_help()

    def show_problems(self) -> None:
        super().show_problems()
        self._show_left_out()
        self._show_help()

    def _show_left_out(self) -> None:
        for index, note in enumerate(self.session.left_out):
            platform = _left_out_platform(note)
            for widget in self.query(f"#left-out-{index}"):
                widget.display = platform not in self.plan.platforms

    def _show_help(self) -> None:
        selection = self.query_one("#platform-list", SelectionList)
        if selection.highlighted is not None:
            name = selection.get_option_at_index(selection.highlighted).value
            cost = steps.c_cost_for_platform(self.plan, name)
            if name in self.plan.platforms and self.query_one(ProblemList).problems:
                cost = _refused_in_short(cost)
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
