"""The GitHub Actions workflow model: triggers, permissions, jobs, steps and docker steps, located.

``parse_workflow(path, text)`` never raises: YAML it cannot read (bad syntax, duplicate keys,
tabs, alias bombs, non-UTF-8, an empty file) becomes a located ``RS001`` finding in ``errors``.
Lines and columns are 1-based, as in findings.
"""

from __future__ import annotations

import csv
import itertools
import posixpath
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from rsdock.lint.expressions import is_off_for_pull_requests
from rsdock.lint.findings import Finding, Severity, line_offsets
from rsdock.lint.platforms import NATIVE_PLATFORM, normalize

PARSE_RULE = "RS001"
# A workflow is a few hundred nodes; an alias bomb ("billion laughs") is billions once expanded.
MAX_NODES = 100_000
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_MATRIX_REF_RE = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")


@dataclass(frozen=True)
class Scalar:
    """A value with the 1-based position where it is written."""

    value: Any
    line: int
    column: int

    @property
    def text(self) -> str:
        """The value as a string ("" for null), as GitHub passes inputs to actions."""
        if self.value is None:
            return ""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)


@dataclass(frozen=True)
class Uses:
    """A step's ``uses:``: ``owner/repo[/path]@ref  # comment``."""

    text: str
    repo: str
    path: str
    ref: str
    comment: str
    line: int
    column: int

    @property
    def is_sha(self) -> bool:
        """Whether the ref is a full 40-hex commit SHA (immutable)."""
        return bool(_SHA_RE.match(self.ref))

    @property
    def version(self) -> str:
        """The version the ref stands for: the tag itself, or a SHA pin's ``# vX.Y.Z`` comment."""
        if not self.is_sha:
            return self.ref
        match = re.search(r"v?\d+(\.\d+)*", self.comment)
        return match.group() if match else ""


@dataclass
class Step:
    """One step of a job."""

    index: int
    line: int
    column: int
    name: str | None
    uses: Uses | None
    run: Scalar | None
    if_: Scalar | None
    with_: dict[str, Scalar]
    with_line: int | None
    data: CommentedMap

    def is_action(self, repo: str) -> bool:
        """Whether the step uses the action ``repo`` (``docker/build-push-action``)."""
        return self.uses is not None and self.uses.repo.lower() == repo.lower()

    def input_text(self, name: str) -> str | None:
        """The text of the ``with:`` input ``name``, or None when the step does not set it."""
        value = self.with_.get(name)
        return value.text if value is not None else None

    def label(self) -> str:
        """How messages name the step: its name, else its action, else its number."""
        return self.name or (self.uses.repo if self.uses else f"step {self.index + 1}")


@dataclass
class Job:
    """One job: its condition, runner, permissions, matrix and steps."""

    id: str
    line: int
    column: int
    if_: Scalar | None
    runs_on: Scalar | None
    permissions: Scalar | None
    matrix: Any
    steps: list[Step] = field(default_factory=list)

    def matrix_combinations(self) -> list[dict[str, Any]] | None:
        """The combinations of a literal ``strategy.matrix`` ([{}] when none), None when computed."""
        return _expand_matrix(self.matrix)

    def expand(self, text: str) -> list[str] | None:
        """``text`` with ``${{ matrix.x }}`` substituted for every combination; None when other
        expressions remain or the matrix is not literal."""
        if "${{" not in text:
            return [text]
        combos = self.matrix_combinations()
        if combos is None:
            return None
        results: list[str] = []
        for combo in combos:
            expanded = _substitute_matrix(text, combo)
            if "${{" in expanded:
                return None
            if expanded not in results:
                results.append(expanded)
        return results

    def native_platform(self) -> str:
        """The platform of the runner (``linux/arm64`` on ``*-arm`` runners, else ``linux/amd64``)."""
        label = self.runs_on.text.lower() if self.runs_on else ""
        return "linux/arm64" if re.search(r"arm|aarch64", label) else NATIVE_PLATFORM


