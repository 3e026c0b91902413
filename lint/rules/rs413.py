"""RS413: checkout does not leave the token in .git/config."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Iterable

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity, line_offsets
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS413(WorkflowRule):
    """Check out with ``persist-credentials: false``: a build needs no git token on disk.

    By default actions/checkout writes the ``GITHUB_TOKEN`` into ``.git/config``, where every
    later step, and a ``COPY . .`` of a context without a ``.dockerignore`` for ``.git``, can read
    it. Image builds never push to git; a job that does (a later ``git push`` to ``origin``, in
    the step or in a script of the repository the step runs, or an action that commits and
    pushes, such as git-auto-commit-action) needs the persisted token
    and is not flagged. Only workflows that use docker's actions (themselves, or in a local
    composite action they run) are checked.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: actions/checkout@v7
              - uses: docker/setup-buildx-action@v4

    Fixed:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: actions/checkout@v7
                with:
                  persist-credentials: false
              - uses: docker/setup-buildx-action@v4

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: actions/checkout@v7
                with:
                  persist-credentials: false
              - uses: docker/setup-buildx-action@v4
    """

    id = "RS413"
    name = "checkout-persists-credentials"
    severity = Severity.WARNING
    message = "add `persist-credentials: false` to the checkout step's `with:`"
    fixable = "sometimes"

    roles = frozenset({"runs", "action"})  # composite actions pin actions too

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each checkout step that keeps the token."""
        if not wf.uses_docker(file) and not any(
                wf.uses_docker(action)
                for _job, _step, action in wf.local_actions(file, ctx.other_workflows)):
            return  # neither it nor a local composite action it runs uses docker's actions
        for job, step in file.action_steps(wf.CHECKOUT):
            value = step.with_.get("persist-credentials")
            if value is not None and value.text.strip().lower() == "false":
                continue
            if _pushes_with_checkout_token(job, step, ctx):
                continue  # a later step pushes with git: it needs the persisted token
            where = value or step.action
            yield self.finding(file.path, where.line, where.column, fix=_fix(file, step, value))


# `git push` (options before the verb allowed) whose remote is not a URL carrying its own token.
_GIT_PUSH_RE = re.compile(r"\bgit\s+(?:-\S+\s+(?:\S+\s+)?)*push\b(?P<rest>[^\n;&|]*)")
# Actions that commit and push through the checkout's persisted credentials.
_GIT_PUSH_ACTIONS = ("stefanzweifel/git-auto-commit-action", "EndBug/add-and-commit",
                     "ad-m/github-push-action")


def _pushes_with_checkout_token(job: wf.Job, checkout: wf.Step, ctx: Context) -> bool:
    """Whether a step after ``checkout`` in ``job`` pushes with git using the token the
    checkout persisted (``git push origin``, git-auto-commit-action, or a script of the
    repository that the step runs and that does), not with a URL that carries its own
    (``https://x-access-token:$TOKEN@github.com/...``)."""
    for step in job.steps[checkout.index + 1:]:
        if step.uses is not None and any(step.is_action(a) for a in _GIT_PUSH_ACTIONS):
            return True
        text = step.run.text if step.run is not None else ""
        folder = str(step.data.get("working-directory") or "") if step.data else ""
        for body in [text, *_scripts_of(text, folder, ctx)]:
            for match in _GIT_PUSH_RE.finditer(body):
                if "@" not in match["rest"] and "://" not in match["rest"]:
                    return True
    return False


# A repository script a `run:` step calls: `scripts/x.sh`, `./x.sh`, `bash ci/x`.
_SCRIPT_RE = re.compile(r"(?:^|[\s;&|(])(?P<path>(?:\.{1,2}/)?[\w.-]+(?:/[\w.-]+)+|\./[\w.-]+)")


def _scripts_of(text: str, folder: str, ctx: Context) -> list[str]:
    """The texts of the repository's files that ``text`` runs by path (relative to the step's
    ``working-directory``), one level deep; a path that is not a readable file is skipped."""
    root = getattr(ctx, "root", None)
    found: list[str] = []
    if root is None:
        return found
    for match in _SCRIPT_RE.finditer(text):
        rel = posixpath.normpath(posixpath.join(folder, match["path"]))
        if rel.startswith("..") or "$" in rel or not (Path(root) / rel).is_file():
            continue
        try:
            script = fs.read_text(root, rel, limit=_SCRIPT_LIMIT)
        except UserError:
            continue
        if script is not None:
            found.append(script)
    return found


_SCRIPT_LIMIT = 256_000


def _fix(file: wf.Workflow, step: wf.Step, value: wf.Scalar | None) -> Fix | None:
    offsets = line_offsets(file.text)
    description = "check out without persisting the token"
    if value is not None:
        if value.value is not True:
            return None  # an expression: the user decides
        span = file.span(value.line, value.column, "true")
        return Fix(description, (Edit(*span, "false"),)) if span else None
    key_line, key_column = step.data.lc.key("uses")
    if step.with_line is not None:
        inner = step.data["with"]
        if inner.lc.line < step.with_line:  # 0-based: a flow mapping on the `with:` line
            return None
        line, column = inner.lc.key(next(iter(inner))) if inner else (step.with_line, key_column + 2)
        text = " " * column + "persist-credentials: false\n"
        anchor = step.with_line  # the line after `with:` (0-based index of the next line)
    else:
        if "with" in step.data or step.data.lc.value("uses")[0] != key_line:
            return None
        text = (" " * key_column + "with:\n" + " " * (key_column + 2)
                + "persist-credentials: false\n")
        anchor = key_line + 1
    if anchor >= len(offsets):
        return None
    if anchor == len(offsets) - 1 and not file.text.endswith("\n"):
        return None  # the last line has no newline to insert after
    return Fix(description, (Edit(offsets[anchor], offsets[anchor], text),))
