"""Table tests for the real-workspace rules: RS109 (--locked without Cargo.lock), RS213 (toolchain
file before rustup), RS212 (C crate cross needs), RS310 (cp follows target-dir), RS308 (runtime
glibc), RS309 (runtime libraries), RS416 (login registry = image registry)."""

from __future__ import annotations

import textwrap
import pytest

from rsdock.lint.model import cargo
from tests.lint.rules.harness import catches, catches_not, findings, fixed, reports
from tests.lint.rules.test_rules_workflow import WF, workflow

MANIFEST = '[package]\nname = "server"\nversion = "0.1.0"\nedition = "2021"\n'
LOCK_SSL = '''version = 4
[[package]]
name = "server"
version = "0.1.0"
dependencies = ["openssl-sys"]
[[package]]
name = "openssl-sys"
version = "0.9.104"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["cc", "pkg-config"]
'''
LOCK_SQLITE = LOCK_SSL.replace("openssl-sys", "libsqlite3-sys").replace(
    '["cc", "pkg-config"]', '["pkg-config", "vcpkg"]')
LOCK_SQLITE_BUNDLED = LOCK_SQLITE.replace('["pkg-config", "vcpkg"]', '["cc", "pkg-config"]')
PLAIN_LOCK = 'version = 4\n[[package]]\nname = "server"\nversion = "0.1.0"\n'


def workspace(files: dict[str, str | None]) -> dict[str, str]:
    """``files`` in a one-package workspace (a None removes a default file)."""
    files = {"Cargo.toml": MANIFEST, "src/main.rs": "fn main() {}\n", **files}
    return {k: v for k, v in files.items() if v is not None}


