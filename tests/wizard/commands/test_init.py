"""`rsdock init`: exit codes, exact files written, refusals that write nothing, diffs, --check."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rsdock import resources
from rsdock.cli import main
from rsdock.lint.model.cargo import scan
from rsdock.fs import RENDERS
from rsdock.wizard.generate import answers as config, upgrade
from rsdock.wizard.generate.defaults import default_plan
from rsdock.wizard.generate.render import render
from tests.tools import copy_example

PLATFORMS = "linux/amd64,linux/arm64,linux/arm/v7"


@pytest.fixture
def ws(tmp_path):
    """A private copy of the bundled example workspace."""
    return copy_example(tmp_path, "ws")


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    # Tests never talk to a terminal unless they say so.
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def expected_files(root: Path, **choices) -> dict[str, str]:
    plan = default_plan(scan(root), **choices)
    files = render(plan)
    # rsdock.toml records what it rendered (the upgrade path: wizard/generate/upgrade.py)
    files[config.CONFIG_NAME] = config.dumps(plan, None, upgrade.record_of(files))
    return files


def test_yes_writes_exactly_the_rendered_files_and_next_steps(ws, capsys):
    before = snapshot(ws)
    expected = expected_files(ws)
    assert main(["init", str(ws), "--yes"]) == 0
    after = snapshot(ws)
    stored = after.pop(RENDERS)  # the last render, compressed, for the next upgrade's merge
    assert upgrade.unpack(stored) == {k: v for k, v in expected.items()
                                      if k != config.CONFIG_NAME}
    added = {path: after[path].decode() for path in set(after) - set(before)}
    assert added == expected
    assert {path: after[path] for path in before} == before
    out = capsys.readouterr().out
    assert "created: Dockerfile\n" in out
    assert "DOCKERHUB_USERNAME" in out and "DOCKERHUB_TOKEN" in out
    # One Dockerfile for both binaries: each image is its final stage.
    for args in ("Dockerfile --target server", "Dockerfile --target migrate", "Dockerfile.web"):
        assert f"docker buildx build --platform {PLATFORMS} -f {args} .\n" in out + "\n"


def test_second_run_changes_nothing(ws, capsys):
    assert main(["init", str(ws), "--yes"]) == 0
    before = snapshot(ws)
    assert main(["init", str(ws), "--yes"]) == 0
    assert snapshot(ws) == before
    assert "(0 new, 0 changed, 6 unchanged)" in capsys.readouterr().out


def test_differing_file_is_refused_with_a_diff_and_nothing_is_written(ws, capsys):
    (ws / "Dockerfile").write_text("FROM scratch\n")
    before = snapshot(ws)
    assert main(["init", str(ws), "--yes"]) == 1
    assert snapshot(ws) == before  # not even the new files
    captured = capsys.readouterr()
    # the summary's notes (no git repository here) come first, then the refused file's diff
    diff = "".join(line for line in captured.out.splitlines(keepends=True)
                   if not line.startswith("note: "))
    assert diff.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
    assert "-FROM scratch\n" in captured.out
    assert "refusing to overwrite files that differ" in captured.err
    assert "--force" in captured.err


def test_a_first_write_over_the_projects_dockerignore_says_it_is_the_first(ws, capsys):
    # xline-kv/Xline@71479a4fabdd (and ckb, firecracker): the project's own .dockerignore and no
    # rsdock.toml; init said rsdock.toml "was written before rsdock kept one"
    (ws / ".dockerignore").write_text("debug/\ntarget/\n")
    assert not (ws / "rsdock.toml").exists()
    assert main(["init", str(ws), "--yes"]) == 1
    out = capsys.readouterr().out
    assert "written before rsdock kept one" not in out
    assert "note: rsdock has not written here before (there is no rsdock.toml), so the files " \
           "that exist already are yours" in out
    assert "(.dockerignore)" in out


def test_force_overwrites(ws, capsys):
    (ws / "Dockerfile").write_text("FROM scratch\n")
    assert main(["init", str(ws), "--yes", "--force"]) == 0
    assert (ws / "Dockerfile").read_text() == expected_files(ws)["Dockerfile"]
    assert "overwrote: Dockerfile" in capsys.readouterr().out


def test_dry_run_prints_new_files_and_diffs_and_writes_nothing(ws, capsys):
    (ws / "Dockerfile").write_text("FROM scratch\n")
    before = snapshot(ws)
    assert main(["init", str(ws), "--yes", "--dry-run"]) == 0
    assert snapshot(ws) == before
    out = capsys.readouterr().out
    expected = expected_files(ws)
    assert f"==> Dockerfile.web (new) <==\n{expected['Dockerfile.web']}" in out
    assert "==> Dockerfile (differs: --force to overwrite) <==\n--- a/Dockerfile\n" in out
    assert out.endswith("dry run: nothing was written (5 new, 1 changed, 0 unchanged)\n")


def test_dry_run_says_what_ci_will_do_per_image_and_platform(capsys):
    assert main(["init", "--example", "--yes", "--dry-run", "--strategy", "native",
                 "--runtime", "scratch"]) == 0
    out = capsys.readouterr().out
    table = out[out.index("CI per workflow run"):].splitlines()
    assert table[1].split() == ["image", "platform", "runner", "compiles", "emulated"]
    assert table[2].split() == ["server", "linux/amd64", "ubuntu-24.04", "1", "no"]
    assert table[3].split() == ["server", "linux/arm64", "ubuntu-24.04-arm", "1", "no"]
    assert table[4].split() == ["server", "linux/arm/v7", "ubuntu-24.04", "1", "no"]
    assert "0 of 9 legs emulate a stage" in out
    assert main(["init", "--example", "--yes", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "server   linux/arm64   ubuntu-latest  1         no" in out
    assert "0 of 9 legs emulate a stage" in out
    assert "migrate  linux/arm64   ubuntu-latest  0         no" in out  # server's build did it
    assert ("total: 3 workspace compiles (linux/amd64 1, linux/arm64 1, linux/arm/v7 1) + 1 "
            "wasm build (web 1: trunk; WebAssembly is the same on every platform)") in out


def test_a_large_workspace_says_what_it_left_out(capsys):
    from tests.tools import REPO

    large = REPO / "tests" / "fixtures" / "workspaces" / "large_workspace"
    assert main(["init", str(large), "--yes", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("left out 7 of 12 binaries that look like tooling")
    assert "  xtask: the package 'xtask' is a cargo xtask (dev tooling, by convention)\n" in out
    assert "==> Dockerfile (new) <==" in out and "--bin xtask" not in out
    assert "cargo build --release --target \"$TARGET_TRIPLE\" --bin admin --bin gateway --bin migrate --bin proto --bin worker" in out


def test_example_dry_run_reads_the_bundled_example_and_leaves_no_copy(capsys):
    example = snapshot(resources.example_workspace())
    assert main(["init", "--example", "--yes", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"reading the bundled example workspace: {resources.example_workspace()}\n")
    assert "==> Dockerfile (new) <==" in out
    assert snapshot(resources.example_workspace()) == example


def test_example_writes_into_a_temporary_copy(capsys):
    example = snapshot(resources.example_workspace())
    assert main(["init", "--example", "--yes"]) == 0
    out = capsys.readouterr().out
    copy = Path(re.match(r"working on a copy of the example workspace: (.+)\n", out).group(1))
    assert copy.is_dir() and copy != resources.example_workspace()
    assert (copy / "rsdock.toml").exists() and (copy / "Dockerfile").exists()
    assert snapshot(resources.example_workspace()) == example
    shutil.rmtree(copy.parent)


def test_flags_reach_the_plan_and_rsdock_toml(ws, capsys):
    args = ["init", str(ws), "--yes", "--bin", "server", "--platform", "linux/amd64,linux/arm64",
            "--runtime", "distroless", "--registry", "ghcr", "--cache", "registry",
            "--pin-actions", "tag", "--image", "server=ghcr.io/acme/server"]
    assert main(args) == 0
    plan = config.load(ws)
    assert [i.name for i in plan.images] == ["server"]
    assert plan.images[0].image == "ghcr.io/acme/server"
    assert (plan.platforms, plan.runtime, plan.registry, plan.cache, plan.pin_actions) == (
        ("linux/amd64", "linux/arm64"), "distroless", "ghcr", "registry", "tag")
    assert not (ws / "Dockerfile.web").exists()
    out = capsys.readouterr().out
    assert "No secret to create" in out and "DOCKERHUB_TOKEN" not in out
    assert "docker buildx build --platform linux/amd64,linux/arm64 -f Dockerfile --target server ." in out


def test_existing_rsdock_toml_is_the_base_and_its_lint_table_survives(ws):
    assert main(["init", str(ws), "--yes", "--runtime", "alpine"]) == 0
    lint = "[lint]\nignore = ['RS101']  # kept\n"
    path = ws / "rsdock.toml"
    path.write_text(path.read_text() + "\n" + lint)
    assert main(["init", str(ws), "--yes", "--cache", "inline", "--force"]) == 0
    plan = config.load(ws)
    assert (plan.runtime, plan.cache) == ("alpine", "inline")
    assert path.read_text().endswith("\n" + lint)


def test_check(ws, capsys):
    assert main(["init", str(ws), "--check"]) == 2
    assert f"{ws / 'rsdock.toml'}: error: no rsdock.toml" in capsys.readouterr().err
    assert main(["init", str(ws), "--yes"]) == 0
    capsys.readouterr()
    assert main(["init", str(ws), "--check"]) == 0
    assert capsys.readouterr().out.startswith("up to date: 5 file(s) match")
    dockerfile = ws / "Dockerfile.web"
    dockerfile.write_text(dockerfile.read_text().replace("FROM", "from", 1))
    before = snapshot(ws)
    assert main(["init", str(ws), "--check"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("--- a/Dockerfile.web\n+++ b/Dockerfile.web\n")
    assert "1 file(s) drift from rsdock.toml: Dockerfile.web" in captured.err
    assert snapshot(ws) == before
    (ws / ".dockerignore").unlink()
    assert main(["init", str(ws), "--check"]) == 1
    assert "--- /dev/null\n+++ b/.dockerignore\n" in capsys.readouterr().out


def test_check_reports_a_bad_rsdock_toml_with_its_line(ws, capsys):
    assert main(["init", str(ws), "--yes"]) == 0
    path = ws / "rsdock.toml"
    text = path.read_text().replace('runtime = "debian-slim"', 'runtime = "busybox"')
    path.write_text(text)
    capsys.readouterr()
    assert main(["init", str(ws), "--check"]) == 2
    line = text.splitlines().index('runtime = "busybox"') + 1
    assert f"{path}:{line}: error: runtime: unknown runtime 'busybox'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bin", "backend"], "--bin 'backend': no binary or web app of that name"),
        (["--image", "server"], "--image 'server' is not NAME=REF"),
        (["--image", "worker=acme/worker"], "--image 'worker': no chosen image"),
        (["--image", "server=Bad_Name:UPPER"],
         "--image 'server=Bad_Name:UPPER': 'Bad_Name' in 'Bad_Name:UPPER' has uppercase"),
        (["--image", "server=ghcr.io/acme/server:1.0"], "has a tag (':1.0')"),
        (["--platform", "linux/sparc"], "'linux/sparc' is not a platform"),
        (["--runtime", "busybox"], "unknown runtime 'busybox'"),
        (["--check", "--bin", "server"], "--bin cannot be used with it"),
        (["--example"], "--example and PATH"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(ws, capsys, args, message):
    before = snapshot(ws)
    assert main(["init", str(ws), "--yes", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert snapshot(ws) == before


def test_unknown_bin_error_lists_the_real_names(ws, capsys):
    assert main(["init", str(ws), "--yes", "--bin", "backend"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{ws / 'Cargo.toml'}: error: ")
    assert "hint: choose from: server, migrate, web" in err


def test_no_workspace_here_suggests_the_example(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "not a cargo project" in err
    assert "rsdock init --example --dry-run --yes" in err


def test_without_yes_and_without_a_terminal_asks_for_yes(ws, capsys):
    assert main(["init", str(ws)]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert not (ws / "Dockerfile").exists()


def test_on_a_terminal_the_prompts_choose_the_plan(ws, monkeypatch, capsys):
    import rsdock.wizard.prompts.ask as prompts

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    seen = {}

    def answer(workspace, defaults):
        seen["defaults"] = defaults
        return defaults.with_changes(images=defaults.images[:1], runtime="scratch")

    monkeypatch.setattr(prompts, "ask_plan", answer)
    assert main(["init", str(ws), "--platform", "linux/amd64"]) == 0
    assert seen["defaults"].platforms == ("linux/amd64",)
    plan = config.load(ws)
    assert ([i.name for i in plan.images], plan.runtime) == (["server"], "scratch")
    monkeypatch.setattr(prompts, "ask_plan", lambda workspace, defaults: None)
    before = snapshot(ws)
    assert main(["init", str(ws)]) == 1
    assert snapshot(ws) == before
    assert "cancelled" in capsys.readouterr().out


def test_real_process_run(ws):
    result = subprocess.run(
        [sys.executable, "-m", "rsdock", "init", str(ws), "--yes"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "created: .github/workflows/docker.yml" in result.stdout
    (ws / "Dockerfile").write_text("FROM scratch\n")
    result = subprocess.run(
        [sys.executable, "-m", "rsdock", "init", str(ws), "--yes"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert "+++ b/Dockerfile" in result.stdout
    assert "Traceback" not in result.stderr


def test_rsdock_toml_naming_a_vanished_binary_is_located(ws, capsys):
    assert main(["init", str(ws), "--yes"]) == 0
    path = ws / "rsdock.toml"
    text = path.read_text().replace('name = "migrate"', 'name = "worker"')
    path.write_text(text)
    capsys.readouterr()
    before = snapshot(ws)
    assert main(["init", str(ws), "--yes"]) == 2
    line = text.splitlines().index('name = "worker"') + 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{line}: error: image 'worker' is not a binary or web app")
    assert "the workspace has: server, migrate, web" in err
    assert snapshot(ws) == before
    assert main(["init", str(ws), "--yes", "--bin", "server", "--force"]) == 0


@pytest.mark.parametrize("command", [["--check"], ["--yes", "--force"]])
def test_a_package_typo_in_rsdock_toml_is_the_error_not_drift(ws, capsys, command):
    assert main(["init", str(ws), "--yes"]) == 0
    path = ws / "rsdock.toml"
    text = path.read_text().replace('package = "server"', 'package = "srever"', 1)
    path.write_text(text)
    capsys.readouterr()
    before = snapshot(ws)
    assert main(["init", str(ws), *command]) == 2
    out, err = capsys.readouterr()
    line = text.splitlines().index('package = "srever"') + 1
    assert err.startswith(f"{path}:{line}: error: image 'server' has package = 'srever', but "
                          "the workspace's server is in package 'server'")
    assert 'hint: write package = "server"' in err
    assert "drift" not in out + err and "+++" not in out
    assert snapshot(ws) == before


def test_an_image_on_ghcr_makes_the_login_ghcr_when_no_registry_is_given(ws, capsys):
    assert main(["init", str(ws), "--yes", "--image", "server=ghcr.io/acme/server"]) == 0
    out = capsys.readouterr().out
    assert "note: registry = 'ghcr': the --image references are on ghcr.io" in out
    workflow = (ws / ".github/workflows/docker.yml").read_text()
    assert "registry: ghcr.io" in workflow and "DOCKERHUB" not in workflow
    assert 'registry = "ghcr"' in (ws / "rsdock.toml").read_text()


def test_an_image_on_another_registry_than_the_login_is_refused_with_the_fix(ws, capsys):
    before = snapshot(ws)
    assert main(["init", str(ws), "--yes", "--registry", "dockerhub",
                 "--image", "server=ghcr.io/acme/server"]) == 2
    err = capsys.readouterr().err
    assert ("image 'server': ghcr.io/acme/server is on ghcr.io, but the workflow logs in to "
            "docker.io (registry = 'dockerhub'): the push would be refused; choose the ghcr "
            "registry (--registry ghcr), or name the image on docker.io (acme/server)") in err
    assert main(["init", str(ws), "--yes", "--image", "server=quay.io/acme/server"]) == 2
    assert "rsdock's workflow logs in to docker.io or ghcr.io only" in capsys.readouterr().err
    assert snapshot(ws) == before


def test_edit_to_docker_hub_refuses_to_leave_ghcr_image_names(ws, capsys):
    assert main(["init", str(ws), "--yes", "--image", "server=ghcr.io/acme/server"]) == 0
    before = snapshot(ws)
    capsys.readouterr()
    assert main(["edit", str(ws), "--registry", "dockerhub", "--yes"]) == 1
    out = capsys.readouterr()
    assert "names images on another registry" in out.out + out.err
    assert snapshot(ws) == before


REG = 'source = "registry+https://github.com/rust-lang/crates.io-index"'
AWS_LC_LOCK = f"""version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["aws-lc-rs"]

