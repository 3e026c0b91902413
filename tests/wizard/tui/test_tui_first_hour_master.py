"""The first hour, second round (issue 26): a newcomer's walk, keyboard only, without colour.

One scripted session per front-end state, on a git repository whose default branch is
``master``: the items of the issue the TUI owns (1, 2, 4, 5, 6, 7 and 10; for 3 only that the
refusal shown is the plan's own sentence, the one the CLI prints). The screen is read as plain
text (:func:`screen_text`), so every state checked here is told by text, not colour; the app
runs with ``NO_COLOR=1`` as a user without colour would start it.
"""

from __future__ import annotations

import re

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from rsdock import resources
from rsdock.wizard.tui.app import RsdockApp
from rsdock.wizard.tui.screens.wizard_screen import WizardScreen
from rsdock.wizard.tui.widgets.write_pane import WritePane
from tests.wizard.tui.snapshot_app import screen_text, settle, wait_idle

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SMALL = (80, 24)


@pytest.fixture(autouse=True)
def _no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")


def git_repository(root: Path, branch: str = "master") -> Path:
    """``root`` made a git repository on ``branch`` with one commit (as a clone would be)."""
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "HOME": str(root), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for args in (["init", "-q", "-b", branch], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env, capture_output=True)
    return root


@pytest.fixture
def master_repo(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    shutil.copytree(resources.example_workspace(), root)
    return git_repository(root)


def run(app: RsdockApp, scenario, size=SMALL):
    async def main():
        async with app.run_test(size=size) as pilot:
            await wait_idle(pilot)
            return await scenario(pilot)
    return asyncio.run(main())


async def press(pilot, *keys: str) -> str:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    return screen_text(pilot.app)


def flat(text: str) -> str:
    """The screen's words with line breaks and runs of blanks as one space."""
    return " ".join(text.split())


def page_words(text: str) -> str:
    """The words of the page (right of the step list), its lines joined, without the problem
    list's border glyph: a sentence wrapped over several lines reads as one."""
    lines = [line.split("│", 1)[1] if "│" in line else line for line in text.splitlines()]
    return flat("\n".join(lines).replace("█", " "))


def test_the_wizard_walk_on_a_master_repository(master_repo: Path):
    async def scenario(pilot):
        app = pilot.app
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        first = screen_text(app)
        # 11: the first screen at 80x24 shows its question, not a page scrolled past it
        assert "Is this the cargo workspace to containerise?" in first
        assert "0/8" in first and "✓" not in first.split("│")[0]

        # 1: the push branch comes from git, and the page says where from
        text = await press(pilot, *["ctrl+n"] * 5)
        assert screen.current == "registry"
        assert screen.plan.triggers.branches == ("master",)
        assert "master is the default branch (from" in flat(text)

        # 6: Space chooses in a single-choice list
        assert app.focused is screen.query_one("#registry")
        before = screen.plan.registry
        ids = [c.value for c in screen.query_one("#registry").choices]
        target = next(v for v in ids if v != before)
        await press(pilot, *["down"] * (ids.index(target) - ids.index(before)), "space")
        assert screen.plan.registry == target
        assert app.focused.has_focus  # 5: the focused list's border is heavy, the others thin
        assert "┏" in screen_text(app)

        # 10: the Review step reached on the way ticks the steps passed and counts them
        text = await press(pilot, "ctrl+n")
        assert screen.current == "review"
        sidebar = [line.split("│")[0] for line in text.splitlines()[1:9]]
        assert all(line.strip().startswith("✓") for line in sidebar[:6]), sidebar
        assert sidebar[6].strip().startswith("▸") and "✓" not in sidebar[7]
        assert "6/8" in text
        # no hole in the summary line (the count follows the generated set: 5 with dependabot)
        assert re.search(r"\b\d files \(\d new\) · 0 findings", text), text
        assert "▊" not in text and "▎" not in text  # no block-glyph borders (ticks in pictures)

        # 2: a jump from the step list puts the keys on the page: on Write, its button
        await press(pilot, "ctrl+t")
        assert app.focused is screen.query_one("#steps")
        text = await press(pilot, "end", "enter")
        assert screen.current == "write"
        button = screen.query_one("#write")
        assert app.focused is button
        assert f"[ {WritePane.READY} ]" in text  # 5: focus shown in text
        assert "✓ 8 Write" not in text and "7/8" in text  # looking at Write writes nothing

        # 2: Ctrl+Q asks while nothing is written; the default answer goes back
        text = await press(pilot, "ctrl+q")
        assert app.screen.id == "quit-question"
        assert "Not written yet: .dockerignore" in flat(text)
        assert "[ Back to the wizard ]" in text  # 5: the dialog's default reads as focused
        await press(pilot, "enter")
        assert app.screen is screen and not (master_repo / "Dockerfile").exists()

        # 2: Tab, then Enter on Write writes (focus never left for Back)
        assert app.focused is button
        text = await press(pilot, "enter")
        assert (master_repo / "Dockerfile").is_file()
        assert "8/8" in text and "Written:" in text
        # the workflow pushes from the branch git names
        workflow = (master_repo / ".github" / "workflows" / "docker.yml").read_text()
        assert "- master" in workflow or "[master]" in workflow

        # 2: written: Ctrl+Q quits without asking
        await pilot.press("ctrl+q")
        await pilot.pause()

    app = RsdockApp(master_repo)
    run(app, scenario)
    assert app.return_code == 0


def test_a_write_blocked_by_a_problem_says_so_in_its_label(master_repo: Path):
    async def scenario(pilot):
        screen = pilot.app.screen
        screen.go("platforms")
        await settle(pilot)
        await press(pilot, *["down"] * 7, "space")  # linux/riscv64 on bookworm: refused
        assert screen.plan.problems()
        text = await press(pilot, "ctrl+t", "end", "enter")
        button = screen.query_one("#write")
        assert button.disabled and WritePane.BLOCKED in text  # 5: not colour alone
        assert pilot.app.focused is not screen.query_one("#back")
        # 2: Tab then Enter never presses Back on the way to writing
        await press(pilot, "ctrl+t", "home", "down", "down", "enter")
        await press(pilot, "end", "space")  # untick it (the last platform)
        assert not screen.plan.problems()
        text = await press(pilot, "ctrl+t", "end", "enter")
        assert pilot.app.focused is button and not button.disabled
        assert f"[ {WritePane.READY} ]" in text

    run(RsdockApp(master_repo), scenario)


def test_a_refused_platform_shows_one_state_with_the_plans_own_sentence(tmp_path: Path):
    from tests.wizard.commands.test_init import AWS_LC_LOCK

    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n\n[dependencies]\naws-lc-rs = "1"\n')
    (root / "Cargo.lock").write_text(AWS_LC_LOCK)
    git_repository(root)

    async def scenario(pilot):
        screen = pilot.app.screen
        screen.go("platforms")
        await settle(pilot)
        before = flat(screen_text(pilot.app))
        assert "Left out linux/arm/v7" in before
        await press(pilot, "down", "down", "space")  # tick linux/arm/v7
        assert "linux/arm/v7" in screen.plan.platforms
        problems = [p for p in screen.plan.problems()]
        # the problem list's border glyph starts each of its lines: read the words only
        return problems, page_words(screen_text(pilot.app))

    problems, after = run(RsdockApp(root), scenario, size=(120, 60))
    assert problems
    # 3 (TUI side): the refusal is the plan's own text, the one `rsdock init` prints
    for problem in problems:
        assert flat(problem.message) in after
    # 4: one state: no stale "left out", no packages the builder would add for a refused build
    assert "Left out linux/arm/v7" not in after
    assert "the builder adds" not in after
    assert "refused on this platform (see the problem above)" in after


def row_of(findings, *, safe: bool) -> int:
    """The first row of the finding list whose fix is applicable and (un)safe."""
    for index, option in enumerate(findings.options):
        if not (option.id or "").startswith("finding:"):
            continue
        fix = findings.findings[int(option.id.split(":", 1)[1])].fix
        if fix is not None and not fix.display_only and fix.safe == safe:
            return index
    raise AssertionError(f"no {'safe' if safe else 'unsafe'} fix listed")


def test_edit_mode_marks_unsafe_fixes_and_asks_before_one(handwritten):
    root = handwritten("research")

    async def scenario(pilot):
        app = pilot.app
        text = await press(pilot, "2")
        # 5: severity is a word, 7: safe and unsafe fixes are marked differently
        assert "warn  RS410  ✎  " in text and "error RS404  ✎! " in text
        assert "✎! 1 unsafe (asks)" in text
        findings = app.screen.query_one("#finding-list")
        findings.highlighted = row_of(findings, safe=False)
        text = await press(pilot, "f")
        assert "Apply an unsafe fix (RS404)?" in flat(text)
        assert "--unsafe-fixes" in flat(text)
        assert "[ Cancel ]" in text  # 5: the default, Cancel, reads as focused
        await press(pilot, "escape")
        assert app.screen.query_one("#finding-list") is findings  # nothing offered, nothing written
        # a safe fix goes straight to its diff
        findings.highlighted = row_of(findings, safe=True)
        text = await press(pilot, "f")
        assert "Apply an unsafe fix" not in flat(text)
        assert type(app.screen).__name__ == "ProposalScreen" and "Fix RS" in text

    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    run(RsdockApp(root, edit_existing=True), scenario, size=(100, 30))
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_the_committed_screenshots_ask_for_a_monospace_font():
    from tests.tools import REPO

    svgs = list((REPO / "screenshots").rglob("*.svg"))
    assert svgs
    for svg in svgs:
        text = svg.read_text(encoding="utf-8")
        assert "DejaVu Sans Mono" in text and "font-family: Fira Code, monospace;" not in text
