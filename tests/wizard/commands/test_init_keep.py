"""Hand edits kept across regeneration, end to end through the CLI (issue 13): a HEALTHCHECK
added to a Dockerfile and a changed `timeout-minutes` in the workflow survive `init --check`,
`init` with new answers, `rsdock edit` and lint; a block with nowhere to go is a located error."""

from __future__ import annotations

import io
import sys

import pytest

from rsdock.cli import main
from tests.tools import copy_example
from tests.wizard.commands.test_init import snapshot

WORKFLOW = ".github/workflows/docker.yml"
HEALTHCHECK = 'HEALTHCHECK --interval=30s CMD ["/usr/local/bin/server", "--health"]\n'
ENTRYPOINT = 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/server"]\n'


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


@pytest.fixture
def ws(tmp_path, capsys):
    """The example workspace, generated, then edited by hand in the two ways of the issue."""
    root = copy_example(tmp_path, "ws")
    assert main(["init", str(root), "--yes"]) == 0
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(ENTRYPOINT, HEALTHCHECK + ENTRYPOINT))
    workflow = root / WORKFLOW
    text = workflow.read_text()
    # The web job's timeout: both jobs (the binaries', the web app's) have the same line.
    head, tail = text.split("  web:\n")
    workflow.write_text(head + "  web:\n" + tail.replace("timeout-minutes: 90",
                                                         "timeout-minutes: 150", 1))
    capsys.readouterr()
    return root


def _timeouts(root) -> list[str]:
    """The build jobs' timeouts (the signing jobs' 10 minutes left out)."""
    return [line.strip() for line in (root / WORKFLOW).read_text().splitlines()
            if line.strip().startswith("timeout-minutes") and line.strip() != "timeout-minutes: 10"]


def test_drift_names_the_way_to_keep_an_edit(ws, capsys):
    assert main(["init", str(ws), "--check"]) == 1
    err = capsys.readouterr().err
    assert "2 file(s) drift from rsdock.toml: .github/workflows/docker.yml, Dockerfile" in err
    assert f"to keep a deliberate edit, run `rsdock init {ws} --keep --yes`" in err
    assert "`# rsdock:keep` ... `# rsdock:end`" in err


def test_the_keep_command_the_drift_hint_names_runs_as_given_without_a_terminal(ws, capsys):
    # issue 26 item 11: the hint said `rsdock init --keep`, which without a terminal then
    # demanded --yes; the hint is the whole command now, PATH included.
    import re
    import shlex

    assert main(["init", str(ws), "--check"]) == 1
    command = re.search(r"run `(rsdock init [^`]*--keep[^`]*)`", capsys.readouterr().err)[1]
    assert main(shlex.split(command)[1:]) == 0
    assert main(["init", str(ws), "--check"]) == 0


