"""The GitHub Actions workflow model: triggers, permissions, jobs, steps and matrices, located.

:func:`rsdock.lint.model.workflow_reader.parse_workflow` builds it; :mod:`rsdock.lint.model.docker_steps` reads
docker's actions out of it. Lines and columns are 1-based, as in findings.
"""

from __future__ import annotations

import itertools
import re
from functools import cached_property
from typing import Any, Iterator

from ruamel.yaml.comments import CommentedMap

from rsdock.lint.model.expressions import is_off_for_pull_requests
from rsdock.lint.model.findings import Finding, line_offsets
from rsdock.lint.model.partial import Shape
from rsdock.lint.knowledge.platforms import NATIVE_PLATFORM
from rsdock.records import field, record

_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
# `${{ matrix.target }}`, and a property of a matrix value: `${{ matrix.platform.id }}`
_MATRIX_REF_RE = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*\}\}")


@record(frozen=True)
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


@record(frozen=True)
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


@record
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

    @property
    def action(self) -> Uses:
        """The ``uses:`` of a step known to be an action (one :meth:`is_action` matched).

        Raises:
            ValueError: for a ``run:`` step (a bug in the caller).
        """
        if self.uses is None:
            raise ValueError(f"step {self.index + 1} at line {self.line} uses no action")
        return self.uses

    def input_text(self, name: str) -> str | None:
        """The text of the ``with:`` input ``name``, or None when the step does not set it."""
        value = self.with_.get(name)
        return value.text if value is not None else None

    def label(self) -> str:
        """How messages name the step: its name, else its action, else its number."""
        return self.name or (self.uses.repo if self.uses else f"step {self.index + 1}")


@record
class Job:
    """One job: its condition, runner, permissions, matrix, steps, the jobs it needs, its
    ``outputs:`` (what ``needs.<id>.outputs.<name>`` reads) and the reusable workflow it calls
    (``uses: owner/repo/.github/workflows/x.yml@ref``; such a job has no steps)."""

    id: str
    line: int
    column: int
    if_: Scalar | None
    runs_on: Scalar | None
    permissions: Scalar | None
    matrix: Any
    steps: list[Step] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    outputs: dict[str, Scalar] = field(default_factory=dict)
    uses: Uses | None = None

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

    def substitute(self, text: str, combo: dict[str, Any]) -> str:
        """``text`` with the ``${{ matrix.x }}`` that matrix combination ``combo`` gives."""
        return _substitute_matrix(text, combo)

    def shapes(self, text: str) -> list[Shape]:
        """``text`` for every matrix combination, with ``${{ matrix.x }}`` substituted and any
        other expression left as a hole (:class:`Shape`): what is known of a computed value."""
        combos = self.matrix_combinations() or [{}]
        found: list[Shape] = []
        for combo in combos:
            shape = Shape.of_expression_text(_substitute_matrix(text, combo))
            if shape not in found:
                found.append(shape)
        return found

    def native_platform(self, combo: dict[str, Any] | None = None) -> str:
        """The platform of the runner (``linux/arm64`` on ``*-arm`` runners, else ``linux/amd64``).

        Args:
            combo: a matrix combination, for a ``runs-on`` the matrix chooses
                (``${{ matrix.runner }}``); without it such a runner counts as amd64.
        """
        label = self.runs_on.text.lower() if self.runs_on else ""
        if combo:
            label = _substitute_matrix(label, combo)
        return "linux/arm64" if re.search(r"arm|aarch64", label) else NATIVE_PLATFORM

    def legs(self, text: str) -> list[tuple[str, list[str]]] | None:
        """``(runner platform, text expanded)`` per matrix combination: which runner builds what.

        A native-runner matrix pairs ``runs-on: ${{ matrix.runner }}`` with ``platforms: ${{
        matrix.platform }}``; expanding them separately would lose which runner builds which
        platform. None when the matrix is computed or other expressions remain in ``text``.
        """
        combos = self.matrix_combinations()
        if combos is None:
            return None
        found: list[tuple[str, list[str]]] = []
        for combo in combos:
            expanded = _substitute_matrix(text, combo)
            if "${{" in expanded:
                return None
            found.append((self.native_platform(combo), [expanded]))
        return found


