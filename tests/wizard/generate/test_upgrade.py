"""The upgrade module (issue 22): the three-way merge, what is rsdock's part of a file, the
record in rsdock.toml, and the TUI's write step (review.preview/write) after an upgrade."""

from __future__ import annotations

import pytest

from rsdock import fs
from rsdock.errors import UserError
from rsdock.wizard.edit.backup import list_backups, verified_backup, write_hook
from rsdock.wizard.generate import answers, review, upgrade
from tests.wizard.commands import test_init_upgrade
from tests.wizard.commands.test_init_upgrade import (  # noqa: F401  (the autouse fixture)
    ENTRYPOINT, HEALTHCHECK, NEW_CHEF, OLD_CHEF, WORKFLOW, edit, no_terminal)

ws = test_init_upgrade.ws  # the fixture: the example workspace as an older rsdock generated it

BASE = "a\nb\nc\nd\ne\nf\n"


@pytest.mark.parametrize("mine, new, merged, conflicts", [
    # one side changed a region: that side
    ("a\nB\nc\nd\ne\nf\n", BASE, "a\nB\nc\nd\ne\nf\n", 0),
    (BASE, "a\nb\nc\nd\nE\nf\n", "a\nb\nc\nd\nE\nf\n", 0),
    # both changed different regions: both
    ("a\nB\nc\nd\ne\nf\n", "a\nb\nc\nd\nE\nf\n", "a\nB\nc\nd\nE\nf\n", 0),
    # both made the same change: once
    ("a\nX\nc\nd\ne\nf\n", "a\nX\nc\nd\nE\nf\n", "a\nX\nc\nd\nE\nf\n", 0),
    # an insertion at the top and one at the bottom
    ("top\n" + BASE, BASE + "end\n", "top\n" + BASE + "end\n", 0),
    # both changed one line differently: a conflict, the user's lines first
    ("a\nB\nc\nd\ne\nf\n", "a\nX\nc\nd\ne\nf\n",
     "a\n<<<<<<< yours\nB\n=======\nX\n>>>>>>> rsdock\nc\nd\ne\nf\n", 1),
    # a deletion against a change of the same line: a conflict
    ("a\nc\nd\ne\nf\n", "a\nX\nc\nd\ne\nf\n",
     "a\n<<<<<<< yours\n=======\nX\n>>>>>>> rsdock\nc\nd\ne\nf\n", 1),
    # a file without a final newline still merges line by line
    ("a\nb\nc\nd\ne\nf", "a\nb\nc\nd\nE\nf\n", "a\nb\nc\nd\nE\nf\n", 0),
])
def test_merge3_follows_merge_file(mine, new, merged, conflicts):
    assert upgrade.merge3(BASE, mine, new) == (merged, conflicts)


def test_owned_leaves_out_kept_blocks_and_the_project_section():
    rendered = "FROM x\nRUN a\n"
    kept = "FROM x\n# rsdock:keep\n# rsdock:replaces RUN a\nRUN b\n# rsdock:end\n"
    assert upgrade.digest(kept, "Dockerfile") == upgrade.digest(rendered, "Dockerfile")
    assert upgrade.digest("FROM x\r\nRUN a\r\n", "Dockerfile") == upgrade.digest(rendered,
                                                                                  "Dockerfile")
    assert upgrade.digest("FROM x\nRUN c\n", "Dockerfile") != upgrade.digest(rendered,
                                                                             "Dockerfile")
    ignore = "target/\n# rsdock:project (note)\n.env\n# rsdock:end-project\n!keep\n"
    mine = "target/\n# rsdock:project (note)\n.env\nsecrets/\n# rsdock:end-project\n!keep\n"
    assert upgrade.owned(ignore, ".dockerignore") == (
        "target/\n# rsdock:project (note)\n# rsdock:end-project\n!keep\n")
    assert upgrade.digest(mine, ".dockerignore") == upgrade.digest(ignore, ".dockerignore")
    assert upgrade.digest(mine.replace("target/", "tgt/"), ".dockerignore") != upgrade.digest(
        ignore, ".dockerignore")


def test_a_bad_generated_table_is_a_located_error(ws):
    config = ws / "rsdock.toml"
    text = config.read_text().replace('rsdock = "0.0.9"', "rsdock = 9")
    with pytest.raises(UserError) as error:
        answers.loads(text, "rsdock.toml")
    assert "[generated]" in error.value.message
    assert error.value.line == text.splitlines().index("[generated]") + 1


