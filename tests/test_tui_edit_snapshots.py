"""Snapshots of rsdock-tui's edit mode at 80x24 (pytest-textual-snapshot; --snapshot-update)."""

from __future__ import annotations

import pytest

from snapshot_app import SIZE, make_edit_app, press_settled

# (fixture, keys pressed after opening): one picture per thing edit mode shows.
CASES = {
    "plan": ("shop", ()),
    "plan-unknown": ("relay", ()),
    "findings": ("research", ("2", "down")),
    "changes": ("shop", ("3",)),
    "fix-diff": ("research", ("2", "down", "down", "f")),
    "platform-diff": ("shop", ("3", "down", "down", "space", "v")),
    "refusal": ("shop", ("3", "tab", "down", "down", "enter", "v")),
    "help": ("shop", ("f1",)),
}


@pytest.fixture(autouse=True)
def _stable_environment(monkeypatch):
    # Inherited colour settings and animations make terminal pictures differ between runs.
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.mark.parametrize("case", CASES)
def test_edit(snap_compare, case):
    fixture, keys = CASES[case]

    async def run_before(pilot):
        await press_settled(pilot, *keys)

    assert snap_compare(make_edit_app(fixture), terminal_size=SIZE, run_before=run_before)
