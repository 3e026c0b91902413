"""The writer: change detection, diffs, the consent policy and atomic writes."""

from __future__ import annotations

import os
import stat

import pytest

from rsdock.errors import UserError
from rsdock.wizard.generate import writer
from rsdock.wizard.generate.writer import DIFFERS, NEW, SAME, Change


@pytest.fixture
def root(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM rust:1.95\n")
    (tmp_path / ".dockerignore").write_text("target/\n")
    return tmp_path


FILES = {
    "Dockerfile": "FROM rust:1.95-slim\n",
    ".dockerignore": "target/\n",
    ".github/workflows/docker.yml": "on: push\n",
}


def test_plan_changes_classifies_every_file_in_path_order(root):
    changes = writer.plan_changes(root, FILES)
    assert [(c.path, c.status) for c in changes] == [
        (".dockerignore", SAME), (".github/workflows/docker.yml", NEW), ("Dockerfile", DIFFERS),
    ]
    assert changes[2].old == "FROM rust:1.95\n"


def test_diff_is_unified_with_git_prefixes(root):
    by_path = {c.path: c for c in writer.plan_changes(root, FILES)}
    assert by_path["Dockerfile"].diff == (
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1 +1 @@\n-FROM rust:1.95\n+FROM rust:1.95-slim\n"
    )
    assert by_path[".github/workflows/docker.yml"].diff.startswith(
        "--- /dev/null\n+++ b/.github/workflows/docker.yml\n")
    assert by_path[".dockerignore"].diff == ""


def test_missing_final_newline_is_shown():
    change = Change("f", DIFFERS, "a\n", "a")
    assert "\\ No newline at end of file" in change.diff


def test_a_crlf_file_keeps_its_line_endings(root):
    """#27: a CRLF checkout (git's autocrlf) is not drift, and an overwrite keeps CRLF."""
    (root / "Dockerfile").write_bytes(b"FROM rust:1.95-slim\r\n")
    change = writer.plan_changes(root, {"Dockerfile": "FROM rust:1.95-slim\n"})[0]
    assert change.status == SAME
    change = writer.plan_changes(root, {"Dockerfile": "FROM rust:1.96-slim\nUSER app\n"})[0]
    assert change.status == DIFFERS and change.text == "FROM rust:1.96-slim\r\nUSER app\r\n"


def test_refusal_writes_nothing_at_all(root):
    changes = writer.plan_changes(root, FILES)
    with pytest.raises(UserError) as info:
        writer.apply_changes(root, changes)
    assert info.value.exit_code == 1
    assert "Dockerfile" in info.value.message and "--force" in info.value.hint
    assert not (root / ".github").exists()
    assert (root / "Dockerfile").read_text() == "FROM rust:1.95\n"


def test_force_or_consent_writes_new_and_differing_files(root):
    changes = writer.plan_changes(root, FILES)
    assert writer.blocked(changes) == [changes[2]]
    assert writer.blocked(changes, agreed=["Dockerfile"]) == []
    written = writer.apply_changes(root, changes, agreed=["Dockerfile"])
    assert [c.path for c in written] == [".github/workflows/docker.yml", "Dockerfile"]
    for path, text in FILES.items():
        assert (root / path).read_text() == text
    assert writer.apply_changes(root, writer.plan_changes(root, FILES), force=True) == []


def test_paths_outside_the_root_are_refused(root):
    with pytest.raises(UserError, match="outside the workspace"):
        writer.plan_changes(root, {"../evil": "x"})


def test_a_directory_in_the_way_is_a_located_error(root):
    (root / "Dockerfile.web").mkdir()
    with pytest.raises(UserError) as info:
        writer.plan_changes(root, {"Dockerfile.web": "x"})
    assert info.value.path == str(root / "Dockerfile.web")


def test_unreadable_bytes_are_a_located_error(root):
    (root / "Dockerfile").write_bytes(b"\xff\xfe")
    with pytest.raises(UserError) as info:
        writer.plan_changes(root, {"Dockerfile": "x"})
    assert info.value.path == str(root / "Dockerfile")


def test_write_atomic_keeps_the_mode_and_leaves_no_temp_file(root):
    script = root / "build.sh"
    script.write_text("old\n")
    script.chmod(0o750)
    writer.write_atomic(script, "new\n")
    assert script.read_text() == "new\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o750
    assert sorted(p.name for p in root.iterdir()) == [".dockerignore", "Dockerfile", "build.sh"]


def test_write_atomic_new_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        writer.write_atomic(tmp_path / "a" / "b.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a" / "b.txt").stat().st_mode) == 0o640


def test_write_atomic_failure_leaves_the_old_file(root, monkeypatch):
    def broken(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(UserError, match="disk full"):
        writer.write_atomic(root / "Dockerfile", "half")
    assert (root / "Dockerfile").read_text() == "FROM rust:1.95\n"
    assert sorted(p.name for p in root.iterdir()) == [".dockerignore", "Dockerfile"]
