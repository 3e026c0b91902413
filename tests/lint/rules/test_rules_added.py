"""Rules added for the field test's misses (issue #11): one line per case, pass and fail."""

from __future__ import annotations

import pytest

from rsdock.lint.model.findings import Severity
from tests.lint.rules.harness import catches, catches_not, reports

WF = ".github/workflows/docker.yml"
QEMU_WF = ("on: push\njobs:\n  image:\n    runs-on: {runner}\n    steps:\n"
           "      - uses: docker/setup-qemu-action@v4\n"
           "      - uses: docker/build-push-action@v7\n        with:\n"
           "          platforms: {platforms}\n")
BUILD = "WORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
RUNTIME = "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/app /usr/local/bin/app\n"
STEPS = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"


def placed(rule_id, files, expected):
    """A table row: ``expected`` (path, line, severity) are the findings, checked by
    :func:`reports`."""
    found = reports(rule_id, files, [line for _path, line, _severity in expected])
    assert [(f.path, f.line, str(f.severity)) for f in found] == expected


@pytest.mark.parametrize("rule_id, files, expected", [
    # RS108 the chef image pins Rust
    ("RS108", {"Dockerfile": "FROM lukemathwalker/cargo-chef:latest-rust-1 AS chef\n"},
     [("Dockerfile", 1, "warning")]),
    ("RS108", {"Dockerfile": "FROM lukemathwalker/cargo-chef:latest AS chef\n"},
     [("Dockerfile", 1, "warning")]),
    ("RS108", {"Dockerfile": "FROM lukemathwalker/cargo-chef:latest-rust-1.95-trixie AS chef\n"},
     []),
    ("RS108", {"Dockerfile": "FROM lukemathwalker/cargo-chef:latest-rust-slim@sha256:"
               + "a" * 64 + " AS chef\n"}, []),
    ("RS108", {"Dockerfile": "FROM rust:1 AS build\n"}, []),
    # RS209 a compiling stage under QEMU for a platform the workflow builds
    ("RS209", {WF: QEMU_WF.format(runner="ubuntu-24.04", platforms="linux/amd64,linux/arm64"),
               "Dockerfile": "FROM rust:1.95 AS build\n" + BUILD + RUNTIME},
     [("Dockerfile", 1, "warning")]),
    # the planner of a chef build: `cargo chef prepare` under QEMU too
    ("RS209", {WF: QEMU_WF.format(runner="ubuntu-24.04", platforms="linux/arm64"),
               "Dockerfile": "FROM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef\n"
               "FROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path r.json\n"
               "FROM --platform=$BUILDPLATFORM rust:1.95 AS build\nCOPY --from=planner r.json .\n"
               + RUNTIME}, [("Dockerfile", 1, "warning")]),
    ("RS209", {WF: QEMU_WF.format(runner="ubuntu-24.04", platforms="linux/amd64"),
               "Dockerfile": "FROM rust:1.95 AS build\n" + BUILD + RUNTIME}, []),
    ("RS209", {WF: QEMU_WF.format(runner="ubuntu-24.04-arm", platforms="linux/arm64"),
               "Dockerfile": "FROM rust:1.95 AS build\n" + BUILD + RUNTIME}, []),
    ("RS209", {WF: QEMU_WF.format(runner="${{ matrix.runner }}", platforms="linux/arm64"),
               "Dockerfile": "FROM rust:1.95 AS build\n" + BUILD + RUNTIME}, []),
    ("RS209", {WF: QEMU_WF.format(runner="ubuntu-24.04", platforms="linux/amd64,linux/arm64"),
               "Dockerfile": "FROM --platform=$BUILDPLATFORM rust:1.95 AS build\n" + BUILD
               + RUNTIME}, []),
    # RS210 a default on a platform ARG
    ("RS210", {"Dockerfile": "FROM rust:1.95\nARG TARGETARCH=amd64\n"}, [("Dockerfile", 2, "error")]),
    ("RS210", {"Dockerfile": "ARG TARGETPLATFORM=linux/amd64\nFROM rust:1.95\n"},
     [("Dockerfile", 1, "error")]),
    ("RS210", {"Dockerfile": "FROM rust:1.95\nARG TARGETARCH\nARG APP_ARCH=amd64\n"}, []),
    # RS414 an action on a branch; dtolnay/rust-toolchain@<toolchain> is its documented form
    ("RS414", {WF: STEPS + "      - uses: crate-ci/typos@master\n"}, [(WF, 6, "warning")]),
    ("RS414", {WF: STEPS + "      - uses: org/repo/.github/workflows/x.yml@main\n"},
     [(WF, 6, "warning")]),
    ("RS414", {WF: STEPS + "      - uses: dtolnay/rust-toolchain@master\n"}, [(WF, 6, "info")]),
    ("RS414", {WF: STEPS + "      - uses: crate-ci/typos@v1.29.4\n"}, []),
    ("RS414", {WF: STEPS + "      - uses: ./.github/actions/setup\n"}, []),
    ("RS414", {WF: STEPS + "      - uses: crate-ci/typos@" + "b" * 40 + " # main\n"}, []),
])
def test_added_rules(rule_id, files, expected):
    placed(rule_id, files, expected)


