"""RS430: a release trigger without ``types:`` runs for every release activity."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import publication
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS430(WorkflowRule):
    """Give ``on: release`` its ``types:``: without them every release activity runs the push.

    ``release`` fires for ``published``, ``unpublished``, ``created``, ``edited``, ``deleted``,
    ``prereleased`` and ``released``. A workflow that pushes images on ``on: [release]`` (or
    ``release:`` with no ``types``) pushes again when a release is edited, when a draft is
    created, and when one is deleted, each time retagging ``latest`` to whatever that run built.
    Say which activity publishes (``types: [published]``). Only workflows that push an image
    are judged.

    Fails:
        # file: .github/workflows/image.yml
        on: [release]
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: ghcr.io/o/app:latest

    Passes:
        # file: .github/workflows/image.yml
        on:
          release:
            types: [published]
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: ghcr.io/o/app:latest
    """

    id = "RS430"
    name = "release-trigger-types"
    severity = Severity.WARNING
    message = "add `types: [published]` to the release trigger"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield one finding for a release trigger with no ``types`` in a workflow that pushes."""
        release = file.triggers.get("release")
        if release is None:
            return
        config = release.value if isinstance(release.value, dict) else {}
        if config.get("types"):
            return
        if not publication.pushes_from(ctx, file.path):
            return
        yield self.finding(file.path, release.line, release.column, (
            "the release trigger has no types, so the image is pushed again for every release "
            f"activity (created, edited, prereleased, deleted...): {self.message}"))
