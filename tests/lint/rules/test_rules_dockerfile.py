"""Table-driven tests for the Dockerfile rules (RS1xx chef, RS2xx cross, RS3xx runtime)."""

from __future__ import annotations

import posixpath
import textwrap

import pytest

from rsdock.lint.analysis import build
from rsdock.lint.model import cargo
from rsdock.lint.knowledge import platforms
from rsdock.lint.model.dockerfile import parse_dockerfile
from rsdock.lint.model.findings import Severity
from rsdock.lint.rules.rule import Context, all_rules
from tests.lint.rules.harness import catches, catches_not, fixed, reports

# (the project rules among them, RS209, need workflows: test_rule_docs lints their examples)
DOCKERFILE_RULES = {rid: r for rid, r in all_rules().items()
                    if rid[:3] in ("RS1", "RS2", "RS3") and r.target == "dockerfile"}


# The research's snippets (research.ko.md), combined as a user would combine them.
CHEF_SNIPPET = """\
FROM lukemathwalker/cargo-chef:latest-rust-1 AS chef
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json --bin backend
COPY . .
RUN cargo build --release --bin backend

FROM debian:bookworm-slim AS runtime
COPY --from=builder /app/target/release/backend /usr/local/bin
ENTRYPOINT ["/usr/local/bin/backend"]
"""

CROSS_SNIPPET = """\
FROM --platform=$BUILDPLATFORM rust:1.86-bookworm AS builder
ARG TARGETPLATFORM
RUN case "$TARGETPLATFORM" in \\
      "linux/amd64") echo x86_64-unknown-linux-gnu > /rust_target.txt ;; \\
      "linux/arm64") echo aarch64-unknown-linux-gnu > /rust_target.txt ;; \\
      "linux/arm/v7") echo armv7-unknown-linux-gnueabihf > /rust_target.txt ;; \\
      *) echo "Unsupported platform: $TARGETPLATFORM" && exit 1 ;; \\
    esac
RUN export RUST_TARGET=$(cat /rust_target.txt) && \\
    rustup target add $RUST_TARGET
RUN apt-get update && apt-get install -y --no-install-recommends \\
    gcc-aarch64-linux-gnu \\
    gcc-arm-linux-gnueabihf \\
    gcc-x86-64-linux-gnu \\
    libc6-dev-arm64-cross \\
    libc6-dev-armhf-cross \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN export RUST_TARGET=$(cat /rust_target.txt) && \\
    case "$RUST_TARGET" in \\
      "aarch64-unknown-linux-gnu") \\
        export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc ;; \\
      "armv7-unknown-linux-gnueabihf") \\
        export CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc ;; \\
    esac && \\
    cargo build --release --target $RUST_TARGET --bin backend

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends \\
    ca-certificates \\
    tini \\
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /app/target/release/backend /usr/local/bin/backend
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/backend"]
"""

# Trap 1 and 3: the chef snippet's stages and the cross snippet's builder, combined.
COMBINED = CHEF_SNIPPET.split("FROM chef AS builder")[0] + CROSS_SNIPPET.replace(
    "WORKDIR /app\nCOPY . .\n",
    "RUN cargo install cargo-chef --locked\nWORKDIR /app\n"
    "COPY --from=planner /app/recipe.json recipe.json\n"
    "RUN cargo chef cook --release --recipe-path recipe.json --bin backend\nCOPY . .\n")


def lines_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("rule_id, text, expected", [
    # The cross snippet alone: correct linker handling, but the runtime copy misses --target.
    ("RS207", CROSS_SNIPPET, []),
    ("RS206", CROSS_SNIPPET, []),
    ("RS205", CROSS_SNIPPET, []),
    ("RS203", CROSS_SNIPPET, []),
    ("RS204", CROSS_SNIPPET, []),
    ("RS201", CROSS_SNIPPET, []),
    ("RS202", CROSS_SNIPPET, []),
    ("RS208", CROSS_SNIPPET, []),
    ("RS305", CROSS_SNIPPET, [("RS305", lines_of(CROSS_SNIPPET, "COPY --from=builder"))]),
    ("RS302", CROSS_SNIPPET, []),
    ("RS303", CROSS_SNIPPET, []),
    ("RS304", CROSS_SNIPPET, []),
    ("RS306", CROSS_SNIPPET, [("RS306", lines_of(CROSS_SNIPPET, "AS runtime"))]),
    # The chef snippet alone: consistent chef use, but no tini and no CA bundle.
    ("RS101", CHEF_SNIPPET, []),
    ("RS102", CHEF_SNIPPET, []),
    ("RS103", CHEF_SNIPPET, []),
    ("RS104", CHEF_SNIPPET, []),
    ("RS105", CHEF_SNIPPET, []),
    ("RS106", CHEF_SNIPPET, []),
    ("RS305", CHEF_SNIPPET, []),
    ("RS304", CHEF_SNIPPET, [("RS304", lines_of(CHEF_SNIPPET, "ENTRYPOINT"))]),
    ("RS302", CHEF_SNIPPET, [("RS302", lines_of(CHEF_SNIPPET, "AS runtime"))]),
    # Combined: cook lacks --target (trap 1), chef's latest-rust-1 vs rust:1.86 (trap 3).
    ("RS102", COMBINED, [("RS102", lines_of(COMBINED, "cargo chef cook"))]),
    ("RS105", COMBINED, [("RS105", 1)]),
    ("RS305", COMBINED, [("RS305", lines_of(COMBINED, "COPY --from=builder"))]),
    ("RS106", COMBINED, []),
    ("RS207", COMBINED, []),
])
def test_research_snippets(rule_id, text, expected, tmp_path):
    reports(rule_id, text, [line for _rule, line in expected])


HEAD = "FROM --platform=$BUILDPLATFORM rust:1.95 AS builder\n"
ARM64_TOOLS = ("RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu "
               "libc6-dev-arm64-cross && rustup target add aarch64-unknown-linux-gnu\n")
ARM64_ENV = "ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc\n"
BUILD_ARM64 = "RUN cargo build --release --target aarch64-unknown-linux-gnu\n"
# a stage whose build follows the target platform (it reads TARGETARCH): cross-compiling
BUILD_PER_ARCH = "ARG TARGETARCH\nRUN echo \"$TARGETARCH\"\n" + BUILD_ARM64
CASE = ('RUN case "$TARGETPLATFORM" in \\\n'
        '      linux/amd64) T=x86_64-unknown-linux-gnu ;; \\\n'
        '      linux/arm64) T=aarch64-unknown-linux-gnu ;; \\\n'
        '      *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \\\n'
        '    esac && rustup target add "$T" && \\\n'
        '    cargo build --release --target "$T"\n')
PACKAGES = "RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross\n"
CHEF = ("FROM --platform=$BUILDPLATFORM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef\n"
        "WORKDIR /app\n"
        "FROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path recipe.json\n"
        "FROM chef AS builder\n")  # lines 1-6
RECIPE = "COPY --from=planner /app/recipe.json recipe.json\n"


