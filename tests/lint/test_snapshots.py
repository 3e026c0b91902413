"""What users see, pinned: the text report of every rule's ``Fails:`` example (with its fix
applied, when it has one) and of every field fixture (tests/fixtures/field), compared with the
snapshots in ``__snapshots__/test_snapshots.ambr`` (syrupy).

A change of wording, span, related place or fix shows as a diff of that file: review it, then
accept it with ``python -m pytest tests/lint/test_snapshots.py --snapshot-update``. Rules and
fixtures are found by listing them, so a new one fails here until its snapshot is written.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rsdock.lint.engine import discover, fix, runner as engine
from rsdock.lint.engine.report import render_text
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.rules.rule import all_rules
from tests.lint.rules.harness import files_of, findings, fixed, render_result

FIELD = Path(__file__).resolve().parents[1] / "fixtures" / "field"
# RS009 reports other rules' crashes: its example needs a crashing rule (test_rule_docs.py).
RULES = sorted(r for r in all_rules() if r != "RS009")


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_fails_example(rule_id, snapshot):
    rule = all_rules()[rule_id]
    files = files_of(rule_id, rule.docs().fails)
    shown = render_result(files, findings(rule_id, files))
    if rule.fixable != "never":
        after = fixed(rule_id, files)
        shown += "--- after --fix --unsafe-fixes ---\n" + "".join(
            fix.unified_diff(path, files[path], after[path])
            for path in sorted(files) if after[path] != files[path])
    assert shown == snapshot


@pytest.mark.parametrize("name", sorted(p.name for p in FIELD.iterdir() if p.is_dir()))
def test_field_fixture_output(name, tmp_path, snapshot):
    root = tmp_path / name
    shutil.copytree(FIELD / name, root, symlinks=True)
    if name == "crash-symlink-loop":  # committed as a self-referencing symlink upstream
        link = root / "tests/fixtures/symlink/unknown.md"
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink("unknown.md", link)
    result = engine.lint_paths(discover.walk(root), root, LintConfig(hadolint=False))
    assert render_text(result) == snapshot


def test_a_changed_message_fails_its_snapshot(monkeypatch, snapshot):
    """The acceptance check of the snapshots: reword one rule and the comparison fails."""
    rule = all_rules()["RS602"]
    files = files_of("RS602", rule.docs().fails)
    before = render_result(files, findings("RS602", files))
    monkeypatch.setattr(rule, "message", "add target/ to the ignore file")
    after = render_result(files, findings("RS602", files))
    assert before != after and "add target/ to the ignore file" in after
    assert before == snapshot
