"""One snapshot per wizard step at 80x24 (pytest-textual-snapshot; --snapshot-update to accept)."""

from __future__ import annotations

import pytest

from rsdock.wizard.generate import steps
from tests.wizard.tui.snapshot_app import SIZE, SNAPSHOT_ROOT, make_app, make_app_without_workspace, settle, show_step


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


def test_confirm_overwrite(snap_compare):
    async def run_before(pilot):
        (SNAPSHOT_ROOT / "Dockerfile").write_text("FROM debian:bookworm-slim\nCMD [\"server\"]\n")
        await show_step(pilot, "write")
        pilot.app.screen.refresh_preview()
        await settle(pilot)
        # The keyboard, not a click: the mouse left over the dialog's buttons would hover one
        # of them or not depending on timing.
        pilot.app.screen.query_one("#write").focus()
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_no_workspace_dialog(snap_compare):
    async def run_before(pilot):
        await settle(pilot)

    assert snap_compare(make_app_without_workspace(), terminal_size=SIZE, run_before=run_before)
