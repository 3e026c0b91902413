"""RS402: QEMU is set up when a target-platform stage runs commands for a foreign platform."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis.dockerfacts import needed_stages
from rsdock.lint.knowledge import platforms
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS402(WorkflowRule):
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

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each build that runs foreign-platform commands without QEMU."""
        for job in file.jobs.values():
            emulated = False
            for step in job.steps:
                run = step.run.text if step.run else ""
                if step.is_action(wf.SETUP_QEMU) or "binfmt" in run or \
                        wf.SETUP_QEMU in wf.local_action_text(ctx.root, step):
                    emulated = True
                if not step.is_action(wf.BUILD_PUSH) or emulated:
                    continue
                build = wf.build_push(file, step)
                target = step.input_text("target")
                legs = _foreign_legs(job, build)
                for path in wf.dockerfile_paths(job, build) or []:
                    model = ctx.dockerfiles.get(path)
                    if model is None:
                        continue
                    found = [(native, foreign, stage) for native, foreign in legs
                             for stage in [_foreign_run(model, target, native)] if stage]
                    if found:
                        stage = found[0][2]
                        foreign = sorted({p for _native, names, _s in found for p in names})
                        yield self.finding(
                            file.path, step.action.line, step.action.column,
                            f"{path} runs RUN in stage {stage.label} for {', '.join(foreign)}: "
                            f"{self.message}")
                        break


def _foreign_legs(job: wf.Job, build: wf.BuildPush) -> list[tuple[str, list[str]]]:
    """``(runner platform, platforms foreign to it)`` per matrix leg that builds any.

    A matrix choosing both the runner and the platform (a native-runner build) is read leg by
    leg, so an arm64 leg on an arm64 runner is native; a runner decided any other way at run
    time is left alone; otherwise every platform of the step is compared with the job's runner.
    """
    legs = None
    if job.runs_on is not None and "${{" in job.runs_on.text:
        items = [item.text for item in build.platforms]
        pairs = [job.legs(text) for text in items]
        if not pairs or any(p is None for p in pairs) or "${{" in job.runs_on.text.replace(
                "${{ matrix.", ""):
            return []  # the runner is decided at run time: each platform may build natively
        legs = [(leg[0][0], [n for _native, values in leg for v in values
                              for n in v.split(",")]) for leg in zip(*pairs)]
    if legs is None:
        entries, _complete = wf.platform_entries(job, build)
        legs = [(job.native_platform(), [name for _item, name in entries])]
    found = []
    for native, names in legs:
        foreign = sorted({platforms.normalize(n.strip()) for n in names if n.strip()} - {native})
        if foreign:
            found.append((native, foreign))
    return found


def _foreign_run(model: Dockerfile, target: str | None, native: str) -> Stage | None:
    """The first stage the build needs that runs RUN on the target platform, or None."""
    for stage in needed_stages(model, target):
        where = (stage.platform_flag() or "$TARGETPLATFORM").upper()
        on_build = "BUILDPLATFORM" in where or platforms.normalize(where.lower()) == native
        if not on_build and stage.runs():
            return stage
    return None
