"""RS309: the runtime has the shared libraries the binary links."""

from __future__ import annotations

import posixpath
import re

from rsdock.lint.analysis import build, cdeps, dockerfacts as facts, needs
from rsdock.lint.knowledge import ccrates, debian, debian_deps
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity, line_offsets
from rsdock.lint.rules.image_rule import ImageStageRule
from rsdock.lint.rules.rule import Context
from rsdock.records import replace


class RS309(ImageStageRule):
    r"""Install the shared libraries the binary links in the runtime stage.

    A binary whose ``openssl-sys`` or ``libsqlite3-sys`` linked the system library loads
    ``libssl.so.3`` or ``libsqlite3.so.0`` when it starts; a runtime without them fails with
    "error while loading shared libraries". On a Debian runtime install the package
    (``libssl3``, ``libsqlite3-0``); distroless has no package manager: copy the library in
    from a stage that unpacks the target's package (``apt-get download libsqlite3-0:$arch``).
    Which libraries are needed is read from ``Cargo.lock`` and the build's features (an
    optional dependency counts only when a feature of the build turns it on) with the C-crate
    table; libraries the base image already has (``libssl3`` in distroless cc) are not asked
    for, and static musl runtimes are not checked. What a package brings follows Debian's own
    dependency lists (generated from its Packages files): installing ``ca-certificates`` brings
    ``libssl3``, ``libpq-dev`` brings ``libpq5``, and ``git`` recommends ``ca-certificates``
    unless ``--no-install-recommends``. On distroless every dependency of the library must be
    unpacked too (``libpq5`` needs ``libgssapi-krb5-2`` and ``libldap-2.5-0``). The finding
    points at the runtime stage's ``apt-get install`` line (at its ``FROM`` when the stage
    installs nothing).

    Fails:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        libsqlite3-sys = "0.30"
        # file: Cargo.lock
        version = 4
        [[package]]
        name = "server"
        version = "0.1.0"
        dependencies = ["libsqlite3-sys"]
        [[package]]
        name = "libsqlite3-sys"
        version = "0.30.1"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        dependencies = ["pkg-config", "vcpkg"]
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM rust:1.95-slim-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --bin server

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
            && rm -rf /var/lib/apt/lists/*
        COPY --from=builder /app/target/release/server /usr/local/bin/server

    Fixed:
        # file: Dockerfile
        FROM rust:1.95-slim-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --bin server

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libsqlite3-0 \
            && rm -rf /var/lib/apt/lists/*
        COPY --from=builder /app/target/release/server /usr/local/bin/server

    Passes:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        [dependencies]
        libsqlite3-sys = "0.30"
        # file: Cargo.lock
        version = 4
        [[package]]
        name = "server"
        version = "0.1.0"
        dependencies = ["libsqlite3-sys"]
        [[package]]
        name = "libsqlite3-sys"
        version = "0.30.1"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        dependencies = ["pkg-config", "vcpkg"]
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM rust:1.95-slim-bookworm AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release --bin server

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
            libsqlite3-0 && rm -rf /var/lib/apt/lists/*
        COPY --from=builder /app/target/release/server /usr/local/bin/server
    """

    id = "RS309"
    name = "runtime-library-missing"
    severity = Severity.ERROR
    fixable = "sometimes"
    fix_note = ('A runtime stage without an `apt-get install` to extend gets no fix; one whose package '
                'lists rsdock cannot place safely gets a display-only fix naming the lines to add.')
    message = "install (or copy in) the shared libraries the binary links"

    production_only = False  # a test or helper image fails the same way

    def check_stage(self, file: Dockerfile, ctx: Context, final: Stage) -> list[Finding]:
        """The findings for one image stage (the last one, or a ``target:``)."""
        workspace = ctx.workspace_for(file.path)
        if workspace is None or getattr(workspace, "lock", None) is None or final is None:
            return []
        root = final.ancestry()[-1].base.lower()
        kind = "distroless" if root.startswith("gcr.io/distroless/") else (
            "debian-slim" if root.split(":")[0].rsplit("/", 1)[-1] in ("debian", "ubuntu")
            else None)
        if kind is None:
            return []
        release = debian.of_image(root)
        codename = release.codename if release else "bookworm"
        calls: list[tuple[build.CargoCall, Stage]] = []
        for copy in final.copies():
            source = file.stage(copy.source_stage) if copy.source_stage else None
            if source is not None:
                copied = {posixpath.basename(path.rstrip("/")) for path in copy.sources}
                calls += [(_own_bins(c, copied), source)
                          for c in build.stage_calls(file, source, None, ancestry=True)
                          if c.action == "build" and not (c.target and "musl" in c.target)]
        if not calls:
            return []
        commands = build.ancestry_commands(file, final, None)
        # What apt installed in the runtime itself (not a builder's libsqlite3-dev:arm64) with
        # what those packages depend on, and recommend unless --no-install-recommends
        # (Debian's own lists: ca-certificates pulls libssl3, libpq-dev pulls libpq5).
        have = debian_deps.closure(facts.apt_packages(commands), codename,
                                   recommends=facts.apt_installs_recommends(commands))
        have |= _copied_packages(file, final, codename)
        # Shared objects copied one by one (`COPY --from=libs /usr/lib/.../libpq.so.5 ...`):
        # the author picked the files a package's dependencies hold by hand, which the package
        # lists cannot check, so only the libraries themselves are asked for there.
        by_hand = kind == "distroless" and _copies_shared_objects(final)
        needed = _needed(file, workspace, calls, kind, codename, by_hand,
                         needs.of(ctx).pkg_config)
        if not needed:
            return []
        missing = {p: c for p, c in needed.items()
                   if p not in have and not (by_hand and _copied_shared_object(p, final))}
        if not missing:
            return []
        how = ("install them in this stage" if kind == "debian-slim" else
               "copy them from a stage that unpacks the target's packages (apt-get download "
               "PKG:$arch, dpkg-deb -x): distroless has none of their dependencies, so each "
               "must be unpacked, or choose debian-slim, where apt brings them")
        listed = ", ".join(f"{p} (for {c})" for p, c in missing.items())
        fix = _add_to_install(file, final, list(missing)) if kind == "debian-slim" else None
        # Where the packages belong: the runtime's own apt-get install line (the list to add
        # them to); the FROM when the stage installs nothing.
        installs = [c.args_line or c.line for _i, c in
                    build.simulate_stage(file, final, None).commands()
                    if c.argv[:1] in (("apt-get",), ("apt",)) and "install" in c.argv]
        line = installs[0] if installs and kind == "debian-slim" else final.from_.line
        span = file.word_span(line, "apt-get install", "apt install", to_end=True) \
            if line != final.from_.line else file.word_span(line, final.base_raw)
        return [self.finding(file.path, line, fix=fix, span=span, message=(
            f"the binary links libraries the runtime lacks: {listed}; {how}"))]


