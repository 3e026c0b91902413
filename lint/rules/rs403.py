"""RS403: registry login uses an access token secret, never a password or a literal."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule
from rsdock.records import replace

_SECRET_RE = re.compile(r"\bsecrets\.([A-Za-z0-9_]+)|\bsecrets\[\s*'([^']+)'\s*\]")
_PASSWORD_RE = re.compile(r"PASSWORD|PASSWD|(^|_)PASS($|_)|PWD", re.IGNORECASE)


class RS403(WorkflowRule):
    """Log in with an access token secret, never an account password or a literal.

    A Docker Hub access token can be scoped and revoked without touching the account; a
    password cannot, and a literal is readable by everyone who can read the repository. Store a
    token (Docker Hub: Account settings, Personal access tokens) as ``DOCKERHUB_TOKEN``, or use
    ``secrets.GITHUB_TOKEN`` for ghcr.io. Other expressions (an ECR login step's output, a
    robot account secret) are not flagged. A secret whose name says password is reported as
    info: the name is a hint, and many such secrets hold a token.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                with:
                  username: ${{ secrets.DOCKERHUB_USERNAME }}
                  password: ${{ secrets.DOCKERHUB_PASSWORD }}

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                with:
                  username: ${{ secrets.DOCKERHUB_USERNAME }}
                  password: ${{ secrets.DOCKERHUB_TOKEN }}
    """

    id = "RS403"
    name = "login-token-secret"
    severity = Severity.ERROR
    message = ("pass an access token secret as the login password (secrets.DOCKERHUB_TOKEN, or "
               "secrets.GITHUB_TOKEN for ghcr.io)")

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each login whose password is a literal or a password secret."""
        for _job, step in file.action_steps(wf.LOGIN):
            password = step.with_.get("password")
            if password is None or not password.text.strip():
                continue
            text = password.text
            if "${{" not in text:
                yield self.finding(file.path, password.line, password.column,
                                   f"the login password is written in the workflow: "
                                   f"{self.message}")
                continue
            for match in _SECRET_RE.finditer(text):
                name = match[1] or match[2]
                if _PASSWORD_RE.search(name) and "TOKEN" not in name.upper():
                    # the name is a hint, not proof (many hold a token): info, not an error
                    finding = self.finding(
                        file.path, password.line, password.column,
                        f"secrets.{name} is named like an account password; if it is one, "
                        f"{self.message} (the name alone cannot tell)")
                    yield replace(finding, severity=Severity.INFO)
