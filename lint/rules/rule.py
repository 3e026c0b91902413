"""The rule contract and the registry.

Each rule lives in ``lint/rules/<id>.py`` (``rs201.py`` holds ``RS201``) as exactly one subclass of
:class:`Rule`. Its docstring is its documentation: a summary line, then a ``Fails:`` block and a
``Passes:`` block (indented examples). ``rsdock rule ID``, ``rsdock rules`` and the README's rule
table are generated from those docstrings.

Examples in ``Fails:``/``Passes:`` are complete files of the rule's target kind. An example
that needs several files (a cross-file rule, or a Dockerfile rule that reads the workspace) is
written as sections, each starting with a ``# file: <path>`` line; a test lints every example
and checks that ``Fails`` yields the rule and ``Passes`` does not.

File models (one module each, each with a ``parse_*(path, text)`` function returning a model that
carries ``path``, ``text`` and ``errors`` (parse problems as findings, never exceptions)):
``lint/model/dockerfile.py`` ``parse_dockerfile``, ``lint/model/shell.py`` (RUN scripts),
``lint/model/workflow_reader.py`` ``parse_workflow``, ``lint/model/dockerignore.py``
``parse_dockerignore``, and the cargo workspace from ``lint/model/cargo.py`` ``scan``.

Families (the ID's first digit): RS0 meta (parse errors, suppressions), RS1 chef, RS2 cross,
RS3 runtime, RS4 workflow, RS5 cross-file, RS6 dockerignore.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping

from rsdock.lint.model.findings import Finding, Fix, Severity

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
FIX_SAFETIES = (None, "safe", "unsafe", "sometimes")
_ID_RE = re.compile(r"^RS\d{3}$")


@dataclass
class Context:
    """What every rule may look at besides its own file.

    Attributes:
        root: the repository (workspace) root; finding paths are relative to it.
        workspace: the scanned cargo workspace (``rsdock.lint.model.cargo.Workspace``) or None when the
            repository has none or it could not be read.
        dockerfiles: parsed Dockerfiles by relative path.
        workflows: parsed GitHub workflows by relative path.
        dockerignores: parsed ``.dockerignore`` files by relative path.
        build_files: docker compose and bake files (relative path -> text): they say which
            context and Dockerfile a build uses (``rsdock.lint.analysis.images``).

    The engine fills the three model maps lazily (a file is parsed when a rule first asks for
    it), so a rule that never looks at workflows costs no YAML parsing.
    """

    root: Path
    workspace: Any = None
    dockerfiles: Mapping[str, Any] = field(default_factory=dict)
    workflows: Mapping[str, Any] = field(default_factory=dict)
    dockerignores: Mapping[str, Any] = field(default_factory=dict)
    build_files: dict[str, str] = field(default_factory=dict)
    # Per-run memo for analyses several rules share (the image model): key -> value.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def models(self, kind: str) -> Mapping[str, Any]:
        """The parsed files of ``kind`` (``dockerfile``, ``workflow``, ``dockerignore``) by path."""
        return getattr(self, _MODEL_FIELDS[kind])


# Context's field for each kind of file (rsdock.lint.engine.discover.KINDS).
_MODEL_FIELDS = {"dockerfile": "dockerfiles", "workflow": "workflows",
                 "dockerignore": "dockerignores"}


class Rule:
    """Base of every rule. Subclasses set the class attributes and implement :meth:`check`.

    Attributes:
        id: the stable ID, ``RS`` and three digits.
        name: a short kebab-case name (``cook-before-copy``).
        severity: the default severity.
        message: one line saying what to do instead; findings use it unless they say more.
        target: which model ``check`` receives: ``dockerfile``, ``workflow``, ``dockerignore``,
            or ``project`` (called once with ``file=None``, for cross-file rules).
        fix_safety: whether the rule proposes fixes and how safe they are: ``None`` (no fix),
            ``"safe"`` (a fix can never break a build: ``--fix`` applies it), ``"unsafe"`` (a
            suggestion, applied only with ``--unsafe-fixes``) or ``"sometimes"`` (safe unless the
            rule finds a reason it could break the build; each :class:`Fix` carries ``safe``).
    """

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    message: ClassVar[str]
    target: ClassVar[str]
    fix_safety: ClassVar[str | None] = None

    def check(self, file: Any, ctx: Context) -> Iterable[Finding]:
        """Yield the findings for ``file`` (a model of kind ``target``, or None for project)."""
        raise NotImplementedError

    def finding(
        self, path: str, line: int, column: int = 0, message: str | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        """A finding of this rule at ``path:line:column``, with the rule's message by default.

        A fix of a rule whose ``fix_safety`` is ``"unsafe"`` is always marked unsafe.
        """
        if fix is not None and fix.safe and self.fix_safety == "unsafe":
            fix = dataclasses.replace(fix, safe=False)
        return Finding(path, line, column, self.id, self.severity, message or self.message, fix)

    @classmethod
    def family(cls) -> str:
        """The family name (``chef``, ``cross``...) from the ID's first digit."""
        return FAMILIES[cls.id[:3]]

    @classmethod
    def docs(cls) -> RuleDocs:
        """The rule's documentation, parsed from its docstring."""
        return RuleDocs.parse(cls)


@dataclass(frozen=True)
class RuleDocs:
    """A rule's documentation: summary, prose, and the failing and passing examples."""

    summary: str
    body: str
    fails: str
    passes: str

    @classmethod
    def parse(cls, rule: type[Rule]) -> RuleDocs:
        """Split the docstring of ``rule`` into its parts.

        Raises:
            ValueError: when the docstring lacks a summary, a ``Fails:`` or a ``Passes:`` block.
        """
        import inspect

        text = inspect.cleandoc(rule.__doc__ or "")
        match = re.match(r"(?s)(?P<summary>[^\n]+)\n(?P<body>.*?)\nFails:\n(?P<fails>.*?)"
                         r"\nPasses:\n(?P<passes>.*)$", text)
        if not match or not match["summary"].strip():
            raise ValueError(f"{rule.id}: docstring needs a summary line, 'Fails:' and 'Passes:'")
        fails, passes = (inspect.cleandoc(match[k]) for k in ("fails", "passes"))
        if not fails or not passes:
            raise ValueError(f"{rule.id}: 'Fails:' and 'Passes:' examples must not be empty")
        return cls(match["summary"].strip(), match["body"].strip(), fails, passes)


class RegistryError(ValueError):
    """An unknown rule ID or family, or a malformed rule module."""


def _load() -> dict[str, type[Rule]]:
    from rsdock.lint import rules as package

    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not re.fullmatch(r"rs\d{3}", info.name):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        classes = [v for v in vars(module).values()
                   if isinstance(v, type) and issubclass(v, Rule) and v is not Rule
                   and v.__module__ == module.__name__]
        if len(classes) != 1 or classes[0].id.lower() != info.name:
            raise RegistryError(f"{module.__name__} must define exactly one rule, {info.name.upper()}")
        rule = classes[0]
        if not _ID_RE.match(rule.id) or rule.target not in TARGETS:
            raise RegistryError(f"{rule.id}: bad ID or target {rule.target!r}")
        if rule.fix_safety not in FIX_SAFETIES:
            raise RegistryError(f"{rule.id}: fix_safety must be one of {FIX_SAFETIES}")
        found[rule.id] = rule
    return dict(sorted(found.items()))


_REGISTRY: dict[str, type[Rule]] | None = None


def all_rules() -> dict[str, type[Rule]]:
    """Every rule by ID, sorted; loaded once."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _load()
    return _REGISTRY


def get_rule(rule_id: str) -> type[Rule]:
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

