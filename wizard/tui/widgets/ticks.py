"""Tick boxes that read without colour: ``[x]`` ticked, ``[ ]`` not.

Textual draws both states of a SelectionList entry and a Checkbox as ``▐X▌`` and tells them
apart by colour only, so with ``NO_COLOR=1`` (or a monochrome terminal, or a screen reader's
text dump) every box looks ticked. These subclasses draw the state as a glyph instead; the
messages, bindings and values are Textual's own.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import SelectionType

TICKED = "[x]"
UNTICKED = "[ ]"


def glyph(ticked: bool) -> str:
    """The box for a ticked or unticked choice."""
    return TICKED if ticked else UNTICKED


class TickList(SelectionList[SelectionType]):
    """A SelectionList whose boxes are ``[x]`` / ``[ ]`` (same width as Textual's ``▐X▌``)."""

    def render_line(self, y: int) -> Strip:
        # OptionList's line (the prompt, highlighted or not), without SelectionList's button.
        line = OptionList.render_line(self, y)
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        ticked = selection.value in self._selected
        base = next(iter(line)).style or self.rich_style
        style = base + Style(bold=ticked, meta={"option": index})
        return Strip([Segment(f"{glyph(ticked)} ", style=style), *line])


class TickBox(Checkbox):
    """A Checkbox drawn as ``[x] label`` / ``[ ] label``."""

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.styled(glyph(self.value), style)
