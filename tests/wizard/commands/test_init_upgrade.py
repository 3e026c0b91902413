"""Upgrading rsdock (issue 22): files rendered by an older template set, then `rsdock init` with
today's. Untouched files follow the new templates without asking, hand-edited ones are merged
three ways (a conflict only with consent), kept blocks survive, `init --check` exits 3, `--keep`
never keeps rsdock's own change, and nothing of the user's is ever lost (a backup first)."""

from __future__ import annotations

import io
import shutil
import sys

import pytest

from rsdock import resources
from rsdock.cli import main
from rsdock.fs import RENDERS
from rsdock.wizard.edit.backup import list_backups, verified_backup
from rsdock.wizard.generate import templating, upgrade
from tests.test_exit_codes import table as exit_table
from tests.tools import copy_example

WORKFLOW = ".github/workflows/docker.yml"
NEW_CHEF = "RUN cargo install cargo-chef --locked --version 0.1.77\n"
OLD_CHEF = "RUN cargo install cargo-chef --locked --version 0.1.70\n"
NEW_TIMEOUT, OLD_TIMEOUT = "timeout-minutes: 90", "timeout-minutes: 60"
ENTRYPOINT = 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/server"]\n'
HEALTHCHECK = 'HEALTHCHECK --interval=30s CMD ["/usr/local/bin/server", "--health"]\n'
KEPT = f"# rsdock:keep\n{HEALTHCHECK}# rsdock:end\n"


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def old_templates(tmp_path):
    """Today's templates as rsdock "0.0.9" had them: an older cargo-chef pin and CI timeout."""
    folder = tmp_path / "templates-0.0.9"
    shutil.copytree(resources.templates_dir(), folder)
    chef = folder / "chef-stage.j2"
    chef.write_text(chef.read_text().replace("--version [[ chef_version ]]", "--version 0.1.70"))
    job = folder / "workflow-cross-job.j2"
    assert NEW_TIMEOUT in job.read_text()
    job.write_text(job.read_text().replace(NEW_TIMEOUT, OLD_TIMEOUT))
    return folder


@pytest.fixture
def ws(tmp_path, capsys, monkeypatch):
    """The example workspace as rsdock 0.0.9 generated it; rsdock is today's again after."""
    root = copy_example(tmp_path, "ws")
    with monkeypatch.context() as old:
        old.setattr(templating, "templates_dir", lambda: old_templates(tmp_path))
        old.setattr(upgrade, "version", lambda: "0.0.9")
        templating.environment.cache_clear()
        assert main(["init", str(root), "--yes"]) == 0
    templating.environment.cache_clear()
    assert OLD_CHEF in (root / "Dockerfile").read_text()
    assert 'rsdock = "0.0.9"' in (root / "rsdock.toml").read_text()
    capsys.readouterr()
    return root


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out + out.err


def edit(path, old, new, count=1):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))


def test_untouched_files_follow_the_new_templates_without_asking(ws, capsys):
    code, out = run(capsys, "init", str(ws), "--yes")
    assert code == 0, out
    assert NEW_CHEF in (ws / "Dockerfile").read_text()
    assert NEW_TIMEOUT in (ws / WORKFLOW).read_text()
    assert "upgraded (untouched since rsdock wrote it): Dockerfile" in out
    assert f'rsdock = "{upgrade.version()}"' in (ws / "rsdock.toml").read_text()
    assert list_backups(ws) == []  # nothing of the user's was changed
    assert run(capsys, "init", str(ws), "--check")[0] == 0


def test_check_gives_the_upgrade_exit_code_and_names_the_version(ws, capsys):
    code, out = run(capsys, "init", str(ws), "--check")
    [row] = [c for c, text in exit_table().items() if "renders them differently" in text]
    assert code == row == 3, out
    assert (f"rsdock {upgrade.version()} renders these files differently from rsdock 0.0.9"
            in out)
    assert "run `rsdock init` to upgrade" in out and "CHANGELOG.md" in out
    assert "drift from rsdock.toml" not in out