def test_user_from_an_arg_defaulting_to_root_is_root():
    text = ("FROM debian:bookworm-slim\nARG USER_ID=0\nCOPY app /usr/local/bin/app\n"
            'USER "$USER_ID:$USER_ID"\nENTRYPOINT ["/usr/bin/tini", "--", "app"]\n')
    [finding] = catches("RS306", {"Dockerfile": text}, lines=[4],
                        message="is 0:0 unless the build passes another value")
    assert finding.severity == Severity.WARNING
    catches_not("RS306", {"Dockerfile": text.replace("USER_ID=0", "USER_ID=10001")})


CROSS = ("FROM --platform=$BUILDPLATFORM rust:1.95 AS builder\n"
         "RUN apt-get update && apt-get install -y gcc-arm-linux-gnueabihf libc6-dev-armhf-cross\n"
         "ENV CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER={linker}\n"
         "RUN rustup target add armv7-unknown-linux-gnueabihf\n"
         "RUN cargo build --release --target armv7-unknown-linux-gnueabihf\n")
GHA = ("on: push\njobs:\n  image:\n    runs-on: ubuntu-24.04\n    steps:\n"
       "      - uses: docker/build-push-action@v7\n        with:\n")
# the research's case on "${TARGETARCH}${TARGETVARIANT}" in a heredoc, packages in a variable
HEREDOC_CASE = """\
# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
ARG TARGETARCH TARGETVARIANT
RUN <<EOT
set -eu
case "${TARGETARCH}${TARGETVARIANT}" in
  amd64) T=x86_64-unknown-linux-gnu; PKGS="" ;;
  arm64) T=aarch64-unknown-linux-gnu; PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
  armv7) T=armv7-unknown-linux-gnueabihf; PKGS="gcc-arm-linux-gnueabihf libc6-dev-armhf-cross" ;;
  *) echo "unsupported platform" >&2; exit 1 ;;
esac
apt-get update && apt-get install -y $PKGS
rustup target add "$T"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc
cargo build --release --target "$T"
cp "target/$T/release/app" /app
EOT
FROM debian:bookworm-slim
COPY --from=builder /app /usr/local/bin/app
"""


