"""What a value written in a workflow can be where a step reads it, followed through the job
graph: ``${{ matrix.x }}`` (each combination), ``${{ env.X }}`` and ``$X`` (the step's, job's
and workflow's ``env:``, ``$GITHUB_ENV`` written by an earlier step, an assignment earlier in
the same script), ``${{ steps.<id>.outputs.<name> }}`` (metadata-action's tags, build-push's
digest, ``$GITHUB_OUTPUT`` written by a script, a local composite action's ``outputs:`` with its
``inputs`` from the calling step's ``with:``) and ``${{ needs.<job>.outputs.<name> }}`` (the
needed job's ``outputs:``, traced in that job).

Each value comes back as :class:`~rsdock.lint.model.partial.Shape`\\ s: what is known, with a
hole for what is not. A hole whose name says it holds a digest (``$DIGEST``,
``inputs.image-digest``) is the shape ``…@…``: it may well pin the reference.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Mapping

from rsdock.lint.model.docker_steps import BUILD_PUSH, METADATA
from rsdock.lint.model.partial import HOLE, Shape
from rsdock.lint.model.workflow import Job, Step, Workflow
from rsdock.lint.model.workflow_reader import ACTION_JOB, local_action

# What metadata-action's `tags` output holds: full references, `name:tag` each.
TAG_OUTPUT = "image" + HOLE + ":" + HOLE
_DIGEST_OUTPUT = "sha256:" + HOLE
_MAYBE_DIGEST = HOLE + "@" + HOLE
_MAX_ALTERNATIVES = 16
_MAX_DEPTH = 6
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_SHELL_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_SHELL_OTHER = re.compile(r"\$(?:\{[^}]*\}|\([^)]*\)|[0-9@*#?$!-])|`[^`]*`")
# `echo "NAME=value" >> "$GITHUB_ENV"`, also spelt `echo "NAME"=$value >> $GITHUB_OUTPUT`.
_COMMENT_LINE = re.compile(r"^\s*#.*$", re.MULTILINE)
_WRITE = re.compile(r"""\becho\s+["']?([A-Za-z_][A-Za-z0-9_-]*)["']?=(.*?)["']?\s*>>\s*["']?"""
                    r"""\$\{?GITHUB_(ENV|OUTPUT)\}?["']?""")


