"""One validator decides whether a platform can work for a workspace: ``rsdock init``, the TUI's
platforms step and ``rsdock edit --add-platform`` give the same verdict with the same reason
(issue #21 "one answer to each question"), and ``rsdock edit`` skips, with a note, a workflow it
cannot parse instead of refusing the whole repository."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate import answers, steps
from tests.wizard.commands.test_init import AWS_LC_LOCK

ARMV7 = "linux/arm/v7"


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def aws_lc_app(tmp_path: Path) -> Path:
    """lldap's shape: one binary reaching aws-lc-sys (no bindgen in the lock)."""
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n\n[dependencies]\naws-lc-rs = "1"\n')
    (root / "Cargo.lock").write_text(AWS_LC_LOCK)
    return root


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".rsdock" not in p.parts}


def test_init_the_tui_and_edit_agree_on_a_platform_the_libraries_rule_out(tmp_path, capsys):
    root = aws_lc_app(tmp_path)
    assert main(["init", str(root), "--yes"]) == 0
    capsys.readouterr()
    saved = answers.load(root)
    # init, asked for the platform by hand
    init_code = main(["init", str(root), "--yes", "--dry-run", "--platform", ARMV7])
    init_err = capsys.readouterr().err
    # the TUI's platforms step (the same problems the step shows)
    from rsdock.wizard.generate.defaults import with_workspace

    tui = steps.problems_for(with_workspace(saved, scan(root)).with_changes(
        platforms=saved.platforms + (ARMV7,)), "platforms")
    # edit
    before = files(root)
    edit_code = main(["edit", str(root), "--add-platform", ARMV7, "--yes"])
    edit_err = capsys.readouterr().err
    assert (init_code == 1) == bool(tui) == (edit_code == 1), (init_err, tui, edit_err)
    if init_code == 1:  # the facts of today's C-crate table: aws-lc-sys 0.29 needs bindgen
        assert files(root) == before  # nothing written
        reason = tui[0].message
        assert reason in init_err and reason in edit_err
        assert main(["init", str(root), "--check"]) == 0
    else:
        assert edit_code == 0 and main(["init", str(root), "--check"]) in (0, 1)


def test_edit_skips_a_workflow_it_cannot_parse_and_says_so(tmp_path, capsys):
    root = tmp_path / "ws"
    from tests.tools import copy_example

    root = copy_example(tmp_path, "ws")
    assert main(["init", str(root), "--yes"]) == 0
    commented = root / ".github" / "workflows" / "old.yml"
    commented.write_text("# name: old\n# on: push\n# jobs:\n#   build:\n#     runs-on: x\n")
    broken = root / ".github" / "workflows" / "broken.yml"
    broken.write_text("on: [push\njobs: {}\n")
    capsys.readouterr()
    assert main(["edit", str(root)]) == 0
    captured = capsys.readouterr()
    assert "platforms:     linux/amd64, linux/arm64, linux/arm/v7" in captured.out
    assert "skipped .github/workflows/old.yml:1: " in captured.err
    assert "skipped .github/workflows/broken.yml:" in captured.err
    assert main(["edit", str(root), "--remove-platform", ARMV7, "--yes"]) == 0
    assert "arm/v7" not in (root / ".github" / "workflows" / "docker.yml").read_text()
    assert commented.read_text().startswith("# name: old")  # never touched


def test_a_broken_workflow_that_uses_docker_actions_is_still_refused(tmp_path, capsys):
    from tests.tools import copy_example

    root = copy_example(tmp_path, "ws")
    assert main(["init", str(root), "--yes"]) == 0
    (root / ".github" / "workflows" / "images.yml").write_text(
        "on: [push\njobs:\n  x:\n    steps:\n      - uses: docker/build-push-action@v6\n")
    capsys.readouterr()
    assert main(["edit", str(root), "--remove-platform", ARMV7, "--yes"]) == 2
    assert capsys.readouterr().err.startswith(".github/workflows/images.yml:")
