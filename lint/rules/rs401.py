"""RS401: Buildx is set up before a build that needs it."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS401(WorkflowRule):
    """Set up Buildx (docker/setup-buildx-action) before a multi-platform or cached build-push.

    The runner's default ``docker`` driver cannot build several platforms at once nor export a
    ``type=gha`` cache; ``docker/setup-buildx-action`` creates the docker-container builder that
    can. A single-platform build without an exported cache works without it and is not flagged,
    nor is a build after a ``docker buildx create`` run step.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/setup-buildx-action@v4
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64
    """

    id = "RS401"
    name = "buildx-before-build-push"
    severity = Severity.ERROR
    message = ("add a docker/setup-buildx-action step before this build: the default docker "
               "driver cannot build several platforms or export a cache")

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each build-push step that needs Buildx before it is set up."""
        for job in file.jobs.values():
            ready = False
            for step in job.steps:
                run = step.run.text if step.run else ""
                if step.is_action(wf.SETUP_BUILDX) or "buildx create" in run or \
                        _local_action_sets_up_buildx(ctx, step):
                    ready = True
                elif step.is_action(wf.BUILD_PUSH) and not ready and _needs_buildx(file, step):
                    yield self.finding(file.path, step.action.line, step.action.column)


def _needs_buildx(workflow: wf.Workflow, step: wf.Step) -> bool:
    build = wf.build_push(workflow, step)
    if "builder" in step.with_:
        return False  # the user names a builder they created some other way
    exported = [c for c in build.cache_to if c.type != "inline"]
    reads_gha = any(c.type == "gha" for c in build.cache_from)
    return len(build.platforms) > 1 or bool(exported) or reads_gha


def _local_action_sets_up_buildx(ctx: Context, step: wf.Step) -> bool:
    """Whether ``uses: ./path`` is a composite action of the repository that runs
    docker/setup-buildx-action (or ``buildx create``) itself."""
    text = wf.local_action_text(ctx.root, step)
    return wf.SETUP_BUILDX in text or "buildx create" in text
