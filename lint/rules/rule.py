"""The rule contract and the registry.

Each rule lives in ``lint/rules/<id>.py`` (``rs201.py`` holds ``RS201``) as exactly one subclass of
the base for its target: :class:`DockerfileRule`, :class:`WorkflowRule`, :class:`DockerignoreRule`,
:class:`ProjectRule` (cross-file), or :class:`EngineRule` (meta rules the engine reports itself,
which it names by class). Its docstring is its documentation: a summary line, then a ``Fails:`` block and a
``Passes:`` block (indented examples). ``rsdock rule ID``, ``rsdock rules`` and the README's rule
table are generated from those docstrings.

Examples in ``Fails:``/``Passes:`` are complete files of the rule's target kind. An example
that needs several files (a cross-file rule, or a Dockerfile rule that reads the workspace) is
written as sections, each starting with a ``# file: <path>`` line; a test lints every example
and checks that ``Fails`` yields the rule and ``Passes`` does not. A rule that fixes
(``fixable``) also has a ``Fixed:`` block between them: the ``Fails`` example after its fixes,
which ``tests/lint/rules/test_rule_contract.py`` checks along with the declaration itself, and
``tests/lint/test_snapshots.py`` pins what users see of every rule. A rule's own tests use
``tests/lint/rules/harness.py`` (``catches``, ``catches_not``, ``fixed``).

A finding is a span (``Rule.finding``'s ``span``, or a line and column the engine completes from
the text) with zero or more :class:`Related` places, each with a label: a second place a
finding involves is a related place, never "(line N)" in the message. Rules about what an image
runs subclass ``lint/rules/image_rule.py``'s ``ImageStageRule``.

File models (one module each, each with a ``parse_*(path, text)`` function returning a model that
carries ``path``, ``text`` and ``errors`` (parse problems as findings, never exceptions)):
``lint/model/dockerfile.py`` ``parse_dockerfile``, ``lint/model/shell.py`` (RUN scripts),
``lint/model/workflow_reader.py`` ``parse_workflow``, ``lint/model/dockerignore.py``
``parse_dockerignore``, and the cargo workspace from ``lint/model/cargo.py`` ``scan``.

Families (the ID's first digit): RS0 meta (parse errors, suppressions), RS1 chef, RS2 cross,
RS3 runtime, RS4 workflow, RS5 cross-file, RS6 dockerignore.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Iterable, Literal, TypeVar

# Context is the rule contract's other half: rules import it from here.
from rsdock.lint.model.context import Context as Context
from rsdock.lint.model.findings import Applicability, Finding, Fix, Related, Severity, Span
from rsdock.records import record

if TYPE_CHECKING:  # the engine imports a parser only for the kinds at hand: types only here
    # (named by the bases below as strings, Rule["Dockerfile"], which ruff does not read)
    from rsdock.lint.model.dockerfile import Dockerfile  # noqa: F401
    from rsdock.lint.model.dockerignore import DockerIgnore  # noqa: F401
    from rsdock.lint.model.workflow import Workflow  # noqa: F401

FAMILIES: dict[str, str] = {
    "RS0": "meta",
    "RS1": "chef",
    "RS2": "cross",
    "RS3": "runtime",
    "RS4": "workflow",
    "RS5": "cross-file",
    "RS6": "dockerignore",
}
TARGETS = ("dockerfile", "workflow", "dockerignore", "project")
FixAvailability = Literal["never", "sometimes", "always"]
FIX_AVAILABILITIES: tuple[FixAvailability, ...] = ("never", "sometimes", "always")
# The rule attribute these replaced, still read from a rule that sets it (see _declared_fixes).
_LEGACY_FIX_SAFETY: dict[object, tuple[FixAvailability, Applicability]] = {
    None: ("never", Applicability.SAFE), "safe": ("sometimes", Applicability.SAFE),
    "sometimes": ("sometimes", Applicability.SAFE), "unsafe": ("sometimes", Applicability.UNSAFE)}
_ID_RE = re.compile(r"^RS\d{3}$")


FileT = TypeVar("FileT")


class Rule(Generic[FileT]):
    """Base of every rule. A rule subclasses the base for its target (:class:`DockerfileRule`,
    :class:`WorkflowRule`, :class:`DockerignoreRule`, :class:`ProjectRule`), sets the class
    attributes and implements :meth:`check`, typed with the model it receives.

    Attributes:
        id: the stable ID, ``RS`` and three digits.
        name: a short kebab-case name (``cook-before-copy``).
        severity: the default severity.
        message: one line saying what to do instead; findings use it unless they say more.
        target: which model ``check`` receives: ``dockerfile``, ``workflow``, ``dockerignore``,
            or ``project`` (called once with ``file=None``, for cross-file rules); set by the
            target's base class.
        fixable: whether its findings carry a fix (ruff's ``FixAvailability``): ``"never"``,
            ``"sometimes"`` or ``"always"``. The rule tests check it against the findings of
            the rule's own ``Fails:`` example, and the fixed example against ``Fixed:``.
        fix_applicability: the most its fixes may be trusted (:class:`Applicability`): each
            :class:`Fix` carries its own applicability, never more than this (a safe fix of a
            rule declared unsafe is reported unsafe).
        fix_note: when a fix is less trusted than declared, or missing: one sentence for the
            docs' fix-safety paragraph (``""``: nothing to add).
    """

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    message: ClassVar[str]
    target: ClassVar[str]
    fixable: ClassVar[FixAvailability] = "never"
    fix_applicability: ClassVar[Applicability] = Applicability.SAFE
    fix_note: ClassVar[str] = ""

    def check(self, file: FileT, ctx: Context) -> Iterable[Finding]:
        """Yield the findings for ``file`` (a model of kind ``target``, or None for project)."""
        raise NotImplementedError

    def finding(
        self, path: str, line: int, column: int = 0, message: str | None = None,
        fix: Fix | None = None, *, span: Span | None = None,
        related: Iterable[Related] = (),
    ) -> Finding:
        """A finding of this rule at ``path:line:column``, with the rule's message by default.

        Args:
            span: ``(line, column, end_line, end_column)``, the exact place (it replaces
                ``line`` and ``column``); without it the engine spans the token at ``column``,
                or the line's (instruction's) text for column 0.
            related: the other places the finding involves, each with a short label.

        A fix is never reported more trusted than the rule's ``fix_applicability``.
        """
        if fix is not None:
            fix = fix.with_applicability(self.fix_applicability)
        end_line = end_column = 0
        if span is not None:
            line, column, end_line, end_column = span
        return Finding(path, line, column, self.id, self.severity, message or self.message, fix,
                       end_line, end_column, tuple(related))

    @classmethod
    def family(cls) -> str:
        """The family name (``chef``, ``cross``...) from the ID's first digit."""
        return FAMILIES[cls.id[:3]]

    @classmethod
    def docs(cls) -> RuleDocs:
        """The rule's documentation, parsed from its docstring."""
        return RuleDocs.parse(cls)


