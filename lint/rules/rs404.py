"""RS404: registry login is skipped for pull requests."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Applicability, Edit, Finding, Fix, Severity, line_offsets
from rsdock.lint.rules.rule import Context, WorkflowRule


GUARD = "github.event_name != 'pull_request'"
_GITHUB_TOKEN_RE = re.compile(r"\bsecrets\.GITHUB_TOKEN\b|\bgithub\.token\b", re.IGNORECASE)


class RS404(WorkflowRule):
    """Skip the registry login on pull requests: forks get no secrets, so their builds fail.

    A workflow that runs on ``pull_request`` runs for pull requests from forks too, and GitHub
    gives those runs no secrets: ``docker/login-action`` then fails and the whole build with it.
    Guard the login (and the push) with ``if: github.event_name != 'pull_request'``. A workflow
    that never runs on ``pull_request`` needs no guard, a login with ``secrets.GITHUB_TOKEN``
    (which fork runs get, read-only) is not flagged, nor is a guard rsdock cannot decide (a
    check of the pull request's repository). A login inside a local composite action is judged
    with the calling job's conditions and reported in the action.

    Fails:
        # file: .github/workflows/docker.yml
        on:
          push:
          pull_request:
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                with:
                  username: ${{ secrets.DOCKERHUB_USERNAME }}
                  password: ${{ secrets.DOCKERHUB_TOKEN }}

    Fixed:
        # file: .github/workflows/docker.yml
        on:
          push:
          pull_request:
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                if: github.event_name != 'pull_request'
                with:
                  username: ${{ secrets.DOCKERHUB_USERNAME }}
                  password: ${{ secrets.DOCKERHUB_TOKEN }}

    Passes:
        # file: .github/workflows/docker.yml
        on:
          push:
          pull_request:
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                if: github.event_name != 'pull_request'
                with:
                  username: ${{ secrets.DOCKERHUB_USERNAME }}
                  password: ${{ secrets.DOCKERHUB_TOKEN }}
    """

    id = "RS404"
    name = "login-on-pull-request"
    severity = Severity.ERROR
    message = f"add `if: {GUARD}` to the login step"
    fixable = "sometimes"
    fix_applicability = Applicability.UNSAFE
    fix_note = ('A job that pushes on pull requests too would then push without a login: check the push '
                'step has the same condition.')

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each login step that runs on every pull request."""
        for job, step in file.action_steps(wf.LOGIN):
            password = step.with_.get("password")
            if password is not None and _GITHUB_TOKEN_RE.search(password.text):
                continue  # fork runs get a read-only GITHUB_TOKEN: this login still works
            if wf.off_for_pull_requests(file, job, step) is False:
                yield self.finding(file.path, step.action.line, step.action.column,
                                   fix=_fix(file, step))
        # a local composite action's login runs in the calling job, after the call's if:
        for job, call, action in wf.local_actions(file, ctx.other_workflows):
            for _inner, step in action.action_steps(wf.LOGIN):
                password = step.with_.get("password")
                if password is not None and _GITHUB_TOKEN_RE.search(password.text):
                    continue
                if wf.off_for_pull_requests(file, job, call, step.if_) is False:
                    yield self.finding(action.path, step.action.line, step.action.column,
                                       fix=_fix(action, step))


def _fix(file: wf.Workflow, step: wf.Step) -> Fix | None:
    """Insert the guard below a one-line ``uses:``; an existing ``if:`` is the user's to edit."""
    if step.if_ is not None:
        return None
    key_line, key_column = step.data.lc.key("uses")
    if step.data.lc.value("uses")[0] != key_line:
        return None
    offsets = line_offsets(file.text)
    if key_line + 1 >= len(offsets):
        return None  # no newline after the last line to insert behind
    text = " " * key_column + f"if: {GUARD}\n"
    return Fix("skip the login on pull requests",
               (Edit(offsets[key_line + 1], offsets[key_line + 1], text),))
