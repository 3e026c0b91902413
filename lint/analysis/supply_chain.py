"""What the supply-chain rules (RS420-RS425) ask about a workflow: which builds attach
attestations, which steps publish or sign, and what a script does with an image index.

BuildKit attaches a provenance attestation (and an SBOM with ``sbom: true``) to each image it
pushes as an extra manifest of the image index, with platform ``unknown/unknown``
(docker/build-push-action since v4, ``docker buildx build`` since buildx 0.10: on by default,
off with ``provenance: false`` / ``--provenance=false`` or ``BUILDX_NO_DEFAULT_ATTESTATIONS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rsdock.lint.model.docker_steps import BUILD_PUSH

if TYPE_CHECKING:  # the workflow model (ruamel) is loaded only for repositories with workflows
    from rsdock.lint.model.workflow import Step, Workflow

# Actions that sign or attest with the workflow's OIDC identity.
SIGNING_ACTIONS = ("actions/attest-build-provenance", "actions/attest",
                   "actions/attest-sbom", "sigstore/gh-action-sigstore-python")
_COSIGN_SIGN = re.compile(r"\bcosign\s+(?:sign|attest)\b")
_NO_ATTESTATIONS = re.compile(r"--provenance[= ]+[\"']?false\b|BUILDX_NO_DEFAULT_ATTESTATIONS")
_BUILDX_BUILD = re.compile(r"\bdocker\s+buildx\s+(?:build|b)\b")
_PUSHING_OUTPUT = re.compile(r"type=registry|type=image\b.*\bpush=(?!false\b)")


def joined(script: str) -> str:
    """``script`` with its backslash-newline continuations joined into single lines."""
    return re.sub(r"\\\r?\n", " ", script)


def run_scripts(workflow: Workflow) -> Iterator[tuple[Step, str]]:
    """Each ``run:`` step of ``workflow`` with its script, continuations joined (:func:`joined`)."""
    for _job, step in workflow.steps():
        if step.run is not None:
            yield step, joined(step.run.text)


def signs(step: Step) -> bool:
    """Whether ``step`` signs or attests something with the workflow's identity."""
    if any(step.is_action(repo) for repo in SIGNING_ACTIONS):
        return True
    return step.run is not None and _COSIGN_SIGN.search(step.run.text) is not None


def attests(step: Step) -> bool:
    """Whether ``step`` builds an image that carries BuildKit's attestation manifests."""
    if step.is_action(BUILD_PUSH):
        provenance = (step.input_text("provenance") or "").strip().lower()
        sbom = (step.input_text("sbom") or "").strip().lower()
        return provenance != "false" or sbom not in ("", "false")
    if step.run is not None:
        text = joined(step.run.text)
        return any(_BUILDX_BUILD.search(line) and not _NO_ATTESTATIONS.search(line)
                   for line in text.splitlines())
    return False


def builds_with_attestations(workflow: Workflow) -> bool:
    """Whether some build of ``workflow`` pushes images whose indexes hold attestations."""
    return any(attests(step) for _job, step in workflow.steps())


def publishes(step: Step) -> bool:
    """Whether a build-push step pushes its image (``push:`` not false, or a pushing
    ``outputs:`` exporter); a push only to a registry on the runner is not judged here."""
    push = (step.input_text("push") or "").strip().lower()
    outputs = step.input_text("outputs") or ""
    return push not in ("", "false") or _PUSHING_OUTPUT.search(outputs) is not None
