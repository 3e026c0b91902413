"""The false findings and misses blind batch D left (docs/field-test.md, "Blind batch D"), on the
shapes the rules' docstrings do not show: each case is the model the rule now reads, not the
repository it was seen in."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, catches_not

AWS = """\
# file: .github/workflows/ci.yml
on: push
jobs:
  dist:
    runs-on: ubuntu-24.04
    steps:
      - uses: aws-actions/configure-aws-credentials@{ref}
        with:
          aws-region: eu-west-1
"""


@pytest.mark.parametrize("ref, outdated", [
    ("v1", True),    # node12 at every v1.x tag
    ("v3", True),    # node16
    ("v5", True),    # node20
    ("v6", False),   # node24
    ("e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3", False),
])
def test_rs410_configure_aws_credentials(ref, outdated):
    text = AWS.format(ref=ref)
    if outdated:
        catches("RS410", text, lines=[6])
    else:
        catches_not("RS410", text)


GO_IMAGE = """\
FROM golang:1.24-alpine AS builder
WORKDIR /app
COPY . .
RUN go build -o app .
FROM alpine:3.20
COPY --from=builder /app/app /app
ENTRYPOINT ["/app"]
"""
PUSH = """\
on: push
jobs:
  image:
    runs-on: ubuntu-24.04
    steps:
      - uses: docker/build-push-action@v7
        with:
          push: true
          tags: example/app:latest
"""


@pytest.mark.parametrize("published", [True, False])
def test_go_program_as_pid_1_stops_on_sigterm(published):
    files = {"Dockerfile": GO_IMAGE}
    if published:
        files[".github/workflows/image.yml"] = PUSH
    catches_not("RS304", files)


def test_python_image_published_is_still_judged():
    python = ("FROM python:3.12-slim\nCOPY app.py /app.py\nRUN pip install requests\n"
              'ENTRYPOINT ["python", "/app.py"]\n')
    catches("RS304", {"Dockerfile": python, ".github/workflows/image.yml": PUSH})


def test_rust_image_published_is_still_judged():
    rust = GO_IMAGE.replace("golang:1.24-alpine", "rust:1.95-alpine").replace(
        "go build -o app .", "cargo build --release && cp target/release/app app")
    catches("RS304", {"Dockerfile": rust, ".github/workflows/image.yml": PUSH})


WRITES_DOCKERFILE = """\
# file: .github/workflows/docker.yml
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - run: |
          {write}
      - uses: docker/build-push-action@v7
        with:
          context: .
          file: {file}
"""


@pytest.mark.parametrize("write, file, missing", [
    ("cat > Dockerfile <<'EOF'\n          FROM alpine\n          EOF", "Dockerfile", False),
    ("cp docker/base.Dockerfile Dockerfile.release", "./Dockerfile.release", False),
    ("curl -fsSL -o Dockerfile https://example.com/Dockerfile", "Dockerfile", False),
    ("cd docker && cat > Dockerfile <<'EOF'\n          FROM alpine\n          EOF",
     "docker/Dockerfile", False),
    ("cat > Dockerfile.other <<'EOF'\n          FROM alpine\n          EOF", "Dockerfile", True),
])
def test_rs408_dockerfile_written_by_an_earlier_step(write, file, missing):
    text = WRITES_DOCKERFILE.format(write=write, file=file)
    if missing:
        catches("RS408", text)
    else:
        catches_not("RS408", text)


RUNTIME = """\
FROM rust:1.95 AS builder
WORKDIR /app
COPY . .
RUN cargo build --release
FROM {base}
{run}
COPY --from=builder /app/target/release/server /usr/local/bin/server
ENTRYPOINT ["/usr/local/bin/server"{args}]
"""


@pytest.mark.parametrize("base, run, args, root", [
    # a base whose USER is unknown, proven root by the package install the stage runs
    ("cgr.dev/chainguard/wolfi-base", "RUN apk add --no-cache git", "", True),
    ("example.com/team/base:1", "RUN apt-get update && apt-get install -y curl", "", True),
    ("cgr.dev/chainguard/wolfi-base", "", "", False),        # nothing proves its user
    ("example.com/team/base:1", "RUN sudo apk add git", "", False),
    # the program is handed an account to switch to
    ("debian:bookworm-slim", "", ', "-a", "nobody"', False),
    ("debian:bookworm-slim", "RUN useradd --system app", ', "--user=app"', False),
    ("debian:bookworm-slim", "", ', "--user", "root"', True),
    ("debian:bookworm-slim", "", ', "-c", "/etc/config.json"', True),
])
def test_rs306_root_proven_and_accounts_handed_over(base, run, args, root):
    text = RUNTIME.format(base=base, run=run, args=args)
    if root:
        catches("RS306", text)
    else:
        catches_not("RS306", text)


HANDLES_SIGTERM = {
    "Cargo.toml": '[package]\nname = "server"\nversion = "0.1.0"\nedition = "2021"\n',
    "src/main.rs": ("#[tokio::main]\nasync fn main() {\n"
                    "    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())"
                    ".unwrap().recv().await;\n}\n"),
}
RENAMED = """\
FROM rust:1.95 AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --bin server
RUN {rename}
FROM debian:bookworm-slim
RUN useradd --system app
COPY --from=builder {copied} /usr/local/bin/{name}
USER app
ENTRYPOINT ["/usr/local/bin/{name}"]
"""


@pytest.mark.parametrize("rename, copied, name, reported", [
    # renamed by the builder's RUN, then copied: the workspace binary that handles SIGTERM
    ("mv target/release/server target/release/server-75", "/src/target/release/server-75",
     "server-75", False),
    ("cp /src/target/release/server /opt/app", "/opt/app", "app", False),
    # renamed by the COPY itself
    ("true", "/src/target/release/server", "api", False),
    # a file of the same name that is not the build's output: nothing known of it
    ("cp /usr/bin/env /opt/app", "/opt/app", "app", True),
])
def test_rs304_follows_renames_to_the_workspace_binary(rename, copied, name, reported):
    text = RENAMED.format(rename=rename, copied=copied, name=name)
    if reported:
        catches("RS304", text, context=HANDLES_SIGTERM)
    else:
        catches_not("RS304", text, context=HANDLES_SIGTERM)


REQWEST_LOCK = """\
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "reqwest",
]