@pytest.mark.parametrize("rule_id, text, expected", [
    # RS101 cook before COPY . .
    ("RS101", CHEF + RECIPE + "COPY . .\nRUN cargo chef cook --recipe-path recipe.json\n",
     [("RS101", 8)]),
    ("RS101", CHEF + "COPY ./ /app/\n" + RECIPE + "RUN cargo chef cook --recipe-path recipe.json\n",
     [("RS101", 7)]),
    ("RS101", CHEF + RECIPE + "RUN cargo chef cook --recipe-path recipe.json\nCOPY . .\n", []),
    # RS102 cook and build agree
    ("RS102", CHEF + RECIPE + "RUN cargo chef cook --release --recipe-path recipe.json\n"
     "COPY . .\nRUN cargo build\n", [("RS102", 8)]),
    ("RS102", CHEF + RECIPE + "RUN cargo chef cook --release --recipe-path recipe.json -F a\n"
     "COPY . .\nRUN cargo build --release --features a\n", []),
    ("RS102", CHEF + RECIPE + "RUN cargo chef cook --release --recipe-path recipe.json\n"
     "COPY . .\nRUN cargo build --release --all-features\n", [("RS102", 8)]),
    ("RS102", CHEF + RECIPE + "RUN cargo +nightly chef cook --release --recipe-path r.json\n"
     "COPY . .\nRUN cargo build --release\n", [("RS102", 8)]),
    ("RS102", CHEF + RECIPE + "RUN cargo chef cook --release --bin a --recipe-path r.json\n"
     "COPY . .\nRUN cargo build --release --bin a\n", []),
    ("RS102", CHEF + RECIPE + "RUN cargo chef cook --release --bin a --recipe-path r.json\n"
     "COPY . .\nRUN cargo build --release\n", [("RS102", 8)]),
    ("RS102", CHEF + "ARG TARGETPLATFORM\n" + RECIPE + CASE.replace(
        'cargo build --release --target "$T"', 'cargo chef cook --release --target "$T" '
        '--recipe-path recipe.json && cargo build --release --target "$T"'), []),
    ("RS102", CHEF + RECIPE + "RUN cargo chef cook --release --zigbuild --target "
     "aarch64-unknown-linux-gnu --recipe-path recipe.json\nCOPY . .\n"
     "RUN cargo zigbuild --release --target aarch64-unknown-linux-gnu\n", []),
    # field test: the triple written to a relative file in WORKDIR, read back as ./file
    ("RS102", CHEF + "ARG TARGETPLATFORM\n" + RECIPE + 'RUN case "$TARGETPLATFORM" in \\\n'
     '  linux/arm64) t=aarch64-unknown-linux-gnu ;; *) exit 1 ;; esac && printf "$t" > triple'
     ' && cargo chef cook --zigbuild --release --target "$t" --recipe-path recipe.json\n'
     "COPY . .\nRUN cargo zigbuild --release --target $(cat ./triple)\n", []),
    # RS103 planner has the source
    ("RS103", "FROM rust:1.95 AS planner\nRUN cargo chef prepare --recipe-path r.json\n",
     [("RS103", 2)]),
    ("RS103", "FROM rust:1.95 AS planner\nCOPY Cargo.toml Cargo.lock ./\nCOPY src src\n"
     "RUN cargo chef prepare --recipe-path r.json\n", []),
    # RS104 only the recipe before cook
    ("RS104", CHEF + RECIPE + "COPY src src\nRUN cargo chef cook --recipe-path recipe.json\n",
     [("RS104", 8)]),
    ("RS104", CHEF + "COPY recipe.json .\nRUN cargo chef cook --recipe-path recipe.json\n",
     [("RS104", 7), ("RS104", 8)]),
    ("RS104", CHEF + "COPY rust-toolchain.toml .\nCOPY .cargo/config.toml .cargo/\n" + RECIPE
     + "RUN cargo chef cook --recipe-path recipe.json\n", []),
    # field test: a helper the cook RUN sources (or runs) decides how cook runs
    ("RS104", CHEF + RECIPE + "COPY target.sh ./\nRUN . ./target.sh && cargo chef cook "
     "--recipe-path recipe.json\n", []),
    ("RS104", CHEF + RECIPE + "COPY ci/triple.sh /usr/local/bin/\nRUN sh /usr/local/bin/triple.sh"
     " && cargo chef cook --recipe-path recipe.json\n", []),
    ("RS104", CHEF + RECIPE + "COPY target.sh ./\nRUN cargo chef cook --recipe-path recipe.json"
     "\nRUN . ./target.sh\n", [("RS104", 8)]),
    # a makefile that installs the toolchain cook needs (madara: `make -f Makefile install-llvm19`
    # in the chef base stage; `make -C`, a Makefile in the working directory)
    ("RS104", CHEF.replace("WORKDIR /app\n", "WORKDIR /app\nCOPY Makefile /tmp/Makefile\n"
                           "RUN cd /tmp && make -f Makefile install-llvm\n") + RECIPE +
     "RUN cargo chef cook --recipe-path recipe.json\n", []),
    ("RS104", CHEF + "COPY tools/Makefile tools/\nRUN make -C tools llvm\n" + RECIPE +
     "RUN cargo chef cook --recipe-path recipe.json\n", []),
    ("RS104", CHEF + "COPY Makefile ./\nRUN make deps\n" + RECIPE +
     "RUN cargo chef cook --recipe-path recipe.json\n", []),
    ("RS104", CHEF + "COPY Makefile ./\nRUN make -C other deps\n" + RECIPE +
     "RUN cargo chef cook --recipe-path recipe.json\n", [("RS104", 7)]),
    ("RS104", CHEF + "COPY install.py ./\nRUN python3 install.py\n" + RECIPE +
     "RUN cargo chef cook --recipe-path recipe.json\n", []),
    # RS105 one Rust version; the builder must satisfy the workspace's rust-version
    ("RS105", "FROM lukemathwalker/cargo-chef:latest-rust-1 AS chef\nWORKDIR /app\n"
     "FROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path r.json\n"
     "FROM chef AS builder\nCOPY --from=planner /app/r.json r.json\n"
     "RUN cargo chef cook --recipe-path r.json\nCOPY . .\nRUN cargo build\n", []),
    ("RS105", "FROM lukemathwalker/cargo-chef:0.1.71-rust-1.86-bookworm AS chef\n"
     "FROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path r.json\n"
     "FROM rust:1.85 AS builder\nRUN cargo build\n", [("RS105", 1)]),
    ("RS105", "FROM lukemathwalker/cargo-chef:latest-rust-1 AS chef\n"
     "FROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path r.json\n"
     "FROM rust:1.95 AS builder\nRUN rustup default 1.95 && cargo build\n", []),
    # RS106 build where cooked
    ("RS106", CHEF + RECIPE + "RUN cargo chef cook --recipe-path recipe.json\n"
     "FROM rust:1.95 AS other\nCOPY . .\nRUN cargo build\n", [("RS106", 11)]),
])
def test_chef_rules(rule_id, text, expected, tmp_path):
    reports(rule_id, text, [line for _rule, line in expected])


