"""Pilot tests: drive rsdock-tui through whole flows on a temp copy of the example workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock import resources
from rsdock.wizard.generate import answers as config
from rsdock.wizard.tui.app import RsdockApp
from rsdock.wizard.tui.screens.confirm_screen import ConfirmOverwriteScreen
from rsdock.wizard.tui.screens.error_screen import ErrorScreen
from rsdock.wizard.tui.screens.help_screen import HelpScreen
from rsdock.wizard.tui.screens.wizard_screen import WizardScreen
from rsdock.wizard.tui.widgets.choice_list import ChoiceList
from rsdock.wizard.tui.widgets.problem_list import ProblemList
from rsdock.wizard.tui.widgets.step_list import StepList
from tests.wizard.tui.snapshot_app import drive, wait_idle
from tests.tools import REPO


@pytest.fixture
def workspace(example_copy: Path) -> Path:
    return example_copy


async def goto(pilot, step_id: str) -> WizardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, WizardScreen)
    screen.go(step_id)
    await wait_idle(pilot)
    return screen


async def choose(pilot, list_id: str, value: str) -> None:
    """Choose ``value`` in a ChoiceList with the keyboard, as a user would."""
    choice_list = pilot.app.screen.query_one(f"#{list_id}", ChoiceList)
    choice_list.focus()
    await pilot.pause()
    target = [c.value for c in choice_list.choices].index(value)
    for _ in range(len(choice_list.choices)):  # bounded: a broken list fails, never hangs
        if choice_list.highlighted == target:
            break
        await pilot.press("down" if choice_list.highlighted < target else "up")
    await pilot.press("enter")
    await wait_idle(pilot)


def test_whole_flow_writes_files_and_config(workspace: Path):
    async def scenario(pilot):
        screen = await goto(pilot, "project")
        assert isinstance(screen, WizardScreen)
        for _ in range(7):
            await pilot.press("ctrl+n")
        await wait_idle(pilot)
        assert screen.current == "write"
        await pilot.click("#write")
        await wait_idle(pilot)
        assert screen.preview.complete  # the worker's second pass, with hadolint, arrived
        assert "Dockerfile" in screen.written.written
        assert "Next steps" in screen.query_one("#write-result").render().plain

    drive(RsdockApp(workspace), scenario)
    names = {p.relative_to(workspace).as_posix() for p in workspace.rglob("*") if p.is_file()}
    assert {"Dockerfile", ".dockerignore", ".github/workflows/docker.yml", "rsdock.toml"} <= names
    plan = config.load(workspace)
    assert plan.runtime == "debian-slim" and plan.platforms == ("linux/amd64", "linux/arm64",
                                                                 "linux/arm/v7")


def test_answers_change_the_written_files(workspace: Path):
    async def scenario(pilot):
        screen = await goto(pilot, "runtime")
        await choose(pilot, "runtime", "distroless")
        await goto(pilot, "cache")
        await choose(pilot, "cache", "registry")
        await goto(pilot, "registry")
        await choose(pilot, "registry", "ghcr")
        assert (screen.plan.runtime, screen.plan.cache, screen.plan.registry) == (
            "distroless", "registry", "ghcr")
        # The live preview follows the answers without visiting the review step.
        assert screen.preview.plan == screen.plan
        dockerfile = next(c for c in screen.preview.changes if c.path == "Dockerfile")
        assert "distroless" in dockerfile.text
        await goto(pilot, "write")
        await pilot.click("#write")
        await wait_idle(pilot)
        text = " ".join(screen.query_one("#write-result").render().plain.split())
        assert "GITHUB_TOKEN" in text and "DOCKERHUB_TOKEN" not in text

    drive(RsdockApp(workspace), scenario)
    assert "distroless" in (workspace / "Dockerfile").read_text()
    assert config.load(workspace).registry == "ghcr"


def test_back_and_forward_keep_answers(workspace: Path):
    async def scenario(pilot):
        screen = await goto(pilot, "platforms")
        platform_list = screen.query_one("#platform-list")
        platform_list.focus()
        await pilot.press("down", "down", "space")  # untick linux/arm/v7
        await wait_idle(pilot)
        assert screen.plan.platforms == ("linux/amd64", "linux/arm64")
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+p", "ctrl+p", "ctrl+p")
        await wait_idle(pilot)
        screen.go("project")
        await wait_idle(pilot)
        assert screen.focused.id == "rust-version"  # the keys work while typing in a field
        await pilot.press("ctrl+n")
        await wait_idle(pilot)
        assert screen.current == "images"
        await pilot.press("ctrl+n")
        await wait_idle(pilot)
        assert screen.current == "platforms"
        assert list(platform_list.selected) == ["linux/amd64", "linux/arm64"]
        assert screen.plan.platforms == ("linux/amd64", "linux/arm64")

    drive(RsdockApp(workspace), scenario)


def test_invalid_combination_is_explained_where_made_and_blocks_writing(workspace: Path):
    async def scenario(pilot):
        screen = await goto(pilot, "runtime")
        await choose(pilot, "runtime", "distroless")
        await goto(pilot, "platforms")
        platform_list = screen.query_one("#platform-list")
        platform_list.focus()
        await pilot.press(*["down"] * 7, "space")  # tick linux/riscv64
        await wait_idle(pilot)
        problems = screen.query_one("#step-platforms").query_one(ProblemList)
        assert problems.has_class("-has-problems")
        assert "riscv64" in problems.render().plain
        assert "platforms" in screen.query_one(StepList).troubled
        assert screen.preview.changes == () and screen.preview.problems
        runtime_problems = screen.query_one("#step-runtime").query_one(ProblemList)
        assert "riscv64" in runtime_problems.render().plain  # shown where distroless was chosen
        await goto(pilot, "write")
        assert screen.query_one("#write").disabled

    drive(RsdockApp(workspace), scenario)


def test_differing_file_asks_and_keep_leaves_it(workspace: Path):
    (workspace / "Dockerfile").write_text("FROM scratch\n")

    async def scenario(pilot):
        screen = await goto(pilot, "write")
        await pilot.click("#write")
        await wait_idle(pilot)
        assert isinstance(pilot.app.screen, ConfirmOverwriteScreen)
        assert [c.path for c in pilot.app.screen.changes] == ["Dockerfile"]
        await pilot.click("#keep")
        await wait_idle(pilot)
        assert screen.written.kept == ("Dockerfile",)

    drive(RsdockApp(workspace), scenario)
    assert (workspace / "Dockerfile").read_text() == "FROM scratch\n"
    assert (workspace / "Dockerfile.web").exists() and (workspace / "rsdock.toml").exists()


def test_differing_file_overwritten_after_consent(workspace: Path):
    (workspace / "Dockerfile").write_text("FROM scratch\n")

    async def scenario(pilot):
        await goto(pilot, "write")
        await pilot.click("#write")
        await wait_idle(pilot)
        await pilot.click("#overwrite")
        await wait_idle(pilot)

    drive(RsdockApp(workspace), scenario)
    assert "cargo chef" in (workspace / "Dockerfile").read_text()


def test_no_workspace_offers_a_copy_of_the_example(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    example_parent = tmp_path / "copies"
    example_parent.mkdir()

    async def scenario(pilot):
        assert isinstance(pilot.app.screen, ErrorScreen)
        assert "Cargo.toml" in pilot.app.screen.message
        await pilot.click("#example")
        await wait_idle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, WizardScreen)
        assert screen.session.example and screen.session.root == example_parent / "workspace"
        await goto(pilot, "write")
        await pilot.click("#write")
        await wait_idle(pilot)

    drive(RsdockApp(empty, example_parent=example_parent), scenario)
    assert (example_parent / "workspace" / "Dockerfile").exists()
    assert not (resources.example_workspace() / "Dockerfile").exists()


def test_no_workspace_quit_returns_1(tmp_path: Path):
    async def scenario(pilot):
        await pilot.click("#quit")
        await pilot.pause()

    app = drive(RsdockApp(tmp_path), scenario)
    assert app.return_code == 1


def test_broken_manifest_is_a_located_dialog(workspace: Path):
    (workspace / "Cargo.toml").write_text("[workspace\n")

    async def scenario(pilot):
        assert isinstance(pilot.app.screen, ErrorScreen)
        assert "Cargo.toml:1" in pilot.app.screen.message

    drive(RsdockApp(workspace), scenario)


def test_help_opens_and_closes_and_quit_is_clean(workspace: Path):
    async def scenario(pilot):
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, WizardScreen)
        await pilot.press("ctrl+q")  # nothing written yet: it asks first
        await pilot.pause()
        assert pilot.app.screen.id == "quit-question"
        await pilot.press("ctrl+q")  # a second Ctrl+Q quits

    app = drive(RsdockApp(workspace), scenario)
    assert app.return_code == 0
    assert not (workspace / "Dockerfile").exists()


def test_step_list_jumps_with_keyboard(workspace: Path):
    async def scenario(pilot):
        screen = pilot.app.screen
        await pilot.press("ctrl+t", "down", "down", "down", "enter")
        await wait_idle(pilot)
        assert screen.current == "runtime"

    drive(RsdockApp(workspace), scenario)


def test_image_fields_edit_the_plan(workspace: Path):
    async def scenario(pilot):
        screen = await goto(pilot, "images")
        field = screen.query_one("#image-name")
        field.focus()
        await pilot.press(*"ghcr.io/acme/server")
        await wait_idle(pilot)
        server = next(i for i in screen.plan.images if i.name == "server")
        assert server.image == "ghcr.io/acme/server"
        screen.query_one("#image-list").focus()
        await pilot.press("down", "space")  # untick migrate
        await wait_idle(pilot)
        assert [i.name for i in screen.plan.images] == ["server", "web"]
        assert "Dockerfile.migrate" not in [c.path for c in screen.preview.changes]

    drive(RsdockApp(workspace), scenario)


def test_unreadable_file_in_the_way_is_a_dialog_not_a_traceback(workspace: Path):
    (workspace / "Dockerfile").mkdir()

    async def scenario(pilot):
        assert isinstance(pilot.app.screen, ErrorScreen)
        assert "Dockerfile is a directory" in pilot.app.screen.message
        await pilot.click("#back")
        await wait_idle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, WizardScreen)
        await goto(pilot, "write")
        assert screen.query_one("#write").disabled
        # The same error is not reported again on every answer.
        await goto(pilot, "cache")
        await choose(pilot, "cache", "local")
        assert isinstance(pilot.app.screen, WizardScreen)

    drive(RsdockApp(workspace), scenario)


def test_tui_command_help_and_entry_point():
    import tomllib

    from rsdock.wizard.commands import tui as tui_cmd

    with pytest.raises(SystemExit) as exit_info:
        tui_cmd.main(["--help"])
    assert exit_info.value.code == 0
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["rsdock-tui"] == "rsdock.wizard.commands.tui:main"


def test_reopening_starts_from_rsdock_toml(workspace: Path):
    async def write_with_ghcr(pilot):
        screen = await goto(pilot, "registry")
        await choose(pilot, "registry", "ghcr")
        await goto(pilot, "write")
        await pilot.click("#write")
        await wait_idle(pilot)
        assert screen.written is not None
        await goto(pilot, "cache")
        await choose(pilot, "cache", "local")
        assert screen.written is None  # the report of the last write is gone once answers change
        assert "Next steps" not in screen.query_one("#write-result").render().plain

    async def reopen(pilot):
        screen = pilot.app.screen
        assert screen.plan.registry == "ghcr" and screen.plan.cache == "gha"
        assert {c.status for c in screen.preview.changes} == {"same"}

    drive(RsdockApp(workspace), write_with_ghcr)
    drive(RsdockApp(workspace), reopen)


def test_broken_rsdock_toml_is_a_dialog_then_defaults(workspace: Path):
    (workspace / "rsdock.toml").write_text("[plan\n")

    async def scenario(pilot):
        assert isinstance(pilot.app.screen, ErrorScreen)
        assert "rsdock.toml" in pilot.app.screen.message
        await pilot.click("#ok")
        await wait_idle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, WizardScreen) and screen.plan.runtime == "debian-slim"

    drive(RsdockApp(workspace), scenario)


def test_unreadable_workspace_is_a_located_dialog(monkeypatch, workspace: Path):
    def refuse(path):
        raise PermissionError(13, "Permission denied", str(workspace / "Cargo.toml"))

    monkeypatch.setattr("rsdock.lint.model.cargo.scan", refuse)

    async def scenario(pilot):
        assert isinstance(pilot.app.screen, ErrorScreen)
        assert pilot.app.screen.message == (f"{workspace / 'Cargo.toml'}: error: Permission denied"
                                            "\n  hint: check the path and its permissions")

    drive(RsdockApp(workspace), scenario)


def test_a_failed_write_is_a_located_dialog(monkeypatch, workspace: Path):
    def full(root, result, *, overwrite, backup=None):
        raise OSError(28, "No space left on device", str(root / "Dockerfile"))

    monkeypatch.setattr("rsdock.wizard.generate.review.write", full)

    async def scenario(pilot):
        await goto(pilot, "write")
        await pilot.click("#write")
        await wait_idle(pilot)
        assert isinstance(pilot.app.screen, ErrorScreen)
        assert pilot.app.screen.message == (
            f"{workspace / 'Dockerfile'}: error: No space left on device\n"
            "  hint: check the permissions and free space, then press Write")

    drive(RsdockApp(workspace), scenario)
    assert not (workspace / "Dockerfile").exists()
