"""RS407: each image writes its own gha cache scope."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis.build import compiling_calls
from rsdock.lint.analysis.dockerfacts import needed_stages
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

DEFAULT_SCOPE = "buildkit"


# Dockerfiles, target stage, platforms.
ImageKey = tuple[tuple[str, ...], str, tuple[str, ...]]


class RS407(WorkflowRule):
    """Give each image its own ``type=gha`` cache ``scope``: a shared scope evicts the other's.

    Every ``type=gha`` export without ``scope=`` writes the scope ``buildkit``. Two images (the
    backend and the frontend, or one image per matrix entry) then overwrite each other's cache
    index, and each run finds the other image's layers. Name the scope after the image, e.g.
    ``cache-to: type=gha,scope=backend,mode=max`` (with the same ``scope`` in ``cache-from``).
    Steps that build the same Dockerfile for the same platforms may share a scope, and so may
    steps building different ``target:`` stages of one Dockerfile that share the stage which
    compiles (one builder for many images: each export holds that builder's layers).

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
                  file: ./Dockerfile
                  cache-from: type=gha
                  cache-to: type=gha,mode=max
              - uses: docker/build-push-action@v7
                with:
                  file: ./Dockerfile.frontend
                  cache-from: type=gha
                  cache-to: type=gha,mode=max

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
                  file: ./Dockerfile
                  cache-from: type=gha,scope=backend
                  cache-to: type=gha,scope=backend,mode=max
              - uses: docker/build-push-action@v7
                with:
                  file: ./Dockerfile.frontend
                  cache-from: type=gha,scope=frontend
                  cache-to: type=gha,scope=frontend,mode=max
    """

    id = "RS407"
    name = "gha-cache-scope"
    severity = Severity.WARNING
    message = "give this image its own cache scope (type=gha,scope=<image>,mode=max)"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding where a gha cache export reuses a scope another image writes."""
        writers: dict[str, tuple[ImageKey, wf.Step]] = {}
        for job, step in file.action_steps(wf.BUILD_PUSH):
            build = wf.build_push(file, step)
            image = _image_key(job, build, ctx)
            for spec in build.cache_to:
                if spec.type != "gha":
                    continue
                raw = spec.options.get("scope", DEFAULT_SCOPE)
                scopes = job.expand(raw)
                if scopes is None:
                    continue  # decided at run time: rsdock cannot tell
                combos = job.matrix_combinations() or [{}]
                if len(combos) > 1 and len(scopes) == 1 and _varies(job, build):
                    yield self.finding(
                        file.path, spec.item.line, spec.item.column,
                        f"every entry of job {job.id}'s matrix writes the cache scope "
                        f"{scopes[0]!r}: add the matrix value to it "
                        f"(scope=<image>-${{{{ matrix.<key> }}}})")
                    continue
                for scope in scopes:
                    first = writers.setdefault(scope, (image, step))
                    if first[0] != image:
                        yield self.finding(
                            file.path, spec.item.line, spec.item.column,
                            f"cache scope {scope!r} is also written by "
                            f"{first[1].label()!r}: {self.message}", related=[
                                Related(file.path, first[1].line,
                                        f"{first[1].label()!r} writes the scope",
                                        first[1].column)])
                        break


def _image_key(job: wf.Job, build: wf.BuildPush, ctx: Context) -> ImageKey:
    """What makes two builds the same image for the cache: Dockerfile, platforms and the
    target stage, or, for targets of one Dockerfile needing the same compiling stage (a shared
    builder), that stage."""
    files = wf.dockerfile_paths(job, build)
    target = build.step.input_text("target") or ""
    models = [ctx.dockerfiles.get(path) for path in files or ()]
    if len(models) == 1 and models[0] is not None:
        model = models[0]
        compiling = [stage.label for stage in needed_stages(model, target or None)
                     if compiling_calls(model, stage)]
        if compiling:
            target = "builder:" + ",".join(compiling)
    return (tuple(files or ()), target, tuple(sorted(p.text for p in build.platforms)))


def _varies(job: wf.Job, build: wf.BuildPush) -> bool:
    """Whether the step builds something different per matrix entry."""
    inputs = [build.file, build.context, build.step.with_.get("target"), *build.platforms]
    return any(i is not None and "matrix." in i.text for i in inputs)