@record
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

    def job_conditions(self, job: Job) -> list[Scalar | None]:
        """The ``if:`` conditions that decide whether ``job`` runs: its own and, through the job
        graph, those of every job it needs. A needed job that is skipped skips its dependents,
        unless a dependent's ``if:`` asks for a status (``always()``, ``!cancelled()``,
        ``failure()``): there the chain stops."""
        conditions: list[Scalar | None] = [job.if_]
        if _checks_status(job.if_):
            return conditions
        seen = {job.id}
        pending = list(job.needs)
        while pending:
            other = self.jobs.get(pending.pop(0))
            if other is None or other.id in seen:
                continue
            seen.add(other.id)
            conditions.append(other.if_)
            if not _checks_status(other.if_):
                pending += other.needs
        return conditions

    def push_refs(self) -> list[tuple[str, str]]:
        """One ref for each kind of push that triggers the workflow, with how messages name it.

        The ``push:`` filters decide: each branch or tag pattern gives a name it matches
        (``release/*`` gives ``release/x``), and when other branches (tags) also trigger it
        (no filter, or only an ``-ignore`` filter) a branch ``topic`` (a tag ``v0.0.0-topic``)
        stands for them. Only ``tags`` filters mean no branch push triggers it, and the other
        way round, as GitHub reads them.
        """
        push = self.triggers.get("push")
        if push is None:
            return []
        config = push.value if isinstance(push.value, dict) else {}
        refs: list[tuple[str, str]] = []
        for kind, folder, what in (("branches", "refs/heads/", "branch"),
                                   ("tags", "refs/tags/", "tag")):
            mine = [k for k in (kind, f"{kind}-ignore") if k in config]
            if not mine and any(k in config for k in _REF_FILTERS):
                continue  # only the other kind of ref is filtered: this kind never triggers
            patterns = config.get(kind)
            if isinstance(patterns, (str, list)):
                for pattern in [patterns] if isinstance(patterns, str) else patterns:
                    text = str(pattern)
                    if text.startswith("!") or any(c in text for c in "[]+"):
                        continue  # no single name stands for a negation or a character class
                    name = re.sub(r"\*\*?|\?", "x", text)
                    refs.append((folder + name, f"a push to the {what} `{name}`"))
                continue
            ignored = config.get(f"{kind}-ignore")
            ignored = [str(i) for i in (ignored if isinstance(ignored, list)
                                        else [ignored] if ignored else [])]
            example = next((n for n in _EXAMPLES[kind] if not any(_glob(n, i) for i in ignored)),
                           None)
            if example is not None:
                refs.append((folder + example, f"a push to any {what} (such as `{example}`)"))
        return refs

    def cache_refs(self) -> frozenset[str] | None:
        """The git refs whose GitHub cache this workflow's runs write, as far as the triggers
        say: ``refs/heads/<name>`` for each literal ``push: branches:`` name, ``tags`` for tag
        pushes (each tag is its own ref), ``pull`` for pull requests (each its own merge ref).
        None when a trigger may run on any ref (a branch glob or ignore filter, no filter,
        ``workflow_dispatch``, ``schedule``, ``workflow_run``...): GitHub scopes caches by ref,
        so two workflows only overwrite each other's cache on a ref both can run on."""
        refs: set[str] = set()
        for event, where in self.triggers.items():
            config = where.value if isinstance(where.value, dict) else {}
            if event in ("pull_request", "pull_request_target"):
                refs.add("pull")
                continue
            if event != "push" or "branches-ignore" in config or "tags-ignore" in config:
                return None
            if not any(k in config for k in _REF_FILTERS):
                return None  # every branch and tag
            names = config.get("branches")
            names = [names] if isinstance(names, str) else names if isinstance(names, list) else []
            for name in map(str, names):
                if any(c in name for c in "*?[]!+"):
                    return None
                refs.add("refs/heads/" + name)
            if "tags" in config:
                refs.add("tags")
        return frozenset(refs)

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


_REF_FILTERS = ("branches", "branches-ignore", "tags", "tags-ignore")
# Names that stand for "any other branch (tag)" when a push filter admits more than it lists.
_EXAMPLES = {"branches": ("topic", "rsdock-example-branch"),
             "tags": ("v0.0.0-topic", "rsdock-example-tag")}


def _glob(name: str, pattern: str) -> bool:
    """GitHub's branch filter glob, closely enough: ``*`` stops at ``/``, ``**`` does not."""
    regex = re.escape(pattern).replace(r"\*\*", "\0").replace(r"\*", "[^/]*").replace(
        "\0", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, name) is not None


_STATUS_RE = re.compile(r"\b(?:always|cancelled|failure)\s*\(", re.IGNORECASE)


def _checks_status(condition: Scalar | None) -> bool:
    """Whether an ``if:`` asks for a status function that lets a job run after a skipped one."""
    return condition is not None and isinstance(condition.value, str) and bool(
        _STATUS_RE.search(condition.value))


def _substitute_matrix(text: str, combo: dict[str, Any]) -> str:
    """``text`` with each ``${{ matrix.x }}`` (or ``${{ matrix.x.y }}``, a property of a
    mapping value) that ``combo`` gives a scalar value replaced."""
    def value(match: re.Match[str]) -> str:
        found: Any = combo
        for key in match[1].split("."):
            found = found.get(key) if isinstance(found, dict) else None
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
        included: list[dict[str, Any]] = [dict(e) for e in matrix.get("include") or []
                                          if isinstance(e, dict)]
        return included or None
    combos: list[dict[str, Any]] = [dict(zip(axes, values))
                                    for values in itertools.product(*axes.values())]
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
    """Whether ``step`` (given its job's and step's ``if:``, the ``if:`` of the jobs its job
    needs, and any ``more`` conditions such as ``push:``) is off for this workflow's pull
    request runs.

    Returns:
        True when it never runs (or the workflow never runs on pull_request), False when it
        always runs on pull requests, None when that depends on something unknown.
    """
    if not workflow.runs_on_pull_request():
        return True
    conditions = (*workflow.job_conditions(job), step.if_, *more)
    values = [c.value if c is not None else None for c in conditions]
    return is_off_for_pull_requests(*values)
