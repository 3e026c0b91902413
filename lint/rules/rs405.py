"""RS405: build-push does not push for pull requests."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

GUARD = "${{ github.event_name != 'pull_request' }}"


class RS405(WorkflowRule):
    """Do not push from pull requests: set ``push: ${{ github.event_name != 'pull_request' }}``.

    A pull request build should prove the image builds; pushing it would publish unreviewed code
    under your tags, and fails anyway for forks, which get no registry secrets. A workflow that
    never runs on ``pull_request`` may push unconditionally. A push inside a local composite
    action is judged with the calling workflow's triggers and job, and reported in the action.

    Fails:
        # file: .github/workflows/docker.yml
        on: [push, pull_request]
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: user/app:latest

    Fixed:
        # file: .github/workflows/docker.yml
        on: [push, pull_request]
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  push: ${{ github.event_name != 'pull_request' }}
                  tags: user/app:latest

    Passes:
        # file: .github/workflows/docker.yml
        on: [push, pull_request]
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  push: ${{ github.event_name != 'pull_request' }}
                  tags: user/app:latest
    """

    id = "RS405"
    name = "push-on-pull-request"
    severity = Severity.ERROR
    message = f"set `push: {GUARD}`"
    fixable = "sometimes"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each build-push step that pushes on every pull request."""
        for job, step in file.action_steps(wf.BUILD_PUSH):
            push = step.with_.get("push")
            if push is None or wf.off_for_pull_requests(file, job, step, push) is not False:
                continue
            images = wf.pushed_images(file, job, wf.build_push(file, step))
            if images and all(wf.on_runner(i) for i in images):
                continue  # the job's own registry service (localhost:5000): nothing is published
            yield self.finding(file.path, push.line, push.column, fix=_fix(file, push))
        # a local composite action's build runs in the calling job, after the call's if:
        for job, call, action in wf.local_actions(file, ctx.other_workflows):
            for _inner, step in action.action_steps(wf.BUILD_PUSH):
                push = step.with_.get("push")
                if push is None or wf.off_for_pull_requests(file, job, call, step.if_,
                                                            push) is not False:
                    continue
                images = wf.pushed_images(action, job, wf.build_push(action, step))
                if images and all(wf.on_runner(i) for i in images):
                    continue
                yield self.finding(action.path, push.line, push.column, fix=_fix(action, push))


def _fix(file: wf.Workflow, push: wf.Scalar) -> Fix | None:
    """Replace a literal ``true`` with the guard; anything more elaborate is left to the user."""
    if push.value is not True:
        return None
    span = file.span(push.line, push.column, "true")
    if span is None:
        return None
    return Fix("push only when the run is not for a pull request", (Edit(*span, GUARD),))
