"""A button whose focus reads without colour: ``[ Cancel ]`` focused, ``  Cancel  `` not.

Textual shows a focused button by reversing its label's colours, and which button is the
variant (primary, warning) by colour alone: without colour (``NO_COLOR=1``, a monochrome
terminal, a screen reader) a dialog's default, focused button could not be told from the
others. The brackets are text; the blanks keep the width, so focusing moves nothing.
"""

from __future__ import annotations

from textual.app import RenderResult
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Button as TextualButton

FOCUSED = ("[ ", " ]")
UNFOCUSED = ("  ", "  ")


class Button(TextualButton):
    """Textual's Button (same messages, variants and CSS), its label framed by the focus."""

    def render(self) -> RenderResult:
        label = super().render()
        before, after = FOCUSED if self.has_focus else UNFOCUSED
        return Content.assemble(before, label, after) if isinstance(label, Content) else label

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return super().get_content_width(container, viewport) + len("".join(FOCUSED))

    def _on_focus(self, event) -> None:
        super()._on_focus(event)
        self.refresh()

    def _on_blur(self, event) -> None:
        super()._on_blur(event)
        self.refresh()
