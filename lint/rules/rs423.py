"""RS423: only the job that signs may mint an OIDC token."""

from __future__ import annotations

import re
from typing import Any, Iterable

from rsdock.lint.analysis import supply_chain
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS423(WorkflowRule):
    """Grant ``id-token: write`` in the job that signs, not at the top of the workflow.

    ``id-token: write`` lets a job mint an OIDC token in the repository's name: what keyless
    signing (cosign, artifact attestations) and cloud logins exchange for credentials. Granted
    at workflow level, every job gets it, including the ones that compile third-party code (a
    build script, a proc macro, a compromised action) which could then sign or log in as the
    repository. The rule reports a top-level ``id-token: write`` in a workflow that signs, when
    some job inherits it (no ``permissions:`` of its own) that surely needs no token: it signs
    nothing and uses only actions known never to ask for one (checkout, cache, artifacts,
    Docker's actions, toolchain setup). A job with any other action (a cloud login, a vault
    reader) might use the token and is left alone.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        permissions:
          contents: read
          id-token: write
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - run: cargo build --release
          sign:
            needs: build
            runs-on: ubuntu-24.04
            steps:
              - run: cosign sign --yes "acme/app@$DIGEST"

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        permissions:
          contents: read
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - run: cargo build --release
          sign:
            needs: build
            runs-on: ubuntu-24.04
            permissions:
              id-token: write
            steps:
              - run: cosign sign --yes "acme/app@$DIGEST"
    """

    id = "RS423"
    name = "workflow-wide-id-token"
    severity = Severity.WARNING
    message = "move `id-token: write` into the `permissions:` of the job that signs"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield one finding at a top-level ``id-token: write`` that jobs inherit needlessly."""
        where = _id_token_write(file.permissions)
        if where is None:
            return
        if not any(supply_chain.signs(step) for _job, step in file.steps()):
            return  # the token is for something else (a cloud login, a vault): not judged
        needless = [job.id for job in file.jobs.values()
                    if job.permissions is None and _needs_no_token(job)]
        if needless:
            line, column = where
            yield self.finding(file.path, line, column, (
                f"every job inherits `id-token: write`, and {', '.join(needless)} "
                f"sign{'s' if len(needless) == 1 else ''} nothing: {self.message}"))


# Actions that never ask for an OIDC token: a job made only of these (and scripts that do not
# request one) signs nothing and logs in to no cloud. Any other action might (a cloud login,
# a vault reader): its job is not judged.
_NO_TOKEN_ACTIONS = ("actions/checkout", "actions/cache", "actions/upload-artifact",
                     "actions/download-artifact", "actions/setup-", "docker/setup-",
                     "docker/login-action", "docker/metadata-action", "docker/build-push-action",
                     "docker/bake-action", "sigstore/cosign-installer", "dtolnay/rust-toolchain",
                     "swatinem/rust-cache", "taiki-e/install-action")
_ASKS_TOKEN = re.compile(r"ACTIONS_ID_TOKEN|id-token|oidc|assume-role|workload-identity",
                         re.IGNORECASE)


def _needs_no_token(job: Any) -> bool:
    """Whether ``job`` surely never uses an OIDC token: it signs nothing, uses only actions
    known not to ask for one, and no script requests one. A job that calls a reusable workflow
    (no steps) is not judged."""
    if not job.steps:
        return False
    for step in job.steps:
        if supply_chain.signs(step):
            return False
        if step.uses is not None and not step.uses.repo.lower().startswith(_NO_TOKEN_ACTIONS):
            return False
        if step.run is not None and _ASKS_TOKEN.search(step.run.text):
            return False
    return True


def _id_token_write(permissions: Any) -> tuple[int, int] | None:
    """The 1-based position of ``id-token: write`` in a ``permissions:`` mapping, or None."""
    if permissions is None or not isinstance(permissions.value, dict):
        return None
    value = permissions.value.get("id-token")
    if str(value).strip().lower() != "write":
        return None
    try:
        mapping: Any = permissions.value
        line, column = mapping.lc.key("id-token")
        return line + 1, column + 1
    except (AttributeError, KeyError, TypeError):
        return permissions.line, permissions.column
