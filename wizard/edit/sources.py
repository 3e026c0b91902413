"""The parsed files of a workspace that rsdock infers from and edits.

:func:`load_sources` never infers from or edits a file it cannot parse (that would be guessing):
a workflow that does not parse and names no docker action outside comments (a fully
commented-out file, an unrelated broken one) and a Dockerfile no workflow builds are skipped,
each with its located reason in :attr:`Sources.skipped`. A broken workflow that uses docker's
actions, or a broken Dockerfile that a workflow builds, is refused with its parse error: the
edit would be blind to the file it should change.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.engine import discover
from rsdock.lint.model.cargo import scan
from rsdock.lint.model.gitrepo import find_git_root
from rsdock.lint.model.dockerfile import Dockerfile, parse_dockerfile
from rsdock.lint.model.findings import Finding
from rsdock.lint.model.workflow_reader import (BUILD_PUSH, BuildPush, Job, Step, Workflow,
                                               build_push, dockerfile_paths, parse_workflow)
from rsdock.records import field, record


@record(frozen=True)
class BuildStep:
    """One ``docker/build-push-action`` step and the Dockerfiles it builds."""

    workflow: Workflow
    job: Job
    step: Step
    build: BuildPush
    dockerfiles: tuple[str, ...] | None

    @property
    def where(self) -> str:
        """``path:line`` of the step."""
        return f"{self.workflow.path}:{self.step.line}"


@record
class Sources:
    """The parsed files of a workspace that rsdock infers from and edits.

    Attributes:
        root: the folder the paths are relative to: the workspace root, or the git root when
            the workspace is a sub-folder of its repository (the workflows are there).
        workflows: workflows using docker's actions, by root-relative path.
        dockerfiles: Dockerfiles by root-relative path.
        builds: every build-push step of those workflows, in file order.
        workspace: the scanned cargo workspace, or None when it cannot be read.
        dockerignores: the text of every ``.dockerignore``, by root-relative path (linted and
            fixed like the others: `rsdock lint` counts their fixes, so `edit --fix` makes them).
        skipped: ``path:line: why`` of each file left alone because it does not parse.
        skipped_folders: folders the walk could not or would not enter (root-relative path,
            why): unreadable ones and symlinks to folders, said rather than silently left out.
    """

    root: Path
    workflows: dict[str, Workflow] = field(default_factory=dict)
    dockerfiles: dict[str, Dockerfile] = field(default_factory=dict)
    builds: list[BuildStep] = field(default_factory=list)
    workspace: Any = None
    dockerignores: dict[str, str] = field(default_factory=dict)
    # The other files `rsdock lint` checks here (workflows without docker's actions): not
    # edited structurally, but linted and fixed, so `edit --fix` and `lint --fix` agree.
    others: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    skipped_folders: list[tuple[str, str]] = field(default_factory=list)
    prefix: str = ""

    @property
    def workspace_root(self) -> Path:
        """The cargo workspace's root (where ``rsdock.toml`` is)."""
        return self.root / self.prefix if self.prefix else self.root

    @property
    def config_path(self) -> str:
        """``rsdock.toml``'s path relative to :attr:`root`."""
        return f"{self.prefix}/rsdock.toml" if self.prefix else "rsdock.toml"

    def texts(self) -> dict[str, str]:
        """The current text of every file `rsdock lint` checks here: the parsed ones, the
        ``.dockerignore`` files and the other workflows."""
        found = dict(self.others)
        found.update({p: w.text for p, w in self.workflows.items()})
        found.update({p: d.text for p, d in self.dockerfiles.items()})
        found.update(self.dockerignores)
        return found


