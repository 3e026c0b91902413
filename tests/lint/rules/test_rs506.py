"""RS506 asks the validator init, edit and the TUI ask (``rsdock.lint.analysis.compat``); the
table test that all four agree is tests/test_one_answer.py. Here: where RS506 reports, what it
leaves to the build (a musl C compiler of its own, cross), and RS212 offering no fix for a
platform the crates rule out."""

from __future__ import annotations

from rsdock.lint.rules.rs506 import RS506
from tests.lint.rules import harness

REG = 'source = "registry+https://github.com/rust-lang/crates.io-index"'
WORKFLOW = """on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: docker/build-push-action@v7
        with:
          platforms: linux/amd64
"""
MUSL_DOCKERFILE = """FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
WORKDIR /app
COPY . .
RUN rustup target add x86_64-unknown-linux-musl \\
 && cargo build --release --target x86_64-unknown-linux-musl
FROM alpine:3.22
COPY --from=builder /app/target/x86_64-unknown-linux-musl/release/server /server
ENTRYPOINT ["/server"]
"""


def _files(crate: str, version: str, deps: str, dockerfile: str = MUSL_DOCKERFILE,
           spec: str = '"*"') -> dict:
    return {
        ".github/workflows/docker.yml": WORKFLOW,
        "Cargo.toml": '[package]\nname = "server"\nversion = "0.1.0"\nedition = "2021"\n'
                      f'[dependencies]\n{crate} = {spec}\n',
        "Cargo.lock": f'version = 4\n[[package]]\nname = "server"\nversion = "0.1.0"\n'
                      f'dependencies = ["{crate}"]\n[[package]]\nname = "{crate}"\n'
                      f'version = "{version}"\n{REG}\ndependencies = [{deps}]\n',
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": dockerfile,
    }


def test_a_static_musl_runtime_with_a_system_library_is_reported_at_the_runtime():
    found = harness.findings("RS506", _files("openssl-sys", "0.9.104", '"cc", "pkg-config"'))
    assert [(f.path, f.line) for f in found] == [("Dockerfile", 6)]
    assert "server cannot be a static musl binary for the alpine runtime: openssl-sys links " \
           "a system library" in found[0].message
    assert found[0].message.endswith("(why: `rsdock refusal musl-system`)")


def test_c_for_musl_is_the_build_s_business_when_it_brings_a_musl_compiler():
    files = _files("libsqlite3-sys", "0.30.1", '"cc", "pkg-config"',
                   spec='{ version = "0.30", features = ["bundled"] }')
    found = harness.findings("RS506", files)
    assert [f.message.rsplit("`", 2)[1] for f in found] == ["rsdock refusal musl-c"]
    files["Dockerfile"] = MUSL_DOCKERFILE.replace(
        "RUN rustup", "RUN apt-get update && apt-get install -y musl-tools && rustup")
    harness.catches_not("RS506", files)


def test_cross_brings_its_own_toolchain():
    files = _files("openssl-sys", "0.9.104", '"cc", "pkg-config"', MUSL_DOCKERFILE.replace(
        "cargo build --release", "cross build --release"))
    harness.catches_not("RS506", files)


def test_a_runtime_image_that_does_not_exist_for_the_platform():
    files = _files("openssl-sys", "0.9.104", '"cc", "pkg-config"', MUSL_DOCKERFILE.replace(
        "x86_64-unknown-linux-musl", "x86_64-unknown-linux-gnu").replace(
        "FROM alpine:3.22", "FROM gcr.io/distroless/cc-debian12:nonroot"))
    files[".github/workflows/docker.yml"] = WORKFLOW.replace("linux/amd64", "linux/386")
    found = harness.findings("RS506", files)
    assert found and "gcr.io/distroless/cc publishes no linux/386 image" in found[0].message
    assert found[0].path == ".github/workflows/docker.yml"


def test_rs212_offers_no_fix_for_a_platform_the_crates_rule_out():
    # Before RS506, RS212 offered to set BINDGEN_EXTRA_CLANG_ARGS for armv7, a build that
    # still fails: aws-lc-sys 0.29 has no armv7 bindings and the lock no bindgen.
    fails = dict(harness.files_of("RS506", RS506.docs().fails))
    assert harness.findings("RS506", fails)
    assert harness.findings("RS212", fails) == []


GNU_DOCKERFILE = """FROM rust:1.95-slim-bookworm AS builder
WORKDIR /app
COPY . .
RUN cargo build --release
FROM debian:bookworm-slim
COPY --from=builder /app/target/release/server /server
ENTRYPOINT ["/server"]
"""


def test_an_openssl_sys_older_than_openssl_3_is_reported_on_a_bookworm_builder_only():
    # Rigellute/spotify-tui@c4dcf6b9fd83: openssl-sys 0.9.58 panics on OpenSSL 3.0; on a
    # bullseye builder (OpenSSL 1.1.1) it builds, and rsdock has no bullseye package versions
    files = _files("openssl-sys", "0.9.58", '"cc", "pkg-config"', GNU_DOCKERFILE)
    found = harness.findings("RS506", files)
    assert [f.message.rsplit("`", 2)[1] for f in found] == [
        "rsdock refusal system-library-too-new"]
    assert "openssl-sys 0.9.58 takes libssl-dev older than 1.1.2 only, and the builder's " \
           "bookworm has 3.0.20" in found[0].message
    files["Dockerfile"] = GNU_DOCKERFILE.replace("rust:1.95-slim-bookworm",
                                                 "rust:1.70-slim-bullseye").replace(
        "debian:bookworm-slim", "debian:bullseye-slim")
    assert harness.findings("RS506", files) == []
