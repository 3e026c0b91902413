"""RS110: dependencies are not compiled into a cache mount that CI's layer cache drops."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule

# Cache backends that keep layers between CI runs (not the builder's own state).
REMOTE_CACHES = frozenset({"gha", "registry", "s3", "azblob", "inline"})
# A workflow step that saves and restores cache mounts between runs.
CACHE_DANCE = "reproducible-containers/buildkit-cache-dance"


class RS110(DockerfileRule):
    """Cook the dependencies into the image layer, not into a cache mount, when CI caches layers.

    A ``RUN --mount=type=cache,target=/app/target cargo chef cook`` writes the compiled
    dependencies into the cache mount, which lives in the builder and is never part of the
    layer: the exported layer cache (``cache-to: type=gha`` or ``type=registry``) holds an empty
    ``target/``. On a laptop the mount persists; on GitHub's runners every run starts with a
    fresh builder and an empty mount, so every CI run compiles every dependency while the cook
    layer is "cached". The same holds for a ``cargo build`` that only warms the dependencies
    (the dummy ``main.rs`` trick) before the sources are copied. Drop the mount from the cook
    (chef's layer then carries ``target/``), or persist the mount between runs
    (``reproducible-containers/buildkit-cache-dance``). Only Dockerfiles a workflow builds with a
    remote layer cache are checked; self-hosted runners keep their builder and are not.

    Fails:
        # file: Dockerfile
        FROM lukemathwalker/cargo-chef:0.1.77-rust-1.95-bookworm AS chef
        WORKDIR /app
        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json
        FROM chef AS builder
        COPY --from=planner /app/recipe.json recipe.json
        RUN --mount=type=cache,target=/app/target \\
            cargo chef cook --release --recipe-path recipe.json
        COPY . .
        RUN cargo build --release
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  cache-from: type=gha
                  cache-to: type=gha,mode=max

    Passes:
        # file: Dockerfile
        FROM lukemathwalker/cargo-chef:0.1.77-rust-1.95-bookworm AS chef
        WORKDIR /app
        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json
        FROM chef AS builder
        COPY --from=planner /app/recipe.json recipe.json
        RUN --mount=type=cache,target=/usr/local/cargo/registry \\
            cargo chef cook --release --recipe-path recipe.json
        COPY . .
        RUN cargo build --release
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  cache-from: type=gha
                  cache-to: type=gha,mode=max
    """

    id = "RS110"
    name = "cook-into-cache-mount"
    severity = Severity.WARNING
    message = ("cook without the target/ cache mount (or persist the mount between runs with "
               "buildkit-cache-dance)")

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        remote = _remote_cache(file, ctx)
        if remote is None:
            return []
        found = []
        for stage in file.stages:
            for call in _dependency_builds(file, stage):
                mount = build.mount_over_target(call)
                if mount is None:
                    continue
                what = "cargo chef cook" if call.action == "cook" else "this dependency build"
                kind, where = remote
                found.append(self.finding(file.path, call.instruction.line, span=file.word_span(
                    call.instruction.line, "--mount=type=cache", "--mount=", word_end=True),
                    message=(
                    f"{what} compiles into the cache mount {mount}, which the layer cache "
                    f"(cache-to: type={kind}) does not keep: every CI run starts with an empty "
                    f"mount and compiles every dependency again; {self.message}"),
                    related=[where]))
        return facts.merge_by_line(found)


def _remote_cache(file: Dockerfile, ctx: Context) -> tuple[str, Related] | None:
    """The type (``gha``) and the ``cache-to:`` entry of the first remote layer cache a
    workflow exports while building ``file`` on a GitHub-hosted runner without persisting cache
    mounts."""
    if "rs110-remote" not in ctx.memo:  # one pass over the workflows per run
        found: dict[str, tuple[str, Related]] = {}
        for image in wf.built_images(ctx.workflows):
            runner = image.job.runs_on.text.lower() if image.job.runs_on else ""
            if image.dockerfile in found or "self-hosted" in runner or any(
                    s.is_action(CACHE_DANCE) for s in image.job.steps):
                continue
            for spec in image.build.cache_to:
                if spec.type in REMOTE_CACHES:
                    found[image.dockerfile] = (spec.type, Related(
                        image.workflow.path, spec.item.line,
                        f"the {spec.type} layer cache is exported here", spec.item.column))
                    break
        ctx.memo["rs110-remote"] = found
    remote: dict[str, tuple[str, Related]] = ctx.memo["rs110-remote"]
    return remote.get(file.path)


def _dependency_builds(file: Dockerfile, stage: Stage) -> list[build.CargoCall]:
    """The cooks of ``stage``, and its cargo builds followed by a later build (warm-ups)."""
    calls = [c for c in build.stage_calls(file, stage, None) if c.builds_project]
    return [c for i, c in enumerate(calls)
            if c.action == "cook" or (c.action == "build" and any(
                later.action == "build" and later.instruction is not c.instruction
                for later in calls[i + 1:]))]
