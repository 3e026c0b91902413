"""Safe fixes: one engine applies the edits rules propose, preserving every other byte.

A pass applies each finding's :class:`Fix` whole or not at all, skipping fixes that overlap one
already taken; then the files are linted again (fixes can reveal or resolve other findings) until
nothing changes, for at most :data:`MAX_PASSES` passes. Writing is atomic: a temporary file in the
same folder replaces the original, so an interrupted run never leaves half a Dockerfile.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Callable, Iterable

from rsdock import atomic, fs
from rsdock.lint.engine.runner import lint_texts
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.findings import Edit, Finding, Fix
from rsdock.records import replace

MAX_PASSES = 5


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply the non-overlapping ``fixes`` to ``text``.

    Args:
        text: the file's text.
        fixes: candidate fixes, in priority order (the first of two overlapping fixes wins).

    Returns:
        The new text and how many fixes were applied.
    """
    taken: list[Edit] = []
    taken_fixes: list[Fix] = []
    applied = 0
    for fix in fixes:
        if fix in taken_fixes:
            continue  # one fix shared by several findings (RS212's whole-file fix) counts once
        edits = sorted(fix.edits, key=lambda e: (e.start, e.end))
        if not edits or any(not (0 <= e.start <= e.end <= len(text)) for e in edits):
            continue  # a stale or broken fix must never corrupt the file
        if _overlaps(edits, edits) or any(_overlaps([e], taken) for e in edits):
            continue
        taken += edits
        taken_fixes.append(fix)
        applied += 1
    result = text
    crlf = atomic.uses_crlf(text)
    for edit in sorted(taken, key=lambda e: (e.start, e.end), reverse=True):
        inserted = atomic.crlf_lines(edit.text) if crlf else edit.text
        result = result[:edit.start] + inserted + result[edit.end:]
    return result, applied



def _overlaps(edits: list[Edit], others: list[Edit]) -> bool:
    for edit in edits:
        for other in others:
            if other is edit:
                continue
            # two insertions at one point are ambiguous too: their order would be arbitrary
            if edit.start < other.end and other.start < edit.end or \
                    edit.start == other.start:
                return True
    return False


def fix_until_stable(texts: dict[str, str], findings: list[Finding],
                     relint: Callable[[dict[str, str]], list[Finding]],
                     unsafe: bool = False) -> dict[str, str]:
    """Apply ``findings``' fixes to ``texts`` and re-lint them with ``relint`` until nothing
    changes (at most :data:`MAX_PASSES` passes); return every text, changed or not."""
    current = dict(texts)
    for _ in range(MAX_PASSES):
        by_path: dict[str, list[Fix]] = {}
        for finding in findings:
            if finding.fix is not None and finding.path in current and \
                    finding.fix.applies(unsafe):
                by_path.setdefault(finding.path, []).append(finding.fix)
        changed = False
        for path, fixes in by_path.items():
            new, applied = apply_fixes(current[path], fixes)
            if applied and new != current[path]:
                current[path], changed = new, True
        if not changed:
            break
        findings = relint(current)
    return current


def fix_texts(root: Path, texts: dict[str, str], findings: list[Finding],
              config: LintConfig | None = None, unsafe: bool = False) -> dict[str, str]:
    """Fix ``texts`` until stable; return the new text of every file that changed.

    Args:
        root: the repository root (context for re-linting).
        texts: the current text of each linted file.
        findings: the first pass's findings (their fixes are applied first).
        config: the settings; hadolint is skipped when re-linting (it proposes no fixes).
        unsafe: apply the unsafe fixes too (``--unsafe-fixes``); by default only safe fixes
            are applied. A display-only fix is never applied.
    """
    config = replace(config or LintConfig(), hadolint=False)
    current = fix_until_stable(texts, findings, lambda now: lint_texts(now, root, config), unsafe)
    return {p: t for p, t in current.items() if t != texts.get(p)}


def unified_diff(path: str, before: str, after: str) -> str:
    """The ``diff -u`` of one file, ``a/path`` against ``b/path``."""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{path}", f"b/{path}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, keeping its mode and a UTF-8 BOM if it had one."""
    atomic.write_atomic(path, text, keep_bom=True)


def write_fixes(root: Path, changed: dict[str, str], texts: dict[str, str]) -> list[str]:
    """Write the fixed files as one set (all or none), each checked against the text linted.

    Args:
        root: the repository root.
        changed: the new text by root-relative path (from :func:`fix_texts`).
        texts: the text each file was linted as: a file changed since is not overwritten.

    Returns:
        What recovering an interrupted earlier write did, for the user.

    Raises:
        UserError: a file system error or a refusal (located), or (exit 1) a file changed.
    """
    with fs.Transaction(root) as tx:
        for path, text in sorted(changed.items()):
            tx.stage(path, text, keep_bom=True, expect=texts.get(path, fs.UNCHECKED))
        tx.commit()
        return tx.notes