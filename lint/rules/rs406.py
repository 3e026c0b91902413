"""RS406: exported caches keep every layer (mode=max)."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import build
from rsdock.lint.analysis.dockerfacts import needed_stages
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

# Backends that take a mode; `inline` only ever stores the final stage (min).
MODED = {"gha", "registry", "local", "s3", "azblob"}


class RS406(WorkflowRule):
    """Export the build cache with ``mode=max``, or the cargo-chef dependency layer is lost.

    The default ``mode=min`` caches only the layers of the final stage: the builder stage, whose
    ``cargo chef cook`` layer is the whole point of the cache, is not exported, so every CI run
    recompiles the dependencies. A Dockerfile whose other stages run no cargo (they download or
    move prebuilt binaries) loses nothing worth keeping, and is not flagged.

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
                  cache-from: type=gha,scope=backend
                  cache-to: type=gha,scope=backend

    Fixed:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/setup-buildx-action@v4
              - uses: docker/build-push-action@v7
                with:
                  cache-from: type=gha,scope=backend
                  cache-to: type=gha,scope=backend,mode=max

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/setup-buildx-action@v4
              - uses: docker/build-push-action@v7
                with:
                  cache-from: type=gha,scope=backend
                  cache-to: type=gha,scope=backend,mode=max
    """

    id = "RS406"
    name = "cache-mode-max"
    severity = Severity.WARNING
    message = "add mode=max to cache-to so the builder stage's dependency layers are cached"
    fixable = "sometimes"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each cache-to entry of a moded backend without mode=max."""
        for job, step in file.action_steps(wf.BUILD_PUSH):
            build_step = wf.build_push(file, step)
            if not _loses_cargo_layers(job, build_step, ctx):
                continue
            for spec in build_step.cache_to:
                if "${{" in spec.item.text:
                    continue  # an expression decides the entry (maybe with mode=max): unknown
                if spec.type in MODED and spec.options.get("mode", "min").lower() != "max":
                    yield self.finding(file.path, spec.item.line, spec.item.column,
                                       fix=_fix(file, spec))


def _loses_cargo_layers(job: wf.Job, build_step: wf.BuildPush, ctx: Context) -> bool:
    """Whether ``mode=min`` would drop layers that run cargo: those of stages the build needs
    outside the final stage's own chain. True when the Dockerfile cannot be read."""
    paths = wf.dockerfile_paths(job, build_step) or []
    models = [ctx.dockerfiles[path] for path in paths if path in ctx.dockerfiles]
    if not models or len(models) < len(paths):
        return True
    target = build_step.step.input_text("target")
    for model in models:
        final = model.stage(target) if target else model.final_stage
        if final is None:
            return True
        kept = final.ancestry()
        dropped = [s for s in needed_stages(model, target) if s not in kept]
        if any(build.stage_calls(model, stage, None) for stage in dropped):
            return True
    return False


def _fix(file: wf.Workflow, spec: wf.CacheSpec) -> Fix | None:
    span = file.span(spec.item.line, spec.item.column, spec.item.text)
    if span is None:
        return None  # escaped or folded in the YAML source: not a mechanical edit
    start, end = span
    mode = re.search(r"\bmode\s*=\s*\w+", spec.item.text)
    if mode:
        edit = Edit(start + mode.start(), start + mode.end(), "mode=max")
    else:
        edit = Edit(end, end, ",mode=max")
    return Fix("export the cache with mode=max", (edit,))
