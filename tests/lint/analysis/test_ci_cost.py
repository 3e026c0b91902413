"""ci_cost: compiles, emulated stages and runners per build step and platform."""

from __future__ import annotations

import pytest

from rsdock.lint.analysis.ci_cost import ci_cost
from rsdock.lint.model.dockerfile import parse_dockerfile
from rsdock.lint.model.workflow_reader import parse_workflow

CROSS_BUILD = """\
FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
ARG TARGETPLATFORM
RUN cargo build --release --bin server
FROM debian:bookworm-slim AS runtime
RUN apt-get update
COPY --from=builder /out/server /server
"""
WASM_ONCE = """\
FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
RUN trunk build --release
FROM busybox
COPY --from=builder /dist /www
"""
EMULATED_COMPILE = """\
FROM rust:1.95 AS builder
RUN cargo build --release
FROM scratch
COPY --from=builder /x /x
"""


def workflow(runs_on: str, platforms: str, matrix: str = "", file: str = "Dockerfile") -> str:
    return (f"on: push\njobs:\n  build:\n    runs-on: {runs_on}\n{matrix}    steps:\n"
            f"      - uses: docker/build-push-action@v7\n        with:\n"
            f"          file: {file}\n          platforms: {platforms}\n")


NATIVE = ("    strategy:\n      matrix:\n        include:\n"
          "          - {platform: linux/amd64, runner: ubuntu-24.04}\n"
          "          - {platform: linux/arm64, runner: ubuntu-24.04-arm}\n")


def cost(workflow_text: str, dockerfile: str):
    return [(c.platform, c.runner, c.compiles, c.emulated) for c in ci_cost(
        {"w.yml": parse_workflow("w.yml", workflow_text)},
        {"Dockerfile": parse_dockerfile("Dockerfile", dockerfile)})]


@pytest.mark.parametrize("text, dockerfile, expected", [
    (workflow("ubuntu-latest", "linux/amd64,linux/arm64"), CROSS_BUILD,
     [("linux/amd64", "ubuntu-latest", 1, ()), ("linux/arm64", "ubuntu-latest", 1, ("runtime",))]),
    # a $BUILDPLATFORM stage that reads no TARGET* argument is built once for all platforms
    (workflow("ubuntu-latest", "linux/amd64,linux/arm64"), WASM_ONCE,
     [("linux/amd64", "ubuntu-latest", 1, ()), ("linux/arm64", "ubuntu-latest", 0, ())]),
    # each matrix leg is a job of its own: nothing shared, and arm64 is native on its runner
    (workflow("${{ matrix.runner }}", "${{ matrix.platform }}", NATIVE), WASM_ONCE,
     [("linux/amd64", "ubuntu-24.04", 1, ()), ("linux/arm64", "ubuntu-24.04-arm", 1, ())]),
    (workflow("${{ matrix.runner }}", "${{ matrix.platform }}", NATIVE), CROSS_BUILD,
     [("linux/amd64", "ubuntu-24.04", 1, ()), ("linux/arm64", "ubuntu-24.04-arm", 1, ())]),
    # a compiler on the target platform is emulated
    (workflow("ubuntu-latest", "linux/arm64"), EMULATED_COMPILE,
     [("linux/arm64", "ubuntu-latest", 1, ("builder",))]),
    # a Dockerfile that is not among the files is not measured
    (workflow("ubuntu-latest", "linux/arm64", file="other/Dockerfile"), CROSS_BUILD, []),
])
def test_ci_cost(text, dockerfile, expected):
    assert cost(text, dockerfile) == expected


SHARED_BUILDER = """\
FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
ARG TARGETPLATFORM
RUN cargo build --release --bin server --bin migrate
FROM debian:bookworm-slim AS server
COPY --from=builder /out/server /server
FROM debian:bookworm-slim AS migrate
COPY --from=builder /out/migrate /migrate
"""


def _targets(runs_on: str, platforms: str, *steps: str, matrix: str = "",
             args: tuple[str, ...] = ()) -> str:
    text = f"on: push\njobs:\n  build:\n    runs-on: {runs_on}\n{matrix}    steps:\n"
    for number, target in enumerate(steps):
        text += (f"      - uses: docker/build-push-action@v7\n        with:\n"
                 f"          file: Dockerfile\n          target: {target}\n"
                 f"          platforms: {platforms}\n")
        if args:
            text += f"          build-args: {args[number]}\n"
    return text


@pytest.mark.parametrize("text, expected", [
    # one builder for many images: the second step of the job takes the builder from the
    # buildx builder's cache, for each platform
    (_targets("ubuntu-latest", "linux/amd64,linux/arm64", "server", "migrate"),
     [("linux/amd64", "ubuntu-latest", 1, ()), ("linux/arm64", "ubuntu-latest", 1, ()),
      ("linux/amd64", "ubuntu-latest", 0, ()), ("linux/arm64", "ubuntu-latest", 0, ())]),
    # per matrix leg as well
    (_targets("${{ matrix.runner }}", "${{ matrix.platform }}", "server", "migrate",
              matrix=NATIVE),
     [("linux/amd64", "ubuntu-24.04", 1, ()), ("linux/arm64", "ubuntu-24.04-arm", 1, ()),
      ("linux/amd64", "ubuntu-24.04", 0, ()), ("linux/arm64", "ubuntu-24.04-arm", 0, ())]),
    # other build arguments are another build
    (_targets("ubuntu-latest", "linux/arm64", "server", "migrate", args=("A=1", "A=2")),
     [("linux/arm64", "ubuntu-latest", 1, ()), ("linux/arm64", "ubuntu-latest", 1, ())]),
])
def test_later_steps_of_a_job_reuse_the_shared_builder(text, expected):
    assert cost(text, SHARED_BUILDER) == expected


def test_separate_jobs_share_nothing():
    one = _targets("ubuntu-latest", "linux/arm64", "server")
    two = one.replace("  build:\n", "  second:\n").split("jobs:\n")[1]
    assert [c[2] for c in cost(one + two, SHARED_BUILDER)] == [1, 1]
