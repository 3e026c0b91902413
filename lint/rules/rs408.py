"""RS408: the Dockerfile a build-push step names exists."""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.model.shell import simulate
from rsdock.lint.rules.rule import Context, WorkflowRule

if TYPE_CHECKING:
    from rsdock.lint.model.workflow import Job, Step


class RS408(WorkflowRule):
    """Point ``file:`` at a Dockerfile that exists (paths are relative to the repository root).

    Without ``file:`` the action builds ``<context>/Dockerfile``. A renamed or mistyped
    Dockerfile fails the build only when CI reaches that step. A Dockerfile an earlier ``run:``
    step of the job writes (``cat > Dockerfile <<EOF``, ``cp``, ``tee``, ``curl -o``) exists
    when the build runs.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  file: ./Dockerfile.backend

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  file: ./Dockerfile
        # file: Dockerfile
        FROM debian:bookworm-slim
    """

    id = "RS408"
    name = "dockerfile-exists"
    severity = Severity.ERROR
    message = "point file: at an existing Dockerfile"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each built Dockerfile that is missing from the repository."""
        for job, step in file.action_steps(wf.BUILD_PUSH):
            build = wf.build_push(file, step)
            where = build.file or step.action
            for path in wf.dockerfile_paths(job, build) or []:
                if path in ctx.dockerfiles or (ctx.root / path).is_file():
                    continue
                if path in written_before(job, step):
                    continue  # a step before it writes the Dockerfile (a heredoc, a copy)
                hint = "" if build.file else " (the default when file: is not set)"
                yield self.finding(file.path, where.line, where.column,
                                   f"{path}{hint} does not exist: {self.message}")


# commands that write their last argument (`cp a b`), or the value of an output option
_COPIES = frozenset({"cp", "mv", "install", "ln"})
_OUTPUT_OPTIONS = {"curl": ("-o", "--output"), "wget": ("-O", "--output-document")}


def written_before(job: Job, step: Step) -> set[str]:
    """The repository paths the ``run:`` steps of ``job`` before ``step`` write: redirections
    (a heredoc into ``Dockerfile``), ``tee``, ``cp``/``mv`` targets and ``curl -o`` files, read
    with the shell model on every path of each script."""
    found: set[str] = set()
    for earlier in job.steps:
        if earlier is step:
            break
        if earlier.run is None or not isinstance(earlier.run.value, str):
            continue
        workdir = str(earlier.data.get("working-directory") or ".")
        script = re.sub(r"\$\{\{.*?\}\}", "__expr__", earlier.run.value, flags=re.S)
        try:
            outcomes = simulate(script, cwd=posixpath.normpath("/" + workdir))
        except (RecursionError, ValueError):
            continue
        for outcome in outcomes:
            paths = [p for p in outcome.written if p]
            for command in outcome.commands:
                paths += [posixpath.join(command.cwd, t) for t in _targets(command.argv)]
            found |= {posixpath.normpath(p).lstrip("/") for p in paths if "$" not in p}
    return found


def _targets(argv: tuple[str, ...]) -> list[str]:
    """The files one command writes, as written."""
    if not argv:
        return []
    name = posixpath.basename(argv[0])
    words = [w for w in argv[1:] if not w.startswith("-")]
    if name in _COPIES and len(words) >= 2:
        return [words[-1]]
    if name == "tee":
        return words
    options = _OUTPUT_OPTIONS.get(name, ())
    return [argv[i + 1] for i, w in enumerate(argv[:-1]) if w in options]
