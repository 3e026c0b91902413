"""C-dependency crates: what cross-building them for a platform takes (the only place it lives).

The facts are data: ``ccrates.toml`` beside this module (its header says where it comes from;
each row has ``verified`` and ``source``). This module reads it and answers the questions the
generator, the linter and the wizard ask; nothing else in rsdock may name a ``-dev`` package, a
runtime library or a crate's build environment.

How a row is read (the TOML's header explains its keys):

* ``system`` crates, and ``either`` crates whose fallback is not a bundled build, link a library
  that must exist for the target: the builder installs ``<dev>:<debian_arch>`` after
  ``dpkg --add-architecture`` plus ``pkg-config``, and the runtime gets the shared library
  (unless the base image already has it). A ``bundled_if_depends_on`` dependency in Cargo.lock
  (``openssl-sys -> openssl-src``: ``vendored`` is on) makes such a crate bundled;
* ``bundled`` crates, and ``either`` crates that fall back to their bundled copy, need only the
  target's C compiler (C++ ones ``g++-<tuple>``), maybe build tools, nothing at run time beyond
  ``libstdc++6`` for C++;
* ``tool`` crates need a program on the build machine (protoc, libclang).

For musl (the alpine and scratch runtimes): ``ok`` builds as is; ``impossible`` (a system
library, C++) is refused with the way out; ``needs-musl-cc`` would build with Debian's
``musl-dev:<arch>`` wrapper ``<tuple>-linux-musl-gcc`` as ``CC_<triple>`` (what :func:`needs`
answers, and what RS212 asks of a hand-written musl build), but no build has proven that path,
so the generator refuses it too (:func:`musl_refusals`), with cargo-zigbuild or a glibc runtime
as the way out.
"""

from __future__ import annotations

import re
import tomli as tomllib  # compiled (mypyc) where its wheel is: 2-3x tomllib on these tables
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from rsdock.lint.knowledge import debian_deps, versions
from rsdock.lint.knowledge.platforms import Platform
from rsdock.records import field, record, replace

SYSTEM = "system"
BUNDLED = "bundled"
TOOL = "tool"
MUSL_OK, MUSL_CC, MUSL_IMPOSSIBLE = "ok", "needs-musl-cc", "impossible"
DATA = Path(__file__).with_name("ccrates.toml")
# The -dev packages a non-slim ``rust:<version>`` image already has: it is built FROM
# buildpack-deps:<release> (docker-library/buildpack-deps@84e7e460:debian/bookworm/Dockerfile),
# so an ``either`` crate finds the native library there and links it dynamically.
RUST_FULL_IMAGE_DEV = frozenset({
    "libbz2-dev", "libcurl4-openssl-dev", "libkrb5-dev", "liblzma-dev", "libpq-dev",
    "libsqlite3-dev", "libssl-dev", "zlib1g-dev", "default-libmysqlclient-dev"})
# Set by every generated builder for every target: rows repeating them add nothing.
ALWAYS_SET = ("CC_{triple_underscored}", "AR_{triple_underscored}", "PKG_CONFIG_ALLOW_CROSS",
              "PKG_CONFIG_LIBDIR_{triple_underscored}")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@record(frozen=True)