def load_sources(root: Path | str) -> Sources:
    """Parse every workflow using docker's actions and every Dockerfile under ``root``.

    Raises:
        UserError: (exit 2) for a file that cannot be read or parsed, located at the problem.
    """
    workspace_root = Path(root)
    root, prefix = split_root(workspace_root)
    sources = Sources(root, prefix=prefix)
    broken: dict[str, list[Finding]] = {}
    # A sub-folder workspace: its own files, and the repository's workflows (GitHub runs
    # no others), paths relative to the git root as the workflows name them.
    trees = [discover.scan(root)] if not prefix else (
        [discover.scan(root, root / prefix)]
        + ([discover.scan(root, root / ".github" / "workflows")]
           if (root / ".github" / "workflows").is_dir() else []))
    walked = [rel for tree in trees for rel in tree.lintable]
    sources.skipped_folders = sorted({s for tree in trees for s in tree.skipped})
    for rel in walked:
        kind = discover.kind_of(rel)
        if kind == "workflow":
            workflow = parse_workflow(rel, _read(root, rel))
            if workflow.errors:
                if _DOCKER_ACTION_RE.search(workflow.text):
                    _refuse_errors(workflow.errors)  # it may be the one to edit
                sources.skipped.append(_skip_reason(workflow.errors))  # nothing of ours
                continue
            if any(s.uses and s.uses.repo.lower().startswith("docker/")
                   for _j, s in workflow.steps()):
                sources.workflows[rel] = workflow
            else:
                sources.others[rel] = workflow.text
        elif kind == "dockerfile":
            model = parse_dockerfile(rel, _read(root, rel))
            if model.errors:
                broken[rel] = model.errors
                continue
            sources.dockerfiles[rel] = model
        elif kind == "dockerignore":
            text = fs.read_text(root, rel)
            if text is not None:
                sources.dockerignores[rel] = text
    sources.builds = build_steps(sources.workflows)
    built = {path for build in sources.builds for path in build.dockerfiles or ()}
    for rel, errors in broken.items():
        if rel in built:
            _refuse_errors(errors)  # a build step uses it: editing around it would be blind
        sources.skipped.append(_skip_reason(errors))
    try:
        sources.workspace = scan(workspace_root)
    except Exception:  # a broken Cargo.toml only costs us package names (RS005 reports it)
        sources.workspace = None
    return sources


def split_root(workspace_root: Path) -> tuple[Path, str]:
    """(the folder edits are made from, the workspace root relative to it): the git root and
    ``crates`` for a workspace in a sub-folder of its repository, else (the root, "")."""
    git_root = find_git_root(workspace_root)
    if git_root is None:
        return workspace_root, ""
    prefix = Path(os.path.relpath(os.path.abspath(workspace_root), git_root)).as_posix()
    if prefix == ".":
        return workspace_root, ""
    shown = Path(os.path.normpath(os.path.join(workspace_root, *[".."] * len(prefix.split("/")))))
    return shown, prefix


def _read(root: Path, rel: str) -> bytes:
    # fs refuses a symlink that leads outside the workspace, a loop, a FIFO and a huge file
    data = fs.read_bytes(root, rel)
    if data is None:
        raise UserError("this file disappeared while rsdock read the workspace", path=fs.shown(rel),
                        hint="rerun `rsdock edit`")
    return data


# A docker action named outside a comment: the broken workflow may build the images.
_DOCKER_ACTION_RE = re.compile(r"^[^#\n]*\bdocker/[\w.-]+-action\b", re.MULTILINE | re.IGNORECASE)


def _skip_reason(errors: list[Finding]) -> str:
    first = errors[0]
    return f"{first.path}:{first.line}: {first.message}"


def _refuse_errors(errors: list[Finding]) -> None:
    if errors:
        first = errors[0]
        raise UserError(first.message, path=first.path, line=first.line,
                        hint="rsdock edits only files it can parse; fix this first "
                             "(nothing was written)")


def build_steps(workflows: dict[str, Workflow]) -> list[BuildStep]:
    """Every build-push step of ``workflows`` with the Dockerfiles it builds, in file order."""
    steps = []
    for workflow in workflows.values():
        for job, step in workflow.action_steps(BUILD_PUSH):
            build = build_push(workflow, step)
            files = dockerfile_paths(job, build)
            steps.append(BuildStep(workflow, job, step, build,
                                   tuple(files) if files is not None else None))
    return steps


_ENV_RE = re.compile(r"^\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def env_value(workflow: Workflow, job: Job,
              text: str) -> tuple[str, Any, tuple[Any, ...]] | None:
    """Resolve an input that is exactly ``${{ env.NAME }}`` to a literal ``env:`` value.

    Returns:
        (value, the mapping holding it, its document path), from the job's ``env`` first, then
        the workflow's; None when ``text`` is not such a reference or the value is not literal.
    """
    match = _ENV_RE.match(text.strip())
    if not match or workflow.data is None:
        return None
    name = match[1]
    job_env = workflow.data["jobs"][job.id].get("env")
    for mapping, path in ((job_env, ("jobs", job.id, "env", name)),
                          (workflow.data.get("env"), ("env", name))):
        if isinstance(mapping, dict) and name in mapping:
            value = mapping[name]
            if isinstance(value, str) and "${{" not in value:
                return value, mapping, path
            return None
    return None
