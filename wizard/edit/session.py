"""What an interactive editor (``rsdock-tui`` edit mode) needs beyond ``propose``/``apply``.

Pure, blocking helpers a front end runs in a worker: whether a folder already has files to edit,
the files' inferred plan and lint findings in one :class:`EditState`, a :class:`Proposal` for a
single finding's safe fix, and the :class:`Request` a set of chosen answers amounts to.
"""

from __future__ import annotations

from pathlib import Path

from rsdock.errors import UserError
from rsdock.lint.engine.fix import apply_fixes
from rsdock.lint.engine.runner import lint_paths
from rsdock.lint.engine.settings import load_config
from rsdock.lint.model.findings import Finding
from rsdock.records import field, record, replace
from rsdock.wizard.edit import infer
from rsdock.wizard.edit.existing import EDITABLE_KINDS, existing_files  # noqa: F401 (API)
from rsdock.wizard.edit.outcome import FileEdit, Refusal
from rsdock.wizard.edit.request import Proposal, Request
from rsdock.wizard.edit.sources import Sources
from rsdock.wizard.generate import answers

@record
class EditState:
    """The files of a workspace as the editor shows them.

    Attributes:
        root: the workspace root.
        sources: the parsed files.
        inferred: the plan they implement (an ``InferredPlan``).
        findings: the lint findings of every parsed file, in report order.
        drift: where ``rsdock.toml`` disagrees with the files (or why it cannot be read).
    """

    root: Path
    sources: Sources
    inferred: infer.InferredPlan
    findings: list[Finding] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)

    def findings_of(self, path: str) -> list[Finding]:
        """The findings of the file at ``path``."""
        return [f for f in self.findings if f.path == path]

    @property
    def fixable(self) -> list[Finding]:
        """The findings that carry a safe fix."""
        return [f for f in self.findings if f.fix is not None and f.fix.safe]


def load_state(root: Path | str, *, hadolint: bool = True) -> EditState:
    """Parse, infer and lint the files under ``root`` (blocking: run it in a worker).

    Args:
        root: the workspace root.
        hadolint: also run hadolint (when installed); tests switch it off for speed.

    Raises:
        UserError: (exit 2) for a file rsdock cannot read or parse, located at the problem, or
            an invalid ``[lint]`` section in ``rsdock.toml``.
    """
    root = Path(root)
    sources = infer.load_sources(root)
    inferred = infer.infer(sources)
    findings = lint_sources(sources, hadolint=hadolint)
    try:
        drift = config_drift(root, inferred)
    except UserError as error:
        drift = [f"rsdock.toml cannot be compared: {error.format().strip()}"]
    return EditState(root, sources, inferred, findings, drift)


def lint_sources(sources: Sources, *, hadolint: bool = True) -> list[Finding]:
    """The lint findings of every parsed file, with the workspace's ``[lint]`` settings.

    Args:
        sources: the parsed files (from ``load_sources``).
        hadolint: also run hadolint (when installed and the settings want it).

    Raises:
        UserError: for an invalid ``[lint]`` section in ``rsdock.toml``.
    """

    paths = sorted(sources.texts())
    if not paths:
        return []
    settings = load_config(sources.root)
    if not hadolint:
        settings = replace(settings, hadolint=False)
    return list(lint_paths(paths, sources.root, settings).findings)


def config_drift(root: Path | str, inferred: infer.InferredPlan) -> list[str]:
    """Where ``rsdock.toml`` (when there is one) disagrees with the files' inferred plan.

    Raises:
        UserError: when ``rsdock.toml`` cannot be read or is invalid.
    """
    if not answers.config_path(root).is_file():
        return []
    return inferred.drift(answers.load(root))


def fix_one(state: EditState, finding: Finding) -> Proposal:
    """A proposal applying only ``finding``'s safe fix (every other byte unchanged).

    Raises:
        UserError: when the finding has no fix or its file is not one of the parsed files.
    """
    if finding.fix is None:
        raise UserError(f"{finding.rule} has no safe fix", path=finding.path, line=finding.line,
                        hint="change it by hand: " + finding.message)
    texts = state.sources.texts()
    if finding.fix.display_only:
        # rsdock knows what to add but not where, safely: the lines to add by hand.
        proposal = Proposal()
        proposal.refusals.append(Refusal(finding.path, finding.line,
                                         f"{finding.rule}: {finding.fix.description}",
                                         finding.fix.manual))
        return proposal
    if finding.path not in texts:
        raise UserError("rsdock does not edit this file", path=finding.path, line=finding.line,
                        hint="change it by hand: " + finding.message)
    old = texts[finding.path]
    new, applied = apply_fixes(old, [finding.fix])
    proposal = Proposal()
    if applied and new != old:
        reason = f"line {finding.line}: {finding.fix.description or finding.rule}"
        proposal.edits[finding.path] = FileEdit(finding.path, old, new, (reason,))
    else:
        proposal.notes.append(f"{finding.path}:{finding.line}: the {finding.rule} fix no longer "
                              "applies to the file; reload and try again")
    return proposal


def request_for(inferred: infer.InferredPlan, platforms: list[str] | tuple[str, ...], cache: str | None,
                registry: str | None) -> Request:
    """The request that turns the inferred plan into the chosen answers.

    Args:
        inferred: the files' ``InferredPlan``.
        platforms: every platform the user wants built.
        cache: the chosen cache backend (None, or the inferred one: unchanged).
        registry: the chosen registry (None, or the inferred one: unchanged).
    """
    current = tuple(inferred.platforms.value or ())
    add = tuple(p for p in platforms if p not in current)
    remove = tuple(p for p in current if p not in platforms)
    return Request(add_platforms=add, remove_platforms=remove,
                   cache=cache if cache and cache != inferred.cache.value else None,
                   registry=registry if registry and registry != inferred.registry.value
                   else None)


def describe(request: Request) -> str:
    """``add linux/arm/v7, remove linux/arm64, cache local``: a request in a few words."""
    parts = [f"add {p}" for p in request.add_platforms]
    parts += [f"remove {p}" for p in request.remove_platforms]
    parts += [f"{name} {value}" for name, value in (("runtime", request.runtime),
                                                    ("cache", request.cache),
                                                    ("registry", request.registry)) if value]
    if request.fix:
        parts.append("apply the safe fixes")
    return ", ".join(parts) or "nothing"
