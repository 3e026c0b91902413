"""Registry edits: switch docker/login-action steps between Docker Hub and ghcr.io.

The login, the image names rsdock's own workflow spells per registry, and the job permission
ghcr.io needs are edited in place; literal image names on the other registry are refused with
the change to make, since the namespace there is the user's to choose.
"""

from __future__ import annotations

import re

from ruamel.yaml.comments import CommentedMap

from rsdock.lint.model.workflow import Job
from rsdock.lint.model.workflow_reader import LOGIN, Workflow
from rsdock.wizard.edit.outcome import Outcome
from rsdock.wizard.edit.workflow_edit import WorkflowEditor, step_path
from rsdock.wizard.edit.yamltext import Unsupported
from rsdock.wizard.generate.render import IMAGE_PREFIX


def edit_registry(workflow: Workflow, registry: str) -> Outcome:
    """Switch every docker/login-action step to ``registry`` (dockerhub or ghcr).

    Only the login is edited; image names in tags and ``images:`` inputs are refused with the
    change to make by hand when they name the other registry.
    """
    ed = WorkflowEditor(workflow)
    want = {"ghcr": ("ghcr.io", "${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}"),
            "dockerhub": (None, "${{ secrets.DOCKERHUB_USERNAME }}",
                          "${{ secrets.DOCKERHUB_TOKEN }}")}[registry]
    for job, step in workflow.action_steps(LOGIN):
        host, user, password = want
        data = step.data.get("with")
        if not isinstance(data, CommentedMap):
            ed.refuse(step.line, "this login step has no `with:` mapping to edit")
            continue
        try:
            current = step.with_.get("registry")
            path = step_path(job.id, step.index, "with")
            if host and current is None:
                ed.insert_key(data, "registry", path + ("registry",), host)
            elif host and current is not None and current.text != host:
                ed.set_value(data, "registry", path + ("registry",), host)
            elif host is None and current is not None and current.text not in ("docker.io", ""):
                ed.set_value(data, "registry", path + ("registry",), "docker.io")
            for key, value in (("username", user), ("password", password)):
                if key in data and step.with_[key].text != value:
                    ed.set_value(data, key, path + (key,), value)
            ed.out.reasons.append(f"{job.id}: log in to {host or 'Docker Hub'}")
        except Unsupported as error:
            ed.refuse(step.line, str(error))
    for job in workflow.jobs.values():
        if any(s.is_action(LOGIN) for s in job.steps):
            _image_names(ed, job, registry)
            if registry == "ghcr":
                _grant_packages(ed, job)
    return ed.result()


def _image_names(ed: WorkflowEditor, job: Job, registry: str) -> None:
    """Move image names to ``registry`` where they are rsdock's own expression; refuse the
    literal ones (the namespace on the other registry is the user's to choose)."""
    other = "dockerhub" if registry == "ghcr" else "ghcr"
    places = []
    for step in job.steps:
        env = step.data.get("env")
        if isinstance(env, CommentedMap) and isinstance(env.get("IMAGE"), str):
            places.append((env, "IMAGE", step_path(job.id, step.index, "env", "IMAGE")))
        if step.is_action("docker/metadata-action") and "images" in step.with_:
            places.append((step.data["with"], "images",
                           step_path(job.id, step.index, "with", "images")))
        if step.is_action("docker/build-push-action") and "tags" in step.with_:
            places.append((step.data["with"], "tags",
                           step_path(job.id, step.index, "with", "tags")))
    for mapping, key, path in places:
        value = str(mapping[key])
        if re.fullmatch(r"\$\{\{[^}]*\}\}", value.strip()):
            continue  # derived from another step (steps.meta.outputs.tags)
        new = value.replace(IMAGE_PREFIX[other], IMAGE_PREFIX[registry])
        if new != value:
            ed.set_value(mapping, key, path, new)
            ed.out.reasons.append(f"{job.id}: image names on {registry}")
            continue
        host = "ghcr.io/" if registry == "ghcr" else ""
        names = [n.strip() for n in value.replace(",", "\n").split("\n") if n.strip()]
        if any((registry == "ghcr") != n.startswith("ghcr.io/") for n in names):
            line = mapping.lc.value(key)[0] + 1
            ed.refuse(line, f"`{key}` names images on another registry; which namespace to use "
                      f"on {registry} is yours to choose",
                      tuple(f"{key}: {host}<namespace>/{n.rsplit('/', 1)[-1]}" for n in names[:2]))


def _grant_packages(ed: WorkflowEditor, job: Job) -> None:
    value = job.permissions.value if job.permissions else None
    data = ed.workflow.data["jobs"][job.id]
    try:
        if value == "write-all" or (isinstance(value, dict) and value.get("packages") == "write"):
            return
        if isinstance(value, CommentedMap):
            if "packages" in value:
                ed.set_value(value, "packages", ("jobs", job.id, "permissions", "packages"),
                             "write")
            else:
                ed.insert_key(value, "packages", ("jobs", job.id, "permissions", "packages"),
                              "write")
        elif value is None:
            ed.insert_block(data, "permissions", ("jobs", job.id, "permissions"),
                            {"contents": "read", "packages": "write"})
        else:
            raise Unsupported(f"permissions: {value} cannot be extended")
        ed.out.reasons.append(f"{job.id}: permissions packages: write (push to ghcr.io)")
    except Unsupported as error:
        ed.refuse(job.line, f"pushing to ghcr.io needs `packages: write` ({error})",
                  ("permissions:", "  contents: read", "  packages: write"))