def test_keep_marks_both_edits_then_check_passes_and_regeneration_keeps_them(ws, capsys):
    assert main(["init", str(ws), "--keep", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "2 edit(s) to keep: .github/workflows/docker.yml:" in out
    dockerfile = (ws / "Dockerfile").read_text()
    assert f"USER 10001:10001\n# rsdock:keep\n{HEALTHCHECK}# rsdock:end\n{ENTRYPOINT}" \
        in dockerfile
    workflow = (ws / WORKFLOW).read_text()
    assert ("    # rsdock:keep\n    # rsdock:replaces timeout-minutes: 90\n"
            "    timeout-minutes: 150\n    # rsdock:end\n") in workflow
    assert main(["init", str(ws), "--check"]) == 0
    assert "with 2 kept block(s)" in capsys.readouterr().out

    # New answers: two platforms, another runtime. The edits stay; --check still passes.
    assert main(["init", str(ws), "--yes", "--force", "--platform", "linux/amd64,linux/arm64",
                 "--runtime", "distroless"]) == 0
    dockerfile = (ws / "Dockerfile").read_text()
    assert "linux/arm/v7" not in dockerfile and "gcr.io/distroless" in dockerfile
    assert f"# rsdock:keep\n{HEALTHCHECK}# rsdock:end\n{ENTRYPOINT}" in dockerfile
    assert _timeouts(ws) == ["timeout-minutes: 90", "timeout-minutes: 150"]
    capsys.readouterr()
    assert main(["init", str(ws), "--check"]) == 0

    # rsdock edit: a platform added minimally, the runtime switched by regenerating.
    assert main(["edit", str(ws), "--add-platform", "linux/arm/v7", "--yes"]) == 0
    assert main(["edit", str(ws), "--runtime", "debian-slim", "--yes"]) == 0
    dockerfile = (ws / "Dockerfile").read_text()
    assert "debian:bookworm-slim" in dockerfile and "linux/arm/v7" in dockerfile
    assert f"USER 10001:10001\n# rsdock:keep\n{HEALTHCHECK}# rsdock:end\n" in dockerfile
    assert "timeout-minutes: 150" in _timeouts(ws)
    capsys.readouterr()
    assert main(["init", str(ws), "--check"]) == 0

    # And the result is clean under rsdock's own rules and hadolint.
    capsys.readouterr()
    assert main(["lint", str(ws)]) == 0, capsys.readouterr().out


def test_markers_written_by_hand_work_the_same(ws, capsys):
    dockerfile = ws / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(
        HEALTHCHECK, f"# rsdock:keep the load balancer probes it\n{HEALTHCHECK}# rsdock:end\n"))
    assert main(["init", str(ws), "--check"]) == 1
    assert "1 file(s) drift from rsdock.toml: .github/workflows/docker.yml" in \
        capsys.readouterr().err


def test_a_block_with_nowhere_to_go_is_a_located_error_and_nothing_is_written(ws, capsys):
    assert main(["init", str(ws), "--keep", "--yes"]) == 0
    # A hand-written block replacing a line rsdock does not write (any more).
    workflow = ws / WORKFLOW
    workflow.write_text(workflow.read_text().replace(
        "# rsdock:replaces timeout-minutes: 90", "# rsdock:replaces timeout-minutes: 45"))
    before = snapshot(ws)
    capsys.readouterr()
    assert main(["init", str(ws), "--check"]) == 2
    err = capsys.readouterr().err
    assert f"{ws / WORKFLOW}:" in err and "replaces the generated line `timeout-minutes: 45`" \
        in err and "Traceback" not in err
    # A block after linux/arm/v7's case arm: without that platform the arm and the lines
    # around it are gone.
    workflow.write_text(workflow.read_text().replace("timeout-minutes: 45",
                                                     "timeout-minutes: 90"))
    arm = "      linux/arm/v7) arch=armhf ;; \\\n"
    dockerfile = ws / "Dockerfile"
    text = dockerfile.read_text().replace(arm, arm + "# rsdock:keep\n# mine\n# rsdock:end\n")
    dockerfile.write_text(text)
    line = text.splitlines().index("# mine")
    before = snapshot(ws)
    assert main(["init", str(ws), "--yes", "--force", "--platform", "linux/amd64"]) == 2
    err = capsys.readouterr().err
    assert f"{dockerfile}:{line}: error: this kept block no longer applies: it follows " \
        "the generated line `linux/arm/v7) arch=armhf ;; \\`, which rsdock no longer " \
        "generates" in err
    assert snapshot(ws) == before


def test_keep_without_a_terminal_asks_for_yes_and_writes_nothing(ws, capsys):
    before = snapshot(ws)
    assert main(["init", str(ws), "--keep"]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert snapshot(ws) == before


def test_keep_with_nothing_to_keep_and_with_flags(tmp_path, capsys):
    root = copy_example(tmp_path, "ws")
    assert main(["init", str(root), "--yes"]) == 0
    capsys.readouterr()
    assert main(["init", str(root), "--keep"]) == 0
    assert capsys.readouterr().out.startswith("nothing to keep")
    assert main(["init", str(root), "--keep", "--runtime", "alpine"]) == 2
    assert "--runtime cannot be used with it" in capsys.readouterr().err


def test_a_misplaced_marker_is_reported_at_its_line(ws, capsys):
    dockerfile = ws / "Dockerfile"
    text = dockerfile.read_text().replace(HEALTHCHECK, "# rsdock:keep\n" + HEALTHCHECK)
    dockerfile.write_text(text)
    line = text.splitlines().index("# rsdock:keep") + 1
    assert main(["init", str(ws), "--check"]) == 2
    err = capsys.readouterr().err
    assert f"{dockerfile}:{line}: error: the block opened by `# rsdock:keep` never ends" in err


def test_a_block_in_one_final_stage_of_a_shared_dockerfile_follows_that_image(tmp_path, capsys):
    # server and migrate are final stages of one Dockerfile, both ending `USER 10001:10001`:
    # the block is server's, kept when migrate goes, an error when server goes.
    root = copy_example(tmp_path, "ws")
    assert main(["init", str(root), "--yes"]) == 0
    dockerfile = root / "Dockerfile"
    text = dockerfile.read_text()
    assert text.count("USER 10001:10001\n") == 2
    server = "COPY --from=builder /out/server /usr/local/bin/server\nUSER 10001:10001\n"
    marked = text.replace(server, server + "# rsdock:keep\n" + HEALTHCHECK + "# rsdock:end\n")
    dockerfile.write_text(marked)
    line = marked.splitlines().index("# rsdock:keep") + 1
    before = snapshot(root)
    capsys.readouterr()
    assert main(["init", str(root), "--yes", "--force", "--bin", "migrate", "--bin", "web"]) == 2
    assert f"{dockerfile}:{line}: error: this kept block no longer applies" in \
        capsys.readouterr().err
    assert snapshot(root) == before
    assert main(["init", str(root), "--yes", "--force", "--bin", "server", "--bin", "web"]) == 0
    text = dockerfile.read_text()
    assert "AS migrate" not in text
    assert server + "# rsdock:keep\n" + HEALTHCHECK + "# rsdock:end\n" in text
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 0
