"""RS415: every gha cache scope read is written, each with one mode."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

DEFAULT_SCOPE = "buildkit"  # docker's gha cache backend: the scope when none is given


class RS415(WorkflowRule):
    """Read the cache scope you write: a ``cache-from`` scope no ``cache-to`` writes always misses.

    The ``type=gha`` backend keys the cache by ``scope`` (default ``buildkit``). A build that
    exports with ``cache-to: type=gha,mode=max,scope=app`` and imports with a bare
    ``cache-from: type=gha`` reads the ``buildkit`` scope, which nothing writes: every build
    starts cold and the cache only costs upload time. Two builds writing one scope with
    different ``mode`` values overwrite each other's cache with a smaller or a larger one on
    every run. Scopes given by an expression other than ``${{ matrix.* }}`` are not judged.
    The writers are looked for in every workflow of the repository.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  cache-from: type=gha
                  cache-to: type=gha,mode=max,scope=app

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  cache-from: type=gha,scope=app
                  cache-to: type=gha,mode=max,scope=app
    """

    id = "RS415"
    name = "cache-scope-read-written"
    severity = Severity.WARNING
    message = "give cache-from the scope cache-to writes"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield findings for read scopes no export writes and for scopes written two ways."""
        written = _writers(ctx.workflows.values() if ctx.workflows else [file])
        if file.path not in (ctx.workflows or {}):
            written.update(_writers([file]))
        for job, step in file.action_steps(wf.BUILD_PUSH):
            build = wf.build_push(file, step)
            for spec in build.cache_from:
                scopes = _scopes(job, spec)
                if spec.type != "gha" or scopes is None or not written:
                    continue
                for scope in scopes:
                    if scope not in written:
                        others = ", ".join(sorted(written)[:3])
                        yield self.finding(file.path, spec.item.line, spec.item.column, (
                            f"cache-from reads the gha scope {scope!r}, which no cache-to writes "
                            f"(they write {others}), so every build starts cold: "
                            f"{self.message}"))
                        break
            for spec in build.cache_to:
                scopes = _scopes(job, spec)
                if spec.type != "gha" or scopes is None:
                    continue
                mode = spec.options.get("mode", "min")
                for scope in scopes:
                    modes = written.get(scope, {})
                    here = (file.path, spec.item.line)
                    # reported at the later writer only: the first is where the other came from
                    other = next((m for m, at in modes.items() if m != mode and at < here), None)
                    if other is not None:
                        where = "%s:%d" % modes[other]
                        yield self.finding(file.path, spec.item.line, spec.item.column, (
                            f"cache scope {scope!r} is written with mode={mode} here and "
                            f"mode={other} by {where}: each run overwrites the other's cache; "
                            "use one mode, or separate scopes"))
                        break


def _scopes(job: wf.Job, spec: wf.CacheSpec) -> list[str] | None:
    return job.expand(spec.options.get("scope", DEFAULT_SCOPE))


def _writers(workflows: Iterable[wf.Workflow]) -> dict[str, dict[str, tuple[str, int]]]:
    """scope -> {mode: (workflow, line)} for every gha cache-to the workflows hold. A scope
    computed at run time makes the answer unknowable: then nothing is returned."""
    found: dict[str, dict[str, tuple[str, int]]] = {}
    for workflow in workflows:
        if workflow.errors:
            continue
        for job, step in workflow.action_steps(wf.BUILD_PUSH):
            for spec in wf.build_push(workflow, step).cache_to:
                if spec.type != "gha":
                    continue
                scopes = _scopes(job, spec)
                if scopes is None:
                    return {}  # some export's scope is decided at run time: cannot tell
                for scope in scopes:
                    found.setdefault(scope, {}).setdefault(
                        spec.options.get("mode", "min"), (workflow.path, spec.item.line))
    return found
