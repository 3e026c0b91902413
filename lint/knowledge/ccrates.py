"""C-dependency crates: what cross-building them for a platform takes, and the only place it lives.

The generator, the linter and the wizard read this table; nothing else in rsdock may name a
``-dev`` package, a runtime library or a ``PKG_CONFIG_*`` variable for a crate. Each row says how
the crate gets its C library by default (``system``: links one found by pkg-config; ``bundled``:
compiles its own copy with the target's C compiler), the Debian packages that takes, what the
running program needs, what avoids C, and where the facts come from.

What a cross build of a ``system`` crate needs (proved by a real build, BUILD-LAB.md "What a
real build showed"): ``dpkg --add-architecture <arch>`` before ``apt-get update``, the target's
``<dev>:<arch>`` beside the cross gcc and libc, ``pkg-config`` on the build machine, and
``PKG_CONFIG_ALLOW_CROSS=1`` with ``PKG_CONFIG_LIBDIR_<triple_underscored>`` pointing at the
target's ``/usr/lib/<multiarch>/pkgconfig``; the runtime gets the shared library of the target
architecture. A ``bundled`` crate needs only the target's C (or C++) compiler, which the cross
gcc packages are; with musl there is no musl cross compiler on a Debian builder, so any C crate
is refused for the static runtimes, with the way out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, TypeVar

from rsdock.lint.knowledge.platforms import Platform

_T = TypeVar("_T")

SYSTEM = "system"
BUNDLED = "bundled"
# Where the facts below were checked (the crates' build.rs and docs, Debian's package index).
CHECKED = "2026-12-01"
MUSL_WAY_OUT = ("choose a glibc runtime (debian-slim or distroless), or build by hand with "
                "cargo-zigbuild (zig is a musl cross C compiler) and the crates' vendored/bundled "
                "feature")


@dataclass(frozen=True)
class CCrate:
    """One crate that compiles or links C, and what that costs per platform.

    Attributes:
        name: the crate name as Cargo.lock spells it.
        library: the C library, for messages (``OpenSSL``).
        links: ``system`` (pkg-config finds a system library, which must exist for the
            target) or ``bundled`` (compiles its own copy with the target's C compiler).
        dev_packages: Debian packages with the headers and ``.pc`` file, installed for the
            target architecture (``libssl-dev`` -> ``libssl-dev:arm64``); ``system`` crates only.
        build_tools: Debian packages the build machine runs (``pkg-config``, ``cmake``,
            ``clang``, ``protobuf-compiler``, ``perl``, ``make``).
        cxx: whether it compiles C++ (needs the ``g++`` cross compiler and ``CXX_<triple>``).
        bindgen: whether its build runs bindgen (needs libclang on the build machine and
            ``BINDGEN_EXTRA_CLANG_ARGS_<triple>`` pointing clang at the target's headers).
        runtime_packages: the Debian packages with the shared libraries the program loads, per
            Debian release (``{"bookworm": ("libssl3",), "trixie": ("libssl3t64",)}``).
        runtime_libs: the shared-object names (``libssl.so.3``) the program loads: what a
            distroless image must hold.
        distroless_has: whether ``gcr.io/distroless/cc`` already holds those libraries.
        avoid: the feature or crate choice that avoids the C library, as advice.
        musl_ok: whether a static musl build works without a musl C compiler (the crate
            compiles nothing that includes libc headers).
        source: where the facts come from.
    """

    name: str
    library: str
    links: str
    dev_packages: tuple[str, ...] = ()
    build_tools: tuple[str, ...] = ()
    cxx: bool = False
    bindgen: bool = False
    runtime_packages: dict[str, tuple[str, ...]] | None = None
    runtime_libs: tuple[str, ...] = ()
    distroless_has: bool = False
    avoid: str = ""
    musl_ok: bool = False
    source: str = ""

    def runtime_for(self, debian: str) -> tuple[str, ...]:
        """The runtime packages on Debian ``debian`` (bookworm's names when not listed)."""
        table = self.runtime_packages or {}
        return table.get(debian, table.get("bookworm", ()))


def _same(*packages: str) -> dict[str, tuple[str, ...]]:
    return {"bookworm": packages, "trixie": packages}


CCRATES: tuple[CCrate, ...] = (
    CCrate(
        "openssl-sys", "OpenSSL", SYSTEM, dev_packages=("libssl-dev",),
        build_tools=("pkg-config",),
        runtime_packages={"bookworm": ("libssl3",), "trixie": ("libssl3t64",)},
        runtime_libs=("libssl.so.3", "libcrypto.so.3"), distroless_has=True,
        avoid="openssl's `vendored` feature compiles OpenSSL in (needs perl and make), or use "
              "rustls (reqwest's `rustls-tls`, sqlx's `tls-rustls`) instead of native-tls",
        source="openssl-sys build/find_normal.rs (pkg-config, OPENSSL_DIR); BUILD-LAB.md real "
               "build on amd64/arm64/armv7; distroless cc-debian12 ships libssl3",
    ),
    CCrate(
        "libsqlite3-sys", "SQLite", SYSTEM, dev_packages=("libsqlite3-dev",),
        build_tools=("pkg-config",), runtime_packages=_same("libsqlite3-0"),
        runtime_libs=("libsqlite3.so.0",),
        avoid="the `bundled` feature (rusqlite `bundled`, sqlx `sqlite` bundles by default) "
              "compiles SQLite in with the target's C compiler",
        source="libsqlite3-sys build.rs (pkg-config unless `bundled`); BUILD-LAB.md real build",
    ),
    CCrate(
        "pq-sys", "libpq (PostgreSQL)", SYSTEM, dev_packages=("libpq-dev",),
        build_tools=("pkg-config",), runtime_packages=_same("libpq5"),
        runtime_libs=("libpq.so.5",),
        avoid="pq-sys's `bundled` feature (pq-src), or a pure-Rust driver (tokio-postgres, "
              "sqlx's postgres)",
        source="pq-sys build.rs (PQ_LIB_DIR, pkg-config, pg_config)",
    ),
    CCrate(
        "mysqlclient-sys", "libmysqlclient (MariaDB)", SYSTEM,
        dev_packages=("libmariadb-dev-compat", "libmariadb-dev"), build_tools=("pkg-config",),
        runtime_packages=_same("libmariadb3"), runtime_libs=("libmariadb.so.3",),
        avoid="mysqlclient-sys's `bundled` feature, or a pure-Rust driver (mysql_async, sqlx's "
              "mysql)",
        source="mysqlclient-sys build.rs (pkg-config mysqlclient/libmariadb); Debian package "
               "index: libmariadb-dev-compat provides mysqlclient.pc",
    ),
    CCrate(
        "zstd-sys", "zstd", BUNDLED,
        avoid="nothing to avoid: it compiles its bundled zstd (the `pkg-config` feature would "
              "link the system one instead)",
        source="zstd-sys build.rs (cc, bundled zstd unless `pkg-config`)",
    ),
    CCrate(
        "libz-sys", "zlib", BUNDLED,
        avoid="nothing to avoid: without the target's zlib1g-dev it compiles its bundled zlib; "
              "miniz_oxide (flate2's default backend) needs no C",
        source="libz-sys build.rs (pkg-config, then the bundled source with cc)",
    ),
    CCrate(
        "libz-ng-sys", "zlib-ng", BUNDLED, build_tools=("cmake",),
        avoid="flate2's default miniz_oxide backend needs no C",
        source="libz-ng-sys build.rs (cmake)",
    ),
    CCrate(
        "bzip2-sys", "bzip2", BUNDLED,
        avoid="the `libbz2-rs-sys` backend of bzip2 0.5+ is pure Rust",
        source="bzip2-sys build.rs (cc, bundled bzip2)",
    ),
    CCrate(
        "lz4-sys", "LZ4", BUNDLED, avoid="lz4_flex is pure Rust",
        source="lz4-sys build.rs (cc, bundled lz4)",
    ),
    CCrate(
        "lzma-sys", "liblzma (xz)", BUNDLED,
        avoid="lzma-rs or liblzma-rs are pure-Rust alternatives",
        source="lzma-sys build.rs (pkg-config, then the bundled xz with cc)",
    ),
    CCrate(
        "librocksdb-sys", "RocksDB", BUNDLED, build_tools=("clang", "libclang-dev"),
        cxx=True, bindgen=True,
        avoid="none within RocksDB; a pure-Rust store (redb, sled, fjall) needs no C++",
        source="librocksdb-sys build.rs (cc C++ build, bindgen)",
    ),
    CCrate(
        "clang-sys", "libclang (for bindgen)", BUNDLED, build_tools=("clang", "libclang-dev"),
        bindgen=True, musl_ok=True,
        avoid="the crate using bindgen may ship pregenerated bindings behind a feature",
        source="clang-sys build.rs (finds libclang.so on the build machine)",
    ),
    CCrate(
        "rdkafka-sys", "librdkafka", BUNDLED, build_tools=("make", "perl"), cxx=True,
        avoid="the `dynamic-linking` feature links the system librdkafka instead",
        source="rdkafka-sys build.rs (bundled librdkafka through its own configure and make)",
    ),
    CCrate(
        "libgit2-sys", "libgit2", BUNDLED,
        avoid="gix (gitoxide) is pure Rust",
        source="libgit2-sys build.rs (pkg-config for a matching system libgit2, else the "
               "bundled source with cc)",
    ),
    CCrate(
        "libssh2-sys", "libssh2", BUNDLED,
        avoid="russh is pure Rust",
        source="libssh2-sys build.rs (bundled source with cc; links openssl-sys)",
    ),
    CCrate(
        "curl-sys", "libcurl", BUNDLED,
        avoid="reqwest or ureq need no libcurl",
        source="curl-sys build.rs (system libcurl via pkg-config when found, else the bundled "
               "source with cc; TLS through openssl-sys on Linux)",
    ),
    CCrate(
        "libsodium-sys", "libsodium", BUNDLED, build_tools=("make",),
        avoid="dryoc or the RustCrypto crates are pure Rust",
        source="libsodium-sys build.rs (SODIUM_LIB_DIR, pkg-config, else the bundled tarball "
               "through configure and make)",
    ),
    CCrate(
        "libsodium-sys-stable", "libsodium", BUNDLED, build_tools=("make",),
        avoid="dryoc or the RustCrypto crates are pure Rust",
        source="libsodium-sys-stable build.rs (bundled tarball through configure and make)",
    ),
    CCrate(
        "aws-lc-sys", "AWS-LC", BUNDLED, build_tools=("cmake",),
        avoid="rustls's `ring` provider instead of the default aws-lc-rs "
              "(rustls `default-features = false, features = [\"ring\"]`)",
        source="aws-lc-sys builder/main.rs (cc builder for common Linux targets, cmake "
               "otherwise; pregenerated bindings for Linux)",
    ),
    CCrate(
        "ring", "ring's C and assembly", BUNDLED, musl_ok=True,
        avoid="nothing to avoid: it compiles freestanding C and assembly with the target's C "
              "compiler, which works for musl targets too",
        source="ring build.rs (cc; its C includes no libc headers)",
    ),
    CCrate(
        "tikv-jemalloc-sys", "jemalloc", BUNDLED, build_tools=("make",),
        avoid="the system allocator (drop the tikv-jemallocator global allocator)",
        source="tikv-jemalloc-sys build.rs (configure and make for the target)",
    ),
    CCrate(
        "libmimalloc-sys", "mimalloc", BUNDLED,
        avoid="the system allocator (drop the mimalloc global allocator)",
        source="libmimalloc-sys build.rs (cc)",
    ),
    CCrate(
        "prost-build", "protoc (the protobuf compiler)", BUNDLED,
        build_tools=("protobuf-compiler",), musl_ok=True,
        avoid="commit the generated code, or use protox (pure-Rust protoc) in build.rs",
        source="prost-build: runs protoc from PATH or PROTOC (no bundled protoc since 0.11)",
    ),
    CCrate(
        "cc", "C code of a build script", BUNDLED,
        avoid="nothing to avoid: a build script compiles C with the target's C compiler "
              "(CC_<triple>)",
        source="cc-rs (CC_<triple>, AR_<triple>); BUILD-LAB.md real build of a cc workspace",
    ),
)

_BY_NAME = {crate.name: crate for crate in CCRATES}


def get(name: str) -> CCrate | None:
    """The row for crate ``name``, or None when it compiles no C rsdock knows of."""
    return _BY_NAME.get(name)


def names() -> frozenset[str]:
    """Every crate the table knows."""
    return frozenset(_BY_NAME)


@dataclass(frozen=True)
class Needs:
    """What a set of C crates costs for one platform (gnu): the builder's packages and
    environment, and the runtime's libraries."""

    target_packages: tuple[str, ...] = ()
    build_tools: tuple[str, ...] = ()
    cross_packages: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    runtime_packages: tuple[str, ...] = ()
    runtime_libs: tuple[str, ...] = ()

    @property
    def builder_packages(self) -> tuple[str, ...]:
        """Every package the builder installs for these crates, in install order."""
        return self.build_tools + self.cross_packages + self.target_packages


def pkg_config_libdir_var(triple: str) -> str:
    """``PKG_CONFIG_LIBDIR_<triple_underscored>``: the pkg-config crate's per-target search
    path, so a cross build finds the target's ``.pc`` files, not the build machine's."""
    return f"PKG_CONFIG_LIBDIR_{triple.replace('-', '_')}"


def pkg_config_libdir(platform: Platform) -> str:
    """Where Debian's multiarch ``PKG:<arch>`` packages put their ``.pc`` files."""
    return f"/usr/lib/{platform.multiarch}/pkgconfig:/usr/share/pkgconfig"


def needs(crates: tuple[CCrate, ...], platform: Platform, triple: str, debian: str) -> Needs:
    """What the crates need to cross-build for ``platform`` (glibc) and to run there.

    Args:
        crates: the C crates a binary reaches.
        platform: the target platform.
        triple: its Rust triple (gnu).
        debian: the Debian release of the runtime (package names differ: ``libssl3t64``).
    """
    suffix = triple.replace("-", "_")
    tools: list[str] = []
    target: list[str] = []
    cross: list[str] = []
    env: list[tuple[str, str]] = []
    runtime: list[str] = []
    libs: list[str] = []

    def add(items: list[_T], values: Iterable[_T]) -> None:
        items.extend(v for v in values if v not in items)

    for crate in crates:
        add(tools, crate.build_tools)
        if crate.links == SYSTEM:
            add(target, [f"{p}:{platform.debian_arch}" for p in crate.dev_packages])
            add(env, [(pkg_config_libdir_var(triple), pkg_config_libdir(platform))])
        if crate.cxx:
            add(cross, [platform.gxx_package])
            add(env, [(f"CXX_{suffix}", platform.cross_prefix + "g++")])
        if crate.bindgen:
            # Debian's cross libc lives in /usr/<cross prefix>: clang needs it as the sysroot.
            sysroot = "/usr/" + platform.cross_prefix.rstrip("-")
            add(env, [(f"BINDGEN_EXTRA_CLANG_ARGS_{suffix}",
                       f"--sysroot={sysroot} -I{sysroot}/include")])
        add(runtime, crate.runtime_for(debian))
        add(libs, crate.runtime_libs)
    return Needs(tuple(target), tuple(tools), tuple(cross), tuple(env), tuple(runtime),
                 tuple(libs))


def musl_refusal(crates: tuple[CCrate, ...]) -> str:
    """Why the crates cannot be built for a static musl runtime here, or "" when they can.

    A ``system`` crate needs the target's library as a static musl archive, which Debian does
    not package; a ``bundled`` one needs a musl C compiler, which a Debian builder lacks.
    """
    blocking = [c for c in crates if not c.musl_ok]
    if not blocking:
        return ""
    parts = []
    for crate in blocking:
        if crate.links == SYSTEM:
            parts.append(f"{crate.name} links the system {crate.library}, and Debian has no "
                         f"static musl build of it (to avoid it: {crate.avoid})")
        else:
            parts.append(f"{crate.name} compiles {crate.library} with the target's C compiler, "
                         "and a Debian builder has no musl C compiler")
    return "; ".join(parts)
