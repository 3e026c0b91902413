"""Pilot tests of rsdock-tui's edit mode on temp copies of the hand-written fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.lint.engine.fix import unified_diff
from rsdock.wizard.edit import backup
from rsdock.wizard.tui.app import RsdockApp
from rsdock.wizard.tui.screens.edit_help_screen import EditHelpScreen
from rsdock.wizard.tui.screens.edit_screen import EditScreen
from rsdock.wizard.tui.screens.error_screen import ErrorScreen
from rsdock.wizard.tui.screens.proposal_screen import ProposalScreen
from rsdock.wizard.tui.screens.question_screen import QuestionScreen
from rsdock.wizard.tui.screens.wizard_screen import WizardScreen
from rsdock.wizard.tui.widgets.choice_list import ChoiceList
from rsdock.wizard.tui.widgets.finding_list import FindingList
from rsdock.wizard.tui.widgets.plan_view import PlanView
from tests.wizard.tui.snapshot_app import drive, wait_idle
from tests.tools import copy_handwritten

WORKFLOW = ".github/workflows/docker.yml"


fixture = copy_handwritten  # fixture(tmp_path, "shop"): a private copy of a fixture


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes, to prove what was (not) written."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await wait_idle(pilot)


async def highlight(pilot, rule: str, line: int) -> None:
    """Put the findings cursor on ``rule`` at ``line``, with the keyboard."""
    await press(pilot, "2")
    findings = pilot.app.screen.query_one(FindingList)
    for _ in range(len(findings.findings) + 5):  # bounded: a broken list fails, never hangs
        current = findings.highlighted_finding
        if current is not None and (current.rule, current.line) == (rule, line):
            return
        await press(pilot, "down")
    raise AssertionError(f"{rule} at line {line} not in the findings")


def plan_shown(screen: EditScreen) -> str:
    return screen.query_one(PlanView).text.plain


def test_opens_in_edit_mode_with_the_plan_and_the_findings_per_file(tmp_path):
    root = fixture(tmp_path, "research")

    async def scenario(pilot):
        screen = pilot.app.screen
        assert isinstance(screen, EditScreen)
        shown = plan_shown(screen)
        assert "linux/amd64, linux/arm64, linux/arm/v7" in shown
        assert "from .github/workflows/docker.yml:32" in shown
        assert "debian-slim" in shown and "from Dockerfile:42" in shown
        findings = screen.query_one(FindingList)
        ids = [findings.get_option_at_index(i).id for i in range(findings.option_count)]
        # every file edit mode reads has its heading, the .dockerignore too (its fixes count)
        assert ids[:2] == ["file:.dockerignore", f"file:{WORKFLOW}"] and "file:Dockerfile" in ids
        # each finding sits under its own file's heading
        dockerfile_at = ids.index("file:Dockerfile")
        assert all(screen.state.findings[int(i.split(":")[1])].path == "Dockerfile"
                   for i in ids[dockerfile_at + 1:])
        assert len([i for i in ids if i.startswith("finding:")]) == len(screen.state.findings)
        assert {f.rule for f in screen.state.findings} >= {"RS412", "RS413", "RS410"}
        # RS404's fix (skip the login on pull requests) is unsafe: not counted as safe
        status = str(screen.query_one("#edit-status").visual)
        assert "✎ 6 safe fix(es), ✎! 1 unsafe (asks)" in status

    drive(RsdockApp(root, edit_existing=True), scenario)


def test_unknown_fields_are_shown_as_unknown_with_the_reason(tmp_path):
    root = fixture(tmp_path, "relay")

    async def scenario(pilot):
        shown = plan_shown(pilot.app.screen)
        assert "unknown: no `case \"$TARGETPLATFORM\"` in a RUN" in shown
        assert "debian-slim" in shown

    drive(RsdockApp(root, edit_existing=True), scenario)


def test_fixing_one_finding_changes_exactly_its_lines_after_consent(tmp_path):
    root = fixture(tmp_path, "research")
    before = snapshot(root)

    async def scenario(pilot):
        await highlight(pilot, "RS413", 13)
        await press(pilot, "f")
        assert isinstance(pilot.app.screen, ProposalScreen)
        assert snapshot(root) == before  # shown, not written
        await press(pilot, "w")
        assert isinstance(pilot.app.screen, EditScreen)
        assert "RS413" not in {f.rule for f in pilot.app.screen.state.findings}

    drive(RsdockApp(root, edit_existing=True), scenario)
    old = before[WORKFLOW].decode()
    new = (root / WORKFLOW).read_text()
    assert unified_diff(WORKFLOW, old, new) == (
        "--- a/.github/workflows/docker.yml\n"
        "+++ b/.github/workflows/docker.yml\n"
        "@@ -11,6 +11,8 @@\n"
        "     steps:\n"
        "       - name: Checkout\n"
        "         uses: actions/checkout@v4\n"
        "+        with:\n"
        "+          persist-credentials: false\n"
        "       \n"
        "       - name: Set up QEMU\n"
        "         uses: docker/setup-qemu-action@v3\n")
    [folder] = backup.list_backups(root)
    assert backup.backed_up_files(folder) == [WORKFLOW]
    assert (folder / (WORKFLOW + ".bak")).read_bytes() == before[WORKFLOW]
    after = snapshot(root)
    assert {p for p in after if after[p] != before.get(p)} == {
        WORKFLOW, f"{folder.relative_to(root).as_posix()}/{WORKFLOW}.bak",
        f"{folder.relative_to(root).as_posix()}/manifest.json",
        ".rsdock/.gitignore"}  # the backups are not for git (issue 26 item 9)


def test_fix_all_safe_then_relint_shows_none_of_the_fixed_findings(tmp_path):
    root = fixture(tmp_path, "research")

    async def scenario(pilot):
        screen = pilot.app.screen
        fixed = {(f.rule, f.message) for f in screen.state.fixable}
        assert len(fixed) >= 5
        await press(pilot, "a", "w")
        assert isinstance(pilot.app.screen, EditScreen)
        remaining = {(f.rule, f.message) for f in screen.state.findings}
        assert not fixed & remaining
        assert not screen.state.fixable
        assert "Backup: .rsdock/backup/" in str(screen.query_one("#edit-status").visual)

    drive(RsdockApp(root, edit_existing=True), scenario)
    assert len(backup.list_backups(root)) == 1


def test_a_finding_without_a_fix_offers_nothing_to_write(tmp_path):
    root = fixture(tmp_path, "research")
    before = snapshot(root)

    async def scenario(pilot):
        await highlight(pilot, "RS412", 3)
        await press(pilot, "f")
        assert isinstance(pilot.app.screen, EditScreen)

    drive(RsdockApp(root, edit_existing=True), scenario)
    assert snapshot(root) == before


async def tick_platform(pilot, name: str) -> None:
    await press(pilot, "3")
    selection = pilot.app.screen.query_one("#edit-platforms")
    assert selection.has_focus
    names = [selection.get_option_at_index(i).value for i in range(selection.option_count)]
    await press(pilot, *["down"] * names.index(name), "space")


def test_adding_a_platform_shows_the_diff_and_writes_only_after_confirmation(tmp_path):
    root = fixture(tmp_path, "shop")
    before = snapshot(root)
    shown = {}

    async def scenario(pilot):
        await tick_platform(pilot, "linux/arm/v7")
        await press(pilot, "v")
        dialog = pilot.app.screen
        assert isinstance(dialog, ProposalScreen) and dialog.writable
        assert "+      gcc-arm-linux-gnueabihf \\" in dialog.proposal.diff()
        assert str(dialog.query_one("#proposal-diff").visual) == dialog.proposal.diff()
        await press(pilot, "escape")  # cancel: nothing written
        assert isinstance(pilot.app.screen, EditScreen)
        assert snapshot(root) == before
        await press(pilot, "v")
        shown.update({e.path: e.new for e in pilot.app.screen.proposal.changed})
        await press(pilot, "w")
        assert pilot.app.screen.state.inferred.platforms.value == (
            "linux/amd64", "linux/arm64", "linux/arm/v7")

    drive(RsdockApp(root, edit_existing=True), scenario)
    assert set(shown) == {"Dockerfile", ".github/workflows/release.yml"}
    for path, text in shown.items():
        assert (root / path).read_text() == text
    assert (root / "Dockerfile.frontend").read_bytes() == before["Dockerfile.frontend"]


def test_a_refused_edit_shows_the_lines_to_add_by_hand_and_writes_nothing(tmp_path):
    root = fixture(tmp_path, "shop")
    before = snapshot(root)

    async def scenario(pilot):
        await press(pilot, "3")
        cache = pilot.app.screen.query_one("#edit-cache", ChoiceList)
        cache.focus()
        await wait_idle(pilot)
        target = [c.value for c in cache.choices].index("local")
        await press(pilot, *["down"] * (target - cache.highlighted), "enter", "v")
        dialog = pilot.app.screen
        assert isinstance(dialog, ProposalScreen) and not dialog.writable
        refusals = str(dialog.query_one("#proposal-refusals").visual)
        assert ".github/workflows/release.yml:39: cannot edit safely" in refusals
        assert "cache-to: type=local" in refusals
        assert not dialog.query("#write")
        await press(pilot, "w")  # no write from a refusal, even by key
        assert pilot.app.screen is dialog
        await press(pilot, "escape")

    drive(RsdockApp(root, edit_existing=True), scenario)
    assert snapshot(root) == before


def test_undo_restores_and_discarding_removes_the_backups(tmp_path):
    root = fixture(tmp_path, "research")
    original = (root / WORKFLOW).read_bytes()

    async def scenario(pilot):
        await press(pilot, "a", "w")
        assert (root / WORKFLOW).read_bytes() != original
        await press(pilot, "u")
        assert isinstance(pilot.app.screen, QuestionScreen)
        await pilot.click("#yes")
        await wait_idle(pilot)
        assert (root / WORKFLOW).read_bytes() == original
        assert len(pilot.app.screen.state.fixable) == 6  # RS404's fix is unsafe
        await press(pilot, "d")
        assert isinstance(pilot.app.screen, QuestionScreen)
        await press(pilot, "escape")  # cancelled: the backup stays
        assert backup.list_backups(root)
        await press(pilot, "d")
        await pilot.click("#yes")
        await wait_idle(pilot)
        assert "No backups kept" in str(pilot.app.screen.query_one("#edit-status").visual)

    drive(RsdockApp(root, edit_existing=True), scenario)
    assert not (root / ".rsdock").exists()


def test_a_file_rsdock_cannot_parse_is_a_located_dialog_with_a_way_out(tmp_path):
    root = fixture(tmp_path, "research")
    # a broken workflow that builds images is refused (one naming no docker action is skipped)
    (root / WORKFLOW).write_text("jobs:\n  build: [unclosed\n    uses: docker/build-push-action@v6\n")

    async def scenario(pilot):
        dialog = pilot.app.screen
        assert isinstance(dialog, ErrorScreen)
        assert dialog.message.startswith(f"{WORKFLOW}:")
        await pilot.click("#fresh")
        await wait_idle(pilot)
        assert isinstance(pilot.app.screen, WizardScreen)

    drive(RsdockApp(root, edit_existing=True), scenario)


def test_n_starts_the_fresh_setup_wizard_and_f1_lists_the_edit_keys(tmp_path):
    root = fixture(tmp_path, "shop")

    async def scenario(pilot):
        await press(pilot, "f1")
        assert isinstance(pilot.app.screen, EditHelpScreen)
        assert any(key == "f" for key, _ in pilot.app.screen.KEYS)
        await press(pilot, "escape", "n")
        assert isinstance(pilot.app.screen, WizardScreen)

    drive(RsdockApp(root, edit_existing=True), scenario)


@pytest.mark.parametrize("edit_existing", [True, False])
def test_a_workspace_without_files_or_without_asking_opens_the_wizard(tmp_path, edit_existing):
    root = fixture(tmp_path, "shop")
    if edit_existing:
        for path in ("Dockerfile", "Dockerfile.frontend", ".github/workflows/release.yml"):
            (root / path).unlink()

    async def scenario(pilot):
        assert isinstance(pilot.app.screen, WizardScreen)

    drive(RsdockApp(root, edit_existing=edit_existing), scenario)


@pytest.mark.parametrize("argv, expected", [([], True), (["--new"], False)])
def test_rsdock_tui_edits_existing_files_unless_new(monkeypatch, tmp_path, argv, expected):
    from rsdock.wizard.commands import tui as tui_cmd

    seen = {}

    def fake_run(app):
        seen["edit"] = app.edit_existing
        return 0

    monkeypatch.setattr(RsdockApp, "run", fake_run)
    assert tui_cmd.main([str(tmp_path), *argv]) == 0
    assert seen["edit"] is expected


def test_enter_on_a_finding_offers_its_fix(tmp_path):
    root = fixture(tmp_path, "research")

    async def scenario(pilot):
        await highlight(pilot, "RS404", 22)
        await press(pilot, "enter")
        # RS404's fix is unsafe: asked first (Cancel is the default), then its diff
        assert pilot.app.screen.title_text == "Apply an unsafe fix (RS404)?"
        await press(pilot, "shift+tab", "enter")
        dialog = pilot.app.screen
        assert isinstance(dialog, ProposalScreen)
        assert dialog.title_text == f"Fix RS404 at {WORKFLOW}:22 (unsafe)"
        await press(pilot, "escape")

    drive(RsdockApp(root, edit_existing=True), scenario)


def test_a_file_changed_on_disk_after_the_diff_is_not_overwritten(tmp_path):
    root = fixture(tmp_path, "research")

    async def scenario(pilot):
        await press(pilot, "a")
        assert isinstance(pilot.app.screen, ProposalScreen)
        (root / WORKFLOW).write_text((root / WORKFLOW).read_text() + "# edited meanwhile\n")
        await press(pilot, "w")
        dialog = pilot.app.screen
        assert isinstance(dialog, ErrorScreen)
        assert dialog.message.startswith(f"{WORKFLOW}: error: this file changed")

    drive(RsdockApp(root, edit_existing=True), scenario)
    assert (root / WORKFLOW).read_text().endswith("# edited meanwhile\n")
    assert not (root / ".rsdock").exists()


def test_an_impossible_plan_change_is_a_dialog_with_the_way_out(tmp_path):
    root = fixture(tmp_path, "shop")
    before = snapshot(root)

    async def scenario(pilot):
        await tick_platform(pilot, "linux/riscv64")
        await press(pilot, "v")
        dialog = pilot.app.screen
        assert isinstance(dialog, ErrorScreen)
        assert "linux/riscv64 has no debian:bookworm-slim image" in dialog.message
        assert "hint:" in dialog.message

    drive(RsdockApp(root, edit_existing=True), scenario)
    assert snapshot(root) == before


def test_failed_writes_restores_and_discards_are_located_dialogs(monkeypatch, tmp_path):
    root = fixture(tmp_path, "shop")
    messages = []

    async def dismissed(pilot) -> None:
        assert isinstance(pilot.app.screen, ErrorScreen)
        messages.append(pilot.app.screen.message)
        await press(pilot, "escape")

    async def scenario(pilot):
        await tick_platform(pilot, "linux/arm/v7")
        await press(pilot, "v", "w")  # one real write, so there is a backup to restore
        folder = pilot.app.screen.last_backup
        assert folder is not None

        def no_space(root, proposal):
            raise OSError(28, "No space left on device", str(root / "Dockerfile"))

        def undecodable(root, folder):
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

        def busy(root):
            raise OSError(16, "Device or resource busy")

        monkeypatch.setattr("rsdock.wizard.tui.screens.edit_screen.apply", no_space)
        monkeypatch.setattr(backup, "restore_backup", undecodable)
        monkeypatch.setattr(backup, "discard_backups", busy)
        await tick_platform(pilot, "linux/arm/v7")  # untick: the diff removes it again
        await press(pilot, "v", "w")
        await dismissed(pilot)
        await press(pilot, "u")
        await pilot.click("#yes")
        await wait_idle(pilot)
        await dismissed(pilot)
        await press(pilot, "d")
        await pilot.click("#yes")
        await wait_idle(pilot)
        await dismissed(pilot)
        messages.append(folder)

    drive(RsdockApp(root, edit_existing=True), scenario)
    folder = messages.pop()
    assert messages == [
        f"{root / 'Dockerfile'}: error: No space left on device\n"
        "  hint: check the permissions and free space",
        f"{folder}: error: 'utf-8' codec can't decode byte 0xff in position 0: invalid start "
        "byte\n  hint: copy the .bak files back by hand",
        ".rsdock/backup: error: Device or resource busy\n  hint: delete the folder by hand",
    ]
