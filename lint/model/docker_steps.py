"""What docker's actions make of a workflow's steps: build-push inputs split as the actions
split them, the Dockerfiles, contexts and platforms each build uses.
"""

from __future__ import annotations

import csv
import posixpath
import re
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from rsdock.lint.knowledge.platforms import normalize
from rsdock.lint.model.expressions import possible_values, strip_braces
from rsdock.lint.model.workflow import Job, Scalar, Step, Workflow
from rsdock.records import field, record


@record(frozen=True)
class CacheSpec:
    """One ``cache-from``/``cache-to`` entry: ``type=gha,mode=max,scope=x``."""

    item: Scalar
    type: str
    options: dict[str, str]


@record
class BuildPush:
    """The inputs of a ``docker/build-push-action`` step, split as the action splits them."""

    step: Step
    file: Scalar | None
    context: Scalar | None
    push: Scalar | None
    platforms: list[Scalar]
    tags: list[Scalar]
    build_args: list[Scalar]
    cache_from: list[CacheSpec]
    cache_to: list[CacheSpec]


BUILD_PUSH = "docker/build-push-action"
SETUP_BUILDX = "docker/setup-buildx-action"
SETUP_QEMU = "docker/setup-qemu-action"
LOGIN = "docker/login-action"
CHECKOUT = "actions/checkout"
METADATA = "docker/metadata-action"
# `tags: ${{ steps.meta.outputs.tags }}`: the tags docker/metadata-action made for its images
_METADATA_TAGS = re.compile(r"\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.tags\s*\}\}")


def input_list(workflow: Workflow, value: Scalar | None, split_commas: bool = True) -> list[Scalar]:
    """Split an action input the way docker's actions do: by newline, and by comma unless
    ``split_commas`` is False; items are trimmed, empty ones dropped; each keeps its own line."""
    if value is None or value.value is None:
        return []
    lines = workflow.lines
    block = isinstance(value.value, (LiteralScalarString, FoldedScalarString))
    items: list[Scalar] = []
    for offset, chunk in enumerate(value.text.split("\n")):
        line = value.line + 1 + offset if block else value.line
        parts = _split_csv(chunk) if split_commas else [chunk]
        for part in parts:
            part = part.strip()
            if not part:
                continue
            source = lines[line - 1] if 0 < line <= len(lines) else ""
            found = source.find(part, value.column - 1 if line == value.line else 0)
            items.append(Scalar(part, line, found + 1 if found >= 0 else value.column))
    return items


_EXPRESSION_RE = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)


def _split_csv(text: str) -> list[str]:
    # docker's actions read each line as CSV: a quoted field may hold commas, and loses its quotes.
    # GitHub substitutes `${{ }}` before the action reads the input, so a comma inside one (a
    # literal of `cond && 'a,b' || 'c'`) is not a separator here: the expression stays whole.
    if "${{" in text:
        held: list[str] = []

        def hold(match: re.Match[str]) -> str:
            held.append(match.group())
            return f"\x00{len(held) - 1}\x00"

        parts = _split_csv(_EXPRESSION_RE.sub(hold, text))
        return [re.sub(r"\x00(\d+)\x00", lambda m: held[int(m.group(1))], p) for p in parts]
    try:
        return next(csv.reader([text], skipinitialspace=True), [])
    except csv.Error:
        return text.split(",")


def cache_specs(workflow: Workflow, value: Scalar | None) -> list[CacheSpec]:
    """The entries of a ``cache-from``/``cache-to`` input, each parsed into type and options."""
    specs = []
    for item in input_list(workflow, value, split_commas=False):
        options: dict[str, str] = {}
        for part in _split_csv(item.text):
            key, _, val = part.strip().partition("=")
            options[key.strip().lower()] = val.strip()
        if "type" not in options and len(options) == 1:  # a bare ref means type=registry
            options = {"type": "registry", "ref": item.text}
        specs.append(CacheSpec(item, options.pop("type", "registry").lower(), options))
    return specs