[[package]]
name = "native-tls"
version = "0.2.14"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "reqwest"
version = "0.12.28"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "native-tls",
 "webpki-roots",
]

[[package]]
name = "webpki-roots"
version = "0.26.11"
source = "registry+https://github.com/rust-lang/crates.io-index"
"""
SCRATCH = """\
FROM rust:1.95 AS builder
WORKDIR /app
COPY . .
RUN cargo build --release {features}
FROM scratch
COPY --from=builder /app/target/release/app /app
USER 10001
ENTRYPOINT ["/app"]
"""
MANIFEST = """\
[package]
name = "app"
version = "0.1.0"
edition = "2021"

[features]
native = ["reqwest/native-tls"]

[{table}]
reqwest = {{ version = "0.12", default-features = false, features = [{reqwest}] }}
"""


@pytest.mark.parametrize("table, reqwest, features, reported", [
    # reqwest's rows (crate_features.toml): rustls-tls compiles webpki-roots, native-tls the store
    ("dependencies", '"rustls-tls"', "", False),
    ("dependencies", '"native-tls"', "", True),
    ("dependencies", '"rustls-tls"', "--features native", True),   # the build turns it on
    ("dev-dependencies", '"native-tls"', "", False),                 # tests only
])
def test_rs302_resolves_what_the_built_binary_compiles(table, reqwest, features, reported):
    context = {"Cargo.toml": MANIFEST.format(table=table, reqwest=reqwest),
               "Cargo.lock": REQWEST_LOCK, "src/main.rs": "fn main() {}\n"}
    text = SCRATCH.format(features=features)
    if reported:
        catches("RS302", text, context=context)
    else:
        catches_not("RS302", text, context=context)


@pytest.mark.parametrize("probe, reported", [
    ("$(rustc -vV | sed -n 's/^host: //p')", False),
    ("$(rustc -Vv | grep host | cut -d ' ' -f 2)", False),
    ("$(rustc -vV | awk '/^host/ {print $2}')", False),
    ("$(rustc --print host-tuple)", False),
    ("$(cat /target)", True),                       # a triple chosen elsewhere: cross
])
def test_rs201_host_triple_from_rustc_is_native(probe, reported):
    text = ("FROM rust:1.95\nWORKDIR /app\nCOPY . .\n"
            f'RUN TARGET="{probe}" && cargo build --release --target "$TARGET"\n')
    if reported:
        catches("RS201", text)
    else:
        catches_not("RS201", text)


PYO3_WORKSPACE = {
    "Cargo.toml": '[workspace]\nmembers = ["cli", "python"]\nresolver = "2"\n',
    "cli/Cargo.toml": '[package]\nname = "cli"\nversion = "0.1.0"\nedition = "2021"\n',
    "cli/src/main.rs": "fn main() {}\n",
    "python/Cargo.toml": ('[package]\nname = "py"\nversion = "0.1.0"\nedition = "2021"\n\n'
                          '[dependencies]\npyo3 = "0.25"\n'),
    "python/src/main.rs": "fn main() {}\n",
    "Cargo.lock": ('version = 4\n\n[[package]]\nname = "cli"\nversion = "0.1.0"\n\n'
                   '[[package]]\nname = "py"\nversion = "0.1.0"\ndependencies = [\n "pyo3",\n]\n\n'
                   '[[package]]\nname = "pyo3"\nversion = "0.25.1"\n'
                   'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
                   'dependencies = [\n "pyo3-build-config",\n]\n\n'
                   '[[package]]\nname = "pyo3-build-config"\nversion = "0.25.1"\n'
                   'source = "registry+https://github.com/rust-lang/crates.io-index"\n'),
}


@pytest.mark.parametrize("build, reported", [
    ("WORKDIR /src/cli\nRUN cargo build --release", False),   # the member's folder
    ("WORKDIR /src\nRUN cargo build --release -p cli", False),
    ("WORKDIR /src\nRUN cargo build --release -p py", True),
    ("WORKDIR /src\nRUN cargo build --release", True),          # every member
])
def test_rs111_judges_the_members_the_build_compiles(build, reported):
    text = f"FROM rust:1.95-slim\nCOPY . /src\n{build}\n"
    if reported:
        catches("RS111", {"Dockerfile": text}, context=PYO3_WORKSPACE)
    else:
        catches_not("RS111", {"Dockerfile": text}, context=PYO3_WORKSPACE)