[[package]]
name = "aws-lc-rs"
version = "1.13.0"
{REG}
dependencies = ["aws-lc-sys"]

[[package]]
name = "aws-lc-sys"
version = "0.29.0"
{REG}
dependencies = ["cc", "cmake"]

[[package]]
name = "cc"
version = "1.2.0"
{REG}

[[package]]
name = "cmake"
version = "0.1.54"
{REG}
"""


def test_default_platforms_the_workspace_cannot_build_are_left_out_and_said(tmp_path, capsys):
    # lldap in the first-hour trial: aws-lc-sys has no armv7 bindings, and `init --yes` refused
    # the default platforms nobody had chosen.
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n\n[dependencies]\naws-lc-rs = "1"\n')
    (root / "Cargo.lock").write_text(AWS_LC_LOCK)
    assert main(["init", str(root), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "note: left out linux/arm/v7: app cannot be built for linux/arm/v7: aws-lc-sys " \
           "ships no bindings for armv7" in out and "(--platform chooses the platforms)" in out
    assert config.load(root).platforms == ("linux/amd64", "linux/arm64")
    # Chosen by hand, the platform is refused with the reason, as before.
    assert main(["init", str(root), "--yes", "--force", "--platform", "linux/arm/v7"]) == 1
    assert "aws-lc-sys ships no bindings" in capsys.readouterr().err


def test_aws_lc_sys_with_universal_bindings_keeps_armv7_and_adds_no_cmake(tmp_path, capsys):
    # aws-lc-sys 0.40 through aws-lc-rs (lldap's lock holds it): the cc builder with the
    # universal bindings needs only the target's C compiler on armv7 (ccrates.toml's range).
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n\n[dependencies]\naws-lc-rs = "1"\n')
    (root / "Cargo.lock").write_text(AWS_LC_LOCK.replace('"0.29.0"', '"0.40.0"').replace(
        '"1.13.0"', '"1.15.4"'))
    assert main(["init", str(root), "--yes"]) == 0
    assert "left out linux/arm/v7" not in capsys.readouterr().out
    assert "linux/arm/v7" in config.load(root).platforms
    dockerfile = (root / "Dockerfile").read_text()
    assert "cmake" not in dockerfile and "libclang" not in dockerfile