def build_push(workflow: Workflow, step: Step) -> BuildPush:
    """The docker inputs of a build-push step."""
    w = step.with_
    return BuildPush(
        step=step, file=w.get("file"), context=w.get("context"), push=w.get("push"),
        platforms=input_list(workflow, w.get("platforms")),
        tags=input_list(workflow, w.get("tags")),
        build_args=input_list(workflow, w.get("build-args"), split_commas=False),
        cache_from=cache_specs(workflow, w.get("cache-from")),
        cache_to=cache_specs(workflow, w.get("cache-to")),
    )


# A registry on the runner itself: a `services: registry` container (localhost:5000, or its
# service name from a container job) or one a step starts. A push there publishes nothing and
# needs no login.
_ON_RUNNER = re.compile(r"(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?/|registry:\d+/")


def on_runner(image: str) -> bool:
    """Whether ``image`` names a registry on the runner (``localhost:5000/app``)."""
    return _ON_RUNNER.match(image.strip()) is not None


def pushed_images(workflow: Workflow, job: Job, build: BuildPush) -> list[str]:
    """The images a build-push step's tags name: each literal tag, and for a tag that is a
    ``docker/metadata-action`` step's ``outputs.tags``, that step's ``images`` (the tags it
    makes are theirs); a tag from any other expression stays as written."""
    names: list[str] = []
    for tag in build.tags:
        match = _METADATA_TAGS.fullmatch(tag.text)
        meta = next((s for s in job.steps if match and s.is_action(METADATA)
                     and str(s.data.get("id", "")) == match[1]), None)
        if meta is None:
            names.append(tag.text)
            continue
        for image in input_list(workflow, meta.with_.get("images"), split_commas=False):
            first = _split_csv(image.text)[0].strip() if image.text else ""
            names.append(first.removeprefix("name="))
    return names


def checkout_paths(job: Job) -> list[str]:
    """Where the job checks the repository out, relative to the workspace: the ``path:`` of
    each ``actions/checkout`` of this repository (any ref), "" for the workspace itself."""
    found = []
    for step in job.steps:
        if not step.is_action(CHECKOUT):
            continue
        repository = (step.input_text("repository") or "").strip()
        if repository and "github.repository" not in repository:
            continue  # another repository checked out beside this one
        path = (step.input_text("path") or "").strip().strip("/")
        if "${{" not in path:
            found.append("" if path in ("", ".") else posixpath.normpath(path))
    return found


def in_repository(job: Job, path: str) -> str:
    """``path`` (relative to the job's workspace) relative to the repository instead, for a job
    that checked the repository out under ``path:``."""
    path = posixpath.normpath(path.strip().lstrip("/")) if path.strip() else "."
    if path.startswith("./"):
        path = path[2:]
    for prefix in checkout_paths(job):
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            return posixpath.normpath(path[len(prefix):].lstrip("/") or ".")
    return path


def dockerfile_paths(job: Job, build: BuildPush) -> list[str] | None:
    """The repository-relative Dockerfiles a build-push step builds (one per matrix value).

    Without ``file:``, the action builds ``<context>/Dockerfile`` (the repository root for the
    default Git context). None when an expression other than ``${{ matrix.* }}`` decides it.
    Paths under the checkout's ``path:`` are made relative to the repository.
    """
    if build.file is not None:
        files = job.expand(build.file.text.strip())
        return None if files is None else [in_repository(job, f) for f in files]
    contexts = _contexts(job, build)
    if contexts is None:
        return None
    return [posixpath.normpath(posixpath.join(c, "Dockerfile")) for c in contexts]


def git_context(context: str) -> str:
    """A build context as a folder of the repository: a Git context is the repository itself
    (``https://github.com/o/r.git``, ``git@...``), and build-push-action's own
    ``{{defaultContext}}`` (the commit being built) is the root, ``{{defaultContext}}:sub`` its
    folder ``sub``; anything else is returned as written."""
    if context.startswith("{{defaultContext}}"):
        return context[len("{{defaultContext}}"):].lstrip(":").strip("/") or "."
    if "://" in context or context.startswith("git@"):
        return "."
    return context


