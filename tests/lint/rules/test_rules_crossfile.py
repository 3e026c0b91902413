"""RS5xx cross-file rules: workflow x Dockerfile x .dockerignore x workspace."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, findings, reports
from tests.lint.rules.test_rules_workflow import RESEARCH, WF, workflow

# The research's cross-compiling builder (research.ko.md section 3), with a runtime stage.
RESEARCH_DOCKERFILE = """\
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
    cargo build --release --target $RUST_TARGET --bin backend

FROM debian:bookworm-slim
COPY --from=builder /app/target/release/backend /usr/local/bin/backend
"""

BP = "- uses: docker/build-push-action@v7\n  with:\n"
FIXED = ("FROM --platform=$BUILDPLATFORM rust:1.95 AS builder\nWORKDIR /app\nCOPY . .\n"
         "RUN cargo build --release --target {target}\n")
IF_CHAIN = """\
FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
ARG TARGETPLATFORM
RUN if [ "$TARGETPLATFORM" = "linux/arm64" ]; then T=aarch64-unknown-linux-gnu; \\
    else T=x86_64-unknown-linux-gnu; fi; cargo build --release --target "$T"
"""
ARCH_CASE = """\
FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
ARG TARGETARCH
RUN case "$TARGETARCH" in amd64) T=x86_64-unknown-linux-gnu ;; arm64) T=aarch64-unknown-linux-gnu ;; \\
    *) exit 1 ;; esac