@dataclass
class Workflow:
    """A parsed workflow; ``errors`` holds why it could not be read (then it is mostly empty).

    Attributes:
        triggers: event name to its position and configuration (``None`` for ``on: [push]``).
        permissions: the top-level ``permissions`` value, or None when absent.
    """

    path: str
    text: str
    errors: list[Finding] = field(default_factory=list)
    name: str | None = None
    triggers: dict[str, Scalar] = field(default_factory=dict)
    triggers_line: int = 1
    permissions: Scalar | None = None
    jobs: dict[str, Job] = field(default_factory=dict)
    jobs_line: int = 1
    data: Any = None

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines, split once for every reader that locates values in them."""
        return self.text.splitlines()

    def span(self, line: int, column: int, written: str) -> tuple[int, int] | None:
        """The ``[start, end)`` offsets of ``written`` at 1-based ``line`` and ``column`` of the
        text, or None when the source spells the value otherwise (quoted, escaped, folded); a
        fix edits only what it finds written as it expects."""
        offsets = line_offsets(self.text)
        if not 0 < line <= len(offsets):
            return None
        start = offsets[line - 1] + column - 1
        end = start + len(written)
        return (start, end) if self.text[start:end] == written else None

    def runs_on_pull_request(self) -> bool:
        """Whether a pull request triggers it (``pull_request``; not ``pull_request_target``)."""
        return "pull_request" in self.triggers

    def steps(self) -> Iterator[tuple[Job, Step]]:
        """Every (job, step) pair, in file order."""
        for job in self.jobs.values():
            for step in job.steps:
                yield job, step

    def action_steps(self, repo: str) -> Iterator[tuple[Job, Step]]:
        """The (job, step) pairs using the action ``repo``."""
        return ((job, step) for job, step in self.steps() if step.is_action(repo))


@dataclass(frozen=True)
class CacheSpec:
    """One ``cache-from``/``cache-to`` entry: ``type=gha,mode=max,scope=x``."""

    item: Scalar
    type: str
    options: dict[str, str]


@dataclass
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


def _split_csv(text: str) -> list[str]:
    # docker's actions read each line as CSV: a quoted field may hold commas, and loses its quotes.
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


def parse_workflow(path: str, text: str | bytes) -> Workflow:
    """Parse a GitHub Actions workflow.

    Args:
        path: the workflow's path, relative to the repository root (used in findings).
        text: its contents, as text or as raw bytes (decoded as UTF-8).

    Returns:
        The model; problems that make it unreadable are in ``errors`` as ``RS001`` findings.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            line = text[: error.start].count(b"\n") + 1
            workflow = Workflow(path, text.decode("utf-8", "replace"))
            return _fail(workflow, line, 0, "is not UTF-8 text: save it as UTF-8")
    workflow = Workflow(path, text.removeprefix("\ufeff"))
    if not workflow.text.strip():
        return _fail(workflow, 1, 0, "is empty: a workflow needs `on:` and `jobs:`")
    try:
        data = YAML(typ="rt").load(workflow.text)
        _count_nodes(data)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = (error.problem or error.context or "invalid YAML").strip()
        if "'\\t'" in problem:  # a tab where YAML expects indentation (tabs in scripts are fine)
            problem = "a tab indents this line: YAML allows only spaces for indentation"
        elif "duplicate key" in problem:
            problem += ": each key may appear once in a mapping"
        return _fail(workflow, mark.line + 1 if mark else 1, mark.column + 1 if mark else 0,
                     f"is not valid YAML: {problem}")
    except _TooLarge:
        return _fail(workflow, 1, 0, f"expands to more than {MAX_NODES} YAML nodes through "
                                     "aliases: remove the anchors that multiply it")
    except (YAMLError, RecursionError) as error:
        return _fail(workflow, 1, 0, f"is not valid YAML: {str(error).splitlines()[0]}")
    if not isinstance(data, CommentedMap):
        return _fail(workflow, 1, 0, "is not a mapping: a workflow needs `on:` and `jobs:` keys")
    workflow.data = data
    try:
        _read_workflow(workflow, data)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        # a shape no workflow has; report it rather than stop the whole lint run
        return _fail(workflow, 1, 0, f"has a structure rsdock cannot read ({error}): check it "
                                     "against GitHub's workflow syntax")
    return workflow


class _TooLarge(Exception):
    pass


def _count_nodes(root: Any) -> None:
    # Aliases share one object, so loading is cheap; walking them is what explodes. Walk once,
    # counting every visit, so recursive and exponential structures stop at MAX_NODES.
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _TooLarge
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _fail(workflow: Workflow, line: int, column: int, message: str) -> Workflow:
    workflow.errors.append(Finding(workflow.path, line, column, PARSE_RULE, Severity.ERROR,
                                   f"this workflow {message}"))
    return workflow


def _key_pos(mapping: CommentedMap, key: Any) -> tuple[int, int]:
    line, column = mapping.lc.key(key)
    return line + 1, column + 1


