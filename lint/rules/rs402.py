"""RS402: QEMU is set up when a target-platform stage runs commands for a foreign platform."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.knowledge import platforms
from rsdock.lint.analysis.dockerfacts import needed_stages
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, Rule


class RS402(Rule):
    """Set up QEMU when a built Dockerfile runs ``RUN`` in a stage of a non-native platform.

    Cross-compiling keeps the compiler on ``$BUILDPLATFORM``, but a runtime stage's ``RUN
    apt-get install`` still executes on the target platform: without
    ``docker/setup-qemu-action`` the arm64 and arm/v7 builds fail with ``exec format error``.
    A build of the runner's own platform, or of a Dockerfile whose foreign-platform stages only
    ``COPY``, needs no QEMU. The Dockerfile must be among the linted files to be checked.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/setup-buildx-action@v4
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64
        # file: Dockerfile
        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends tini

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/setup-qemu-action@v4
              - uses: docker/setup-buildx-action@v4
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64
        # file: Dockerfile
        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends tini
    """

    id = "RS402"
    name = "qemu-for-foreign-run"
    severity = Severity.ERROR
    message = "add a docker/setup-qemu-action step before this build"
    target = "workflow"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each build that runs foreign-platform commands without QEMU."""
        for job in file.jobs.values():
            emulated = False
            for step in job.steps:
                run = step.run.text if step.run else ""
                if step.is_action(wf.SETUP_QEMU) or "binfmt" in run:
                    emulated = True
                if not step.is_action(wf.BUILD_PUSH) or emulated:
                    continue
                build = wf.build_push(file, step)
                if job.runs_on is not None and "${{" in job.runs_on.text:
                    continue  # a matrix picks the runner: each platform may build natively
                native = job.native_platform()
                entries, _complete = wf.platform_entries(job, build)
                foreign = sorted({platforms.normalize(name) for _item, name in entries} - {native})
                target = step.input_text("target")
                for path in wf.dockerfile_paths(job, build) or []:
                    model = ctx.dockerfiles.get(path)
                    stage = _foreign_run(model, target, native) if foreign and model else None
                    if stage is not None:
                        yield self.finding(
                            file.path, step.uses.line, step.uses.column,
                            f"{path} runs RUN in stage {stage.label} for {', '.join(foreign)}: "
                            f"{self.message}")
                        break


def _foreign_run(model, target: str | None, native: str):
    """The first stage the build needs that runs RUN on the target platform, or None."""
    for stage in needed_stages(model, target):
        where = (stage.platform_flag() or "$TARGETPLATFORM").upper()
        on_build = "BUILDPLATFORM" in where or platforms.normalize(where.lower()) == native
        if not on_build and stage.runs():
            return stage
    return None
