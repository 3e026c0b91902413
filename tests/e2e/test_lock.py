"""The lab lock (fast suite, no docker): one lab user at a time, machine-wide.

Another process holding the lock makes a session wait and then give up naming the holder, and
makes the CLI's teardown refuse without touching the engine; once the holder exits (even killed),
the lock is free again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from tests.e2e import lab

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from tests.e2e import lab
    l = lab.LabLock(Path(sys.argv[1]))
    l.acquire(wait=0)
    print("held", flush=True)
    sys.stdin.readline()  # hold until told (or killed)
    l.release()
""")


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lab lock at tmp_path/lab.lock."""
    path = tmp_path / "lab.lock"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=REPO, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "held"
    yield path, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_a_held_lab_makes_another_user_wait_and_name_the_holder(holder):
    path, proc = holder
    t0 = time.monotonic()
    with pytest.raises(lab.LabBusy) as exc:
        lab.LabLock(path).acquire(wait=0.5, poll=0.05)
    assert time.monotonic() - t0 >= 0.5
    assert f"pid {proc.pid}" in str(exc.value)
    assert "waited" in str(exc.value)


def test_the_lock_is_free_once_its_holder_is_done(holder):
    path, proc = holder
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.wait(10)
    lock = lab.LabLock(path)
    lock.acquire(wait=0)
    assert lab.lock_holder(path).startswith(f"pid {os.getpid()} ")
    lock.release()


def test_a_killed_holder_frees_the_lab(holder):
    path, proc = holder
    proc.kill()
    proc.wait(10)
    lock = lab.LabLock(path)
    lock.acquire(wait=2, poll=0.05)
    lock.release()


def test_a_waiting_user_gets_the_lab_when_the_holder_lets_go(holder):
    path, proc = holder
    subprocess.Popen(["sh", "-c", f"sleep 0.5; kill {proc.pid}"])
    t0 = time.monotonic()
    lock = lab.LabLock(path)
    lock.acquire(wait=20, poll=0.05)
    assert 0.3 < time.monotonic() - t0 < 20
    lock.release()


def test_two_users_in_one_process_still_exclude_each_other(tmp_path):
    path = tmp_path / "lab.lock"
    with lab.LabLock(path):
        with pytest.raises(lab.LabBusy):
            lab.LabLock(path).acquire(wait=0)
    with lab.LabLock(path):
        pass


def test_cli_teardown_refuses_while_another_user_holds_the_lab(holder, monkeypatch, capsys):
    path, proc = holder
    monkeypatch.setattr(lab, "LOCK", path)
    called = []
    monkeypatch.setattr(lab, "teardown", lambda purge=False: called.append(purge))
    assert lab.main(["teardown", "--purge"]) == 2
    assert called == []
    err = capsys.readouterr().err
    assert "in use by pid" in err and str(proc.pid) in err


def test_cli_teardown_runs_when_the_lab_is_free(tmp_path, monkeypatch):
    monkeypatch.setattr(lab, "LOCK", tmp_path / "lab.lock")
    called = []
    monkeypatch.setattr(lab, "teardown", lambda purge=False: called.append(purge))
    assert lab.main(["teardown", "--purge"]) == 0
    assert called == [True]
    # and let go of it afterwards
    lab.LabLock(tmp_path / "lab.lock").acquire(wait=0)
