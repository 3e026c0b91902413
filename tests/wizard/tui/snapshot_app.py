"""The app as the TUI tests and ``scripts/screenshots.py`` see it: stable paths, no blinking.

Both start :class:`rsdock.wizard.tui.app.RsdockApp` on a fresh copy of the bundled example, show
one step, and wait for the preview worker, so the same step always draws the same picture. Edit
mode starts on a fresh copy of a hand-written fixture (``tests/fixtures/handwritten/``).

The copies live in a temporary directory of this process (two test runs at once must not share
one), but the path is drawn in every picture: the app shows it as :data:`SHOWN_BASE`.
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from pathlib import Path

from textual.widgets import Input

from rsdock import resources
from rsdock.wizard.tui.app import RsdockApp
from rsdock.wizard.tui.screens.wizard_screen import WizardScreen
from tests.tools import HANDWRITTEN, WORKSPACE_FIXTURES

# This process's own directory, shown on screen as SHOWN_BASE so that pictures do not depend
# on it.
_BASE = Path(tempfile.mkdtemp(prefix="rsdock-snapshots-")).resolve()
atexit.register(shutil.rmtree, _BASE, ignore_errors=True)
SHOWN_BASE = "/tmp/rsdock-snapshots"
SNAPSHOT_ROOT = _BASE / "workspace"
SIZE = (80, 24)

# Edit mode's views: name -> (fixture, keys pressed after opening). The snapshot tests draw each;
# scripts/screenshots.py draws some of them for the README.
EDIT_VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "plan": ("shop", ()),
    "plan-unknown": ("relay", ()),
    "findings": ("research", ("2", "down")),
    "changes": ("shop", ("3",)),
    "fix-diff": ("research", ("2", "down", "down", "f")),
    "platform-diff": ("shop", ("3", "down", "down", "space", "v")),
    "refusal": ("shop", ("3", "tab", "down", "down", "enter", "v")),
    "help": ("shop", ("f1",)),
}


def fresh_workspace(root: Path = SNAPSHOT_ROOT) -> Path:
    """A clean copy of the example workspace at ``root``."""
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(resources.example_workspace(), root)
    return root


def shown(text: str) -> str:
    """``text`` with this process's directory written as :data:`SHOWN_BASE`."""
    return text.replace(str(_BASE), SHOWN_BASE)


def make_app() -> RsdockApp:
    """The wizard on a fresh example copy."""
    return RsdockApp(fresh_workspace(), shown=shown)


def make_cdeps_app() -> RsdockApp:
    """The wizard on a fresh copy of the workspace that links OpenSSL and SQLite
    (``tests/fixtures/workspaces/cdeps``)."""
    root = SNAPSHOT_ROOT.parent / "cdeps"
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(WORKSPACE_FIXTURES / "cdeps", root)
    return RsdockApp(root, shown=shown)


def make_app_without_workspace() -> RsdockApp:
    """The wizard started in an empty directory (it offers the example)."""
    empty = SNAPSHOT_ROOT.parent / "empty"
    if empty.exists():
        shutil.rmtree(empty)
    empty.mkdir(parents=True)
    return RsdockApp(empty, example_parent=SNAPSHOT_ROOT.parent, shown=shown)


def drive(app: RsdockApp, scenario) -> RsdockApp:
    """Run ``scenario(pilot)`` against ``app`` headless at :data:`SIZE` once it is idle.

    Returns:
        The app, for its ``return_code`` and state after the run.
    """
    async def run():
        async with app.run_test(size=SIZE) as pilot:
            await wait_idle(pilot)
            await scenario(pilot)
    asyncio.run(run())
    return app


async def wait_idle(pilot) -> None:
    """Let pending messages and every worker (the preview, edit mode's loads) finish.

    The wizard starts its preview a moment after its first screen is drawn: this waits for
    that start too (bounded: a wizard that never starts it fails the test's own checks)."""
    await pilot.pause()
    for _ in range(200):
        screen = pilot.app.screen
        if not isinstance(screen, WizardScreen) or screen.background_started:
            break
        await pilot.pause(0.01)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def settle(pilot) -> None:
    """:func:`wait_idle`, then stop cursors blinking mid-screenshot."""
    await wait_idle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


async def show_step(pilot, step_id: str) -> None:
    """Show step ``step_id`` with its widgets settled."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, WizardScreen), (
        f"expected the wizard, got {screen!r}:\n{screen_text(pilot.app)}")
    screen.go(step_id)
    await settle(pilot)


def make_edit_app(fixture: str) -> RsdockApp:
    """Edit mode on a fresh copy of the hand-written fixture ``fixture`` (e.g. ``"shop"``)."""
    root = SNAPSHOT_ROOT.parent / fixture
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(HANDWRITTEN / fixture, root)
    return RsdockApp(root, edit_existing=True, shown=shown)


async def press_settled(pilot, *keys: str) -> None:
    """Press ``keys`` one by one, letting the edit workers finish after each."""
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def screen_text(app) -> str:
    """What the screen shows, as plain text (colour and style dropped): what a user without
    colour, or a screen reader, gets."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text()
