"""The visible list of steps: where you are, what is done, and what has a problem.

Each row's mark is a glyph, never only a colour: ``▸`` the shown step, ``✓`` a step whose
answers stand (passed or seen; the Write step only once the files are written), ``✗`` a step
with a problem, blank for one still ahead.
"""

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
        self.written = False  # whether the files of the current answers are written
        self._shown: list[tuple[str, str, bool]] | None = None  # the marks on screen

    def on_mount(self) -> None:
        self.redraw()

    def show(self, current: str, troubled: set[str], written: bool = False) -> None:
        """Mark ``current`` as the shown step, ``troubled`` as the steps with problems, and the
        Write step as done when ``written``."""
        self.current = current
        self.visited.add(current)
        self.troubled = troubled
        self.written = written
        self.redraw()

    def is_done(self, step_id: str) -> bool:
        """Whether ``step_id`` counts as done: its answers stand (it has no problem, and it is
        behind the shown step or was seen before), or, for Write, the files are written.

        Every question has a default, so a step passed on the way (Next, or a jump over it)
        is answered; merely looking at Write writes nothing, so it is not done until then.
        """
        if step_id in self.troubled:
            return False
        if step_id == steps.STEP_IDS[-1]:
            return self.written
        if step_id == self.current:
            return False
        return (step_id in self.visited
                or steps.STEP_IDS.index(step_id) < steps.STEP_IDS.index(self.current))

    @property
    def done_count(self) -> int:
        """How many steps are done (the Write step counts once written, even while shown)."""
        return sum(1 for step_id in steps.STEP_IDS if self.is_done(step_id))

    def redraw(self) -> None:
        """Show the current state: only the rows whose mark changed are replaced (rebuilding
        every option re-laid out the whole screen on each step change)."""
        marks = []
        for step in steps.STEPS:
            if step.id in self.troubled:
                marks.append(("✗", "red", step.id == self.current))
            elif step.id == self.current:
                marks.append(("▸", "bold", True))
            elif self.is_done(step.id):
                marks.append(("✓", "green", False))
            else:
                marks.append((" ", "dim", False))
        shown = self._shown
        if shown is None or self.option_count != len(marks):
            self.clear_options()
            self.add_options(Option(self._prompt(i, m), id=step.id)
                             for i, (step, m) in enumerate(zip(steps.STEPS, marks)))
        else:
            for index, (old, mark) in enumerate(zip(shown, marks)):
                if old != mark:
                    self.replace_option_prompt_at_index(index, self._prompt(index, mark))
        self._shown = marks
        self.highlighted = steps.STEP_IDS.index(self.current)

    @staticmethod
    def _prompt(index: int, mark: tuple[str, str, bool]) -> Text:
        symbol, style, current = mark
        if symbol == "✗":
            # Only the mark and number in red: a red title on the cursor's background is
            # unreadable without colour (NO_COLOR).
            prompt = Text()
            prompt.append(f"{symbol} {index + 1} ", style=style)
        else:
            prompt = Text(f"{symbol} {index + 1} ", style=style)
        prompt.append(steps.STEPS[index].title, style="bold" if current else "")
        return prompt

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Jump(event.option.id or steps.STEP_IDS[0]))
