"""RS411: no secrets in build-args."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

_SECRET_RE = re.compile(r"\$\{\{[^}]*\b(secrets\.|secrets\[|github\.token\b)")


class RS411(WorkflowRule):
    """Pass secrets with ``secrets:`` and ``RUN --mount=type=secret``, never as build-args.

    A build argument is recorded in the image's history and in the provenance attestation that
    build-push attaches by default: anyone who pulls the image can read it. Build secrets are
    mounted for one ``RUN`` only and stored nowhere.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  build-args: |
                    CARGO_REGISTRY_TOKEN=${{ secrets.CARGO_REGISTRY_TOKEN }}

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  secrets: |
                    cargo_token=${{ secrets.CARGO_REGISTRY_TOKEN }}
    """

    id = "RS411"
    name = "secret-build-arg"
    severity = Severity.ERROR
    message = ("pass it in `secrets:` and read it with RUN --mount=type=secret: build-args are "
               "stored in the image")

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each build-arg whose value comes from a secret."""
        for _job, step in file.action_steps(wf.BUILD_PUSH):
            for item in wf.build_push(file, step).build_args:
                if _SECRET_RE.search(item.text):
                    name = item.text.partition("=")[0].strip()
                    yield self.finding(file.path, item.line, item.column,
                                       f"build-arg {name} holds a secret: {self.message}")
