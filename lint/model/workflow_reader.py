"""Reading a GitHub Actions workflow into its model; the names rules use, in one namespace.

``parse_workflow(path, text)`` never raises: YAML it cannot read (bad syntax, duplicate keys,
tabs, alias bombs, non-UTF-8, an empty file) becomes a located ``RS001`` finding in ``errors``.
Lines and columns are 1-based, as in findings.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Iterator, Mapping

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from rsdock.lint.model.docker_steps import (BUILD_PUSH, CHECKOUT, LOGIN, SETUP_BUILDX, SETUP_QEMU,
                                             BuildPush, BuiltImage, CacheSpec, build_push,
                                             built_contexts, built_images, cache_specs,
                                             dockerfile_paths, input_list, local_action_text,
                                             on_runner, platform_entries, pushed_images,
                                             uses_docker)
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.model.paths import workflow_role
from rsdock.lint.model.yaml_load import TooDeep
from rsdock.lint.model.yaml_load import load as load_yaml
from rsdock.lint.model.workflow import Job, Scalar, Step, Uses, Workflow, off_for_pull_requests

__all__ = ["BUILD_PUSH", "CHECKOUT", "LOGIN", "SETUP_BUILDX", "SETUP_QEMU", "BuildPush",
           "BuiltImage", "CacheSpec", "Job", "MAX_NODES", "PARSE_RULE", "Scalar", "Step", "Uses",
           "Workflow", "build_push", "built_contexts", "built_images", "cache_specs",
           "dockerfile_paths", "input_list", "local_action_text", "off_for_pull_requests",
           "local_actions", "on_runner", "parse_action_steps", "parse_workflow", "platform_entries",
           "pushed_images", "uses_docker", "workflow_role"]

PARSE_RULE = "RS001"
# A workflow is a few hundred nodes; an alias bomb ("billion laughs") is billions once expanded.
MAX_NODES = 100_000
# The biggest real workflows are a few thousand lines; parsing YAML costs time and memory per line
# (a 100,000-line file took 16 s and 335 MB), so a longer one is refused before it is parsed.
MAX_LINES = 20_000
# ...nor bigger than a few hundred kilobytes: YAML of a few megabytes on 20,000 lines took 20 s.
MAX_BYTES = 1_000_000


def parse_workflow(path: str, text: str | bytes) -> Workflow:
    """Parse a GitHub Actions workflow.

    Args:
        path: the workflow's path, relative to the repository root (used in findings).
        text: its contents, as text or as raw bytes (decoded as UTF-8).

    Returns:
        The model; problems that make it unreadable are in ``errors`` as ``RS001`` findings.
    """
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            workflow = Workflow(path, data.decode("utf-8", "replace"))
            return _fail(workflow, line, 0, "is not UTF-8 text: save it as UTF-8")
    workflow = Workflow(path, text.removeprefix("\ufeff"))
    if not workflow.text.strip():
        return _fail(workflow, 1, 0, "is empty: a workflow needs `on:` and `jobs:`")
    lines = workflow.text.count("\n") + (0 if workflow.text.endswith("\n") else 1)
    if lines > MAX_LINES:
        return _fail(workflow, MAX_LINES + 1, 0, f"has {lines:,} lines; rsdock reads workflows of "
                                                 f"up to {MAX_LINES:,} lines: split it, or check "
                                                 "that this is the right file")
    if len(workflow.text) > MAX_BYTES:
        return _fail(workflow, 1, 0, f"has {len(workflow.text):,} characters; rsdock reads "
                                     f"workflows of up to {MAX_BYTES:,}: split it, or check that "
                                     "this is the right file")
    try:
        data = load_yaml(workflow.text)  # the round-trip model, through libyaml where exact
        _count_nodes(data)
    except TooDeep as error:
        mark = error.problem_mark
        return _fail(workflow, mark.line + 1, mark.column + 1, f"is refused: {error.problem}")
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
        why = ("through aliases: remove the anchors that multiply it" if _has_aliases(workflow.text)
               else "(it has no aliases: it is simply too big)")
        return _fail(workflow, 1, 0, f"expands to more than {MAX_NODES:,} YAML nodes {why}")
    except (YAMLError, RecursionError) as error:
        return _fail(workflow, 1, 0, f"is not valid YAML: {str(error).splitlines()[0]}")
    if not isinstance(data, CommentedMap):
        return _fail(workflow, 1, 0, "is not a mapping: a workflow needs `on:` and `jobs:` keys")
    workflow.data = data
    try:
        if workflow_role(path) == "action":
            _read_action(workflow, data)
        else:
            _read_workflow(workflow, data)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        # a shape no workflow has; report it rather than stop the whole lint run
        return _fail(workflow, 1, 0, f"has a structure rsdock cannot read ({error}): check it "
                                     "against GitHub's workflow syntax")
    return workflow


class _TooLarge(Exception):
    pass


def _has_aliases(text: str) -> bool:
    return re.search(r"(^|[\s\[{,:-])\*[^\s,\]}]+", text, re.MULTILINE) is not None


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


# The one job a composite action's steps are read into.
ACTION_JOB = "(composite action)"


def _read_action(workflow: Workflow, data: CommentedMap) -> None:
    """A local composite action (``runs: {using: composite, steps: [...]}``) as a workflow with
    one job holding its steps and no triggers: the rules about ``uses:`` read it like a job."""
    name = data.get("name")
    workflow.name = str(name) if name is not None else None
    runs = data.get("runs")
    if not isinstance(runs, CommentedMap):
        return
    line, column = _key_pos(data, "runs")
    job = Job(ACTION_JOB, line, column, None, None, None, None)
    steps = runs.get("steps")
    if isinstance(steps, CommentedSeq):
        for index, step in enumerate(steps):
            if isinstance(step, CommentedMap):
                job.steps.append(_read_step(index, step, workflow.lines))
    workflow.jobs[ACTION_JOB] = job
    workflow.jobs_line = line


def local_actions(workflow: Workflow, actions: Mapping[str, Workflow],
                  ) -> Iterator[tuple[Job, Step, Workflow]]:
    """``(job, step, action)`` for each step of ``workflow`` that runs a local composite action
    (``uses: ./.github/actions/build``) found among the parsed ``actions`` (by path): its steps
    run in that job, after that step's ``if:``."""
    for job, step in workflow.steps():
        action = local_action(step, actions)
        if action is not None:
            yield job, step, action


