"""The problems an answer causes, shown beside the answer with the way out."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from rsdock.wizard.generate.plan import Problem


class ProblemList(Static):
    """Lists :class:`~rsdock.wizard.generate.plan.Problem` objects; hidden when there are none."""

    DEFAULT_CSS = """
    ProblemList { height: auto; display: none; }
    ProblemList.-has-problems { display: block; }
    """

    problems: reactive[list[Problem]] = reactive(list, always_update=True)

    def watch_problems(self, problems: list[Problem]) -> None:
        self.set_class(bool(problems), "-has-problems")
        text = Text()
        for index, problem in enumerate(problems):
            if index:
                text.append("\n")
            text.append("✗ ", style="bold red")
            text.append(f"{problem.field}: {problem.message}", style="bold")
            text.append(f"\n  → {problem.way_out}", style="italic")
        self.update(text)
