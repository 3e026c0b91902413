"""``.rsdock/`` (edit backups, the write journal) is ignored by git through its own
``.gitignore`` (issue 26 item 9: the backups showed up as untracked files)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from rsdock.cli import main
from rsdock.wizard.edit.backup import GITIGNORE, GITIGNORE_TEXT
from tests.tools import copy_example

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(root, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=True).stdout


def test_backups_are_not_untracked_files_and_discarding_leaves_nothing(tmp_path, capsys):
    root = copy_example(tmp_path, "ws")
    assert main(["init", str(root), "--yes"]) == 0
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    assert main(["edit", str(root), "--remove-platform", "linux/arm/v7", "--yes"]) == 0
    assert (root / ".rsdock" / "backup").is_dir()
    assert (root / GITIGNORE).read_text() == GITIGNORE_TEXT
    untracked = [line for line in git(root, "status", "--porcelain").splitlines()
                 if line.startswith("??")]
    assert untracked == []
    # A second edit keeps the file as it is (never rewritten, so a user's own is kept too).
    (root / GITIGNORE).write_text("*\n# mine\n")
    assert main(["edit", str(root), "--add-platform", "linux/arm/v7", "--yes"]) == 0
    assert (root / GITIGNORE).read_text() == "*\n# mine\n"
    (root / GITIGNORE).write_text(GITIGNORE_TEXT)
    capsys.readouterr()
    assert main(["edit", str(root), "--discard-backups"]) == 0
    # The backups go; the last render (issue 22) stays, tracked by git so
    # that `rsdock init` can merge an upgrade with the user's edits after a fresh clone.
    assert sorted(p.name for p in (root / ".rsdock").iterdir()) == [".gitignore", "last-render.json.gz"]
    assert git(root, "ls-files", ".rsdock") == ".rsdock/last-render.json.gz\n"


def test_the_ignore_file_leaves_the_last_render_to_git(tmp_path):
    root = copy_example(tmp_path, "ws")
    git(root, "init", "-q")
    assert main(["init", str(root), "--yes"]) == 0
    assert main(["edit", str(root), "--remove-platform", "linux/arm/v7", "--yes"]) == 0
    untracked = git(root, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert "?? .rsdock/last-render.json.gz" in untracked
    assert not [line for line in untracked if "/backup/" in line or ".rsdock/.gitignore" in line]


def test_the_backup_holds_the_last_render_an_edit_replaces(tmp_path, capsys):
    # issue #21 (session 7's notes): edit re-records rsdock.toml's [generated] and rewrites
    # .rsdock/last-render.json.gz, and its backup held rsdock.toml but not the render
    from rsdock.fs import RENDERS
    from rsdock.wizard.edit.backup import backed_up_files, restore_backup

    root = copy_example(tmp_path, "ws")
    assert main(["init", str(root), "--yes"]) == 0
    before = (root / RENDERS).read_bytes()
    assert main(["edit", str(root), "--remove-platform", "linux/arm/v7", "--yes"]) == 0
    assert (root / RENDERS).read_bytes() != before
    (folder,) = (root / ".rsdock" / "backup").iterdir()
    assert RENDERS in backed_up_files(folder) and "rsdock.toml" in backed_up_files(folder)
    restore_backup(root, folder)
    assert (root / RENDERS).read_bytes() == before
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 0
