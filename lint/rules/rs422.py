"""RS422: cosign signs an image by digest, never by tag."""

from __future__ import annotations

import re
import shlex
from typing import Iterable

from rsdock.lint.analysis import supply_chain
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.model.partial import Shape
from rsdock.lint.model.workflow_values import Tracer
from rsdock.lint.rules.rule import Context, WorkflowRule

_COSIGN_SIGN = re.compile(r"\bcosign\s+sign\b(?!-)([^\n|;&]*)")
# cosign sign's options that take a value as the next word (its booleans, `--sk` and
# `--new-bundle-format` among them, take one only after `=`).
_WITH_VALUE = frozenset({
    "-a", "--annotations", "--key", "-k", "--certificate", "--certificate-chain", "--payload",
    "--output-signature", "--output-certificate", "--output-payload", "--identity-token",
    "--fulcio-url", "--rekor-url", "--oidc-issuer", "--oidc-client-id", "--oidc-provider",
    "--registry-referrers-mode", "--attachment", "--slot", "--signing-config", "--bundle",
    "--trusted-root", "--timeout", "-t",
})
# A value named for tags (`${{ needs.build.outputs.tags }}`, `$TAGS`) when nothing says more.
_TAG_EXPRESSION = re.compile(r"\$\{\{[^}]*\.tags?\s*\}\}|\$\{?[A-Za-z_]*TAGS?\}?\b")


class RS422(WorkflowRule):
    """Sign ``image@sha256:<digest>``, not ``image:tag``: a tag may move before it is signed.

    ``cosign sign`` resolves a tag when it runs and signs whatever the tag points to then: a
    later push of the same tag (another run, another branch) can slip in between the build and
    the signature, and the signature then vouches for an image this run never built (cosign
    itself warns). Sign the digest the build step reports (``steps.<id>.outputs.digest``, or
    ``imagetools create --metadata-file`` for a merged index). The rule reads ``cosign sign``
    commands in ``run:`` steps and reports an image argument that names a tag (``name:tag``
    without ``@``), following where its parts come from: the script's own assignments,
    ``env:``, ``$GITHUB_ENV`` and ``$GITHUB_OUTPUT`` written by earlier steps, metadata-action's
    ``tags`` output, a local composite action's ``outputs:``, a job's ``outputs:`` read through
    ``needs``, and the matrix
    (``${{ matrix.image }}:latest``). A part that stays unknown is not taken for a tag, unless
    its name says so (``$TAGS``) or a ``:tag`` follows it.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            permissions:
              id-token: write
            steps:
              - run: cosign sign --yes ${{ steps.meta.outputs.tags }}

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          image:
            runs-on: ubuntu-24.04
            permissions:
              id-token: write
            steps:
              - env:
                  IMAGE: acme/app
                  DIGEST: ${{ steps.build.outputs.digest }}
                run: cosign sign --yes "$IMAGE@$DIGEST"
    """

    id = "RS422"
    name = "sign-tag-not-digest"
    severity = Severity.WARNING
    message = "sign `image@${{ steps.<build>.outputs.digest }}`: the digest the build pushed"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each ``cosign sign`` of a tag."""
        tracer = Tracer(file, ctx.other_workflows)
        for job, step in file.steps():
            if step.run is None:
                continue
            text = supply_chain.joined(step.run.text)
            for match in _COSIGN_SIGN.finditer(text):
                tagged = next((ref for ref in _references(match[1]) if _signs_tag(
                    ref, tracer.shapes(ref, job, step, text[:match.start()]))), None)
                if tagged is not None:
                    yield self.finding(file.path, step.line, step.column, (
                        f"`cosign sign` signs `{tagged}`, a tag, resolved when cosign runs: "
                        f"{self.message}"))


def _references(arguments: str) -> list[str]:
    """The image arguments of one ``cosign sign`` command line (its options skipped); none
    when a command substitution computes them (``$(jq ...)``: not judged)."""
    if "$(" in arguments or "`" in arguments:
        return []
    protected = re.sub(r"\$\{\{.*?\}\}", lambda m: m[0].replace(" ", ""), arguments)
    try:
        words = shlex.split(protected, comments=True)
    except ValueError:
        words = protected.split()
    found, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _WITH_VALUE
        else:
            found.append(word)
    return found


def _signs_tag(reference: str, traced: list[list[Shape]]) -> bool:
    """Whether the argument ``reference`` names a tag, given what the tracer found it can be
    (per matrix combination, its alternatives): every alternative of some combination is
    ``name:tag``; or nothing is known of it and its name says tags (``$TAGS``)."""
    if "@" in reference:
        return False
    if any(all(_names_tag(shape) for shape in alternatives) for alternatives in traced):
        return True
    unknown = all(not "".join(shape.pieces) for alternatives in traced for shape in alternatives)
    return unknown and _TAG_EXPRESSION.search(reference) is not None


def _names_tag(reference: Shape) -> bool:
    """Whether every value of ``reference`` names a tag: ``name:tag``, no ``@`` (a hole after
    the last ``/`` may be anything but a digest: see the tracer)."""
    marked = reference.marked()
    if "@" in marked:
        return False
    last = marked.rsplit("/", 1)[-1]
    return ":" in last and last.rsplit(":", 1)[1] != ""
