"""A single choice among explained options: every option shows why one would pick it."""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rsdock.wizard.generate.steps import Choice


class ChoiceList(OptionList):
    """Options with their explanations; Enter or a click chooses the highlighted one.

    Posts :class:`ChoiceList.Chosen` when the user chooses; :attr:`value` sets the marked option
    without posting anything.
    """

    # Space chooses like Enter: it ticks a box in the tick lists beside these, and pressing it
    # here did nothing, so "ghcr" looked chosen while dockerhub stayed.
    BINDINGS = [Binding("space", "select", "Choose", show=False)]

    # As tall as its options (OptionList caps itself at 100% of the page): a capped list
    # scrolled its last options out of sight while the page below it stood empty. The page
    # scrolls instead (see scroll_to_highlight).
    DEFAULT_CSS = """
    ChoiceList { height: auto; max-height: initial; overflow-y: hidden; }
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
            label = Text("● " if chosen else "○ ", style="bold" if chosen else "")
            label.append(choice.label, style="bold" if chosen else "")
            # The explanation wraps under itself, indented past the mark, not at column 0.
            prompt = Group(label, Padding(Text(choice.help, style="dim"), (0, 0, 0, 2))) \
                if choice.help else label
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

    def set_choices(self, choices: tuple[Choice, ...]) -> None:
        """Show ``choices`` instead (same values, new explanations), keeping the mark."""
        if choices != self.choices:
            self.choices = choices
            self._redraw()

    def _redraw(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(self._choice_options())
        self.highlighted = highlighted

    def scroll_to_highlight(self, top: bool = False) -> None:
        """Keep the highlighted option in view by scrolling the page the list sits on."""
        super().scroll_to_highlight(top)
        page = self.parent
        if self.highlighted is None or not self.has_focus or not isinstance(page, Widget) \
                or not page.allow_vertical_scroll:
            return
        line = self._index_to_line.get(self.highlighted)
        if line is None:
            return
        origin = self.virtual_region.offset
        region = Region(origin.x, origin.y + self.gutter.top + line - int(self.scroll_offset.y),
                        self.size.width, self._heights[self.highlighted])
        page.scroll_to_region(region, animate=False, immediate=True, force=True)

    def on_mount(self) -> None:
        ids = [c.value for c in self.choices]
        if self._value in ids:
            self.highlighted = ids.index(self._value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.value = event.option.id or ""
        self.post_message(self.Chosen(self, self._value))
