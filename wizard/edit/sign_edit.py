"""``rsdock edit --sign``: provenance, an SBOM and a keyless signature for a workflow's images.

Minimal, as every edit: each publishing build step gets ``provenance: mode=max`` and
``sbom: true`` (a ``provenance: false`` is switched on), and a job that pushes by tag gets one
signing job appended after the last job, the only job granted ``id-token: write``, skipped for
pull requests: it logs in as the build job does and runs ``cosign sign`` on the digest the
build step reports (passed through the build job's ``outputs:``). A matrix job or a push by
digest (merged elsewhere) is refused with the lines to add by hand: where its final index is
created is the place to sign, and rsdock does not guess it.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from rsdock.lint.analysis import supply_chain
from rsdock.lint.knowledge import actions
from rsdock.lint.model.workflow_reader import Workflow
from rsdock.wizard.edit.outcome import Outcome
from rsdock.wizard.edit.sources import BuildStep
from rsdock.wizard.edit.workflow_edit import WorkflowEditor, image_ref
from rsdock.wizard.edit.yamltext import Unsupported

_LOGIN = "docker/login-action"
_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_PLAIN_RE = re.compile(r"^[A-Za-z0-9_./${}() |&!=<>'-]*$")
MANUAL_SIGN = (
    "in the job that creates the final image (after the push, or the merge's `imagetools "
    "create`): `permissions: {contents: read, id-token: write}`, "
    "`if: github.event_name != 'pull_request'`,",
    f"- uses: {actions.ACTIONS['sigstore/cosign-installer'].uses()} "
    f"# v{actions.ACTIONS['sigstore/cosign-installer'].version}",
    "- run: cosign sign --yes \"$IMAGE@$DIGEST\"   (DIGEST: the pushed index's digest)",
)


def edit_sign(workflow: Workflow, builds: list[BuildStep]) -> Outcome:
    """Attach provenance and an SBOM to every publishing build of ``workflow`` and sign what
    the jobs that push by tag push (see the module docstring)."""
    ed = WorkflowEditor(workflow)
    to_sign: dict[str, list[BuildStep]] = {}
    for build in builds:
        step, job = build.step, build.job
        if not supply_chain.publishes(step):
            continue
        try:
            for key, value in (("provenance", "mode=max"), ("sbom", "true")):
                current = step.with_.get(key)
                if current is not None and current.text.strip().lower() not in ("", "false"):
                    continue
                ed.put_input(job.id, step, key, value)
        except Unsupported as error:
            ed.refuse(step.line, str(error))
            continue
        if any(supply_chain.signs(s) for s in job.steps):
            continue  # this job signs already
        if job.matrix or "push-by-digest=true" in (step.input_text("outputs") or ""):
            ed.refuse(step.line, f"{job.id} builds per platform and pushes by digest: sign the "
                      "merged index where it is created", MANUAL_SIGN)
            continue
        to_sign.setdefault(job.id, []).append(build)
    for job_id, job_builds in to_sign.items():
        _add_sign_job(ed, workflow, job_id, job_builds)
    return ed.result()


def _add_sign_job(ed: WorkflowEditor, workflow: Workflow, job_id: str, builds: list[BuildStep]) -> None:
    """Append a job signing each build's digest, and the build job's ``outputs:`` it reads."""
    job = builds[0].job
    first = builds[0].step
    jobs = workflow.data.get("jobs") if isinstance(workflow.data, dict) else None
    if not isinstance(jobs, dict) or list(workflow.data)[-1] != "jobs" or \
            list(jobs)[-1] is None:
        ed.refuse(first.line, "`jobs:` is not the last part of the workflow: rsdock appends "
                  "the signing job after the last job", MANUAL_SIGN)
        return
    mapping = jobs.get(job_id)
    if not isinstance(mapping, dict):
        ed.refuse(job.line, f"{job_id} is not a plain mapping", MANUAL_SIGN)
        return
    outputs: dict[str, str] = {}
    steps: list[dict[str, Any]] = []
    logins = [s for s in job.steps if s.is_action(_LOGIN)]
    if not logins:
        ed.refuse(first.line, f"{job_id} logs in with no docker/login-action step: cosign "
                  "needs the same login to push the signature", MANUAL_SIGN)
        return
    for login in logins:
        steps.append({"name": login.name or "Log in", "uses": login.action.text,
                      "with": {k: v.text for k, v in login.with_.items()}})
    steps.append({"name": "Install cosign",
                  "uses": f"{actions.ACTIONS['sigstore/cosign-installer'].uses()}"})
    for number, build in enumerate(builds, 1):
        step_id = build.step.data.get("id")
        image = image_ref(workflow, build)
        if not step_id or not _ID_RE.match(str(step_id)):
            ed.refuse(build.step.line, "the build step has no `id:`, so its digest output "
                      "cannot be read", ("id: build   (on the build step)", *MANUAL_SIGN))
            return
        if image is None or "steps." in image or ("env." in image and mapping.get("env")):
            ed.refuse(build.step.line, "the image name is not known outside its job",
                      MANUAL_SIGN)
            return
        key = f"digest-{number}" if len(builds) > 1 else "digest"
        outputs[key] = f"${{{{ steps.{step_id}.outputs.digest }}}}"
        steps.append({"name": f"Sign {image} by digest",
                      "env": {"IMAGE": image, "DIGEST": f"${{{{ needs.{job_id}.outputs.{key} }}}}"},
                      "run": 'cosign sign --yes "$IMAGE@$DIGEST"'})
    if mapping.get("outputs") is not None:
        ed.refuse(job.line, f"{job_id} has outputs already: rsdock adds its own only to a job "
                  "without", (*(f"{k}: {v}" for k, v in outputs.items()), *MANUAL_SIGN))
        return
    sign_id = f"{job_id}-sign"
    while sign_id in jobs:
        sign_id += "-2"
    permissions: dict[str, str] = {"contents": "read", "id-token": "write"}
    if any("ghcr.io" in (s.input_text("registry") or "") for s in logins):
        permissions["packages"] = "write"
    sign_job: dict[str, Any] = {
        "needs": job_id, "if": "github.event_name != 'pull_request'",
        "runs-on": "ubuntu-latest", "timeout-minutes": 10, "permissions": permissions,
        "steps": steps}
    try:
        ed.insert_block(cast(CommentedMap, mapping), "outputs", ("jobs", job_id, "outputs"),
                        outputs)
    except Unsupported as error:
        ed.refuse(job.line, str(error), MANUAL_SIGN)
        return
    ed.changes.append((("jobs", sign_id), json.loads(json.dumps(sign_job))))
    column = job.column - 1
    text = _dump({sign_id: sign_job}, column)
    newline = "\r\n" if "\r\n" in ed.text else "\n"
    end = len(ed.text)
    prior = ed.replacements.get(end)
    body = ("" if ed.text.endswith(("\n", "\r")) else newline) + newline + \
        f"{' ' * column}# Signs the digests {job_id} pushes; the only job that may mint an " \
        f"OIDC token.{newline}" + text.replace("\n", newline)
    ed.replacements[end] = (end, (prior[1] if prior else "") + body)
    ed.out.reasons.append(f"{sign_id}: a job signing {job_id}'s images by digest (cosign)")


def _dump(data: dict[str, Any], indent: int) -> str:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(data, out)
    pin = actions.ACTIONS["sigstore/cosign-installer"]
    text = out.getvalue().replace(f"uses: {pin.uses()}\n", f"uses: {pin.uses()} # v{pin.version}\n")
    return "".join(" " * indent + line if line.strip() else line
                   for line in text.splitlines(keepends=True))
