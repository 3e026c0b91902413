"""RS203: a platform case rejects unknown platforms."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS203(DockerfileRule):
    r"""End a ``case "$TARGETPLATFORM"`` with a ``*)`` arm that exits non-zero.

    Without it an unsupported platform (or an undeclared, empty ``TARGETPLATFORM``) matches no
    arm, the script carries on with no target chosen, and the build fails later with a
    confusing error, or produces a binary for the wrong platform.

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) echo x86_64-unknown-linux-gnu > /target ;; \
              linux/arm64) echo aarch64-unknown-linux-gnu > /target ;; \
            esac

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) echo x86_64-unknown-linux-gnu > /target ;; \
              linux/arm64) echo aarch64-unknown-linux-gnu > /target ;; \
              *) echo "unsupported platform: $TARGETPLATFORM" >&2; exit 1 ;; \
            esac
    """

    id = "RS203"
    name = "reject-unknown-platform"
    severity = Severity.ERROR
    message = "add `*) echo \"unsupported platform: $TARGETPLATFORM\" >&2; exit 1 ;;` to the case"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        for stage in file.stages:
            for _inst, case in build.platform_cases(file, stage):
                if not build.chooses_target(case):
                    continue  # tunes one platform (a jemalloc page size): not the triple map
                default = [a for a in case.arms if "*" in a.patterns]
                if not default:
                    found.append(self.finding(file.path, case.line, span=file.word_span(
                        case.line, f"case {case.subject} in", f"case {case.subject}", "case "),
                        message=(
                        f"case {case.subject} has no `*)` arm: an unsupported platform goes on "
                        "with no target; add `*) echo \"unsupported platform: $TARGETPLATFORM\""
                        " >&2; exit 1 ;;`")))
                elif not default[0].exits_nonzero:
                    found.append(self.finding(file.path, default[0].line, span=file.word_span(
                        default[0].line, "*)"), message=(
                        "the `*)` arm does not exit non-zero: end it with `exit 1` so an "
                        "unsupported platform stops the build")))
        return list(facts.unique(found))
