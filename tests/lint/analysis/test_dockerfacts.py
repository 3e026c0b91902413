"""Shared Dockerfile facts: one finding per line when platforms repeat a problem."""

from rsdock.lint.analysis.dockerfacts import merge_by_line, unique
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity

FIX = Fix("x", (Edit(0, 0, "x"),))


def finding(line, message, fix=None):
    return Finding("Dockerfile", line, 0, "RS205", Severity.ERROR, message, fix)


def test_merge_by_line_keeps_the_first_and_counts_the_rest():
    merged = merge_by_line([finding(3, "for arm64", FIX), finding(3, "for riscv64"),
                            finding(3, "for arm64"), finding(5, "for s390x")])
    assert merged == [finding(3, "for arm64 (and 1 more like it on this line)"),
                      finding(5, "for s390x")]
    assert merged[0].fix == FIX  # the first finding's fix survives the merge


def test_unique_drops_the_same_line_and_message():
    assert list(unique([finding(3, "a"), finding(3, "a"), finding(4, "a")])) == [
        finding(3, "a"), finding(4, "a")]


def test_cross_rs_images_set_the_linker_and_cc():
    """cross-rs/cross docker/Dockerfile.<triple> (policy-server's build stages, blind batch D)."""
    from rsdock.lint.analysis.dockerfacts import image_env
    assert image_env("ghcr.io/cross-rs/aarch64-unknown-linux-musl:0.2.5") == {
        "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER": "aarch64-linux-musl-gcc.sh",
        "CC_aarch64_unknown_linux_musl": "aarch64-linux-musl-gcc"}
    assert image_env("rustembedded/cross:armv7-unknown-linux-gnueabihf") == {
        "CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER": "arm-linux-gnueabihf-gcc",
        "CC_armv7_unknown_linux_gnueabihf": "arm-linux-gnueabihf-gcc"}
    assert image_env("rust:1.95") == {}


def test_needed_stages_follow_the_platform_a_from_names():
    """`FROM copy-${TARGETARCH}` builds one per-platform stage for each platform."""
    from rsdock.lint.analysis.build import platform_args
    from rsdock.lint.analysis.dockerfacts import needed_stages
    from rsdock.lint.model.dockerfile import parse_dockerfile
    model = parse_dockerfile("Dockerfile", "FROM alpine AS build-arm64\nFROM alpine AS build-amd64\n"
                             "FROM scratch AS copy-amd64\nCOPY --from=build-amd64 /a /a\n"
                             "FROM scratch AS copy-arm64\nCOPY --from=build-arm64 /a /a\n"
                             "FROM copy-${TARGETARCH}\n")
    names = [s.name for s in needed_stages(model, None, platform_args("linux/arm64"))]
    assert names == ["build-arm64", "copy-arm64", ""] or names == ["build-arm64", "copy-arm64", None]
    assert len(needed_stages(model, None)) == 5


def test_images_that_install_a_ca_bundle_themselves():
    """rust's and .NET's images carry ca-certificates; a bare Debian slim image does not."""
    from rsdock.lint.analysis.dockerfacts import ships_ca_bundle
    for image in ("rust:1.75-slim-bookworm", "docker.io/library/rust:1-slim", "rust:alpine",
                  "lukemathwalker/cargo-chef:latest-rust-1", "rust@sha256:" + "0" * 64,
                  "mcr.microsoft.com/dotnet/aspnet:6.0-bookworm-slim",
                  "mcr.microsoft.com/dotnet/runtime-deps:8.0"):
        assert ships_ca_bundle(image), image
    for image in ("debian:bookworm-slim", "ubuntu:24.04", "scratch", "myorg/rust-app:1-slim",
                  "mcr.microsoft.com/dotnet/samples:aspnetapp"):
        assert not ships_ca_bundle(image), image
