"""RS003: a suppression without a reason, or naming no rule."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import suppressions
from rsdock.lint.model.context import KINDS
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, ProjectRule, all_rules


class RS003(ProjectRule):
    """A suppression must name real rules and say why: `# rsdock: ignore=RS201 reason`.

    A suppression without a reason, or with a code that names no rule, suppresses nothing, so
    the finding it meant to silence is still reported. Write the codes comma-separated, then the
    reason. In `.dockerignore`, put the suppression on its own line: Docker reads a trailing
    `# ...` as part of the pattern.

    Fails:
        # file: Dockerfile
        FROM debian:bookworm-slim
        # rsdock: ignore=DL3008
        RUN apt-get update && apt-get install -y --no-install-recommends curl

    Passes:
        # file: Dockerfile
        FROM debian:bookworm-slim
        # rsdock: ignore=DL3008 versions come from the dated snapshot mirror
        RUN apt-get update && apt-get install -y --no-install-recommends curl
    """

    id = "RS003"
    name = "malformed-suppression"
    severity = Severity.ERROR
    message = "a suppression needs rule codes and a reason: `# rsdock: ignore=RS201 why`"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per malformed suppression comment in every file of ``ctx``."""
        known = all_rules().__contains__
        for kind in KINDS:
            for path, model in ctx.models(kind).items():
                _, bad = suppressions.parse(kind, path, getattr(model, "text", "") or "", known)
                for item in bad:
                    yield self.finding(item.path, item.line, item.column, item.problem)