def _needed(file: Dockerfile, workspace: object, calls: list[tuple[build.CargoCall, Stage]],
            kind: str, codename: str, by_hand: bool,
            probes: tuple[tuple[str, str, str], ...] = ()) -> dict[str, str]:
    """``{runtime package: the crate that needs it}`` for the libraries the builds link
    dynamically: a crate that falls back to its bundled copy links the shared library only
    when the builder has the target's ``-dev`` files (installed, or a non-slim ``rust`` image
    on a native build) and nothing forces it static (``LIBZ_SYS_STATIC=1``)."""
    needed: dict[str, str] = {}
    for call, stage in calls:
        builder = stage.ancestry()[-1].base.lower()
        full_rust = builder.split(":")[0].rsplit("/", 1)[-1] == "rust" and not any(
            w in builder for w in ("slim", "alpine"))
        cross = call.target is not None
        dev = facts.apt_packages(build.ancestry_commands(file, stage, None))
        if full_rust and not cross:
            dev |= ccrates.RUST_FULL_IMAGE_DEV
        found_release = debian.glibc_release(builder)
        builder_release = found_release[0].codename if found_release and \
            found_release[0].distro == "debian" else ""
        for reached in cdeps.crates_of_calls(workspace, [call], None,  # type: ignore[arg-type]
                                             probes):
            if reached.guessed:
                continue  # only rsdock's "every feature" guess for an unknown crate reaches it
            crate = reached.crate
            # A library a feature links besides the crate's own build (rocksdb's io-uring).
            for package in (crate.also_runtime_packages if by_hand
                            else crate.also_runtime(kind, codename)):
                needed.setdefault(package, crate.name)
            found = any(d in dev for d in crate.dev_packages)
            # The builder's own library version: a probe that wants a newer one (liblzma-sys
            # 0.4 asks for 5.8.0; bookworm has 5.4.1) compiles the bundled copy instead.
            have = debian_deps.upstream_version(crate.dev_packages[0], builder_release) \
                if builder_release and crate.dev_packages else ""
            if not crate.links_dynamically(dict(call.command.env), found, cross, have):
                continue
            packages = (crate.runtime_for(codename) if by_hand
                        else crate.runtime_needed(kind, codename, as_built=False))
            if by_hand and crate.distroless_has.get(codename, False):
                packages = ()
            for package in packages:
                needed.setdefault(package, crate.name)
    return needed


