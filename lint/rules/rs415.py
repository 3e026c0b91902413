"""RS415: every gha cache scope read is written, each with one mode."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.model.partial import Shape
from rsdock.lint.rules.rule import Context, WorkflowRule
from rsdock.records import record

DEFAULT_SCOPE = "buildkit"  # docker's gha cache backend: the scope when none is given


class RS415(WorkflowRule):
    """Read the cache scope you write: a ``cache-from`` scope no ``cache-to`` writes always misses.

    The ``type=gha`` backend keys the cache by ``scope`` (default ``buildkit``). A build that
    exports with ``cache-to: type=gha,mode=max,scope=app`` and imports with a bare
    ``cache-from: type=gha`` reads the ``buildkit`` scope, which nothing writes: every build
    starts cold and the cache only costs upload time. Two builds writing one scope with
    different ``mode`` values overwrite each other's cache with a smaller or a larger one on
    every run. A scope given by an expression is judged by what is known of it:
    ``scope=platform-${{ env.PAIR }}`` is never ``buildkit``, so a bare ``cache-from: type=gha``
    beside it never hits; a scope that is only an expression could be anything.
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
        if "rs415-writers" not in ctx.memo:  # one pass over the workflows per run
            ctx.memo["rs415-writers"] = _writers(ctx.workflows.values())
        written: list[_Writer] = list(ctx.memo["rs415-writers"])
        if file.path not in ctx.workflows:
            written += _writers([file])
        for job, step in file.action_steps(wf.BUILD_PUSH):
            build = wf.build_push(file, step)
            for spec in build.cache_from:
                if spec.type != "gha" or not written:
                    continue
                for scope in _scopes(job, spec):
                    if not any(scope.could_equal(w.scope) for w in written):
                        others = ", ".join(sorted({_name(w.scope) for w in written})[:3])
                        yield self.finding(file.path, spec.item.line, spec.item.column, (
                            f"cache-from reads the gha scope {_name(scope)}, which no cache-to "
                            f"writes (they write {others}), so every build starts cold: "
                            f"{self.message}"))
                        break
            for spec in build.cache_to:
                if spec.type != "gha":
                    continue
                mode = spec.options.get("mode", "min")
                here = (file.path, spec.item.line)
                for scope in _scopes(job, spec):
                    if scope.known is None:
                        continue
                    # reported at the later writer only: the first is where the other came from
                    other = next((w for w in written if w.scope == scope and w.mode != mode
                                  and w.where < here), None)
                    if other is not None:
                        elsewhere = "" if other.where[0] == file.path else f" in {other.where[0]}"
                        yield self.finding(file.path, spec.item.line, spec.item.column, (
                            f"cache scope {scope.known!r} is written with mode={mode} here and "
                            f"mode={other.mode} by another export{elsewhere}: each run "
                            "overwrites the other's cache; use one mode, or separate scopes"),
                            related=[Related(other.where[0], other.where[1],
                                             f"writes scope {scope.known!r} with "
                                             f"mode={other.mode}")])
                        break


@record(frozen=True)
class _Writer:
    """One gha ``cache-to`` scope (as far as it is known), its mode and where it is written."""

    scope: Shape
    mode: str
    where: tuple[str, int]


def _name(scope: Shape) -> str:
    """How a message names a scope: ``'app'``, or ``'platform-…'`` when partly known."""
    return repr(scope.known) if scope.known is not None else f"'{scope}'"


def _scopes(job: wf.Job, spec: wf.CacheSpec) -> list[Shape]:
    """The scopes an entry reads or writes: one per matrix combination, expressions other
    than ``matrix.*`` kept as holes (``platform-${{ env.PAIR }}`` starts with ``platform-``)."""
    return job.shapes(spec.options.get("scope", DEFAULT_SCOPE))


def _writers(workflows: Iterable[wf.Workflow]) -> list[_Writer]:
    """Every gha cache-to scope the workflows write, with its mode and place; the first of a
    (scope, mode) pair only."""
    found: list[_Writer] = []
    for workflow in workflows:
        if workflow.errors:
            continue
        for job, step in workflow.action_steps(wf.BUILD_PUSH):
            for spec in wf.build_push(workflow, step).cache_to:
                if spec.type != "gha":
                    continue
                mode = spec.options.get("mode", "min")
                for scope in _scopes(job, spec):
                    if not any(w.scope == scope and w.mode == mode for w in found):
                        found.append(_Writer(scope, mode, (workflow.path, spec.item.line)))
    return found