def local_action(step: Step, actions: Mapping[str, Workflow]) -> Workflow | None:
    """The local composite action among ``actions`` (by path) that ``step`` runs
    (``uses: ./.github/actions/build``), or None."""
    uses = step.uses
    if uses is None or not uses.text.startswith("./"):
        return None
    folder = posixpath.normpath(uses.text.split("@")[0]).strip("/")
    for name in ("action.yml", "action.yaml"):
        action = actions.get(f"{folder}/{name}")
        if action is not None and not action.errors:
            return action
    return None


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
    needs = data.get("needs")
    if isinstance(needs, str):
        job.needs = [needs]
    elif isinstance(needs, CommentedSeq):
        job.needs = [str(n) for n in needs if isinstance(n, (str, int))]
    outputs = data.get("outputs")
    if isinstance(outputs, CommentedMap):
        job.outputs = {str(k): v for k in outputs if (v := _value(outputs, k)) is not None}
    job.uses = _read_uses(data, lines)  # a reusable workflow the job calls
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


def parse_action_steps(text: str) -> list[Step]:
    """The steps of a composite action (an ``action.yml`` with ``runs.using: composite``), in
    order; [] for another kind of action or a file that cannot be read. Lines are the
    action file's."""
    try:
        data = load_yaml(text)
        _count_nodes(data)
    except (YAMLError, RecursionError, _TooLarge):
        return []
    runs = data.get("runs") if isinstance(data, CommentedMap) else None
    steps = runs.get("steps") if isinstance(runs, CommentedMap) else None
    if not isinstance(steps, CommentedSeq):
        return []
    lines = text.splitlines()
    return [_read_step(index, step, lines) for index, step in enumerate(steps)
            if isinstance(step, CommentedMap)]
