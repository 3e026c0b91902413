"""The plan changes an edit can make: platforms, cache backend, registry; then "show the diff"."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Label, SelectionList, Static

from rsdock.wizard.tui.widgets.ticks import TickList
from rsdock.wizard.generate import steps
from rsdock.wizard.tui.widgets.choice_list import ChoiceList
from rsdock.wizard.tui.widgets.button import Button


class ChangeForm(VerticalScroll):
    """Starts from the inferred answers; posts :class:`ChangeForm.DiffRequested` with the chosen
    ones (the screen turns them into a ``Request`` and shows the diff before anything is written).
    """

    class DiffRequested(Message):
        """The user wants to see the edits for these answers."""

        def __init__(self, platforms: tuple[str, ...], cache: str | None,
                     registry: str | None) -> None:
            self.platforms = platforms
            self.cache = cache
            self.registry = registry
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cache: str | None = None
        self.registry: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("Change the plan; nothing is written before you see the diff and agree.",
                     classes="help")
        yield Label("Platforms (Space ticks)")
        yield TickList[str](*((c.label, c.value) for c in steps.platform_choices()),
                                 id="edit-platforms")
        yield Label("Cache backend (Enter chooses)")
        yield ChoiceList(steps.cache_choices(), "", id="edit-cache")
        yield Label("Registry (Enter chooses)")
        yield ChoiceList(steps.registry_choices(), "", id="edit-registry")
        yield Button("Show the diff (v)", id="show-diff", variant="primary")

    def show(self, inferred) -> None:
        """Tick and mark what the files do now (``inferred`` is an ``InferredPlan``)."""
        selection = self.query_one("#edit-platforms", SelectionList)
        selection.deselect_all()
        for name in inferred.platforms.value or ():
            selection.select(name)
        self.cache = inferred.cache.value
        self.registry = inferred.registry.value
        self.query_one("#edit-cache", ChoiceList).value = self.cache or ""
        self.query_one("#edit-registry", ChoiceList).value = self.registry or ""

    @property
    def platforms(self) -> tuple[str, ...]:
        """The ticked platforms, in the table's order."""
        ticked = set(self.query_one("#edit-platforms", SelectionList).selected)
        return tuple(c.value for c in steps.platform_choices() if c.value in ticked)

    def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        event.stop()
        if event.choice_list.id == "edit-cache":
            self.cache = event.value
        else:
            self.registry = event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "show-diff":
            event.stop()
            self.request_diff()

    def request_diff(self) -> None:
        """Post the chosen answers as a :class:`DiffRequested`."""
        self.post_message(self.DiffRequested(self.platforms, self.cache, self.registry))
