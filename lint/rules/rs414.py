"""RS414: actions are not pinned to a branch."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule
from rsdock.records import replace

BRANCHES = frozenset({"master", "main", "develop", "dev", "trunk", "latest", "next", "HEAD"})
# Actions whose documented form names a branch that selects what they install, not a moving
# copy of their code (dtolnay/rust-toolchain@stable installs the stable toolchain).
BRANCH_IS_AN_INPUT = frozenset({"dtolnay/rust-toolchain"})


class RS414(WorkflowRule):
    """Pin actions to a release (``@v4``) or a commit SHA, never to a branch such as ``@master``.

    A branch moves with every push to the action's repository: the next run executes code
    nobody reviewed, with the job's token and secrets, and a breaking change lands without a
    version bump. A reusable workflow a job calls (``uses: o/r/.github/workflows/x.yml@main``)
    is pinned the same way: it runs with the secrets the job passes it. ``dtolnay/rust-toolchain@<toolchain>`` names the toolchain to install (its
    documented form) and a release branch (``pypa/gh-action-pypi-publish@release/v1``, a
    maintained major line like a ``@v1`` tag) are reported as info only.

    Fails:
        # file: .github/workflows/ci.yml
        on: push
        jobs:
          lint:
            runs-on: ubuntu-24.04
            steps:
              - uses: crate-ci/typos@master

    Passes:
        # file: .github/workflows/ci.yml
        on: push
        jobs:
          lint:
            runs-on: ubuntu-24.04
            steps:
              - uses: crate-ci/typos@v1.29.4
    """

    id = "RS414"
    name = "action-branch-pin"
    severity = Severity.WARNING
    message = "pin the action to a release tag or a full commit SHA"

    roles = frozenset({"runs", "action"})  # composite actions pin actions too

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each ``uses:`` (of a step, or of a job calling a reusable
        workflow) whose ref is a branch name."""
        called = [job.uses for job in file.jobs.values() if job.uses is not None]
        for uses in called + [step.uses for _job, step in file.steps() if step.uses is not None]:
            if uses is None or uses.is_sha or not uses.ref or uses.repo.startswith((".", "docker:")):
                continue  # local actions and docker images have no branch to follow
            if uses.ref not in BRANCHES and not re.fullmatch(r"(?:release|releases)/[\w.-]+",
                                                              uses.ref):
                continue
            finding = self.finding(file.path, uses.line, uses.column, (
                f"{uses.repo}@{uses.ref} follows a branch, so every run may execute new, "
                f"unreviewed code: {self.message}"))
            if uses.repo.lower() in BRANCH_IS_AN_INPUT or uses.ref.startswith("release"):
                # a documented form, or a maintained release line (pypa's @release/v1): a hint
                finding = replace(finding, severity=Severity.INFO)
            yield finding
