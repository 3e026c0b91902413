"""RS421: a multi-platform merge keeps the legs' attestations."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import supply_chain
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

_MANIFEST_CREATE = re.compile(r"\bdocker\s+manifest\s+create\b|\bmanifest-tool\b[^\n]*\bpush\b")
_IMAGETOOLS_CREATE = re.compile(r"\bimagetools\s+create\b")
# Picking the platform images out of a leg's index (and so leaving its attestations behind).
_PICKS_PLATFORMS = re.compile(r"\.manifests\s*\[\s*\][^\n]*select\s*\(\s*\.platform")


class RS421(WorkflowRule):
    """Merge per-platform images with ``imagetools create``: it keeps their attestations.

    Run ``docker buildx imagetools create`` over the legs' index digests, so the attestations
    stay in the final index.
    With attestations on, each leg of a per-platform build (push by digest, or one tag per
    architecture) pushes an index holding its image and its ``unknown/unknown`` provenance
    manifest, and the digest it reports is that index's. ``docker buildx imagetools create``
    copies every manifest of each source index into the merged one, attestations included.
    ``docker manifest create`` (and old ``manifest-tool``) refuses an index as a source, and
    fed the index's entries one by one it cannot carry the attestation manifests: the
    published image loses its provenance. Picking the platform manifests out of a leg's index
    (``.manifests[] | select(.platform...)``) before ``imagetools create`` drops them too.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: acme/app:arm64
              - run: |
                  docker manifest create acme/app:latest acme/app:amd64 acme/app:arm64
                  docker manifest push acme/app:latest

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: acme/app:arm64
              - run: |
                  docker buildx imagetools create --tag acme/app:latest acme/app:amd64 acme/app:arm64
    """

    id = "RS421"
    name = "merge-drops-attestations"
    severity = Severity.WARNING
    message = ("merge with `docker buildx imagetools create` over each leg's index digest "
               "(it copies the attestation manifests with the images)")

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each merge that cannot carry the legs' attestations."""
        if not supply_chain.builds_with_attestations(file):
            return
        for step, text in supply_chain.run_scripts(file):
            if _MANIFEST_CREATE.search(text):
                yield self.finding(file.path, step.line, step.column, (
                    "`docker manifest create` refuses an image index as a source and cannot "
                    "carry the legs' provenance manifests (the workflow's builds attach them): "
                    f"{self.message}"))
            elif _IMAGETOOLS_CREATE.search(text) and _PICKS_PLATFORMS.search(text):
                yield self.finding(file.path, step.line, step.column, (
                    "the platform manifests are picked out of each leg's index before "
                    "`imagetools create`, leaving the attestation manifests behind: "
                    f"{self.message}"))
