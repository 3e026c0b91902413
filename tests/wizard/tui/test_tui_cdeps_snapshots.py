"""The platform and runtime steps on a workspace with C dependencies (OpenSSL and SQLite, both
system libraries), at 80x24 and 120x40, without colour (``NO_COLOR=1``): what each platform's
builder adds for them, what each runtime installs, and what alpine refuses with the way out.
``--snapshot-update`` to accept; redraw in isolation (see tests/wizard/tui/snapshot_app.py)."""

from __future__ import annotations

import pytest

from tests.wizard.tui.snapshot_app import make_cdeps_app, settle, show_step

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.fixture(autouse=True)
def _no_colour(monkeypatch):
    # What a user without colour gets: the costs and refusals must read in plain text.
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


async def _platform_arm64(pilot):
    await show_step(pilot, "platforms")
    pilot.app.screen.query_one("#platform-list").focus()
    await pilot.press("down")  # linux/arm64: what its builder adds for OpenSSL and SQLite
    await settle(pilot)


async def _runtime_alpine(pilot):
    await show_step(pilot, "runtime")
    runtime = pilot.app.screen.query_one("#runtime")
    runtime.focus()
    target = [c.value for c in runtime.choices].index("alpine")
    for _ in range(target - runtime.highlighted):
        await pilot.press("down")
    await pilot.press("enter")  # alpine: refused, with the way out
    await settle(pilot)


VIEWS = {"platforms": _platform_arm64, "runtime-alpine": _runtime_alpine}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_c_dependencies(snap_compare, view, size):
    assert snap_compare(make_cdeps_app(), terminal_size=SIZES[size], run_before=VIEWS[view])