class Tracer:
    """Traces values in one workflow (see the module's docstring)."""

    def __init__(self, workflow: Workflow, actions: Mapping[str, Workflow] | None = None) -> None:
        """``actions``: the repository's local composite actions by path (``Context``'s
        ``other_workflows``), whose outputs a step of ``workflow`` may read."""
        self.workflow = workflow
        self.actions = actions or {}

    def shapes(self, text: str, job: Job, step: Step | None, script: str | None = None,
               ) -> list[list[Shape]]:
        """What ``text`` can be, read by ``step`` of ``job``: for each matrix combination of
        the job, its alternatives (what it is depends on something not known, such as which
        branch of a script ran). ``script`` is the text of the step's script before where
        ``text`` is read: ``$X`` is then a shell variable, and the script's own earlier
        assignments count; without it only ``${{ }}`` is traced."""
        combos = job.matrix_combinations() or [{}]
        found: list[list[Shape]] = []
        for combo in combos:
            values = self._text(text, _Where(job, step, combo, script), 0)
            shapes = [Shape(tuple(v.split(HOLE))) for v in values]
            if shapes not in found:
                found.append(shapes)
        return found

    # Each function below returns the alternatives as marked strings (holes as HOLE).
    def _text(self, text: str, where: _Where, depth: int) -> list[str]:
        if depth > _MAX_DEPTH:
            return [HOLE]
        parts: list[list[str]] = []
        position = 0
        pattern = _EXPRESSION if where.script is None else re.compile(
            f"{_EXPRESSION.pattern}|{_SHELL_VAR.pattern}|{_SHELL_OTHER.pattern}", re.DOTALL)
        for match in pattern.finditer(text):
            parts.append([_unquoted(text[position:match.start()], where)])
            parts.append(self._reference(match, where, depth))
            position = match.end()
        parts.append([_unquoted(text[position:], where)])
        joined = ["".join(p) for p in itertools.islice(itertools.product(*parts),
                                                       _MAX_ALTERNATIVES)]
        return list(dict.fromkeys(joined))

    def _reference(self, match: re.Match[str], where: _Where, depth: int) -> list[str]:
        if match[0].startswith("${{"):
            return self._expression(match[1].strip(), where, depth)
        name = match[2] or match[3]  # $NAME or ${NAME}; anything else ($(...), $1) is unknown
        if not name:
            return [HOLE]
        return self._variable(name, where, depth, shell=True)

    def _expression(self, expression: str, where: _Where, depth: int) -> list[str]:
        parts = expression.split(".")
        if len(parts) == 2 and parts[0] == "matrix":
            value = where.combo.get(parts[1])
            return [str(value)] if isinstance(value, (str, int, float)) else [_hole(expression)]
        if len(parts) == 2 and parts[0] == "env":
            return self._variable(parts[1], where, depth, shell=False)
        if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
            return self._step_output(parts[1], parts[3], where, depth)
        if len(parts) == 4 and parts[0] == "needs" and parts[2] == "outputs":
            return self._job_output(parts[1], parts[3], where, depth)
        if len(parts) == 2 and parts[0] == "inputs" and where.caller is not None:
            return self._input(parts[1], where, depth)
        return [_hole(expression)]

    def _input(self, name: str, where: _Where, depth: int) -> list[str]:
        """``${{ inputs.name }}`` in a composite action: the calling step's ``with:``, else the
        input's ``default``."""
        assert where.caller is not None
        step, called_from, action = where.caller
        given = step.with_.get(name)
        if given is not None:
            return self._text(given.text, called_from.outer(), depth + 1)
        declared = _mapping(_mapping(action.data).get("inputs")).get(name)
        default = _mapping(declared).get("default")
        if isinstance(default, (str, int, float)):
            return self._text(str(default), where.outer(), depth + 1)
        return [_hole(name)]

    def _variable(self, name: str, where: _Where, depth: int, shell: bool) -> list[str]:
        """``$name`` (``shell``) or ``${{ env.name }}``: an assignment earlier in the script,
        else the step's ``env:``, else what earlier steps wrote to ``$GITHUB_ENV`` and the
        job's and workflow's ``env:``."""
        if shell and where.script is not None:
            assigned = _assignments(where.script, name)
            if assigned:
                before = where.script[:where.script.rfind(name + "=")]
                inner = _Where(where.job, where.step, where.combo, before, where.caller)
                return _alternatives(self._text(v, inner, depth + 1) for v in assigned)
        step_env = _env(where.step.data if where.step is not None else None)
        if name in step_env:
            return self._text(step_env[name], where.outer(), depth + 1)
        values = [(value, _Where(where.job, step, where.combo, before, where.caller))
                  for step in self._earlier(where)
                  for key, value, before in _writes(step, "ENV") if key == name]
        for scope in (self._job_data(where.job), self.workflow.data):
            scope_env = _env(scope)
            if name in scope_env:
                values.append((scope_env[name], where.outer()))
                break
        if not values:
            return [_hole(name)]
        return _alternatives(self._text(value, at, depth + 1) for value, at in values)

    def _step_output(self, step_id: str, name: str, where: _Where, depth: int) -> list[str]:
        step = next((s for s in self._earlier(where) if str(s.data.get("id", "")) == step_id),
                    None)
        if step is None:
            return [_hole(name)]
        if step.is_action(METADATA) and name == "tags":
            return [TAG_OUTPUT]
        if step.is_action(BUILD_PUSH) and name in ("digest", "imageid"):
            return [_DIGEST_OUTPUT]
        action = local_action(step, self.actions)
        if action is not None and ACTION_JOB in action.jobs:
            output = _mapping(_mapping(_mapping(action.data).get("outputs")).get(name))
            value = output.get("value")
            if not isinstance(value, str):
                return [_hole(name)]
            inside = _Where(action.jobs[ACTION_JOB], None, {}, None, (step, where, action))
            return self._text(value, inside, depth + 1)
        written = [(value, before) for key, value, before in _writes(step, "OUTPUT")
                   if key == name]
        if not written:
            return [_hole(name)]
        return _alternatives(self._text(value, _Where(where.job, step, where.combo, before,
                                                      where.caller), depth + 1)
                             for value, before in written)

    def _job_output(self, job_id: str, name: str, where: _Where, depth: int) -> list[str]:
        job = self.workflow.jobs.get(job_id)
        output = job.outputs.get(name) if job is not None else None
        if job is None or output is None or job_id not in self._needed(where.job):
            return [_hole(name)]
        values: list[list[str]] = []
        for combo in job.matrix_combinations() or [{}]:  # a matrix job's outputs: any leg's
            values.append(self._text(output.text, _Where(job, None, combo, None), depth + 1))
        return _alternatives(values)

    def _earlier(self, where: _Where) -> list[Step]:
        """The steps of the job that run before ``where``'s step (all of them for the job's
        ``outputs:``)."""
        if where.step is None:
            return list(where.job.steps)
        return [s for s in where.job.steps if s.index < where.step.index]

    def _needed(self, job: Job) -> set[str]:
        seen: set[str] = set()
        pending = list(job.needs)
        while pending:
            other = pending.pop()
            if other not in seen and other in self.workflow.jobs:
                seen.add(other)
                pending += self.workflow.jobs[other].needs
        return seen

    def _job_data(self, job: Job) -> Any:
        jobs = self.workflow.data.get("jobs") if isinstance(self.workflow.data, dict) else None
        return jobs.get(job.id) if isinstance(jobs, dict) else None


