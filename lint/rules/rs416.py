"""RS416: the registry the workflow logs in to is the one its images are pushed to."""

from __future__ import annotations

import re
from typing import Any, Iterable

from rsdock import validate
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule

_ENV_RE = re.compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ONLY_EXPRESSION = re.compile(r"^\$\{\{[^}]*\}\}$")


class RS416(WorkflowRule):
    """Push images to the registry the workflow logs in to.

    ``docker/login-action`` without ``registry:`` logs in to Docker Hub; an image named
    ``ghcr.io/acme/api`` is pushed to ghcr.io, where the job has no credentials, and the push is
    refused ("denied: permission_denied" or "unauthorized") after the whole build. Log in to the
    registry each pushed name is on (``registry: ghcr.io`` with ``GITHUB_TOKEN``), or name the
    image on the registry you log in to. Logins through ``aws-actions/amazon-ecr-login`` (public
    ECR, or the account's private registries), ``azure/docker-login`` and a ``docker login`` in a
    script count; a registry on the runner itself (``localhost:5000``, a ``services:`` registry)
    needs none. Names and registries written as expressions rsdock cannot resolve are not
    judged.

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
            if not any(s.is_action(wf.LOGIN) for s in job.steps):
                continue
            logins = _logins(job.steps)
            if logins is None:
                continue  # a computed registry: not judged
            hosts, private_ecr = logins
            job_env = _env(data.get("env")) | _env(_job_data(data, job.id).get("env"))
            for step in job.steps:
                env = job_env | _env(step.data.get("env"))
                for key in self._inputs(step):
                    value = step.with_[key]
                    for name in _names(value.text, env):
                        host = validate.image_registry_host(name)
                        if host in hosts or wf.on_runner(name) or (
                                private_ecr and _PRIVATE_ECR.fullmatch(host)):
                            continue  # logged in, or the job's own registry (a service)
                        shown = " and ".join(sorted(hosts | (
                            {"the account's private ECR"} if private_ecr else set())))
                        yield self.finding(file.path, value.line, value.column, message=(
                            f"{name} is pushed to {host}, but the job logs in to {shown} "
                            f"only: the push is refused; {self.message}"), related=[
                                Related(file.path, s.line, "the job logs in here", s.column)
                                for s in job.steps if s.is_action(wf.LOGIN)][:3])

    @staticmethod
    def _inputs(step: wf.Step) -> list[str]:
        if step.is_action("docker/metadata-action"):
            return [k for k in ("images",) if k in step.with_]
        if step.is_action(wf.BUILD_PUSH) and (step.input_text("push") or "").strip() != "false":
            return [k for k in ("tags",) if k in step.with_]
        return []


# Registries the job logs in to without docker/login-action: Amazon ECR's own action (public
# ECR, or the account's private registries: their host is not in the workflow), Azure's, and a
# `docker login` in a script.
ECR_LOGIN = "aws-actions/amazon-ecr-login"
AZURE_LOGIN = "azure/docker-login"
_PRIVATE_ECR = re.compile(r"\d{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?")
_DOCKER_LOGIN = re.compile(r"\bdocker\s+login\b([^\n;&|)]*)")
_VALUED = ("-u", "--username", "-p", "--password")


def _logins(steps: list[wf.Step]) -> tuple[set[str], bool] | None:
    """The registry hosts the steps log in to, and whether Amazon ECR's action logs in to the
    account's private registries; None when a registry is an expression or a variable."""
    hosts: set[str] = set()
    private_ecr = False
    for step in steps:
        registries: list[str] = []
        if step.is_action(wf.LOGIN):
            registries.append((step.input_text("registry") or "docker.io").strip())
        elif step.is_action(AZURE_LOGIN):
            registries.append((step.input_text("login-server") or "").strip())
        elif step.is_action(ECR_LOGIN):
            if (step.input_text("registry-type") or "private").strip() == "public":
                registries.append("public.ecr.aws")
            else:
                private_ecr = True
        elif step.run is not None:
            registries += [_login_server(m[1]) for m in _DOCKER_LOGIN.finditer(step.run.text)]
        for registry in registries:
            if not registry or "${{" in registry or "$" in registry:
                return None
            hosts.add(validate.image_registry_host(registry + "/x"))
    return hosts, private_ecr


def _login_server(arguments: str) -> str:
    """The server a ``docker login`` command names (Docker Hub when none)."""
    words = arguments.split()
    index = 0
    while index < len(words):
        word = words[index]
        if word in _VALUED:
            index += 2
            continue
        if not word.startswith("-"):
            return word.strip("\"'")
        index += 1
    return "docker.io"


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