class DockerfileRule(Rule["Dockerfile"]):
    """A rule checking one Dockerfile at a time."""

    target = "dockerfile"


class WorkflowRule(Rule["Workflow"]):
    """A rule checking one GitHub workflow at a time (not called on unreadable ones).

    ``roles`` says which workflow-like files it judges (``rsdock.lint.model.paths.
    workflow_role``): by default only workflows GitHub runs; rules about ``uses:`` lines add
    ``"action"`` (local composite actions pin actions too).
    """

    target = "workflow"
    roles: frozenset[str] = frozenset({"runs"})


class DockerignoreRule(Rule["DockerIgnore"]):
    """A rule checking one ``.dockerignore`` at a time."""

    target = "dockerignore"


class ProjectRule(Rule[None]):
    """A rule called once per run with ``file=None``, comparing the files in the context."""

    target = "project"


class EngineRule(ProjectRule):
    """A meta rule the engine reports itself (unreadable files, crashes, stale suppressions).

    Its :meth:`check` yields nothing; the engine calls the rule's own finding methods, naming
    the rule by its class, so that a renamed rule is an import error rather than a silent miss.
    """

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Nothing: the engine reports these findings where it meets the problem."""
        return ()


AnyRule = Rule[Any]  # a rule of any target, as the registry holds them


@record(frozen=True)
class RuleDocs:
    """A rule's documentation: summary, prose, the failing example, the same example after
    its fixes (``fixed``, empty for a rule without fixes) and the passing example."""

    summary: str
    body: str
    fails: str
    passes: str
    fixed: str = ""

    @classmethod
    def parse(cls, rule: type[AnyRule]) -> RuleDocs:
        """Split the docstring of ``rule`` into its parts.

        A rule that can fix writes the ``Fails:`` example as its fixes leave it in a ``Fixed:``
        block between ``Fails:`` and ``Passes:``.

        Raises:
            ValueError: when the docstring lacks a summary, a ``Fails:`` or a ``Passes:`` block.
        """
        from inspect import cleandoc  # only for the docs: inspect is heavy for lint's start-up

        text = cleandoc(rule.__doc__ or "")
        match = re.match(r"(?s)(?P<summary>[^\n]+)\n(?P<body>.*?)\nFails:\n(?P<fails>.*?)"
                         r"(?:\nFixed:\n(?P<fixed>.*?))?\nPasses:\n(?P<passes>.*)$", text)
        if not match or not match["summary"].strip():
            raise ValueError(f"{rule.id}: docstring needs a summary line, 'Fails:' and 'Passes:'")
        fails, passes, fixed = (cleandoc(match[k] or "") for k in ("fails", "passes", "fixed"))
        if not fails or not passes:
            raise ValueError(f"{rule.id}: 'Fails:' and 'Passes:' examples must not be empty")
        return cls(match["summary"].strip(), match["body"].strip(), fails, passes, fixed)


class RegistryError(ValueError):
    """An unknown rule ID or family, or a malformed rule module."""


def _load() -> dict[str, type[AnyRule]]:
    found: dict[str, type[AnyRule]] = {}
    names = sorted(entry.partition(".")[0] for entry in os.listdir(Path(__file__).parent)
                   if re.fullmatch(r"rs\d{3}\.py", entry))
    for name in names:
        module = importlib.import_module(f"{__package__}.{name}")
        classes = [v for v in vars(module).values()
                   if isinstance(v, type) and issubclass(v, Rule) and v is not Rule
                   and v.__module__ == module.__name__]
        if len(classes) != 1 or classes[0].id.lower() != name:
            raise RegistryError(f"{module.__name__} must define exactly one rule, {name.upper()}")
        rule = classes[0]
        if not _ID_RE.match(rule.id) or rule.target not in TARGETS:
            raise RegistryError(f"{rule.id}: bad ID or target {rule.target!r}")
        _declared_fixes(rule)
        found[rule.id] = rule
    return dict(sorted(found.items()))


def _declared_fixes(rule: type[AnyRule]) -> None:
    """Check ``fixable`` and ``fix_applicability``; a rule written against the older
    ``fix_safety`` attribute gets them from it.

    Raises:
        RegistryError: for a value outside the declared ones.
    """
    legacy = vars(rule).get("fix_safety", "unset")
    if legacy != "unset":
        if legacy not in _LEGACY_FIX_SAFETY:
            raise RegistryError(f"{rule.id}: fix_safety must be one of {list(_LEGACY_FIX_SAFETY)}")
        rule.fixable, rule.fix_applicability = _LEGACY_FIX_SAFETY[legacy]
    if rule.fixable not in FIX_AVAILABILITIES:
        raise RegistryError(f"{rule.id}: fixable must be one of {FIX_AVAILABILITIES}")
    if not isinstance(rule.fix_applicability, Applicability):
        raise RegistryError(f"{rule.id}: fix_applicability must be an Applicability")


_REGISTRY: dict[str, type[AnyRule]] | None = None


def all_rules() -> dict[str, type[AnyRule]]:
    """Every rule by ID, sorted; loaded once."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _load()
    return _REGISTRY


def get_rule(rule_id: str) -> type[AnyRule]:
    """The rule with ``rule_id`` (case-insensitive).

    Raises:
        RegistryError: when no rule has that ID.
    """
    rules = all_rules()
    try:
        return rules[rule_id.upper()]
    except KeyError:
        raise RegistryError(f"unknown rule {rule_id!r}; `rsdock rules` lists them") from None


def resolve_selector(selector: str) -> set[str]:
    """The rule IDs a ``--select``/``--ignore`` selector names: an ID, an ID prefix (``RS2``),
    a family name (``cross``), or ``ALL``.

    Raises:
        RegistryError: when the selector names no rule.
    """
    rules = all_rules()
    text = selector.strip()
    if text.upper() == "ALL":
        return set(rules)
    by_family = {rid for rid, r in rules.items() if r.family() == text.lower()}
    matched = by_family or {rid for rid in rules if rid.startswith(text.upper())}
    if not matched:
        raise RegistryError(f"{selector!r} names no rule or family; `rsdock rules` lists them")
    return matched

