"""Rules added for the field test's misses (issue #11): one line per case, pass and fail."""

from __future__ import annotations

import pytest

from rsdock.lint.engine import runner as engine
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.findings import Severity

NO_HADOLINT = LintConfig(hadolint=False)
WF = ".github/workflows/docker.yml"
QEMU_WF = ("on: push\njobs:\n  image:\n    runs-on: {runner}\n    steps:\n"
           "      - uses: docker/setup-qemu-action@v4\n"
           "      - uses: docker/build-push-action@v7\n        with:\n"
           "          platforms: {platforms}\n")
BUILD = "WORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
RUNTIME = "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/app /usr/local/bin/app\n"
STEPS = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"


def found(rule_id, files):
    return [(f.path, f.line, str(f.severity)) for f in engine.lint_texts(files, config=NO_HADOLINT)
            if f.rule == rule_id]


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
    assert found(rule_id, files) == expected


def test_user_from_an_arg_defaulting_to_root_is_root():
    text = ("FROM debian:bookworm-slim\nARG USER_ID=0\nCOPY app /usr/local/bin/app\n"
            'USER "$USER_ID:$USER_ID"\nENTRYPOINT ["/usr/bin/tini", "--", "app"]\n')
    findings = [f for f in engine.lint_texts({"Dockerfile": text}, config=NO_HADOLINT)
                if f.rule == "RS306"]
    assert [(f.line, f.severity) for f in findings] == [(4, Severity.WARNING)]
    assert "is 0:0 unless the build passes another value" in findings[0].message
    bare = text.replace("USER_ID=0", "USER_ID=10001")
    assert not [f for f in engine.lint_texts({"Dockerfile": bare}, config=NO_HADOLINT)
                if f.rule == "RS306"]