class CCrate:
    """One row of the table: a crate that compiles or links C (or needs a build-machine tool).

    Attributes:
        name: the crate name as Cargo.lock spells it.
        kind: ``system``, ``either``, ``bundled`` or ``tool`` (as the TOML says).
        fallback: for ``either``: ``bundled``, ``error`` or ``link-error`` without the library.
        dev_packages: Debian packages with the target's headers and ``.pc`` files.
        multiarch_same: whether they are all Multi-Arch: same (else one architecture at a
            time can be installed: never several targets' in one package list).
        build_packages: Debian packages for the build machine itself.
        target_toolchain: extra cross packages (``g++-{gnu_tuple}``), as templates.
        env: the build environment, as templates (without what every builder sets already).
        runtime_packages: per Debian release, the packages with the shared libraries.
        debian_slim_has: whether ``debian:<release>-slim`` already has them.
        distroless_has: per Debian release, whether ``gcr.io/distroless/cc`` already has them.
        musl: ``ok``, ``needs-musl-cc`` or ``impossible``.
        musl_way_out: what to do instead on musl.
        alternatives: how to avoid the C library (advice, never applied).
        bundled_if_depends_on: the Cargo.lock dependency that means its bundled build is on.
        system_if_no_dependency: the Cargo.lock dependency whose absence means it can only
            link the system library (then ``system_mode`` applies).
        system_mode: the packages of that system build (``dev_packages``, ``runtime_packages``,
            ``debian_slim_has``, ``distroless_cc_has``).
        prebuilt_bindings: the triples it builds for without bindgen; others need bindgen
            (``bindgen_packages``, ``bindgen_toolchain``, ``bindgen_env``).
        bindgen_if_depends_on: the Cargo.lock dependency that means bindgen is available.
        has_bindgen: whether Cargo.lock shows that dependency (set by :meth:`with_flags`).
        verified: what was proven, and how.
        source: where the facts were read.
        versions: the crate versions the row holds for (``">=0.37.0"``; "" for every
            version not in one of its ``ranges``).
        version: the version Cargo.lock holds, once known (set by :meth:`with_flags`).
        static_env: for an ``either`` crate, the variable that forces its bundled static
            build (``LIBZ_SYS_STATIC``: 1).
        cross_is_bundled: whether a cross build always compiles the bundled copy (libz-sys
            before 1.1.23), whatever the target's libraries.
        system_min_version: the oldest system library the build script's pkg-config probe
            accepts (``atleast_version``); with an older one installed it compiles its
            bundled copy (liblzma-sys 0.3.4 wants liblzma 5.6.2, bookworm has 5.4.1).
        system_before_version: the first system library version the build script refuses
            (openssl-sys before 0.9.64 panics on any OpenSSL from 1.1.2 on: bookworm has
            3.0); "" when it takes any.
        bundled_features: the crate's own features that turn its bundled build on; when
            the feature resolver knows the crate's features they decide ``bundled``.
        with_dependency: libraries a feature links besides the crate's own build, keyed by
            the dependency that only that feature pulls into Cargo.lock (librocksdb-sys's
            ``pkg-config``: its ``io-uring`` feature): ``why``, ``dev_packages``,
            ``runtime_packages``.
        also_links: the ``with_dependency`` entries Cargo.lock shows (set by
            :meth:`with_flags`): their ``-dev`` packages go to the target, their runtime
            packages to the image, whatever the crate's own kind.
        unlinked_features: features with which the crate links nothing into a binary: its
            own (pyo3-ffi's ``extension-module``) or ``crate/feature`` of a dependent that
            turns it on (``pyo3/extension-module``); when the feature resolver knows that
            crate's features and one is on, the binary does not reach the row at all.
        python_version: per Debian release, the CPython ``X.Y`` its ``runtime_packages``
            hold (pyo3-ffi; the generator's ``python-target`` stage fetches that libpython).
        pkg_config: whether the system build finds the library through pkg-config (then the
            builder gets pkg-config); pyo3-ffi's does not.
        ranges: rows for other version ranges: each a ``versions`` range, maybe
            ``only_via`` (the facts hold only when every crate that depends on it in
            Cargo.lock is one of these), and the keys that differ, with their own
            ``source`` and ``verified``.
    """

    name: str
    kind: str
    fallback: str = ""
    dev_packages: tuple[str, ...] = ()
    multiarch_same: bool = True
    build_packages: tuple[str, ...] = ()
    target_toolchain: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    runtime_packages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    debian_slim_has: bool = False
    distroless_has: dict[str, bool] = field(default_factory=dict)
    musl: str = MUSL_OK
    musl_way_out: str = ""
    alternatives: str = ""
    bundled_if_depends_on: str = ""
    system_if_no_dependency: str = ""
    system_mode: dict[str, Any] = field(default_factory=dict)
    prebuilt_bindings: tuple[str, ...] = ()
    bindgen_if_depends_on: str = ""
    bindgen_packages: tuple[str, ...] = ()
    bindgen_toolchain: tuple[str, ...] = ()
    bindgen_env: tuple[tuple[str, str], ...] = ()
    has_bindgen: bool = False
    verified: str = ""
    source: str = ""
    versions: str = ""
    version: str = ""
    static_env: str = ""
    cross_is_bundled: bool = False
    system_min_version: str = ""
    system_before_version: str = ""
    bundled_features: tuple[str, ...] = ()
    with_dependency: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False,
                                                       compare=False)
    also_links: tuple[str, ...] = ()
    unlinked_features: tuple[str, ...] = ()
    python_version: dict[str, str] = field(default_factory=dict)
    pkg_config: bool = True
    ranges: tuple[dict[str, Any], ...] = field(default=(), repr=False, compare=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def links(self) -> str:
        """``system`` when the default build needs the target's library, else ``bundled``."""
        if self.kind == SYSTEM or (self.kind == "either" and self.dev_packages
                                   and self.fallback != "bundled"):
            return SYSTEM
        return TOOL if self.kind == TOOL else BUNDLED

    def bundled(self) -> "CCrate":
        """This crate with its bundled (vendored) build on: no -dev or runtime package."""
        return _replace(self, kind=BUNDLED, dev_packages=(), runtime_packages={},
                        build_packages=tuple(p for p in self.build_packages if p != "pkg-config"),
                        musl=MUSL_CC if self.musl == MUSL_IMPOSSIBLE else self.musl,
                        env=tuple(e for e in self.env if not e[0].startswith("PKG_CONFIG")))

    def system(self) -> "CCrate":
        """This crate built against the system library (its ``system_mode``)."""
        mode = self.system_mode
        runtime = tuple(mode.get("runtime_packages") or ())
        trixie = tuple(mode.get("runtime_packages_trixie") or runtime)
        return _replace(self, kind=SYSTEM, dev_packages=tuple(mode.get("dev_packages") or ()),
                        multiarch_same=bool(mode.get("multiarch_same", True)),
                        runtime_packages={"bookworm": runtime, "trixie": trixie},
                        debian_slim_has=bool(mode.get("debian_slim_has")),
                        distroless_has={"bookworm": bool(mode.get("distroless_cc_has")),
                                        "trixie": bool(mode.get("distroless_cc_has"))},
                        musl=MUSL_IMPOSSIBLE, musl_way_out=(
                            f"use the upstream {self.name}, which compiles its bundled copy, or "
                            "a glibc runtime"))

    def for_version(self, version: str, dependents: Iterable[str] = ()) -> "CCrate":
        """The row for ``version`` of the crate (which ``dependents`` depend on in Cargo.lock):
        the first range that holds, else the base row."""
        users = set(dependents)
        for overrides in self.ranges:
            if not versions.in_range(version, str(overrides["versions"])):
                continue
            only = set(overrides.get("only_via") or ())
            if only and not (users and users <= only):
                continue
            merged = {k: v for k, v in self.raw.items() if k != "ranges"}
            merged.update({k: v for k, v in overrides.items() if k != "only_via"})
            return replace(_row(self.name, merged), version=version, ranges=self.ranges,
                           raw=self.raw)
        return replace(self, version=version)

    def with_flags(self, flags: Iterable[str]) -> "CCrate":
        """The row as Cargo.lock shows it is built: ``version=<v>`` and ``dependents=<a,b>``
        pick the version's row (:meth:`for_version`), then ``bundled``, ``system`` or
        ``bindgen``."""
        flags = tuple(flags)
        crate = self
        version = next((f[8:] for f in flags if f.startswith("version=")), "")
        if version:
            users = next((f[11:].split(",") for f in flags if f.startswith("dependents=")), [])
            crate = crate.for_version(version, [u for u in users if u])
        if "bundled" in flags and crate.links == SYSTEM:
            crate = crate.bundled()
        if "system" in flags and crate.system_mode:
            crate = crate.system()
        if "bindgen" in flags:
            crate = _replace(crate, has_bindgen=True)
        also = tuple(f[5:] for f in flags if f.startswith("with=") and f[5:] in
                     crate.with_dependency)
        if also:
            crate = _replace(crate, also_links=also)
        return crate

    def lock_flags(self, dependencies: Iterable[str]) -> tuple[str, ...]:
        """The flags (see :meth:`with_flags`) a lockfile entry's ``dependencies`` imply."""
        names = {entry.split(" ", 1)[0] for entry in dependencies}
        flags = []
        if self.bundled_if_depends_on and self.bundled_if_depends_on in names:
            flags.append("bundled")
        if self.system_if_no_dependency and self.system_if_no_dependency not in names:
            flags.append("system")
        if self.bindgen_if_depends_on and self.bindgen_if_depends_on in names:
            flags.append("bindgen")
        flags += [f"with={name}" for name in self.with_dependency if name in names]
        return tuple(flags)

    @property
    def also_dev_packages(self) -> tuple[str, ...]:
        """The target's ``-dev`` packages of the libraries :attr:`also_links` names."""
        return tuple(dict.fromkeys(p for name in self.also_links
                                   for p in self.with_dependency[name].get("dev_packages", ())))

    @property
    def also_runtime_packages(self) -> tuple[str, ...]:
        """The runtime packages of the libraries :attr:`also_links` names."""
        return tuple(dict.fromkeys(
            p for name in self.also_links
            for p in self.with_dependency[name].get("runtime_packages", ())))

    def also_runtime(self, runtime: str, debian: str) -> tuple[str, ...]:
        """What the runtime base lacks of the libraries :attr:`also_links` names."""
        packages = self.also_runtime_packages
        if not packages:
            return ()
        if runtime == "distroless":
            return debian_deps.unpack_for_distroless(packages, debian)
        return packages if runtime == "debian-slim" else ()

    def bindgen_refusal(self, triple: str) -> str:
        """Why the crate cannot be built for ``triple`` as the lockfile has it, or "" (one
        clause; ``rsdock refusal no-bindings`` has the long reason)."""
        if not self.prebuilt_bindings or triple in self.prebuilt_bindings or self.has_bindgen:
            return ""
        return (f"{self.name} ships no bindings for {triple}, and Cargo.lock has no "
                f"`{self.bindgen_if_depends_on}` to generate them")

    def bindgen_way_out(self, platform: str = "the platform") -> str:
        """What to do when :meth:`bindgen_refusal` refuses (the crate's alternatives are in
        its row and behind ``rsdock refusal no-bindings``)."""
        return (f"drop {platform}, enable {self.name}'s `bindgen` feature (rsdock then installs "
                f"cmake and libclang), or stop depending on {self.name}")

    def python_for(self, debian: str) -> str:
        """The CPython ``X.Y`` of :attr:`runtime_packages` on Debian ``debian`` ("" for a row
        that is not a Python)."""
        return self.python_version.get(debian, self.python_version.get("bookworm", ""))

    def runtime_for(self, debian: str) -> tuple[str, ...]:
        """The runtime packages on Debian ``debian`` (bookworm's names when not listed)."""
        return self.runtime_packages.get(debian, self.runtime_packages.get("bookworm", ()))

    def links_dynamically(self, build_env: dict[str, str], dev_found: bool,
                          cross: bool, system_version: str = "") -> bool:
        """Whether a build in ``build_env`` links the shared library: always for a system
        crate; for an ``either`` crate that falls back to its bundled copy, only when the
        target's ``-dev`` files are there (``dev_found``) at a version its probe accepts
        (``system_version``, the builder's, against :attr:`system_min_version`), the build
        is not forced static (:attr:`static_env`) and, for :attr:`cross_is_bundled`
        versions, it is native."""
        if self.links == SYSTEM:
            return True
        if self.kind != "either" or self.fallback != BUNDLED or not self.dev_packages:
            return bool(self.runtime_packages.get("bookworm"))  # C++: libstdc++6
        if self.static_env and build_env.get(self.static_env) == "1":
            return False
        if self.system_min_version and system_version and \
                not versions.at_least(system_version, self.system_min_version):
            return False
        return dev_found and not (cross and self.cross_is_bundled)

    def runtime_needed(self, runtime: str, debian: str, *,
                       as_built: bool = True) -> tuple[str, ...]:
        """The runtime packages the ``runtime`` base image lacks (debian-slim or distroless).

        On debian-slim, the packages to install (apt brings their dependencies); on
        distroless, which has no package manager, every package of their Depends closure
        the image does not ship (:func:`debian_deps.unpack_for_distroless`: libpq5 needs
        libgssapi-krb5-2, libldap-2.5-0 and their own dependencies). ``as_built`` (the
        generator's builds) counts the row's own environment: rsdock sets ``LIBZ_SYS_STATIC``,
        so libz-sys needs nothing; lint asks :meth:`links_dynamically` of the real build first.
        """
        if runtime == "debian-slim" and self.debian_slim_has:
            return ()
        if runtime == "distroless" and self.distroless_has.get(debian, False):
            return ()
        if as_built and self.static_env and dict(self.env).get(self.static_env) == "1":
            return ()  # rsdock's own builds set it: static, nothing at run time
        if as_built and self.kind == "either" and self.fallback == BUNDLED \
                and self.links != SYSTEM:
            # rsdock's builds install no -dev package for it, so it compiles its bundled copy
            # (upstream curl-sys cross-compiling): nothing to ship at run time.
            return ()
        if runtime == "distroless":
            return debian_deps.unpack_for_distroless(self.runtime_for(debian), debian)
        if runtime != "debian-slim":
            return ()
        return self.runtime_for(debian)


def _replace(crate: CCrate, **changes: Any) -> CCrate:
    return replace(crate, **changes)


@lru_cache(maxsize=1)
def _text() -> str:
    return DATA.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _table() -> tuple[CCrate, ...]:
    data = tomllib.loads(_text())
    crates = tuple(_row(name, row) for name, row in data.get("crate", {}).items())
    generic = data.get("generic_cc", {})
    cc = CCrate("cc", BUNDLED, musl=MUSL_CC, musl_way_out=(
        "CC_{triple_underscored}={musl_cc} from musl-dev:{debian_arch}, or cargo-zigbuild"),
        alternatives="nothing to avoid: a build script compiles C with the target's C "
                     "compiler (CC_<triple>)", verified="lab (the cc-crate workspace)",
        source=" ".join(str(generic.get("note", "")).split())[:200])
    return crates + (cc,)


# What names() and other_os_crates() read off the table's text without parsing all of it (a
# sixth of a small lint's run: a workspace without a crate of the table needs no row);
# tests/lint/knowledge/test_ccrates.py checks both against the parsed table.
_CRATE_HEADER = re.compile(r"^\[crate\.([A-Za-z0-9_-]+)\][ \t]*$", re.MULTILINE)
_HEADER = re.compile(r"^\[[A-Za-z0-9_.-]+\][ \t]*$", re.MULTILINE)


def _row(name: str, row: dict[str, Any]) -> CCrate:
    runtime = {"bookworm": tuple(row.get("runtime_packages") or ())}
    runtime["trixie"] = tuple(row.get("runtime_packages_trixie") or runtime["bookworm"])
    env = tuple((k, str(v)) for k, v in (row.get("env") or {}).items() if k not in ALWAYS_SET)
    return CCrate(
        name=name, kind=row.get("kind", BUNDLED), fallback=str(row.get("fallback") or ""),
        dev_packages=tuple(row.get("dev_packages") or ()),
        multiarch_same=bool(row.get("multiarch_same", True)),
        build_packages=tuple(row.get("build_packages") or ()),
        target_toolchain=tuple(row.get("target_toolchain") or ()), env=env,
        runtime_packages=runtime, debian_slim_has=bool(row.get("debian_slim_has")),
        distroless_has={"bookworm": bool(row.get("distroless_cc_has")),
                        "trixie": bool(row.get("distroless_cc_debian13_has",
                                                row.get("distroless_cc_has")))},
        musl=str(row.get("musl") or MUSL_OK), musl_way_out=str(row.get("musl_way_out") or ""),
        alternatives=str(row.get("alternatives") or ""),
        bundled_if_depends_on=str(row.get("bundled_if_depends_on") or ""),
        system_if_no_dependency=str(row.get("system_if_no_dependency") or ""),
        system_mode=dict(row.get("system_mode") or {}),
        prebuilt_bindings=tuple(row.get("prebuilt_bindings") or ()),
        bindgen_if_depends_on=str(row.get("bindgen_if_depends_on") or ""),
        bindgen_packages=tuple(row.get("build_packages_if_bindgen") or ()),
        bindgen_toolchain=tuple(row.get("target_toolchain_if_cmake") or ()),
        bindgen_env=tuple((k, str(v)) for k, v in (row.get("env_if_bindgen") or {}).items()),
        verified=str(row.get("verified") or ""), source=str(row.get("source") or ""),
        versions=str(row.get("versions") or ""),
        static_env=str(row.get("static_env") or ""),
        cross_is_bundled=bool(row.get("cross_is_bundled")),
        system_min_version=str(row.get("system_min_version") or ""),
        system_before_version=str(row.get("system_before_version") or ""),
        bundled_features=tuple(row.get("bundled_if_feature") or ()),
        unlinked_features=tuple(row.get("unlinked_if_feature") or ()),
        python_version=({"bookworm": str(row["python_version"]),
                         "trixie": str(row.get("python_version_trixie", row["python_version"]))}
                        if row.get("python_version") else {}),
        # Only the Python row drops pkg-config so far: the other system rows without a probe
        # (libseccomp-sys) keep what their generated builders have always installed.
        pkg_config=row.get("pkg_config") is not False or not row.get("python_version"),
        with_dependency={str(k): dict(v) for k, v in (row.get("with_dependency") or {}).items()
                         if isinstance(v, dict)},
        ranges=tuple(r for r in row.get("ranges") or () if isinstance(r, dict)), raw=row,
    )


def rows() -> tuple[CCrate, ...]:
    """Every row, in the table's order (``cc``, for a member's own build script, last)."""
    return _table()


def get(name: str) -> CCrate | None:
    """The row for crate ``name``, or None when it compiles no C rsdock knows of."""
    return next((c for c in rows() if c.name == name), None)


@lru_cache(maxsize=1)
def names() -> frozenset[str]:
    """Every crate the table knows (read off its ``[crate.NAME]`` headers, and ``cc``)."""
    return frozenset(_CRATE_HEADER.findall(_text())) | {"cc"}


@lru_cache(maxsize=1)
def other_os_crates() -> frozenset[str]:
    """Crates that never build on Linux: a Linux build does not walk into them (the table's
    ``[non_linux]`` section, parsed alone)."""
    text = _text()
    start = text.index("\n[non_linux]\n") + 1
    end = _HEADER.search(text, start + len("[non_linux]"))
    section = tomllib.loads(text[start:end.start() if end else len(text)])["non_linux"]
    return frozenset(n for names in section.values() if isinstance(names, list) for n in names)


# ---------------------------------------------------------------------------- per platform

def musl_cc(platform: Platform) -> str:
    """Debian's musl wrapper compiler for ``platform`` (``aarch64-linux-musl-gcc``), shipped
    by ``musl-dev:<debian_arch>`` around the gnu cross gcc."""
    return platform.cross_prefix.replace("gnu", "musl") + "gcc"


def _values(platform: Platform, triple: str) -> dict[str, str]:
    return {"triple": triple, "triple_underscored": triple.replace("-", "_"),
            "TRIPLE": triple.upper().replace("-", "_"), "multiarch": platform.multiarch,
            "gnu_tuple": platform.cross_prefix.rstrip("-"), "musl_cc": musl_cc(platform),
            "debian_arch": platform.debian_arch, "arch": platform.debian_arch}


def _fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


@record(frozen=True)
class Needs:
    """What a set of C crates costs for one platform: the builder's packages (build-machine
    tools, cross compilers, target ``PKG:<arch>`` packages) and environment, and the runtime's."""

    build_tools: tuple[str, ...] = ()
    cross_packages: tuple[str, ...] = ()
    target_packages: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    runtime_packages: tuple[str, ...] = ()

    @property
    def builder_packages(self) -> tuple[str, ...]:
        """Every package the builder installs for these crates, in install order."""
        return self.build_tools + self.cross_packages + self.target_packages


def pkg_config_libdir_var(triple: str) -> str:
    """``PKG_CONFIG_LIBDIR_<triple_underscored>``: the pkg-config crate's per-target path."""
    return f"PKG_CONFIG_LIBDIR_{triple.replace('-', '_')}"


def pkg_config_libdir(platform: Platform) -> str:
    """Where Debian's multiarch ``PKG:<arch>`` packages put their ``.pc`` files (and nothing of
    the build machine's: a crate that probes pkg-config first then finds no wrong library)."""
    return f"/usr/lib/{platform.multiarch}/pkgconfig:/usr/share/pkgconfig"


def needs(crates: Iterable[CCrate], platform: Platform, triple: str, *, libc: str = "gnu", runtime: str = "",
          debian: str = "bookworm", with_common: bool = False) -> Needs:
    """What the crates need to cross-build for ``platform`` and to run on ``runtime``.

    Args:
        crates: the table rows a binary reaches.
        platform: the target platform.
        triple: its Rust triple.
        libc: ``gnu`` or ``musl``; a musl build of ``needs-musl-cc`` crates gets
            ``musl-dev:<arch>`` and ``CC_<triple>`` set to its wrapper.
        runtime: the runtime base (its packages are those it lacks), or "".
        debian: the Debian release of the runtime (package names differ: ``libssl3t64``).
        with_common: also the environment every generated builder sets for every target
            (``PKG_CONFIG_ALLOW_CROSS``, ``PKG_CONFIG_LIBDIR_<triple>``): what a hand-written
            Dockerfile must have.
    """
    values = _values(platform, triple)
    tools: list[str] = []
    cross: list[str] = []
    target: list[str] = []
    env: dict[str, str] = {}
    run: list[str] = []

    def add(items: list[str], new: Iterable[str]) -> None:
        items.extend(v for v in new if v not in items)

    for crate in crates:
        toolchain, crate_env = crate.target_toolchain, crate.env
        add(tools, crate.build_packages)
        if crate.prebuilt_bindings and triple not in crate.prebuilt_bindings:
            add(tools, crate.bindgen_packages)
            toolchain, crate_env = toolchain + crate.bindgen_toolchain, crate_env + crate.bindgen_env
        add(cross, [platform.gxx_package if t.startswith("g++-") else _fill(t, values)
                    for t in toolchain])
        if crate.links == SYSTEM or crate.also_links:
            probes = crate.pkg_config or bool(crate.also_links)
            if probes:
                add(tools, ["pkg-config"])
            dev = crate.dev_packages if crate.links == SYSTEM else ()
            add(target, [f"{p}:{platform.debian_arch}" for p in dev + crate.also_dev_packages])
            if with_common and probes:
                env.setdefault("PKG_CONFIG_ALLOW_CROSS", "1")
                env.setdefault(pkg_config_libdir_var(triple), pkg_config_libdir(platform))
        for key, value in crate_env:
            env.setdefault(_fill(key, values), _fill(value, values))
        if libc == "musl" and crate.musl == MUSL_CC:
            add(target, [f"musl-dev:{platform.debian_arch}"])
            env[f"CC_{values['triple_underscored']}"] = musl_cc(platform)
        if runtime:
            add(run, crate.runtime_needed(runtime, debian))
            add(run, crate.also_runtime(runtime, debian))
    if runtime == "debian-slim":  # apt installs what another listed package depends on
        pulled = debian_deps.pulled_by_others(run, debian)
        run = [p for p in run if p not in pulled]
    return Needs(tuple(tools), tuple(cross), tuple(target), tuple(sorted(env.items())),
                 tuple(run))


# The way out of a musl refusal, by why (see :func:`musl_refusals`).
GLIBC = "choose debian-slim or distroless (glibc)"
ZIGBUILD = "build with cargo-zigbuild yourself"
MUSL_WAY_OUT = {
    SYSTEM: f"{GLIBC}, or enable the crates' vendored/bundled feature and {ZIGBUILD}",
    "c++": f"{GLIBC}, or {ZIGBUILD}",
    "c": f"{GLIBC}, or {ZIGBUILD}",
}
# The refusal id (lint/knowledge/refusals.py) of each group.
MUSL_REFUSAL_ID = {SYSTEM: "musl-system", "c++": "musl-cxx", "c": "musl-c"}


@record(frozen=True)
class MuslRefusal:
    """One group of crates a static musl build refuses, with why and the way out.

    Attributes:
        refusal: the refusal id (``rsdock refusal ID``).
        crates: the crates of the group, in table order.
        why: one clause naming them.
        way_out: what to do instead.
    """

    refusal: str
    crates: tuple[str, ...]
    why: str
    way_out: str


def musl_refusal_groups(crates: Iterable[CCrate]) -> list[MuslRefusal]:
    """Why the crates cannot be built for a static musl runtime here, with the way out.

    At most three groups: the crates that link a system library (Debian builds those for glibc
    only), those that need C++ (Debian has no C++ library for musl), and those that compile C:
    rsdock's only musl C compiler would be Debian's ``musl-dev:<arch>`` wrapper around the gnu
    cross gcc, which no build has proven, so rsdock refuses it rather than generate a build it
    has never seen work (``rsdock refusal musl-c`` says why). Crates that only need a
    build-machine tool (bindgen, protoc) are not refused.
    """
    groups: dict[str, list[str]] = {SYSTEM: [], "c++": [], "c": []}
    for crate in crates:
        if crate.links == SYSTEM:
            kind = SYSTEM
        elif crate.musl == MUSL_IMPOSSIBLE:
            kind = "c++"
        elif crate.musl == MUSL_CC:
            kind = "c"
        else:
            continue
        if crate.name not in groups[kind]:
            groups[kind].append(crate.name)
    found: list[MuslRefusal] = []
    for kind, names in groups.items():
        if not names:
            continue
        one = len(names) == 1
        listed = ", ".join("a build script through cc" if n == "cc" else n for n in names)
        why = {
            SYSTEM: f"{listed} {'links a system library' if one else 'link system libraries'}"
                    " that Debian builds for glibc only",
            "c++": f"{listed} {'needs' if one else 'need'} C++, which Debian has no musl "
                   "library for",
            "c": f"{listed} {'compiles' if one else 'compile'} C for the target, and rsdock "
                 "has no proven musl C compiler",
        }[kind]
        found.append(MuslRefusal(MUSL_REFUSAL_ID[kind], tuple(names), why, MUSL_WAY_OUT[kind]))
    return found


def musl_refusals(crates: Iterable[CCrate]) -> list[tuple[str, str]]:
    """``(why, way out)`` of each of :func:`musl_refusal_groups`."""
    return [(group.why, group.way_out) for group in musl_refusal_groups(crates)]
