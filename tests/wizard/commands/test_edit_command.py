"""``rsdock edit`` end to end: report, dry run, consent, exit codes, backups."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.wizard.edit import backup
from tests.tools import copy_example, copy_handwritten



@pytest.fixture
def shop(handwritten) -> Path:
    return handwritten("shop")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_without_flags_prints_the_inferred_plan_and_lint_summary(shop, capsys):
    assert main(["edit", str(shop)]) == 0
    out = capsys.readouterr().out
    assert "platforms:     linux/amd64, linux/arm64  (from .github/workflows/release.yml:44)" in out
    assert "registry:      dockerhub" in out
    assert "\nLint: " in out


def test_unknown_fields_are_shown_as_unknown(shop, capsys):
    (shop / "Dockerfile").write_text((shop / "Dockerfile").read_text().replace(
        "FROM debian:bookworm-slim AS runtime", "FROM ubuntu:24.04 AS runtime"))
    assert main(["edit", str(shop)]) == 0
    assert "runtime:       unknown: Dockerfile:34: the runtime image ubuntu:24.04" in \
        capsys.readouterr().out


def test_dry_run_shows_the_diff_and_writes_nothing(shop, capsys):
    before = snapshot(shop)
    assert main(["edit", str(shop), "--add-platform", "linux/arm/v7", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert '+      "linux/arm/v7") echo armv7-unknown-linux-gnueabihf > /rust_target.txt ;; \\' \
        in out
    assert snapshot(shop) == before


@pytest.mark.parametrize("args", [["edit", "--add-platform", "linux/arm/v7"], ["edit", "--fix"],
                                  ["init"]])
def test_without_yes_and_without_a_terminal_init_and_edit_both_exit_2(shop, capsys, monkeypatch,
                                                                     args):
    workflow = next((shop / ".github" / "workflows").iterdir())
    # cache-to without mode=max: RS406, a safe fix for --fix
    workflow.write_text(workflow.read_text().replace(",mode=max'", "'", 1))
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    before = snapshot(shop)
    assert main([args[0], str(shop), *args[1:]]) == 2
    err = capsys.readouterr().err
    assert "error: stdin is not a terminal, so rsdock " in err
    assert "hint: pass --yes" in err
    assert snapshot(shop) == before


@pytest.mark.parametrize("answer, code", [("y\n", 0), ("n\n", 1), ("\n", 1)])
def test_the_question_decides(shop, monkeypatch, answer, code):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal(answer))
    assert main(["edit", str(shop), "--add-platform", "linux/arm/v7"]) == code
    assert ("linux/arm/v7" in (shop / "Dockerfile").read_text()) == (code == 0)


def test_yes_writes_keeps_a_backup_and_discard_removes_it(shop, capsys):
    old = (shop / "Dockerfile").read_text()
    assert main(["edit", str(shop), "--add-platform", "linux/arm/v7", "--yes"]) == 0
    assert "linux/arm/v7" in (shop / "Dockerfile").read_text()
    [folder] = backup.list_backups(shop)
    assert (folder / "Dockerfile.bak").read_text() == old
    assert "rsdock edit --discard-backups" in capsys.readouterr().out
    # A second identical edit changes nothing and keeps no new backup.
    assert main(["edit", str(shop), "--add-platform", "linux/arm/v7", "--yes"]) == 0
    assert "nothing to change" in capsys.readouterr().out
    assert len(backup.list_backups(shop)) == 1
    assert main(["edit", str(shop), "--discard-backups"]) == 0
    assert backup.list_backups(shop) == [] and not (shop / ".rsdock").exists()


def test_backups_are_not_linted_as_live_files(shop):
    from rsdock.lint.engine import discover

    backup.make_backup(shop, ["Dockerfile", ".github/workflows/release.yml"])
    assert not [p for p in discover.walk(shop) if p.startswith(".rsdock/")]


def test_backup_folders_are_ordered_by_time(shop):
    first = backup.make_backup(shop, ["Dockerfile"], now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    second = backup.make_backup(shop, ["Dockerfile"], now=datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert backup.list_backups(shop) == [first, second]
    assert backup.backed_up_files(first) == ["Dockerfile"]
    assert backup.discard_backups(shop) == 2


def test_refusal_exits_1_with_located_manual_lines_and_no_write(shop, capsys):
    before = snapshot(shop)
    assert main(["edit", str(shop), "--cache", "local", "--yes"]) == 1
    err = capsys.readouterr().err
    assert ".github/workflows/release.yml:39: cannot edit safely: type=local needs" in err
    assert "cache-to: type=local,dest=" in err and "nothing was written" in err
    assert snapshot(shop) == before


@pytest.mark.parametrize("argv, message", [
    (["--add-platform", "linux/mips"], "--add-platform linux/mips: not a platform"),
    (["--cache", "s3"], "--cache s3: unknown choice"),
    (["--add-platform", "linux/arm64", "--remove-platform", "linux/arm64"],
     "both added and removed"),
])
def test_bad_flags_exit_2(shop, capsys, argv, message):
    assert main(["edit", str(shop), *argv]) == 2
    assert message in capsys.readouterr().err


def test_bad_yaml_exits_2_located_and_writes_nothing(shop, capsys):
    workflow = shop / ".github/workflows/release.yml"
    workflow.write_text(workflow.read_text().replace("  test:\n", "  test:\n\t\n", 1).replace(
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout",
        "    runs-on: ubuntu-latest\n\truns-on: x\n    steps:\n      - uses: actions/checkout", 1))
    before = snapshot(shop)
    assert main(["edit", str(shop), "--add-platform", "linux/arm/v7", "--yes"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(".github/workflows/release.yml:")
    assert "tab" in err
    assert snapshot(shop) == before


def test_missing_directory_exits_2(tmp_path, capsys):
    assert main(["edit", str(tmp_path / "nope")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_rsdock_toml_follows_the_edit(tmp_path, capsys):
    root = copy_example(tmp_path, "gen")
    assert main(["init", str(root), "--yes"]) == 0
    assert main(["edit", str(root), "--add-platform", "linux/ppc64le", "--yes"]) == 0
    toml = (root / "rsdock.toml").read_text()
    assert 'platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le"]' in toml
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 0, capsys.readouterr()


def test_report_shows_drift_from_rsdock_toml(tmp_path, capsys):
    root = copy_example(tmp_path, "gen")
    assert main(["init", str(root), "--yes"]) == 0
    toml = root / "rsdock.toml"
    toml.write_text(toml.read_text().replace('cache = "gha"', 'cache = "inline"'))
    capsys.readouterr()
    assert main(["edit", str(root)]) == 0
    assert "  drift: rsdock.toml says cache inline, but .github/workflows/docker.yml:" in \
        capsys.readouterr().out


def test_fix_and_a_platform_in_one_run(tmp_path, capsys):
    root = copy_handwritten(tmp_path, "research")
    assert main(["edit", str(root), "--add-platform", "linux/ppc64le", "--fix", "--yes"]) == 0
    workflow = (root / ".github/workflows/docker.yml").read_text()
    assert "platforms: linux/amd64,linux/arm64,linux/arm/v7,linux/ppc64le" in workflow
    assert "uses: docker/build-push-action@v7" in workflow
    assert '"powerpc64le-unknown-linux-gnu") \\' in (root / "Dockerfile").read_text()
    capsys.readouterr()
    assert main(["edit", str(root), "--add-platform", "linux/ppc64le", "--fix", "--yes"]) == 0
    assert "nothing to change" in capsys.readouterr().out


def test_runtime_switch_regenerates_unmodified_generated_files(tmp_path, capsys):
    root = copy_example(tmp_path, "gen")
    assert main(["init", str(root), "--yes"]) == 0
    assert main(["edit", str(root), "--runtime", "distroless", "--yes"]) == 0
    assert "FROM gcr.io/distroless/cc-debian12" in (root / "Dockerfile").read_text()
    assert 'runtime = "distroless"' in (root / "rsdock.toml").read_text()
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 0, capsys.readouterr()
    # A hand-edited Dockerfile is never regenerated: the switch is refused instead.
    (root / "Dockerfile").write_text((root / "Dockerfile").read_text() + "# ours\n")
    assert main(["edit", str(root), "--runtime", "debian-slim", "--yes"]) == 1
    assert "cannot edit safely: switching the runtime" in capsys.readouterr().err


def test_restore_backup_undoes_an_edit(shop):
    before = snapshot(shop)
    assert main(["edit", str(shop), "--add-platform", "linux/arm/v7", "--yes"]) == 0
    [folder] = backup.list_backups(shop)
    assert backup.restore_backup(shop, folder) == [".github/workflows/release.yml", "Dockerfile"]
    assert {k: v for k, v in snapshot(shop).items() if not k.startswith(".rsdock/")} == before


@pytest.mark.parametrize("original, edited", [
    (b"\xef\xbb\xbfFROM rust:1.95\r\n", b"\xef\xbb\xbfFROM rust:1.95 AS chef\r\n"),
    # An edited file that gained a BOM must not pass it on to the original it is replaced by.
    (b"FROM rust:1.95\n", b"\xef\xbb\xbfFROM rust:1.95 AS chef\n"),
])
def test_restore_backup_gives_back_the_original_bytes(tmp_path, original, edited):
    (tmp_path / "Dockerfile").write_bytes(original)
    folder = backup.make_backup(tmp_path, ["Dockerfile"])
    (tmp_path / "Dockerfile").write_bytes(edited)
    assert backup.restore_backup(tmp_path, folder) == ["Dockerfile"]
    assert (tmp_path / "Dockerfile").read_bytes() == original


def test_edits_keep_rsdock_toml_in_step_line_by_line(tmp_path, capsys):
    root = copy_example(tmp_path, "gen")
    assert main(["init", str(root), "--yes"]) == 0
    toml = root / "rsdock.toml"
    toml.write_text(toml.read_text().replace('cache = "gha"', 'cache = "gha"  # ours'))
    before = toml.read_text()
    assert main(["edit", str(root), "--add-platform", "linux/ppc64le", "--cache", "inline",
                 "--yes"]) == 0, capsys.readouterr()
    changed = [(old, new) for old, new in zip(before.splitlines(), toml.read_text().splitlines(),
                                               strict=True) if old != new]
    # The [generated] record follows the files edit rewrote (init --check finds no drift).
    recorded = [old.split(" = ")[0] for old, _new in changed if '" = "sha256:' in old]
    assert recorded == ['".github/workflows/docker.yml"', '"Dockerfile"', '"Dockerfile.web"']
    assert [c for c in changed if '" = "sha256:' not in c[0]] == [
        ('platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7"]',
         'platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le"]'),
        ('cache = "gha"  # ours', 'cache = "inline"  # ours'),
    ]
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 0, capsys.readouterr()


def test_edit_fix_makes_the_fixes_lint_counts_in_a_dockerignore_too(shop, capsys):
    # The first-hour trial: lint said "1 fixable" and `edit --fix` changed nothing, because
    # edit read Dockerfiles and workflows only.
    (shop / ".dockerignore").write_text(".git\n")
    assert main(["lint", str(shop), "--no-hadolint"]) == 1
    assert "1 fixable with `rsdock lint --fix`" in capsys.readouterr().out
    assert main(["edit", str(shop), "--fix", "--yes"]) == 0
    assert "+target/" in capsys.readouterr().out
    assert (shop / ".dockerignore").read_text() == ".git\ntarget/\n"
    main(["lint", str(shop), "--no-hadolint"])
    assert "fixable" not in capsys.readouterr().out.splitlines()[-1]
