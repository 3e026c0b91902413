"""The default choice of images: all in a small workspace, the deployable ones in a large one."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate.defaults import default_plan, default_selection
from rsdock.wizard.generate.selection import is_tool_name

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "workspaces"


@pytest.mark.parametrize("name, tool", [
    ("xtask", True), ("fuzz-indexing", True), ("app-fuzz", True), ("bench-runner", True),
    ("cli-tests", True), ("model_testing", True), ("openapi-generator", True),
    ("schema_generator", True), ("docs-renderer", True), ("vector-vrl-doc-builder", True),
    ("qdrant-edge-ffi-bindgen", True), ("secret-backend-example", True),
    ("server", False), ("meilitool", False), ("vector-vrl-cli", False), ("migrate", False),
    ("testnet-node", False), ("docker", False), ("latest", False),
])
def test_tool_names(name, tool):
    assert is_tool_name(name) is tool


def test_large_workspace_images_the_deployable_binaries_and_says_why_not_the_others():
    selection = default_selection(scan(FIXTURES / "large_workspace"))
    # proto's package is a library admin depends on, and its main.rs is still a program.
    assert [image.name for image in selection.chosen] == [
        "admin", "gateway", "migrate", "proto", "worker"]
    assert {entry.image.name: entry.reason for entry in selection.left_out} == {
        "bench-runner": "the unpublished package 'bench-runner' is named like a bench tool "
                        "(dev tooling, by convention)",
        "cli-tests": "the package name 'cli-tests' is a tool's",
        "codegen": "the unpublished package 'codegen' is named like a codegen tool "
                   "(dev tooling, by convention)",
        "replay": "a helper binary beside the package's main binary 'worker'",
        "demo": "its source is under examples/",
        "fuzz_parser": "the unpublished package 'app-fuzz' is named like a fuzz tool "
                       "(dev tooling, by convention)",
        "xtask": "the package 'xtask' is a cargo xtask (dev tooling, by convention)",
    }
    summary = selection.summary()
    assert summary.startswith("left out 7 of 12 binaries")
    assert ("rsdock init --bin admin --bin gateway --bin migrate --bin proto --bin worker "
            "--bin NAME" in summary)


def test_default_plan_uses_the_selection_and_an_explicit_bin_still_wins():
    ws = scan(FIXTURES / "large_workspace")
    assert [i.name for i in default_plan(ws).images] == [
        "admin", "gateway", "migrate", "proto", "worker"]
    assert [i.name for i in default_plan(ws, bins=["xtask", "gateway"]).images] == [
        "gateway", "xtask"]


def _write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def _crate(name: str, extra: str = "") -> str:
    return f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n{extra}'


def test_default_members_narrow_the_choice(tmp_path):
    files = {"Cargo.toml": '[workspace]\nmembers = ["a", "b", "c", "d", "e"]\n'
                           'default-members = ["a", "b"]\n'}
    for name in "abcde":
        files[f"{name}/Cargo.toml"] = _crate(f"svc-{name}")
        files[f"{name}/src/main.rs"] = "fn main() {}\n"
    selection = default_selection(scan(_write(tmp_path, files)))
    assert [i.name for i in selection.chosen] == ["svc-a", "svc-b"]
    assert {e.reason for e in selection.left_out} == {
        "a plain `cargo build` does not build its package (not in default-members)"}


def test_a_handful_of_binaries_are_all_imaged_but_dev_tooling_by_convention(tmp_path):
    unpublished = "publish = false\n"
    files = {"Cargo.toml": '[workspace]\nmembers = ["xtask", "server", "bench", "gen"]\n',
             "xtask/Cargo.toml": _crate("xtask"), "xtask/src/main.rs": "fn main() {}\n",
             "server/Cargo.toml": _crate("server"), "server/src/main.rs": "fn main() {}\n",
             # published: a benchmark tool users install is left for the user to choose
             "bench/Cargo.toml": _crate("bench-runner"), "bench/src/main.rs": "",
             "gen/Cargo.toml": _crate("api-codegen", unpublished), "gen/src/main.rs": ""}
    selection = default_selection(scan(_write(tmp_path, files)))
    assert [i.name for i in selection.chosen] == ["bench-runner", "server"]
    assert {e.image.name: e.reason for e in selection.left_out} == {
        "api-codegen": "the unpublished package 'api-codegen' is named like a codegen tool "
                       "(dev tooling, by convention)",
        "xtask": "the package 'xtask' is a cargo xtask (dev tooling, by convention)"}
    assert selection.summary().startswith(
        "left out 2 of 4 binaries that look like tooling (dev tooling, by convention):")
    assert "rsdock init --bin bench-runner --bin server --bin NAME" \
        in selection.summary()


def test_a_binary_of_a_package_others_depend_on_is_still_imaged(tmp_path, capsys):
    # A web server whose library the integration tests and a worker use: cargo builds its
    # src/main.rs as a binary, so it is deployable whatever depends on its lib.
    from rsdock.cli import main

    files = {"Cargo.toml": '[workspace]\nmembers = ["web", "worker", "a", "b", "c"]\n'}
    files["web/Cargo.toml"] = _crate("web")
    files["web/src/lib.rs"] = files["web/src/main.rs"] = ""
    for name in ("worker", "a", "b", "c"):
        files[f"{name}/Cargo.toml"] = _crate(name, '[dependencies]\nweb = { path = "../web" }\n')
        files[f"{name}/src/main.rs"] = ""
    root = _write(tmp_path, files)
    assert "web" in [i.name for i in default_selection(scan(root)).chosen]
    assert main(["init", str(root), "--yes", "--dry-run"]) == 0
    assert "--bin web" in capsys.readouterr().out


def test_when_every_binary_looks_like_a_tool_all_are_kept(tmp_path):
    names = ["xtask", "bench-a", "bench-b", "fuzz-a", "fuzz-b"]
    files = {"Cargo.toml": f'[workspace]\nmembers = {names!r}\n'.replace("'", '"')}
    for name in names:
        files[f"{name}/Cargo.toml"] = _crate(name)
        files[f"{name}/src/main.rs"] = "fn main() {}\n"
    selection = default_selection(scan(_write(tmp_path, files)))
    assert len(selection.chosen) == 5 and selection.left_out == ()


def test_publish_and_path_dependencies_are_read(tmp_path):
    files = {"Cargo.toml": '[workspace]\nmembers = ["a", "b"]\n[workspace.package]\n'
                           'publish = false\n[workspace.dependencies]\nb = { path = "b" }\n',
             "a/Cargo.toml": _crate("a", "publish.workspace = true\n[dependencies]\n"
                                         "b.workspace = true\n[dev-dependencies]\n"
                                         'c = { path = "../c" }\n'),
             "a/src/main.rs": "", "b/Cargo.toml": _crate("b", "publish = []\n"),
             "b/src/lib.rs": "", "c/Cargo.toml": _crate("c"), "c/src/lib.rs": ""}
    ws = scan(_write(tmp_path, files))
    a, b = ws.package("a"), ws.package("b")
    assert (a.publish, a.uses) == (False, ("b",))
    assert (b.publish, b.uses) == (False, ())
    assert ws.package("c").publish is True


# awslabs/mountpoint-s3 58817cab2fc3 mountpoint-s3/Cargo.toml (trimmed): `mock-mount-s3` has
# `required-features = ["mock"]`, which the default features leave off: `cargo build --bin
# mock-mount-s3` fails ("requires the features: `mock`"). The log analyzer's required-features
# (none in the original) is added to check that features a default enables count.
MOUNTPOINT = '''[package]
name = "mountpoint-s3"
version = "1.22.0"
edition = "2024"

[features]
mock = ["mountpoint-s3-client/mock"]
event_log = []
default = ["with_log"]
with_log = ["event_log", "dep:serde_json"]

[dependencies]
serde_json = { version = "1", optional = true }

[[bin]]
name = "mount-s3"
path = "src/main.rs"

[[bin]]
name = "mock-mount-s3"
path = "src/bin/mock-mount-s3.rs"
required-features = ["mock"]

[[bin]]
name = "mount-s3-log-analyzer"
path = "src/bin/mount-s3-log-analyzer.rs"
required-features = ["event_log"]
'''


def _mountpoint(tmp_path: Path) -> Path:
    return _write(tmp_path, {"Cargo.toml": MOUNTPOINT, "src/main.rs": "fn main() {}\n",
                             "src/bin/mock-mount-s3.rs": "fn main() {}\n",
                             "src/bin/mount-s3-log-analyzer.rs": "fn main() {}\n"})


def test_a_binary_whose_required_features_are_off_by_default_is_never_a_default_image(tmp_path):
    ws = scan(_mountpoint(tmp_path))
    selection = default_selection(ws)
    # event_log is on through default -> with_log; mock is not.
    assert [image.name for image in selection.chosen] == ["mount-s3", "mount-s3-log-analyzer"]
    (entry,) = selection.left_out
    assert entry.image.name == "mock-mount-s3" and "(mock)" in entry.reason
    assert selection.summary().splitlines()[:2] == [
        "left out 1 of 3 binaries that need features the defaults leave off:",
        f"  mock-mount-s3: {entry.reason}"]
    assert [i.name for i in default_plan(ws).images] == ["mount-s3", "mount-s3-log-analyzer"]


def test_naming_such_a_binary_builds_it_with_the_features_it_needs(tmp_path):
    ws = scan(_mountpoint(tmp_path))
    plan = default_plan(ws, bins=["mount-s3", "mock-mount-s3"])
    assert [i.name for i in plan.images] == ["mount-s3", "mock-mount-s3"]
    assert dict(plan.workspace.bin_features) == {"mock-mount-s3": ("mountpoint-s3/mock",)}


def test_the_images_step_says_why_by_kind_tooling_or_features():
    # issue #21 (session 7's notes): the TUI said "look like tooling" of binaries left out
    # because their required-features are off
    from rsdock.wizard.generate.steps import left_out_line

    reasons = {"xtask": "the package 'xtask' is a cargo xtask (dev tooling, by convention)",
               "mock": "its required-features (mock) are not among the default features"}
    assert left_out_line(reasons) == (
        "2 binaries are not ticked (1 looks like tooling and 1 needs features the defaults "
        "leave off; the highlighted one says why); tick any you want imaged.")
    assert left_out_line({"mock": reasons["mock"]}).startswith(
        "1 binary is not ticked (1 needs features the defaults leave off;")
