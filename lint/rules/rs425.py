"""RS425: nothing is signed on a pull request run."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import supply_chain
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.model.workflow import off_for_pull_requests
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS425(WorkflowRule):
    """Skip signing and attesting on pull requests: ``if: github.event_name != 'pull_request'``.

    A pull request run builds code nobody has reviewed yet. Signed there, it carries the
    repository's own identity (the certificate names the workflow and the ``refs/pull/N/merge``
    ref), and a verifier that checks only the repository accepts it; from a fork the step fails
    instead (a fork's run gets no OIDC token), turning every outside contribution red. The rule
    follows the job graph: a step is judged with its job's ``if:`` and those of the jobs it
    ``needs:``, and reported when it surely runs on a ``pull_request`` event.

    Fails:
        # file: .github/workflows/docker.yml
        on: [push, pull_request]
        jobs:
          image:
            runs-on: ubuntu-24.04
            permissions:
              id-token: write
            steps:
              - uses: sigstore/cosign-installer@v4
              - run: cosign sign --yes "acme/app@$DIGEST"

    Passes:
        # file: .github/workflows/docker.yml
        on: [push, pull_request]
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - run: echo build
          sign:
            needs: build
            if: github.event_name != 'pull_request'
            runs-on: ubuntu-24.04
            permissions:
              id-token: write
            steps:
              - run: cosign sign --yes "acme/app@$DIGEST"
    """

    id = "RS425"
    name = "signs-pull-requests"
    severity = Severity.WARNING
    message = "give the step (or its job) `if: github.event_name != 'pull_request'`"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each signing step that runs on pull requests."""
        for job, step in file.steps():
            if supply_chain.signs(step) and off_for_pull_requests(file, job, step) is False:
                yield self.finding(file.path, step.line, step.column, (
                    f"step `{step.label()}` signs on pull request runs too (code not yet "
                    f"reviewed, or a fork without an OIDC token): {self.message}"))
