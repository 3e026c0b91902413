"""RS416: the registry the workflow logs in to is the one its images are pushed to."""

from __future__ import annotations

import re
from typing import Any, Iterable

from rsdock import validate
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

_ENV_RE = re.compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ONLY_EXPRESSION = re.compile(r"^\$\{\{[^}]*\}\}$")


class RS416(WorkflowRule):
    """Push images to the registry the workflow logs in to.

    ``docker/login-action`` without ``registry:`` logs in to Docker Hub; an image named
    ``ghcr.io/acme/api`` is pushed to ghcr.io, where the job has no credentials, and the push is
    refused ("denied: permission_denied" or "unauthorized") after the whole build. Log in to the
    registry each pushed name is on (``registry: ghcr.io`` with ``GITHUB_TOKEN``), or name the
    image on the registry you log in to. Names written as expressions rsdock cannot resolve are
    not judged.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v4
                with:
                  username: ${{ secrets.DOCKERHUB_USERNAME }}
                  password: ${{ secrets.DOCKERHUB_TOKEN }}
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: ghcr.io/acme/api:latest

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            permissions:
              contents: read
              packages: write
            steps:
              - uses: docker/login-action@v4
                with:
                  registry: ghcr.io
                  username: ${{ github.actor }}
                  password: ${{ secrets.GITHUB_TOKEN }}
              - uses: docker/build-push-action@v7
                with:
                  push: true
                  tags: ghcr.io/acme/api:latest
    """

    id = "RS416"
    name = "login-registry-matches-image"
    severity = Severity.ERROR
    message = "log in to the registry the image is pushed to, or name the image on the login's"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding per pushed image name on a registry no login step logs in to."""
        data: dict[str, Any] = file.data if isinstance(file.data, dict) else {}
        for job in file.jobs.values():
            logins = [s for s in job.steps if s.is_action(wf.LOGIN)]
            if not logins:
                continue
            registries = [(s.input_text("registry") or "docker.io").strip() for s in logins]
            if any("${{" in r for r in registries):
                continue  # a computed registry: not judged
            hosts = {validate.image_registry_host(r + "/x") for r in registries}
            job_env = _env(data.get("env")) | _env(_job_data(data, job.id).get("env"))
            for step in job.steps:
                env = job_env | _env(step.data.get("env"))
                for key in self._inputs(step):
                    value = step.with_[key]
                    for name in _names(value.text, env):
                        host = validate.image_registry_host(name)
                        if host not in hosts:
                            shown = " and ".join(sorted(hosts))
                            yield self.finding(file.path, value.line, value.column, message=(
                                f"{name} is pushed to {host}, but the job logs in to {shown} "
                                f"only: the push is refused; {self.message}"))

    @staticmethod
    def _inputs(step: wf.Step) -> list[str]:
        if step.is_action("docker/metadata-action"):
            return [k for k in ("images",) if k in step.with_]
        if step.is_action(wf.BUILD_PUSH) and (step.input_text("push") or "").strip() != "false":
            return [k for k in ("tags",) if k in step.with_]
        return []


def _job_data(data: dict[str, Any], job_id: str) -> dict[str, Any]:
    jobs = data.get("jobs")
    job = jobs.get(job_id) if isinstance(jobs, dict) else None
    return job if isinstance(job, dict) else {}


def _env(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, (str, int))}


def _names(text: str, env: dict[str, str]) -> list[str]:
    """The image names in a ``tags``/``images`` value, with ``${{ env.X }}`` resolved; names
    whose registry part stays an expression are left out."""
    names = []
    for entry in re.split(r"[\n,]", text):
        entry = entry.strip()
        if not entry or _ONLY_EXPRESSION.match(entry) or entry.startswith(("type=", "enable=")):
            continue
        if entry.startswith("name="):
            entry = entry[5:]
        entry = _ENV_RE.sub(lambda m: env.get(m[1], m[0]), entry)
        first = entry.split("/", 1)[0]
        if "${{" in first and "/" in entry and not _namespace_expression(first):
            continue
        names.append(entry.split(":", 1)[0] if "/" not in entry.split(":", 1)[-1] else entry)
    return names


def _namespace_expression(first: str) -> bool:
    # `${{ secrets.DOCKERHUB_USERNAME }}/api` or `${{ github.repository_owner }}/api`: a Docker
    # Hub namespace, not a host.
    return bool(re.fullmatch(r"\$\{\{[^}]*(USERNAME|owner|actor|user)[^}]*\}\}", first,
                             re.IGNORECASE))
