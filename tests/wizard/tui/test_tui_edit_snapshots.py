"""Snapshots of rsdock-tui's edit mode at 80x24 (pytest-textual-snapshot; --snapshot-update)."""

from __future__ import annotations

import pytest

from tests.wizard.tui.snapshot_app import EDIT_VIEWS, SIZE, make_edit_app, press_settled


@pytest.fixture(autouse=True)
def _stable_environment(monkeypatch):
    # Inherited colour settings and animations make terminal pictures differ between runs.
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.mark.parametrize("case", EDIT_VIEWS)
def test_edit(snap_compare, case):
    fixture, keys = EDIT_VIEWS[case]

    async def run_before(pilot):
        await press_settled(pilot, *keys)

    assert snap_compare(make_edit_app(fixture), terminal_size=SIZE, run_before=run_before)
