"""RS438: a shell variable in a docker action's ``with:`` input, which nothing expands."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.docker_steps import BUILD_PUSH, LOGIN, METADATA
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

# The docker actions' inputs that name things (registries, users, images, tags, files): the
# action reads each as written (docker/login-action, build-push-action and metadata-action run
# no shell over their inputs; build-push-action passes build-args to BuildKit as they are).
_INPUTS = {
    LOGIN: ("registry", "username", "password"),
    BUILD_PUSH: ("context", "file", "tags", "labels", "build-args", "platforms", "target",
                 "cache-from", "cache-to", "outputs", "push"),
    METADATA: ("images",),
}
# `$NAME` or `${NAME}`, not `${{ ... }}` and not an escaped `$$`.
_SHELL_VAR = re.compile(r"(?<![$\w])\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


class RS438(WorkflowRule):
    """Write ``${{ env.NAME }}`` in ``with:``: a ``$NAME`` there reaches the action as text.

    ``with:`` inputs are not run through a shell: GitHub substitutes ``${{ ... }}`` expressions
    and hands the rest to the action as written. ``username: $ORGANIZATION`` logs in as the user
    ``$ORGANIZATION``, ``tags: ghcr.io/$OWNER/app`` is an invalid reference, and
    ``build-args: VERSION=$VERSION`` passes the eight characters ``$VERSION``. Checked on the
    inputs of docker/login-action, docker/build-push-action and docker/metadata-action that name
    registries, users, images, tags and files.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        env:
          ORGANIZATION: ${{ github.repository_owner }}
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                with:
                  registry: ghcr.io
                  username: $ORGANIZATION
                  password: ${{ secrets.GITHUB_TOKEN }}

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        env:
          ORGANIZATION: ${{ github.repository_owner }}
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                with:
                  registry: ghcr.io
                  username: ${{ env.ORGANIZATION }}
                  password: ${{ secrets.GITHUB_TOKEN }}
    """

    id = "RS438"
    name = "shell-variable-in-with"
    severity = Severity.WARNING
    message = "use an expression (`${{ env.NAME }}`): `with:` inputs are not shell-expanded"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per input that holds a shell variable."""
        for _job, step in file.steps():
            names = next((inputs for action, inputs in _INPUTS.items()
                          if step.is_action(action)), ())
            for name in names:
                value = step.with_.get(name)
                if value is None:
                    continue
                found = _SHELL_VAR.search(value.text.replace("${{", "  {"))
                if found is None:
                    continue
                variable = found[1] or found[2]
                yield self.finding(file.path, value.line, value.column, (
                    f"`{found[0]}` in `{name}:` reaches {step.action.repo} as the text "
                    f"`{found[0]}`: `with:` inputs are not shell-expanded; write "
                    f"`${{{{ env.{variable} }}}}` (or the expression the variable holds)"))