@pytest.mark.parametrize("rule_id, text, expected", [
    # RS201 builder on $BUILDPLATFORM; single-platform builds without --target are fine
    # field test: a fixed --target that does not follow TARGETPLATFORM is not cross-compiling
    # for it (a per-arch Dockerfile built natively); RS209 says when a workflow emulates it
    ("RS201", "FROM rust:1.95 AS builder\n" + BUILD_ARM64, []),
    ("RS201", "FROM --platform=$TARGETPLATFORM rust:1.95 AS builder\n" + BUILD_ARM64, []),
    ("RS201", "FROM rust:1.95 AS builder\nARG TARGETARCH\nRUN echo $TARGETARCH\n" + BUILD_ARM64,
     [("RS201", 1)]),
    # field test: wasm32 output is the same for every platform: not cross-compiling
    ("RS201", "FROM rust:1.95 AS web\nRUN cargo build --release --target wasm32-unknown-unknown\n",
     []),
    ("RS201", "FROM --platform=${BUILDPLATFORM} rust:1.95 AS builder\n" + BUILD_ARM64, []),
    ("RS201", "FROM rust:1.95 AS builder\nRUN cargo build --release\n", []),
    ("RS201", CHEF.replace("--platform=$BUILDPLATFORM ", "") + "ARG TARGETPLATFORM\n" + CASE,
     [("RS201", 1)]),
    ("RS201", CHEF + "ARG TARGETPLATFORM\n" + CASE, []),
    # field test: a --target chosen from the machine's own architecture is native by design
    ("RS201", "FROM rust:1.95 AS builder\nRUN case \"$(dpkg --print-architecture)\" in \\\n"
     "  amd64) T=x86_64-unknown-linux-musl ;; arm64) T=aarch64-unknown-linux-musl ;; \\\n"
     "  *) exit 1 ;; esac && cargo build --release --target \"$T\"\n", []),
    # field test: a cross image per architecture chosen by `FROM build-$TARGETARCH`
    ("RS201", "FROM --platform=$BUILDPLATFORM a AS build-amd64\n"
     "FROM --platform=$BUILDPLATFORM b AS build-arm64\n"
     "FROM build-$TARGETARCH AS builder\nARG TARGETPLATFORM\n" + CASE, []),
    ("RS201", "FROM --platform=$BUILDPLATFORM a AS build-amd64\n"
     "FROM b AS build-arm64\n"
     "FROM build-$TARGETARCH AS builder\nARG TARGETPLATFORM\n" + CASE, [("RS201", 2)]),
    ("RS201", "FROM --platform=$BUILDPLATFORM a AS build-amd64\n"
     "FROM b AS build-arm64\nFROM build-$TARGETARCH AS builder\n" + BUILD_ARM64, []),
    # RS202 ARG TARGETPLATFORM declared in the stage that reads it
    ("RS202", HEAD + CASE, [("RS202", 2)]),
    ("RS202", "ARG TARGETPLATFORM\n" + HEAD + CASE, [("RS202", 3)]),
    ("RS202", HEAD + "ARG TARGETPLATFORM\n" + CASE, []),
    # field test: a stage built FROM another inherits its ARGs (BuildKit: "Arguments and
    # variables are inherited from parent stages"); an unrelated stage does not
    ("RS202", HEAD + "ARG TARGETARCH\nRUN echo $TARGETARCH\nFROM builder\nRUN echo $TARGETARCH\n",
     []),
    ("RS202", HEAD + "ARG TARGETARCH\nRUN echo $TARGETARCH\nFROM debian\nRUN echo $TARGETARCH\n",
     [("RS202", 5)]),
    ("RS202", HEAD + "COPY target/${TARGETARCH}/app /app\n", [("RS202", 2)]),
    # RS203 unknown platforms exit non-zero
    ("RS203", HEAD + "ARG TARGETPLATFORM\n" + CASE, []),
    ("RS203", HEAD + "ARG TARGETPLATFORM\n" + CASE.replace(
        '*) echo "unsupported: $TARGETPLATFORM" >&2; exit 1', '*) echo unsupported'),
     [("RS203", 6)]),
    ("RS203", HEAD + "ARG TARGETPLATFORM\n" + CASE.replace(
        '      *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;; \\\n', ''), [("RS203", 3)]),
    ("RS203", HEAD + "ARG TARGETARCH\nRUN case $TARGETARCH in amd64) T=x ;; esac\n",
     [("RS203", 3)]),
    ("RS203", HEAD + 'RUN case "$T" in a) T=x ;; esac\n', []),
    # RS204 the arm's triple and packages belong to its platform
    ("RS204", HEAD + "ARG TARGETPLATFORM\n" + CASE.replace("linux/arm64) T=aarch64",
                                                          "linux/arm/v7) T=aarch64"),
     [("RS204", 5)]),
    ("RS204", HEAD + "ARG TARGETPLATFORM\n" + CASE.replace(
        "linux/arm64) T=aarch64-unknown-linux-gnu",
        "linux/arm/v7) T=arm-unknown-linux-gnueabihf"), [("RS204", 5)]),
    ("RS204", HEAD + "ARG TARGETPLATFORM\n" + CASE.replace(
        "linux/arm64) T=aarch64-unknown-linux-gnu",
        "linux/arm64|linux/arm64/v8) T=aarch64-unknown-linux-musl"), []),
    ("RS204", HEAD + "ARG TARGETARCH\nRUN case $TARGETARCH in \\\n"
     " arm64) apt-get install -y gcc-arm-linux-gnueabihf ;; \\\n *) exit 1 ;; esac\n",
     [("RS204", 4)]),
    ("RS204", HEAD + "ARG TARGETARCH\nRUN case $TARGETARCH in \\\n"
     " arm64) apt-get install -y gcc-aarch64-linux-gnu gcc-x86-64-linux-gnu ;; \\\n"
     " *) exit 1 ;; esac\n", []),
    # RS205 rustup target add
    ("RS205", HEAD + ARM64_ENV + PACKAGES + BUILD_ARM64, [("RS205", 4)]),
    ("RS205", HEAD + ARM64_ENV + ARM64_TOOLS + BUILD_ARM64, []),
    ("RS205", HEAD + "RUN cargo build --target x86_64-unknown-linux-gnu\n", []),
    ("RS205", HEAD + "RUN xx-cargo build --target aarch64-unknown-linux-gnu\n", []),
    ("RS205", HEAD + "ARG TARGETPLATFORM\n" + CASE.replace('rustup target add "$T" && ', ''),
     [("RS205", 8)]),
    ("RS205", "FROM --platform=$BUILDPLATFORM messense/rust-musl-cross:aarch64-musl\n"
     "RUN cargo build --target aarch64-unknown-linux-musl\n", []),
    # RS206 cross packages
    ("RS206", HEAD + ARM64_ENV + "RUN apt-get install -y --no-install-recommends "
     "gcc-aarch64-linux-gnu && rustup target add aarch64-unknown-linux-gnu\n" + BUILD_ARM64,
     [("RS206", 3)]),
    # with recommends, gcc-aarch64-linux-gnu brings libc6-dev-arm64-cross (Debian's lists);
    # g++-aarch64-linux-gnu depends on it (blind B: oxigraph, stalwart)
    ("RS206", HEAD + ARM64_ENV + "RUN apt-get install -y gcc-aarch64-linux-gnu && "
     "rustup target add aarch64-unknown-linux-gnu\n" + BUILD_ARM64, []),
    ("RS206", HEAD + ARM64_ENV + "RUN apt-get install -y --no-install-recommends "
     "g++-aarch64-linux-gnu && rustup target add aarch64-unknown-linux-gnu\n" + BUILD_ARM64, []),
    ("RS206", HEAD + ARM64_ENV + "RUN rustup target add aarch64-unknown-linux-gnu\n" + BUILD_ARM64,
     [("RS206", 4)]),
    ("RS206", HEAD + ARM64_ENV + ARM64_TOOLS + BUILD_ARM64, []),
    ("RS206", HEAD + "ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc\n"
     "RUN apt-get install -y gcc-aarch64-linux-gnu\n"
     "RUN cargo build --target aarch64-unknown-linux-musl\n", []),
    ("RS206", HEAD + "RUN apt-get install -y crossbuild-essential-arm64\n" + ARM64_ENV
     + BUILD_ARM64, []),
    ("RS206", HEAD + "ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=clang\n" + BUILD_ARM64,
     []),
    ("RS206", HEAD + "RUN cargo zigbuild --target aarch64-unknown-linux-gnu\n", []),
    ("RS206", HEAD + "RUN cross build --target aarch64-unknown-linux-gnu\n", []),
    ("RS206", HEAD + "ARG TARGETPLATFORM\n" + PACKAGES + CASE, []),
    # RS207 linker where cargo runs, and its legitimate alternatives
    ("RS207", HEAD + ARM64_TOOLS + BUILD_ARM64, [("RS207", 3)]),
    ("RS207", HEAD + ARM64_TOOLS + ARM64_ENV + BUILD_ARM64, []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="
     "aarch64-linux-gnu-gcc cargo build --target aarch64-unknown-linux-gnu\n", []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="
     "aarch64-linux-gnu-gcc && cargo build --target aarch64-unknown-linux-gnu\n", []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="
     "aarch64-linux-gnu-gcc\n" + BUILD_ARM64, [("RS207", 4)]),
    ("RS207", HEAD + ARM64_TOOLS + 'ENV RUSTFLAGS="-C linker=aarch64-linux-gnu-gcc"\n'
     + BUILD_ARM64, []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN xx-cargo build --target aarch64-unknown-linux-gnu\n", []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN cargo zigbuild --target aarch64-unknown-linux-gnu\n", []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN cross build --target aarch64-unknown-linux-gnu\n", []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN . /unknown/env && cargo build --target "
     "aarch64-unknown-linux-gnu\n", []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN echo 'export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER"
     "=aarch64-linux-gnu-gcc' > /env\nRUN . /env && " + BUILD_ARM64[4:], []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN echo 'export A=1' > /env\nRUN . /env && "
     + BUILD_ARM64[4:], [("RS207", 4)]),
    ("RS207", HEAD + ARM64_TOOLS + "COPY <<EOF /env\nexport CARGO_TARGET_AARCH64_UNKNOWN_LINUX_"
     "GNU_LINKER=aarch64-linux-gnu-gcc\nEOF\nRUN . /env && " + BUILD_ARM64[4:], []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN <<EOT\nset -e\nexport CARGO_TARGET_AARCH64_UNKNOWN_LINUX"
     "_GNU_LINKER=aarch64-linux-gnu-gcc\n" + BUILD_ARM64[4:] + "EOT\n", []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN <<EOT bash\nset -e\n" + BUILD_ARM64[4:] + "EOT\n",
     [("RS207", 5)]),
    ("RS207", HEAD + ARM64_TOOLS + 'RUN ["cargo", "build", "--target", '
     '"aarch64-unknown-linux-gnu"]\n', [("RS207", 3)]),
    ("RS207", HEAD + "ARG TARGETPLATFORM\n" + PACKAGES + CASE, [("RS207", 9)]),
    # field test: BuildKit normalizes the platform, so alias spellings in an arm never match
    ("RS204", HEAD + "ARG TARGETPLATFORM\n" + CASE.replace("linux/arm64)", '"linux/arm64/v8")'),
     [("RS204", 5)]),
    ("RS204", HEAD + "ARG TARGETARCH\n" + CASE.replace("$TARGETPLATFORM", "$TARGETARCH")
     .replace("linux/amd64)", "x86_64)").replace("linux/arm64)", "arm64)"), [("RS204", 4)]),
    ("RS204", HEAD + "ARG TARGETARCH\n" + CASE.replace("$TARGETPLATFORM", "$TARGETARCH")
     .replace("linux/amd64)", "amd64 | x86_64)").replace("linux/arm64)", "arm64)"), []),
    # field test: a cargo config a RUN wrote ($CARGO_HOME or a .cargo/ folder) sets the linker
    ("RS207", HEAD + ARM64_TOOLS + "RUN printf '[target.aarch64-unknown-linux-gnu]\\nlinker = "
     "\"aarch64-linux-gnu-gcc\"\\n' >> /usr/local/cargo/config.toml\n" + BUILD_ARM64, []),
    ("RS207", HEAD + ARM64_TOOLS + "WORKDIR /app\nRUN mkdir .cargo && cat > .cargo/config.toml "
     "<<'EOF'\n[target.aarch64-unknown-linux-gnu]\nlinker = \"aarch64-linux-gnu-gcc\"\nEOF\n"
     + BUILD_ARM64, []),
    ("RS207", HEAD + ARM64_TOOLS + "RUN printf '[target.armv7-unknown-linux-gnueabihf]\\nlinker"
     " = \"arm-linux-gnueabihf-gcc\"\\n' >> /usr/local/cargo/config.toml\n" + BUILD_ARM64,
     [("RS207", 4)]),
    ("RS207", HEAD + ARM64_TOOLS + "RUN printf '[target.aarch64-unknown-linux-gnu]\\nlinker = "
     "\"aarch64-linux-gnu-gcc\"\\n' > /etc/notcargo.toml\n" + BUILD_ARM64, [("RS207", 4)]),
    # field test: a builder without --platform runs on the target (under QEMU, RS201's
    # finding), where the target's triple is native: no cross gcc, linker or target needed
    *[(rule, "FROM rust:1.95 AS builder\nARG TARGETPLATFORM\n" + CASE, [])
      for rule in ("RS205", "RS206", "RS207")],
    ("RS207", "FROM rust:1.95 AS builder\nARG TARGETPLATFORM\n"
     + CASE.replace("linux/arm64)", "linux/arm/v7)"), [("RS207", 8)]),  # aarch64 on armv7
    ("RS207", "FROM --platform=linux/amd64 rust:1.95 AS builder\nARG TARGETPLATFORM\n"
     + CASE, [("RS207", 8)]),
    ("RS207", HEAD + "ARG TARGETPLATFORM\n" + PACKAGES + ARM64_ENV + CASE, []),
    # RS208 a variable set in another RUN
    ("RS208", HEAD + "RUN export T=aarch64-unknown-linux-gnu\nRUN rustup target add $T\n",
     [("RS208", 3)]),
    ("RS208", HEAD + "ENV T=aarch64-unknown-linux-gnu\nRUN rustup target add $T\n", []),
    ("RS208", HEAD + "RUN export PATH=$PATH:/x\nRUN echo $PATH\n", []),
])
def test_cross_rules(rule_id, text, expected, tmp_path):
    reports(rule_id, text, [line for _rule, line in expected])


