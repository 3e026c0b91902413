"""A library a crate's feature links besides the crate's own build, read from Cargo.lock.

lichess-org/lila-openingexplorer 38bddd031a30 (Cargo.toml, Cargo.lock, trimmed): rocksdb 0.24
with `io-uring`, so librocksdb-sys depends on pkg-config in the lock (its only use: `io-uring =
["pkg-config"]`) and its build.rs panics unless pkg-config finds liburing. cozodb/cozo
481af058abac's lock holds librocksdb-sys 0.16 without pkg-config: no io-uring, no liburing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate.defaults import default_plan
from rsdock.wizard.generate.render import render
from tests.tools import stage

MANIFEST = '''[package]
name = "lila-openingexplorer"
version = "0.1.0"
edition = "2024"

[dependencies]
rocksdb = { version = "0.24", features = ["io-uring", "lz4", "zstd", "jemalloc", "bindgen-runtime"], default-features = false }
'''

LOCK = '''version = 4

[[package]]
name = "bindgen"
version = "0.72.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "cc"
version = "1.2.30"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "libc"
version = "0.2.174"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "librocksdb-sys"
version = "{sys_version}"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "bindgen",
 "cc",
 "libc",
{pkg_config}]

[[package]]
name = "lila-openingexplorer"
version = "0.1.0"
dependencies = [
 "rocksdb",
]

[[package]]
name = "pkg-config"
version = "0.3.32"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "rocksdb"
version = "{version}"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "libc",
 "librocksdb-sys",
]
'''


def _workspace(tmp_path: Path, io_uring: bool) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text(MANIFEST)
    (root / "Cargo.lock").write_text(LOCK.format(
        version="0.24.0" if io_uring else "0.22.0",
        sys_version="0.17.3+10.4.2" if io_uring else "0.16.0+8.10.0",
        pkg_config=' "pkg-config",\n' if io_uring else ""))
    return root


@pytest.mark.parametrize("runtime", ["debian-slim", "distroless"])
def test_rocksdb_io_uring_installs_liburing_for_the_target_and_the_image(tmp_path, runtime):
    plan = default_plan(scan(_workspace(tmp_path, io_uring=True)), runtime=runtime)
    text = render(plan)["Dockerfile"]
    builder = " ".join(stage(text, "builder").runs())
    for arch in ("amd64", "arm64", "armhf"):
        assert f"liburing-dev:{arch}" in builder
    assert "pkg-config" in builder
    assert '"liburing2:$arch"' in " ".join(stage(text, "tini").runs())


def test_rocksdb_without_io_uring_needs_no_liburing(tmp_path):
    text = render(default_plan(scan(_workspace(tmp_path, io_uring=False))))["Dockerfile"]
    assert "liburing" not in text


SYS_LOCK = '''version = 4

[[package]]
name = "{sys}"
version = "{version}"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "libc",
{deps}]

[[package]]
name = "libc"
version = "0.2.174"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "pkg-config"
version = "0.3.32"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "{sys}",
]
'''


@pytest.mark.parametrize("sys, version, deps, dev, runtime", [
    # hrkfdn/ncspot 1a36310f71e1: the default pulseaudio_backend reaches libpulse-sys.
    ("libpulse-sys", "1.23.0", ' "pkg-config",\n', "libpulse-dev", "libpulse0"),
    # containers/youki 7c67acc33e45: contest -> libcontainer (libseccomp) -> libseccomp-sys.
    ("libseccomp-sys", "0.2.1", "", "libseccomp-dev", None),
])
def test_system_libraries_of_the_field_get_their_target_and_runtime_packages(
        tmp_path, sys, version, deps, dev, runtime):
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text(
        f'[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n'
        f'[dependencies]\n{sys} = "{version}"\n')
    (root / "Cargo.lock").write_text(SYS_LOCK.format(sys=sys, version=version, deps=deps))
    text = render(default_plan(scan(root)))["Dockerfile"]
    builder = " ".join(stage(text, "builder").runs())
    assert all(f"{dev}:{arch}" in builder for arch in ("amd64", "arm64", "armhf"))
    tini = " ".join(stage(text, "tini").runs())
    if runtime:
        assert f'"{runtime}:$arch"' in tini
    else:  # libseccomp2 is in debian:bookworm-slim already (apt depends on it)
        assert "libseccomp" not in tini


# awslabs/mountpoint-s3 58817cab2fc3 mountpoint-s3-fuser/build.rs (trimmed): the member's own
# build script looks up fuse3 with pkg-config and panics without it.
FUSER_BUILD = '''fn main() {
    #[cfg(feature = "libfuse")]
    {
        if pkg_config::Config::new().atleast_version("3.0.0").probe("fuse3").is_ok() {
            println!("cargo:rustc-cfg=fuser_mount_impl=\\"libfuse3\\"");
        } else {
            pkg_config::Config::new().atleast_version("2.6.0").probe("fuse").unwrap();
        }
    }
}
'''


def test_a_library_a_member_build_script_looks_up_is_installed_for_the_target(tmp_path):
    root = tmp_path / "ws"
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["mountpoint-s3", "mountpoint-s3-fuser"]\n'
                      'resolver = "2"\n',
        "mountpoint-s3/Cargo.toml": '[package]\nname = "mountpoint-s3"\nversion = "1.0.0"\n'
                                    'edition = "2021"\n\n[dependencies]\nmountpoint-s3-fuser = '
                                    '{ path = "../mountpoint-s3-fuser", features = ["libfuse"] }\n',
        "mountpoint-s3/src/main.rs": "fn main() {}\n",
        "mountpoint-s3-fuser/Cargo.toml": '[package]\nname = "mountpoint-s3-fuser"\n'
                                          'version = "0.1.1"\nedition = "2021"\n\n[features]\n'
                                          'libfuse = []\n',
        "mountpoint-s3-fuser/src/lib.rs": "\n",
        "mountpoint-s3-fuser/build.rs": FUSER_BUILD,
        "Cargo.lock": 'version = 4\n\n[[package]]\nname = "mountpoint-s3"\nversion = "1.0.0"\n'
                      'dependencies = [\n "mountpoint-s3-fuser",\n]\n\n[[package]]\n'
                      'name = "mountpoint-s3-fuser"\nversion = "0.1.1"\n',
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    text = render(default_plan(scan(root)))["Dockerfile"]
    builder = " ".join(stage(text, "builder").runs())
    assert all(f"libfuse3-dev:{arch}" in builder for arch in ("amd64", "arm64", "armhf"))
    assert "libfuse-dev" not in builder  # the fallback module is not in the table
    assert '"libfuse3-3:$arch"' in " ".join(stage(text, "tini").runs())
