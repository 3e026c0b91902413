"""A single choice among explained options: every option shows why one would pick it."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rsdock.wizard.generate.steps import Choice


class ChoiceList(OptionList):
    """Options with their explanations; Enter or a click chooses the highlighted one.

    Posts :class:`ChoiceList.Chosen` when the user chooses; :attr:`value` sets the marked option
    without posting anything.
    """

    DEFAULT_CSS = """
    ChoiceList { height: auto; max-height: 14; }
    """

    class Chosen(Message):
        """The user chose ``value`` in ``choice_list``."""

        def __init__(self, choice_list: "ChoiceList", value: str) -> None:
            self.choice_list = choice_list
            self.value = value
            super().__init__()

        @property
        def control(self) -> "ChoiceList":
            return self.choice_list

    def __init__(self, choices: tuple[Choice, ...], value: str, **kwargs) -> None:
        self.choices = choices
        self._value = value
        super().__init__(*self._choice_options(), **kwargs)

    def _choice_options(self) -> list[Option]:
        options = []
        for choice in self.choices:
            chosen = choice.value == self._value
            prompt = Text("● " if chosen else "○ ", style="bold" if chosen else "")
            prompt.append(choice.label, style="bold" if chosen else "")
            if choice.help:
                prompt.append(f"\n  {choice.help}", style="dim")
            options.append(Option(prompt, id=choice.value))
        return options

    @property
    def value(self) -> str:
        """The chosen value."""
        return self._value

    @value.setter
    def value(self, value: str) -> None:
        if value == self._value:
            return
        self._value = value
        self._redraw()

    def _redraw(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(self._choice_options())
        self.highlighted = highlighted

    def on_mount(self) -> None:
        ids = [c.value for c in self.choices]
        if self._value in ids:
            self.highlighted = ids.index(self._value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.value = event.option.id or ""
        self.post_message(self.Chosen(self, self._value))
