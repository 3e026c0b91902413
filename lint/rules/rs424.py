"""RS424: a published image keeps its provenance and SBOM."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import supply_chain
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.docker_steps import BUILD_PUSH
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

_OFF_FLAG = re.compile(r"--(provenance|sbom)[= ]+[\"']?false\b")
_PUSHES = re.compile(r"--push\b|type=registry|push=true")
# AWS Lambda refuses an image index that holds attestation manifests: turning them off for an
# image pushed to ECR is the documented work-around, not a trap.
_LAMBDA_REGISTRY = re.compile(r"\.dkr\.ecr\.|amazon-ecr-login", re.IGNORECASE)
# A reproducible image build: provenance records when it was built, so the index it is pushed
# in could never be rebuilt byte for byte (reth's Dockerfile.reproducible).
_REPRODUCIBLE = re.compile(r"reproducib|SOURCE_DATE_EPOCH|rewrite-timestamp", re.IGNORECASE)


class RS424(WorkflowRule):
    """Keep ``provenance`` and ``sbom`` on for an image the workflow publishes.

    ``provenance: false`` (``--provenance=false``) publishes an image nobody can trace back to
    the commit and workflow that built it, and ``sbom: false`` one without its package list
    (what vulnerability scanners and ``docker scout`` read). Both cost seconds. They are usually
    turned off for a merge step that could not carry attestations (``docker manifest create``:
    RS421 says what to use instead) or for a registry that listed ``unknown/unknown`` as a
    platform (RS420). The rule reports either input set to false on a build-push step that
    pushes, and either flag on a ``docker buildx build`` that pushes. Left alone: images pushed
    to ECR (AWS Lambda refuses an index with attestations) and reproducible builds
    (``Dockerfile.reproducible``, ``SOURCE_DATE_EPOCH``, ``rewrite-timestamp``: provenance
    records the build time, so the pushed index could never be rebuilt byte for byte), and an
    attestation the workflow attaches another way: ``actions/attest-build-provenance`` (or
    ``actions/attest-sbom``) on the pushed image's digest.

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
                  provenance: false
                  tags: acme/app:latest

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
                  provenance: mode=max
                  sbom: true
                  tags: acme/app:latest
    """

    id = "RS424"
    name = "published-without-provenance"
    severity = Severity.WARNING
    message = ("keep the attestations (`provenance: mode=max`, `sbom: true`) and merge with "
               "`docker buildx imagetools create` where one was in the way")

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each attestation turned off on a publishing build."""
        if _LAMBDA_REGISTRY.search(file.text):
            return
        # provenance or an SBOM GitHub's attestation actions attach to the pushed image instead
        elsewhere = supply_chain.image_attestations(file)
        for _job, step in file.steps():
            if step.is_action(BUILD_PUSH) and _REPRODUCIBLE.search(
                    " ".join(v.text for v in step.with_.values()) + (step.name or "")):
                continue
            if step.is_action(BUILD_PUSH) and supply_chain.publishes(step):
                for name in ("provenance", "sbom"):
                    value = step.with_.get(name)
                    if value is not None and value.text.strip().lower() == "false" and \
                            name not in elsewhere:
                        yield self.finding(file.path, value.line, value.column, (
                            f"`{name}: false` publishes the image without its "
                            f"{_WHAT[name]}: {self.message}"))
            elif step.run is not None:
                for line in supply_chain.joined(step.run.text).splitlines():
                    found = _OFF_FLAG.search(line)
                    if found and "buildx" in line and _PUSHES.search(line) and \
                            found[1] not in elsewhere:
                        yield self.finding(file.path, step.line, step.column, (
                            f"`--{found[1]}=false` publishes the image without its "
                            f"{_WHAT[found[1]]}: {self.message}"))
                        break


_WHAT = {"provenance": "provenance (which commit and workflow built it)",
         "sbom": "SBOM (the packages it holds)"}