BUILDER = ("FROM rust:1.95 AS builder\nWORKDIR /app\nCOPY . .\n"
           "RUN cargo build --release --bin server\n")  # lines 1-4
SLIM = "FROM debian:bookworm-slim\n"  # line 5
TINI = ("RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tini "
        "&& rm -rf /var/lib/apt/lists/*\n")
GOOD_TAIL = ("COPY --from=builder /app/target/release/server /usr/local/bin/server\nUSER 10001\n"
             'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/server"]\n')


@pytest.mark.parametrize("rule_id, text, expected", [
    # RS301 slim runtime
    ("RS301", BUILDER, [("RS301", 1)]),
    ("RS301", BUILDER + SLIM + TINI + GOOD_TAIL, []),
    ("RS301", BUILDER + "FROM builder AS final\nCMD [\"/app/target/release/server\"]\n",
     [("RS301", 5)]),
    ("RS301", BUILDER + "FROM debian:bookworm-slim\nRUN cargo build\n", [("RS301", 5)]),
    # RS302 CA certificates
    ("RS302", BUILDER + SLIM + "RUN apt-get install -y tini\n" + GOOD_TAIL, [("RS302", 5)]),
    ("RS302", BUILDER + SLIM + TINI + GOOD_TAIL, []),
    ("RS302", BUILDER + "FROM gcr.io/distroless/cc-debian12:nonroot\n" + GOOD_TAIL, []),
    ("RS302", BUILDER + "FROM alpine:3.20\n" + GOOD_TAIL, []),
    ("RS302", BUILDER + "FROM scratch\n" + GOOD_TAIL, [("RS302", 5)]),
    ("RS302", BUILDER + "FROM scratch\nCOPY --from=builder /etc/ssl/certs/ca-certificates.crt "
     "/etc/ssl/certs/\n" + GOOD_TAIL, []),
    # RS303 exec form
    ("RS303", BUILDER + SLIM + "ENTRYPOINT /usr/bin/tini -- /usr/local/bin/server\n",
     [("RS303", 6)]),
    ("RS303", BUILDER + SLIM + "CMD /usr/local/bin/server --port 80\n", [("RS303", 6)]),
    # field test: after an exec ENTRYPOINT a shell-form CMD arrives as `/bin/sh -c "..."` args
    ("RS303", BUILDER + SLIM + 'ENTRYPOINT ["/usr/local/bin/server"]\nCMD --port 80\n',
     [("RS303", 7)]),
    ("RS303", BUILDER + SLIM + 'ENTRYPOINT ["tini", "--"]\nCMD /usr/local/bin/server\n',
     [("RS303", 7)]),
    ("RS303", BUILDER + SLIM + 'ENTRYPOINT ["/usr/local/bin/server"]\nCMD ["--port", "80"]\n',
     []),
    # RS304 init
    ("RS304", BUILDER + SLIM + 'CMD ["/usr/local/bin/server"]\n', [("RS304", 6)]),
    ("RS304", BUILDER + SLIM, [("RS304", 5)]),
    ("RS304", BUILDER + SLIM + 'ENTRYPOINT ["dumb-init", "--"]\nCMD ["/server"]\n', []),
    ("RS304", BUILDER + "FROM scratch\n" + 'ENTRYPOINT ["/tini-static", "--", "/server"]\n', []),
    # RS305 COPY --from the build output path
    ("RS305", BUILDER + SLIM + GOOD_TAIL, []),
    ("RS305", BUILDER + SLIM + "COPY --from=builder /app/target/debug/server /server\n",
     [("RS305", 6)]),
    ("RS305", BUILDER + SLIM + "COPY --from=builder /app/target/release/ /opt/\n", []),
    ("RS305", BUILDER + SLIM + "COPY --from=builder /app/target/release/srv /srv\n",
     [("RS305", 6)]),
    ("RS305", BUILDER.replace("--bin server", "") + SLIM +
     "COPY --from=builder /app/target/release/anything /srv\n", []),
    ("RS305", HEAD + "ARG TARGETPLATFORM\nWORKDIR /app\n" + CASE + "RUN cp target/*/release/app "
     "/app/app\n" + SLIM + "COPY --from=builder /app/app /app\n", []),
    ("RS305", HEAD + "ARG TARGETPLATFORM\nWORKDIR /src\n" + CASE.replace(
        'cargo build --release --target "$T"',
        'cargo build --release --target "$T" && cp "target/$T/release/app" /app') + SLIM
     + "COPY --from=builder /app /app\n", []),
    ("RS305", HEAD + "ENV CARGO_TARGET_DIR=/build\nRUN cargo build --release --bin app\n" + SLIM
     + "COPY --from=builder /build/release/app /app\n", []),
    ("RS305", "FROM rust:1.95 AS builder\nRUN cargo install --path . --root /out\n" + SLIM
     + "COPY --from=builder /out/bin/app /app\n", []),
    ("RS305", "FROM rust:1.95 AS builder\nWORKDIR /app\nRUN cargo build --release "
     "--target $TRIPLE\n" + SLIM + "COPY --from=builder /app/target/release/app /app\n", []),
    # field test: messense/rust-musl-cross:<arch>-musl sets CARGO_BUILD_TARGET for cargo build
    ("RS305", "FROM --platform=$BUILDPLATFORM messense/rust-musl-cross:aarch64-musl AS builder\n"
     "WORKDIR /src\nCOPY . .\nRUN cargo build --release\n" + SLIM
     + "COPY --from=builder /src/target/*-unknown-linux-musl/release/app /app\n", []),
    ("RS305", "FROM --platform=$BUILDPLATFORM messense/rust-musl-cross:aarch64-musl AS builder\n"
     "WORKDIR /src\nCOPY . .\nRUN cargo build --release\n" + SLIM
     + "COPY --from=builder /src/target/release/app /app\n", [("RS305", 6)]),
    *[(rule, "FROM --platform=$BUILDPLATFORM messense/rust-musl-cross:aarch64-musl AS builder\n"
       "RUN cargo build --release\n", []) for rule in ("RS206", "RS207")],
    # RS306 non-root
    ("RS306", BUILDER + SLIM + GOOD_TAIL, []),
    ("RS306", BUILDER + SLIM + "USER app\nUSER root\n", [("RS306", 7)]),
    ("RS306", BUILDER + "FROM gcr.io/distroless/cc-debian12:nonroot\n", []),
    # field test: a final stage that compiles is RS301's finding; init/user advice only repeats it
    *[(rule, "FROM ubuntu:24.04\nWORKDIR /app\nCOPY . .\nRUN cargo install --path . --root out\n",
       []) for rule in ("RS304", "RS306")],
    ("RS301", "FROM ubuntu:24.04\nWORKDIR /app\nCOPY . .\nRUN cargo install --path . --root out\n",
     [("RS301", 1)]),
    # field test: a scratch image of built files (for --output or COPY --from), no program
    *[(rule, BUILDER + "FROM scratch AS release\nCOPY --from=builder /app/target/release/ /\n",
       []) for rule in ("RS302", "RS304", "RS306")],
    ("RS304", BUILDER + "FROM scratch\nCOPY --from=builder /app/target/release/server /\n"
     'CMD ["/server"]\n', [("RS304", 7)]),
])
def test_runtime_rules(rule_id, text, expected, tmp_path):
    reports(rule_id, text, [line for _rule, line in expected])


