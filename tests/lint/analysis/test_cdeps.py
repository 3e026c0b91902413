"""The C crates a binary reaches, on real-shaped Cargo.lock files (field_locks/README.md says
where each comes from and what a correct scan concludes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.lint.analysis.cdeps import c_crates
from rsdock.lint.knowledge import ccrates, platforms
from rsdock.lint.model.cargo import scan
from rsdock.lint.model.cargo_lock import lockfile_from_data, parse_lockfile
from rsdock.lint.model.cargo_toml import read_toml

FIELD = Path(__file__).parent / "field_locks"


class LockOnly:
    """A workspace known only by its Cargo.lock (and the manifests the fixture has)."""

    def __init__(self, name: str, manifests: dict[str, str] | None = None):
        self.lock = parse_lockfile(FIELD / name / "Cargo.lock")
        self.manifests = {}
        for member, relative in (manifests or {}).items():
            data, _ = read_toml(FIELD / name / relative)
            self.manifests[member] = data
        self.workspace_deps = {}
        root = FIELD / name / "Cargo.toml"
        if root.exists():
            self.workspace_deps = read_toml(root)[0].get("workspace", {}).get("dependencies", {})


def names(ws, package, arch=None) -> set[str]:
    return {r.crate.name for r in c_crates(ws, package, arch)}


def test_native_tls_reaches_the_system_openssl_and_not_schannel_or_security_framework():
    reached = {r.crate.name: r for r in c_crates(LockOnly("reqwest-native-tls"), "hbbs")}
    assert "openssl-sys" in reached
    assert reached["openssl-sys"].crate.links == ccrates.SYSTEM  # no openssl-src: not vendored
    assert reached["openssl-sys"].path[-3:] == ("reqwest", "native-tls", "openssl-sys")


def test_a_windows_only_allocator_does_not_count_and_an_arch_gated_one_counts_where_taken():
    ws = LockOnly("target-gated-allocators", {"ruff": "crates/ruff/Cargo.toml"})
    assert "libmimalloc-sys" not in names(ws, "ruff")
    assert "zstd-sys" in names(ws, "ruff")
    assert "tikv-jemalloc-sys" in names(ws, "ruff", "x86_64")
    assert "tikv-jemalloc-sys" in names(ws, "ruff", "aarch64")
    assert "tikv-jemalloc-sys" not in names(ws, "ruff", "arm")
    assert "zstd-sys" in names(ws, "ruff", "arm")


def test_without_the_manifest_the_lock_over_reports_the_windows_allocator():
    # The documented limit: the lock has no cfg, so only the manifest can cut mimalloc.
    assert "libmimalloc-sys" in names(LockOnly("target-gated-allocators"), "ruff")


def test_rustls_reaches_ring_and_aws_lc_whose_universal_bindings_build_armv7_with_cc_only():
    # aws-lc-sys 0.40.0 through aws-lc-rs (all-bindings off): universal bindings, cc builder.
    reached = {r.crate.name: r.crate for r in c_crates(LockOnly("rustls-aws-lc"),
                                                         "lldap_set_password")}
    assert {"ring", "aws-lc-sys"} <= set(reached)
    aws = reached["aws-lc-sys"]
    assert aws.version == "0.40.0"
    for triple in ("x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu",
                   "armv7-unknown-linux-gnueabihf"):
        assert aws.bindgen_refusal(triple) == ""
    armv7 = platforms.get("linux/arm/v7")
    need = ccrates.needs((aws,), armv7, armv7.gnu_triple)
    assert need.build_tools == () and need.cross_packages == ()  # no cmake, libclang, g++
    assert not any(c.links == ccrates.SYSTEM for c in reached.values())


@pytest.mark.parametrize("version, dependents, refused", [
    ("0.40.0", ("aws-lc-rs",), False),
    ("0.37.0", ("aws-lc-rs",), False),
    ("0.36.0", ("aws-lc-rs",), True),  # older than the range read
    ("0.40.0", ("aws-lc-rs", "app"), True),  # a direct dependent keeps all-bindings on
])
def test_aws_lc_sys_armv7_by_version_and_dependents(version, dependents, refused):
    direct = ["aws-lc-sys"] if "app" in dependents else []
    lock = lockfile_from_data({"package": [
        {"name": "app", "version": "0.1.0", "dependencies": ["aws-lc-rs"] + direct},
        {"name": "aws-lc-rs", "version": "1.15.0", "source": "registry+x",
         "dependencies": ["aws-lc-sys"]},
        {"name": "aws-lc-sys", "version": version, "source": "registry+x",
         "dependencies": ["cc", "cmake"]},
    ]})

    class Ws:
        pass

    ws = Ws()
    ws.lock = lock
    aws = next(r.crate for r in c_crates(ws, "app") if r.crate.name == "aws-lc-sys")
    assert bool(aws.bindgen_refusal("armv7-unknown-linux-gnueabihf")) is refused


def test_sqlx_bundled_sqlite_is_bundled_no_dev_and_no_runtime_package():
    reached = {r.crate.name: r for r in c_crates(LockOnly("bundled-sqlite"), "lldap")}
    sqlite = reached["libsqlite3-sys"]
    assert sqlite.flags == ("bundled",) and sqlite.crate.links == ccrates.BUNDLED
    arm64 = platforms.get("linux/arm64")
    need = ccrates.needs((sqlite.crate,), arm64, arm64.gnu_triple, runtime="debian-slim")
    assert need.target_packages == () and need.runtime_packages == ()


def test_each_of_two_binaries_gets_exactly_its_own_crates():
    ws = LockOnly("two-binaries")
    assert "zstd-sys" in names(ws, "lldap")
    assert "zstd-sys" not in names(ws, "lldap_set_password")
    # (README.md lists aws-lc-sys here too; this trimmed lock reaches it from neither binary:
    # lockgraph.py agrees.)
    assert names(ws, "lldap_set_password") == {"libsqlite3-sys", "ring"}


def test_a_dev_dependency_does_not_count():
    ws = LockOnly("dev-dep-only", {"atuin-server": "crates/atuin-server/Cargo.toml"})
    assert "zstd-sys" not in names(ws, "atuin-server")
    assert {"libsqlite3-sys", "openssl-sys"} <= names(ws, "atuin-server")
    assert "zstd-sys" in names(ws, "atuin")


def test_no_lockfile_means_nothing_is_known_yet(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "a"\nversion = "0.1.0"\n'
                                         '[dependencies]\nopenssl = "0.10"\n')
    (tmp_path / "src" / "main.rs").write_text("fn main() {}\n")
    assert c_crates(scan(tmp_path), "a") == ()


def test_a_members_build_script_using_cc_counts_but_a_table_crates_use_does_not():
    lock = lockfile_from_data({"package": [
        {"name": "app", "version": "0.1.0", "dependencies": ["cc", "zstd-sys"]},
        {"name": "zstd-sys", "version": "2.0.0", "source": "registry+x", "dependencies": ["cc"]},
        {"name": "cc", "version": "1.2.0", "source": "registry+x"},
    ]})

    class Ws:
        pass

    ws = Ws()
    ws.lock = lock
    assert names(ws, "app") == {"zstd-sys", "cc"}
    ws.lock = lockfile_from_data({"package": [
        {"name": "app", "version": "0.1.0", "dependencies": ["zstd-sys"]},
        {"name": "zstd-sys", "version": "2.0.0", "source": "registry+x", "dependencies": ["cc"]},
        {"name": "cc", "version": "1.2.0", "source": "registry+x"},
    ]})
    assert names(ws, "app") == {"zstd-sys"}


@pytest.mark.parametrize("name", sorted(ccrates.names()))
def test_every_row_names_its_source_and_what_was_verified(name):
    row = ccrates.get(name)
    assert row.source and row.verified, name
    assert row.musl in (ccrates.MUSL_OK, ccrates.MUSL_CC, ccrates.MUSL_IMPOSSIBLE), name


@pytest.mark.parametrize("feature, links", [("sqlite_system", ccrates.SYSTEM),
                                            ("sqlite", ccrates.BUNDLED)])
def test_the_build_features_decide_whether_libsqlite3_sys_is_bundled(feature, links):
    # vaultwarden's lock has libsqlite3-sys -> cc (its `sqlite` feature bundles SQLite), but
    # `sqlite_system` builds against the system library: diesel asks libsqlite3-sys only for
    # `bundled_bindings`, and every dependent's features are known.
    from rsdock.lint.model.cargo_features import Request
    ws = LockOnly("vaultwarden-optional-db", {"vaultwarden": "Cargo.toml"})
    reached = {r.crate.name: r.crate for r in c_crates(ws, "vaultwarden",
                                                        request=Request((feature,)))}
    assert reached["libsqlite3-sys"].links == links


_PYO3_LOCK = """version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["pyo3"]
""" + "".join(f"""
[[package]]
name = "{name}"
version = "0.22.6"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [{deps}]
""" for name, deps in (("pyo3", '"pyo3-build-config", "pyo3-ffi"'),
                       ("pyo3-build-config", ""), ("pyo3-ffi", '"pyo3-build-config"')))


@pytest.mark.parametrize("features, embeds", [('["auto-initialize"]', True), ("[]", True),
                                              ('["extension-module"]', False),
                                              ('["auto-initialize", "extension-module"]', False)])
def test_pyo3_links_libpython_unless_it_is_an_extension_module(tmp_path, features, embeds):
    """pyo3 without `extension-module` links libpython into the binary (pyo3-ffi's row: the
    builder needs the target's libpython, the image libpython with its closure); with it,
    pyo3-ffi links nothing (pyo3's `extension-module = ["pyo3-ffi/extension-module"]`), and
    the lock alone, which lists pyo3-ffi either way, cannot tell."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.rs").write_text("fn main() {}\n")
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        f'pyo3 = {{ version = "0.22", features = {features} }}\n')
    (tmp_path / "Cargo.lock").write_text(_PYO3_LOCK)
    reached = {r.crate.name: r.crate for r in c_crates(scan(tmp_path), "app")}
    assert ("pyo3-ffi" in reached) == embeds
    if embeds:
        row = reached["pyo3-ffi"]
        assert row.links == ccrates.SYSTEM and row.python_for("trixie") == "3.13"
        assert row.runtime_for("bookworm") == ("libpython3.11",)
