"""Rules changed after blind batch E, part 2 (docs/field-test.md), on the shapes their
docstrings do not show: RS302 (a whole root file system copied in), RS305 (a working directory
the base image sets; ``--examples``), RS111 (a build script that tolerates a missing program),
RS421 (a BuildKit older than attestations), RS424 (provenance attested by GitHub's action)."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, catches_not, reports

ROOT_COPY = """\
FROM {base} AS base

FROM busybox:1.38.0 AS cleaner
COPY --from=base / /clean
RUN {run}

FROM scratch
COPY --from=cleaner {source} /
COPY app /app
USER 65532
ENTRYPOINT ["/app"]
"""


@pytest.mark.parametrize("base, run, source, lines", [
    # distroless's root, trimmed in busybox and copied into scratch: the bundle comes along
    ("gcr.io/distroless/cc-debian13:nonroot", "rm -r /clean/usr/lib/*-linux-gnu/libssl*",
     "/clean", []),
    ("gcr.io/distroless/static-debian12", "true", "/clean/", []),
    # a slim Debian root has no bundle to bring
    ("debian:bookworm-slim", "true", "/clean", [7]),
    # the RUN removes the certificates: what is left is not known to hold them
    ("gcr.io/distroless/cc-debian13", "rm -rf /clean/etc/ssl", "/clean", [7]),
    # only a part of the root is copied
    ("gcr.io/distroless/cc-debian13", "true", "/clean/usr/lib", [7]),
])
def test_rs302_root_file_system_copied_in(base, run, source, lines):
    reports("RS302", ROOT_COPY.format(base=base, run=run, source=source), lines)


def test_rs302_whole_image_copied_directly():
    catches_not("RS302", "FROM gcr.io/distroless/base-debian12 AS base\nFROM busybox AS b\n"
                         "FROM scratch\nCOPY --from=base / /\nCOPY app /app\nUSER 1\n"
                         'ENTRYPOINT ["/app"]\n')


CARGO = """\
# file: Cargo.toml
[package]
name = "api"
version = "0.1.0"
edition = "2021"
# file: src/main.rs
fn main() {}
# file: examples/demo.rs
fn main() {}
"""


@pytest.mark.parametrize("builder, build, copy, lines", [
    # the project's own builder image sets its WORKDIR: where `COPY . .` lands is not known
    ("ghcr.io/acme/builder@sha256:9ee4", "cargo build --release", "/work/target/release/api", []),
    # a known base with no WORKDIR starts in /: the wrong folder is still reported
    ("rust:1.95", "cargo build --release", "/work/target/release/api", [6]),
    # --examples and --example write to <profile>/examples/
    ("rust:1.95", "cargo build --release --examples", "/app/target/release/examples/*", []),
    ("rust:1.95", "cargo build --release --example demo", "/app/target/release/examples/demo",
     []),
    ("rust:1.95", "cargo build --release --example demo", "/app/target/release/examples/other",
     [6]),
])
def test_rs305_workdir_and_examples(builder, build, copy, lines):
    workdir = "WORKDIR /app" if "/app/" in copy else "LABEL stage=builder"
    dockerfile = (f"FROM {builder} AS builder\n{workdir}\nCOPY . .\nRUN {build}\n"
                  f"FROM debian:bookworm-slim\nCOPY --from=builder {copy} /usr/local/bin/\n")
    reports("RS305", CARGO + "# file: Dockerfile\n" + dockerfile, lines)


BUILD_SCRIPT = """\
# file: Cargo.toml
[package]
name = "api"
version = "0.1.0"
edition = "2021"
# file: build.rs
use std::process::Command;
fn main() {{
    let hash: String = Command::new("git").args(["rev-parse", "HEAD"]).output(){call};
    println!("cargo:rustc-env=GIT_HASH={{hash}}");
}}
# file: src/main.rs
fn main() {{}}
# file: Dockerfile
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /app
COPY . .
RUN cargo build --release
"""


@pytest.mark.parametrize("call, caught", [
    ('.map_or_else(|_| "unknown".to_string(), |o| String::from_utf8_lossy(&o.stdout).into())',
     False),
    ('.map_or("unknown".to_string(), |o| String::from_utf8_lossy(&o.stdout).into())', False),
    ('.ok().map(|o| String::from_utf8_lossy(&o.stdout).into()).unwrap_or_default()', False),
    ('.map(|o| String::from_utf8_lossy(&o.stdout).into()).unwrap()', True),
    ('.expect("git")', True),
])
def test_rs111_build_script_tolerates_missing_program(call, caught):
    example = BUILD_SCRIPT.format(call=call)
    if caught:
        catches("RS111", example, message="runs git")
    else:
        catches_not("RS111", example)


MERGE = """\
# file: .github/workflows/release.yml
on: workflow_dispatch
jobs:
  draft:
    runs-on: ubuntu-24.04
    steps:
      - uses: docker/setup-buildx-action@v4
        with:
          driver-opts: |
            image=moby/buildkit:{version}
      - run: docker buildx build --push --platform linux/amd64,linux/arm64 -t acme/app:draft .
  promote:
    runs-on: ubuntu-24.04
    steps:
      - run: |
          docker manifest create acme/app:latest --amend acme/app@sha256:aaaa --amend acme/app@sha256:bbbb
          docker manifest push acme/app:latest