def _own_bins(call: build.CargoCall, copied: set[str]) -> build.CargoCall:
    """``call`` narrowed to the binaries this stage copies: one ``cargo build --bin a --bin b``
    serves several images (a final stage each), and each needs only its own binary's
    libraries."""
    own = tuple(b for b in call.bins if b in copied)
    return replace(call, bins=own) if own and len(own) < len(call.bins) else call


_INSTALL_RE = re.compile(r"\bapt(?:-get)? install\b[^&\\\n]*")


def _add_to_install(file: Dockerfile, final: Stage, packages: list[str]) -> Fix | None:
    """Append ``packages`` to the first ``apt-get install`` line of the final stage's RUNs."""
    offsets = line_offsets(file.text)
    for inst in final.runs():
        for number in range(inst.line, inst.end_line + 1):
            start = offsets[number - 1]
            end = offsets[number] if number < len(offsets) else len(file.text)
            match = _INSTALL_RE.search(file.text, start, end)
            if match is None:
                continue
            at = match.end()
            while at > match.start() and file.text[at - 1] in " \t":
                at -= 1
            return Fix(f"install {' '.join(packages)} in the runtime",
                       (Edit(at, at, " " + " ".join(packages)),))
    return None


def _copied_packages(file: Dockerfile, final: Stage, release: str) -> set[str]:
    """Packages a stage the final stage copies from downloads or installs: each named one, and
    when a whole library directory is copied (``/usr/lib/x86_64-linux-gnu/``), everything apt
    installed there with its dependencies."""
    found: set[str] = set()
    for copy in final.copies():
        source = file.stage(copy.source_stage) if copy.source_stage else None
        if source is None:
            continue
        text = " ".join(i.value[0] if i.value else "" for s in source.ancestry() for i in s.runs())
        found |= {w.strip('"').split(":")[0] for w in text.split()}
        if any(_LIB_DIR_RE.match(path) for path in copy.sources):
            commands = build.ancestry_commands(file, source, None)
            found |= debian_deps.closure(facts.apt_packages(commands), release)
    return found


def _copied_shared_object(package: str, final: Stage) -> bool:
    """Whether the final stage copies a shared object of library ``package`` by name
    (``libpq.so.5`` or ``libpq.so*`` for ``libpq5``; ``libsqlite3.so.0`` for
    ``libsqlite3-0``)."""
    wanted = package.replace("-", "").replace("_", "")
    for copy in final.copies():
        for path in copy.sources:
            stem, so, _version = posixpath.basename(path).partition(".so")
            if so and stem.startswith("lib") and wanted.startswith(
                    stem.replace("-", "").replace("_", "")):
                return True
    return False


def _copies_shared_objects(final: Stage) -> bool:
    return any(".so" in posixpath.basename(path) for copy in final.copies()
               for path in copy.sources)


# A library directory copied whole (not one .so file): /lib, /usr/lib, /usr/lib/<multiarch>.
_LIB_DIR_RE = re.compile(r"^/(?:usr/)?lib(?:64)?(?:/[a-z0-9_]+-linux-gnu[a-z]*)?/?$")


