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
    assert ("alpine: api: refused: openssl-sys links the system library, which Debian builds "
            f"for glibc only (way out: {SYSTEM_WAY_OUT})") in " ".join(seen["before"].split())
    problems = " ".join(seen["problems"].split())
    assert "openssl-sys links the system library" in problems
    assert "libsqlite3-sys links the system library" in problems
    assert "cargo-zigbuild" in problems and "debian-slim or distroless" in problems
    platform = " ".join(seen["platform"].split())
    assert ("api links C (openssl-sys, libsqlite3-sys): refused on alpine: openssl-sys links "
            "the system library") in platform
    assert seen["write disabled"] == "True"
    assert not (root / "Dockerfile").exists()