"""


@pytest.mark.parametrize("version, lines", [
    ("v0.10.6", []),   # BuildKit before 0.11 attaches no attestation
    ("v0.9.3", []),
    ("v0.11.0", [14]),
    ("v0.17.2", [14]),
    ("latest", [14]),
])
def test_rs421_buildkit_before_attestations(version, lines):
    reports("RS421", MERGE.format(version=version), lines)


PROVENANCE_OFF = """\
# file: .github/workflows/docker.yml
on: push
jobs:
  image:
    runs-on: ubuntu-24.04
    permissions:
      packages: write
      id-token: write
      attestations: write
    steps:
      - id: push
        uses: docker/build-push-action@v7
        with:
          push: true
          provenance: false
          sbom: false
          tags: ghcr.io/acme/app:latest
      - uses: {action}
        with:
{inputs}
"""


@pytest.mark.parametrize("action, inputs, lines", [
    # provenance attested on the pushed digest: only the SBOM is missing
    ("actions/attest-build-provenance@v4", "          subject-name: ghcr.io/acme/app\n"
     "          subject-digest: ${{ steps.push.outputs.digest }}\n"
     "          push-to-registry: true", [15]),
    # an SBOM attested on it: only the provenance is missing
    ("actions/attest-sbom@v4", "          subject-name: ghcr.io/acme/app\n"
     "          subject-digest: ${{ steps.push.outputs.digest }}\n"
     "          sbom-path: sbom.json", [14]),
    # files attested, not the image
    ("actions/attest-build-provenance@v4", "          subject-path: dist/*", [14, 15]),
])
def test_rs424_attested_by_githubs_action(action, inputs, lines):
    reports("RS424", PROVENANCE_OFF.format(action=action, inputs=inputs), lines)


RUNNER = """\
# file: .github/workflows/ci.yml
on: push
jobs:
  build:
    runs-on: {runs_on}
    strategy:
      matrix:
        os: [ubuntu-24.04, {leg}]
    steps:
      - run: cargo build
"""


@pytest.mark.parametrize("runs_on, leg, lines", [
    ("ubuntu-20.04", "ubuntu-24.04", [4]),
    ("windows-2019", "ubuntu-24.04", [4]),
    ("${{ matrix.os }}", "macos-13", [4]),        # one matrix leg on a retired image
    ("${{ matrix.os }}", "macos-15", []),
    ("[self-hosted, ubuntu-20.04]", "x", []),     # a self-hosted runner may carry any label
    ("{group: big, labels: [ubuntu-18.04]}", "x", [4]),
    ("ubuntu-24.04", "ubuntu-20.04", []),          # the matrix value is not what runs-on uses
    ("${{ inputs.runner }}", "x", []),             # not known
])
def test_rs437_retired_runner_image(runs_on, leg, lines):
    reports("RS437", RUNNER.format(runs_on=runs_on, leg=leg), lines)


WITH = """\
# file: .github/workflows/docker.yml
on: push
env:
  OWNER: acme
jobs:
  image:
    runs-on: ubuntu-24.04
    steps:
      - uses: {action}
        with:
          {name}: {value}
"""


@pytest.mark.parametrize("action, name, value, lines", [
    ("docker/login-action@v4", "username", "$OWNER", [10]),
    ("docker/login-action@v4", "username", "${OWNER}", [10]),
    ("docker/build-push-action@v7", "tags", "ghcr.io/$OWNER/app:latest", [10]),
    ("docker/build-push-action@v7", "build-args", "VERSION=$VERSION", [10]),
    ("docker/metadata-action@v6", "images", "ghcr.io/${OWNER}/app", [10]),
    ("docker/login-action@v4", "username", "${{ env.OWNER }}", []),
    ("docker/build-push-action@v7", "tags", "ghcr.io/${{ github.repository }}:latest", []),
    ("docker/build-push-action@v7", "build-args", "PRICE=$$5", []),
    ("docker/build-push-action@v7", "secrets", "token=$TOKEN", []),  # not an input it checks
    ("appleboy/ssh-action@v1", "script", "echo $OWNER", []),  # another action's own shell
])
def test_rs438_shell_variable_in_with(action, name, value, lines):
    reports("RS438", WITH.format(action=action, name=name, value=value), lines)


RUNTIME = """\
FROM rust:1.95-bookworm AS builder
WORKDIR /app
COPY . .
RUN cargo build --release

FROM {runtime}
COPY --from=builder /app/target/release/app /usr/local/bin/app
USER 65532
ENTRYPOINT ["/usr/local/bin/app"]
"""


@pytest.mark.parametrize("runtime, lines", [
    ("debian:bullseye-20260803@sha256:99cdf7792e25416bd801861ccd8e2fb27fb527b25e8d9a8704ebc3ead2015675",
     [6]),
    ("gcr.io/distroless/cc-debian11", [6]),
    ("ubuntu:20.04", [6]),
    ("ubuntu:focal-20240530", [6]),
    ("debian:bookworm-slim", []),
    ("ubuntu:24.04", []),
    ("ubuntu:latest", []),      # names no release
    ("alpine:3.22", []),        # not a release this table knows
])
def test_rs439_runtime_release_past_support(runtime, lines):
    reports("RS439", RUNTIME.format(runtime=runtime), lines)
