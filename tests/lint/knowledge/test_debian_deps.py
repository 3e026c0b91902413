"""The Debian dependency table (generated from Debian's Packages files) and its questions."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from rsdock.lint.knowledge import ccrates, debian_deps

SCRIPT = Path(__file__).parents[3] / "scripts" / "gen_debian_deps.py"


@pytest.mark.parametrize("release, ssl", [("bookworm", "libssl3"), ("trixie", "libssl3t64")])
def test_ca_certificates_brings_openssl_and_libssl(release, ssl):
    assert {"openssl", ssl} <= debian_deps.closure(["ca-certificates"], release)


@pytest.mark.parametrize("package", ["git", "wget"])
def test_git_and_wget_recommend_ca_certificates(package):
    assert "ca-certificates" in debian_deps.closure([package], "bookworm", recommends=True)
    assert "ca-certificates" not in debian_deps.closure([package], "bookworm")


def test_libpq5_needs_kerberos_and_ldap_which_distroless_cc_does_not_ship():
    unpack = debian_deps.unpack_for_distroless(["libpq5"], "bookworm")
    assert unpack[0] == "libpq5"
    assert {"libgssapi-krb5-2", "libldap-2.5-0", "libkrb5-3", "libsasl2-2"} <= set(unpack)
    assert not {"libc6", "libssl3", "libgcc-s1", "gcc-12-base"} & set(unpack)
    trixie = debian_deps.unpack_for_distroless(["libpq5"], "trixie")
    assert "libldap2" in trixie and "libssl3t64" not in trixie


def test_debian_slim_gets_the_closure_minus_its_own_minbase_packages():
    unpack = debian_deps.unpack_for_debian_slim(["libpq5"], "bookworm")
    assert unpack[0] == "libpq5"
    # debian:bookworm-slim has no libssl3 (distroless cc has), but has GnuTLS and libcom-err2.
    assert {"libgssapi-krb5-2", "libldap-2.5-0", "libsasl2-2", "libssl3"} <= set(unpack)
    assert not {"libc6", "libcom-err2", "libgnutls30", "libdb5.3", "gcc-12-base"} & set(unpack)
    # trixie's slim image ships libssl3t64 and libsqlite3-0 itself.
    assert "libssl3t64" not in debian_deps.unpack_for_debian_slim(["libpq5"], "trixie")
    assert debian_deps.unpack_for_debian_slim(["libsqlite3-0"], "trixie") == ()


def test_debian_slim_sets_are_minbase_roots():
    for release, size in (("bookworm", 88), ("trixie", 78)):
        slim = debian_deps.debian_slim(release)
        assert len(slim) == size and {"apt", "dpkg", "libc6", "bash", "base-files"} <= slim
    assert "libssl3" not in debian_deps.debian_slim("bookworm")


def test_every_runtime_package_of_the_ccrate_table_is_in_the_debian_table():
    for row in ccrates.rows():
        for release in ("bookworm", "trixie"):
            for package in row.runtime_for(release):
                assert debian_deps.known(package, release), (row.name, release, package)


def test_the_table_says_where_and_when_it_was_read():
    data = json.loads(debian_deps.DATA.read_text())
    for release in ("bookworm", "trixie"):
        entry = data["releases"][release]
        assert entry["date"].startswith("20")
        assert set(entry["sources"]) == {"amd64", "arm64", "armhf"}
        assert all(url.startswith("http") and url.endswith(f"/dists/{release}/main/binary-"
                                                           f"{arch}/Packages.xz")
                   for arch, url in entry["sources"].items())
    assert data["read_on"].startswith("20")


def test_a_debian_slim_apt_list_skips_what_another_listed_package_brings():
    assert debian_deps.pulled_by_others(["libssl3", "libpq5"], "bookworm") == {"libssl3"}
    need = ccrates.needs([ccrates.get("openssl-sys"), ccrates.get("pq-sys")],
                         _platform(), "aarch64-unknown-linux-gnu", runtime="debian-slim")
    assert need.runtime_packages == ("libpq5",)


def _platform():
    from rsdock.lint.knowledge import platforms
    return platforms.require("linux/arm64")


def _script():
    spec = importlib.util.spec_from_file_location("gen_debian_deps", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PACKAGES = """\
Package: app
Version: 1.0
Depends: libfoo1 (>= 1.2) | libfoo-alt, mail-transport-agent, libc6:any
Recommends: ca-certificates

Package: libfoo1
Version: 1.2
Pre-Depends: libc6

Package: postfix
Version: 3.7
Provides: mail-transport-agent

Package: libc6
Version: 2.36
Essential: yes

Package: ca-certificates
Version: 2023
Depends: openssl

Package: openssl
Version: 3.0
"""


def test_the_script_takes_apts_choices_alternatives_first_and_virtuals_by_provider():
    module = _script()
    packages, provides = module.parse(PACKAGES)
    rows = module.closure(["app"], packages, provides)
    assert rows["app"]["depends"] == ["libc6", "libfoo1", "postfix"]
    assert rows["app"]["recommends"] == ["ca-certificates"]
    assert rows["libfoo1"]["depends"] == ["libc6"]  # Pre-Depends count as Depends
    assert rows["libc6"]["essential"] is True
    assert set(rows) == {"app", "libfoo1", "postfix", "libc6", "ca-certificates", "openssl"}


def test_musl_tools_brings_the_stages_own_musl_dev():
    assert "musl-dev" in debian_deps.closure(["musl-tools"], "bookworm")


def test_upstream_version_drops_epoch_and_debian_revision():
    assert debian_deps.upstream_version("liblzma-dev", "bookworm") == "5.4.1"
    assert debian_deps.upstream_version("liblzma-dev", "trixie").startswith("5.8")
    assert debian_deps.upstream_version("liblzma-dev", "buster") == ""
    assert debian_deps.upstream_version("no-such-package", "bookworm") == ""
