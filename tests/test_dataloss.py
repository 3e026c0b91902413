"""Issue #27, data loss (items 6-8): the files rsdock may write are exactly its file set; a lint
report never replaces what it reports on; a backup is an undo target only for an edit that
happened; a file owned by someone else keeps its owner or is not replaced without --force.

Each test runs the real command (``rsdock.cli.main``) where a user would meet the problem, and
checks what is on disk afterwards, byte for byte.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from rsdock import fs
from rsdock.cli import main
from rsdock.errors import UserError
from rsdock.wizard.edit import backup
from tests.test_hardening import run, tree
from tests.tools import EXAMPLE

ROOT_IS_ROOT = os.geteuid() == 0


@pytest.fixture
def ws(tmp_path: Path, capsys) -> Path:
    """The example workspace with the files ``rsdock init`` generated and a ``.git`` folder."""
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target"))
    assert main(["init", "--yes", str(root)]) == 0
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n\tbare = false\n")
    capsys.readouterr()
    return root


def name_dockerfile(root: Path, path: str) -> int:
    """Point the first image's ``dockerfile`` at ``path``; return the line it is on."""
    config = root / "rsdock.toml"
    lines = config.read_text().splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if text.startswith("dockerfile = "))
    lines[line] = f'dockerfile = "{path}"\n'
    config.write_text("".join(lines))
    return line + 1


# --- item 6: a Dockerfile path names only a Dockerfile of the set -------------------------------

@pytest.mark.parametrize("path", ["Cargo.toml", "crates/server/src/main.rs", ".git/config",
                                  ".dockerignore", ".github/workflows/docker.yml", "rsdock.toml",
                                  ".DockerIgnore", ".github/workflows", ".rsdock/Dockerfile",
                                  "Dockerfile/", "."])
def test_a_dockerfile_path_naming_another_file_is_refused_at_its_line(ws, capsys, path):
    line = name_dockerfile(ws, path)
    before = tree(ws)
    for argv in (["init", "--yes", "--force", str(ws)], ["init", "--check", str(ws)]):
        code, text = run(capsys, *argv)
        assert code == 2, (argv, text)
        assert re.search(rf"rsdock\.toml:{line}: error: .*", text), text
        assert "hint:" in text
        assert tree(ws) == before, f"{argv} wrote a file"


def test_a_dockerfile_path_that_is_a_folder_of_another_images_dockerfile_is_refused(ws, capsys):
    config = ws / "rsdock.toml"
    config.write_text(config.read_text().replace('dockerfile = "Dockerfile.web"',
                                                 'dockerfile = "Dockerfile/web"'))
    code, text = run(capsys, "init", "--check", str(ws))
    assert code == 2 and "is a folder of Dockerfile/web" in text, text


def test_an_existing_dockerfile_or_a_new_path_may_still_be_named(ws, capsys):
    name_dockerfile(ws, "docker/Dockerfile.server")
    assert run(capsys, "init", "--yes", "--force", str(ws))[0] == 0
    assert (ws / "docker/Dockerfile.server").read_text().count("FROM ") >= 2
    assert run(capsys, "init", "--check", str(ws))[0] == 0
    # an existing hand-written Dockerfile is a Dockerfile: replaced when forced, as before
    (ws / "docker/Dockerfile.server").write_text("# syntax=docker/dockerfile:1\n\nARG X=1\n"
                                                  "FROM debian\n")
    assert run(capsys, "init", "--yes", "--force", str(ws))[0] == 0


# --- item 7: lint --output never replaces a linted or unrelated file ----------------------------

def test_lint_output_never_replaces_a_linted_file(ws, capsys):
    before = tree(ws)
    for target in ("Dockerfile", ".github/workflows/docker.yml", ".dockerignore"):
        code, text = run(capsys, "lint", "--no-hadolint", str(ws), "--output", str(ws / target))
        assert code == 2 and "error:" in text and "hint:" in text, text
    code, text = run(capsys, "lint", "--no-hadolint", str(ws / "Dockerfile"),
                     "--output", str(ws / "Dockerfile"))
    assert code == 2 and "lints" in text, text
    assert tree(ws) == before


@pytest.mark.parametrize("other", ["Cargo.toml", "crates/server/src/main.rs", "notes.txt"])
def test_lint_output_never_replaces_a_file_that_is_not_a_report(ws, capsys, other):
    (ws / "notes.txt").write_text("my notes\n")
    before = tree(ws)
    code, text = run(capsys, "lint", "--no-hadolint", str(ws), "--output", str(ws / other))
    assert code == 2 and "not a report" in text, text
    assert tree(ws) == before


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_lint_output_replaces_a_previous_report_of_any_format(ws, capsys, fmt, tmp_path):
    report = tmp_path / "report.out"
    for first in ("text", "json", "sarif", "github"):
        run(capsys, "lint", "--no-hadolint", str(ws), "--format", first, "--output", str(report))
        code, text = run(capsys, "lint", "--no-hadolint", str(ws), "--format", fmt,
                         "--output", str(report))
        assert code in (0, 1), text
    report.write_text("")  # an empty file (a CI step's touch) is fine too
    assert run(capsys, "lint", "--no-hadolint", str(ws), "--output", str(report))[0] in (0, 1)
    assert report.read_text()


