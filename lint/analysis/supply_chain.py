"""What the supply-chain rules (RS420-RS425) ask about a workflow: which builds attach
attestations, which steps publish or sign, and what a script does with an image index.

BuildKit attaches a provenance attestation (and an SBOM with ``sbom: true``) to each image it
pushes as an extra manifest of the image index, with platform ``unknown/unknown``
(docker/build-push-action since v4, ``docker buildx build`` since buildx 0.10: on by default,
off with ``provenance: false`` / ``--provenance=false`` or ``BUILDX_NO_DEFAULT_ATTESTATIONS``),
when the builder's BuildKit is 0.11 or newer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rsdock.lint.model.docker_steps import BUILD_PUSH, SETUP_BUILDX

if TYPE_CHECKING:  # the workflow model (ruamel) is loaded only for repositories with workflows
    from rsdock.lint.model.workflow import Job, Step, Workflow

# Actions that sign or attest with the workflow's OIDC identity.
SIGNING_ACTIONS = ("actions/attest-build-provenance", "actions/attest",
                   "actions/attest-sbom", "sigstore/gh-action-sigstore-python")
_COSIGN_SIGN = re.compile(r"\bcosign\s+(?:sign|attest)\b")
_NO_ATTESTATIONS = re.compile(r"--provenance[= ]+[\"']?false\b|BUILDX_NO_DEFAULT_ATTESTATIONS")
_BUILDX_BUILD = re.compile(r"\bdocker\s+buildx\s+(?:build|b)\b")
_PUSHING_OUTPUT = re.compile(r"type=registry|type=image\b.*\bpush=(?!false\b)")
# setup-buildx's `driver-opts: image=moby/buildkit:v0.10.6`: the BuildKit the job's builder runs.
_BUILDKIT_IMAGE = re.compile(r"\bimage=(?:docker\.io/)?moby/buildkit:v?(\d+)\.(\d+)")
# Attestations came with BuildKit 0.11 (moby/buildkit v0.11.0 release notes, 2023-01-10);
# an older daemon attaches none whatever the client asks.
_FIRST_ATTESTING_BUILDKIT = (0, 11)


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


def buildkit_attests(job: Job) -> bool:
    """Whether the builder ``job`` sets up can attach attestations: not when setup-buildx pins
    a BuildKit older than 0.11 (``driver-opts: image=moby/buildkit:v0.10.6``, ockam's)."""
    for step in job.steps:
        if step.is_action(SETUP_BUILDX):
            found = _BUILDKIT_IMAGE.search(step.input_text("driver-opts") or "")
            if found and (int(found[1]), int(found[2])) < _FIRST_ATTESTING_BUILDKIT:
                return False
    return True


# GitHub's attestation actions and what each attests about an image (its `subject-name` and
# `subject-digest`, pushed beside it with `push-to-registry: true`): build provenance, an SBOM.
_ATTESTS = {"actions/attest-build-provenance": "provenance", "actions/attest-sbom": "sbom"}


def image_attestations(workflow: Workflow) -> set[str]:
    """What ``workflow`` attests about a pushed image with GitHub's attestation actions
    (``provenance``, ``sbom``): a step naming an image digest (``subject-digest``), not files
    (``subject-path``). warpgate turns BuildKit's provenance off and attests the merged index
    with ``actions/attest-build-provenance`` instead."""
    found: set[str] = set()
    for _job, step in workflow.steps():
        for repo, what in _ATTESTS.items():
            if step.is_action(repo) and step.input_text("subject-digest"):
                found.add(what)
        if step.is_action("actions/attest") and step.input_text("subject-digest"):
            found.add("sbom" if step.input_text("sbom-path") else "provenance")
    return found


def builds_with_attestations(workflow: Workflow) -> bool:
    """Whether some build of ``workflow`` pushes images whose indexes hold attestations."""
    return any(attests(step) and buildkit_attests(job) for job, step in workflow.steps())


def publishes(step: Step) -> bool:
    """Whether a build-push step pushes its image (``push:`` not false, or a pushing
    ``outputs:`` exporter); a push only to a registry on the runner is not judged here."""
    push = (step.input_text("push") or "").strip().lower()
    outputs = step.input_text("outputs") or ""
    return push not in ("", "false") or _PUSHING_OUTPUT.search(outputs) is not None
