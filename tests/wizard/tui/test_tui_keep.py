"""The wizard and hand edits: the review says how to keep a differing file's edit, a kept block
counts as no drift, and writing new answers keeps the blocks (issue 13)."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.wizard.tui.app import RsdockApp
from tests.wizard.tui.snapshot_app import drive, screen_text, settle
from tests.wizard.tui.test_tui import choose, goto

HEALTHCHECK = "HEALTHCHECK CMD [\"/usr/local/bin/server\", \"--health\"]\n"
ENTRYPOINT = 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/server"]\n'


@pytest.fixture
def workspace(example_copy: Path, monkeypatch) -> Path:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["init", str(example_copy), "--yes"]) == 0
    dockerfile = example_copy / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(ENTRYPOINT, HEALTHCHECK + ENTRYPOINT))
    return example_copy


async def _diff_of(pilot, path: str) -> str:
    screen = await goto(pilot, "review")
    pane = screen.query_one("ReviewPane")
    pane.selected_path = path
    pane._show_file()
    screen.query_one("#review-tabs").active = "tab-diff"
    await settle(pilot)
    # The page's right column, as one line of words: the left column, borders and scroll bars
    # dropped, so wrapped text reads through.
    rows = [line.split("│", 1)[1] for line in screen_text(pilot.app).splitlines() if "│" in line]
    return " ".join(re.sub(r"[\u2500-\u259f]", " ", " ".join(rows)).split())


def test_the_review_says_how_to_keep_an_edit_then_counts_the_kept_block(workspace, capsys):
    seen = {}

    async def unmarked(pilot):
        screen = pilot.app.screen
        status = {c.path: c.status for c in screen.preview.changes}
        assert status["Dockerfile"] == "differs"
        seen["unmarked"] = await _diff_of(pilot, "Dockerfile")

    drive(RsdockApp(workspace), unmarked)
    assert "To keep a hand edit, put `# rsdock:keep` and `# rsdock:end` lines around it" \
        in seen["unmarked"]

    assert main(["init", str(workspace), "--keep", "--yes"]) == 0

    async def marked(pilot):
        screen = pilot.app.screen
        assert {c.status for c in screen.preview.changes} == {"same"}
        seen["marked"] = await _diff_of(pilot, "Dockerfile")
        # New answers: the workflow changes, the Dockerfile keeps its block.
        await goto(pilot, "cache")
        await choose(pilot, "cache", "registry")
        await goto(pilot, "write")
        await pilot.click("#write")
        await settle(pilot)
        if pilot.app.screen is not screen:  # the question before overwriting the workflow
            await pilot.click("#overwrite")
            await settle(pilot)
        assert screen.written is not None

    drive(RsdockApp(workspace), marked)
    assert "Identical to the file on disk. 1 kept block(s)" in seen["marked"]
    assert f"# rsdock:keep\n{HEALTHCHECK}# rsdock:end\n{ENTRYPOINT}" in \
        (workspace / "Dockerfile").read_text()
    assert "type=registry" in (workspace / ".github/workflows/docker.yml").read_text()
    capsys.readouterr()
    assert main(["init", str(workspace), "--check"]) == 0
