"""scripts/debian_crate_coverage.py: which crates of a Cargo.lock Debian packages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[3] / "scripts" / "debian_crate_coverage.py"
spec = importlib.util.spec_from_file_location("debian_crate_coverage", SCRIPT)
coverage_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(coverage_script)

PACKAGES = """Package: librust-serde-dev
Version: 1.0.217-1

Package: librust-nom-7-dev
Version: 7.1.3-1

Package: librust-bitflags-1-dev
Version: 1.3.2-7

Package: librust-bitflags-dev
Version: 2.8.0-1

Package: librust-tokio-util-dev
Version: 0.7.13-1

Package: libssl-dev
Version: 3.5.1-1
"""

LOCK = """version = 4
[[package]]
name = "app"
version = "0.1.0"
[[package]]
name = "serde"
version = "1.0.228"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "nom"
version = "8.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "bitflags"
version = "1.3.2"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "tokio_util"
version = "0.7.16"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "tokio-util"
version = "0.6.10"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "windows-sys"
version = "0.59.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"""


def test_semver_compatible_versions_count_and_other_systems_are_left_out():
    have = coverage_script.debian_crates(PACKAGES)
    assert have["bitflags"] == {"1.3.2", "2.8.0"} and "libssl" not in have
    total, missing = coverage_script.coverage(LOCK, have)
    # app is local, windows-sys is for another system; nom 8 and tokio-util 0.6 are not 7/0.7
    assert total == 5
    assert missing == ["nom 8.0.0", "tokio-util 0.6.10"]


def test_compatibility_classes():
    bucket = coverage_script.bucket
    assert bucket("1.0.228") == bucket("1.9.0") != bucket("2.0.0")
    assert bucket("0.7.16") == bucket("0.7.1") != bucket("0.6.10")
    assert bucket("0.0.3") != bucket("0.0.4")