def test_ca_certificates_skipped_without_tls_crates(tmp_path):
    lock = '[[package]]\nname = "server"\nversion = "0.1.0"\n'
    text = BUILDER + SLIM + GOOD_TAIL
    catches_not("RS302", text, context={"Cargo.lock": lock})
    lock += '\n[[package]]\nname = "openssl-sys"\nversion = "0.9.0"\n'
    catches("RS302", text, lines=[5], context={"Cargo.lock": lock})


WORKSPACE = {
    "Cargo.toml": '[workspace]\nmembers = ["server", "web"]\nresolver = "2"\n',
    "server/Cargo.toml": '[package]\nname = "server"\nversion = "0.1.0"\nedition = "2021"\n'
                         'rust-version = "1.90"\n',
    "server/src/main.rs": "fn main() {}\n",
    "web/Cargo.toml": '[package]\nname = "web"\nversion = "0.1.0"\nedition = "2021"\n'
                      '[lib]\ncrate-type = ["cdylib"]\n',
    "web/src/lib.rs": "",
    "web/index.html": "<html></html>\n",
}


@pytest.mark.parametrize("rule_id, text, expected", [
    ("RS107", "FROM rust:1.95\nRUN cargo build --release --bin server -p server\n", []),
    ("RS107", "FROM rust:1.95\nRUN cargo build --release --bin backend\n", [("RS107", 2)]),
    ("RS107", "FROM rust:1.95\nRUN cargo build --release --bin web\n", [("RS107", 2)]),
    ("RS107", "FROM rust:1.95\nRUN cargo build --release -p nope\n", [("RS107", 2)]),
    ("RS107", "FROM rust:1.95\nARG BIN\nRUN cargo build --release --bin $BIN\n", []),
    ("RS105", "FROM rust:1.86 AS builder\nRUN cargo build --release\n", [("RS105", 1)]),
    ("RS105", "FROM rust:1.95 AS builder\nRUN cargo build --release\n", []),
    ("RS207", HEAD + ARM64_TOOLS + BUILD_ARM64, []),  # .cargo/config.toml sets the linker
    # field test: cook --bin X, build -p <the package whose only binary is X>
    ("RS102", CHEF + RECIPE + "RUN cargo chef cook --release --bin server --recipe-path r.json\n"
     "COPY . .\nRUN cargo build --release -p server\n", []),
    ("RS102", CHEF + RECIPE + "RUN cargo chef cook --release --bin server --recipe-path r.json\n"
     "COPY . .\nRUN cargo build --release -p web\n", [("RS102", 8)]),
    ("RS102", CHEF + RECIPE + "RUN cargo chef cook --release --bin server --recipe-path r.json\n"
     "COPY . .\nRUN cargo build --release\n", [("RS102", 8)]),
])
def test_rules_reading_the_workspace(rule_id, text, expected, tmp_path):
    files = dict(WORKSPACE)
    files[".cargo/config.toml"] = ('[target.aarch64-unknown-linux-gnu]\n'
                                   'linker = "aarch64-linux-gnu-gcc"\n')
    reports(rule_id, text, [line for _rule, line in expected], context=files)


