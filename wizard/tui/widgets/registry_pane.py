"""Step 6: the registry, when the workflow runs, how it pins actions, signs and updates."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Label, Static

from rsdock.wizard.tui.widgets.ticks import TickBox
from rsdock.wizard.generate import steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.widgets.choice_list import ChoiceList
from rsdock.wizard.tui.widgets.step_pane import StepPane


class RegistryPane(StepPane):
    """Registry and CI answers."""

    STEP_ID = "registry"

    def compose_body(self) -> ComposeResult:
        yield ChoiceList(steps.registry_choices(), self.plan.registry, id="registry")
        yield Label("Push images from branches (space separated)")
        yield Input(id="branches")
        if self.session.branch_note:
            yield Static(self.session.branch_note, id="branch-note", classes="note")
        yield TickBox(f"Push {steps.tags_label(self.plan)} as images", id="tags")
        yield TickBox("Build pull requests (never pushed, no login)", id="pull-requests")
        yield Label("Action pinning")
        yield ChoiceList(steps.pin_choices(), self.plan.pin_actions, id="pin_actions")
        yield Label("Signing (provenance and SBOM are always attached)")
        yield ChoiceList(steps.signing_choices(), self.plan.signing, id="signing")
        yield Label("Updates for the pinned actions and base images")
        yield ChoiceList(steps.updates_choices(), self.plan.updates, id="updates")
        yield Label("Workflow file")
        yield Input(id="workflow")

    def sync(self, plan: Plan) -> None:
        self.query_one("#registry", ChoiceList).value = plan.registry
        self.query_one("#pin_actions", ChoiceList).value = plan.pin_actions
        self.query_one("#signing", ChoiceList).value = plan.signing
        self.query_one("#updates", ChoiceList).value = plan.updates
        branches = self.query_one("#branches", Input)
        if steps.parse_branches(branches.value) != plan.triggers.branches:
            branches.value = " ".join(plan.triggers.branches)
        self.query_one("#tags", Checkbox).value = plan.triggers.tags
        self.query_one("#pull-requests", Checkbox).value = plan.triggers.pull_requests
        workflow = self.query_one("#workflow", Input)
        if workflow.value.strip() != plan.workflow:
            workflow.value = plan.workflow

    def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        event.stop()
        self.edit(steps.set_choice(self.plan, event.choice_list.id or "", event.value))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id == "branches":
            self.edit(steps.set_triggers(self.plan, branches=event.value))
        else:
            self.edit(steps.set_workflow(self.plan, event.value))

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.checkbox.id == "tags":
            self.edit(steps.set_triggers(self.plan, tags=event.value))
        else:
            self.edit(steps.set_triggers(self.plan, pull_requests=event.value))
