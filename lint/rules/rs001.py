"""RS001: a file rsdock cannot read or parse."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, ProjectRule


class RS001(ProjectRule):
    """The file cannot be read or parsed, so nothing else in it was checked.

    Every file model (Dockerfile, workflow, .dockerignore) reports what its parser rejects here,
    at the line it rejects; the engine adds files that are binary, not UTF-8 or too large. Fix
    this first: the other rules only see what parsed.

    Fails:
        # file: .github/workflows/ci.yml
        on: [push
        jobs: {}

    Passes:
        # file: .github/workflows/ci.yml
        on: [push]
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - run: echo ok
    """

    id = "RS001"
    name = "unparseable-file"
    severity = Severity.ERROR
    message = "the file cannot be parsed: fix the syntax at this line"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield the parse errors every model in ``ctx`` collected."""
        return ctx.parse_errors()

    def unreadable(self, path: str, line: int, why: str) -> Finding:
        """A finding for a file that never reached a parser (binary, not UTF-8, too large)."""
        return self.finding(path, line, 0, f"rsdock cannot read this file: {why}")
