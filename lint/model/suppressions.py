"""Inline suppressions: ``# rsdock: ignore=RS201[,RS202] reason``.

The reason is mandatory: a suppression is a decision someone must be able to read later.

- On its own line, a suppression covers the next line that is neither blank nor a comment; in a
  Dockerfile that is the whole instruction (its ``\\`` continuations and heredoc bodies).
- At the end of a YAML line it covers that line.
- In ``.dockerignore`` only the own-line form exists: Docker reads a trailing ``# ...`` as part of
  the pattern, so a trailing suppression would change what the file ignores.

Codes may be rsdock IDs or hadolint's DL/SC codes (hadolint's own ``# hadolint ignore=`` keeps
working too, because hadolint reads it itself).
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from rsdock.lint.model.findings import Finding
from rsdock.records import field, record

_MARK_RE = re.compile(r"#\s*rsdock\s*:\s*ignore\s*=\s*(?P<codes>[A-Za-z0-9_,\s]*?[A-Za-z0-9])"
                      r"(?:\s+(?P<reason>\S.*?))?\s*$")
_OWN_LINE_RE = re.compile(r"^\s*" + _MARK_RE.pattern)
_TRAILING_RE = re.compile(r"\s" + _MARK_RE.pattern)
_CODE_RE = re.compile(r"^(RS\d{3}|DL\d{4}|SC\d{4})$")
_HEREDOC_RE = re.compile(r"<<(-?)\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")


@record
class Suppression:
    """One suppression comment.

    Attributes:
        path: the file it is in.
        line: the line of the comment.
        codes: the codes it names.
        reason: why (never empty for a valid suppression).
        first, last: the lines it covers.
        used: the codes that actually suppressed a finding.
        column: the 1-based column of the first code in the comment.
    """

    path: str
    line: int
    codes: tuple[str, ...]
    reason: str
    first: int
    last: int
    used: set[str] = field(default_factory=set)
    column: int = 1

    def covers(self, finding: Finding) -> bool:
        """Whether this suppression silences ``finding``."""
        return (finding.path == self.path and finding.rule in self.codes
                and self.first <= finding.line <= self.last)


@record(frozen=True)
class Malformed:
    """A suppression comment that cannot count: no reason, or a code that names nothing."""

    path: str
    line: int
    column: int
    problem: str


def parse(kind: str, path: str, text: str,
          known: Callable[[str], bool] | None = None) -> tuple[list[Suppression], list[Malformed]]:
    """Find the suppressions in one file.

    Args:
        kind: ``dockerfile``, ``workflow`` or ``dockerignore``.
        path: the file's root-relative path.
        text: its contents.
        known: tells whether an rsdock code exists (default: every well-formed code does).

    Returns:
        The valid suppressions, and the malformed ones (which suppress nothing).
    """
    lines = text.splitlines()
    found: list[Suppression] = []
    bad: list[Malformed] = []
    for index, line in enumerate(lines):
        if "rsdock" not in line:  # cheap pre-check: most lines have no suppression
            continue
        own = _OWN_LINE_RE.match(line)
        trailing = None if own or kind != "workflow" else _TRAILING_RE.search(line)
        match = own or trailing
        if not match:
            continue
        column = match.start("codes") + 1  # 1-based, at the first code
        codes = tuple(c.strip().upper() for c in match["codes"].split(",") if c.strip())
        problem = _problem(codes, match["reason"], known)
        if problem:
            bad.append(Malformed(path, index + 1, column, problem))
            continue
        if own:
            first, last = _covered(kind, lines, index)
            if first is None:
                bad.append(Malformed(path, index + 1, column,
                                     "the suppression is followed by nothing it could cover"))
                continue
        else:
            first = last = index + 1
        found.append(Suppression(path, index + 1, codes, match["reason"].strip(), first, last,
                                 column=column))
    return found, bad


def _problem(codes: tuple[str, ...], reason: str | None,
             known: Callable[[str], bool] | None) -> str | None:
    for code in codes:
        if not _CODE_RE.match(code):
            return f"{code!r} is not a rule code: write RS201, DL3008 or SC2086"
        if code.startswith("RS") and known is not None and not known(code):
            return f"{code} names no rule: `rsdock rules` lists them"
    if not codes:
        return "the suppression names no rule"
    if not reason or not reason.strip():
        return "the suppression needs a reason after the codes: `# rsdock: ignore=RS201 why`"
    return None


def _covered(kind: str, lines: list[str], index: int) -> tuple[int | None, int]:
    """The 1-based first and last line covered by an own-line suppression at ``index``."""
    target = index + 1
    while target < len(lines) and (not lines[target].strip()
                                   or lines[target].lstrip().startswith("#")):
        target += 1
    if target >= len(lines):
        return None, 0
    last = target
    if kind == "dockerfile":
        last = _instruction_end(lines, target)
    return target + 1, last + 1


def _instruction_end(lines: list[str], start: int) -> int:
    """The index of the last line of the Dockerfile instruction starting at ``start``."""
    index = start
    heredocs = [(m[1] == "-", m[2]) for m in _HEREDOC_RE.finditer(lines[start])]
    while lines[index].rstrip().endswith("\\") and index + 1 < len(lines):
        index += 1
        # comment lines inside a continuation are dropped by BuildKit and do not end it
        heredocs += [(m[1] == "-", m[2]) for m in _HEREDOC_RE.finditer(lines[index])]
    for strip_tabs, word in heredocs:
        while index + 1 < len(lines):
            index += 1
            body = lines[index].lstrip("\t") if strip_tabs else lines[index]
            if body.rstrip("\r") == word:
                break
    return index


def apply(findings: Iterable[Finding], suppressions: list[Suppression]) -> list[Finding]:
    """The findings no suppression covers; marks each suppression's used codes.

    Args:
        findings: every finding of the run.
        suppressions: the valid suppressions of every linted file.
    """
    by_path: dict[str, list[Suppression]] = {}
    for item in suppressions:
        by_path.setdefault(item.path, []).append(item)
    kept = []
    for finding in findings:
        hit = next((s for s in by_path.get(finding.path, ()) if s.covers(finding)), None)
        if hit is None:
            kept.append(finding)
        else:
            hit.used.add(finding.rule)
    return kept


def unused(suppressions: list[Suppression],
           checked: Callable[[str, str], bool]) -> list[tuple[Suppression, str]]:
    """``(suppression, code)`` for each code that suppressed nothing.

    Args:
        suppressions: the suppressions after :func:`apply`.
        checked: whether ``code`` actually ran on ``path`` (called as ``checked(path,
            code)``; a code the configuration turned off, or a DL code when hadolint did not
            run, is not reported: it might well be needed).
    """
    return [(s, code) for s in suppressions for code in s.codes
            if code not in s.used and checked(s.path, code)]
