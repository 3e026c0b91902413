"""RS418: builds that export one gha cache scope build the same thing."""

from __future__ import annotations

from typing import Any, Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule
from rsdock.records import record

DEFAULT_SCOPE = "buildkit"


class RS418(WorkflowRule):
    """Give builds with different build-args their own cache scope: they overwrite each other's.

    A ``type=gha`` export replaces the scope's cache index. Two jobs (or the entries of one
    matrix) that build one Dockerfile with different ``build-args`` (``TARGET=aarch64`` and
    ``TARGET=x86_64``, ``FEATURES=...``) produce different layers after the first ``ARG`` they
    use; exporting both to one scope means each run finds the other variant's layers and
    rebuilds. The same holds for builds in different workflow files that differ in Dockerfile,
    ``target:`` or ``platforms`` (RS407 judges those within one workflow). Add the varying
    value to the scope (``scope=app-${{ matrix.target }}``). Build-args the Dockerfile never
    declares with ``ARG`` change nothing and are ignored; values rsdock cannot resolve are not
    compared. GitHub keeps caches per ref, so workflows that only run on different branches
    (``push: branches: [main]`` and ``[develop]``) never share one.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            strategy:
              matrix:
                target: [x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu]
            steps:
              - uses: docker/build-push-action@v7
                with:
                  build-args: TARGET=${{ matrix.target }}
                  cache-from: type=gha,scope=app
                  cache-to: type=gha,scope=app,mode=max

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            strategy:
              matrix:
                target: [x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu]
            steps:
              - uses: docker/build-push-action@v7
                with:
                  build-args: TARGET=${{ matrix.target }}
                  cache-from: type=gha,scope=app-${{ matrix.target }}
                  cache-to: type=gha,scope=app-${{ matrix.target }},mode=max
    """

    id = "RS418"
    name = "cache-scope-shared-by-variants"
    severity = Severity.WARNING
    message = "add what differs to the cache scope (scope=<image>-<variant>)"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding at each export that shares a scope with a different build."""
        if file.path in ctx.workflows:
            if "rs418-writers" not in ctx.memo:  # one pass over the workflows per run
                ctx.memo["rs418-writers"] = [
                    w for path in sorted(ctx.workflows) if not ctx.workflows[path].errors
                    for w in _writers(ctx.workflows[path], ctx)]
            writers: list[_Writer] = ctx.memo["rs418-writers"]
        else:  # a workflow linted on its own
            writers = _writers(file, ctx)
        reported: set[int] = set()
        for index, later in enumerate(writers):
            if later.workflow != file.path or later.line in reported:
                continue
            for earlier in writers[:index]:
                if not _same_refs(ctx, file, earlier.workflow, later.workflow):
                    continue  # GitHub's cache is per ref: no run of one writes the other's
                why = _difference(earlier, later)
                if earlier.scope != later.scope or why is None:
                    continue
                related = []
                if earlier.line == later.line and earlier.workflow == later.workflow:
                    where = f"another entry of job {later.job}'s matrix"
                else:
                    where = "another build"
                    related = [Related(earlier.workflow, earlier.line,
                                       f"exports scope {earlier.scope!r} too", earlier.column)]
                reported.add(later.line)
                yield self.finding(file.path, later.line, later.column, (
                    f"cache scope {later.scope!r} is also exported by {where}, which builds "
                    f"{why}: each export replaces the other's cache; {self.message}"),
                    related=related)
                break


@record(frozen=True)
class _Writer:
    """One gha cache export of one matrix combination: its scope and what it builds."""

    workflow: str
    job: str
    line: int
    column: int
    scope: str
    dockerfiles: tuple[str, ...]
    target: str
    platforms: tuple[str, ...]
    build_args: tuple[tuple[str, str], ...]


def _writers(workflow: wf.Workflow, ctx: Context) -> list[_Writer]:
    found: list[_Writer] = []
    for job, step in workflow.action_steps(wf.BUILD_PUSH):
        build = wf.build_push(workflow, step)
        files = tuple(wf.dockerfile_paths(job, build) or ())
        declared = _declared_args(ctx, files)
        for spec in build.cache_to:
            if spec.type != "gha":
                continue
            for combo in job.matrix_combinations() or [{}]:
                scope = job.substitute(spec.options.get("scope", DEFAULT_SCOPE), combo)
                if "${{" in scope:
                    continue
                args = []
                for item in build.build_args:
                    name, _, value = job.substitute(item.text, combo).partition("=")
                    if declared is None or name.strip() in declared:
                        args.append((name.strip(), value.strip()))
                found.append(_Writer(
                    workflow.path, job.id, spec.item.line, spec.item.column, scope, files,
                    job.substitute(step.input_text("target") or "", combo),
                    tuple(sorted(job.substitute(p.text, combo) for p in build.platforms)),
                    tuple(sorted(args))))
    return found


def _declared_args(ctx: Context, files: tuple[str, ...]) -> set[str] | None:
    """The ARG names the built Dockerfiles declare; None when one cannot be read."""
    names: set[str] = set()
    for path in files:
        model = ctx.dockerfiles.get(path)
        if model is None:
            return None
        for inst in model.instructions:
            if inst.cmd == "ARG":
                names |= {v.split("=", 1)[0].strip() for v in inst.value}
    return names


def _difference(a: _Writer, b: _Writer) -> str | None:
    """What makes ``b`` a different build from ``a`` for the cache, or None when it is not (or
    when only values rsdock cannot resolve differ). Within one workflow, Dockerfile, target and
    platform differences are RS407's."""
    if a.build_args != b.build_args:
        differing = _differing_args(a.build_args, b.build_args)
        if differing:
            return f"with other build-args ({', '.join(differing)})"
        return None
    if a.workflow == b.workflow:
        return None
    for label, left, right in (("another Dockerfile", a.dockerfiles, b.dockerfiles),
                               ("another target", a.target, b.target),
                               ("other platforms", a.platforms, b.platforms)):
        if left != right and not _unknown(left) and not _unknown(right):
            return label
    return None


def _differing_args(a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]) -> list[str]:
    """The build-arg names whose known values differ between ``a`` and ``b``."""
    left, right = dict(a), dict(b)
    return sorted(name for name in left.keys() | right.keys()
                  if left.get(name) != right.get(name)
                  and not _unknown(left.get(name)) and not _unknown(right.get(name)))


def _unknown(value: Any) -> bool:
    return "${{" in str(value)


def _same_refs(ctx: Context, file: wf.Workflow, a: str, b: str) -> bool:
    """Whether runs of workflows ``a`` and ``b`` can write the cache of one ref."""
    if a == b:
        return True
    models = [ctx.workflows.get(p) or (file if p == file.path else None) for p in (a, b)]
    refs = [m.cache_refs() if m is not None else None for m in models]
    return refs[0] is None or refs[1] is None or bool(refs[0] & refs[1])