def _contexts(job: Job, build: BuildPush) -> list[str] | None:
    """The build contexts of a build-push step (one per matrix value), None when computed."""
    context = git_context(build.context.text.strip() if build.context else ".")
    expanded = job.expand(context)
    return None if expanded is None else [in_repository(job, c) for c in expanded]


def platform_entries(job: Job, build: BuildPush) -> tuple[list[tuple[Scalar, str]], bool]:
    """The platforms a build-push step names, as written: ``(item, name)`` pairs after matrix
    expansion and the comma split a matrix value may still need; the flag is False when an
    expression other than ``${{ matrix.* }}`` decides some of them (they are left out)."""
    found: list[tuple[Scalar, str]] = []
    complete = True
    for item in build.platforms:
        values = job.expand(item.text)
        if values is None and "${{" not in strip_braces(item.text):
            outcomes = possible_values(item.text)
            if outcomes is not None:  # `cond && 'linux/amd64,linux/arm64' || 'linux/amd64'`
                values = [str(v).lower() if isinstance(v, bool) else str(v) for v in outcomes]
        complete = complete and values is not None
        for value in values or []:
            found += [(item, name.strip()) for name in value.split(",") if name.strip()]
    return found, complete


def uses_docker(workflow: Workflow) -> bool:
    """Whether any step uses one of docker's actions (what makes a workflow rsdock's business)."""
    return any(step.uses and step.uses.repo.lower().startswith("docker/")
               for _job, step in workflow.steps())


@record(frozen=True)
class BuiltImage:
    """One Dockerfile a build-push step builds, with the platforms it builds it for.

    Attributes:
        platforms: ``(where, platform)`` pairs, normalized; ``where`` is the ``platforms:`` item,
            or the step's ``uses`` position when the step builds only the runner's platform.
        complete: False when some platform is decided at run time (an unknown expression).
        build: the step's docker inputs, as :func:`build_push` read them.
    """

    workflow: Workflow
    job: Job
    step: Step
    dockerfile: str
    context: str
    platforms: tuple[tuple[Scalar, str], ...]
    complete: bool
    build: BuildPush = field(compare=False, repr=False)  # derived from step


def built_images(workflows: Mapping[str, Workflow]) -> Iterator[BuiltImage]:
    """Every (Dockerfile, platforms) that the readable ``workflows`` build, in file order."""
    for workflow in workflows.values():
        if workflow.errors:
            continue
        for job, step in workflow.action_steps(BUILD_PUSH):
            build = build_push(workflow, step)
            entries, complete = platform_entries(job, build)
            found = [(item, normalize(name)) for item, name in entries]
            if not build.platforms:
                assert step.uses is not None
                where = Scalar(None, step.uses.line, step.uses.column)
                found.append((where, job.native_platform()))
            contexts = _contexts(job, build)
            context = posixpath.normpath(contexts[0]) if contexts and len(contexts) == 1 else "."
            for path in dockerfile_paths(job, build) or []:
                yield BuiltImage(workflow, job, step, path, context, tuple(found), complete,
                                 build)


def built_contexts(workflows: dict[str, Workflow],
                   dockerfiles: Iterable[str]) -> list[tuple[str, str]]:
    """Sorted (Dockerfile, context) pairs: what the ``workflows`` build, plus each of the other
    ``dockerfiles`` with the repository root as its context (``docker build .``)."""
    pairs = {(image.dockerfile, image.context) for image in built_images(workflows)}
    built = {dockerfile for dockerfile, _context in pairs}
    pairs |= {(path, ".") for path in dockerfiles if path not in built}
    return sorted(pairs)


def local_action_text(root: Path | None, step: Step) -> str:
    """The ``action.yml`` text of a step's ``uses: ./path`` composite action of the repository
    at ``root`` ("" for other steps, or when it cannot be read): what its steps set up."""
    uses = step.uses
    if uses is None or not uses.text.startswith("./") or root is None:
        return ""
    folder = root / uses.text.split("@")[0]
    for name in ("action.yml", "action.yaml"):
        try:
            return (folder / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return ""