# --- item 8: a backup is an undo target only once its edit committed ---------------------------

def _edit_steps(root: Path, old: dict[str, str], new: dict[str, str]):
    from rsdock.wizard.edit.outcome import Outcome
    from rsdock.wizard.edit.propose import Proposal, apply

    proposal = Proposal()
    for rel in old:
        proposal.record(rel, old[rel], Outcome(new[rel], ["test"]))
    return lambda: apply(root, proposal)


def test_a_run_killed_between_backup_and_commit_leaves_no_undo_target(tmp_path, monkeypatch):
    """Killed (in-process: a KeyboardInterrupt nothing may tidy) at every step after the backup
    was written and before the files were committed: the next run finds the old files and no
    backup; killed past the commit: the new files and a backup that undoes them."""
    old = {"Dockerfile": "FROM old\n", ".github/workflows/docker.yml": "name: old\n"}
    new = {"Dockerfile": "FROM new\n", ".github/workflows/docker.yml": "name: new\n"}
    names: list[str] = []
    root = tmp_path / "count"
    for rel, text in old.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    monkeypatch.setattr(fs, "step", names.append)
    _edit_steps(root, old, new)()
    first_after_backup = names.index("backup-manifest-rename") + 1
    checked = 0
    for n in range(first_after_backup, len(names) + 1):
        root = tmp_path / str(n)
        for rel, text in old.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        seen = [0]

        def crash(name, seen=seen, n=n):
            seen[0] += 1
            if seen[0] == n:
                raise KeyboardInterrupt
        monkeypatch.setattr(fs, "step", crash)
        with pytest.raises(KeyboardInterrupt):
            _edit_steps(root, old, new)()
        monkeypatch.setattr(fs, "step", lambda name: None)
        with fs.Transaction(root):  # the next run: lock, recover
            pass
        now = {rel: (root / rel).read_text() for rel in old}
        folders = backup.list_backups(root)
        if now == old:
            assert not folders, f"step {n} ({names[n - 1]}): a backup of an edit that never " \
                                "happened is offered for undo"
        else:
            assert now == new and len(folders) == 1, n
            backup.restore_backup(root, folders[0])
            assert {rel: (root / rel).read_text() for rel in old} == old
        checked += 1
    assert checked >= 10


# --- item 8: a file owned by someone else -------------------------------------------------------

def test_a_file_owned_by_another_user_needs_force_when_its_owner_cannot_be_kept(
        tmp_path, monkeypatch):
    """Simulated: the process pretends to be uid 4321 (not root), the file is owned by root."""
    (tmp_path / "Dockerfile").write_text("FROM old\n")
    owner = (tmp_path / "Dockerfile").stat()
    monkeypatch.setattr(fs.os, "geteuid", lambda: owner.st_uid + 4321)
    with pytest.raises(UserError, match="owned by another user") as info:
        fs.write_files(tmp_path, {"Dockerfile": "FROM new\n"})
    assert "--force" in info.value.hint
    assert (tmp_path / "Dockerfile").read_text() == "FROM old\n"
    fs.write_files(tmp_path, {"Dockerfile": "FROM new\n"}, force=True)
    assert (tmp_path / "Dockerfile").read_text() == "FROM new\n"


@pytest.mark.skipif(not ROOT_IS_ROOT, reason="needs root to run a child as another user")
def test_a_root_owned_file_is_not_given_away_by_an_unprivileged_run(capsys):
    """Real: a child process running as nobody edits a workspace it owns, whose Dockerfile
    belongs to root: refused without --force (the file keeps its owner and text)."""
    base = Path(tempfile.mkdtemp(prefix="rsdock-owner-", dir="/tmp"))
    try:
        base.chmod(0o755)
        root = base / "ws"
        root.mkdir()
        (root / "Dockerfile").write_text("FROM old\n")
        (root / "Dockerfile").chmod(0o666)  # writable by anyone: only the owner is at stake
        nobody = 65534
        os.chown(root, nobody, nobody)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 3
            try:
                os.setgid(nobody)
                os.setuid(nobody)
                try:
                    fs.write_files(root, {"Dockerfile": "FROM new\n"})
                    code = 0
                except UserError as error:
                    code = 1 if "owned by another user" in error.message else 4
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 1
        info = (root / "Dockerfile").stat()
        assert (info.st_uid, (root / "Dockerfile").read_text()) == (0, "FROM old\n")
    finally:
        shutil.rmtree(base)


@pytest.mark.skipif(not ROOT_IS_ROOT, reason="giving a file away needs root")
def test_root_keeps_another_users_owner_and_mode_without_force(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM old\n")
    os.chown(tmp_path / "Dockerfile", 1234, 5678)
    (tmp_path / "Dockerfile").chmod(0o640)
    fs.write_files(tmp_path, {"Dockerfile": "FROM new\n"})
    info = (tmp_path / "Dockerfile").stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 5678, 0o640)
