"""The review and write steps' work: render a plan, diff it against disk, lint it, write it.

Plain functions with no UI, shared by the TUI (which runs them in worker threads) and tests.
"""

from __future__ import annotations

from pathlib import Path

from rsdock.records import record
from rsdock import fs
from rsdock.wizard.generate import answers, upgrade, writer
from rsdock.wizard.generate.plan import Plan, Problem
from rsdock.wizard.generate.writer import Change


@record(frozen=True)
class Preview:
    """What the review step shows for one plan: files, findings, and why it is empty if it is.

    Attributes:
        plan: the plan this preview was made from (a stale preview is recognisable).
        changes: one :class:`rsdock.wizard.generate.writer.Change` per rendered file, in path order.
        findings: the linter's findings on the rendered files.
        problems: the plan's problems; when any, nothing was rendered.
        note: why the preview is empty or partial, or "".
        complete: False while hadolint's findings are still to come (the fast first pass).
        error: a located error that stopped the preview (an unreadable file in the way), or "".
        ci: what the workflow will do per run (compiles, emulation, runners per image and
            platform), as :func:`rsdock.wizard.generate.cost_report.report` writes it.
        baseline: what rsdock last wrote (:mod:`rsdock.wizard.generate.upgrade`): the changes
            were classified and merged against it.
    """

    plan: Plan
    changes: tuple[Change, ...] = ()
    findings: tuple = ()
    problems: tuple[Problem, ...] = ()
    note: str = ""
    complete: bool = True
    error: str = ""
    ci: str = ""
    baseline: upgrade.Baseline | None = None

    @property
    def overwrites(self) -> tuple[Change, ...]:
        """The files whose different text on disk would be replaced (the ones to ask about):
        not an upgrade of an untouched file nor a clean merge (:attr:`Change.needs_consent`)."""
        return tuple(c for c in self.changes if c.needs_consent)

    @property
    def writable(self) -> bool:
        """Whether there is something valid to write."""
        return bool(self.changes) and not self.problems


def preview(root: Path, plan: Plan, *, hadolint: bool = True) -> Preview:
    """Render ``plan``, diff each file against ``root`` and lint the rendered files.

    Blocking (templates, parsers, hadolint): front ends call it from a worker thread. Without
    ``hadolint`` it takes about half the time (hadolint is a process of its own), so the TUI
    shows that pass first and the complete one when it is ready.

    Raises:
        UserError: when a rendered path cannot be compared with the disk (a directory or an
            unreadable file is in the way); the message names the file and the way out.
    """
    problems = tuple(plan.problems())
    if problems:
        return Preview(plan, problems=problems, note="Fix the problems to see the files.")
    # Imported here, in the worker: jinja2 and the templates need not load before the first
    # screen is up.
    from rsdock.wizard.generate.render import render

    # The files as they would be written: with the user's `# rsdock:keep` blocks put back.
    # Paths relative to the git root: the workflow goes under its .github/workflows/.
    out = plan.workspace.repo_root(root)
    baseline = upgrade.load(out, answers.read_text(root))
    changes = tuple(writer.plan_changes(out, render(plan), baseline=baseline))
    files = {c.path: c.text for c in changes}
    # Imported here, in the worker: the rules and their parsers need not load before the first
    # screen is up.
    from rsdock.lint.engine.settings import LintConfig
    from rsdock.lint.engine.runner import lint_texts

    from rsdock.wizard.generate.cost_report import costs_of, report

    findings = lint_texts(files, root=out, config=LintConfig(hadolint=hadolint))
    return Preview(plan, changes, tuple(findings), complete=hadolint,
                   ci=report(costs_of(files, plan)), baseline=baseline)


@record(frozen=True)
class WriteResult:
    """What :func:`write` did.

    Attributes:
        written: paths written (new files and agreed overwrites).
        kept: differing files left as they were, because the user declined.
        config: the rsdock.toml path saved.
    """

    written: tuple[str, ...]
    kept: tuple[str, ...]
    config: Path


def write(root: Path, result: Preview, *, overwrite: bool, backup=None) -> WriteResult:
    """Write the previewed files atomically, then save the plan to rsdock.toml.

    Args:
        root: the workspace root.
        result: the preview to write; it must be :attr:`Preview.writable`.
        overwrite: replace files whose text on disk differs; when False they are kept.
            Upgrades of untouched files and clean merges are written either way.
        backup: ``writer.apply_changes``' backup hook for the files whose text of the user's
            changes (``rsdock.wizard.edit.backup.write_hook``).

    Raises:
        UserError: when a file cannot be written (the path and the way out are in it).
        OSError: from the filesystem, for the caller to report with the path.
    """
    agreed = [c.path for c in result.overwrites] if overwrite else []
    allowed = [c for c in result.changes if not c.needs_consent or c.path in agreed]
    kept = tuple(c.path for c in result.overwrites if c.path not in agreed)
    # A declined file keeps its record: the next run still knows what rsdock last wrote there.
    record, renders = upgrade.renders_to_store(
        result.baseline, {c.path: c.rendered for c in result.changes}, set(kept))
    # rsdock.toml goes in the same set as the files rendered from it: a crash leaves both old
    # or both new, never a config that disagrees with the files.
    toml = answers.dumps(result.plan, answers.read_text(root), record)
    facts = result.plan.workspace
    extra: dict[str, str | bytes] = {facts.repo_path(answers.CONFIG_NAME): toml}
    stored = upgrade.pack(renders)
    if result.baseline is None or stored != result.baseline.stored:
        extra[fs.RENDERS] = stored
    written = writer.apply_changes(facts.repo_root(root), allowed, agreed=agreed,
                                   extra=extra, backup=backup)
    return WriteResult(tuple(c.path for c in written), kept, answers.config_path(root))
