"""Rules changed after blind batch F, part 1 (docs/field-test.md "Blind batch F", part 1), on the shapes their
docstrings do not show: RS410 (a SHA pin the table knows, with a stale version comment)."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import reports

CHECKOUT = """\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@{ref}  # {comment}
"""


@pytest.mark.parametrize("ref, comment, lines", [
    # checkout 7.0.1's SHA (the table's): the stale comment does not make it v4
    ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v4.5.4", []),
    # a SHA the table does not know: the comment is all there is to go on
    ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2", [6]),
])
def test_rs410_known_sha_decides_the_version(ref, comment, lines):
    reports("RS410", CHECKOUT.format(ref=ref, comment=comment), lines)


CHEF = """\
FROM lukemathwalker/cargo-chef:0.1.77-rust-1.95-bookworm AS chef
WORKDIR /app
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json
FROM chef AS base
COPY --from=planner /app/recipe.json recipe.json
COPY linera-version/api-hashes.json linera-version/api-hashes.json
FROM base AS builder
RUN --mount=type=cache,target={cook_mount},sharing=locked \\
    cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN --mount=type=cache,target={build_mount},sharing=locked \\
    cargo build --release --bin app && cp target/release/app /app-bin
"""


@pytest.mark.parametrize("cook_mount, build_mount, lines", [
    # linera-protocol: cook and build share the target/ cache mount: the dependencies live there
    ("/app/target", "/app/target", []),
    ("target", "/app/target", []),
    # the build compiles into the layer's target/, not the mount the cook filled
    ("/app/target", "/app/other", [8]),
    # cook into a cache mount the build does not use
    ("/usr/local/cargo/registry", "/app/target", [8]),
])
def test_rs104_cook_and_build_share_a_target_cache_mount(cook_mount, build_mount, lines):
    reports("RS104", CHEF.format(cook_mount=cook_mount, build_mount=build_mount), lines)


# linera-protocol's shape: one package, a server binary that waits for SIGTERM, a CLI binary
# at a custom path, and a library type whose `build` method spawns cargo
LINERA = {
    "Cargo.toml": ('[package]\nname = "svc"\nversion = "0.1.0"\nedition = "2021"\n\n'
                   '[[bin]]\nname = "svc-server"\npath = "src/server.rs"\n\n'
                   '[[bin]]\nname = "svc"\npath = "src/cli/main.rs"\n'),
    "src/lib.rs": ("pub mod project;\n\npub async fn listen_for_shutdown_signals() {\n"
                   "    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())"
                   ".unwrap().recv().await;\n}\n"),
    "src/project.rs": ("use std::process::Command;\n\npub struct Project;\n\nimpl Project {\n"
                       "    pub fn build(&self) -> std::io::Result<()> {\n"
                       "        Command::new(\"cargo\").arg(\"build\").spawn()?.wait()?;\n"
                       "        Ok(())\n    }\n}\n"),
    "src/server.rs": ("#[tokio::main]\nasync fn main() {\n"
                      "    let server = Server::builder().build();\n"
                      "    svc::listen_for_shutdown_signals().await;\n}\n"),
    "src/cli/main.rs": ("use std::process::Command;\n\nfn main() {\n"
                        "    svc::project::Project.build().unwrap();\n"
                        "    Command::new(\"svc-server\").spawn().unwrap();\n}\n"),
}
SHIPS = """\
FROM rust:1.95 AS builder
WORKDIR /app
COPY . .
RUN cargo build --release --bin {binary} && cp target/release/{binary} /
FROM debian:bookworm-slim
COPY --from=builder /{binary} ./
"""


@pytest.mark.parametrize("binary, lines", [
    # copied into the working directory: the server waits for SIGTERM and reaches no spawn (its
    # `.build()` is some builder's, not Project's; src/cli/main.rs is another binary's main)
    ("svc-server", []),
    # the CLI spawns children itself
    ("svc", [5]),
])
def test_rs304_server_in_workdir_reaches_no_child(binary, lines):
    reports("RS304", SHIPS.format(binary=binary), lines, context=LINERA)


# spin's shape: a free `run` (what main calls) and a method `run` of another type in one file;
# the free one reaches the spawn, so the method's type must not hide it
SPIN = {
    "Cargo.toml": ('[package]\nname = "tool"\nversion = "0.1.0"\nedition = "2021"\n\n'
                   '[[bin]]\nname = "tool"\npath = "src/bin/tool.rs"\n'),
    "src/lib.rs": ("use tokio::process::Command;\n\npub struct App;\n\nimpl App {\n"
                   "    pub async fn run(self) {}\n}\n\npub async fn run() {\n"
                   "    external().await;\n}\n\nasync fn external() {\n"
                   "    let mut child = Command::new(\"plugin\").spawn().unwrap();\n"
                   "    let mut term = tokio::signal::unix::signal("
                   "tokio::signal::unix::SignalKind::terminate()).unwrap();\n"
                   "    term.recv().await;\n    child.wait().await.unwrap();\n}\n"),
    "src/bin/tool.rs": "#[tokio::main]\nasync fn main() {\n    tool::run().await;\n}\n",
}
TOOL = """\
FROM rust:1.95 AS builder
WORKDIR /app
COPY . .
RUN cargo build --release --bin tool
FROM debian:bookworm-slim
COPY --from=builder /app/target/release/tool /usr/local/bin/tool
ENTRYPOINT ["/usr/local/bin/tool"]
"""


def test_rs304_free_function_reaches_children_despite_a_method_of_its_name():
    reports("RS304", TOOL, [7], context=SPIN)


# openzeppelin-relayer's integration image: the builder compiles a test binary, CI builds the
# image and runs it, nothing pushes it
INTEGRATION = """\
FROM rust:1.95 AS builder
WORKDIR /app
COPY . .
RUN cargo {command} --release && cp target/release/deps/app-* /app/bin
FROM debian:bookworm-slim AS runtime
WORKDIR /app
COPY --from=builder /app/bin ./app
CMD ["sh", "-c", "./app --nocapture --test-threads=1"]
"""
RUNS_IT = """\
on: workflow_dispatch
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - run: docker build -f Dockerfile.{name} --target runtime -t relayer-{name}:latest .
      - run: docker run --rm relayer-{name}:latest
"""


@pytest.mark.parametrize("command, lines", [
    ("test --test integration --no-run", []),  # ships a test harness: a test image
    ("build", [8]),  # ships a program: judged as a runtime
])
def test_rs304_image_of_a_test_binary_built_in_ci(command, lines):
    reports("RS304", {"Dockerfile.relay": INTEGRATION.format(command=command),
                      ".github/workflows/it.yml": RUNS_IT.format(name="relay")}, lines)


# linera-protocol's docker/debug/Dockerfile.debug: a `kubectl debug` toolbox, built by hand
TOOLBOX = """\
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends gdb strace curl
COPY scripts/cpu-profile.sh /usr/local/bin/
{start}
"""


@pytest.mark.parametrize("start, lines", [
    ('ENTRYPOINT ["/bin/bash"]', []),  # a bare shell: people run commands in it
    ('CMD ["bash"]', []),
    ('ENTRYPOINT ["/bin/bash", "/usr/local/bin/cpu-profile.sh"]', [4]),  # runs a script
])
def test_rs304_shell_toolbox_nothing_builds(start, lines):
    reports("RS304", TOOLBOX.format(start=start), lines)
