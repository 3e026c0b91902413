"""The e2e tests (real image builds in the build lab) run only when asked for with ``-m e2e``.

The fast suite (``python -m pytest -q``) skips them, saying how to run them; ``-m e2e`` runs them
and sets the lab up once per session (see lab.py), skipping with the lab's reason when it cannot.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from . import lab

RESULTS = Path(__file__).with_name("results.json")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: real multi-platform image builds in the build lab (run with -m e2e, as root)")


def _asked_for_e2e(config) -> bool:
    expr = config.getoption("-m") or ""
    return "e2e" in expr and "not e2e" not in expr


def pytest_collection_modifyitems(config, items):
    if _asked_for_e2e(config):
        return
    skip = pytest.mark.skip(reason="e2e build lab: run with `python -m pytest -m e2e tests/e2e` (as root)")
    for item in items:
        if item.get_closest_marker("e2e"):  # not item.keywords: it holds the dir name too
            item.add_marker(skip)


class Recorder:
    """Collects one row per build for results.json (report.py turns it into docs/e2e.md)."""

    def __init__(self):
        self.rows: list[dict] = []
        self.meta: dict = {}

    def add(self, **row):
        self.rows.append(row)


@pytest.fixture(scope="session")
def recorder():
    rec = Recorder()
    t0 = time.time()
    yield rec
    if not rec.rows:
        return
    rec.meta["last_session"] = {
        "seconds": round(time.time() - t0, 1), "cases": len(rec.rows),
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    old = {}
    if RESULTS.exists():
        try:
            old = json.loads(RESULTS.read_text())
        except ValueError:
            old = {}
    # Merge by key so a partial run (-k) updates its rows and keeps the others.
    merged = {_key(r): r for r in old.get("rows", [])}
    merged.update({_key(r): r for r in rec.rows})
    meta = dict(old.get("meta", {}))
    meta.update(rec.meta)
    RESULTS.write_text(json.dumps({"meta": meta, "rows": sorted(merged.values(), key=_key)},
                                  indent=1) + "\n")


def _key(row):
    return (row["workspace"], row["runtime"], row["platform"], row.get("image", ""))


@pytest.fixture(scope="session")
def build_lab(recorder):
    """The lab, set up once per session; torn down (engine stopped, cache pruned) at the end
    unless RSDOCK_LAB_KEEP=1. The session holds the machine-wide lab lock from setup through
    teardown (lab.LabLock): another session waits for it (RSDOCK_LAB_WAIT s, then skips)."""
    lock = lab.LabLock()
    try:
        lab.check_possible()
        t_wait = time.time()
        lock.acquire(lab.lock_wait())
        recorder.meta["lock_wait_seconds"] = round(time.time() - t_wait, 1)
        was_up = lab.engine_up()
        t0 = time.time()
        timings = lab.setup()
    except lab.LabUnavailable as exc:
        lock.release()
        # CI checks first (`python -m tests.e2e.lab check`) and then requires the lab: a setup
        # that fails there is a failure, not a quiet skip.
        if os.environ.get("RSDOCK_LAB_REQUIRED") == "1":
            pytest.fail(f"build lab required (RSDOCK_LAB_REQUIRED=1) but unavailable: {exc}")
        pytest.skip(f"build lab unavailable: {exc}")
    except BaseException:
        lock.release()
        raise
    recorder.meta["setup_seconds"] = round(time.time() - t0, 1)
    recorder.meta["setup_engine_was_running"] = was_up
    recorder.meta["setup_timings"] = timings
    try:
        yield lab
    finally:
        try:
            if os.environ.get("RSDOCK_LAB_KEEP") != "1":
                t0 = time.time()
                lab.teardown()
                recorder.meta["teardown_seconds"] = round(time.time() - t0, 1)
        finally:
            lock.release()
