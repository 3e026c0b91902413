"""What the workspace imposes on the generated files: toolchain file, target-dir, Cargo.lock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rsdock.errors import UserError
from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate.defaults import default_plan
from rsdock.wizard.generate.plan import version_key
from rsdock.wizard.generate.render import CHEF_MIN_RUST, notes, render
from tests.tools import stage

MANIFEST = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n{extra}'


def workspace(tmp_path: Path, files: dict[str, str], *, lock: bool = True,
              extra: str = "") -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(MANIFEST.format(extra=extra))
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    if lock:
        (root / "Cargo.lock").write_text("version = 4\n")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def dockerfile(root: Path, **choices) -> str:
    return render(default_plan(scan(root), **choices))["Dockerfile"]


def test_the_toolchain_file_pins_the_builder_and_is_copied_before_rustup(tmp_path):
    root = workspace(tmp_path, {"rust-toolchain.toml": '[toolchain]\nchannel = "1.85.0"\n'})
    text = dockerfile(root)
    assert "FROM --platform=$BUILDPLATFORM rust:1.85.0-slim-bookworm AS chef" in text
    chef = stage(text, "chef")
    copies = [list(c.value) for c in chef.instructions if c.cmd == "COPY"]
    assert copies == [["rust-toolchain.toml", "./"]]
    builder = stage(text, "builder")
    assert builder.base == "chef" and "rustup target add" in "".join(
        c.value[0] for c in builder.instructions if c.cmd == "RUN")


def _chef_install_rust(text: str) -> str:
    """The Rust version that runs ``cargo install cargo-chef`` in the chef stage."""
    chef = stage(text, "chef")
    (install,) = [c.value[0] for c in chef.instructions
                  if c.cmd == "RUN" and "install cargo-chef" in c.value[0]]
    toolchain = re.search(r"cargo \+(\S+) install cargo-chef", install)
    return toolchain[1] if toolchain else re.search(r"rust:([0-9.]+)-", chef.base)[1]


@pytest.mark.parametrize("pin", [
    # Wilfred/difftastic 9e2d60c882b5 rust-toolchain.toml; containers/youki 7c67acc33e45
    # rust-toolchain.toml: cargo-chef 0.1.77 needs Rust 1.86 to compile.
    ("rust-toolchain.toml", '[toolchain]\nchannel = "1.85.0"\n', ""),
    ("rust-toolchain.toml", '[toolchain]\nchannel = "1.80.0"\n', ""),
    # timvisee/ffsend b6d7c6983a9a Cargo.toml: rust-version = "1.63.0", no toolchain file.
    ("", "", 'rust-version = "1.63.0"\n'),
])
def test_cargo_chef_is_compiled_with_a_rust_new_enough_for_it(tmp_path, pin):
    name, text, extra = pin
    root = workspace(tmp_path, {name: text} if name else {}, extra=extra)
    out = dockerfile(root)
    builder = re.search(r"rust:([0-9.]+)-slim-bookworm AS chef", out)[1]
    assert builder in (text + extra)  # the builder keeps the workspace's Rust
    assert version_key(_chef_install_rust(out)) >= version_key(CHEF_MIN_RUST)
    assert "rustup toolchain uninstall" in out


def test_a_builder_new_enough_installs_cargo_chef_with_its_own_rust(tmp_path):
    root = workspace(tmp_path, {"rust-toolchain.toml": '[toolchain]\nchannel = "1.88.0"\n'})
    out = dockerfile(root)
    assert _chef_install_rust(out) == "1.88.0" and "rustup toolchain install" not in out


def test_a_legacy_one_line_rust_toolchain_file_counts_too(tmp_path):
    root = workspace(tmp_path, {"rust-toolchain": "1.86\n"})
    text = dockerfile(root)
    assert "rust:1.86-slim-bookworm" in text and "COPY rust-toolchain ./" in text


def test_a_named_channel_is_copied_but_the_image_follows_rust_version(tmp_path):
    root = workspace(tmp_path, {"rust-toolchain.toml": '[toolchain]\nchannel = "stable"\n'},
                     extra='rust-version = "1.88"\n')
    text = dockerfile(root)
    assert "rust:1.88-slim-bookworm" in text and "COPY rust-toolchain.toml ./" in text


def test_a_toolchain_older_than_rust_version_is_refused(tmp_path):
    root = workspace(tmp_path, {"rust-toolchain.toml": '[toolchain]\nchannel = "1.80.0"\n'},
                     extra='rust-version = "1.85"\n')
    with pytest.raises(UserError) as info:
        default_plan(scan(root))
    assert "rust-toolchain.toml's channel 1.80.0 is older than the workspace's rust-version " \
           "1.85: cargo refuses to build with it" in info.value.message


def test_a_rust_version_other_than_the_pinned_toolchain_is_refused(tmp_path):
    root = workspace(tmp_path, {"rust-toolchain.toml": '[toolchain]\nchannel = "1.86.0"\n'})
    plan = default_plan(scan(root))
    problems = plan.with_changes(rust_version="1.95").problems()
    assert [str(p) for p in problems] == [
        "rust-version: rust-toolchain.toml pins Rust 1.86.0, but the builder image would be "
        "Rust 1.95: rustup would download 1.86.0 on top of it; set rust-version = \"1.86.0\" "
        "(or change the channel in rust-toolchain.toml)"]


def test_toolchain_targets_are_a_hint_reported_never_a_limit_of_the_platforms(tmp_path, capsys):
    # A toolchain file listing only x86_64 is common where the project's own CI publishes
    # arm64 (rustup installs the targets for local builds; the Dockerfile passes --target).
    from rsdock.cli import main
    from rsdock.wizard.generate.defaults import platform_hint

    root = workspace(tmp_path, {"rust-toolchain.toml": (
        '[toolchain]\nchannel = "1.86.0"\n'
        'targets = ["x86_64-unknown-linux-gnu", "wasm32-unknown-unknown"]\n')})
    plan = default_plan(scan(root))
    assert plan.platforms == ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert platform_hint(scan(root), plan) == (
        "rust-toolchain.toml names linux/amd64: a hint for local builds, not a limit; the "
        "images are built for linux/amd64, linux/arm64, linux/arm/v7 (--platform linux/amd64 "
        "follows the file)")
    following = default_plan(scan(root), platforms=["linux/amd64"])
    assert following.platforms == ("linux/amd64",)
    assert platform_hint(scan(root), following) == ""
    assert main(["init", str(root), "--yes", "--dry-run"]) == 0
    assert "note: rust-toolchain.toml names linux/amd64: a hint" in capsys.readouterr().out


def test_target_dir_of_the_root_config_is_where_the_binary_is_copied_from(tmp_path):
    root = workspace(tmp_path, {".cargo/config.toml": '[build]\ntarget-dir = "out/cargo"\n'})
    files = render(default_plan(scan(root)))
    assert 'cp "out/cargo/$TARGET_TRIPLE/release/api" /out/api' in files["Dockerfile"]
    assert "out/cargo/\n" in files[".dockerignore"]
    assert any("target-dir = 'out/cargo'" in n for n in notes(default_plan(scan(root))))


def test_a_parents_target_dir_is_ignored_locally_but_not_used_in_the_image(tmp_path):
    # ../.cargo/config.toml applies on the developer's machine, not inside the build context.
    root = workspace(tmp_path, {})
    (tmp_path / ".cargo").mkdir()
    (tmp_path / ".cargo" / "config.toml").write_text('[build]\ntarget-dir = "ws/build"\n')
    files = render(default_plan(scan(root)))
    assert 'cp "target/$TARGET_TRIPLE/release/api"' in files["Dockerfile"]
    assert "\nbuild/\n" in files[".dockerignore"]


def test_without_cargo_lock_nothing_is_locked_and_init_says_why(tmp_path, capsys):
    from rsdock.cli import main

    root = workspace(tmp_path, {}, lock=False)
    text = dockerfile(root)
    cook_and_build = [line for line in text.splitlines()
                      if "cargo chef cook" in line or "cargo build" in line]
    assert len(cook_and_build) == 2 and not any("--locked" in line for line in cook_and_build)
    assert "# The workspace has no Cargo.lock" in text
    assert main(["init", str(root), "--yes", "--dry-run"]) == 0
    assert "note: the workspace has no Cargo.lock, so cook and build run without --locked" \
        in capsys.readouterr().out
    with_lock = dockerfile(workspace(tmp_path / "locked", {}))
    assert with_lock.count("--release --locked --target") == 2


def test_a_bad_toolchain_file_is_a_located_error(tmp_path):
    root = workspace(tmp_path, {"rust-toolchain.toml": '[toolchain]\nchannel = 186\n'})
    with pytest.raises(UserError) as info:
        scan(root)
    assert (Path(info.value.path).name, info.value.line) == ("rust-toolchain.toml", 2)


def test_a_runtime_older_than_the_builders_debian_is_refused_with_the_glibc_reason(tmp_path):
    root = workspace(tmp_path, {})
    with pytest.raises(UserError) as info:
        default_plan(scan(root), debian="buster")
    assert ("buster (glibc 2.28) is older than the builder's bookworm (glibc 2.36): the "
            "binary would not start there") in info.value.message
    assert "ways out: choose bookworm or trixie (why: `rsdock refusal old-glibc`)" in \
        info.value.message


def test_the_wizard_steps_show_what_each_c_dependency_costs_and_what_is_refused(tmp_path):
    from rsdock.wizard.generate import steps
    from rsdock.wizard.generate.plan import WorkspaceFacts

    root = workspace(tmp_path, {})
    facts = WorkspaceFacts(c_crates=(("api", (("openssl-sys", "api -> openssl-sys"),)),))
    plan = default_plan(scan(root)).with_changes(workspace=facts)
    assert steps.c_cost_for_platform(plan, "linux/arm64") == (
        "api links C (openssl-sys): the builder adds pkg-config libssl-dev:arm64")
    costs = steps.c_cost_for_runtimes(plan)
    assert costs[0] == "debian-slim: api: libssl3 installed"
    assert costs[1] == "distroless: nothing extra"  # distroless cc has libssl3
    assert costs[2].startswith("alpine: api: refused: openssl-sys links a system library")
    assert steps.c_cost_for_runtimes(plan.with_changes(workspace=WorkspaceFacts())) == []


# awslabs/mountpoint-s3 58817cab2fc3 .gitmodules (trimmed): the CRT's C sources are submodules
# inside the member mountpoint-s3-crt-sys; docs/theme is a submodule outside every member.
GITMODULES = '''[submodule "aws-c-common"]
\tpath = mountpoint-s3-crt-sys/crt/aws-c-common
\turl = https://github.com/awslabs/aws-c-common.git
[submodule "theme"]
\tpath = docs/theme
\turl = https://github.com/example/theme.git
'''


def _submodule_workspace(tmp_path: Path, gitmodules: str | None) -> Path:
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    (root / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["mountpoint-s3", "mountpoint-s3-crt-sys"]\nresolver = "2"\n')
    for name in ("mountpoint-s3", "mountpoint-s3-crt-sys"):
        (root / name / "src").mkdir(parents=True)
        (root / name / "Cargo.toml").write_text(MANIFEST.replace('"api"', f'"{name}"')
                                                 .format(extra=""))
    (root / "mountpoint-s3" / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "mountpoint-s3-crt-sys" / "src" / "lib.rs").write_text("\n")
    (root / "Cargo.lock").write_text("version = 4\n")
    if gitmodules is not None:
        (root / ".gitmodules").write_text(gitmodules)
    return root


def test_submodules_inside_a_member_are_fetched_by_the_workflow_checkout(tmp_path):
    plan = default_plan(scan(_submodule_workspace(tmp_path, GITMODULES)))
    assert plan.workspace.submodules == ("mountpoint-s3-crt-sys/crt/aws-c-common",)
    workflow = render(plan)[plan.workflow]
    assert "submodules: recursive" in workflow
    assert any("git submodules (mountpoint-s3-crt-sys/crt/aws-c-common)" in n
               for n in notes(plan))


def test_no_submodule_in_a_member_keeps_the_plain_checkout(tmp_path):
    plan = default_plan(scan(_submodule_workspace(
        tmp_path, GITMODULES.split('[submodule "theme"]')[0].replace(
            "mountpoint-s3-crt-sys/crt", "docs"))))
    assert plan.workspace.submodules == ()
    assert "submodules:" not in render(plan)[plan.workflow]
