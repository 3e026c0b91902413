"""RS6xx .dockerignore rules: table-driven cases and fixes."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, catches_not, fixed, reports

IGNORE = ".dockerignore"
PREBUILT = "FROM debian:bookworm-slim\nCOPY target/release/app /usr/local/bin/app\n"

CASES = [
    ("RS601", "target/  # build output\n.git\n", [1]),
    ("RS601", "target/\n# build output\n.git\n", []),
    ("RS601", "  # indented comment is a pattern too\n", [1]),
    ("RS601", "!README.md # keep\n", [1]),
    ("RS601", "weird#name\n", []),  # no space: a legitimate file name
    ("RS602", ".git\n", [1]),
    ("RS602", ".git\ntarget\n", []),
    ("RS602", ".git\n/target/\n", []),
    ("RS602", ".git\n**/target\n", []),
    # the comment breaks the pattern, but RS601 reports (and fixes) that line
    ("RS602", ".git\ntarget/  # build output\n", []),
    ("RS603", "target\n.git # history\n", []),
    ("RS602", ".git\ntarget\n!target/release\n", [1]),
    ("RS603", "target/\n", [1]),
    ("RS603", "target/\n.git\n", []),
    ("RS603", "target/\n.git/\n", []),
    ("RS603", "target/\n.*\n", []),
]


@pytest.mark.parametrize("rule_id,text,expected", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_cases(rule_id, text, expected):
    reports(rule_id, {IGNORE: text}, expected)


def test_target_may_stay_when_a_dockerfile_copies_prebuilt_binaries():
    catches_not("RS602", {IGNORE: ".git\n", "Dockerfile": PREBUILT})


FIXES = [
    ("RS601", "target/  # build output\n.git\n", "# build output\ntarget/\n.git\n"),
    ("RS601", "x\n  docs # keep out\n", "x\n# keep out\n  docs\n"),
    ("RS602", ".git\n", ".git\ntarget/\n"),
    ("RS602", ".git", ".git\ntarget/\n"),
    ("RS602", "", "target/\n"),
    ("RS603", "target/\n", "target/\n.git\n"),
]


@pytest.mark.parametrize("rule_id,text,after", FIXES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FIXES)])
def test_fixes(rule_id, text, after):
    (finding,) = catches(rule_id, {IGNORE: text})
    assert finding.fix is not None and finding.fix.edits
    assert fixed(rule_id, {IGNORE: text}) == {IGNORE: after}
    catches_not(rule_id, {IGNORE: after})
