"""The visible list of steps: where you are, what is done, and what has a problem."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rsdock.wizard.generate import steps


class StepList(OptionList):
    """All steps, numbered; Enter or a click jumps to one (answers are kept)."""

    class Jump(Message):
        """The user asked for step ``step_id``."""

        def __init__(self, step_id: str) -> None:
            self.step_id = step_id
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = steps.STEP_IDS[0]
        self.visited: set[str] = {self.current}
        self.troubled: set[str] = set()

    def on_mount(self) -> None:
        self.redraw()

    def show(self, current: str, troubled: set[str]) -> None:
        """Mark ``current`` as the shown step and ``troubled`` as the steps with problems."""
        self.current = current
        self.visited.add(current)
        self.troubled = troubled
        self.redraw()

    def redraw(self) -> None:
        """Rebuild the options from the current state."""
        options = []
        for number, step in enumerate(steps.STEPS, 1):
            if step.id in self.troubled:
                mark, style = "✗", "red"
            elif step.id == self.current:
                mark, style = "▸", "bold"
            elif step.id in self.visited:
                mark, style = "✓", "green"
            else:
                mark, style = " ", "dim"
            if step.id in self.troubled:
                # Only the mark and number in red: a red title on the cursor's background is
                # unreadable without colour (NO_COLOR).
                prompt = Text()
                prompt.append(f"{mark} {number} ", style=style)
            else:
                prompt = Text(f"{mark} {number} ", style=style)
            prompt.append(step.title, style="bold" if step.id == self.current else "")
            options.append(Option(prompt, id=step.id))
        self.clear_options()
        self.add_options(options)
        self.highlighted = steps.STEP_IDS.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Jump(event.option.id or steps.STEP_IDS[0]))
