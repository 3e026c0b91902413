"""What the build reads and runs reaches the generated files, and `rsdock init --force` merges
the project's own .dockerignore instead of replacing it (issue #21)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from rsdock.cli import main
from rsdock.lint.model.cargo import scan
from rsdock.lint.model.dockerignore import parse_dockerignore
from rsdock.wizard.generate import ignore_merge
from rsdock.wizard.generate.defaults import default_plan
from rsdock.wizard.generate.render import builds, notes, render
from tests.tools import copy_example

PROJECT_IGNORE = """# local secrets
.env
node_modules/
*.pem
id_rsa
target/
docs/
"""


@pytest.fixture
def ws(tmp_path):
    return copy_example(tmp_path, "ws")


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def add(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_init_force_keeps_the_project_lines_and_reincludes_what_the_compile_reads(ws, capsys):
    (ws / ".dockerignore").write_text(PROJECT_IGNORE)
    add(ws, {"docs/openapi.yaml": "openapi: 3.1\n", "dev.pem": "x"})
    append(ws / "crates/server/src/main.rs",
           '\npub const SPEC: &str = include_str!("../../../docs/openapi.yaml");\n'
           'pub const CERT: &[u8] = include_bytes!("../../../dev.pem");\n')
    assert main(["init", str(ws), "--yes", "--force"]) == 0
    text = (ws / ".dockerignore").read_text()
    ignore = parse_dockerignore(".dockerignore", text)
    for secret in (".env", "node_modules/x", "id_rsa", "prod.pem"):  # Docker anchors *.pem
        assert ignore.excludes(secret), secret
    assert not ignore.excludes("docs/openapi.yaml") and not ignore.excludes("dev.pem")
    assert ignore.excludes("docs/other.md") and ignore.excludes("target/release/server")
    section = text.split(ignore_merge.PROJECT, 1)[1].split(ignore_merge.END_PROJECT)[0]
    # target/ and docs/ are rsdock's own lines: written once, above the section.
    assert section.splitlines()[1:] == ["# local secrets", ".env", "node_modules/", "*.pem",
                                        "id_rsa"]
    assert text.endswith("!dev.pem\n!docs/openapi.yaml\n")
    out = capsys.readouterr().out
    assert "keeps the project's own 4 pattern(s)" in out
    assert "re-includes 2 path(s)" in out
    # Regenerating changes nothing, and --check agrees.
    assert main(["init", str(ws), "--yes"]) == 0
    assert (ws / ".dockerignore").read_text() == text
    assert main(["init", str(ws), "--check"]) == 0


def test_a_line_added_to_the_project_section_survives_regeneration(ws):
    assert main(["init", str(ws), "--yes"]) == 0
    text = (ws / ".dockerignore").read_text()
    edited = text.replace(ignore_merge.END_PROJECT, "secrets/\n" + ignore_merge.END_PROJECT)
    (ws / ".dockerignore").write_text(edited)
    assert main(["init", str(ws), "--yes"]) == 0
    assert (ws / ".dockerignore").read_text() == edited
    assert main(["init", str(ws), "--check"]) == 0


def test_merge_of_an_unmarked_file_drops_only_rsdocks_own_lines():
    own, marked = ignore_merge.project_lines(".git/\n\n\n.env.production\n# rsdock keeps\n"
                                             "target/\ncredentials.json\n")
    assert not marked
    kept = ignore_merge.merge_lines(own, marked, ["target/", ".git/", ".env.production"])
    # .env.production is secrets-like: kept even where rsdock would write the same line.
    assert kept == [".env.production", "# rsdock keeps", "credentials.json"]


def _plan(root: Path):
    return default_plan(scan(root))


def test_a_build_script_running_git_keeps_dot_git_and_installs_git(ws, capsys):
    add(ws, {"crates/server/build.rs": 'fn main() {\n    let sha = std::process::Command::new('
             '"git").args(["rev-parse", "HEAD"]).output().unwrap();\n}\n'})
    plan = _plan(ws)
    files = render(plan)
    ignore = parse_dockerignore(".dockerignore", files[".dockerignore"])
    assert not ignore.excludes(".git/HEAD")
    assert all("git" in b.packages for b in builds(plan, plan.images[0]))
    assert "crates/server/build.rs:2 runs git" in files["Dockerfile"]
    assert any("so .git stays in the build context" in n for n in notes(plan))


def test_vergen_gets_the_commit_as_a_build_argument(ws):
    add(ws, {"crates/server/build.rs": "fn main() { vergen_gitcl::Emitter::default()"
             ".add_instructions(&vergen_gitcl::GitclBuilder::all_git().unwrap()); }\n"})
    append(ws / "crates/server/Cargo.toml", '\n[build-dependencies]\nvergen-gitcl = "1"\n')
    lock = (ws / "Cargo.lock").read_text()
    lock = lock.replace('name = "server"\nversion = "0.1.0"\n',
                        'name = "server"\nversion = "0.1.0"\n', 1)
    (ws / "Cargo.lock").write_text(lock + '\n[[package]]\nname = "vergen-gitcl"\n'
                                   'version = "1.0.0"\nsource = "registry+https://github.com/'
                                   'rust-lang/crates.io-index"\n')
    _add_lock_dependency(ws, "server", "vergen-gitcl")
    plan = _plan(ws)
    files = render(plan)
    assert 'ARG GIT_COMMIT=""' in files["Dockerfile"]
    assert 'export VERGEN_GIT_SHA="$GIT_COMMIT"' in files["Dockerfile"]
    workflow = files[plan.workflow]
    assert workflow.count("build-args: GIT_COMMIT=${{ github.sha }}") == 2  # server, migrate
    assert parse_dockerignore(".dockerignore", files[".dockerignore"]).excludes(".git/HEAD")


def _add_lock_dependency(root: Path, member: str, crate: str) -> None:
    text = (root / "Cargo.lock").read_text()
    head = f'[[package]]\nname = "{member}"\nversion = "0.1.0"\n'
    start = text.index(head)
    deps = text.find("dependencies = [", start)
    nxt = text.find("[[package]]", start + 1)
    if deps != -1 and (nxt == -1 or deps < nxt):
        at = deps + len("dependencies = [")
        text = text[:at] + f'\n "{crate}",' + text[at:]
    else:
        at = start + len(head)
        text = text[:at] + f'dependencies = [\n "{crate}",\n]\n' + text[at:]
    (root / "Cargo.lock").write_text(text)


def test_protobuf_codegen_installs_protoc_and_cpp_gets_the_target_gxx(ws):
    add(ws, {"crates/server/build.rs": 'fn main() {\n    protobuf_codegen::Codegen::new().inputs(&["proto/api'
             '.proto"]).run_from_script();\n    cc::Build::new().cpp(true).file("x.cc")'
             '.compile("x");\n}\n', "crates/server/proto/api.proto": 'syntax = "proto3";\n'})
    append(ws / "crates/server/Cargo.toml", '\n[build-dependencies]\nprotobuf-codegen = "3"\n')
    (ws / "Cargo.lock").write_text((ws / "Cargo.lock").read_text() + (
        '\n[[package]]\nname = "protobuf-codegen"\nversion = "3.7.0"\nsource = "registry+'
        'https://github.com/rust-lang/crates.io-index"\n'))
    _add_lock_dependency(ws, "server", "protobuf-codegen")
    plan = _plan(ws)
    arms = {b.target.platform.name: b for b in builds(plan, plan.images[0])}
    arm64 = arms["linux/arm64"]
    assert "protobuf-compiler" in arm64.packages and "libprotobuf-dev" in arm64.packages
    assert "g++-aarch64-linux-gnu" in arm64.packages
    assert ("CXX_aarch64_unknown_linux_gnu", "aarch64-linux-gnu-g++") in arm64.env
    dockerfile = render(plan)["Dockerfile"]
    assert "protoc (protobuf-compiler + libprotobuf-dev): server -> protobuf-codegen runs " \
        "protoc" in dockerfile


def test_a_file_from_an_older_rsdock_brings_no_rsdock_lines_into_the_project_section(ws):
    assert main(["init", str(ws), "--yes"]) == 0
    text = (ws / ".dockerignore").read_text()
    older = text.split(ignore_merge.PROJECT)[0] + ".env\n"  # no markers: as rsdock wrote it
    (ws / ".dockerignore").write_text(older)
    # now the build runs git: rsdock's block no longer writes .git/ and its comment
    add(ws, {"crates/server/build.rs": 'fn main() { std::process::Command::new("git")'
             '.output().unwrap(); }\n'})
    assert main(["init", str(ws), "--yes", "--force"]) == 0
    own, marked = ignore_merge.project_lines((ws / ".dockerignore").read_text())
    assert marked and own == (".env",)


def test_a_build_script_configuring_a_cmake_project_gets_the_target_gxx(ws):
    # awslabs/mountpoint-s3 58817cab2fc3 mountpoint-s3-crt-sys/build.rs:242 (trimmed): the CRT
    # libraries (aws-lc, s2n-tls, aws-c-*) are CMake projects; CMake's project() enables C and
    # CXX unless it names its languages, so configuring needs the target's C++ compiler.
    add(ws, {"crates/server/build.rs": 'fn main() {\n    let mut builder = cmake::Config::new('
             '"crt/aws-c-common");\n    builder.define("BUILD_TESTING", "OFF");\n'
             '    builder.build();\n}\n'})
    plan = _plan(ws)
    arms = {b.target.platform.name: b for b in builds(plan, plan.images[0])}
    assert "g++-aarch64-linux-gnu" in arms["linux/arm64"].packages
    assert ("CXX_aarch64_unknown_linux_gnu", "aarch64-linux-gnu-g++") in arms["linux/arm64"].env
    assert any("configures a CMake project (cmake::Config)" in note
               for note in notes(plan))
