"""RS410: docker's and GitHub's actions are on their maintained majors."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.knowledge import actions
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.paths import is_vendored
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS410(WorkflowRule):
    """Leave action majors written for a retired Node.js runtime, or given up by their owner.

    GitHub retired the node12, node16 and node20 runtimes (node20 in 2026). A major that declares
    one of them (``actions/checkout@v4``, ``docker/build-push-action@v6``) still starts, but the
    runner runs it on Node.js 24 instead (forced since June 2026; node20 left the runner in
    September 2026, actions/runner#3948): on a runtime its release was never tested on (the runner
    adds a deprecation annotation, actions/runner#4295), and no fix will come for that major.
    A major is not outdated merely because a newer one exists: ``actions/checkout`` v5 and v6 run
    on node24 and are maintained. The facts, with their sources, are the table in
    ``lint/knowledge/actions.py``. Tags (``@v4``) and SHA pins with a version comment
    (``@<sha> # v4.2.2``) are checked; a SHA pin without a comment cannot be. A SHA the table
    knows decides the version itself: a comment left behind when the SHA was bumped
    (``@<checkout 7.0.1's sha> # v4.5.4``) does not make the pin old. The fix moves a tag
    to the current major, or a SHA pin to the current release's SHA and comment; it is not
    offered as safe for a vendored copy of someone else's workflow. Read the release notes for
    renamed inputs.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: actions/checkout@v4
              - uses: docker/build-push-action@v6

    Fixed:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: actions/checkout@v7
              - uses: docker/build-push-action@v7

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: actions/checkout@v6
              - uses: docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0
    """

    id = "RS410"
    name = "action-major"
    severity = Severity.WARNING
    message = "move to the action's current major"
    fixable = "sometimes"
    fix_note = ('In a vendored copy of a workflow (a template for other projects) the fix is unsafe: the '
                'copy may be kept in step with its upstream on purpose.')

    roles = frozenset({"runs", "action"})  # composite actions pin actions too

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each known action on an outdated major."""
        vendored = is_vendored(file.path)
        for _job, step in file.steps():
            uses = step.uses
            action = actions.ACTIONS.get(uses.repo.lower()) if uses else None
            if uses is None or action is None:
                continue
            match = re.match(r"v?(\d+)", _version(uses, action))
            if not match:
                continue
            known = actions.major(action.repo, int(match[1]))
            if known is None or not known.outdated:
                continue
            yield self.finding(
                file.path, uses.line, uses.column,
                f"{action.repo} v{match[1]} {known.why}: {self.message} "
                f"(v{action.major}, {action.version})",
                fix=_fix(file, uses, action, safe=not vendored))


def _version(uses: wf.Uses, action: actions.Action) -> str:
    """The version ``uses`` stands for: a SHA pin to the release the table knows is that
    release, whatever its comment says; otherwise the tag, or the SHA pin's comment."""
    if uses.is_sha and uses.ref.lower() == action.sha:
        return action.version
    return uses.version


def _fix(file: wf.Workflow, uses: wf.Uses, action: actions.Action, safe: bool) -> Fix | None:
    span = file.span(uses.line, uses.column, uses.text)
    if span is None or uses.path:
        return None
    start, end = span
    ref_start = end - len(uses.ref)
    if not uses.is_sha:
        return Fix(f"use {action.repo}@v{action.major}",
                   (Edit(ref_start, end, f"v{action.major}"),), safe=safe)
    line_end = file.text.find("\n", start)
    line_end = len(file.text) if line_end < 0 else line_end
    hash_at = file.text.find("#", end, line_end)
    if hash_at < 0:
        return None  # pragma: no cover - a SHA pin without a comment has no version to check
    return Fix(f"pin {action.repo} to v{action.version}",
               (Edit(ref_start, end, action.sha),
                Edit(hash_at, line_end, f"# v{action.version}")), safe=safe)