def df(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


BUILD = df("""
    FROM rust:1.95 AS builder
    RUN cargo install cargo-chef --locked
    WORKDIR /app
    COPY . .
    RUN cargo build --release --locked --bin server
""")
TOOLCHAIN = '[toolchain]\nchannel = "1.86.0"\n'
RUSTUP_FIRST = df("""
    FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
    WORKDIR /app
    RUN rustup target add aarch64-unknown-linux-gnu
    COPY . .
    RUN cargo build --release --target aarch64-unknown-linux-gnu
""")
CROSS_ARM64 = df("""
    FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
    RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \\
        && rustup target add aarch64-unknown-linux-gnu
    ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    WORKDIR /app
    COPY . .
    RUN cargo build --release --target aarch64-unknown-linux-gnu
""")
CROSS_ARM64_SSL = CROSS_ARM64.replace(
    "RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
    "RUN dpkg --add-architecture arm64 && apt-get update && apt-get install -y "
    "gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config libssl-dev:arm64").replace(
    "_LINKER=aarch64-linux-gnu-gcc",
    "_LINKER=aarch64-linux-gnu-gcc PKG_CONFIG_ALLOW_CROSS=1 "
    "PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig")
# The generator's builder: the arm sets the package list, one apt-get installs "$@".
SET_ARGS_SSL = df("""
    FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
    ARG TARGETPLATFORM
    RUN case "$TARGETPLATFORM" in \\
          linux/amd64) triple=x86_64-unknown-linux-gnu cc_triple=x86_64_unknown_linux_gnu arch=amd64 \\
            linker_var=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER linker=x86_64-linux-gnu-gcc; \\
            set -- gcc-x86-64-linux-gnu libc6-dev-amd64-cross pkg-config libssl-dev:amd64 ;; \\
          linux/arm64) triple=aarch64-unknown-linux-gnu cc_triple=aarch64_unknown_linux_gnu arch=arm64 \\
            linker_var=CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER linker=aarch64-linux-gnu-gcc; \\
            set -- gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config libssl-dev:arm64 ;; \\
          *) exit 1 ;; \\
        esac \\
     && dpkg --add-architecture "$arch" \\
     && apt-get update \\
     && apt-get install -y --no-install-recommends "$@" \\
     && rustup target add "$triple" \\
     && printf 'export %s=%s\\n' TARGET_TRIPLE "$triple" "$linker_var" "$linker" \\
          PKG_CONFIG_ALLOW_CROSS 1 \\
          "PKG_CONFIG_LIBDIR_$cc_triple" "/usr/lib/$arch/pkgconfig" > /env
    WORKDIR /app
    COPY . .
    RUN . /env && cargo build --release --locked --target "$TARGET_TRIPLE"
""")
ARM64 = workflow("- uses: docker/build-push-action@v7\n  with:\n    platforms: linux/arm64\n")
AMD64 = workflow("- uses: docker/build-push-action@v7\n  with:\n    platforms: linux/amd64\n")
RUNTIME = df("""
    FROM rust:1.95-slim-bookworm AS builder
    WORKDIR /app
    COPY . .
    RUN cargo build --release --bin server

    FROM {base}
    {run}
    COPY --from=builder /app/target/release/server /usr/local/bin/server
""")
APT = ("RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates{extra} "
       "&& rm -rf /var/lib/apt/lists/*")
LOGIN_HUB = ("- uses: docker/login-action@v4\n  with:\n"
             "    username: ${{ secrets.DOCKERHUB_USERNAME }}\n"
             "    password: ${{ secrets.DOCKERHUB_TOKEN }}\n")
LOGIN_GHCR = ("- uses: docker/login-action@v4\n  with:\n    registry: ghcr.io\n"
              "    username: ${{ github.actor }}\n    password: ${{ secrets.GITHUB_TOKEN }}\n")
PUSH = "- uses: docker/build-push-action@v7\n  with:\n    push: true\n    tags: {tags}\n"
META = "- uses: docker/metadata-action@v6\n  with:\n    images: {images}\n"
ECR_PUBLIC = "- uses: aws-actions/amazon-ecr-login@v2\n  with:\n    registry-type: public\n"

CASES = [
    # RS109: --locked without a Cargo.lock (cargo install of a tool is not the project)
    ("RS109", {"Dockerfile": BUILD}, [("Dockerfile", 5)]),
    ("RS109", {"Dockerfile": BUILD, "Cargo.lock": PLAIN_LOCK}, []),
    ("RS109", {"Dockerfile": BUILD.replace(" --locked --bin", " --bin")}, []),
    ("RS109", {"Dockerfile": BUILD.replace("--locked --bin", "--frozen --bin")}, [("Dockerfile", 5)]),
    # RS213: the toolchain file arrives after rustup target add
    ("RS213", {"Dockerfile": RUSTUP_FIRST, "rust-toolchain.toml": TOOLCHAIN}, [("Dockerfile", 3)]),
    ("RS213", {"Dockerfile": RUSTUP_FIRST}, []),  # no toolchain file: nothing pinned
    ("RS213", {"Dockerfile": RUSTUP_FIRST.replace(
        "RUN rustup", "COPY rust-toolchain.toml ./\nRUN rustup"),
        "rust-toolchain.toml": TOOLCHAIN}, []),
    ("RS213", {"Dockerfile": RUSTUP_FIRST.replace("rust:1.95", "rust:1.86.0"),
               "rust-toolchain.toml": TOOLCHAIN}, []),  # the image's Rust is the pinned one
    ("RS213", {"Dockerfile": RUSTUP_FIRST, "rust-toolchain": "1.86.0\n"}, [("Dockerfile", 3)]),
    # RS212: a C crate's target packages and pkg-config environment per built platform
    # (the packages where apt-get installs them, the environment where cargo runs)
    ("RS212", {WF: ARM64, "Dockerfile": CROSS_ARM64, "Cargo.lock": LOCK_SSL},
     [("Dockerfile", 2), ("Dockerfile", 7)]),
    ("RS212", {WF: ARM64, "Dockerfile": CROSS_ARM64_SSL, "Cargo.lock": LOCK_SSL}, []),
    ("RS212", {WF: ARM64, "Dockerfile": CROSS_ARM64_SSL.replace(" libssl-dev:arm64", ""),
               "Cargo.lock": LOCK_SSL}, [("Dockerfile", 2)]),  # only the package is missing
    ("RS212", {WF: ARM64, "Dockerfile": CROSS_ARM64_SSL.replace(" PKG_CONFIG_ALLOW_CROSS=1", ""),
               "Cargo.lock": LOCK_SSL}, [("Dockerfile", 7)]),  # only the environment
    # the generator's shape: each case arm `set -- PACKAGES`, one `apt-get install "$@"`
    ("RS212", {WF: ARM64, "Dockerfile": SET_ARGS_SSL, "Cargo.lock": LOCK_SSL}, []),
    ("RS212", {WF: ARM64, "Dockerfile": SET_ARGS_SSL.replace(
        "pkg-config libssl-dev:arm64 ;;", "pkg-config ;;"), "Cargo.lock": LOCK_SSL},
     [("Dockerfile", 9)]),  # the arm64 arm's `set --` line
    ("RS212", {WF: ARM64, "Dockerfile": CROSS_ARM64, "Cargo.lock": LOCK_SQLITE_BUNDLED}, []),
    ("RS212", {WF: ARM64, "Dockerfile": CROSS_ARM64, "Cargo.lock": PLAIN_LOCK}, []),
    ("RS212", {"Dockerfile": CROSS_ARM64, "Cargo.lock": LOCK_SSL}, []),  # no workflow
    ("RS212", {WF: AMD64, "Dockerfile": CROSS_ARM64, "Cargo.lock": LOCK_SSL}, []),
    # RS310: cp from target/ while .cargo/config.toml moves it
    ("RS310", {"Dockerfile": df("""
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release && cp target/release/server /server
    """), ".cargo/config.toml": '[build]\ntarget-dir = "out"\n'}, [("Dockerfile", 4)]),
    ("RS310", {"Dockerfile": df("""
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target-dir target && cp target/release/server /server
    """), ".cargo/config.toml": '[build]\ntarget-dir = "out"\n'}, []),
    ("RS310", {"Dockerfile": df("""
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release && cp target/release/server /server
    """)}, []),
    # RS305 knows the configured target-dir too (the COPY --from side of RS310)
    ("RS305", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run=""),
               ".cargo/config.toml": '[build]\ntarget-dir = "out"\n'}, [("Dockerfile", 8)]),
    ("RS305", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run="").replace(
        "/app/target/release", "/app/out/release"),
               ".cargo/config.toml": '[build]\ntarget-dir = "out"\n'}, []),
    # RS308: builder glibc newer than the runtime's
    ("RS308", {"Dockerfile": RUNTIME.format(base="debian:buster-slim", run="")},
     [("Dockerfile", 6)]),
    ("RS308", {"Dockerfile": RUNTIME.format(base="gcr.io/distroless/cc-debian11", run="")},
     [("Dockerfile", 6)]),
    ("RS308", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run="")}, []),
    ("RS308", {"Dockerfile": RUNTIME.format(base="debian:trixie-slim", run="")}, []),
    # (a tag naming no release is the release it is built on: rust:1 and rust:1.95 are trixie)
    *[("RS308", {"Dockerfile": RUNTIME.replace("rust:1.95-slim-bookworm", builder).format(
        base=runtime, run="")}, expected)
      for builder, runtime, expected in (
          ("rust:1.95", "debian:buster-slim", [("Dockerfile", 6)]),
          ("rust:latest", "gcr.io/distroless/cc-debian12", [("Dockerfile", 6)]),
          ("rust:1", "debian:bookworm-slim", [("Dockerfile", 6)]),
          ("rust:1-slim", "debian:bookworm-slim", [("Dockerfile", 6)]),
          ("lukemathwalker/cargo-chef:latest-rust-1", "debian:bookworm-slim", [("Dockerfile", 6)]),
          ("rust:1", "debian:trixie-slim", []),
          ("rust:1", "debian:stable-slim", []),
          ("rust:1.86", "debian:bookworm-slim", []),  # 1.86 was built on bookworm
          ("rust:1.60", "debian:bullseye-slim", []),  # older minors are not judged
          ("rust:1-alpine", "debian:bookworm-slim", []),  # musl toolchain image: unknown
          ("rust:${{RUST}}", "debian:bookworm-slim", []),
          # an Ubuntu runtime counts by its glibc: 22.04 has 2.35, older than bookworm's
          ("rust:1.95-slim-bookworm", "ubuntu:22.04", [("Dockerfile", 6)]),
          ("rust:1.95-slim-bookworm", "ubuntu:24.04", []),
          ("rust:1.95-slim-bookworm", "ubuntu:noble", []),
          ("rust:1.95-slim-trixie", "ubuntu:latest", []),  # moves with each LTS: not read
      )],
    # RS309: the runtime lacks the shared library
    # (at the runtime's apt-get install line, where the package goes; at FROM with none)
    ("RS309", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run=APT.format(
        extra="")), "Cargo.lock": LOCK_SQLITE}, [("Dockerfile", 7)]),
    ("RS309", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run=(
        "RUN apt-get update \\\n && apt-get install -y --no-install-recommends \\\n"
        "      ca-certificates \\\n && rm -rf /var/lib/apt/lists/*")),
        "Cargo.lock": LOCK_SQLITE}, [("Dockerfile", 8)]),
    ("RS309", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run=""),
               "Cargo.lock": LOCK_SQLITE}, [("Dockerfile", 6)]),
    # (a -dev package brings its library: Debian's libsqlite3-dev depends on libsqlite3-0)
    ("RS309", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run=APT.format(
        extra=" libsqlite3-dev")), "Cargo.lock": LOCK_SQLITE}, []),
    # (but the builder's libsqlite3-dev:arm64 is not the runtime's)
    ("RS309", {"Dockerfile": RUNTIME.replace(
        "WORKDIR /app\n", "RUN apt-get update && apt-get install -y libsqlite3-dev:arm64\n", 1
    ).format(base="debian:bookworm-slim", run=APT.format(extra="")),
        "Cargo.lock": LOCK_SQLITE}, [("Dockerfile", 7)]),
    ("RS309", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run=APT.format(
        extra=" libsqlite3-0")), "Cargo.lock": LOCK_SQLITE}, []),
    ("RS309", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run=APT.format(
        extra="")), "Cargo.lock": LOCK_SQLITE_BUNDLED}, []),
    ("RS309", {"Dockerfile": RUNTIME.format(base="gcr.io/distroless/cc-debian12", run=""),
               "Cargo.lock": LOCK_SSL}, []),  # distroless cc has libssl3
    ("RS309", {"Dockerfile": RUNTIME.format(base="gcr.io/distroless/cc-debian12", run=""),
               "Cargo.lock": LOCK_SQLITE}, [("Dockerfile", 6)]),
    ("RS309", {"Dockerfile": RUNTIME.format(base="debian:bookworm-slim", run=APT.format(
        extra=" libssl3")), "Cargo.lock": LOCK_SSL}, []),
    # RS416: login registry against pushed names
    ("RS416", {WF: workflow(LOGIN_HUB + PUSH.format(tags="ghcr.io/acme/api:latest"))},
     [(WF, 13)]),
    ("RS416", {WF: workflow(LOGIN_GHCR + PUSH.format(tags="ghcr.io/acme/api:latest"))}, []),
    ("RS416", {WF: workflow(LOGIN_HUB + PUSH.format(tags="acme/api:latest"))}, []),
    ("RS416", {WF: workflow(LOGIN_GHCR + PUSH.format(
        tags="${{ secrets.DOCKERHUB_USERNAME }}/api:latest"))}, [(WF, 14)]),
    ("RS416", {WF: workflow(LOGIN_HUB + META.format(images="ghcr.io/acme/api"))}, [(WF, 12)]),
    ("RS416", {WF: workflow(LOGIN_HUB + PUSH.format(tags="${{ steps.meta.outputs.tags }}"))},
     []),
    ("RS416", {WF: workflow(PUSH.format(tags="ghcr.io/acme/api:latest"))}, []),  # no login
    # other logins count: Amazon ECR's action, Azure's, a `docker login` in a script
    ("RS416", {WF: workflow(LOGIN_HUB + ECR_PUBLIC + PUSH.format(
        tags="public.ecr.aws/acme/api:latest"))}, []),
    ("RS416", {WF: workflow(LOGIN_HUB + ECR_PUBLIC + PUSH.format(
        tags="123456789012.dkr.ecr.us-east-1.amazonaws.com/api:latest"))}, [(WF, 16)]),
    ("RS416", {WF: workflow(LOGIN_HUB + "- uses: aws-actions/amazon-ecr-login@v2\n" + PUSH.format(
        tags="123456789012.dkr.ecr.us-east-1.amazonaws.com/api:latest"))}, []),
    ("RS416", {WF: workflow(LOGIN_HUB + "- uses: azure/docker-login@v2\n  with:\n"
                            "    login-server: acme.azurecr.io\n" + PUSH.format(
                                tags="acme.azurecr.io/api:latest"))}, []),
    ("RS416", {WF: workflow(LOGIN_HUB + "- run: docker login -u ci --password-stdin quay.io "
                            "< token\n" + PUSH.format(tags="quay.io/acme/api:latest"))}, []),
    ("RS416", {WF: workflow(LOGIN_HUB + "- run: docker login -u ci -p \"$T\" quay.io\n" +
                            PUSH.format(tags="ghcr.io/acme/api:latest"))}, [(WF, 14)]),
    ("RS416", {WF: workflow(LOGIN_HUB + "- run: docker login \"$REGISTRY\"\n" + PUSH.format(
        tags="ghcr.io/acme/api:latest"))}, []),  # a registry in a variable: not judged
    # a registry on the runner (a `services:` container) takes pushes without a login
    ("RS416", {WF: workflow(LOGIN_HUB + PUSH.format(tags="localhost:5000/acme/api:base"))}, []),
    ("RS416", {WF: workflow(LOGIN_HUB + PUSH.format(tags="127.0.0.1:5000/api"))}, []),
    ("RS416", {WF: workflow(LOGIN_HUB + "- uses: docker/build-push-action@v7\n  with:\n"
                            "    push: false\n    tags: ghcr.io/acme/api:pr\n")}, []),
]