def _value(mapping: Any, key: Any) -> Scalar | None:
    """The value at ``key`` with its position, or None when the key is absent."""
    if not isinstance(mapping, CommentedMap) or key not in mapping:
        return None
    try:
        line, column = mapping.lc.value(key)
    except (KeyError, TypeError):  # merged keys (<<: *anchor) carry no position of their own
        line, column = mapping.lc.line, mapping.lc.col
    return Scalar(mapping[key], line + 1, column + 1)


def _read_workflow(workflow: Workflow, data: CommentedMap) -> None:
    name = data.get("name")
    workflow.name = str(name) if name is not None else None
    # YAML 1.1 readers turn a bare `on` into true; ruamel reads 1.2 but accept both spellings.
    on_key = "on" if "on" in data else (True if True in data else None)
    if on_key is not None:
        workflow.triggers_line = _key_pos(data, on_key)[0]
        workflow.triggers = _read_triggers(data, on_key)
    workflow.permissions = _value(data, "permissions")
    jobs = data.get("jobs")
    if "jobs" in data:
        workflow.jobs_line = _key_pos(data, "jobs")[0]
    if isinstance(jobs, CommentedMap):
        for job_id in jobs:
            if isinstance(jobs[job_id], CommentedMap):
                workflow.jobs[str(job_id)] = _read_job(str(job_id), jobs, workflow.lines)


def _read_triggers(data: CommentedMap, key: Any) -> dict[str, Scalar]:
    on = _value(data, key)
    assert on is not None
    if isinstance(on.value, str):
        return {on.value: Scalar(None, on.line, on.column)}
    if isinstance(on.value, CommentedSeq):
        return {str(event): Scalar(None, on.value.lc.item(i)[0] + 1, on.value.lc.item(i)[1] + 1)
                for i, event in enumerate(on.value)}
    if isinstance(on.value, CommentedMap):
        return {str(event): Scalar(config, *_key_pos(on.value, event))
                for event, config in on.value.items()}
    return {}


def _read_job(job_id: str, jobs: CommentedMap, lines: list[str]) -> Job:
    data = jobs[job_id]
    line, column = _key_pos(jobs, job_id)
    strategy = data.get("strategy")
    job = Job(job_id, line, column, _value(data, "if"), _value(data, "runs-on"),
              _value(data, "permissions"),
              strategy.get("matrix") if isinstance(strategy, CommentedMap) else None)
    steps = data.get("steps")
    if isinstance(steps, CommentedSeq):
        for index, step in enumerate(steps):
            if isinstance(step, CommentedMap):
                job.steps.append(_read_step(index, step, lines))
    return job


def _read_step(index: int, data: CommentedMap, lines: list[str]) -> Step:
    inputs: dict[str, Scalar] = {}
    with_line = None
    if isinstance(data.get("with"), CommentedMap):
        with_line = _key_pos(data, "with")[0]
        for key in data["with"]:
            value = _value(data["with"], key)
            if value is not None:
                inputs[str(key)] = value
    name = data.get("name")
    return Step(index, data.lc.line + 1, data.lc.col + 1, str(name) if name is not None else None,
                _read_uses(data, lines), _value(data, "run"), _value(data, "if"), inputs,
                with_line, data)


def _read_uses(data: CommentedMap, lines: list[str]) -> Uses | None:
    value = _value(data, "uses")
    if value is None or not isinstance(value.value, str):
        return None
    spec = value.value.strip()
    target, _, ref = spec.partition("@")
    parts = target.split("/")
    repo = "/".join(parts[:2]) if not spec.startswith(("./", "docker://")) else target
    # The trailing comment is what a SHA pin's reader sees: "@<sha> # v4.1.0".
    source = lines[value.line - 1] if value.line <= len(lines) else ""
    _, hash_sign, comment = source[value.column - 1 + len(spec):].partition("#")
    return Uses(spec, repo, "/".join(parts[2:]), ref, comment.strip() if hash_sign else "",
                value.line, value.column)


def _substitute_matrix(text: str, combo: dict[str, Any]) -> str:
    """``text`` with each ``${{ matrix.x }}`` that ``combo`` gives a scalar value replaced."""
    def value(match: re.Match) -> str:
        found = combo.get(match[1])
        return match[0] if found is None or isinstance(found, dict) else str(found)
    return _MATRIX_REF_RE.sub(value, text)