"""
NO_TARGET = FIXED.replace(" --target {target}", "")
MATRIX = "strategy:\n  matrix:\n    p: [linux/amd64, linux/s390x]"


SHIPS = "FROM scratch\nCOPY app /app\n"  # a production image: it ships a program
TAIL = "FROM scratch\nCOPY --from=b /target/release/svc /svc\n"
WHOLE = "FROM rust:1.95 AS build\nCOPY . .\nRUN cargo build --release\nFROM scratch\n" \
        "COPY --from=build /target/release/app /app\n"  # sends the whole context
CRATE = '[package]\nname = "svc"\nversion = "0.1.0"\n'
CASES = [
    # RS501: workflow platforms against the case arms
    ("RS501", {WF: RESEARCH, "Dockerfile": RESEARCH_DOCKERFILE}, []),
    ("RS501", {WF: RESEARCH.replace("linux/arm/v7", "linux/arm/v7,linux/ppc64le"),
               "Dockerfile": RESEARCH_DOCKERFILE}, [(WF, 32)]),
    ("RS501", {WF: workflow(BP + "    platforms: ${{ matrix.p }}\n", job=MATRIX),
               "Dockerfile": RESEARCH_DOCKERFILE}, [(WF, 11)]),
    ("RS501", {WF: workflow(BP + "    tags: a/b\n", runs_on="ubuntu-24.04-arm"),
               "Dockerfile": ARCH_CASE}, []),
    ("RS501", {WF: workflow(BP + "    platforms: linux/arm/v7\n"),
               "Dockerfile": ARCH_CASE}, [(WF, 8)]),
    ("RS501", {WF: workflow(BP + "    platforms: linux/ppc64le\n"),
               "Dockerfile": FIXED.format(target="x86_64-unknown-linux-gnu")}, []),
    ("RS501", {WF: workflow(BP + "    platforms: linux/ppc64le\n"),
               "Dockerfile": "FROM scratch\nRUN [\n"}, []),  # unparseable: RS001's
    # RS502: the triple cargo builds for each workflow platform
    ("RS502", {WF: workflow(BP + "    platforms: linux/amd64,linux/arm64\n"),
               "Dockerfile": FIXED.format(target="x86_64-unknown-linux-gnu")},
     [("Dockerfile", 4)]),
    ("RS502", {WF: workflow(BP + "    platforms: linux/arm64\n"),
               "Dockerfile": FIXED.format(target="aarch64-unknown-linux-musl")}, []),
    ("RS502", {WF: workflow(BP + "    platforms: linux/amd64,linux/arm64\n"),
               "Dockerfile": FIXED.format(target="$CARGO_BUILD_TARGET")}, []),
    ("RS502", {WF: workflow(BP + "    platforms: linux/amd64,linux/arm64\n"),
               "Dockerfile": "FROM rust:1.95\nRUN cargo build --release\n"}, []),
    ("RS502", {WF: workflow(BP + "    platforms: linux/amd64,linux/arm64\n"),
               "Dockerfile": IF_CHAIN}, []),
    ("RS502", {WF: workflow(BP + "    platforms: linux/amd64,linux/arm/v7\n"),
               "Dockerfile": IF_CHAIN}, [("Dockerfile", 4)]),
    ("RS502", {WF: RESEARCH, "Dockerfile": RESEARCH_DOCKERFILE}, []),  # a case: RS204's
    # field test: no --target on $BUILDPLATFORM compiles for the runner, in every image
    ("RS502", {WF: workflow(BP + "    platforms: linux/amd64,linux/arm64\n"),
               "Dockerfile": NO_TARGET}, [("Dockerfile", 4)]),
    ("RS502", {WF: workflow(BP + "    platforms: linux/amd64\n"), "Dockerfile": NO_TARGET}, []),
    ("RS502", {WF: workflow(BP + "    platforms: linux/arm64\n", runs_on="ubuntu-24.04-arm"),
               "Dockerfile": NO_TARGET}, []),
    ("RS502", {WF: workflow(BP + "    platforms: ${{ matrix.p }}\n",
                            runs_on="${{ matrix.p == 'linux/arm64' && 'ubuntu-24.04-arm' || "
                            "'ubuntu-24.04' }}", job="strategy:\n  matrix:\n    p: [linux/amd64, "
                            "linux/arm64]"), "Dockerfile": NO_TARGET}, []),
    ("RS502", {WF: workflow(BP + "    platforms: linux/amd64,linux/arm64\n"),
               "Dockerfile": NO_TARGET.replace("rust:1.95", "ghcr.io/acme/builder")}, []),
    # field test: a runtime stage pinned to $BUILDPLATFORM makes every image the runner's
    ("RS502", {WF: workflow(BP + "    platforms: linux/amd64,linux/arm64\n"),
               "Dockerfile": RESEARCH_DOCKERFILE.replace(
                   "FROM debian", "FROM --platform=$BUILDPLATFORM debian")},
     [("Dockerfile", RESEARCH_DOCKERFILE.count("\n", 0, RESEARCH_DOCKERFILE.index(
         "FROM debian")) + 1)]),
    ("RS502", {WF: workflow(BP + "    platforms: linux/arm64\n"),
               "Dockerfile": RESEARCH_DOCKERFILE.replace(
                   "FROM debian", "FROM --platform=$BUILDPLATFORM debian")}, []),
    # a case that only tunes one platform is not the triple map (dragonfly-client, blind batch D)
    ("RS501", {WF: workflow(BP + "    platforms: linux/amd64,linux/arm64\n"),
               "Dockerfile": "FROM rust:1.95 AS b\nARG TARGETPLATFORM\nRUN case \"$TARGETPLATFORM\""
               " in \"linux/arm64\") export JEMALLOC_SYS_WITH_LG_PAGE=16;; esac && cargo build"
               "\n" + TAIL}, []),
    # RS503: cross packages for platforms nobody builds
    ("RS503", {WF: RESEARCH, "Dockerfile": RESEARCH_DOCKERFILE}, []),
    ("RS503", {WF: RESEARCH.replace(",linux/arm/v7", ""), "Dockerfile": RESEARCH_DOCKERFILE},
     [("Dockerfile", 15)]),
    ("RS503", {WF: workflow(BP + "    platforms: ${{ inputs.platforms }}\n"),
               "Dockerfile": RESEARCH_DOCKERFILE}, []),
    ("RS503", {"Dockerfile": RESEARCH_DOCKERFILE}, []),  # no workflow: nothing to compare
    # RS505: a build context without a .dockerignore
    ("RS505", {"Dockerfile": WHOLE}, [("Dockerfile", 1)]),
    ("RS505", {"Dockerfile": WHOLE, "Dockerfile.dockerignore": "target\n"}, []),
    ("RS505", {WF: workflow(BP + "    context: web\n    file: web/Dockerfile\n"),
               "web/Dockerfile": WHOLE, "web/Cargo.toml": CRATE, ".dockerignore": "target\n"},
     [("web/Dockerfile", 1)]),
    # BuildKit sends only the paths a Dockerfile names (quiche, dragonfly-client: blind batch D)
    ("RS505", {"Dockerfile": "FROM rust:1.95 AS b\nCOPY Cargo.toml ./\nCOPY svc/ ./svc/\n"
               "COPY .git ./.git\nRUN cargo build --release\n" + TAIL,
               "Cargo.toml": '[workspace]\nmembers = ["svc"]\n',
               "svc/Cargo.toml": CRATE}, []),
    ("RS505", {"Dockerfile": SHIPS}, []),
    # ... unless a named folder is a cargo workspace of its own, with its own target/
    ("RS505", {"Dockerfile": "FROM rust:1.95 AS b\nCOPY tools/ ./tools/\n"
               "RUN cargo build --release\n" + TAIL,
               "Cargo.toml": '[workspace]\nmembers = ["svc"]\n', "svc/Cargo.toml": CRATE,
               "tools/Cargo.toml": CRATE.replace("svc", "tools") + "[workspace]\n"},
     [("Dockerfile", 1)]),
    ("RS505", {"Dockerfile": "FROM rust:1.95 AS b\nARG SRC=.\nCOPY $SRC ./\n"
               "RUN cargo build --release\n" + TAIL}, [("Dockerfile", 1)]),
    # a context with no crate, target/ or .git in it sends nothing to leave out (an nginx one)
    ("RS505", {WF: workflow(BP + "    context: web\n    file: web/Dockerfile\n"),
               "web/Dockerfile": SHIPS, ".dockerignore": "target\n"}, []),
    ("RS505", {WF: workflow(BP + "    context: web\n    file: web/Dockerfile\n"),
               "web/Dockerfile": SHIPS, "web/.dockerignore": "target\n"}, []),
    # not production images: a devcontainer, a test image, a file carrier with no program
    ("RS505", {".devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/rust:1\n"}, []),
    ("RS505", {"tests/e2e/Dockerfile": SHIPS}, []),
    ("RS505", {"Dockerfile": "FROM scratch\n"}, []),
    # the context comes from docker compose (relative to the compose file) or a bake file
    ("RS505", {"deploy/compose.yaml": "services:\n  app:\n    build:\n      context: ..\n"
               "      dockerfile: docker/Dockerfile\n", "docker/Dockerfile": SHIPS,
               ".dockerignore": "target\n"}, []),
    ("RS505", {"docker-bake.hcl": 'target "app" {\n  context = "svc"\n}\n',
               "svc/Dockerfile": WHOLE, "svc/Cargo.toml": CRATE, ".dockerignore": "target\n"},
     [("svc/Dockerfile", 1)]),
    ("RS505", {"docker-bake.json": '{"target": {"app": {"context": "svc"}}}',
               "svc/Dockerfile": SHIPS, "svc/.dockerignore": "target\n"}, []),
]


@pytest.mark.parametrize("rule_id,files,expected", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_cases(rule_id, files, expected):
    reports(rule_id, files, [line for _path, line in expected])
    assert [(f.path, f.line) for f in findings(rule_id, files)] == expected


WORKSPACE = {
    "Cargo.toml": '[workspace]\nmembers = ["crates/server"]\nresolver = "2"\n',
    "Cargo.lock": "version = 4\n",
    "crates/server/Cargo.toml": '[package]\nname = "server"\nversion = "0.1.0"\n'
                                'edition = "2021"\n',
    "crates/server/src/main.rs": "fn main() {}\n",
}
COPY_ALL = "FROM rust:1.95\nWORKDIR /app\nCOPY . .\n"
COPY_SOME = "FROM rust:1.95\nCOPY Cargo.toml Cargo.lock ./\nCOPY crates crates\nCOPY *.md /doc/\n"

IGNORE_CASES = [
    ({".dockerignore": "target\n.git\n", "Dockerfile": COPY_ALL}, []),
    ({".dockerignore": "target\nCargo.lock\n", "Dockerfile": COPY_ALL}, [3]),
    ({".dockerignore": "target\n**/src\n", "Dockerfile": COPY_ALL}, [3]),
    ({".dockerignore": "target\ncrates/\n!crates/server\n", "Dockerfile": COPY_ALL}, []),
    ({".dockerignore": "*.lock\n", "Dockerfile": COPY_SOME}, [2]),
    ({".dockerignore": "crates/*\n", "Dockerfile": COPY_SOME}, []),  # crates itself stays
    ({".dockerignore": "crates\n", "Dockerfile": COPY_SOME}, [3]),
    ({".dockerignore": "*.md\n", "Dockerfile": COPY_SOME, "README.md": "x"}, [4]),
    ({".dockerignore": "*.md\n!README.md\n", "Dockerfile": COPY_SOME, "README.md": "x",
      "NOTES.md": "y"}, []),
    # the Dockerfile's own ignore file wins over the context's
    ({".dockerignore": "Cargo.lock\n", "Dockerfile.dockerignore": "target\n",
      "Dockerfile": COPY_SOME}, []),
    ({WF: workflow(BP + "    context: web\n    file: web/Dockerfile\n"),
      "web/Dockerfile": "FROM nginx\nCOPY dist /usr/share/nginx/html\n",
      "web/.dockerignore": "dist\n"}, [2]),
]


@pytest.mark.parametrize("files,expected", IGNORE_CASES)
def test_dockerignore_hides_copy(files, expected):
    found = reports("RS504", files, expected, context=WORKSPACE)
    assert all("excludes" in f.message for f in found)


def test_rs501_message_names_the_dockerfile_line_and_triple():
    files = {WF: workflow(BP + "    platforms: linux/arm/v7\n"), "Dockerfile": ARCH_CASE}
    (finding,) = catches("RS501", files)
    assert "armv7-unknown-linux-gnueabihf" in finding.message
    assert [(r.path, r.line) for r in finding.related] == [("Dockerfile", 3)]


def test_rs503_names_the_unused_packages():
    files = {WF: RESEARCH.replace(",linux/arm/v7", ""), "Dockerfile": RESEARCH_DOCKERFILE}
    (finding,) = catches("RS503", files)
    assert "gcc-arm-linux-gnueabihf, libc6-dev-armhf-cross" in finding.message
    assert "gcc-x86-64-linux-gnu" not in finding.message
