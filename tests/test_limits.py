"""Parser limits (issue #27, items 9-10): inputs nested or repeated past what any real file holds
are refused with a located error before a parser recurses or backtracks into them; nothing
crashes in C, raises a traceback, or runs for minutes.

Each case runs the command in a subprocess: a segmentation fault or a hang must fail the test,
not the test run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools import EXAMPLE


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target"))
    return root


def rsdock(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """``rsdock argv`` in a process of its own; no traceback, no signal."""
    done = subprocess.run([sys.executable, "-m", "rsdock", *argv], capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode >= 0, f"killed by signal {-done.returncode}"
    assert "Traceback" not in done.stdout + done.stderr
    return done


def test_a_workflow_nested_30000_deep_is_a_located_error_in_lint_and_edit(ws, tmp_path):
    workflows = ws / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    (workflows / "deep.yml").write_text("on: push\njobs:\n  a: " + "[" * 30000 + "]" * 30000 + "\n")
    sarif = tmp_path / "out.sarif"
    done = rsdock("lint", str(ws), "--no-hadolint", "--format", "sarif", "--output", str(sarif))
    assert done.returncode == 1
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    deep = [r for r in results if "deep.yml" in r["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"]]
    assert [r["ruleId"] for r in deep] == ["RS001"]
    assert deep[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    done = rsdock("edit", str(ws))
    assert done.returncode == 2 and "deep.yml:3: error" in done.stderr + done.stdout