def _expand_matrix(matrix: Any) -> list[dict[str, Any]] | None:
    if matrix is None:
        return [{}]
    if not isinstance(matrix, dict):
        return None  # ${{ fromJSON(...) }}: computed at run time
    axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    if any(not isinstance(v, list) for v in axes.values()):
        return None
    if not axes:  # an include-only matrix: each entry is one combination
        return [dict(e) for e in matrix.get("include") or [] if isinstance(e, dict)] or None
    combos = [dict(zip(axes, values)) for values in itertools.product(*axes.values())]
    for rule in matrix.get("exclude") or []:
        if isinstance(rule, dict):
            combos = [c for c in combos if any(c.get(k) != v for k, v in rule.items())]
    originals = [dict(c) for c in combos]
    for extra in matrix.get("include") or []:
        if not isinstance(extra, dict):
            continue
        # GitHub adds an include to every combination whose original values it does not
        # overwrite; when it fits none, it becomes a combination of its own.
        fitting = [i for i, c in enumerate(originals)
                   if all(c.get(k, v) == v for k, v in extra.items() if k in axes)]
        for i in fitting:
            combos[i].update(extra)
        if not fitting:
            combos.append(dict(extra))
    return combos or [{}]


def off_for_pull_requests(workflow: Workflow, job: Job, step: Step,
                          *more: Scalar | None) -> bool | None:
    """Whether ``step`` (given its job's and step's ``if:`` and any ``more`` conditions such as
    ``push:``) is off for this workflow's pull request runs.

    Returns:
        True when it never runs (or the workflow never runs on pull_request), False when it
        always runs on pull requests, None when that depends on something unknown.
    """
    if not workflow.runs_on_pull_request():
        return True
    values = [c.value if c is not None else None for c in (job.if_, step.if_, *more)]
    return is_off_for_pull_requests(*values)


def dockerfile_paths(job: Job, build: BuildPush) -> list[str] | None:
    """The repository-relative Dockerfiles a build-push step builds (one per matrix value).

    Without ``file:``, the action builds ``<context>/Dockerfile`` (the repository root for the
    default Git context). None when an expression other than ``${{ matrix.* }}`` decides it.
    """
    if build.file is not None:
        files = job.expand(build.file.text.strip())
        return None if files is None else [posixpath.normpath(f).lstrip("/") for f in files]
    contexts = _contexts(job, build)
    if contexts is None:
        return None
    return [posixpath.normpath(posixpath.join(c, "Dockerfile")) for c in contexts]


def _contexts(job: Job, build: BuildPush) -> list[str] | None:
    """The build contexts of a build-push step (one per matrix value), None when computed."""
    context = build.context.text.strip() if build.context else "."
    if "://" in context or context.startswith("git@"):
        context = "."  # a Git context is the repository itself
    return job.expand(context)


def platform_entries(job: Job, build: BuildPush) -> tuple[list[tuple[Scalar, str]], bool]:
    """The platforms a build-push step names, as written: ``(item, name)`` pairs after matrix
    expansion and the comma split a matrix value may still need; the flag is False when an
    expression other than ``${{ matrix.* }}`` decides some of them (they are left out)."""
    found: list[tuple[Scalar, str]] = []
    complete = True
    for item in build.platforms:
        values = job.expand(item.text)
        complete = complete and values is not None
        for value in values or []:
            found += [(item, name.strip()) for name in value.split(",") if name.strip()]
    return found, complete


def uses_docker(workflow: Workflow) -> bool:
    """Whether any step uses one of docker's actions (what makes a workflow rsdock's business)."""
    return any(step.uses and step.uses.repo.lower().startswith("docker/")
               for _job, step in workflow.steps())


@dataclass(frozen=True)
class BuiltImage:
    """One Dockerfile a build-push step builds, with the platforms it builds it for.

    Attributes:
        platforms: ``(where, platform)`` pairs, normalized; ``where`` is the ``platforms:`` item,
            or the step's ``uses`` position when the step builds only the runner's platform.
        complete: False when some platform is decided at run time (an unknown expression).
    """

    workflow: Workflow
    job: Job
    step: Step
    dockerfile: str
    context: str
    platforms: tuple[tuple[Scalar, str], ...]
    complete: bool


def built_images(workflows: dict[str, Workflow]) -> Iterator[BuiltImage]:
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
                yield BuiltImage(workflow, job, step, path, context, tuple(found), complete)


def built_contexts(workflows: dict[str, Workflow],
                   dockerfiles: Iterable[str]) -> list[tuple[str, str]]:
    """Sorted (Dockerfile, context) pairs: what the ``workflows`` build, plus each of the other
    ``dockerfiles`` with the repository root as its context (``docker build .``)."""
    pairs = {(image.dockerfile, image.context) for image in built_images(workflows)}
    built = {dockerfile for dockerfile, _context in pairs}
    pairs |= {(path, ".") for path in dockerfiles if path not in built}
    return sorted(pairs)