def test_the_journal_may_name_the_stored_render_and_nothing_else_under_rsdock():
    assert fs.rsdock_writes(fs.RENDERS)
    assert not fs.rsdock_writes(".rsdock/journal.json")
    assert not fs.rsdock_writes(".rsdock/last-render.json.gz/x")
    assert not fs.rsdock_writes("sub/.rsdock/last-render.json.gz")


def test_the_tui_write_step_upgrades_merges_and_asks_only_about_conflicts(ws):
    edit(ws / "Dockerfile", OLD_CHEF, OLD_CHEF.replace("0.1.70", "0.1.75"))  # a conflict
    edit(ws / "Dockerfile.web", "FROM", "# mine\nFROM")  # merges cleanly
    plan = answers.load_for_rendering(ws)
    preview = review.preview(ws, plan, hadolint=False)
    how = {c.path: c.how for c in preview.changes if c.status != "same"}
    assert how == {"Dockerfile": "conflict", "Dockerfile.web": "merged", WORKFLOW: "upgrade"}
    assert [c.path for c in preview.overwrites] == ["Dockerfile"]
    edited = (ws / "Dockerfile").read_text()
    result = review.write(ws, preview, overwrite=False, backup=write_hook)
    assert result.kept == ("Dockerfile",)
    assert (ws / "Dockerfile").read_text() == edited  # declined: untouched
    web = (ws / "Dockerfile.web").read_text()
    assert "# mine\nFROM" in web and NEW_CHEF in web
    assert "timeout-minutes: 90" in (ws / WORKFLOW).read_text()
    [folder] = list_backups(ws)
    assert list(verified_backup(folder)) == ["Dockerfile.web"]
    # The declined file keeps its old record, so the next run still merges it; the merged one
    # is now the user's edit of what rsdock writes (drift, no upgrade left).
    again = review.preview(ws, answers.load_for_rendering(ws), hadolint=False)
    assert {c.path: c.how for c in again.changes if c.status != "same"} == {
        "Dockerfile": "conflict", "Dockerfile.web": ""}


def test_the_changelog_the_upgrade_message_points_to_has_this_version():
    """`init --check` names CHANGELOG.md's "Generated files" section of the running version."""
    from tests.tools import REPO

    text = (REPO / "CHANGELOG.md").read_text()
    section = text.split(f"\n## {upgrade.version()}", 1)
    assert len(section) == 2, f"CHANGELOG.md has no section for {upgrade.version()}"
    assert "\n### Generated files\n" in section[1].split("\n## ", 1)[0]


def test_the_review_says_an_upgrade_or_a_merge_as_such():
    from rsdock.wizard.generate import keep

    for how in (upgrade.UPGRADE, upgrade.MERGED, upgrade.CONFLICT):
        note = keep.review_note("differs", "FROM x\n", "Dockerfile", how)
        assert "writing replaces it" not in note and note
    assert "writing replaces it" in keep.review_note("differs", "FROM x\n", "Dockerfile")


def test_a_planted_gzip_bomb_is_not_expanded():
    import gzip

    bomb = gzip.compress(b'{"Dockerfile": "' + b"A" * (upgrade.MAX_RENDERS_BYTES + 10) + b'"}')
    assert len(bomb) < fs.MAX_READ_BYTES
    assert upgrade.unpack(bomb) == {}
    assert upgrade.unpack(b"not gzip") == {}
    assert upgrade.unpack(upgrade.pack({"Dockerfile": "FROM x\n"})) == {"Dockerfile": "FROM x\n"}
    assert upgrade.pack({"a": "b"}) == upgrade.pack({"a": "b"})  # stable bytes for git


def test_the_stored_render_is_rolled_forward_with_the_files_after_a_kill(tmp_path):
    """The render is in the files' transaction: a run killed past the commit point leaves a
    journal naming it, and the next run finishes it with the files (all new, both)."""
    from tests.test_fs import _count_steps, _killed_at

    (tmp_path / "Dockerfile").write_text("FROM old\n")
    new = {"Dockerfile": "FROM new\n", fs.RENDERS: upgrade.pack({"Dockerfile": "FROM new\n"})}

    def write():
        fs.write_files(tmp_path, new)

    steps = _count_steps(write)
    (tmp_path / "Dockerfile").write_text("FROM old\n")
    (tmp_path / fs.RENDERS).unlink()
    import os

    assert os.WIFSIGNALED(_killed_at(steps - 3, write))
    assert (tmp_path / fs.JOURNAL).exists()
    with fs.Transaction(tmp_path) as tx:
        assert tx.notes[0].startswith("finished an interrupted write of an earlier run")
    assert (tmp_path / "Dockerfile").read_text() == "FROM new\n"
    assert upgrade.unpack((tmp_path / fs.RENDERS).read_bytes()) == {"Dockerfile": "FROM new\n"}
