"""The platform table is DIGEST.md section 2; these pin the facts rsdock generates from."""

import pytest

from rsdock.lint.knowledge import platforms


@pytest.mark.parametrize(
    "name, triple, musl, gcc, libc, linker",
    [
        ("linux/amd64", "x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl",
         "gcc-x86-64-linux-gnu", "libc6-dev-amd64-cross", "x86_64-linux-gnu-gcc"),
        ("linux/arm64", "aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl",
         "gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross", "aarch64-linux-gnu-gcc"),
        ("linux/arm/v7", "armv7-unknown-linux-gnueabihf", "armv7-unknown-linux-musleabihf",
         "gcc-arm-linux-gnueabihf", "libc6-dev-armhf-cross", "arm-linux-gnueabihf-gcc"),
        ("linux/arm/v6", "arm-unknown-linux-gnueabi", "arm-unknown-linux-musleabi",
         "gcc-arm-linux-gnueabi", "libc6-dev-armel-cross", "arm-linux-gnueabi-gcc"),
        ("linux/386", "i686-unknown-linux-gnu", "i686-unknown-linux-musl",
         "gcc-i686-linux-gnu", "libc6-dev-i386-cross", "i686-linux-gnu-gcc"),
        ("linux/ppc64le", "powerpc64le-unknown-linux-gnu", "powerpc64le-unknown-linux-musl",
         "gcc-powerpc64le-linux-gnu", "libc6-dev-ppc64el-cross", "powerpc64le-linux-gnu-gcc"),
        ("linux/s390x", "s390x-unknown-linux-gnu", None,
         "gcc-s390x-linux-gnu", "libc6-dev-s390x-cross", "s390x-linux-gnu-gcc"),
        ("linux/riscv64", "riscv64gc-unknown-linux-gnu", "riscv64gc-unknown-linux-musl",
         "gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross", "riscv64-linux-gnu-gcc"),
    ],
)
def test_table_matches_the_digest(name, triple, musl, gcc, libc, linker):
    platform = platforms.get(name)
    assert (platform.gnu_triple, platform.musl_triple) == (triple, musl)
    assert platform.apt_packages == (gcc, libc)
    assert platform.linker == linker
    assert platforms.by_triple(triple) is platform


def test_eight_platforms_and_the_research_defaults():
    assert len(platforms.PLATFORMS) == 8
    assert platforms.DEFAULT_PLATFORMS == ("linux/amd64", "linux/arm64", "linux/arm/v7")


@pytest.mark.parametrize(
    "triple, var",
    [
        ("aarch64-unknown-linux-gnu", "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER"),
        ("armv7-unknown-linux-gnueabihf", "CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER"),
        ("riscv64gc-unknown-linux-gnu", "CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER"),
    ],
)
def test_linker_env_var(triple, var):
    assert platforms.linker_env_var(triple) == var


@pytest.mark.parametrize(
    "alias, canonical",
    [("linux/arm64/v8", "linux/arm64"), ("linux/arm", "linux/arm/v7"), (" Linux/AMD64 ", "linux/amd64")],
)
def test_aliases_normalise(alias, canonical):
    assert platforms.get(alias).name == canonical


def test_unknown_platform_and_musl_gaps():
    assert platforms.get("linux/mips64le") is None
    assert platforms.is_platform_string("linux/mips64le")
    assert not platforms.is_platform_string("linux amd64")
    with pytest.raises(ValueError, match="tier 3"):
        platforms.get("linux/s390x").triple("musl")