def test_bin_rule_skips_without_workspace(tmp_path):
    catches_not("RS107", "FROM rust:1.95\nRUN cargo build --bin backend\n")


def test_web_app_bin_message_points_at_trunk():
    catches("RS107", "FROM rust\nRUN cargo build --bin web\n", lines=[2], context=WORKSPACE,
            message="web is a trunk web app, not a binary: build it with trunk")


@pytest.mark.parametrize("rule_id, before, after", [
    ("RS201", "FROM rust:1.95 AS builder\n" + BUILD_PER_ARCH,
     "FROM --platform=$BUILDPLATFORM rust:1.95 AS builder\n" + BUILD_PER_ARCH),
    ("RS201", "  from rust:1.95 AS builder\n" + BUILD_PER_ARCH,
     "  from --platform=$BUILDPLATFORM rust:1.95 AS builder\n" + BUILD_PER_ARCH),
    ("RS202", HEAD + CASE, HEAD + "ARG TARGETPLATFORM\n" + CASE),
    ("RS202", "FROM rust\nRUN echo $TARGETARCH", "FROM rust\nARG TARGETARCH\nRUN echo $TARGETARCH"),
])
def test_fixes(rule_id, before, after):
    catches(rule_id, {"Dockerfile": before})
    assert fixed(rule_id, {"Dockerfile": before}) == {"Dockerfile": after}
    catches_not(rule_id, {"Dockerfile": after})


def test_wasm_target_needs_no_cross_linker(tmp_path):
    text = HEAD + "RUN rustup target add wasm32-unknown-unknown\n" \
        "RUN cargo build --release --target wasm32-unknown-unknown\n"
    for rule_id in ("RS205", "RS206", "RS207"):
        catches_not(rule_id, text)


render_module = pytest.importorskip("rsdock.wizard.generate.render")


@pytest.mark.parametrize("changes", [
    {},
    {"runtime": "distroless"},
    {"runtime": "alpine"},
    {"runtime": "scratch"},
    {"runtime": "debian-slim", "debian": "trixie",
     "platforms": ("linux/amd64", "linux/riscv64", "linux/386")},
    {"platforms": ("linux/arm64",)},
    {"platforms": ("linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6",
                   "linux/ppc64le", "linux/s390x")},
])
def test_generated_dockerfiles_pass_every_dockerfile_rule(changes):
    from rsdock.resources import example_workspace
    from rsdock.wizard.generate.plan import Image, Plan

    root = example_workspace()
    workspace = cargo.scan(root)
    images = (Image("server", "bin", "server", "Dockerfile", "crates/server"),
              Image("web", "web", "web", "Dockerfile.web", "crates/web"))
    files = render_module.render(Plan(images=images).with_changes(**changes))
    dockerfiles = {p: t for p, t in files.items() if p.startswith("Dockerfile")}
    assert len(dockerfiles) == 2
    for path, text in dockerfiles.items():
        model = parse_dockerfile(path, text)
        assert model.errors == []
        findings = [f for rule in DOCKERFILE_RULES.values()
                    for f in rule().check(model, Context(root=root, workspace=workspace))]
        assert findings == [], f"{path}: {findings}"
    # Not vacuous: the simulation resolves every cargo call's triple and linker environment.
    model = parse_dockerfile("Dockerfile", dockerfiles["Dockerfile"])
    calls = build.build_calls(model, model.stage("builder"))
    assert calls and all(c.target_known and not c.command.opaque for c in calls)
    assert {c.target for c in calls} == {platforms.get(p).triple(plan_libc(changes))
                                         for p in changes.get("platforms", platforms.DEFAULT_PLATFORMS)}


def plan_libc(changes) -> str:
    return "musl" if changes.get("runtime") in ("alpine", "scratch") else "gnu"


@pytest.mark.parametrize("rule_id, text, expected", [
    # CARGO_BUILD_TARGET is --target by another name: same linker needs, same output path.
    ("RS207", HEAD + ARM64_TOOLS + "ENV CARGO_BUILD_TARGET=aarch64-unknown-linux-gnu\n"
     "RUN cargo build --release\n", [("RS207", 4)]),
    ("RS305", HEAD + ARM64_TOOLS + ARM64_ENV + "ENV CARGO_BUILD_TARGET=aarch64-unknown-linux-gnu\n"
     "WORKDIR /app\nRUN cargo build --release --bin app\n" + SLIM
     + "COPY --from=builder /app/target/release/app /app\n", [("RS305", 8)]),
    ("RS305", HEAD + ARM64_TOOLS + ARM64_ENV + "ENV CARGO_BUILD_TARGET=aarch64-unknown-linux-gnu\n"
     "WORKDIR /app\nRUN cargo build --release --bin app\n" + SLIM
     + "COPY --from=builder /app/target/aarch64-unknown-linux-gnu/release/app /app\n", []),
])
def test_cargo_build_target_env(rule_id, text, expected, tmp_path):
    reports(rule_id, text, [line for _rule, line in expected])


XX_DOCKERFILE = """\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.95-alpine AS builder
COPY --from=xx / /
RUN apk add clang lld
ARG TARGETPLATFORM
RUN xx-apk add --no-cache musl-dev gcc
WORKDIR /src
COPY . .
RUN xx-cargo build --release --target-dir ./build
RUN cp ./build/$(xx-cargo --print-target-triple)/release/app /app
FROM alpine
RUN apk add --no-cache tini && adduser -D app
USER app
COPY --from=builder /app /app
ENTRYPOINT ["/sbin/tini", "--", "/app"]
"""

ZIG_DOCKERFILE = """\
FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
RUN pip3 install ziglang && cargo install cargo-zigbuild
ARG TARGETARCH
RUN case $TARGETARCH in \\
      amd64) echo x86_64-unknown-linux-musl > /t ;; \\
      arm64) echo aarch64-unknown-linux-musl > /t ;; \\
      *) exit 1 ;; \\
    esac
RUN rustup target add $(cat /t)
WORKDIR /app
COPY . .
RUN cargo zigbuild --release --target $(cat /t)
RUN cp target/$(cat /t)/release/app /app/app
FROM scratch
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=builder /app/app /app
USER 65534
ENTRYPOINT ["/tini-static", "--", "/app"]
"""


@pytest.mark.parametrize("text", [XX_DOCKERFILE, ZIG_DOCKERFILE], ids=["xx", "zigbuild"])
@pytest.mark.parametrize("rule_id", sorted(DOCKERFILE_RULES))
def test_cross_toolchains_are_legitimate(rule_id, text, tmp_path):
    catches_not(rule_id, text)


def test_xx_cargo_output_path_is_not_guessed(tmp_path):
    text = XX_DOCKERFILE.replace("COPY --from=builder /app /app",
                                 "COPY --from=builder /src/build/release/app /app")
    catches_not("RS305", text)


