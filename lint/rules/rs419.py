"""RS419: a workflow file GitHub never runs."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS419(WorkflowRule):
    """Know which workflow files run: GitHub reads only ``.github/workflows/`` at the root.

    A workflow in a nested ``.github/workflows/`` folder (a vendored project, a sub-project that
    used to be its own repository, a template) never runs for this repository: its login, push
    and cache settings change nothing, and a change made there to fix CI has no effect. rsdock
    does not judge such a file as a running workflow (the other workflow rules skip it, and its
    images do not count as published); this note says so, once per file. Move it to the root's
    ``.github/workflows/`` if it should run, or ignore this note for a copy kept on purpose.

    Fails:
        # file: tools/app/.github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
    """

    id = "RS419"
    name = "workflow-never-runs"
    severity = Severity.INFO
    message = "GitHub runs only the workflows in .github/workflows/ at the repository root"
    roles = frozenset({"idle"})

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield one note for a workflow in a nested ``.github/workflows/`` folder."""
        if wf.workflow_role(file.path) == "idle":
            yield self.finding(file.path, file.triggers_line, 0, (
                f"this workflow never runs: {self.message}, so rsdock does not judge it as a "
                "running workflow; move it there if it should run"))
