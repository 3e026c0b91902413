"""RS412: the workflow's token has least-privilege permissions."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS412(WorkflowRule):
    """Declare least-privilege ``permissions:`` (``contents: read``; ``packages: write`` for ghcr.io).

    Without a ``permissions`` block the ``GITHUB_TOKEN`` gets the repository's default, which on
    older repositories is read-write on everything, and every action in the job holds it.
    ``write-all`` does the same on purpose. Declare the block at the top (or on every job).
    Only workflows that use docker's actions (themselves, or in a local composite action they
    run) are checked.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/setup-buildx-action@v4

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        permissions:
          contents: read
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/setup-buildx-action@v4
    """

    id = "RS412"
    name = "least-privilege-permissions"
    severity = Severity.WARNING
    message = ("add `permissions: {contents: read}` at the top of the workflow (and "
               "`packages: write` where a job pushes to ghcr.io)")

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for a missing permissions block and for each ``write-all``."""
        if not wf.uses_docker(file) and not any(
                wf.uses_docker(action)
                for _job, _step, action in wf.local_actions(file, ctx.other_workflows)):
            return  # neither it nor a local composite action it runs uses docker's actions
        for scope in [file.permissions] + [job.permissions for job in file.jobs.values()]:
            if scope is not None and scope.text.strip() == "write-all":
                yield self.finding(file.path, scope.line, scope.column,
                                   f"write-all gives every step every permission: "
                                   f"{self.message}")
        unguarded = [job for job in file.jobs.values() if job.permissions is None]
        if file.permissions is None and unguarded:
            names = ", ".join(job.id for job in unguarded)
            yield self.finding(file.path, file.triggers_line, 0,
                               f"no permissions block covers job(s) {names}: {self.message}")