# The export-in-another-RUN trap, built from the cross snippet: the linker case moves to its own
# RUN, and the build RUN stops recomputing RUST_TARGET.
LOST_EXPORTS = CROSS_SNIPPET.replace(
    'esac && \\\n    cargo build --release --target $RUST_TARGET --bin backend',
    'esac\nRUN cargo build --release --target $RUST_TARGET --bin backend')
LOST_LINKER = CROSS_SNIPPET.replace(
    'esac && \\\n    cargo build --release --target $RUST_TARGET --bin backend',
    'esac\nRUN cargo build --release --target $(cat /rust_target.txt) --bin backend')


@pytest.mark.parametrize("rule_id, text, expected", [
    ("RS208", LOST_EXPORTS, [("RS208", lines_of(LOST_EXPORTS, "RUN cargo build"))]),
    ("RS207", LOST_LINKER, [("RS207", lines_of(LOST_LINKER, "RUN cargo build"))]),
    ("RS207", CROSS_SNIPPET, []),
])
def test_export_in_another_run_trap(rule_id, text, expected, tmp_path):
    reports(rule_id, text, [line for _rule, line in expected])


def test_lost_linker_message_names_the_export_line():
    [finding] = catches("RS207", LOST_LINKER)
    linker_run = [n for n, line in enumerate(LOST_LINKER.splitlines(), 1)
                  if line.startswith("RUN export RUST_TARGET")][-1]
    assert "exported in an earlier RUN" in finding.message
    assert [r.line for r in finding.related] == [linker_run]
    assert "every RUN starts a new shell" in finding.message
    assert "ENV CARGO_TARGET_" in finding.message


@pytest.mark.parametrize("text, expected", [
    (HEAD + "RUN echo ok # uses $TARGETPLATFORM later\n", []),
    (HEAD + "RUN echo '$TARGETPLATFORM'\n", []),
    (HEAD + 'RUN echo "${TARGETARCH:-amd64}"\n', [("RS202", 2)]),
    (HEAD + 'RUN ["echo", "$TARGETPLATFORM"]\n', []),  # exec form: no shell, no expansion
    (HEAD + "RUN <<EOT\necho $TARGETOS\nEOT\n", [("RS202", 2)]),
])
def test_platform_arg_reads_are_the_shells(text, expected, tmp_path):
    reports("RS202", text, [line for _rule, line in expected])


def test_ca_certificates_reads_cargo_lock_once_per_run(tmp_path, monkeypatch):
    from rsdock.lint.engine.settings import LintConfig
    from rsdock.lint.engine.runner import lint_texts
    from rsdock.lint.rules import rs302

    reads = []
    monkeypatch.setattr(rs302.tls, "lock_reads_system_store",
                        lambda root: reads.append(root) or True)
    text = textwrap.dedent(BUILDER + SLIM + GOOD_TAIL).lstrip("\n")
    findings = lint_texts({"Dockerfile": text, "api.Dockerfile": text}, tmp_path,
                          LintConfig(select=("RS302",), hadolint=False))
    assert [(f.path, f.rule) for f in findings] == [("Dockerfile", "RS302"),
                                                   ("api.Dockerfile", "RS302")]
    assert len(reads) == 1


def test_stages_running_names_the_stages_by_cargo_action():
    model = parse_dockerfile("Dockerfile", textwrap.dedent(CHEF_SNIPPET))
    assert [s.label for s in build.stages_running(model, "prepare")] == ["planner"]
    assert [s.label for s in build.stages_running(model, "cook", "build")] == ["builder"]
    assert build.stages_running(model, "install") == []


def test_a_platform_flag_naming_no_platform_runs_on_the_build_machine(tmp_path):
    """A mangled ``--platform`` (BuildKit would reject it) must not crash the cross rules."""
    text = ('FROM --platform=x$BUILDPLATFORM rust:1.85-bookworm AS builder\n'
            'RUN cargo build --release --target aarch64-unknown-linux-gnu\n')
    model = parse_dockerfile("Dockerfile", text)
    assert build.host_platform(model.stages[0], "linux/arm64") == platforms.NATIVE_PLATFORM
    catches("RS205", text, lines=[2])


@pytest.mark.parametrize("subject, variable", [
    ('"$TARGETARCH"', "TARGETARCH"), ('"${TARGETARCH}"', "TARGETARCH"),
    ('"$TARGETPLATFORM"', "TARGETPLATFORM"), ('"$TARGETOS/$TARGETARCH"', "TARGETARCH"),
    ('"$TARGETPLATFORM-$TARGETARCH"', "TARGETPLATFORM"),
])
def test_case_variable_is_what_the_arms_match(subject, variable):
    from rsdock.lint.model.shell import parse_script

    [case] = parse_script(f"case {subject} in *) exit 1 ;; esac").cases
    assert build.case_variable(case) == variable


@pytest.mark.parametrize("text, line, message", [
    ("FROM rust:1.95 AS builder\n" + BUILD_PER_ARCH, 1, "stage builder cross-compiles but "),
    # the line is where the fix goes, chef's FROM, and the message names chef first
    (CHEF.replace("--platform=$BUILDPLATFORM ", "") + "ARG TARGETPLATFORM\n" + CASE, 1,
     "stage chef's FROM has no --platform=$BUILDPLATFORM, but stage builder, built FROM it, "
     "cross-compiles, so the compiler runs under QEMU emulation"),
])
def test_rs201_names_the_stage_of_the_line_it_points_at(text, line, message):
    [finding] = catches("RS201", text)
    assert finding.line == line and finding.message.startswith(message)
    assert text.splitlines()[line - 1].startswith("FROM ")
    [related] = finding.related  # where the stage cross-compiles
    assert "cargo" in text.splitlines()[related.line - 1] and related.label.endswith("here")


# The generator's case-arm shape: each arm `set -- PACKAGES`, one shared `apt-get install "$@"`.
# A package missing from one arm is reported at that arm's `set --` line, not the shared one.
SET_ARGS_BUILDER = '''
FROM --platform=$BUILDPLATFORM rust:1.86-slim-bookworm AS builder
ARG TARGETPLATFORM
RUN case "$TARGETPLATFORM" in \\
      linux/amd64) triple=x86_64-unknown-linux-gnu; \\
        set -- gcc-x86-64-linux-gnu libc6-dev-amd64-cross ;; \\
      linux/arm64) triple=aarch64-unknown-linux-gnu; \\
        set -- gcc-aarch64-linux-gnu ;; \\
      *) exit 1 ;; \\
    esac \\
 && apt-get update \\
 && apt-get install -y --no-install-recommends "$@" \\
 && rustup target add "$triple" \\
 && printf 'export %s=%s\\n' TARGET_TRIPLE "$triple" \\
      CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER aarch64-linux-gnu-gcc > /env
RUN . /env && cargo build --release --target "$TARGET_TRIPLE"
'''


def test_rs206_names_the_set_line_of_the_arm_missing_a_package(tmp_path):
    catches("RS206", SET_ARGS_BUILDER, lines=[7])


# The generator's linker indirection: each arm names the variable (`linker_var=`), one printf
# writes `export <name>=<linker>` pairs to an env file that cargo's RUN sources.
LINKER_VAR_BUILDER = '''
FROM --platform=$BUILDPLATFORM rust:1.86-slim-bookworm AS builder
ARG TARGETPLATFORM
RUN case "$TARGETPLATFORM" in \\
      linux/amd64) triple=x86_64-unknown-linux-gnu linker=x86_64-linux-gnu-gcc \\
        linker_var=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER; \\
        set -- gcc-x86-64-linux-gnu libc6-dev-amd64-cross ;; \\
      linux/arm64) triple=aarch64-unknown-linux-gnu linker=aarch64-linux-gnu-gcc \\
        linker_var=CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER; \\
        set -- gcc-aarch64-linux-gnu libc6-dev-arm64-cross ;; \\
      *) exit 1 ;; \\
    esac \\
 && apt-get update \\
 && apt-get install -y --no-install-recommends "$@" \\
 && rustup target add "$triple" \\
 && printf 'export %s=%s\\n' \\
      TARGET_TRIPLE "$triple" \\
      "$linker_var" "$linker" \\
      > /usr/local/etc/cargo-target.env
WORKDIR /app
COPY . .
RUN . /usr/local/etc/cargo-target.env \\
 && cargo build --release --locked --target "$TARGET_TRIPLE"
'''


