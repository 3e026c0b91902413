"""One snapshot per wizard step at 80x24 (pytest-textual-snapshot; --snapshot-update to accept)."""

from __future__ import annotations

import pytest

from rsdock.wizard import steps
from snapshot_app import SIZE, make_app, settle, show_step


@pytest.fixture(autouse=True)
def _stable_environment(monkeypatch):
    # Inherited colour settings and animations make terminal pictures differ between runs.
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.mark.parametrize("step_id", steps.STEP_IDS)
def test_step(snap_compare, step_id):
    async def run_before(pilot):
        await show_step(pilot, step_id)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_invalid_combination(snap_compare):
    async def run_before(pilot):
        await show_step(pilot, "platforms")
        screen = pilot.app.screen
        screen.query_one("#platform-list").focus()
        await pilot.press(*["down"] * 7, "space")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
