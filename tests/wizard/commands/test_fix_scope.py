"""`rsdock lint --fix` and `rsdock edit --fix` fix the same files and count the same fixable
findings (issue 26 item 8: lint counted 9, edit 7, and lint fixed a workflow edit skipped: edit
read only the workflows that use docker's actions, and forgot the `.dockerignore` files after
another edit)."""

from __future__ import annotations

import json
import re

from rsdock.cli import main
from tests.tools import copy_example

CI = """name: ci
on: push
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: cargo test
"""


def workspace(tmp_path):
    root = copy_example(tmp_path, "ws")
    assert main(["init", str(root), "--yes"]) == 0
    (root / ".github" / "workflows" / "ci.yml").write_text(CI)
    (root / ".dockerignore").write_text("target\n")  # RS501's safe fix adds .git
    return root


def test_edit_and_lint_agree_on_what_is_fixable_and_fix_the_same_files(tmp_path, capsys):
    root = workspace(tmp_path)
    capsys.readouterr()
    main(["lint", str(root), "--no-hadolint", "--diff"])
    lint_diff = capsys.readouterr().out
    lint_files = set(re.findall(r"^\+\+\+ (?:b/)?(\S+)", lint_diff, re.M))
    assert ".github/workflows/ci.yml" in lint_files and ".dockerignore" in lint_files
    main(["lint", str(root), "--no-hadolint", "--format", "json"])
    fixable = json.loads(capsys.readouterr().out)["summary"]["fixable"]
    assert main(["edit", str(root)]) == 0
    summary = capsys.readouterr().out
    assert f", {fixable} fixable with --fix" in summary
    assert main(["edit", str(root), "--fix", "--dry-run"]) == 0
    edit_diff = capsys.readouterr().out
    edit_files = set(re.findall(r"^\+\+\+ (?:b/)?(\S+)", edit_diff, re.M))
    assert edit_files == lint_files
    assert main(["edit", str(root), "--fix", "--yes"]) == 0
    capsys.readouterr()
    main(["lint", str(root), "--no-hadolint", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["summary"]["fixable"] == 0


def test_a_fix_after_another_edit_still_reaches_the_dockerignore(tmp_path, capsys):
    root = workspace(tmp_path)
    assert main(["edit", str(root), "--remove-platform", "linux/arm/v7", "--fix", "--yes"]) == 0
    assert ".git" in (root / ".dockerignore").read_text().split()