@pytest.mark.parametrize("rule_id,files,expected", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_cases(rule_id, files, expected):
    files = workspace(files)
    reports(rule_id, files, [line for _path, line in sorted(expected)])
    assert sorted((f.path, f.line) for f in findings(rule_id, files)) == expected


def test_rs212_names_the_packages_and_the_environment():
    files = workspace({WF: ARM64, "Dockerfile": CROSS_ARM64, "Cargo.lock": LOCK_SSL})
    packages, env = catches("RS212", files, lines=[2, 7])  # the apt-get line; the cargo line
    assert "install pkg-config libssl-dev:arm64 (after dpkg --add-architecture arm64)" \
        not in packages.message  # pkg-config is a build tool, not a target package
    assert packages.message.endswith(
        "install libssl-dev:arm64 (after dpkg --add-architecture arm64)")
    assert [(r.line, r.label) for r in packages.related] == [(7, "cargo runs here")]
    assert "PKG_CONFIG" not in packages.message and "libssl-dev" not in env.message
    assert ("PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:"
            "/usr/share/pkgconfig") in env.message


def test_what_rsdock_generates_for_c_workspaces_passes_its_own_c_rules(tmp_path):
    from rsdock.lint.engine.runner import lint_texts
    from rsdock.lint.engine.settings import LintConfig
    from rsdock.wizard.generate.defaults import default_plan
    from rsdock.wizard.generate.render import render

    for lock in (LOCK_SSL, LOCK_SQLITE):
        root = tmp_path / str(hash(lock))
        (root / "src").mkdir(parents=True)
        (root / "Cargo.toml").write_text(MANIFEST)
        (root / "src" / "main.rs").write_text("fn main() {}\n")
        (root / "Cargo.lock").write_text(lock)
        for runtime in ("debian-slim", "distroless"):
            files = render(default_plan(cargo.scan(root), runtime=runtime))
            findings = lint_texts(files, root=root, config=LintConfig(hadolint=False))
            assert [f"{f.path}:{f.line}: {f.rule} {f.message}" for f in findings] == []


def test_rs309_fix_adds_the_library_to_the_runtimes_install_line():
    text = RUNTIME.format(base="debian:bookworm-slim", run=APT.format(extra=""))
    files = workspace({"Dockerfile": text, "Cargo.lock": LOCK_SQLITE})
    [finding] = catches("RS309", files)
    assert finding.fix is not None and finding.fix.safe
    after = fixed("RS309", files, unsafe=False)
    assert "install -y --no-install-recommends ca-certificates libsqlite3-0 && rm" \
        in after["Dockerfile"]
    catches_not("RS309", after)


def test_rs212_names_the_install_its_fix_cannot_extend_as_a_related_place():
    # no apt-get update in the RUN: dpkg --add-architecture has nothing to precede, so the fix
    # is display-only, and the finding on cargo's line names that install as a related place
    dockerfile = CROSS_ARM64.replace("apt-get update && ", "")
    files = workspace({WF: ARM64, "Dockerfile": dockerfile, "Cargo.lock": LOCK_SSL})
    packages, env = catches("RS212", files, lines=[2, 7])
    assert env.fix is not None and env.fix.display_only
    assert "an apt-get install has no apt-get update before it" in env.fix.description
    assert "line" not in env.fix.description
    assert (2, "no apt-get update before this install: the fix stops here") in [
        (r.line, r.label) for r in env.related]


def test_rs212_knows_a_members_own_pkg_config_lookup():
    # awslabs/mountpoint-s3@58817cab2fc3 mountpoint-s3-fuser/build.rs probes fuse3 with
    # pkg-config: a hand-written cross build needs libfuse3-dev:arm64 as for a system crate
    # (the generator knew it from session 7, lint did not)
    files = workspace({WF: ARM64, "Dockerfile": CROSS_ARM64, "Cargo.lock": PLAIN_LOCK,
                       "Cargo.toml": MANIFEST + 'build = "build.rs"\n',
                       "build.rs": 'fn main() { pkg_config::probe_library("fuse3").unwrap(); }\n'})
    packages, _env = catches("RS212", files, lines=[2, 7])
    assert packages.message.endswith(
        "install libfuse3-dev:arm64 (after dpkg --add-architecture arm64)")
    with_dev = CROSS_ARM64_SSL.replace("libssl-dev:arm64", "libfuse3-dev:arm64")
    catches_not("RS212", {**files, "Dockerfile": with_dev})
