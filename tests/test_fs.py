"""rsdock.fs, the one safe file layer: confinement, located errors, the workspace lock, sets of
files replaced all or none (killed or out of disk at every step), backups that undo never
restores damaged, and writers racing other processes."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rsdock import fs
from rsdock.errors import UserError
from rsdock.wizard.edit import backup

OLD = {"Dockerfile": "FROM old\n", ".github/workflows/docker.yml": "name: old\n",
       "Dockerfile.web": "FROM old-web\n", "rsdock.toml": "runtime = \"old\"\n"}
NEW = {"Dockerfile": "FROM new\n", ".github/workflows/docker.yml": "name: new\n",
       "Dockerfile.web": "FROM new-web\n", "rsdock.toml": "runtime = \"new\"\n",
       ".dockerignore": "target/\n", "Dockerfile.api": "FROM new-api\n"}
ROOT_IS_ROOT = os.geteuid() == 0


def lay_out(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def state(root: Path) -> dict[str, str]:
    """Every regular file under root (backups and the .gitignore beside them apart), by
    relative path."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(".rsdock/backup/") and \
                rel != ".rsdock/.gitignore":
            found[rel] = path.read_text()
    return found


def all_old_or_all_new(root: Path) -> str:
    now = state(root)
    if now == OLD:
        return "old"
    assert now == NEW, f"a mix of old and new files: {now}"
    return "new"


# --- confinement --------------------------------------------------------------------------------

def test_a_symlink_leading_out_is_refused_for_reading_and_writing_and_never_followed(tmp_path):
    root, outside = tmp_path / "ws", tmp_path / "outside"
    root.mkdir(), outside.mkdir()
    (outside / "secret").write_text("password\n")
    (root / "Dockerfile").symlink_to(outside / "secret")
    (root / ".github").symlink_to(outside)
    for call in (lambda: fs.read_text(root, "Dockerfile"),
                 lambda: fs.write_files(root, {"Dockerfile": "x"}),
                 lambda: fs.write_files(root, {".github/workflows/ci.yml": "x"})):
        with pytest.raises(UserError, match="leads outside the workspace") as info:
            call()
        assert str(outside) not in info.value.format()  # the target is never printed
    assert (outside / "secret").read_text() == "password\n"
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]


def test_a_symlink_inside_the_workspace_is_written_through_and_kept(tmp_path):
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text("old\n")
    (tmp_path / "Dockerfile").symlink_to("docker/Dockerfile")
    fs.write_files(tmp_path, {"Dockerfile": "new\n"})
    assert (tmp_path / "Dockerfile").is_symlink()
    assert (tmp_path / "docker" / "Dockerfile").read_text() == "new\n"


@pytest.mark.parametrize("rel, message", [
    ("../x", "climbs outside the workspace"), ("/etc/passwd", "absolute"),
    ("a\nRUN evil", "newline or control character"), ("", "empty"), ("a\\b", "backslash"),
])
def test_paths_that_are_not_plain_relative_paths_are_refused(tmp_path, rel, message):
    with pytest.raises(UserError, match=message) as info:
        fs.write_files(tmp_path, {rel: "x"})
    assert "\nRUN" not in info.value.format()


def test_symlink_loops_fifos_and_huge_files_are_located_errors(tmp_path):
    (tmp_path / "loop").symlink_to("loop")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "big").write_bytes(b"#" * 101)
    with pytest.raises(UserError, match="symlink loop"):
        fs.read_bytes(tmp_path, "loop")
    with pytest.raises(UserError, match="not a regular file"):
        fs.read_bytes(tmp_path, "fifo")  # would block forever if opened for a plain read
    with pytest.raises(UserError, match="rsdock reads files up to 100"):
        fs.read_bytes(tmp_path, "big", limit=100)
    assert fs.read_bytes(tmp_path, "missing") is None


def test_a_file_where_a_folder_is_needed_is_named(tmp_path):
    (tmp_path / ".github").write_text("not a folder\n")
    with pytest.raises(UserError) as info:
        fs.write_files(tmp_path, {".github/workflows/docker.yml": "x"})
    assert info.value.message == ".github is a file, where rsdock needs a folder"
    assert info.value.exit_code == 2