@pytest.mark.parametrize("rule_id, files, expected", [
    # RS211 the linker named for the triple
    ("RS211", {"Dockerfile": CROSS.format(linker="arm-linux-gnueabi-gcc")},
     [("Dockerfile", 5, "error")]),
    ("RS211", {"Dockerfile": CROSS.format(linker="aarch64-linux-gnu-gcc")},
     [("Dockerfile", 5, "error")]),
    ("RS211", {"Dockerfile": CROSS.format(linker="arm-linux-gnueabihf-gcc")}, []),
    ("RS211", {"Dockerfile": CROSS.format(linker="/usr/bin/arm-linux-gnueabihf-gcc-12")}, []),
    ("RS211", {"Dockerfile": CROSS.format(linker="clang")}, []),
    # RS307 RUN cp from the folder the build wrote
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release\n"
               "RUN cp target/aarch64-unknown-linux-gnu/release/app /app\n"},
     [("Dockerfile", 3, "error")]),
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release --target "
               "aarch64-unknown-linux-gnu && cp target/release/app /app\n"},
     [("Dockerfile", 2, "error")]),
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release && cp target/release/app /app\n"},
     []),
    ("RS307", {"Dockerfile": "FROM rust:1.95\nENV CARGO_BUILD_TARGET=aarch64-unknown-linux-gnu\n"
               "RUN cargo build --release && cp target/aarch64-unknown-linux-gnu/release/app /\n"},
     []),
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release --target-dir /out\n"
               "RUN cp target/x86_64-unknown-linux-gnu/release/app /app\n"}, []),
    # (a computed folder is judged by its known part)
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release\n"
               "RUN cp target/$(uname -m)-unknown-linux-gnu/release/app /app\n"},
     [("Dockerfile", 3, "error")]),
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release\n"
               "RUN cp \"/src/target/`uname -m`-unknown-linux-musl/release/app\" /app\n"},
     [("Dockerfile", 3, "error")]),
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release --target "
               "\"$(uname -m)-unknown-linux-gnu\" && cp target/release/app /app\n"},
     [("Dockerfile", 2, "error")]),
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release --target "
               "\"$(uname -m)-unknown-linux-gnu\"\n"
               "RUN cp \"target/$(uname -m)-unknown-linux-gnu/release/app\" /app\n"}, []),
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release\n"
               "RUN cp target/$TARGET/release/app /app\n"}, []),  # nothing known: no finding
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release --target $T\n"
               "RUN cp target/release/app /app\n"}, []),  # $T could be anything
    ("RS307", {"Dockerfile": "FROM rust:1.95\nRUN cargo build --release\n"
               "RUN cp target/release/$(cat name) /app\n"}, []),
    # RS409 linux/armv7 is its own finding; RS501 does not also ask for a case arm for it
    ("RS409", {".github/workflows/docker.yml": GHA + "          platforms: linux/amd64,linux/armv7\n"},
     [(".github/workflows/docker.yml", 8, "error")]),
    ("RS501", {".github/workflows/docker.yml": GHA + "          platforms: linux/amd64,linux/armv7\n",
               "Dockerfile": HEREDOC_CASE}, []),
    # RS415 cache scopes read and written
    ("RS415", {".github/workflows/docker.yml": GHA + "          cache-from: type=gha\n"
               "          cache-to: type=gha,mode=max,scope=platform-x\n"},
     [(".github/workflows/docker.yml", 8, "warning")]),
    ("RS415", {".github/workflows/docker.yml": GHA + "          cache-from: type=gha,scope=a\n"
               "          cache-to: type=gha,mode=max,scope=a\n"}, []),
    ("RS415", {".github/workflows/docker.yml": GHA + "          cache-from: type=gha\n"
               "          cache-to: type=gha,mode=max\n"}, []),
    ("RS415", {".github/workflows/docker.yml": GHA + "          cache-from: type=gha,scope=a\n"
               "          cache-to: type=gha,mode=max,scope=a\n"
               "      - uses: docker/build-push-action@v7\n        with:\n"
               "          cache-to: type=gha,scope=a\n"},
     [(".github/workflows/docker.yml", 12, "warning")]),
    ("RS415", {".github/workflows/docker.yml": GHA + "          cache-from: type=gha,scope=x\n"
               "          cache-to: type=gha,mode=max,scope=${{ github.ref_name }}\n"}, []),
    # a partly known scope: platform-<anything> is never the default `buildkit`
    ("RS415", {".github/workflows/docker.yml": GHA + "          cache-from: type=gha\n"
               "          cache-to: type=gha,mode=max,scope=platform-${{ env.PAIR }}\n"},
     [(".github/workflows/docker.yml", 8, "warning")]),
    ("RS415", {".github/workflows/docker.yml": GHA + "          cache-from: type=gha,scope="
               "platform-${{ env.PAIR }}\n"
               "          cache-to: type=gha,mode=max,scope=platform-${{ env.PAIR }}\n"}, []),
    ("RS415", {".github/workflows/docker.yml": GHA + "          cache-from: type=gha,scope="
               "cache-${{ env.PAIR }}\n"
               "          cache-to: type=gha,mode=max,scope=platform-${{ env.PAIR }}\n"},
     [(".github/workflows/docker.yml", 8, "warning")]),
    ("RS415", {".github/workflows/docker.yml": GHA + "          cache-from: type=gha,scope="
               "platform-amd64\n"
               "          cache-to: type=gha,mode=max,scope=platform-${{ env.PAIR }}\n"}, []),
])
def test_more_added_rules(rule_id, files, expected):
    placed(rule_id, files, expected)


@pytest.mark.parametrize("rule_id", ["RS501", "RS206", "RS207", "RS203", "RS204", "RS307"])
def test_heredoc_case_on_arch_and_variant_with_packages_in_a_variable(rule_id):
    workflow = GHA + "          platforms: linux/amd64,linux/arm64,linux/arm/v7\n"
    catches_not(rule_id, {".github/workflows/docker.yml": workflow, "Dockerfile": HEREDOC_CASE})


def test_alpine_builder_linking_with_rust_lld_needs_no_debian_gcc():
    text = ("FROM --platform=$BUILDPLATFORM rust:1.95-alpine AS builder\nARG TARGETARCH\n"
            "RUN apk add --no-cache clang lld musl-dev\n"
            "RUN case \"$TARGETARCH\" in amd64) T=x86_64-unknown-linux-musl ;; "
            "arm64) T=aarch64-unknown-linux-musl ;; *) exit 1 ;; esac \\\n"
            " && rustup target add $T && RUSTFLAGS='-C linker=rust-lld' cargo build --release "
            "--target $T\n")
    catches_not("RS206", {"Dockerfile": text})


def test_a_password_like_secret_name_is_info_and_a_literal_an_error():
    login = (STEPS + "      - uses: docker/login-action@v4\n        with:\n"
             "          username: me\n          password: {value}\n")
    placed("RS403", {WF: login.format(value="${{ secrets.DOCKERHUB_PASSWORD }}")},
           [(WF, 9, "info")])
    placed("RS403", {WF: login.format(value="hunter2")}, [(WF, 9, "error")])


def test_rs415_names_the_other_export_as_a_related_place():
    text = (GHA + "          cache-from: type=gha,scope=a\n          cache-to: type=gha,mode=max,"
            "scope=a\n      - uses: docker/build-push-action@v7\n        with:\n"
            "          cache-to: type=gha,scope=a\n")
    [finding] = catches("RS415", {WF: text}, lines=[12], message="by another export:")
    assert [(r.path, r.line, r.label) for r in finding.related] == [
        (WF, 9, "writes scope 'a' with mode=max")]
