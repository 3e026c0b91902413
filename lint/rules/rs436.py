"""RS436: a ``workflow_run`` trigger that publishes whatever the other workflow's outcome."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import publication
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

_CONCLUSION_RE = re.compile(r"workflow_run\s*\.\s*conclusion|workflow_run\s*\[\s*'conclusion'")
_PUSH_STEP_RE = re.compile(r"\bdocker\s+(?:buildx\s+)?(?:push|build\b[^\n]*--push|bake\b[^\n]*"
                           r"--push)|\bdocker\s+compose\s+push\b")


class RS436(WorkflowRule):
    """Check ``github.event.workflow_run.conclusion`` before publishing from ``workflow_run``.

    A ``workflow_run`` trigger fires when the other workflow *completes*, successfully or not
    (and on ``requested`` too, without ``types``). A job that pushes an image with no ``if:``
    on ``github.event.workflow_run.conclusion == 'success'`` publishes after a failed or
    cancelled build and test run as well. Guard each publishing job (or a job it ``needs:``)
    with that condition.

    Fails:
        # file: .github/workflows/image.yml
        on:
          workflow_run:
            workflows: ["Release Build"]
            types: [completed]
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: ghcr.io/o/app:latest

    Passes:
        # file: .github/workflows/image.yml
        on:
          workflow_run:
            workflows: ["Release Build"]
            types: [completed]
        jobs:
          image:
            if: github.event.workflow_run.conclusion == 'success'
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: ghcr.io/o/app:latest
    """

    id = "RS436"
    name = "workflow-run-conclusion"
    severity = Severity.WARNING
    message = "add `if: github.event.workflow_run.conclusion == 'success'` to the publishing job"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per publishing job not guarded by the run's conclusion."""
        trigger = file.triggers.get("workflow_run")
        if trigger is None:
            return
        if not publication.pushes_from(ctx, file.path):
            return
        for name, job in file.jobs.items():
            steps = [s for s in job.steps if _publishes(s)]
            if not steps:
                continue
            conditions = [c for c in file.job_conditions(job) if c is not None]
            if any(_CONCLUSION_RE.search(str(c.value)) for c in conditions):
                continue
            if all(s.if_ is not None and _CONCLUSION_RE.search(str(s.if_.value)) for s in steps):
                continue
            yield self.finding(file.path, job.line, job.column, (
                f"job {name} publishes on workflow_run, which fires when the other workflow "
                f"completes whether it succeeded or failed: {self.message}"),
                related=[Related(file.path, trigger.line, "the workflow_run trigger")])


def _publishes(step: wf.Step) -> bool:
    """Whether ``step`` builds and pushes an image (a build-push or bake action, or a docker
    push in its script)."""
    uses = step.uses
    if uses is not None:
        repo = uses.repo.lower()
        return repo.endswith(("/build-push-action", "/bake-action")) or \
            repo == publication.PUBLISH_ACTION
    return step.run is not None and bool(_PUSH_STEP_RE.search(str(step.run.value)))