def test_shown_escapes_what_would_forge_a_line():
    assert fs.shown("a\nb\tc\x1b") == "a\\nb\\tc\\x1b"
    assert fs.shown("plain/Dockerfile") == "plain/Dockerfile"


# --- what users expect of their files -----------------------------------------------------------

def test_read_only_and_hard_linked_files_are_refused_unless_forced(tmp_path):
    lay_out(tmp_path, {"Dockerfile": "old\n", "linked": "shared\n"})
    (tmp_path / "Dockerfile").chmod(0o444)
    os.link(tmp_path / "linked", tmp_path / "other-link")
    with pytest.raises(UserError, match="read-only") as info:
        fs.write_files(tmp_path, {"Dockerfile": "new\n"})
    assert "--force" in info.value.hint
    with pytest.raises(UserError, match="1 other hard link"):
        fs.write_files(tmp_path, {"linked": "new\n"})
    assert (tmp_path / "Dockerfile").read_text() == "old\n"
    fs.write_files(tmp_path, {"Dockerfile": "new\n", "linked": "new\n"}, force=True)
    assert (tmp_path / "Dockerfile").read_text() == "new\n"
    assert stat.S_IMODE((tmp_path / "Dockerfile").stat().st_mode) == 0o444  # the mode is kept
    assert (tmp_path / "other-link").read_text() == "shared\n"  # the other name keeps its text


@pytest.mark.skipif(not ROOT_IS_ROOT, reason="giving a file away needs root")
def test_owner_and_mode_are_kept(tmp_path):
    lay_out(tmp_path, {"Dockerfile": "old\n"})
    os.chown(tmp_path / "Dockerfile", 1234, 5678)
    (tmp_path / "Dockerfile").chmod(0o640)
    fs.write_files(tmp_path, {"Dockerfile": "new\n"})
    info = (tmp_path / "Dockerfile").stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 5678, 0o640)


# --- all or none, and recovery ------------------------------------------------------------------

def test_a_committed_but_unfinished_set_is_finished_by_the_next_run(tmp_path, monkeypatch):
    lay_out(tmp_path, OLD)
    renames = []

    def crash_on_second_rename(name):
        if name == "rename":
            renames.append(name)
            if len(renames) == 2:
                raise KeyboardInterrupt  # not an OSError: nothing in-process may tidy up
    monkeypatch.setattr(fs, "step", crash_on_second_rename)
    with pytest.raises(KeyboardInterrupt):
        fs.write_files(tmp_path, NEW)
    # past the commit point the failing transaction finishes the set itself, from its journal
    assert not (tmp_path / fs.JOURNAL).exists() and not list(tmp_path.rglob("*.rsdock-tmp"))
    assert all_old_or_all_new(tmp_path) == "new"


def test_a_journal_left_by_a_killed_run_is_rolled_forward_and_reported(tmp_path):
    lay_out(tmp_path, OLD)
    status = _killed_at(_count_steps(_write_new(tmp_path)) - 3, _write_new(tmp_path))
    assert os.WIFSIGNALED(status)
    assert (tmp_path / fs.JOURNAL).exists()
    with fs.Transaction(tmp_path) as tx:
        assert tx.notes[0].startswith("finished an interrupted write of an earlier run")
    assert all_old_or_all_new(tmp_path) == "new"


def test_stale_temporaries_of_older_runs_are_removed(tmp_path):
    lay_out(tmp_path, OLD)
    for rel in (".Dockerfile.abc123.rsdock-tmp", ".github/workflows/.docker.yml.x.rsdock-tmp"):
        (tmp_path / rel).write_text("half")
    with fs.Transaction(tmp_path) as tx:
        assert tx.notes == ["removed 2 temporary file(s) an interrupted run left behind"]
    assert state(tmp_path) == OLD


def _count_steps(action) -> int:
    calls = []
    original = fs.step
    fs.step = lambda name: calls.append(name)
    try:
        action()
    finally:
        fs.step = original
    return len(calls)


