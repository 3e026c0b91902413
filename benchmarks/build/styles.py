"""The three peer Dockerfiles the build benchmark sets against rsdock's own (README.md here says
where each comes from and what had to change for the lab).

Each function returns Dockerfile text for one workspace (``Workspace``): its binary, and the C
library it links, if any. Every image is a debian:bookworm-slim runtime, so sizes compare.
"""

from __future__ import annotations

from dataclasses import dataclass

RUST = "rust:1.85-slim-bookworm"  # the lab's builder stand-in (Debian's rustc 1.85.1)
RUNTIME = "debian:bookworm-slim"

TRIPLES = {
    "linux/amd64": ("x86_64-unknown-linux-gnu", "x86-64", "amd64", "x86_64-linux-gnu"),
    "linux/arm64": ("aarch64-unknown-linux-gnu", "aarch64", "arm64", "aarch64-linux-gnu"),
    "linux/arm/v7": ("armv7-unknown-linux-gnueabihf", "arm", "armhf", "arm-linux-gnueabihf"),
}


@dataclass(frozen=True)
class Workspace:
    name: str            # the lab workspace (tests/e2e/workspaces/<name>)
    binary: str          # the binary the image runs
    leaf: str            # the file of the leaf crate the one-line change edits
    expect: str          # what the binary prints (besides arch=)
    c_dev: str = ""      # the C library's -dev package the build needs (pkg-config finds it)
    c_runtime: str = ""  # the shared library package the image needs


def _case(indent: str = "      ") -> str:
    """The research's `case "$TARGETPLATFORM"` idiom, one arm per platform."""
    arms = []
    for platform, (triple, gcc, arch, tuple_) in TRIPLES.items():
        arms.append(f'{indent}{platform}) triple={triple} gcc={tuple_}-gcc arch={arch} '
                    f'tuple={tuple_} gccpkg=gcc-{gcc}-linux-gnu{"eabihf" if arch == "armhf" else ""} ;; \\')
    arms.append(f'{indent}*) echo "Unsupported platform: $TARGETPLATFORM" >&2; exit 1 ;; \\')
    return "\n".join(arms)


def research(ws: Workspace) -> str:
    """The research document's chef snippet and cross snippet, put together the way the
    document presents them (docs: /work/shared/research/research.ko.md sections 2 and 3):
    cook without --target (its trap #1: the cooked layer is for the build machine), all three
    cross compilers installed, the runtime's `apt-get install ca-certificates tini` run on the
    target platform. Changed for the lab: the chef image is the rust stand-in plus
    `cargo install cargo-chef` (no lukemathwalker/cargo-chef image here), and the runtime copies
    target/<triple>/release (the research's trap #2: target/release has no binary with --target).
    A C library: its -dev package and pkg-config for the build machine, as a user adding them
    would, and its runtime package beside tini."""
    c_build = f" pkg-config {ws.c_dev}" if ws.c_dev else ""
    c_run = f" {ws.c_runtime}" if ws.c_runtime else ""
    return f"""\
FROM --platform=$BUILDPLATFORM {RUST} AS chef
RUN cargo install cargo-chef --locked
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
ARG TARGETPLATFORM
RUN case "$TARGETPLATFORM" in \\
      "linux/amd64") echo x86_64-unknown-linux-gnu > /rust_target.txt ;; \\
      "linux/arm64") echo aarch64-unknown-linux-gnu > /rust_target.txt ;; \\
      "linux/arm/v7") echo armv7-unknown-linux-gnueabihf > /rust_target.txt ;; \\
      *) echo "Unsupported platform: $TARGETPLATFORM" && exit 1 ;; \\
    esac
RUN export RUST_TARGET=$(cat /rust_target.txt) && \\
    rustup target add $RUST_TARGET
RUN apt-get update && apt-get install -y --no-install-recommends \\
    gcc-aarch64-linux-gnu \\
    gcc-arm-linux-gnueabihf \\
    gcc-x86-64-linux-gnu \\
    libc6-dev-arm64-cross \\
    libc6-dev-armhf-cross{c_build} \\
    && rm -rf /var/lib/apt/lists/*
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json --bin {ws.binary}
COPY . .
RUN export RUST_TARGET=$(cat /rust_target.txt) && \\
    case "$RUST_TARGET" in \\
      "aarch64-unknown-linux-gnu") \\
        export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc ;; \\
      "armv7-unknown-linux-gnueabihf") \\
        export CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc ;; \\
    esac && \\
    cargo build --release --target $RUST_TARGET --bin {ws.binary} && \\
    cp target/$RUST_TARGET/release/{ws.binary} /app/{ws.binary}

FROM {RUNTIME} AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends \\
    ca-certificates \\
    tini{c_run} \\
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /app/{ws.binary} /usr/local/bin/{ws.binary}
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/{ws.binary}"]
"""


