"""``rsdock lint`` stays light: no TUI, templating or prompt libraries, nothing from the wizard."""

from __future__ import annotations

import shutil
import subprocess
import sys

from rsdock.resources import example_workspace
from tests.tools import REPO

FORBIDDEN = ("textual", "jinja2", "questionary", "rsdock.wizard")
PROBE = """
import sys
from rsdock.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'jinja2', 'questionary')
                or m == 'rsdock.wizard' or m.startswith('rsdock.wizard.'))
print('LOADED', loaded)
sys.exit(code)
"""


def test_lint_on_the_example_workspace_imports_nothing_heavy(tmp_path):
    workspace = tmp_path / "workspace"
    shutil.copytree(example_workspace(), workspace)
    # a production image (it ships a program), so the runtime rules report on it
    (workspace / "Dockerfile").write_text("FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\n")
    (workspace / ".github" / "workflows").mkdir(parents=True)
    (workspace / ".github" / "workflows" / "ci.yml").write_text(
        "on: [push]\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n")
    out = subprocess.run([sys.executable, "-c", PROBE, "lint", str(workspace)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode in (0, 1), out.stderr
    assert "Traceback" not in out.stderr
    assert "LOADED []" in out.stdout, out.stdout
    assert "Dockerfile" in out.stdout  # it did lint the files


def test_lint_module_source_imports_nothing_heavy():
    lint_dir = REPO / "lint"
    for path in lint_dir.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in FORBIDDEN:
            assert f"import {name}" not in text and f"from {name}" not in text, (path, name)
