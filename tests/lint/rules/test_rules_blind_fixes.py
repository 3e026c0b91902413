"""Rules added or changed after the blind batches (docs/field-test.md), on the shapes their
docstrings do not show: RS214 (ADD of a URL without --checksum), RS215 (``~`` in ENV PATH),
RS436 (workflow_run without a conclusion check), RS604 (``.git`` only where the compile sees the
whole context)."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, catches_not

WORKFLOW_RUN = """\
# file: .github/workflows/image.yml
on:
  workflow_run:
    workflows: ["CI"]
    types: [completed]
jobs:
  gate:
    if: {gate}
    runs-on: ubuntu-24.04
    steps:
      - run: echo ok
  image:
    needs: gate
    runs-on: ubuntu-24.04
    steps:
      - if: {step}
        uses: docker/build-push-action@v7
        with:
          outputs: type=image,name=${{{{ env.IMAGE }}}},push-by-digest=true,push=true
"""


@pytest.mark.parametrize("text, lines", [
    ("FROM alpine\nADD https://example.com/a.tar.gz /opt/\n", [2]),
    ("FROM alpine\nADD --chown=1:1 http://example.com/x /x\n", [2]),
    ("FROM alpine\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://example.com/x /x\n", None),
    ("FROM alpine\nADD https://github.com/o/r.git#v1.2.3 /src\n", None),
    ("FROM alpine\nADD vendor.tar.gz /opt/\n", None),
])
def test_rs214_add_url(text, lines):
    if lines is None:
        catches_not("RS214", text)
    else:
        catches("RS214", text, lines=lines)


@pytest.mark.parametrize("text, lines", [
    ("FROM alpine\nENV PATH ~/bin:$PATH\n", [2]),
    ("FROM alpine\nENV A=1 LD_LIBRARY_PATH=~/lib\n", [2]),
    ("FROM alpine\nENV PATH=/root/bin:$PATH\n", None),
    ("FROM alpine\nENV GREETING=~hello\n", None),  # not a search path
])
def test_rs215_tilde(text, lines):
    if lines is None:
        catches_not("RS215", text)
    else:
        catches("RS215", text, lines=lines)


@pytest.mark.parametrize("gate, step, caught", [
    ("github.event.workflow_run.conclusion == 'success'", "always()", False),  # through needs
    ("always()", "github.event.workflow_run.conclusion == 'success'", False),  # on the step
    ("always()", "always()", True),
    ("github.event.workflow_run.event == 'push'", "always()", True),
])
def test_rs436_conclusion_through_needs_and_steps(gate, step, caught):
    text = WORKFLOW_RUN.format(gate=gate, step=step)
    if caught:
        catches("RS436", text)
    else:
        catches_not("RS436", text)


def test_rs436_ignores_workflows_that_push_nothing():
    catches_not("RS436", WORKFLOW_RUN.format(gate="always()", step="always()").replace(
        "push=true", "push=false"))


GIT_BUILD = """\
# file: Cargo.toml
[package]
name = "app"
version = "0.1.0"
edition = "2021"
# file: build.rs
fn main() {{
    let out = std::process::Command::new("git").args(["rev-parse", "HEAD"]).output().unwrap();
    println!("cargo:rustc-env=GIT_SHA={{}}", String::from_utf8_lossy(&out.stdout));
}}
# file: src/main.rs
fn main() {{}}
# file: .dockerignore
target/
.git
# file: Dockerfile
FROM rust:1.90-bookworm AS builder
WORKDIR /app
{sources}
FROM debian:bookworm-slim
COPY --from=builder /app/target/release/app /usr/local/bin/app
"""


@pytest.mark.parametrize("sources, caught", [
    ("COPY . .\nRUN cargo build --release\n", True),
    ("RUN --mount=type=bind,target=. cargo build --release\n", True),
    ("RUN --mount=type=bind,source=src,target=src \\\n"
     "    --mount=type=bind,source=build.rs,target=build.rs \\\n"
     "    --mount=type=bind,source=Cargo.toml,target=Cargo.toml \\\n"
     "    cargo build --release\n", False),
])
def test_rs604_git_only_where_the_compile_sees_the_whole_context(sources, caught):
    text = GIT_BUILD.format(sources=sources)
    if caught:
        catches("RS604", text)
    else:
        catches_not("RS604", text)
