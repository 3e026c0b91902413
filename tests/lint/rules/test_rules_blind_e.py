"""Rules changed after blind batch E (session 8, docs/field-test.md), on the shapes their
docstrings do not show: RS604 (a build script that reads a variable first, through a constant,
set by a build-arg or by the command itself; a build script that asks git whether there is a
repository before anything else), RS414 (a job that calls a reusable workflow at a branch)."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, catches_not

VERGEN_BUILD = """\
# file: Cargo.toml
[package]
name = "app"
version = "0.1.0"
edition = "2021"
[build-dependencies]
vergen = "8"
# file: Cargo.lock
version = 4
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["vergen"]
[[package]]
name = "vergen"
version = "8.3.2"
source = "registry+https://github.com/rust-lang/crates.io-index"
# file: build.rs
pub fn main() {{
    let force = "APP_FORCE_VERSION";
    if let Ok(version) = std::env::var(force) {{
        if !version.is_empty() {{
            println!("cargo:rustc-env=VERGEN_GIT_DESCRIBE={{version}}");
            return;
        }}
    }}
    vergen::EmitBuilder::builder().fail_on_error().git_describe(true, true, None).emit()
        .expect("vergen failed");
}}
# file: src/main.rs
fn main() {{}}
# file: .dockerignore
target/
.git
# file: Dockerfile
FROM rust:1.90-bookworm AS builder
WORKDIR /app
ARG APP_FORCE_VERSION{default}
COPY . .
RUN {prefix}cargo build --release
FROM debian:bookworm-slim
COPY --from=builder /app/target/release/app /usr/local/bin/app
{workflow}"""

WORKFLOW = """\
# file: .github/workflows/image.yml
on: push
jobs:
  image:
    runs-on: ubuntu-24.04
    steps:
      - uses: docker/build-push-action@v7
        with:
          build-args: |
            APP_FORCE_VERSION=${{ steps.version.outputs.describe }}
"""


@pytest.mark.parametrize("default, prefix, workflow, caught", [
    ("", "", "", True),  # nothing sets the variable: vergen runs and fails without .git
    ("=dev", "", "", False),  # the ARG's default
    ("", "APP_FORCE_VERSION=v0.0.1 ", "", False),  # the command's own assignment (pathfinder nodes/)
    ("", "", WORKFLOW, False),  # the build-arg the workflow passes (pathfinder's docker.yml)
    ("", "APP_FORCE_VERSION= ", "", True),  # set, but empty
])
def test_rs604_vergen_behind_a_variable(default, prefix, workflow, caught):
    text = VERGEN_BUILD.format(default=default, prefix=prefix, workflow=workflow)
    if caught:
        catches("RS604", text)
    else:
        catches_not("RS604", text)


PROBE_BUILD = """\
# file: Cargo.toml
[package]
name = "app"
version = "0.1.0"
edition = "2021"
# file: build.rs
use std::process::Command;
fn main() {{
    if {probe} {{
        let out = Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().unwrap();
        println!("cargo:rustc-env=HASH={{}}", String::from_utf8_lossy(&out.stdout));
    }}
}}
# file: src/main.rs
fn main() {{}}
# file: .dockerignore
target/
.git
# file: Dockerfile
FROM rust:1.90-bookworm AS builder
WORKDIR /app
COPY . .
RUN cargo build --release
FROM debian:bookworm-slim
COPY --from=builder /app/target/release/app /usr/local/bin/app
"""


@pytest.mark.parametrize("probe, caught", [
    # hermes: is_git_repo() asks `git rev-parse --git-dir` and takes a failure for "no"
    ('Command::new("git").args(["rev-parse", "--git-dir"]).output()'
     '.is_ok_and(|o| o.status.success())', False),
    ('Command::new("git").args(["rev-parse", "--is-inside-work-tree"]).status().is_ok()', False),
    # not a repository probe: the hash is still read unconditionally when this is true
    ('std::env::var("CI").is_err()', True),
])
def test_rs604_git_behind_a_repository_probe(probe, caught):
    text = PROBE_BUILD.format(probe=probe)
    if caught:
        catches("RS604", text)
    else:
        catches_not("RS604", text)


@pytest.mark.parametrize("uses, caught", [
    ("org/tools/.github/workflows/build.yml@main", True),
    ("org/tools/.github/workflows/build.yml@v2", False),
    ("./.github/workflows/build.yml", False),  # the repository's own workflow
])
def test_rs414_reads_reusable_workflow_calls(uses, caught):
    text = ("# file: .github/workflows/ci.yml\non: push\njobs:\n  call:\n"
            f"    uses: {uses}\n    secrets: inherit\n"
            "# file: .github/workflows/build.yml\non: workflow_call\njobs:\n  b:\n"
            "    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n")
    if caught:
        catches("RS414", text)
    else:
        catches_not("RS414", text)


QEMU_BUILD = """\
# file: .github/workflows/docker.yml
on: push
jobs:
  image:
    runs-on: ubuntu-24.04
    strategy:
      matrix:
        platform:
          - {{id: linux/amd64}}
          - {{id: linux/arm64}}
    steps:
      - uses: docker/setup-qemu-action@v4
      - uses: docker/build-push-action@v7
        with:
          platforms: ${{{{ matrix.platform.id }}}}
          target: {target}
# file: Dockerfile
FROM alpine:3.22 AS release
COPY app /usr/local/bin/app
FROM rust:1.95 AS dev
WORKDIR /app
COPY . .
RUN cargo build
"""


@pytest.mark.parametrize("target, caught", [
    ("dev", True),  # the arm64 leg compiles under QEMU (hermes: platforms from a matrix mapping)
    ("release", False),  # copies a prebuilt binary: nothing compiles
    ("${{ inputs.stage }}", False),  # firezone: decided at run time, cannot tell
])
def test_rs209_judges_the_stages_the_target_needs(target, caught):
    text = QEMU_BUILD.format(target=target)
    if caught:
        catches("RS209", text)
    else:
        catches_not("RS209", text)
