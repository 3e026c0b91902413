"""RS417: every run that pushes an image has logged in first."""

from __future__ import annotations

import re
from typing import Any, Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.expressions import is_off, push_context
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

# Steps that log in to a registry (the actions RS416 knows, and `docker login` in a script).
_LOGIN_ACTIONS = (wf.LOGIN, "aws-actions/amazon-ecr-login", "azure/docker-login")
_DOCKER_LOGIN = re.compile(r"\bdocker\s+login\b")
_DOCKER_PUSH = re.compile(r"\bdocker\s+(?:image\s+)?push\s+(?:-\S+\s+)*(\S+)|"
                          r"\bdocker\s+buildx\s+build\b[^\n]*--push\b()")


class RS417(WorkflowRule):
    """Log in on every run that pushes: a login guarded more narrowly than the push fails it.

    A job that logs in only ``if: github.ref == 'refs/heads/master'`` but pushes on every
    branch (``push: true``, or ``push: ${{ github.event_name != 'pull_request' }}``) pushes
    without credentials on any other branch or tag: the push is refused ("unauthorized" or
    "denied") after the whole build. rsdock evaluates the job's ``if:`` (and those of the jobs
    it ``needs:``), each login step's and the push's conditions for each kind of push the
    workflow's ``on: push`` filters admit, and reports a push that surely runs where every login
    before it surely does not. Give the login the push's condition, or the push the login's.
    (Pull requests are RS404's and RS405's.)

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                if: github.ref == 'refs/heads/master'
                with:
                  username: ${{ secrets.DOCKERHUB_USERNAME }}
                  password: ${{ secrets.DOCKERHUB_TOKEN }}
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: acme/app:latest

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                if: github.ref == 'refs/heads/master'
                with:
                  username: ${{ secrets.DOCKERHUB_USERNAME }}
                  password: ${{ secrets.DOCKERHUB_TOKEN }}
              - uses: docker/build-push-action@v7
                with:
                  push: ${{ github.ref == 'refs/heads/master' }}
                  tags: acme/app:latest
    """

    id = "RS417"
    name = "push-without-login"
    severity = Severity.ERROR
    message = "give the login the push's condition (or the push the login's)"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each push that runs on some push event where no login does."""
        refs = file.push_refs()
        if not refs:
            return
        for job in file.jobs.values():
            job_conditions = [c.value if c is not None else None
                              for c in file.job_conditions(job)]
            logins: list[wf.Step] = []
            for step in job.steps:
                if _is_login(step):
                    logins.append(step)
                    continue
                push = _push_condition(file, job, step)
                if push is _NOT_A_PUSH or not logins:
                    continue
                for ref, described in refs:
                    context = push_context(ref)
                    if is_off(*job_conditions, _value(step.if_), push, context=context) is not False:
                        continue
                    if all(is_off(_value(login.if_), context=context) is True
                           for login in logins):
                        yield self.finding(file.path, step.line, step.column, (
                            f"on {described} this step pushes but "
                            f"{'the login is' if len(logins) == 1 else 'every login is'} "
                            f"skipped, so the push is refused: {self.message}"), related=[
                                Related(file.path, login.line, f"skipped on {described}",
                                        login.column) for login in logins])
                        break


_NOT_A_PUSH: Any = object()
# A script that tests something (its branch, a variable) before pushing: its own condition.
_SHELL_CONDITION = re.compile(r"\bif\b|\bcase\b|\[\[?\s|\btest\s")


def _value(scalar: wf.Scalar | None) -> Any:
    return scalar.value if scalar is not None else None


def _is_login(step: wf.Step) -> bool:
    if any(step.is_action(repo) for repo in _LOGIN_ACTIONS):
        return True
    return step.run is not None and _DOCKER_LOGIN.search(step.run.text) is not None


def _push_condition(file: wf.Workflow, job: wf.Job, step: wf.Step) -> Any:
    """The condition under which ``step`` pushes (None: whenever it runs), or
    :data:`_NOT_A_PUSH`: a build-push ``push:`` input (to a registry off the runner) or a
    ``docker push`` in a script."""
    if step.is_action(wf.BUILD_PUSH):
        push = step.with_.get("push")
        if push is None or push.value in (False, "false"):
            return _NOT_A_PUSH
        images = wf.pushed_images(file, job, wf.build_push(file, step))
        if images and all(wf.on_runner(i) for i in images):
            return _NOT_A_PUSH
        return push.value
    if step.run is not None:
        if _SHELL_CONDITION.search(step.run.text):
            return _NOT_A_PUSH  # the script decides when it pushes: not judged
        pushed = [m[1] for m in _DOCKER_PUSH.finditer(step.run.text)]
        if pushed and not all(image and wf.on_runner(image) for image in pushed):
            return None
    return _NOT_A_PUSH