def test_check_tells_hand_drift_from_an_upgrade(ws, capsys):
    edit(ws / "Dockerfile", ENTRYPOINT, HEALTHCHECK + ENTRYPOINT)
    code, out = run(capsys, "init", str(ws), "--check")
    assert code == 1, out
    assert "1 file(s) drift from rsdock.toml: Dockerfile" in out
    assert "rsdock 0.0.9" in out  # the workflow is still only rsdock's change


def test_edits_that_do_not_overlap_merge_cleanly_with_a_backup(ws, capsys):
    edit(ws / "Dockerfile", ENTRYPOINT, HEALTHCHECK + ENTRYPOINT)
    edited = (ws / "Dockerfile").read_text()
    code, out = run(capsys, "init", str(ws), "--yes")
    assert code == 0, out
    text = (ws / "Dockerfile").read_text()
    assert HEALTHCHECK + ENTRYPOINT in text and NEW_CHEF in text and OLD_CHEF not in text
    assert "<<<<<<<" not in text
    assert "merged (your edits kept, rsdock's changes applied): Dockerfile" in out
    [folder] = list_backups(ws)
    assert verified_backup(folder) == {"Dockerfile": edited.encode()}
    # The next run knows the merge is what rsdock wrote plus the user's line: drift, no upgrade.
    code, out = run(capsys, "init", str(ws), "--check")
    assert code == 1 and "renders these files differently" not in out


def test_overlapping_edits_conflict_and_are_written_only_with_consent(ws, capsys):
    edit(ws / "Dockerfile", OLD_CHEF, OLD_CHEF.replace("0.1.70", "0.1.75"))
    before = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    code, out = run(capsys, "init", str(ws), "--yes")
    assert code == 1, out
    assert "<<<<<<< yours (Dockerfile)" in out and "+>>>>>>> rsdock" in out
    assert "refusing to overwrite" in out and "overlap" in out
    assert {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()} == before
    code, out = run(capsys, "init", str(ws), "--yes", "--force")
    assert code == 0, out
    text = (ws / "Dockerfile").read_text()
    assert ("<<<<<<< yours (Dockerfile)\n" + OLD_CHEF.replace("0.1.70", "0.1.75") + "=======\n"
            + NEW_CHEF + f">>>>>>> rsdock {upgrade.version()} (Dockerfile)\n") in text
    assert "wrote with 1 conflict(s) to resolve" in out
    [folder] = list_backups(ws)
    assert verified_backup(folder)["Dockerfile"] == before[ws / "Dockerfile"]


def test_kept_blocks_survive_the_upgrade(ws, capsys):
    edit(ws / "Dockerfile", ENTRYPOINT, KEPT + ENTRYPOINT)
    code, out = run(capsys, "init", str(ws), "--yes")
    assert code == 0, out
    text = (ws / "Dockerfile").read_text()
    assert KEPT + ENTRYPOINT in text and NEW_CHEF in text
    assert "upgraded (untouched since rsdock wrote it): Dockerfile" in out  # the block is yours
    assert run(capsys, "init", str(ws), "--check")[0] == 0


def test_keep_never_captures_the_template_change(ws, capsys):
    code, out = run(capsys, "init", str(ws), "--keep", "--yes")
    assert code == 0, out
    assert "rsdock:keep" not in (ws / "Dockerfile").read_text()
    assert "--keep keeps only your edits" in out
    # With a hand edit too, only the hand edit is marked; the upgrade stays for `rsdock init`.
    edit(ws / "Dockerfile", ENTRYPOINT, HEALTHCHECK + ENTRYPOINT)
    code, out = run(capsys, "init", str(ws), "--keep", "--yes")
    assert code == 0, out
    text = (ws / "Dockerfile").read_text()
    assert KEPT + ENTRYPOINT in text and OLD_CHEF in text
    assert text.count("# rsdock:keep") == 1
    assert run(capsys, "init", str(ws), "--check")[0] == 3
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    assert NEW_CHEF in (ws / "Dockerfile").read_text()
    assert run(capsys, "init", str(ws), "--check")[0] == 0