@pytest.mark.parametrize("typo,line", [
    ("_GNU_LINKR", 8),  # the arm's `linker_var=` line, whose value printf writes as the name
    ("_GNU_LINKE", 8),
    ("_GNU_linker", 8),  # cargo's variables are upper case
])
def test_rs207_names_a_misspelt_linker_variable_where_it_is_spelt(typo, line, tmp_path):
    text = LINKER_VAR_BUILDER.replace("linker_var=CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER",
                                      "linker_var=CARGO_TARGET_AARCH64_UNKNOWN_LINUX" + typo)
    [finding] = catches("RS207", text, lines=[line])
    assert finding.message.startswith(f"CARGO_TARGET_AARCH64_UNKNOWN_LINUX{typo} is not a "
                                      "variable cargo reads")
    assert (f"rename CARGO_TARGET_AARCH64_UNKNOWN_LINUX{typo} to "
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER") in finding.message


def test_rs207_passes_the_linker_indirection_spelt_right(tmp_path):
    catches_not("RS207", LINKER_VAR_BUILDER)


def test_rs207_names_a_misspelt_name_written_literally(tmp_path):
    # the name written straight into printf's pairs, or with ENV: that line
    text = LINKER_VAR_BUILDER.replace('"$linker_var" "$linker"',
                                      'CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKR "$linker"')
    catches("RS207", text, lines=[17])
    env = (HEAD + ARM64_TOOLS + "ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKR=aarch64-linux-gnu-gcc\n"
           + BUILD_ARM64)
    catches("RS207", env, lines=[3])


def test_rs207_another_triples_linker_variable_is_not_a_typo(tmp_path):
    # i586's variable beside an i686 build is another target's setting: "nothing sets" it
    text = (HEAD + "RUN apt-get update && apt-get install -y gcc-i686-linux-gnu "
            "libc6-dev-i386-cross && rustup target add i686-unknown-linux-gnu\n"
            "ENV CARGO_TARGET_I586_UNKNOWN_LINUX_GNU_LINKER=i686-linux-gnu-gcc\n"
            "RUN cargo build --release --target i686-unknown-linux-gnu\n")
    [finding] = catches("RS207", text, lines=[4])
    assert finding.message.startswith("nothing sets the linker")


# RS305 on COPY --from of a path outside target/: judged only when the source stage's writes are
# all understood and the path lies in a folder the stage made (the generator's /out, tini's /tini).
OUT_BUILDER = '''
FROM --platform=$BUILDPLATFORM rust:1.86-slim-bookworm AS builder
WORKDIR /app
COPY . .
RUN cargo build --release --locked --bin server \\
 && mkdir -p /out \\
 && cp target/release/server /out/server

FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS tini
WORKDIR /tini
RUN apt-get update \\
 && apt-get download tini \\
 && dpkg-deb -x tini_*.deb /tini/root \\
 && mkdir -p /tini/etc \\
 && cp /etc/passwd /etc/group /tini/etc/ \\
 && echo "app:x:10001:10001::/nonexistent:/usr/sbin/nologin" >> /tini/etc/passwd

FROM debian:bookworm-slim
COPY --from=tini /tini/root/usr/bin/tini /usr/bin/tini
COPY --from=tini /tini/etc/passwd /tini/etc/group /etc/
COPY --from=builder /out/server /usr/local/bin/server
USER 10001
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/server"]
'''


def test_rs305_passes_copies_of_what_the_stages_wrote(tmp_path):
    catches_not("RS305", OUT_BUILDER)


@pytest.mark.parametrize("right,wrong,line", [
    ("/out/server ", "/out/servr ", 20),  # a letter short
    ("/out/server ", "/out/bin/server ", 20),  # a folder /out never got
    ("/tini/etc/passwd ", "/tini/etc/pwd ", 19),
])
def test_rs305_names_a_copy_of_a_path_the_stage_never_wrote(right, wrong, line, tmp_path):
    text = OUT_BUILDER.replace(f"COPY --from=builder {right}", f"COPY --from=builder {wrong}")
    text = text.replace(f"COPY --from=tini {right}", f"COPY --from=tini {wrong}")
    assert text != OUT_BUILDER
    [finding] = catches("RS305", text, lines=[line])
    assert finding.severity is Severity.ERROR and "is never written in stage" in finding.message


def test_rs305_message_says_what_the_folder_holds(tmp_path):
    [finding] = catches("RS305", OUT_BUILDER.replace(
        "COPY --from=builder /out/server ", "COPY --from=builder /out/servr "))
    assert finding.message == (
        "/out/servr is never written in stage builder: it makes /out and writes only "
        '/out/server there, so the COPY fails with "not found"')
    assert [(r.line, r.label) for r in finding.related] == [(5, "the folder is made here")]


@pytest.mark.parametrize("old,new,copied", [
    # the build is opaque: make, a script, sh -c, an unfollowed `||` fallback, a loop
    ("cargo build --release --locked --bin server", "make release", "/out/servr"),
    ("cargo build --release --locked --bin server", "./scripts/build.sh", "/out/servr"),
    ("cargo build --release --locked --bin server", "sh -c 'cargo build --release'",
     "/out/servr"),
    (" && cp target/release/server /out/server",
     " && cp target/release/server /out/server || cp target/debug/server /out/servr", "/out/servr"),
    (" && cp target/release/server /out/server",
     " && for b in server; do cp target/release/$b /out/; done", "/out/servr"),
    # the folder is not the stage's own: a system folder, a copied-in one, an unknown base image
    ("mkdir -p /out \\\n && cp target/release/server /out/server",
     "mkdir -p /usr/local/out \\\n && cp target/release/server /usr/local/out/server",
     "/usr/local/out/servr"),
    ("WORKDIR /app\nCOPY . .", "WORKDIR /app\nCOPY . .\nCOPY dist /out/", "/out/servr"),
    ("rust:1.86-slim-bookworm AS builder", "ghcr.io/acme/rust-builder:1 AS builder", "/out/servr"),
])
def test_rs305_stays_silent_where_the_stage_writes_are_not_known(old, new, copied, tmp_path):
    assert old in OUT_BUILDER
    text = OUT_BUILDER.replace(old, new).replace(
        "COPY --from=builder /out/server ", f"COPY --from=builder {copied} ")
    catches_not("RS305", text)
    # the same copy, with the stage's writes known, is named (so the case tests something)
    known = OUT_BUILDER.replace("/out", posixpath.dirname(copied)).replace(
        "COPY --from=builder /usr/local/out/server ", f"COPY --from=builder {copied} ").replace(
        "COPY --from=builder /out/server ", f"COPY --from=builder {copied} ")
    if not copied.startswith("/usr/"):
        catches("RS305", known, lines=[20])


def test_rs305_cargo_install_root_writes_its_bin_folder(tmp_path):
    text = OUT_BUILDER.replace(
        "RUN cargo build --release --locked --bin server \\\n && mkdir -p /out \\\n"
        " && cp target/release/server /out/server",
        "RUN mkdir -p /out && cargo install --locked --path . --root /out").replace(
        "COPY --from=builder /out/server ", "COPY --from=builder /out/bin/server ")
    catches_not("RS305", text)