def chef_readme(ws: Workspace) -> str:
    """cargo-chef's README recipe "Without the pre-built image", as most projects adopt it: the
    builder is NOT on $BUILDPLATFORM, so for arm64 and arm/v7 BuildKit pulls the arm builder and
    runs every RUN, the compiler included, under QEMU. Changed for the lab: the README's
    `rust:1` / `debian:trixie-slim` are the lab's {RUST} / {RUNTIME}. A C library: its -dev
    package and pkg-config in the chef stage, its runtime package in the runtime (apt-get, as
    such projects do)."""
    c_build = (f"RUN apt-get update && apt-get install -y --no-install-recommends pkg-config "
               f"{ws.c_dev} && rm -rf /var/lib/apt/lists/*\n") if ws.c_dev else ""
    c_run = (f"RUN apt-get update && apt-get install -y --no-install-recommends "
             f"{ws.c_runtime} && rm -rf /var/lib/apt/lists/*\n") if ws.c_runtime else ""
    return f"""\
FROM {RUST} AS chef
# We only pay the installation cost once,
# it will be cached from the second build onwards
RUN cargo install --locked cargo-chef
{c_build}WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare  --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# Build dependencies - this is the caching Docker layer!
RUN cargo chef cook --release --recipe-path recipe.json
# Build application
COPY . .
RUN cargo build --release --bin {ws.binary}

# We do not need the Rust toolchain to run the binary!
FROM {RUNTIME} AS runtime
{c_run}WORKDIR /app
COPY --from=builder /app/target/release/{ws.binary} /usr/local/bin
ENTRYPOINT ["/usr/local/bin/{ws.binary}"]
"""


def cache_mounts(ws: Workspace, top_level: list[str]) -> str:
    """In the style of `docker init`'s Rust template (Docker's own): the builder on
    $BUILDPLATFORM cross-compiles (the template does it with tonistiigi/xx), the sources are
    bind-mounted, and target/ and cargo's registry are `--mount=type=cache` -- no cook layer:
    the dependencies live only in the cache mount, which a CI runner's exported layer cache
    does not carry. Changed for the lab: Debian's cross gcc and the target's -dev packages stand
    in for xx (`xx-apt-get`, `xx-cargo`), gnu instead of musl and a debian:bookworm-slim runtime
    instead of alpine (the lab has no musl std); the template's single-crate bind mounts (src,
    Cargo.toml, Cargo.lock) become one per top-level entry of the workspace; no heredoc (the
    lab's BuildKit frontend has none). The final stage adds its user with a RUN, as the
    template does (so it runs on the target platform)."""
    binds = " \\\n".join(f"    --mount=type=bind,source={p},target={p}" for p in top_level)
    c_pkgs = f" pkg-config {ws.c_dev}:$arch" if ws.c_dev else ""
    c_run = (f"RUN apt-get update && apt-get install -y --no-install-recommends {ws.c_runtime} "
             f"&& rm -rf /var/lib/apt/lists/*\n") if ws.c_runtime else ""
    return f"""\
ARG APP_NAME={ws.binary}

FROM --platform=$BUILDPLATFORM {RUST} AS build
ARG APP_NAME
WORKDIR /app
ARG TARGETPLATFORM
RUN case "$TARGETPLATFORM" in \\
{_case()}
    esac \\
 && dpkg --add-architecture "$arch" && apt-get update \\
 && apt-get install -y --no-install-recommends "$gccpkg" "libc6-dev-$arch-cross"{c_pkgs} \\
 && rm -rf /var/lib/apt/lists/* \\
 && rustup target add "$triple" \\
 && u=$(echo "$triple" | tr 'a-z-' 'A-Z_') && l=$(echo "$triple" | tr '-' '_') \\
 && printf 'export TRIPLE=%s CARGO_TARGET_%s_LINKER=%s CC_%s=%s PKG_CONFIG_ALLOW_CROSS=1 PKG_CONFIG_LIBDIR_%s=/usr/lib/%s/pkgconfig\\n' \\
      "$triple" "$u" "$gcc" "$l" "$gcc" "$l" "$tuple" > /env
RUN {binds.lstrip()} \\
    --mount=type=cache,target=/app/target/,id=rust-cache-${{APP_NAME}}-${{TARGETPLATFORM}} \\
    --mount=type=cache,target=/usr/local/cargo/git/db \\
    --mount=type=cache,target=/usr/local/cargo/registry/ \\
    . /env && set -e && \\
    cargo build --locked --release --target "$TRIPLE" --bin $APP_NAME && \\
    cp ./target/$TRIPLE/release/$APP_NAME /bin/server

FROM {RUNTIME} AS final
{c_run}ARG UID=10001
RUN useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --uid "${{UID}}" appuser
USER appuser
COPY --from=build /bin/server /bin/
ENTRYPOINT ["/bin/server"]
"""


