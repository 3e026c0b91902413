"""``rsdock edit`` on rsdock's own files leaves them as ``rsdock init`` renders the edited
``rsdock.toml`` and records them in its ``[generated]`` table: ``init --check`` right after an
edit finds no drift (the header comments naming the platforms, the ``*)`` arm's list), and a
later ``init`` sees rsdock's own files, not hand edits (issue #21 item 4, #22's leftover)."""

from __future__ import annotations

import io
import sys

import pytest

from rsdock.cli import main
from rsdock.wizard.generate import upgrade
from tests.test_one_answer import _workspace

WORKFLOW = ".github/workflows/docker.yml"


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def _generated(tmp_path, platform="linux/amd64"):
    root = _workspace(tmp_path / "ws")
    assert main(["init", str(root), "--yes", "--platform", platform]) == 0
    return root


def _recorded(root, rel):
    return upgrade.record_in((root / "rsdock.toml").read_text()).digest(rel)


@pytest.mark.parametrize("flags", [["--add-platform", "linux/arm64"],
                                   ["--add-platform", "linux/arm64", "--add-platform",
                                    "linux/arm/v7"]])
def test_init_check_finds_no_drift_right_after_an_edit(tmp_path, capsys, flags):
    root = _generated(tmp_path)
    assert main(["edit", str(root), *flags, "--yes"]) == 0
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 0, capsys.readouterr()
    workflow = (root / WORKFLOW).read_text()
    assert workflow.splitlines()[0].endswith("linux/amd64, linux/arm64" + (
        ", linux/arm/v7." if len(flags) > 2 else "."))
    assert "this Dockerfile builds linux/amd64;" not in (root / "Dockerfile").read_text()
    for rel in ("Dockerfile", WORKFLOW):  # the record is of the files as they now are
        assert _recorded(root, rel) == upgrade.digest((root / rel).read_text(), rel)
    # and the stored render matches it: a later init sees its own files, nothing to merge
    baseline = upgrade.load(root, (root / "rsdock.toml").read_text())
    assert baseline.render("Dockerfile") == (root / "Dockerfile").read_text()
    capsys.readouterr()
    assert main(["init", str(root), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "unchanged: Dockerfile" in out and f"unchanged: {WORKFLOW}" in out


def test_removing_a_platform_follows_the_render_too(tmp_path, capsys):
    root = _workspace(tmp_path / "ws")
    assert main(["init", str(root), "--yes"]) == 0
    assert main(["edit", str(root), "--remove-platform", "linux/arm/v7", "--yes"]) == 0
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 0, capsys.readouterr()


def test_a_hand_edited_file_keeps_its_edit_and_its_old_record(tmp_path, capsys):
    root = _generated(tmp_path)
    dockerfile = root / "Dockerfile"
    old_digest = _recorded(root, "Dockerfile")
    dockerfile.write_text(dockerfile.read_text() + "LABEL team=\"infra\"\n")
    assert main(["edit", str(root), "--add-platform", "linux/arm64", "--yes"]) == 0
    text = dockerfile.read_text()
    assert 'LABEL team="infra"' in text and "linux/arm64)" in text
    assert _recorded(root, "Dockerfile") == old_digest  # still the user's edit to merge
    # the workflow, untouched by hand, follows the render and its record
    assert _recorded(root, WORKFLOW) == upgrade.digest((root / WORKFLOW).read_text(), WORKFLOW)
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 1
    err = capsys.readouterr().err
    assert "drift from rsdock.toml: Dockerfile" in err and WORKFLOW not in err.split("drift")[1]


def test_with_record_replaces_the_table_in_place():
    config = ('platforms = ["linux/amd64"]\n\n# What rsdock last wrote (x).\n[generated]\n'
              'rsdock = "0.0.1"\n\n[generated.files]\n"Dockerfile" = "sha256:aa"\n\n'
              '[lint]\nignore = ["RS101"]\n')
    rec = upgrade.Record("9.9.9", (("Dockerfile", "sha256:bb"),))
    new = upgrade.with_record(config, rec, lambda s: f'"{s}"')
    assert new.startswith('platforms = ["linux/amd64"]\n\n# What rsdock last wrote')
    assert '"Dockerfile" = "sha256:bb"' in new and "sha256:aa" not in new
    assert new.endswith('\n\n[lint]\nignore = ["RS101"]\n') and new.count("[generated]") == 1


def test_the_check_hint_says_force_merges_a_file_rsdock_renders_differently_too(tmp_path, capsys):
    root = _generated(tmp_path)
    config = root / "rsdock.toml"
    config.write_text(config.read_text().replace('platforms = ["linux/amd64"]',
                                                 'platforms = ["linux/amd64", "linux/arm64"]'))
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "LABEL team=\"infra\"\n")
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 1
    err = capsys.readouterr().err
    assert "Dockerfile: edited by hand, and rendered differently" in err
    assert "to discard the edits, `rsdock init" not in err  # --force would merge, not discard
    assert "--yes --force` merges them (it does not discard them)" in err
    assert "to discard the edits of Dockerfile, delete it and run `rsdock init" in err
