"""RS604 (.dockerignore hides a compile input) and RS111 (the builder lacks a program the
build runs): table-driven cases and the fix."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, catches_not, fixed, reports

MANIFEST = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n'
INCLUDES = {
    "Cargo.toml": MANIFEST,
    "src/main.rs": ('// include_str!("../secret/commented.txt")\n'
                    'const SPEC: &str = include_str!("../docs/openapi.yaml");\n'
                    'const LOGO: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), '
                    '"/assets/logo.png"));\nfn main() {}\n'),
    "docs/openapi.yaml": "openapi: 3.1.0\n", "assets/logo.png": "png",
    "secret/commented.txt": "x",
}

RS604_CASES = [
    ("target/\n", []),
    ("target/\ndocs/\n", [2]),
    ("docs\nassets/*.png\n", [1, 2]),
    ("**/*.yaml\n", [1]),
    ("docs/\n!docs/openapi.yaml\n", []),
    ("secret/\n", []),  # only a comment names it
    ("*\n!src\n!Cargo.toml\n", [1]),  # an allow-list that forgot the includes: one line, both
]


@pytest.mark.parametrize("ignore,lines", RS604_CASES, ids=[c[0] for c in RS604_CASES])
def test_rs604_cases(ignore, lines):
    reports("RS604", {**INCLUDES, ".dockerignore": ignore}, lines)


def test_rs604_fix_reincludes_every_hidden_path():
    text = "*\n!src\n!Cargo.toml\n"
    (finding,) = catches("RS604", {**INCLUDES, ".dockerignore": text})
    assert "`docs/openapi.yaml` (include_str! in src/main.rs)" in finding.message
    assert [(r.path, r.line, r.label) for r in finding.related] == [
        ("src/main.rs", 2, "include_str! reads `docs/openapi.yaml`"),
        ("src/main.rs", 3, "include_bytes! reads `assets/logo.png`")]
    after = fixed("RS604", {**INCLUDES, ".dockerignore": text})[".dockerignore"]
    assert after == text + "!docs/openapi.yaml\n!assets/logo.png\n"
    catches_not("RS604", {**INCLUDES, ".dockerignore": after})


def test_rs604_git_for_a_build_script_running_git():
    files = {"Cargo.toml": MANIFEST, "src/main.rs": "fn main() {}\n",
             "build.rs": 'fn main() { std::process::Command::new("git").output().unwrap(); }\n',
             ".dockerignore": "target/\n.git\n"}
    (finding,) = catches("RS604", files, lines=[2])
    assert finding.line == 2 and "`.git` (build.rs runs git)" in finding.message
    assert [(r.path, r.line, r.label) for r in finding.related] == [("build.rs", 1, "runs git")]


def test_rs604_ignores_a_context_without_the_workspace():
    files = {**INCLUDES, "web/.dockerignore": "docs/\n",
             "web/Dockerfile": "FROM nginx\nCOPY . /usr/share/nginx/html\n"}
    catches_not("RS604", files)


GIT_BUILD = 'fn main() { std::process::Command::new("git").output().unwrap(); }\n'
CPP_BUILD = 'fn main() { cc::Build::new().cpp(true).file("a.cc").compile("a"); }\n'

RS111_CASES = [
    ("FROM rust:1.95-slim-bookworm\nCOPY . .\nRUN cargo build --release\n", GIT_BUILD, [3]),
    ("FROM rust:1.95-bookworm\nCOPY . .\nRUN cargo build --release\n", GIT_BUILD, []),
    ("FROM rust:1.95-slim\nRUN apt-get update && apt-get install -y git\nCOPY . .\n"
     "RUN cargo build --release\n", GIT_BUILD, []),
    ("FROM ghcr.io/acme/builder:1\nCOPY . .\nRUN cargo build --release\n", GIT_BUILD, []),
    ("FROM rust:1.95-slim\nCOPY . .\nRUN cargo build --release\n", CPP_BUILD, [3]),
    ("FROM rust:1.95-slim\nRUN apt-get update && apt-get install -y g++-aarch64-linux-gnu\n"
     "COPY . .\nRUN cargo build --release --target aarch64-unknown-linux-gnu\n", CPP_BUILD, []),
    ("FROM rust:1.95-slim AS chef\nRUN cargo install cargo-chef\nFROM chef AS b\n"
     "RUN cargo chef cook --release\nCOPY . .\nRUN cargo build --release\n", GIT_BUILD, [6]),
    ("FROM rust:1.95-slim\nCOPY . .\nRUN cargo build --release\n",
     '// Command::new("git") is only a comment\nfn main() {}\n', []),
]


@pytest.mark.parametrize("dockerfile,script,lines", RS111_CASES,
                         ids=[f"RS111-{i}" for i in range(len(RS111_CASES))])
def test_rs111_cases(dockerfile, script, lines):
    files = {"Cargo.toml": MANIFEST, "src/main.rs": "fn main() {}\n", "build.rs": script,
             "Dockerfile": dockerfile}
    reports("RS111", files, lines)


def test_rs111_protoc_from_the_lock():
    lock = ('version = 3\n[[package]]\nname = "api"\nversion = "0.1.0"\n'
            'dependencies = ["protobuf-codegen"]\n[[package]]\nname = "protobuf-codegen"\n'
            'version = "3.7.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n')
    files = {"Cargo.toml": MANIFEST + '[build-dependencies]\nprotobuf-codegen = "3"\n',
             "Cargo.lock": lock, "src/main.rs": "fn main() {}\n", "build.rs": "fn main() {}\n",
             "Dockerfile": "FROM rust:1.95-slim\nCOPY . .\nRUN cargo build --release\n"}
    (finding,) = catches("RS111", files)
    assert "api -> protobuf-codegen runs protoc" in finding.message
    assert "`protobuf-compiler`" in finding.message
    files["Dockerfile"] = ("FROM rust:1.95-slim\nRUN apt-get update && apt-get install -y "
                           "protobuf-compiler\nCOPY . .\nRUN cargo build --release\n")
    catches_not("RS111", files)


def test_rs111_pyo3_needs_python_unless_told_to_run_none():
    """pyo3-build-config's own build script configures the build machine from python3 (0.22.6:
    make_interpreter_config, even when cross-compiling with PYO3_CROSS_*); with a
    PYO3_CONFIG_FILE (what rsdock's builders write) it runs none."""
    lock = ('version = 3\n[[package]]\nname = "api"\nversion = "0.1.0"\n'
            'dependencies = ["pyo3"]\n' + "".join(
                f'[[package]]\nname = "{n}"\nversion = "0.22.6"\n'
                'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
                f'dependencies = [{d}]\n' for n, d in (
                    ("pyo3", '"pyo3-build-config", "pyo3-ffi"'), ("pyo3-build-config", ""),
                    ("pyo3-ffi", '"pyo3-build-config"'))))
    files = {"Cargo.toml": MANIFEST + '[dependencies]\npyo3 = "0.22"\n', "Cargo.lock": lock,
             "src/main.rs": "fn main() {}\n",
             "Dockerfile": "FROM rust:1.95-slim\nCOPY . .\nRUN cargo build --release\n"}
    (finding,) = catches("RS111", files)
    assert "api -> pyo3 -> pyo3-build-config runs the Python interpreter" in finding.message
    files["Dockerfile"] = ("FROM rust:1.95-slim\nCOPY . .\n"
                           "RUN PYO3_CONFIG_FILE=/pyo3.txt cargo build --release\n")
    catches_not("RS111", files)
    files["Dockerfile"] = ("FROM rust:1.95-slim\nENV PYO3_NO_PYTHON=1 PYO3_CROSS_LIB_DIR=/py\n"
                           "COPY . .\nRUN cargo build --release\n")
    catches("RS111", files)  # the cross settings leave pyo3-build-config's own step
