"""What CI caches: RS110 (dependencies compiled into a cache mount) and RS418 (one cache scope
exported by builds that differ)."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import findings, reports
from tests.lint.rules.test_rules_workflow import WF

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
def test_rs110_cook_into_cache_mount(files, expected):
    reports("RS110", files, expected)


ARGS_DOCKERFILE = "FROM rust:1.95-slim-bookworm\nARG TARGET\nARG FEATURES=default\nRUN true\n"


def matrix_job(scope: str, args: str, job: str = "image", matrix: str = "target: [a, b]") -> str:
    return (f"  {job}:\n    runs-on: ubuntu-24.04\n    strategy:\n      matrix:\n        {matrix}\n"
            "    steps:\n      - uses: docker/build-push-action@v7\n        with:\n"
            f"          build-args: {args}\n          cache-to: type=gha,scope={scope},mode=max\n")


def plain_job(scope: str, args: str, job: str) -> str:
    return (f"  {job}:\n    runs-on: ubuntu-24.04\n    steps:\n"
            "      - uses: docker/build-push-action@v7\n        with:\n"
            f"          build-args: {args}\n          cache-to: type=gha,scope={scope},mode=max\n")


HEAD = "on: push\njobs:\n"
RS418_CASES = [
    # one matrix, one scope, a build-arg per entry
    ({WF: HEAD + matrix_job("app", "TARGET=${{ matrix.target }}")}, [(WF, 12)]),
    ({WF: HEAD + matrix_job("app-${{ matrix.target }}", "TARGET=${{ matrix.target }}")}, []),
    # the build-arg is not one the Dockerfile declares: same layers
    ({WF: HEAD + matrix_job("app", "UNUSED=${{ matrix.target }}")}, []),
    # two jobs, one scope, different build-args
    ({WF: HEAD + plain_job("app", "FEATURES=full", "a") + plain_job("app", "FEATURES=lite", "b")},
     [(WF, 16)]),
    ({WF: HEAD + plain_job("app", "FEATURES=full", "a") + plain_job("app", "FEATURES=full", "b")},
     []),
    # values rsdock cannot resolve are not compared
    ({WF: HEAD + plain_job("app", "FEATURES=${{ vars.A }}", "a")
      + plain_job("app", "FEATURES=${{ vars.B }}", "b")}, []),
    # a scope rsdock cannot resolve
    ({WF: HEAD + matrix_job("${{ github.ref_name }}", "TARGET=${{ matrix.target }}")}, []),
    # across workflow files: the later file's export is reported
    ({WF: HEAD + plain_job("app", "FEATURES=full", "a"),
      ".github/workflows/zz-release.yml": HEAD + plain_job("app", "FEATURES=lite", "b")},
     [(".github/workflows/zz-release.yml", 9)]),
]


@pytest.mark.parametrize("files,expected", RS418_CASES,
                         ids=[f"RS418-{i}" for i in range(len(RS418_CASES))])
def test_rs418_one_scope_two_builds(files, expected):
    files = {"Dockerfile": ARGS_DOCKERFILE, **files}
    reports("RS418", files, [line for _path, line in expected])
    assert [(f.path, f.line) for f in findings("RS418", files)] == expected
