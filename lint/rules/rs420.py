"""RS420: a script that lists an image index's manifests skips the attestation manifests."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import supply_chain
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

# Commands that print an image index (a manifest list) as JSON.
_INSPECT = re.compile(r"\bdocker\s+manifest\s+inspect\b|\bimagetools\s+inspect\b[^\n]*--raw|"
                      r"\bcrane\s+manifest\b|\bregctl\s+manifest\s+get\b|"
                      r"\bskopeo\s+inspect\b[^\n]*--raw")
# A jq program walking its entries.
_EACH_MANIFEST = re.compile(r"\.manifests\s*\[\s*\]")
# What tells an attestation manifest apart: its platform, or its reference annotation; or a
# selection of one platform (`select(.platform.architecture == "amd64")`), which leaves it out.
_SKIPS_ATTESTATIONS = re.compile(r"unknown|vnd\.docker\.reference|attestation|"
                                 r"select\s*\(\s*\.platform", re.IGNORECASE)


class RS420(WorkflowRule):
    """Skip the ``unknown/unknown`` attestation manifests when a script lists an index's entries.

    BuildKit stores each image's provenance (and SBOM) as one more manifest of the image index,
    with platform ``unknown/unknown``. A script that walks ``.manifests[]`` of
    ``docker manifest inspect`` (or ``imagetools inspect --raw``, ``crane manifest``) as if
    every entry were a platform image hands the attestation manifests on too: ``docker
    manifest create`` then refuses them, a platform loop gets an ``unknown`` platform, and
    registries list it as one. The rule looks at ``run:`` steps of workflows whose builds attach
    attestations (``provenance`` not turned off) and reports a script that iterates
    ``.manifests[]`` without telling the attestation entries apart (``select(.platform.os !=
    "unknown")``, the ``vnd.docker.reference.type`` annotation, or a selection of one platform
    such as ``select(.platform.architecture == "amd64")``). Better still: merge the
    indexes with ``docker buildx imagetools create``, which carries them over whole.

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
                  tags: acme/app:amd64
              - run: |
                  for digest in $(docker manifest inspect acme/app:amd64 | jq -r '.manifests[].digest'); do
                    echo "acme/app@$digest"
                  done

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
                  tags: acme/app:amd64
              - run: |
                  docker manifest inspect acme/app:amd64 |
                    jq -r '.manifests[] | select(.platform.os != "unknown") | .digest'
    """

    id = "RS420"
    name = "attestation-manifest-as-platform"
    severity = Severity.WARNING
    message = ("skip the attestation entries (`select(.platform.os != \"unknown\")`), or merge "
               "the indexes whole with `docker buildx imagetools create`")

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each script that walks an index's entries as platforms."""
        if not supply_chain.builds_with_attestations(file):
            return
        for step, text in supply_chain.run_scripts(file):
            if (_INSPECT.search(text) and _EACH_MANIFEST.search(text)
                    and not _SKIPS_ATTESTATIONS.search(text)):
                yield self.finding(file.path, step.line, step.column, (
                    "this script walks `.manifests[]` of an image index, which holds an "
                    "`unknown/unknown` attestation manifest beside each platform image (the "
                    f"workflow's builds attach provenance): {self.message}"))