class _Where:
    """Where a value is read: the job, the step (None: the job's ``outputs:``), the matrix
    combination, the script before the reading point (None: not in a script), and inside a
    composite action, the step that called it, where, and the action."""

    def __init__(self, job: Job, step: Step | None, combo: dict[str, Any], script: str | None,
                 caller: tuple[Step, _Where, Workflow] | None = None) -> None:
        self.job, self.step, self.combo, self.script = job, step, combo, script
        self.caller = caller

    def outer(self) -> _Where:
        """The same place, outside the script (an ``env:`` value is not shell text)."""
        return _Where(self.job, self.step, self.combo, None, self.caller)


def _hole(name: str) -> str:
    """An unknown value; one whose name says it is a digest may pin the reference."""
    return _MAYBE_DIGEST if "digest" in name.lower() else HOLE


def _unquoted(text: str, where: _Where) -> str:
    """Literal text, with a script's quotes dropped (they group words, they are not data)."""
    return text.replace('"', "").replace("'", "") if where.script is not None else text


def _alternatives(groups: Any) -> list[str]:
    found: list[str] = []
    for group in groups:
        found += [v for v in group if v not in found]
    return found[:_MAX_ALTERNATIVES]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _env(data: Any) -> dict[str, str]:
    env = data.get("env") if isinstance(data, dict) else None
    if not isinstance(env, dict):
        return {}
    return {str(k): str(v) for k, v in env.items() if isinstance(v, (str, int, float))}


def _writes(step: Step, kind: str) -> list[tuple[str, str, str]]:
    """``NAME=value`` lines a step's script writes to ``$GITHUB_ENV`` (``kind`` ENV) or
    ``$GITHUB_OUTPUT`` (OUTPUT) with one ``echo``: each name, value as written, and the script
    before the write (where the value's shell variables were set)."""
    if step.run is None:
        return []
    text = step.run.text
    return [(m[1], m[2], text[:m.start()]) for m in _WRITE.finditer(text) if m[3] == kind]


def _assignments(script: str, name: str) -> list[str]:
    """The values a script assigns to shell variable ``name`` (``name=value``, ``export
    name=value``), each as written, quotes included."""
    pattern = re.compile(rf"(?:^|(?<=[\s;&(]))(?:export\s+|local\s+|readonly\s+)?{re.escape(name)}="
                         r"(\"[^\"]*\"|'[^']*'|[^\s;&|)]*)", re.MULTILINE)
    return [m[1] for m in pattern.finditer(_COMMENT_LINE.sub("", script))]
