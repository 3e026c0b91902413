"""RS502: the Rust target built for each workflow platform is that platform's triple."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.knowledge import platforms
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.dockerfile import Dockerfile, Instruction, Stage
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, ProjectRule


class RS502(ProjectRule):
    r"""Build each platform's own Rust triple: a fixed ``--target`` puts one architecture in every image.

    The workflow decides the platforms; the Dockerfile must follow ``TARGETPLATFORM``. A
    Dockerfile that always builds ``--target x86_64-unknown-linux-gnu`` (or whose ``if`` chain
    never reaches a platform's triple) produces a linux/arm64 image holding an x86-64 binary,
    which fails with ``exec format error`` only when it runs. So does a ``cargo build`` with no
    ``--target`` in an official Rust image started ``FROM --platform=$BUILDPLATFORM``: it
    compiles for the build machine. So, for the whole image, does a final (runtime) stage
    started ``FROM --platform=$BUILDPLATFORM``. Dockerfiles that branch with a
    ``case`` on the platform are checked arm by arm by RS204 instead.

    Fails:
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
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target x86_64-unknown-linux-gnu

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target x86_64-unknown-linux-gnu
    """

    id = "RS502"
    name = "workflow-platform-triple"
    severity = Severity.ERROR
    message = "derive --target from TARGETPLATFORM (a case mapping each platform to its triple)"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield a finding where no cargo call compiles a workflow platform's own triple."""
        seen: set[tuple[str, int] | tuple[str, int, str]] = set()
        for image in wf.built_images(ctx.workflows):
            model = ctx.dockerfiles.get(image.dockerfile)
            if model is None or model.errors:
                continue
            pinned = _final_pinned_to_build(model, image)
            if pinned is not None and (model.path, pinned.line) not in seen:
                seen.add((model.path, pinned.line))
                names = ", ".join(n for _w, n in image.platforms)
                yield self.finding(
                    model.path, pinned.line, 0,
                    f"{image.workflow.path} builds {names}, but the image's final stage runs "
                    "FROM --platform=$BUILDPLATFORM, so every image holds the build machine's "
                    "files: drop --platform from the runtime stage's FROM")
            target = image.step.input_text("target")
            if target and model.stage(target) is None:
                target = None  # a computed target: judge every stage
            # `FROM build-${TARGETARCH}` builds each per-platform stage for its platform only
            needed = {name: {s.index for s in facts.needed_stages(
                model, target, build.platform_args(name))} for _where, name in image.platforms}
            for stage in model.stages:
                if build.platforms_of(model, stage) != [None]:
                    continue  # a platform case: RS204 checks each arm's triple
                for where, name in image.platforms:
                    if stage.index not in needed[name]:
                        continue  # a stage BuildKit does not build for this platform
                    wanted = platforms.get(name)
                    host = _host_triple(model, stage, name, image.job)
                    calls = [c for c in build.stage_calls(model, stage, name)
                             if c.builds_project and (c.target or host and c.tool == "cargo")]
                    # Any unresolved target might be the right one: only judge known triples.
                    built = {platforms.by_triple(triple) if (triple := c.target or host) else None
                             for c in calls}
                    if wanted is None or not calls or None in built or wanted in built:
                        continue
                    key = (model.path, calls[0].line, name)
                    if key in seen:
                        continue
                    seen.add(key)
                    other = ", ".join(sorted({c.target or f"{host} (no --target on "
                                              "$BUILDPLATFORM builds for the build machine)"
                                              for c in calls}))
                    yield self.finding(
                        model.path, calls[0].line, 0, span=calls[0].span(
                            model, calls[0].target or "--target"), message=(
                            f"a workflow builds {name}, but cargo here only "
                            f"compiles {other}, not {wanted.gnu_triple}: {self.message}"),
                        related=[Related(image.workflow.path, where.line, f"builds {name}",
                                         where.column)])


def _final_pinned_to_build(model: Dockerfile, image: wf.BuiltImage) -> Instruction | None:
    """The FROM that pins the built image's final stage to ``$BUILDPLATFORM``, when the
    workflow builds more than one platform; else None."""
    if len({n for _w, n in image.platforms}) < 2:
        return None
    target = image.step.input_text("target")
    final = model.stage(target) if target else model.final_stage
    if final is None or build.is_build_image(model, final):
        return None  # a final stage that compiles is RS301's finding
    flagged = next((s for s in final.ancestry() if s.platform), None)
    if flagged is None or flagged.platform is None or "BUILDPLATFORM" not in flagged.platform.upper():
        return None
    return flagged.from_


def _host_triple(model: Dockerfile, stage: Stage, platform: str, job: wf.Job) -> str | None:
    """The triple a ``cargo build`` without ``--target`` compiles in ``stage`` for
    ``platform``, when that is surely the build machine's: an official Rust image (no default
    target in its ENV) pinned to ``$BUILDPLATFORM``, on a runner we can name. None otherwise."""
    if facts.rust_version(facts.root_image(stage)) is None:
        return None
    flagged = stage.platform_flag(build.platform_args(platform))
    if flagged is None or "BUILDPLATFORM" not in flagged.upper():
        return None
    if job.runs_on is None or "${{" in job.runs_on.text:
        return None  # a runner per matrix entry: each may build natively
    return platforms.require(job.native_platform()).gnu_triple