STYLES = {"research": research, "chef-readme": chef_readme, "cache-mount": cache_mounts}


def one_invocation(rsdock_dockerfile: str, ws: Workspace) -> str:
    """Issue #24's "go past the peers" shape, made from rsdock's own Dockerfile: ONE builder on
    $BUILDPLATFORM with every target's cross gcc cooks and builds all three targets in one cargo
    invocation (`--target a --target b --target c`), so host-only crates (proc-macros, build
    scripts) compile once, and each final stage copies its own target's binary. The builder's
    cache key does not depend on TARGETPLATFORM, so the second and third platform's builds reuse
    it. Pure-Rust workspaces only (a C library's -dev packages would be needed for every target
    at once)."""
    if ws.c_dev:
        raise ValueError("the one-invocation shape is measured on pure-Rust workspaces only")
    start = rsdock_dockerfile.index("FROM chef AS builder")
    end = rsdock_dockerfile.index("FROM ", start + 1)
    gccs = []
    env = []
    targets = []
    copies = []
    for platform, (triple, gcc, arch, tuple_) in TRIPLES.items():
        pkg = f"gcc-{gcc}-linux-gnu{'eabihf' if arch == 'armhf' else ''}"
        gccs += [pkg, f"libc6-dev-{arch}-cross"]
        upper, lower = triple.upper().replace("-", "_"), triple.replace("-", "_")
        env += [f"CARGO_TARGET_{upper}_LINKER={tuple_}-gcc", f"CC_{lower}={tuple_}-gcc",
                f"AR_{lower}={tuple_}-ar"]
        targets += ["--target", triple]
        copies.append(f"mkdir -p /out/{platform} && cp target/{triple}/release/{ws.binary} "
                      f"/out/{platform}/{ws.binary}")
    t = " ".join(targets)
    builder = f"""FROM chef AS builder
# Every target at once: one apt-get, one cook, one build.
RUN apt-get update \\
 && apt-get install -y --no-install-recommends {' '.join(gccs)} \\
 && rm -rf /var/lib/apt/lists/* \\
 && rustup target add {' '.join(targets[1::2])}
ENV {' '.join(env)}
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --locked {t} --bin {ws.binary} --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked {t} --bin {ws.binary} \\
 && {' && '.join(copies)}

"""
    text = rsdock_dockerfile[:start] + builder + rsdock_dockerfile[end:]
    old = f"COPY --from=builder /out/{ws.binary} /usr/local/bin/{ws.binary}"
    if old not in text:
        raise ValueError(f"rsdock's Dockerfile has no {old!r}")
    return text.replace(old, "ARG TARGETPLATFORM\n"
                        f"COPY --from=builder /out/${{TARGETPLATFORM}}/{ws.binary} /usr/local/bin/{ws.binary}")
