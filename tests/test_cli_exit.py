"""``rsdock lint`` ends without the interpreter's teardown (rsdock.cli.entry): its output must be
whole, its exit code the command's, and only the lint commands may skip the teardown."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from rsdock.cli import main
from tests.tools import REPO

FIXTURE = REPO / "tests" / "fixtures" / "field" / "miss-action-pinned-to-branch"
PROBE = ("import atexit, sys\n"
         "atexit.register(lambda: print('TEARDOWN', flush=True))\n"
         "sys.argv[0] = 'rsdock'\n"
         "from rsdock.cli import entry\n"
         "entry()\n")


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """The fixture as a repository of its own (a workflow with findings)."""
    shutil.copytree(FIXTURE, tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    return tmp_path / "repo"


def test_lint_output_is_whole_and_the_exit_code_is_the_commands(capsys, repo):
    expected = main(["lint", "--no-hadolint", "--format", "json"])
    in_process = json.loads(capsys.readouterr().out)
    out = run("lint", "--no-hadolint", "--format", "json", cwd=repo)
    assert out.returncode == expected == 1  # the fixture has findings
    assert json.loads(out.stdout) == in_process  # nothing lost at the exit
    assert "TEARDOWN" not in out.stdout  # and no teardown ran
    assert out.stderr == ""


def test_lint_report_to_a_file_is_whole(tmp_path, repo):
    report = tmp_path / "report.sarif"
    out = run("lint", "--no-hadolint", "--format", "sarif", "--output", str(report), cwd=repo)
    assert out.returncode == 1
    assert json.loads(report.read_text(encoding="utf-8"))["runs"][0]["results"]


def test_a_closed_pipe_is_no_traceback(repo):
    done = subprocess.run(f'"{sys.executable}" -c "{PROBE.replace(chr(10), ";")}" lint '
                          f'--no-hadolint | head -c 1', shell=True, cwd=repo,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr


@pytest.mark.parametrize("args", [["init", "--example", "--yes", "--dry-run"], ["--version"]])
def test_other_commands_exit_through_the_teardown(args, tmp_path):
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "TEARDOWN" in out.stdout


GC_PROBE = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('GC', gc.isenabled(), flush=True))\n"
            "sys.argv[0] = 'rsdock'\n"
            "from rsdock.cli import main\n"
            "main(sys.argv[1:], process_ends=True)\n")


@pytest.mark.parametrize("args, collects", [
    (["lint", "--no-hadolint"], False),  # the process ends at once: nothing to collect for
    (["init", "--example", "--yes", "--dry-run"], True),  # a normal exit keeps the collector
])
def test_only_a_command_that_ends_the_process_runs_without_the_garbage_collector(
        args, collects, tmp_path, repo):
    out = subprocess.run([sys.executable, "-c", GC_PROBE, *args], capture_output=True,
                         text=True, timeout=120, cwd=repo if args[0] == "lint" else tmp_path)
    assert f"GC {collects}" in out.stdout, out.stderr


def test_in_process_callers_keep_the_garbage_collector(capsys, repo):
    import gc

    main(["lint", "--no-hadolint"])
    capsys.readouterr()
    assert gc.isenabled()
