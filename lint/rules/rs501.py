"""RS501: every platform the workflow builds has an arm in the Dockerfile's platform case."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build
from rsdock.lint.knowledge import platforms
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.model.paths import glob_match
from rsdock.lint.model.shell import Case
from rsdock.lint.rules.rule import Context, ProjectRule


class RS501(ProjectRule):
    """Give every platform the workflow builds an arm in the Dockerfile's ``case "$TARGETPLATFORM"``.

    The builder maps ``TARGETPLATFORM`` to a Rust triple with a ``case``; a platform the
    workflow adds without an arm falls to ``*) exit 1`` (the build fails late) or, worse, to a
    default arm that builds another architecture's binary. A Dockerfile that does not branch
    on the platform (``xx-cargo``, ``cargo zigbuild``, a single target) is not checked here.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64,linux/arm/v7
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \\
              linux/amd64) echo x86_64-unknown-linux-gnu > /target ;; \\
              linux/arm64) echo aarch64-unknown-linux-gnu > /target ;; \\
              *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \\
            esac

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \\
              linux/amd64) echo x86_64-unknown-linux-gnu > /target ;; \\
              linux/arm64) echo aarch64-unknown-linux-gnu > /target ;; \\
              *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \\
            esac
    """

    id = "RS501"
    name = "workflow-platform-has-arm"
    severity = Severity.ERROR
    message = "add an arm for this platform to the Dockerfile's platform case, or stop building it"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield a finding at each workflow platform that a built Dockerfile's case lacks."""
        for image in wf.built_images(ctx.workflows):
            model = ctx.dockerfiles.get(image.dockerfile)
            if model is None or model.errors:
                continue
            cases = [case for stage in model.stages
                     for _inst, case in build.platform_cases(model, stage)
                     if build.chooses_target(case)]  # not one that only tunes a platform
            for where, name in image.platforms:
                if platforms.misspelled(name):
                    continue  # RS409 says how to spell it; an arm for the typo would not help
                missing = [case for case in cases if not _has_arm(case, name)]
                if not missing:
                    continue
                known = platforms.get(name)
                hint = f" (triple {known.gnu_triple})" if known else ""
                yield self.finding(
                    image.workflow.path, where.line, where.column,
                    f"{image.dockerfile}'s platform case has no arm for {name}{hint}: "
                    f"{self.message}", related=[Related(
                        image.dockerfile, missing[0].line, f"the case without a {name} arm")])


def _has_arm(case: Case, name: str) -> bool:
    """Whether an explicit (non-``*``) arm of ``case`` matches platform ``name``."""
    value = build.case_value(case, name)
    return any(p != "*" and glob_match(value, p) for arm in case.arms
               for p in arm.patterns)
