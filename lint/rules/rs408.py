"""RS408: the Dockerfile a build-push step names exists."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS408(WorkflowRule):
    """Point ``file:`` at a Dockerfile that exists (paths are relative to the repository root).

    Without ``file:`` the action builds ``<context>/Dockerfile``. A renamed or mistyped
    Dockerfile fails the build only when CI reaches that step.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  file: ./Dockerfile.backend

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  file: ./Dockerfile
        # file: Dockerfile
        FROM debian:bookworm-slim
    """

    id = "RS408"
    name = "dockerfile-exists"
    severity = Severity.ERROR
    message = "point file: at an existing Dockerfile"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each built Dockerfile that is missing from the repository."""
        for job, step in file.action_steps(wf.BUILD_PUSH):
            build = wf.build_push(file, step)
            where = build.file or step.action
            for path in wf.dockerfile_paths(job, build) or []:
                if path in ctx.dockerfiles or (ctx.root / path).is_file():
                    continue
                hint = "" if build.file else " (the default when file: is not set)"
                yield self.finding(file.path, where.line, where.column,
                                   f"{path}{hint} does not exist: {self.message}")
