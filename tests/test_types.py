"""rsdock's own code is checked: mypy passes on the whole package (scripts/typecheck.py: --strict
on lint/ and rsdock/), and ruff with the rules in pyproject.toml finds nothing."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools import REPO


def _typecheck():
    spec = importlib.util.spec_from_file_location("typecheck", REPO / "scripts" / "typecheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("targets, flags", _typecheck().PASSES,
                         ids=lambda value: " ".join(value) if isinstance(value, tuple) else value)
def test_mypy_passes(targets, flags):
    status, report = _typecheck().run(targets, flags)
    assert status == 0, report



def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    ruff = Path(sys.executable).parent / "ruff"  # the test extras install it beside python
    command = str(ruff) if ruff.exists() else shutil.which("ruff")
    assert command is not None, "ruff is in the test extras: pip install -e '.[test]'"
    return subprocess.run([command, *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300)


def test_ruff_passes():
    out = _ruff("check", "--no-cache", ".")
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_checks_the_whole_package():
    files = set(_ruff("check", "--no-cache", "--show-files", ".").stdout.split())
    for part in ("rsdock/cli.py", "lint/rules/rs101.py", "wizard/edit/propose.py",
                 "scripts/typecheck.py", "tests/test_types.py",
                 "tests/lint/rules/harness.py"):
        assert str(REPO / part) in files, part
