"""RS111: a program the build runs is missing from the builder stage."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts, images, needs
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule

# Packages that provide a program besides its own (a C++ compiler: any g++, clang).
_PROVIDERS = {"c++": re.compile(r"^(?:g\+\+|clang|build-essential)"),
              "protoc": re.compile(r"^(?:protobuf-compiler)$"),
              "python3": re.compile(r"^python3(?:\.\d+)?(?:-minimal|-dev)?$")}


class RS111(DockerfileRule):
    """Install what the workspace's build runs: git, protoc, a C++ compiler, Python.

    A build script that runs ``Command::new("git")``, rust-protobuf's protobuf-codegen
    (``protoc``, unless ``protoc-bin-vendored`` is in the lock), ``cc::Build::cpp(true)`` (a C++
    compiler), or pyo3 (a Python interpreter) fails in a builder that lacks the program
    (prost-build, tonic-build and cxx-build are C-crate table rows: RS212 checks them):
    ``rust:*-slim`` images have only gcc and libc6-dev, the full ``rust`` images add git, make
    and g++ (buildpack-deps). Judged for stages that compile the workspace on a ``rust`` base
    image rsdock knows; a program a RUN of the stage mentions (a downloaded ``protoc``), or a
    script it runs from the build context mentions, counts as present. Install the Debian package named in the message.

    Fails:
        # file: Cargo.toml
        [package]
        name = "api"
        version = "0.1.0"
        edition = "2021"
        # file: build.rs
        fn main() {
            let out = std::process::Command::new("git").args(["rev-parse", "HEAD"]).output();
            println!("cargo:rustc-env=GIT_SHA={}", String::from_utf8_lossy(&out.unwrap().stdout));
        }
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM rust:1.95-slim-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release

    Passes:
        # file: Cargo.toml
        [package]
        name = "api"
        version = "0.1.0"
        edition = "2021"
        # file: build.rs
        fn main() {
            let out = std::process::Command::new("git").args(["rev-parse", "HEAD"]).output();
            println!("cargo:rustc-env=GIT_SHA={}", String::from_utf8_lossy(&out.unwrap().stdout));
        }
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM rust:1.95-slim-bookworm AS builder
        RUN apt-get update && apt-get install -y --no-install-recommends git \\
            && rm -rf /var/lib/apt/lists/*
        WORKDIR /app
        COPY . .
        RUN cargo build --release
    """

    id = "RS111"
    name = "build-program-missing"
    severity = Severity.ERROR
    message = "install it in the builder stage"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per program the build runs that a compiling stage lacks."""
        programs = [p for p in needs.of(ctx).programs if p.package]
        if not programs:
            return
        for stage in file.stages:
            calls = [c for c in build.stage_calls(file, stage, None) if c.builds_project
                     and c.action != "cook" and c.tool == "cargo"]
            if not calls:
                continue
            has = needs.image_programs(dockerfacts.root_image(stage))
            if has is None:
                continue  # a custom or cross image: it may have anything
            commands = build.ancestry_commands(file, stage, None)
            packages = dockerfacts.apt_packages(commands)
            mentioned = {w.rsplit("/", 1)[-1] for _i, c in commands for w in c.argv}
            texts = " ".join(" ".join(c.argv) for _i, c in commands)
            # what the scripts it runs install (`COPY install_deps.sh` + `RUN sh /install_deps.sh`)
            scripts = images.run_scripts(ctx, file, [tuple(c.argv) for _i, c in commands])
            texts += " " + " ".join(scripts)
            # ENV lines and `VAR=value cargo ...` prefixes too (pyo3's PYO3_* settings)
            texts += " " + " ".join(getattr(i, "original", "") or "" for s in stage.ancestry()
                                    for i in s.instructions)
            mentioned |= {w.rsplit("/", 1)[-1] for text in scripts for w in text.split()}
            for program in programs:
                if _present(program.name, program.package, has, packages, mentioned, texts):
                    continue
                reason, place = needs.placed(ctx, program.reason)
                yield self.finding(
                    file.path, calls[0].line, 0, span=calls[0].span(file), message=(
                        f"{reason}, and this stage has no {program.name}: install "
                        f"`{program.package}` in the builder stage"),
                    related=() if place is None else (place,))


def _present(name: str, package: str, has: frozenset[str], packages: set[str],
             mentioned: set[str], texts: str) -> bool:
    if name in has or package in packages or name in mentioned:
        return True
    provider = _PROVIDERS.get(name)
    if provider is not None and any(provider.match(p) for p in packages):
        return True
    if name == "python3" and "PYO3_CONFIG_FILE" in texts:
        return True  # pyo3-build-config then runs no interpreter (rsdock's builders: the file)
    return name == "protoc" and "protoc" in texts  # downloaded or built by a RUN