def _killed_at(n: int, action) -> int:
    """Run ``action`` in a forked child that SIGKILLs itself at its n-th file system step."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns to pytest
        seen = [0]

        def step(name):
            seen[0] += 1
            if seen[0] == n:
                os.kill(os.getpid(), signal.SIGKILL)
        fs.step = step
        try:
            action()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


def _write_new(root: Path):
    return lambda: fs.write_files(root, NEW)


def _edit(root: Path):
    from rsdock.wizard.edit.outcome import Outcome
    from rsdock.wizard.edit.propose import Proposal, apply

    proposal = Proposal()
    for rel in OLD:
        proposal.record(rel, OLD[rel], Outcome(NEW[rel], ["test"]))
    return lambda: apply(root, proposal)


def _check_backups(root: Path) -> None:
    """Undo's view: every listed backup verifies and holds exactly the old files."""
    for folder in backup.list_backups(root):
        assert {rel: data.decode() for rel, data in backup.verified_backup(folder).items()} == OLD


@pytest.fixture
def no_fsync(monkeypatch):
    """fsync makes a write durable across a power cut, which a SIGKILL is not: skipping it
    keeps hundreds of kill points within seconds, and every step() is still a kill point."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


def _twelve(root: Path):
    return lambda: fs.write_files(root, TWELVE)


TWELVE = {f"crates/c{i}/Dockerfile": f"FROM {i}\n" for i in range(12)}


ACTIONS = {  # what is killed: its files before and after
    "init": (_write_new, OLD, NEW),
    "edit": (_edit, OLD, {k: NEW[k] for k in OLD}),
    "twelve-files": (_twelve, {}, TWELVE),
}


def test_the_kill_points_number_over_two_hundred(tmp_path, no_fsync):
    total = 0
    for make, before, _after in ACTIONS.values():
        root = tmp_path / str(total)
        root.mkdir()
        lay_out(root, before)
        total += _count_steps(make(root))
    assert total >= 200


@pytest.mark.parametrize("action", list(ACTIONS))
def test_killed_at_every_step_the_next_run_finds_all_old_or_all_new(tmp_path, no_fsync, action):
    """SIGKILL at each step: after the next run's recovery the files are all old or all new, no
    temporary is left, and every backup undo could pick verifies and holds the old files."""
    make, before, after = ACTIONS[action]
    root = tmp_path / "ws"
    outcomes = {"old": 0, "new": 0}
    root.mkdir()
    lay_out(root, before)
    total = _count_steps(make(root))
    shutil.rmtree(root)
    for n in range(1, total + 1):
        root.mkdir()
        lay_out(root, before)
        status = _killed_at(n, make(root))
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, n
        with fs.Transaction(root):  # the next run: lock, recover
            pass
        now = state(root)
        if now == before:
            outcomes["old"] += 1
        else:
            assert now == after, f"kill point {n}: a mix of old and new: {now}"
            outcomes["new"] += 1
        assert not list(root.rglob("*.rsdock-tmp")), n
        if make is _edit:
            _check_backups(root)
            if now == before:  # undo must not "restore" the unchanged files (#27 item 8)
                assert not backup.list_backups(root), f"kill point {n}: a backup of no edit"
            if now != before:
                assert backup.list_backups(root), "an edit that happened must be undoable"
                backup.restore_backup(root, backup.list_backups(root)[-1])
                assert state(root) == OLD
        shutil.rmtree(root)
    assert outcomes["old"] and outcomes["new"]


@pytest.mark.parametrize("action", [_write_new, _edit])
def test_disk_full_at_every_step_changes_nothing_or_everything(tmp_path, monkeypatch, action,
                                                              no_fsync):
    root = tmp_path / "ws"
    lay_out(root, OLD)
    total = _count_steps(action(root))
    shutil.rmtree(root)
    for n in range(1, total + 1):
        lay_out(root, OLD)
        seen = [0]

        def full(name, n=n, seen=seen):
            seen[0] += 1
            if seen[0] == n:
                raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(fs, "step", full)
        try:
            action(root)()
        except UserError as error:
            assert "No space left on device" in error.message and error.exit_code == 2
            assert "free some disk space" in error.hint or "backup" in error.message
        monkeypatch.setattr(fs, "step", lambda name: None)
        with fs.Transaction(root):
            pass
        now = state(root)
        assert now in (OLD, NEW, {k: NEW[k] for k in OLD}), f"disk full at step {n}: {now}"
        assert not list(root.rglob("*.rsdock-tmp"))
        _check_backups(root)
        shutil.rmtree(root)


def test_undo_never_restores_a_damaged_backup(tmp_path):
    lay_out(tmp_path, OLD)
    _edit(tmp_path)()
    [folder] = backup.list_backups(tmp_path)
    (folder / "Dockerfile.bak").write_bytes(b"")  # what a full disk used to leave
    with pytest.raises(UserError, match="this backup is damaged: Dockerfile.bak"):
        backup.restore_backup(tmp_path, folder)
    assert state(tmp_path) == {k: NEW[k] for k in OLD}  # nothing was restored, not even in part
    (folder / "manifest.json").unlink()
    assert backup.list_backups(tmp_path) == []  # an incomplete backup is not offered at all


# --- concurrency --------------------------------------------------------------------------------

def test_the_workspace_lock_serialises_two_writers(tmp_path):
    lay_out(tmp_path, OLD)
    order = []
    with fs.locked(tmp_path):
        child = subprocess.Popen([sys.executable, "-c", (
            "import sys; from rsdock import fs\n"
            "fs.write_files(sys.argv[1], {'Dockerfile': 'FROM second\\n'})\n"), str(tmp_path)])
        time.sleep(0.5)
        order.append(child.poll())  # still waiting for the lock
        fs.write_files(tmp_path, {"Dockerfile": "FROM first\n"})  # reentrant within a process
    assert child.wait(timeout=30) == 0
    assert order == [None]
    assert (tmp_path / "Dockerfile").read_text() == "FROM second\n"


def test_a_line_appended_right_after_the_freshness_read_is_carried_over(tmp_path, monkeypatch):
    """The window the append stress test hit now and then: another program appends just after
    rsdock read the old file to check it. The line must end up in the new file."""
    path = tmp_path / "Dockerfile"
    path.write_text("FROM base\n")
    real_read = fs._read_fd
    appended = []

    def read_then_append(fd):
        data = real_read(fd)
        if not appended:
            appended.append(True)
            with open(path, "a") as other:  # what `echo '# late' >> Dockerfile` does
                other.write("# late\n")
        return data

    monkeypatch.setattr(fs, "_read_fd", read_then_append)
    with fs.Transaction(tmp_path) as tx:
        tx.stage("Dockerfile", "FROM base\nRUN true\n", expect="FROM base\n")
        tx.commit()
    assert appended
    assert path.read_text() == "FROM base\nRUN true\n# late\n"


def test_an_append_by_another_program_is_never_lost(tmp_path):
    """Replace a file again and again while another process appends to it."""
    path = tmp_path / "Dockerfile"
    path.write_text("FROM base\n")
    appender = subprocess.Popen([sys.executable, "-c", (
        "import os, sys, time\n"
        "for i in range(400):\n"  # what `echo '# line N' >> Dockerfile` does
        "    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)\n"
        "    os.write(fd, f'# line {i}\\n'.encode())\n"
        "    os.close(fd)\n"
        "    time.sleep(0.03 if i % 20 == 19 else 0.001)\n"), str(path)])
    written = changed = 0
    while appender.poll() is None:
        old = path.read_text()
        try:
            with fs.Transaction(tmp_path) as tx:
                tx.stage("Dockerfile", old + "RUN true\n", expect=old)
                tx.commit()
            written += 1
        except fs.Changed:
            changed += 1
    assert appender.wait() == 0
    text = path.read_text()
    missing = [i for i in range(400) if f"# line {i}\n" not in text]
    assert missing == [], f"lost appended lines {missing[:5]} ({written} writes, {changed} refusals)"
    assert written and text.count("RUN true\n") == written
