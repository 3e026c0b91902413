"""RS102 compares cook's and the build's features by what they turn on in the dependencies
(trieve's `runtime-env = []`, blind batch D; fixture fp-RS102-feature-gates-own-code)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rsdock.lint.engine import discover, runner
from rsdock.lint.engine.settings import LintConfig

MANIFEST = textwrap.dedent("""\
    [package]
    name = "server"
    version = "1.0.0"
    edition = "2021"

    [dependencies]
    axum = { version = "0.8", optional = true }
    tokio = { version = "1", default-features = false }

    [features]
    default = []
    runtime-env = []
    http = ["dep:axum"]
    fast = ["tokio/rt-multi-thread"]
""")
DOCKERFILE = textwrap.dedent("""\
    FROM rust:1.95-slim-bookworm AS chef
    RUN cargo install cargo-chef
    WORKDIR /app

    FROM chef AS planner
    COPY . .
    RUN cargo chef prepare --recipe-path recipe.json

    FROM chef AS builder
    COPY --from=planner /app/recipe.json recipe.json
    RUN cargo chef cook --release --recipe-path recipe.json {cook}
    COPY . .
    RUN cargo build --release {build}
""")


def rs102(root: Path, cook: str, build: str) -> list[int]:
    (root / "Cargo.toml").write_text(MANIFEST)
    (root / "src").mkdir()
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Dockerfile").write_text(DOCKERFILE.format(cook=cook, build=build))
    result = runner.lint_paths(discover.walk(root), root, LintConfig(hadolint=False))
    return [f.line for f in result.findings if f.rule == "RS102"]


@pytest.mark.parametrize("cook, build, reported", [
    ("", "--features runtime-env", False),  # gates the package's own code only
    ("--features http", "--features http,runtime-env", False),
    ("", "--features http", True),  # turns on an optional dependency: axum is not cooked
    ("", "--features fast", True),  # forwards a feature to tokio: tokio recompiles
    ("--features runtime-env", "--all-features", True),
    ("", "--no-default-features", False),  # `default = []`: the same either way
    ("", "--features runtime-env --bin other", True),  # no such binary: cannot tell
])
def test_features_compared_by_what_they_turn_on(tmp_path, cook, build, reported):
    assert bool(rs102(tmp_path, cook, build)) is reported
