"""RS209: no compiler runs under QEMU for a platform the workflow builds."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build
from rsdock.lint.analysis.dockerfacts import needed_stages
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, ProjectRule

_COMPILING = ("build", "cook", "prepare", "install", "rustc", "test", "check", "auditable")


class RS209(ProjectRule):
    """Run cargo on ``$BUILDPLATFORM``: a stage without it compiles under QEMU for every foreign platform.

    A stage runs on the platform being built unless its ``FROM`` (or that of the stage it is
    built from) says ``--platform=$BUILDPLATFORM``. When the workflow builds ``linux/arm64`` on
    an amd64 runner, every ``cargo build``, ``cargo chef prepare``/``cook`` and ``cargo install``
    of that stage then runs emulated by QEMU: typically 5 to 10 times slower, and it can time
    out. A planner or chef stage needs no platform at all (its output is the same everywhere):
    put it on ``$BUILDPLATFORM``. A builder then cross-compiles (``--target`` from
    ``TARGETPLATFORM``, the cross linker), or each platform is built on a native runner. A
    stage that cross-compiles without the flag is RS201's finding, not this one's. Only the
    stages the build's ``target:`` needs are judged; a target decided at run time is left
    alone.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/setup-qemu-action@v4
              - uses: docker/setup-buildx-action@v4
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64
        # file: Dockerfile
        FROM rust:1.95 AS build
        WORKDIR /app
        COPY . .
        RUN cargo build --release
        FROM debian:bookworm-slim
        COPY --from=build /app/target/release/app /usr/local/bin/app

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/setup-buildx-action@v4
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64
        # file: Dockerfile
        FROM rust:1.95 AS build
        WORKDIR /app
        COPY . .
        RUN cargo build --release
        FROM debian:bookworm-slim
        COPY --from=build /app/target/release/app /usr/local/bin/app
    """

    id = "RS209"
    name = "compile-under-qemu"
    severity = Severity.WARNING
    message = "put the stage on --platform=$BUILDPLATFORM and cross-compile, or build each " \
              "platform on a native runner"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per emulated compiling stage of each Dockerfile a workflow builds."""
        if not ctx.workflows:
            return
        reported: set[tuple[str, int]] = set()
        for image in wf.built_images(ctx.workflows):
            runner = image.job.runs_on.text if image.job.runs_on else ""
            if "${{" in runner:
                continue  # a matrix picks the runner: each platform may build natively
            native = image.job.native_platform()
            foreign = sorted({p for _where, p in image.platforms if p != native})
            model = ctx.dockerfiles.get(image.dockerfile)
            if not foreign or model is None or model.errors:
                continue
            # the stages the build's `target:` needs, for each value a matrix gives it; a target
            # only known at run time (`${{ inputs.stage }}`) may be any stage: cannot tell
            written = (image.step.input_text("target") or "").strip()
            targets = image.job.expand(written) if written else [""]
            if targets is None:
                continue
            stages = {s.index: s for t in targets for s in needed_stages(model, t or None)}
            for stage in [stages[i] for i in sorted(stages)]:
                flag = stage.platform_flag()
                if flag and "TARGET" not in flag:
                    continue  # on $BUILDPLATFORM (or a fixed platform): not emulated
                calls = [c for c in build.stage_calls(model, stage, None)
                         if c.action in _COMPILING and c.tool in ("cargo", "cross")]
                if not calls or build.cross_targets(model, stage):
                    continue  # nothing compiles here, or RS201 says it
                root = stage.ancestry()[-1] if not flag else stage
                key = (model.path, root.from_.line)
                if key in reported:
                    continue
                reported.add(key)
                yield self.finding(model.path, root.from_.line, 0, (
                    f"stage {stage.label} runs cargo {calls[0].action} "
                    f"on the platform being built, and {image.workflow.path} builds "
                    f"{', '.join(foreign)} on a {native} runner: it compiles under QEMU "
                    f"emulation, {self.message}"), related=[
                        Related(model.path, calls[0].line, f"cargo {calls[0].action} runs here"),
                        Related(image.workflow.path, image.step.line,
                                f"builds {', '.join(foreign)} on a {native} runner",
                                image.step.column)])
