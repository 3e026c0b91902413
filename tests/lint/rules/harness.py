"""The rule-test harness every rule test uses (hadolint's ``ruleCatches``/``ruleCatchesNot``,
ruff's ``assert_diagnostics``): lint an example, check what one rule reports, apply its fixes,
and render what a user sees.

An example is a dict ``{path: text}`` or one text: a lone file of the rule's target kind, or
``# file: <path>`` sections, as the rules' docstring examples are written (texts are dedented).

    catches("RS202", '''
        FROM rust:1.95
        RUN echo $TARGETARCH
    ''', lines=[2])
    catches_not("RS202", "FROM rust:1.95\\nARG TARGETARCH\\nRUN echo $TARGETARCH\\n")
    reports("RS202", text, [2])   # a table row: catches with lines, or catches_not for []
    catches("RS309", dockerfile, context={"Cargo.lock": lock})  # files beside the example

Every finding ``catches`` returns has been checked against the findings contract: a whole
span on one line inside the file, labelled related places, and no place written in the
message ("(line 4)", "build.rs:2"): a second place is a related place.
    assert fixed("RS202", text)["Dockerfile"] == "..."
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from rsdock.lint.engine import discover, docs
from rsdock.lint.engine.fix import fix_until_stable
from rsdock.lint.engine.report import render_text
from rsdock.lint.engine.runner import Result, lint_texts
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.findings import Finding
from rsdock.lint.rules.rule import all_rules

CONFIG = LintConfig(hadolint=False)
# A second place written into a message ("(line 4)", "on line 4", "lines 3-5", "build.rs:2 runs
# git", "Dockerfile:7"): it belongs in the finding's related places, with a label.
PLACE_IN_TEXT = re.compile(r"\blines? \d+|\(cargo runs at line|[\w.\-/]+\.\w+:\d+\b|"
                           r"\b(?:Dockerfile|Containerfile)[\w.\-]*:\d+\b")


def _config(rule_id: str) -> LintConfig:
    # Only the rule at hand runs (a rule sees the same context either way); the meta rules
    # (RS0xx: suppressions, parse errors) judge the other rules' findings, so all run for them.
    return CONFIG if rule_id.startswith("RS0") else LintConfig(hadolint=False, select=(rule_id,))


Example = dict[str, str] | str


def files_of(rule_id: str, example: Example,
             context: dict[str, str] | None = None) -> dict[str, str]:
    """``example`` as files: a dict as it is, a text split like a docstring example (a lone
    text is one file of the rule's target kind, dedented); ``context`` adds files beside it
    (``{"Cargo.lock": ...}``), as a test's workspace."""
    if isinstance(example, dict):
        files = dict(example)
    else:
        files = docs.example_files(all_rules()[rule_id], textwrap.dedent(example).strip("\n"))
    return {**files, **(context or {})}


def findings(rule_id: str, example: Example,
             context: dict[str, str] | None = None) -> list[Finding]:
    """What ``rule_id`` reports on ``example`` (linted whole, as ``rsdock lint`` would)."""
    files = files_of(rule_id, example, context)
    return [f for f in lint_texts(files, config=_config(rule_id)) if f.rule == rule_id]


def catches(rule_id: str, example: Example, lines: list[int] | None = None,
            message: str | None = None, context: dict[str, str] | None = None) -> list[Finding]:
    """Assert ``rule_id`` reports on ``example`` (on exactly ``lines`` when given, with a
    message containing ``message`` when given); return its findings. Each finding's span and
    related places are checked too: complete, inside the file, related places labelled."""
    files = files_of(rule_id, example, context)
    found = findings(rule_id, files)
    assert found, f"{rule_id} reports nothing on:\n{files}"
    if lines is not None:
        assert [f.line for f in found] == lines, [(f.line, f.message) for f in found]
    if message is not None:
        assert any(message in f.message for f in found), [f.message for f in found]
    for finding in found:
        assert finding.column >= 1 and finding.end_line >= finding.line, \
            f"{rule_id}: the span of {finding} is incomplete"
        text = files.get(finding.path)
        if text is not None and finding.rule != "RS001":
            last = max(len(text.splitlines()), 1)
            assert finding.end_line <= last, f"{rule_id}: {finding} ends after the file"
            assert finding.end_line == finding.line, \
                f"{rule_id}: {finding} spans lines {finding.line}-{finding.end_line}: span the " \
                "word it is about, not the whole instruction"
        for related in finding.related:
            assert related.label and related.line >= 1, f"{rule_id}: {related} is unlabelled"
        assert not PLACE_IN_TEXT.search(finding.message), \
            f"{rule_id}: a place written in the message, not a related place: {finding.message}"
    return found


def catches_not(rule_id: str, example: Example, context: dict[str, str] | None = None) -> None:
    """Assert ``rule_id`` reports nothing on ``example``."""
    found = findings(rule_id, example, context)
    assert not found, f"{rule_id} reports {[(f.line, f.message) for f in found]}"


def reports(rule_id: str, example: Example, lines: list[int],
            context: dict[str, str] | None = None) -> list[Finding]:
    """A table row's check: :func:`catches` on exactly ``lines``, or :func:`catches_not` when
    ``lines`` is empty; the findings."""
    if not lines:
        catches_not(rule_id, example, context)
        return []
    return catches(rule_id, example, lines=lines, context=context)


def fixed(rule_id: str, example: Example, unsafe: bool = True) -> dict[str, str]:
    """``example``'s files after ``rule_id``'s fixes (safe ones, and with ``unsafe`` the unsafe
    ones too), applied and re-linted until nothing changes, as ``rsdock lint --fix`` does."""
    current = files_of(rule_id, example)
    return fix_until_stable(current, findings(rule_id, current),
                            lambda now: findings(rule_id, now), unsafe)


def rendered(rule_id: str, example: Example) -> str:
    """The text report (``rsdock lint``'s default output) of ``rule_id``'s findings on
    ``example``."""
    files = files_of(rule_id, example)
    return render_result(files, findings(rule_id, files))


def render_result(files: dict[str, str], found: list[Finding]) -> str:
    """The text report of ``found`` over ``files``."""
    targets = {p: k for p in files if (k := discover.kind_of(p)) is not None}
    return render_text(Result(Path("/repo"), targets, sorted(found), files))
