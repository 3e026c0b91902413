"""RS431: a ``paths:`` filter of only ``!`` patterns matches no file."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS431(WorkflowRule):
    """Exclude with ``paths-ignore:``: a ``paths:`` list of only ``!`` patterns matches nothing.

    GitHub reads ``paths:`` patterns in order: a ``!`` pattern only removes files that an earlier
    pattern matched. With no positive pattern nothing is ever matched, so the event never
    triggers the workflow (tag pushes, which ignore path filters, still do): the image of a
    branch push is never built. Use ``paths-ignore: ['charts/**.md']``, or start the list with
    ``'**'``.

    Fails:
        # file: .github/workflows/image.yml
        on:
          push:
            branches: [main]
            paths: ['!charts/**.md']
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7

    Passes:
        # file: .github/workflows/image.yml
        on:
          push:
            branches: [main]
            paths-ignore: ['charts/**.md']
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
    """

    id = "RS431"
    name = "paths-only-negated"
    severity = Severity.ERROR
    message = "use paths-ignore for the exclusions, or start the list with '**'"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per event whose ``paths:`` holds only ``!`` patterns."""
        for event, where in file.triggers.items():
            config = where.value if isinstance(where.value, dict) else {}
            paths = config.get("paths")
            if isinstance(paths, str):
                paths = [paths]
            if not isinstance(paths, list) or not paths:
                continue
            if all(str(p).startswith("!") for p in paths):
                yield self.finding(file.path, where.line, where.column, (
                    f"`{event}: paths:` has only `!` patterns, which remove files no pattern "
                    f"matched: the filter matches nothing and {event} never runs this "
                    f"workflow; {self.message}"))
