"""RS309 and the generator's C plan read the build's features (vaultwarden's optional
databases, trimmed in tests/lint/analysis/field_locks/vaultwarden-optional-db)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rsdock.lint.analysis.cdeps import c_crates
from rsdock.lint.model import cargo
from tests.lint.rules.harness import findings, reports

FIXTURE = Path(__file__).parents[1] / "analysis" / "field_locks" / "vaultwarden-optional-db"
DOCKERFILE = textwrap.dedent("""\
    FROM rust:1.95-slim-bookworm AS builder
    ARG DB=postgresql
    WORKDIR /app
    COPY . .
    RUN cargo build --release {features}

    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\
        && rm -rf /var/lib/apt/lists/*
    COPY --from=builder /app/target/release/vaultwarden /usr/local/bin/vaultwarden
""")


def project(features: str) -> dict[str, str]:
    """vaultwarden's trimmed workspace, built with ``features``."""
    return {"Cargo.toml": (FIXTURE / "Cargo.toml").read_text(),
            "Cargo.lock": (FIXTURE / "Cargo.lock").read_text(), "src/main.rs": "fn main() {}\n",
            "Dockerfile": DOCKERFILE.format(features=features)}


@pytest.mark.parametrize("features, message", [
    ("", None),  # vaultwarden's default features enable no database
    ("--features ${DB}", "libpq5 (for pq-sys)"),  # the ARG's default: postgresql
    ("--features postgresql,mysql", "libpq5 (for pq-sys), libmariadb3 (for mysqlclient-sys)"),
    ("--features vaultwarden/mysql", "libmariadb3 (for mysqlclient-sys)"),
    ("--all-features", "libpq5 (for pq-sys), libmariadb3 (for mysqlclient-sys)"),
    ("--features $UNSET", "libpq5 (for pq-sys), libmariadb3 (for mysqlclient-sys)"),
])
def test_rs309_asks_only_for_the_libraries_the_built_features_link(features, message):
    found = reports("RS309", project(features), [] if message is None else [8])
    assert message is None or f"lacks: {message};" in found[0].message


def test_the_generator_plans_the_default_features_only(tmp_path):
    for path, text in project("").items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    names = {r.crate.name for r in c_crates(cargo.scan(tmp_path), "vaultwarden")}
    assert not names & {"pq-sys", "mysqlclient-sys", "libsqlite3-sys"}


# libpq on distroless, the shape of the hand-written images that copy libpq in
# (i0n/distroless-libpq5-debian-11, dillendev/distroless-cc-libpq: each copies libpq and the
# libraries of its Depends closure); here as rsdock's unpack stage writes it.
PQ_MANIFEST = ('[package]\nname = "server"\nversion = "0.1.0"\nedition = "2021"\n'
               '[dependencies]\npq-sys = "0.6"\n')
PQ_LOCK = '''version = 4
[[package]]
name = "server"
version = "0.1.0"
dependencies = ["pq-sys"]
[[package]]
name = "pq-sys"
version = "0.6.3"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["pkg-config", "vcpkg"]
'''
DISTROLESS = textwrap.dedent("""\
    FROM rust:1.95-slim-bookworm AS builder
    WORKDIR /app
    COPY . .
    RUN cargo build --release

    FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS libs
    WORKDIR /libs
    RUN apt-get update && apt-get download {packages} \\
        && for deb in ./*.deb; do dpkg-deb -x "$deb" /libs/root; done

    FROM gcr.io/distroless/cc-debian12
    COPY --from=libs /libs/root/ /
    {extra}COPY --from=builder /app/target/release/server /usr/local/bin/server
""")


PQ_WORKSPACE = {"src/main.rs": "fn main() {}\n", "Cargo.toml": PQ_MANIFEST, "Cargo.lock": PQ_LOCK}


def pq_findings(dockerfile: str):
    return findings("RS309", {**PQ_WORKSPACE, "Dockerfile": dockerfile})


def test_rs309_on_distroless_asks_for_what_libpq5_depends_on():
    found = pq_findings(DISTROLESS.format(packages="libpq5", extra=""))
    assert len(found) == 1
    assert "libgssapi-krb5-2 (for pq-sys)" in found[0].message
    assert "libldap-2.5-0 (for pq-sys)" in found[0].message
    assert "libpq5" not in found[0].message and "libssl3" not in found[0].message


def test_rs309_on_distroless_passes_with_the_whole_closure_unpacked():
    from rsdock.lint.knowledge import debian_deps
    packages = " ".join(debian_deps.unpack_for_distroless(["libpq5"], "bookworm"))
    assert pq_findings(DISTROLESS.format(packages=packages, extra="")) == []


def test_rs309_leaves_hand_copied_shared_objects_to_their_author():
    copy = ("COPY --from=libs /libs/root/usr/lib/x86_64-linux-gnu/libpq.so* "
            "/usr/lib/x86_64-linux-gnu/\n")
    dockerfile = DISTROLESS.format(packages="libpq5", extra=copy).replace(
        "COPY --from=libs /libs/root/ /\n", "")
    assert pq_findings(dockerfile) == []
    assert len(pq_findings(dockerfile.replace(copy, ""))) == 1


@pytest.mark.parametrize("install, found", [
    ("wget", 0),  # wget recommends ca-certificates, which brings openssl and libssl3
    ("--no-install-recommends wget", 1),  # wget itself links gnutls
    ("--no-install-recommends git", 0),  # git -> libcurl3-gnutls -> libssh2-1 -> libssl3
    ("--no-install-recommends ca-certificates", 0),
    ("--no-install-recommends tini", 1),
])
def test_rs309_follows_depends_and_recommends_of_what_the_runtime_installs(install,
                                                                            found):
    workspace = {
        "src/main.rs": "fn main() {}\n",
        "Cargo.toml": PQ_MANIFEST.replace('pq-sys = "0.6"', 'openssl-sys = "0.9"'),
        "Cargo.lock": PQ_LOCK.replace("pq-sys", "openssl-sys").replace('"0.6.3"', '"0.9.104"')
        .replace('["pkg-config", "vcpkg"]', '["cc", "pkg-config"]')}
    dockerfile = textwrap.dedent(f"""\
        FROM rust:1.95-slim-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y {install} && rm -rf /var/lib/apt/lists/*
        COPY --from=builder /app/target/release/server /usr/local/bin/server
    """)
    assert len(findings("RS309", {**workspace, "Dockerfile": dockerfile})) == found


# libz-sys (ccrates.toml: rows by version): the shared zlib only when the build finds the
# target's zlib1g-dev and nothing forces the static build; distroless cc-debian12 lacks zlib1g.
def zlib_findings(version: str, builder: str, extra: str, target: str = ""):
    workspace = {
        "src/main.rs": "fn main() {}\n",
        "Cargo.toml": PQ_MANIFEST.replace('pq-sys = "0.6"', 'libz-sys = "1"'),
        "Cargo.lock": PQ_LOCK.replace("pq-sys", "libz-sys").replace('"0.6.3"', f'"{version}"')
        .replace('["pkg-config", "vcpkg"]', '["cc", "pkg-config"]')}
    out = f"target/{target}/release" if target else "target/release"
    dockerfile = (f"FROM {builder} AS builder\n{extra}WORKDIR /app\nCOPY . .\n"
                  f"RUN cargo build --release{' --target ' + target if target else ''}\n\n"
                  "FROM gcr.io/distroless/cc-debian12\n"
                  f"COPY --from=builder /app/{out}/server /usr/local/bin/server\n")
    return [f.message for f in findings("RS309", {**workspace, "Dockerfile": dockerfile})]


ARM64 = "aarch64-unknown-linux-gnu"
ZLIB_DEV_ARM64 = "RUN apt-get update && apt-get install -y zlib1g-dev:arm64\n"


@pytest.mark.parametrize("version, builder, extra, target, asked", [
    # rust:<v> (buildpack-deps) has zlib1g-dev: a native build links libz.so.1
    ("1.1.20", "rust:1.95-bookworm", "", "", True),
    ("1.1.20", "rust:1.95-bookworm", "ENV LIBZ_SYS_STATIC=1\n", "", False),
    ("1.1.20", "rust:1.95-slim-bookworm", "", "", False),  # no zlib1g-dev: bundled
    ("1.1.20", "rust:1.95-slim-bookworm", "RUN apt-get update && apt-get install -y "
     "zlib1g-dev\n", "", True),
    # before 1.1.23 a cross build is always bundled; from 1.1.23 the target's -dev decides
    ("1.1.20", "rust:1.95-slim-bookworm", ZLIB_DEV_ARM64, ARM64, False),
    ("1.1.28", "rust:1.95-slim-bookworm", ZLIB_DEV_ARM64, ARM64, True),
    ("1.1.28", "rust:1.95-slim-bookworm", "", ARM64, False),
])
def test_rs309_asks_for_zlib_only_when_libz_sys_links_it(version, builder, extra,
                                                         target, asked):
    messages = zlib_findings(version, builder, extra, target)
    assert bool(messages) is asked
    if asked:
        assert "zlib1g (for libz-sys)" in messages[0]


def test_the_generator_builds_libz_sys_static_and_copies_no_zlib_into_distroless():
    from rsdock.lint.knowledge import ccrates, platforms
    libz = ccrates.get("libz-sys").with_flags(["version=1.1.28", "dependents=flate2"])
    arm64 = platforms.require("linux/arm64")
    need = ccrates.needs((libz,), arm64, ARM64, runtime="distroless")
    assert ("LIBZ_SYS_STATIC", "1") in need.env and need.runtime_packages == ()
    assert libz.links == ccrates.BUNDLED  # what init says, and what RS309 now agrees with
