"""Every rule keeps its contract on its own ``Fails:`` example (rules are found by the registry,
so a new rule is checked without editing this file):

- every finding has a whole span (the engine completes one a rule leaves partial), on the
  line the rule gave, and related places with labels; the span is inside the file and on one
  line: a finding about a word of a long RUN spans that word, never the whole instruction;
- the rule's declared ``fixable`` agrees with what it produced (ruff's harness does the same
  with ``FixAvailability``): a rule declared without fixes offers none, one declared with fixes
  offers one on its Fails example, one declared ``always`` offers one on every finding;
- no fix is more trusted than the rule's ``fix_applicability``;
- applying the fixes (safe and unsafe, as ``--fix --unsafe-fixes``) turns the Fails example
  into the docstring's ``Fixed:`` block, which the rule no longer reports;
- no message writes a second place as "(line N)": that is a related place.
"""

from __future__ import annotations


import pytest

from rsdock.lint.engine import docs
from rsdock.lint.rules.rule import all_rules
from tests.lint.rules.harness import PLACE_IN_TEXT, files_of, findings, fixed

# RS009 reports other rules' crashes: its example needs a crashing rule (test_rule_docs.py).
RULES = sorted(r for r in all_rules() if r != "RS009")
_LINE_IN_TEXT = PLACE_IN_TEXT


@pytest.mark.parametrize("rule_id", RULES)
def test_findings_have_whole_spans(rule_id):
    rule = all_rules()[rule_id]
    example = files_of(rule_id, rule.docs().fails)
    for finding in findings(rule_id, example):
        assert finding.line >= 1 and finding.column >= 1, finding
        assert (finding.end_line, finding.end_column) > (finding.line, finding.column), finding
        text = example.get(finding.path)
        if text is not None and not finding.rule == "RS001":
            lines = text.splitlines()
            assert finding.end_line <= max(len(lines), 1), finding
            assert finding.end_line == finding.line, \
                f"{rule_id}: the span runs over lines {finding.line}-{finding.end_line}: " \
                "span the word the finding is about"
            written = lines[finding.line - 1].rstrip() if lines else ""
            assert finding.end_column <= max(len(written), 1) + 1, (finding, written)
        for related in finding.related:
            assert related.label and related.line >= 1, finding
        assert not _LINE_IN_TEXT.search(finding.message), \
            f"{rule_id}: a second place in the message text: {finding.message!r}"


@pytest.mark.parametrize("rule_id", RULES)
def test_declared_fixability_matches_the_fails_example(rule_id):
    rule = all_rules()[rule_id]
    found = findings(rule_id, rule.docs().fails)
    fixes = [f.fix for f in found if f.fix is not None and not f.fix.display_only]
    if rule.fixable == "never":
        assert not [f for f in found if f.fix is not None], \
            f"{rule_id} declares no fix (fixable = 'never') but its Fails example has one"
        assert not rule.docs().fixed, f"{rule_id} has a Fixed: block but declares no fix"
        return
    assert fixes, f"{rule_id} declares fixable = {rule.fixable!r} but its Fails example has no fix"
    if rule.fixable == "always":
        assert all(f.fix is not None for f in found), \
            f"{rule_id} declares fixable = 'always' but a finding has no fix"
    for fix in fixes:
        assert fix.applicability.rank <= rule.fix_applicability.rank, \
            f"{rule_id}: a {fix.applicability} fix from a rule declared {rule.fix_applicability}"


@pytest.mark.parametrize("rule_id", [r for r in RULES if all_rules()[r].fixable != "never"])
def test_fixes_turn_fails_into_fixed(rule_id):
    rule = all_rules()[rule_id]
    parsed = rule.docs()
    assert parsed.fixed, f"{rule_id} has fixes: its docstring needs a Fixed: block"
    before = files_of(rule_id, parsed.fails)
    after = fixed(rule_id, before)
    want = docs.example_files(rule, parsed.fixed)
    changed = {p: t for p, t in after.items() if t != before[p]}
    assert changed == want, f"{rule_id}: the Fixed: block is not what the fixes make"
    assert not findings(rule_id, after), f"{rule_id} still reports on its fixed example"


def test_the_harness_sees_a_wrong_fixed_block(monkeypatch):
    rule = all_rules()["RS602"]
    doc = rule.__doc__.replace("        target/\n", "        target\n", 1)
    assert doc != rule.__doc__
    monkeypatch.setattr(rule, "__doc__", doc)
    with pytest.raises(AssertionError, match="Fixed: block"):
        test_fixes_turn_fails_into_fixed("RS602")


def test_the_harness_sees_an_undeclared_fix(monkeypatch):
    monkeypatch.setattr(all_rules()["RS602"], "fixable", "never")
    with pytest.raises(AssertionError, match="declares no fix"):
        test_declared_fixability_matches_the_fails_example("RS602")


# Rules whose Fails example involves a second place (another stage, instruction or file): it
# must be a related place. A rule may join this list; leaving it is a regression.
WITH_RELATED = {
    "RS101", "RS102", "RS104", "RS105", "RS106", "RS110", "RS201", "RS202", "RS206", "RS207",
    "RS208", "RS209", "RS211", "RS212", "RS307", "RS308", "RS407", "RS417", "RS501", "RS502",
    "RS503", "RS504", "RS506", "RS507", "RS111", "RS213", "RS305", "RS416", "RS604",
}


@pytest.mark.parametrize("rule_id", sorted(WITH_RELATED))
def test_cross_stage_and_cross_file_findings_name_the_other_place(rule_id):
    found = findings(rule_id, all_rules()[rule_id].docs().fails)
    assert any(f.related for f in found), f"{rule_id}'s Fails finding has no related place"
