"""RS111: a program the build runs is missing from the builder stage."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.analysis import build, cdeps, dockerfacts, images, needs
from rsdock.lint.model.cargo import Workspace
from rsdock.lint.model.cargo_features import resolve
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
    script it runs from the build context mentions, counts as present. A build script that goes
    on when the program cannot be run (``.output().ok()``, ``.map_or_else(|_| "unknown", ...)``)
    needs none of it. Install the Debian package named in the message.

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
        # a build script that goes on when the program is missing (`.output().ok()`) needs none;
        # one the build may not run at all (an unknown -sys crate's cc) is the generator's concern
        programs = [p for p in needs.of(ctx).programs
                    if p.package and p.certain and not p.tolerant]
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
            built = _members_built(ctx, file, calls)
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
                if built is not None and program.members and not built & set(program.members):
                    continue  # only members this build does not compile run it
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


def _members_built(ctx: Context, file: Dockerfile, calls: list[build.CargoCall]) -> set[str] | None:
    """The workspace members the ``calls`` compile: the packages they build (``-p``, ``--bin``,
    the member whose folder a bare ``cargo build`` runs in: ``WORKDIR /src/cli``) and the
    members those depend on. None when it cannot be told (no workspace, every member built)."""
    workspace = ctx.workspace  # the workspace needs.of scanned
    if workspace is None:
        return None
    names: set[str] = set()
    for call in calls:
        chosen = set(cdeps.packages_built(workspace, [call])) if call.bins or call.packages \
            else _member_at(workspace, call.command.cwd)
        if not chosen:
            return None  # every member with a binary: anything may run
        names |= chosen
    members = {m.name for m in workspace.members}
    reached = set(names)
    if workspace.lock is not None:
        manifests = cdeps.member_manifests(workspace)
        for name in names:
            reached |= members & set(resolve(workspace.lock, name, members=manifests))
    return reached


def _member_at(workspace: Workspace, cwd: str) -> set[str]:
    """The member whose folder ``cwd`` (a path in the image) ends with: cargo run there builds
    that package only. Empty for the workspace root or no match."""
    folder = cwd.rstrip("/")
    found = [m for m in workspace.members if m.dir not in ("", ".")
             and (folder == "/" + m.dir or folder.endswith("/" + m.dir))]
    found.sort(key=lambda m: len(m.dir), reverse=True)
    return {found[0].name} if found else set()