def test_a_project_without_a_record_loses_nothing(ws, capsys):
    """Generated before rsdock recorded its renders: an unknown baseline, said, never merged."""
    config = ws / "rsdock.toml"
    config.write_text(upgrade.without_record(config.read_text()))
    (ws / RENDERS).unlink()
    edit(ws / "Dockerfile", ENTRYPOINT, HEALTHCHECK + ENTRYPOINT)
    code, out = run(capsys, "init", str(ws), "--check")
    assert code == 1 and "no [generated] record" in out
    code, out = run(capsys, "init", str(ws), "--yes")
    assert code == 1 and "no [generated] record" in out
    assert HEALTHCHECK in (ws / "Dockerfile").read_text()
    code, out = run(capsys, "init", str(ws), "--yes", "--force")
    assert code == 0
    [folder] = list_backups(ws)
    assert HEALTHCHECK.encode() in verified_backup(folder)["Dockerfile"]
    assert "[generated]" in config.read_text()
    assert run(capsys, "init", str(ws), "--check")[0] == 0


def test_without_the_stored_render_untouched_files_still_upgrade(ws, capsys):
    """A fresh clone that did not commit .rsdock/last-render.json.gz: the digests still say
    which files are untouched; an edited one cannot be merged and is not overwritten."""
    (ws / RENDERS).unlink()
    edit(ws / WORKFLOW, "name:", "# my note\nname:")
    code, out = run(capsys, "init", str(ws), "--yes")
    assert code == 1, out
    assert "last-render.json.gz" in out and ".github/workflows/docker.yml" in out
    edit(ws / WORKFLOW, "# my note\nname:", "name:")
    code, out = run(capsys, "init", str(ws), "--yes")
    assert code == 0, out
    assert NEW_CHEF in (ws / "Dockerfile").read_text()


def test_a_stored_render_that_disagrees_with_the_record_is_not_trusted(ws, capsys):
    """A stale render holding the user's own edit would make the edit look like rsdock's
    text, and the merge would drop it: one that does not match the digest is never used."""
    edit(ws / "Dockerfile", ENTRYPOINT, HEALTHCHECK + ENTRYPOINT)
    stored = upgrade.unpack((ws / RENDERS).read_bytes())
    stored["Dockerfile"] = (ws / "Dockerfile").read_text()
    (ws / RENDERS).write_bytes(upgrade.pack(stored))
    code, out = run(capsys, "init", str(ws), "--yes")
    assert code == 1, out  # not merged against a render rsdock.toml does not vouch for
    assert HEALTHCHECK in (ws / "Dockerfile").read_text()
    assert "last-render.json.gz" in out


def test_an_upgrade_keeps_an_edit_made_before_it(ws, capsys):
    code, out = run(capsys, "edit", str(ws), "--remove-platform", "linux/arm/v7", "--yes")
    assert code == 0, out
    assert "rsdock 0.0.9 wrote these files" in out  # the edit says an upgrade is pending
    code, out = run(capsys, "init", str(ws), "--yes")
    assert code == 0, out
    text = (ws / "Dockerfile").read_text()
    assert "linux/arm/v7" not in text and NEW_CHEF in text
    assert run(capsys, "init", str(ws), "--check")[0] == 0


def test_an_edit_after_the_upgrade_keeps_it(ws, capsys):
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    code, out = run(capsys, "edit", str(ws), "--remove-platform", "linux/arm/v7", "--yes")
    assert code == 0 and "wrote these files" not in out
    assert NEW_CHEF in (ws / "Dockerfile").read_text()
    assert NEW_TIMEOUT in (ws / WORKFLOW).read_text()
    assert run(capsys, "init", str(ws), "--check")[0] == 0


def test_dry_run_says_what_the_upgrade_would_do_and_writes_nothing(ws, capsys):
    edit(ws / "Dockerfile", ENTRYPOINT, HEALTHCHECK + ENTRYPOINT)
    edit(ws / "Dockerfile.web", OLD_CHEF, OLD_CHEF.replace("0.1.70", "0.1.75"))
    before = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    code, out = run(capsys, "init", str(ws), "--yes", "--dry-run")
    assert code == 0, out
    assert f"==> {WORKFLOW} (would be upgraded (untouched since rsdock wrote it)) <==" in out
    assert "==> Dockerfile (would be merged (your edits kept" in out
    assert ("==> Dockerfile.web (1 conflict(s) between your edits and rsdock's changes: "
            "--force writes them with <<<<<<< markers) <==") in out
    assert {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()} == before
