"""What a newcomer tripped over in the first hour (issue 13), each checked on the screen text.

The picture is read as plain text, colour dropped, at the sizes people use: a state that only
colour tells apart, a label running into its neighbour or an empty row of a list shows here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from rsdock.wizard.tui.app import RsdockApp
from rsdock.wizard.tui.screens.wizard_screen import WizardScreen
from tests.wizard.tui.snapshot_app import screen_text, settle, wait_idle

SIZES = [(80, 24), (120, 40), (200, 50)]


@pytest.fixture
def workspace(example_copy: Path) -> Path:
    return example_copy


def run(app: RsdockApp, size, scenario):
    async def main():
        async with app.run_test(size=size) as pilot:
            await wait_idle(pilot)
            return await scenario(pilot)
    return asyncio.run(main())


async def goto(pilot, step_id: str) -> WizardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, WizardScreen)
    screen.go(step_id)
    await settle(pilot)
    return screen


@pytest.mark.parametrize("size", SIZES)
def test_ticked_and_unticked_platforms_differ_without_colour(workspace, size):
    async def scenario(pilot):
        await goto(pilot, "platforms")
        return screen_text(pilot.app)

    text = run(RsdockApp(workspace), size, scenario)
    assert "[x] linux/amd64" in text and "[x] linux/arm/v7" in text
    assert "[ ] linux/arm/v6" in text and "[ ] linux/riscv64" in text


def test_tag_and_pull_request_boxes_differ_without_colour(workspace):
    async def scenario(pilot):
        screen = await goto(pilot, "registry")
        screen.query_one("#pull-requests").value = False
        await settle(pilot)
        return screen_text(pilot.app)

    text = run(RsdockApp(workspace), (120, 40), scenario)
    assert "[x] Push version tags" in text and "[ ] Build pull requests" in text


@pytest.mark.parametrize("size", SIZES)
def test_write_step_columns_never_run_together_and_say_written_after_writing(workspace, size):
    (workspace / ".dockerignore").write_text("target/\n")

    async def scenario(pilot):
        screen = await goto(pilot, "write")
        before = screen_text(pilot.app)
        await pilot.click("#write")
        await settle(pilot)
        if pilot.app.screen is not screen:  # the overwrite question for .dockerignore
            await pilot.click("#overwrite")
            await settle(pilot)
        return before, screen_text(pilot.app)

    before, after = run(RsdockApp(workspace), size, scenario)
    assert "overwrite  .dockerignore" in before and "create     Dockerfile" in before
    assert "written  Dockerfile" in after and "written  .dockerignore" in after
    assert "identical" not in after and "unchanged" not in after.split("Written:")[0]
    assert "saved    rsdock.toml" in after


def test_debian_slim_names_the_chosen_release(workspace):
    async def scenario(pilot):
        screen = await goto(pilot, "runtime")
        before = screen_text(pilot.app)
        debian = screen.query_one("#debian")
        debian.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        screen.query_one("#runtime").scroll_home(animate=False)
        screen.query_one("#step-runtime").scroll_home(animate=False)
        await settle(pilot)
        return screen.plan.debian, before, screen_text(pilot.app)

    debian, before, after = run(RsdockApp(workspace), (120, 40), scenario)
    assert debian == "trixie"
    assert "debian:bookworm-slim with tini" in before
    assert "debian:trixie-slim with tini" in after and "bookworm-slim with tini" not in after


def test_a_refused_platform_says_what_to_choose_in_the_wizard_not_a_flag(workspace):
    async def scenario(pilot):
        screen = await goto(pilot, "platforms")
        screen.query_one("#platform-list").focus()
        await pilot.press(*["down"] * 7, "space")  # linux/riscv64 on bookworm
        await settle(pilot)
        return screen_text(pilot.app)

    text = run(RsdockApp(workspace), (120, 40), scenario)
    assert "linux/riscv64 has no debian:bookworm-slim image" in text
    assert "choose the Debian release trixie" in text and "--debian" not in text


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_choice_lists_show_every_option_and_the_page_scrolls_to_the_highlight(workspace, size):
    async def scenario(pilot):
        screen = await goto(pilot, "cache")
        cache = screen.query_one("#cache")
        shown = (cache.max_scroll_y, screen_text(pilot.app))
        cache.focus()
        await pilot.press("down", "down", "down")
        await settle(pilot)
        return shown, screen_text(pilot.app)

    (own_scroll, before), after = run(RsdockApp(workspace), size, scenario)
    assert own_scroll == 0  # the list is as tall as its options: nothing hidden inside it
    assert "○ inline" in after and "cheapest" in after
    # explanations wrap under themselves, past the mark, never at the list's left edge
    assert "  ca-certificates" not in before
    lines = [line for line in after.splitlines() if "▊" in line]
    assert all(not line.split("▊", 1)[1].startswith(" " * 1 + "(") for line in lines)


def test_the_bundled_example_copy_is_removed_on_quit(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # mkdtemp's parent, for this test
    empty = tmp_path / "empty"
    empty.mkdir()
    app = RsdockApp(empty)

    async def scenario(pilot):
        await pilot.click("#example")
        await settle(pilot)
        assert isinstance(pilot.app.screen, WizardScreen)
        copies = list(tmp_path.glob("rsdock-example-*"))
        assert len(copies) == 1 and (copies[0] / "workspace" / "Cargo.toml").is_file()
        await pilot.press("ctrl+q")
        return copies[0]

    copy = run(app, (80, 24), scenario)
    assert not copy.exists()


@pytest.mark.parametrize("manual, heading", [
    ((), "nothing will be written. Why:"),
    (("cache-from: type=registry,ref=IMAGE:buildcache",), "Change these lines by hand:"),
])
def test_a_refusal_heading_promises_lines_only_when_there_are_some(manual, heading):
    from rich.console import Console

    from rsdock.wizard.edit.outcome import Refusal
    from rsdock.wizard.edit.propose import Proposal
    from rsdock.wizard.tui.screens.proposal_screen import ProposalScreen

    proposal = Proposal()
    proposal.refusals.append(Refusal("Dockerfile", 3, "no way to do it", manual))
    console = Console(width=200, record=True, color_system=None)
    console.print(ProposalScreen("Change", proposal)._summary())
    text = console.export_text()
    assert heading in text
    if not manual:
        assert "by hand" not in text


def test_the_project_step_says_which_rust_is_the_minimum_and_which_the_images_use(workspace):
    # The example's Cargo.toml says rust-version = "1.86": a minimum, not the builder's Rust.
    async def scenario(pilot):
        await goto(pilot, "project")
        return " ".join(screen_text(pilot.app).split())

    text = run(RsdockApp(workspace), (200, 50), scenario)
    assert "Minimum Rust 1.86 (rust-version in Cargo.toml: the oldest Rust the workspace " \
        "builds with)" in text
    assert "Rust the images build with (builder and cargo-chef)" in text


def test_the_platforms_step_says_which_default_platform_was_left_out_and_why(tmp_path):
    from tests.wizard.commands.test_init import AWS_LC_LOCK

    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n\n[dependencies]\naws-lc-rs = "1"\n')
    (root / "Cargo.lock").write_text(AWS_LC_LOCK)

    async def scenario(pilot):
        screen = await goto(pilot, "platforms")
        assert screen.plan.platforms == ("linux/amd64", "linux/arm64")
        return " ".join(screen_text(pilot.app).split())

    text = run(RsdockApp(root), (200, 50), scenario)
    assert "[ ] linux/arm/v7" in text
    assert ("Left out linux/arm/v7: app cannot be built for linux/arm/v7: aws-lc-sys ships no "
            "bindings") in text
    assert "--platform" not in text
