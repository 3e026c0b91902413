"""What CI caches: RS110 (dependencies compiled into a cache mount) and RS418 (one cache scope
exported by builds that differ)."""

from __future__ import annotations

import pytest

from tests.lint.rules.test_rules_workflow import WF, run

CHEF = """\
FROM lukemathwalker/cargo-chef:0.1.77-rust-1.95-bookworm AS chef
WORKDIR /app
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json
FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN {mount}cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release
"""
WARMUP = """\
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {{}}' > src/main.rs
RUN {mount}cargo build --release
COPY src src
RUN {mount}cargo build --release
"""


def gha(cache_to: str = "type=gha,mode=max", runs_on: str = "ubuntu-24.04",
        extra_step: str = "", file: str = "") -> str:
    return ("on: push\njobs:\n  image:\n    runs-on: " + runs_on + "\n    steps:\n" + extra_step
            + "      - uses: docker/build-push-action@v7\n        with:\n"
            + (f"          file: {file}\n" if file else "")
            + "          cache-from: type=gha\n" + f"          cache-to: {cache_to}\n")


TARGET = "--mount=type=cache,target=/app/target "
RS110_CASES = [
    ({"Dockerfile": CHEF.format(mount=TARGET), WF: gha()}, [8]),
    ({"Dockerfile": CHEF.format(mount=TARGET), WF: gha("type=registry,ref=r/app:cache")}, [8]),
    # a relative mount target is the WORKDIR's
    ({"Dockerfile": CHEF.format(mount="--mount=type=cache,id=t,target=target,sharing=locked "),
      WF: gha()}, [8]),
    # the registry download cache holds no compiled code
    ({"Dockerfile": CHEF.format(mount="--mount=type=cache,target=/usr/local/cargo/registry "),
      WF: gha()}, []),
    ({"Dockerfile": CHEF.format(mount=""), WF: gha()}, []),
    # no remote layer cache: the mount is the cache
    ({"Dockerfile": CHEF.format(mount=TARGET)}, []),
    ({"Dockerfile": CHEF.format(mount=TARGET), WF: gha("type=local,dest=/tmp/c")}, []),
    # a builder that persists (self-hosted) or mounts restored between runs
    ({"Dockerfile": CHEF.format(mount=TARGET), WF: gha(runs_on="[self-hosted, linux]")}, []),
    ({"Dockerfile": CHEF.format(mount=TARGET), WF: gha(
        extra_step="      - uses: reproducible-containers/buildkit-cache-dance@v3\n")}, []),
    # another Dockerfile is built with the cache
    ({"Dockerfile": CHEF.format(mount=TARGET), "Dockerfile.other": CHEF.format(mount=""),
      WF: gha(file="Dockerfile.other")}, []),
    # the dummy main.rs warm-up build into the mount; the final build alone is not reported
    ({"Dockerfile": WARMUP.format(mount="--mount=type=cache,target=/src/target "), WF: gha()},
     [5]),
    ({"Dockerfile": WARMUP.format(mount="--mount=type=cache,target=/src/target ").replace(
        "RUN mkdir", "RUN true && mkdir").split("RUN --mount=type=cache,target=/src/target "
                                                "cargo build --release\nCOPY")[0]
      + "RUN --mount=type=cache,target=/src/target cargo build --release\n", WF: gha()}, []),
    # CARGO_TARGET_DIR moves the output into the mount
    ({"Dockerfile": CHEF.format(mount="--mount=type=cache,target=/cache ").replace(
        "WORKDIR /app\n", "WORKDIR /app\nENV CARGO_TARGET_DIR=/cache/target\n"), WF: gha()},
     [9]),
]


@pytest.mark.parametrize("files,expected", RS110_CASES,
                         ids=[f"RS110-{i}" for i in range(len(RS110_CASES))])
def test_rs110_cook_into_cache_mount(files, expected, tmp_path):
    assert [f.line for f in run("RS110", files, tmp_path)] == expected
