"""The wizard on a workspace with C dependencies (openssl and sqlite, both system libraries):
what the platform and runtime steps say each costs and what they refuse, with the way out."""

from __future__ import annotations

import shutil

from rsdock.wizard.tui.app import RsdockApp
from rsdock.wizard.tui.widgets.problem_list import ProblemList
from tests.tools import WORKSPACE_FIXTURES
from tests.wizard.generate.test_musl_refusals import SYSTEM_WAY_OUT
from tests.wizard.tui.snapshot_app import drive, wait_idle
from tests.wizard.tui.test_tui import choose, goto


def test_the_tui_runtime_step_shows_the_refusal_with_the_way_out(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE_FIXTURES / "cdeps", root)
    seen: dict[str, str] = {}

    async def scenario(pilot):
        screen = await goto(pilot, "runtime")
        seen["before"] = str(screen.query_one("#runtime-c-cost").render())
        await choose(pilot, "runtime", "alpine")
        seen["problems"] = screen.query_one("#step-runtime").query_one(ProblemList) \
            .render().plain
        seen["cost"] = str(screen.query_one("#runtime-c-cost").render())
        await goto(pilot, "platforms")
        seen["platform"] = str(screen.query_one("#platform-help").render())
        await goto(pilot, "write")
        seen["write disabled"] = str(screen.query_one("#write").disabled)
        await wait_idle(pilot)

    drive(RsdockApp(root), scenario)
    # Before alpine is chosen, the step already says what each runtime costs or refuses.
    assert "debian-slim: api: libssl3, libsqlite3-0 installed" in seen["before"]
    assert ("alpine: api: refused: openssl-sys, libsqlite3-sys link system libraries that "
            f"Debian builds for glibc only (way out: {SYSTEM_WAY_OUT})") in " ".join(
                seen["before"].split())
    problems = " ".join(seen["problems"].split())
    assert "openssl-sys, libsqlite3-sys link system libraries" in problems
    assert "cargo-zigbuild" in problems and "debian-slim or distroless" in problems
    platform = " ".join(seen["platform"].split())
    assert ("api links C (openssl-sys, libsqlite3-sys): refused on alpine: openssl-sys, "
            "libsqlite3-sys link system libraries") in platform
    assert seen["write disabled"] == "True"
    assert not (root / "Dockerfile").exists()


# ------------------------------------------------------------------ edit mode: RS212's fix
def test_edit_mode_fixes_what_a_c_dependency_needs_after_consent(tmp_path):
    from rsdock.wizard.tui.screens.edit_screen import EditScreen
    from rsdock.wizard.tui.screens.proposal_screen import ProposalScreen
    from rsdock.wizard.tui.widgets.finding_list import FindingList
    from tests.wizard.edit.test_edit_cdeps import SHOP, fixture
    from tests.wizard.tui.test_tui_edit import highlight, press

    root = fixture(tmp_path, "shop")
    before = (root / "Dockerfile").read_text()
    seen: dict[str, str] = {}

    async def scenario(pilot):
        screen = pilot.app.screen
        assert isinstance(screen, EditScreen)
        await highlight(pilot, "RS212", 16)
        seen["row"] = screen.query_one(FindingList)._prompt(
            screen.query_one(FindingList).highlighted_finding).text.plain
        await press(pilot, "f")
        dialog = pilot.app.screen
        assert isinstance(dialog, ProposalScreen) and dialog.writable
        assert (root / "Dockerfile").read_text() == before  # shown, not written
        await press(pilot, "w")
        assert isinstance(pilot.app.screen, EditScreen)
        seen["rules"] = " ".join(sorted({f.rule for f in pilot.app.screen.state.findings}))

    drive(RsdockApp(root, edit_existing=True), scenario)
    assert "✎" in seen["row"]  # marked as fixable in the list
    assert "RS212" not in seen["rules"]
    # `f` applies RS212's fix alone: the builder, not the runtime (RS309 is its own finding).
    from rsdock.lint.engine.fix import unified_diff
    builder_only = SHOP.split("@@ -34,7 +43,7 @@")[0]
    assert unified_diff("Dockerfile", before, (root / "Dockerfile").read_text()) == builder_only


def test_edit_mode_shows_the_lines_to_add_when_rsdock_cannot_place_them(tmp_path):
    from rsdock.wizard.tui.screens.proposal_screen import ProposalScreen
    from tests.wizard.edit.test_edit_cdeps import SINGLE, project
    from tests.wizard.tui.test_tui_edit import highlight, press

    root = project(tmp_path, SINGLE.replace("rust:1.95-slim-bookworm", "ubuntu:24.04"),
                   "linux/arm64")
    before = (root / "Dockerfile").read_text()
    seen: dict[str, str] = {}

    async def scenario(pilot):
        await highlight(pilot, "RS212", 2)
        await press(pilot, "f")
        dialog = pilot.app.screen
        assert isinstance(dialog, ProposalScreen) and not dialog.writable
        seen["refusals"] = str(dialog.query_one("#proposal-refusals").visual)
        await press(pilot, "w")  # no write from a refusal, even by key
        assert pilot.app.screen is dialog
        await press(pilot, "escape")

    drive(RsdockApp(root, edit_existing=True), scenario)
    refusals = seen["refusals"]
    assert "Dockerfile:2: cannot edit safely: RS212: cannot add what the C crates need" in refusals
    assert "not on Debian" in refusals
    assert "apt-get install -y --no-install-recommends pkg-config libssl-dev:arm64" in refusals
    assert "PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=" in refusals
    assert (root / "Dockerfile").read_text() == before
