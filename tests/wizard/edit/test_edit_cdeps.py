"""``rsdock edit --fix`` adds what a C dependency needs to a hand-written builder (RS212's fix).

Each shape real projects use gets an exact diff: one package list for every platform (the
``shop`` and ``research`` fixtures, one package a line), a heredoc ``case`` whose arms set only
the triple (``ledger``), a ``case "$TARGETARCH"`` whose arms hold each platform's packages, a
single-platform builder, and rsdock's own ``set --`` arms. A second identical edit changes
nothing, and rsdock lint finds no RS212 after it. Where rsdock cannot tell where something goes
safely it refuses, printing the exact lines to add (exit 1, nothing written).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rsdock.wizard.edit import infer
from rsdock.wizard.edit.session import lint_sources
from rsdock.wizard.edit.propose import Request, apply, propose
from tests.tools import HANDWRITTEN, REPO, WORKSPACE_FIXTURES

LOCK = (WORKSPACE_FIXTURES / "cdeps" / "Cargo.lock").read_text()
DEPS = '\n[dependencies]\nopenssl = "0.10"\nrusqlite = "0.32"\n'
WORKFLOW = """on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: docker/build-push-action@v7
        with:
          platforms: {platforms}
"""


def with_c_deps(root: Path, manifest: str, package: str) -> Path:
    """Make ``package`` (whose manifest is ``manifest``) link OpenSSL and SQLite."""
    path = root / manifest
    path.write_text(path.read_text() + DEPS)
    (root / "Cargo.lock").write_text(LOCK.replace('name = "api"', f'name = "{package}"'))
    return root


def fixture(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(HANDWRITTEN / name, root)
    manifest = "Cargo.toml" if name == "ledger" else "crates/backend/Cargo.toml"
    return with_c_deps(root, manifest, "ledger" if name == "ledger" else "backend")


def project(tmp_path: Path, dockerfile: str, platforms: str) -> Path:
    """A one-binary workspace (``api``, OpenSSL and SQLite) with ``dockerfile``."""
    root = tmp_path / "api"
    shutil.copytree(WORKSPACE_FIXTURES / "cdeps", root)
    (root / "Dockerfile").write_text(dockerfile)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "docker.yml").write_text(
        WORKFLOW.format(platforms=platforms))
    return root


def fix(root: Path):
    return propose(infer.load_sources(root), Request(fix=True))


def dockerfile_diff(proposal) -> str:
    return "".join(e.diff for e in proposal.changed if e.path == "Dockerfile")


def rs212(root: Path) -> list:
    findings = lint_sources(infer.load_sources(root), hadolint=False)
    return [f for f in findings if f.rule == "RS212"]


def fix_twice(root: Path) -> str:
    """Apply ``edit --fix``; check it resolved RS212 and that a second one changes nothing."""
    assert rs212(root), "the fixture must start with RS212 findings"
    proposal = fix(root)
    assert not proposal.refusals, [r.format() for r in proposal.refusals]
    diff = dockerfile_diff(proposal)
    apply(root, proposal)
    assert rs212(root) == []
    again = fix(root)
    assert not again.refusals and not [e for e in again.changed if e.path == "Dockerfile"]
    return diff


SHOP = '''\
--- a/Dockerfile
+++ b/Dockerfile
@@ -13,9 +13,14 @@
 ARG TARGETPLATFORM
 # Cross toolchains for every platform we ship.
 # hadolint ignore=DL3008
-RUN apt-get update && apt-get install -y --no-install-recommends \\
+RUN dpkg --add-architecture amd64 && dpkg --add-architecture arm64 && apt-get update && apt-get install -y --no-install-recommends \\
       gcc-aarch64-linux-gnu \\
       libc6-dev-arm64-cross \\
+      pkg-config \\
+      libssl-dev:amd64 \\
+      libsqlite3-dev:amd64 \\
+      libssl-dev:arm64 \\
+      libsqlite3-dev:arm64 \\
     && rm -rf /var/lib/apt/lists/*
 ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
 # Pick the Rust target for the requested platform.
@@ -26,6 +31,10 @@
     esac \\
  && rustup target add "$(cat /rust_target.txt)"
 COPY --from=planner /app/recipe.json recipe.json
+# What the build scripts of the C crates in Cargo.lock (openssl-sys, libsqlite3-sys) read; added
+# by rsdock edit (RS212).
+ENV PKG_CONFIG_ALLOW_CROSS=1 \\
+    PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
 RUN cargo chef cook --release --locked --target "$(cat /rust_target.txt)" --bin backend --recipe-path recipe.json
 COPY . .
 RUN cargo build --release --locked --target "$(cat /rust_target.txt)" --bin backend \\
@@ -34,7 +43,7 @@
 FROM debian:bookworm-slim AS runtime
 # hadolint ignore=DL3008
 RUN apt-get update \\
- && apt-get install -y --no-install-recommends ca-certificates tini \\
+ && apt-get install -y --no-install-recommends ca-certificates tini libsqlite3-0 \\
  && rm -rf /var/lib/apt/lists/* \\
  && useradd --system --uid 10001 --no-create-home app
 COPY --from=builder /backend /usr/local/bin/backend
'''


def test_one_package_list_for_every_platform_one_package_a_line(tmp_path):
    # The builder's packages, dpkg --add-architecture and the pkg-config environment (RS212's
    # fix), and the runtime's libraries (RS309's), in one edit: libsqlite3-0 only, as the
    # runtime's ca-certificates depends on openssl and so brings libssl3 (Debian's lists).
    assert fix_twice(fixture(tmp_path, "shop")) == SHOP


LEDGER = '''\
--- a/Dockerfile
+++ b/Dockerfile
@@ -6,10 +6,14 @@
 WORKDIR /src
 # One line per concern; DL3008: we follow Debian point releases on purpose.
 # hadolint ignore=DL3008
-RUN apt-get update \\
- && apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross \\
+RUN dpkg --add-architecture amd64 && dpkg --add-architecture arm64 && apt-get update \\
+ && apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config libssl-dev:amd64 libsqlite3-dev:amd64 libssl-dev:arm64 libsqlite3-dev:arm64 \\
  && rm -rf /var/lib/apt/lists/*
 COPY . .
+# What the build scripts of the C crates in Cargo.lock (openssl-sys, libsqlite3-sys) read; added
+# by rsdock edit (RS212).
+ENV PKG_CONFIG_ALLOW_CROSS=1 \\
+    PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
 RUN <<EOT
 set -eux
 case "$TARGETPLATFORM" in
'''


def test_a_heredoc_case_whose_arms_set_only_the_triple(tmp_path):
    # distroless cc has libssl3 but not libsqlite3-0: RS309 has no fix there (no package
    # manager), so only the builder changes.
    assert fix_twice(fixture(tmp_path, "ledger")) == LEDGER


def test_the_research_snippet_gets_every_platform(tmp_path):
    diff = fix_twice(fixture(tmp_path, "research"))
    assert ("+RUN dpkg --add-architecture amd64 && dpkg --add-architecture arm64 && "
            "dpkg --add-architecture armhf && apt-get update && apt-get install") in diff
    assert "+    libssl-dev:armhf \\\n+    libsqlite3-dev:armhf \\\n" in diff
    assert ("+    PKG_CONFIG_LIBDIR_armv7_unknown_linux_gnueabihf=/usr/lib/arm-linux-gnueabihf/"
            "pkgconfig:/usr/share/pkgconfig\n") in diff


TARGETARCH = '''\
FROM --platform=$BUILDPLATFORM rust:1.86-bookworm AS build
ARG TARGETARCH
WORKDIR /src
# hadolint ignore=DL3008
RUN case "$TARGETARCH" in \\
      amd64) echo x86_64-unknown-linux-gnu > /target; pkgs="" ;; \\
      arm64) echo aarch64-unknown-linux-gnu > /target; pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;; \\
      *) echo "unsupported $TARGETARCH" >&2; exit 1 ;; \\
    esac \\
 && apt-get update && apt-get install -y --no-install-recommends $pkgs \\
 && rm -rf /var/lib/apt/lists/* \\
 && rustup target add "$(cat /target)"
ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
COPY . .
RUN cargo build --release --locked --target "$(cat /target)" --bin api \\
 && cp "target/$(cat /target)/release/api" /api

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /api /api
ENTRYPOINT ["/api"]
'''
TARGETARCH_DIFF = '''\
--- a/Dockerfile
+++ b/Dockerfile
@@ -4,14 +4,18 @@
 # hadolint ignore=DL3008
 RUN case "$TARGETARCH" in \\
       amd64) echo x86_64-unknown-linux-gnu > /target; pkgs="" ;; \\
-      arm64) echo aarch64-unknown-linux-gnu > /target; pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;; \\
+      arm64) echo aarch64-unknown-linux-gnu > /target; pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config libssl-dev:arm64 libsqlite3-dev:arm64" ;; \\
       *) echo "unsupported $TARGETARCH" >&2; exit 1 ;; \\
     esac \\
- && apt-get update && apt-get install -y --no-install-recommends $pkgs \\
+ && dpkg --add-architecture amd64 && dpkg --add-architecture arm64 && apt-get update && apt-get install -y --no-install-recommends $pkgs pkg-config libssl-dev:amd64 libsqlite3-dev:amd64 \\
  && rm -rf /var/lib/apt/lists/* \\
  && rustup target add "$(cat /target)"
 ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
 COPY . .
+# What the build scripts of the C crates in Cargo.lock (openssl-sys, libsqlite3-sys) read; added
+# by rsdock edit (RS212).
+ENV PKG_CONFIG_ALLOW_CROSS=1 \\
+    PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
 RUN cargo build --release --locked --target "$(cat /target)" --bin api \\
  && cp "target/$(cat /target)/release/api" /api
 
'''


def test_case_arms_per_targetarch_get_their_own_packages(tmp_path):
    # The arm64 arm's own list gets arm64's packages; amd64's arm has none, so amd64's go to
    # the apt-get install that installs the arms' list.
    root = project(tmp_path, TARGETARCH, "linux/amd64,linux/arm64")
    assert fix_twice(root) == TARGETARCH_DIFF


SINGLE = '''\
FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \\
    && rustup target add aarch64-unknown-linux-gnu
ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
WORKDIR /app
COPY . .
RUN cargo build --release --target aarch64-unknown-linux-gnu
'''
SINGLE_DIFF = '''\
--- a/Dockerfile
+++ b/Dockerfile
@@ -1,7 +1,11 @@
 FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
-RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \\
+RUN dpkg --add-architecture arm64 && apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config libssl-dev:arm64 libsqlite3-dev:arm64 \\
     && rustup target add aarch64-unknown-linux-gnu
 ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
 WORKDIR /app
 COPY . .
+# What the build scripts of the C crates in Cargo.lock (openssl-sys, libsqlite3-sys) read; added
+# by rsdock edit (RS212).
+ENV PKG_CONFIG_ALLOW_CROSS=1 \\
+    PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
 RUN cargo build --release --target aarch64-unknown-linux-gnu
'''


def test_a_single_platform_builder(tmp_path):
    assert fix_twice(project(tmp_path, SINGLE, "linux/arm64")) == SINGLE_DIFF


def test_rsdocks_own_case_arms_get_the_packages_in_each_arm(tmp_path):
    # A Dockerfile rsdock generated before the workspace linked C: each arm's `set --` list.
    root = tmp_path / "api"
    shutil.copytree(WORKSPACE_FIXTURES / "cdeps", root)
    lock = (root / "Cargo.lock").read_text()
    (root / "Cargo.lock").write_text('version = 4\n[[package]]\nname = "api"\nversion = "0.1.0"\n')
    manifest = (root / "Cargo.toml").read_text()
    (root / "Cargo.toml").write_text(manifest.split("[dependencies]")[0])
    run = subprocess.run([sys.executable, "-m", "rsdock", "init", str(root), "--yes"],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    (root / "Cargo.lock").write_text(lock)
    (root / "Cargo.toml").write_text(manifest)
    diff = fix_twice(root)
    for arch, gcc in (("amd64", "x86-64-linux-gnu"), ("arm64", "aarch64-linux-gnu"),
                      ("armhf", "arm-linux-gnueabihf")):
        assert (f"+        set -- gcc-{gcc} libc6-dev-{arch}-cross pkg-config "
                f"libssl-dev:{arch} libsqlite3-dev:{arch} ;; \\\n") in diff
    assert ("+ && dpkg --add-architecture amd64 && dpkg --add-architecture arm64 && "
            "dpkg --add-architecture armhf && apt-get update \\\n") in diff
    assert "ENV PKG_CONFIG" not in diff  # every generated builder sets them already


# ------------------------------------------------------------------------------- refusals
MANUAL = '''\
  change it by hand, for example:
    dpkg --add-architecture arm64   # before apt-get update
    apt-get install -y --no-install-recommends pkg-config libssl-dev:arm64 libsqlite3-dev:arm64   # linux/arm64
    ENV PKG_CONFIG_ALLOW_CROSS=1 \\
        PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
rsdock: nothing was written
'''


@pytest.mark.parametrize("dockerfile,line,why", [
    (SINGLE.replace("rust:1.95-slim-bookworm", "ubuntu:24.04"), 2,
     "the builder is based on ubuntu:24.04, not on Debian (a rust or debian image), so rsdock "
     "cannot tell whether its packages exist for the target"),
    (SINGLE.replace("apt-get update && ", ""), 2,
     "an apt-get install has no apt-get update before it in its RUN, which dpkg "
     "--add-architecture must precede"),
    (SINGLE.replace("RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu "
                    "libc6-dev-arm64-cross \\\n    && ", "RUN "), 6,
     "no apt-get install in the builder has a package list rsdock can add to (words it can "
     "read, after the cross compilers or any package)"),
], ids=["not-debian", "no-apt-update", "no-apt-install"])
def test_what_cannot_be_placed_safely_is_refused_with_the_exact_lines(tmp_path, dockerfile,
                                                                      line, why):
    root = project(tmp_path, dockerfile, "linux/arm64")
    before = (root / "Dockerfile").read_text()
    run = subprocess.run([sys.executable, "-m", "rsdock", "edit", str(root), "--fix", "--yes"],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stderr.endswith(
        f"Dockerfile:{line}: cannot edit safely: RS212: cannot add what the C crates need "
        f"safely: {why}\n" + MANUAL), run.stderr
    assert (root / "Dockerfile").read_text() == before


def test_a_library_that_is_not_multiarch_same_never_shares_a_list(tmp_path):
    # libpq-dev:arm64 replaces libpq-dev:armhf: one list cannot hold both.
    root = fixture(tmp_path, "research")
    lock = (root / "Cargo.lock").read_text()
    (root / "Cargo.lock").write_text(
        lock.replace('"openssl",\n "rusqlite",', '"pq-sys",')
        + '\n[[package]]\nname = "pq-sys"\nversion = "0.6.3"\n'
          'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
          'dependencies = ["pkg-config", "vcpkg"]\n')
    manifest = root / "crates" / "backend" / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace('openssl = "0.10"\nrusqlite = "0.32"',
                                                     'pq-sys = "0.6"'))
    proposal = fix(root)
    assert [r.message for r in proposal.refusals] == [
        "RS212: cannot add what the C crates need safely: libpq-dev is not Multi-Arch: same, "
        "so one apt-get install cannot hold it for amd64 and arm64: the builder needs a package "
        "list per platform (a case arm)"]
    assert "libpq-dev:arm64" in "\n".join(proposal.refusals[0].manual)


SPLIT = '''\
FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS deps
RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \\
    && rustup target add aarch64-unknown-linux-gnu && cargo install cargo-chef --locked
ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
WORKDIR /app
COPY recipe.json recipe.json
RUN cargo chef cook --release --target aarch64-unknown-linux-gnu --recipe-path recipe.json

FROM deps AS builder
COPY . .
RUN cargo build --release --target aarch64-unknown-linux-gnu
'''


def test_the_environment_goes_before_cook_in_the_stage_the_builder_is_built_from(tmp_path):
    # cook compiles openssl-sys too: an ENV only before `cargo build` would come too late.
    root = project(tmp_path, SPLIT, "linux/arm64")
    diff = fix_twice(root)
    text = (root / "Dockerfile").read_text()
    assert text.index("ENV PKG_CONFIG_ALLOW_CROSS=1") < text.index("RUN cargo chef cook")
    assert text.index("ENV PKG_CONFIG_ALLOW_CROSS=1") < text.index("FROM deps AS builder")
    assert "+RUN dpkg --add-architecture arm64 && apt-get update" in diff


def test_lint_json_carries_the_lines_to_add_by_hand(tmp_path):
    import json

    root = project(tmp_path, SINGLE.replace("rust:1.95-slim-bookworm", "ubuntu:24.04"),
                   "linux/arm64")
    run = subprocess.run([sys.executable, "-m", "rsdock", "lint", "--no-hadolint", "--format",
                          "json", "--select", "RS212", str(root)],
                         capture_output=True, text=True, cwd=REPO)
    report = json.loads(run.stdout)
    finding = report["findings"][0]  # the packages (at the install line); the environment too
    assert all(f["fix"] == finding["fix"] for f in report["findings"])
    assert finding["fixable"] is False and finding["fix"]["safe"] is False
    assert finding["fix"]["manual"][1] == (
        "apt-get install -y --no-install-recommends pkg-config libssl-dev:arm64 "
        "libsqlite3-dev:arm64   # linux/arm64")
    assert report["summary"]["suggested"] == 0  # nothing --unsafe-fixes could apply


def test_a_package_list_read_from_a_file_is_not_edited(tmp_path):
    # `apt-get install $(cat /pkgs)`: inserting words there would break the substitution.
    dockerfile = SINGLE.replace("apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
                                "apt-get install -y $(cat /pkgs)").replace(
        "RUN apt-get update", "RUN echo gcc-aarch64-linux-gnu libc6-dev-arm64-cross > /pkgs "
        "&& apt-get update")
    root = project(tmp_path, dockerfile, "linux/arm64")
    proposal = fix(root)
    assert [r.message for r in proposal.refusals] == [
        "RS212: cannot add what the C crates need safely: no apt-get install in the builder "
        "has a package list rsdock can add to (words it can read, after the cross compilers or "
        "any package)"]
