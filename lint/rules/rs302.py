"""RS302: the runtime has a CA bundle when the program talks TLS."""

from __future__ import annotations

import re
from pathlib import Path

from rsdock.lint.analysis import build, cdeps, dockerfacts as facts, images, tls
from rsdock.lint.knowledge import debian, debian_deps, runtimes
from rsdock.lint.model.cargo_features import DEFAULT, Request, resolve
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.image_rule import ImageStageRule
from rsdock.lint.rules.rule import Context

def _ca_handling(image: str) -> str:
    """How ``image`` gets a CA bundle: the runtime table's ``ca`` (``install``, ``bundled``,
    ``copy``) for the runtimes rsdock knows, a guess for other well-known bases, else
    ``unknown``."""
    known = runtimes.identify(image)
    if known is not None:
        return known[0].ca
    name = image.split("@")[0].lower()
    if facts.ships_ca_bundle(image):
        return "bundled"  # rust:1.75-slim-bookworm installs ca-certificates itself
    if "distroless" in name or name.startswith("cgr.dev/") or "alpine" in name:
        return "bundled"  # these ship a CA bundle already
    if re.search(r"(^|/)(debian|ubuntu)(:|$)", name) or "-slim" in name:
        return "install"
    return "unknown"


class RS302(ImageStageRule):
    r"""Install ``ca-certificates`` in a Debian runtime (or copy the bundle into scratch).

    ``debian:bookworm-slim`` and ``scratch`` carry no CA certificates, so every HTTPS or TLS
    connection fails with "unable to get local issuer certificate". Distroless and alpine
    images ship a bundle, and so do images that install one in their own layers (the official
    ``rust`` images, ``-slim`` included, and Microsoft's .NET images). When the binaries the
    image gets compile no crate that reads the system store (native-tls, openssl,
    rustls-native-certs...): resolved from ``Cargo.lock``, the members' features and the build's
    ``--features``, so bundled ``webpki-roots`` or a TLS crate only a dev-dependency brings does
    not count; the check is skipped. A runtime that copies a whole root file system holding a
    bundle (``COPY --from=base / /`` of a distroless stage, directly or through a stage that
    trims it) has one. A package
    that brings the bundle counts as installing it, following Debian's package lists
    (``lint/knowledge/debian_deps.json``): ``curl`` and ``git`` recommend ``ca-certificates``,
    so an ``apt-get install curl`` without ``--no-install-recommends`` installs it.

    Fails:
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends tini \
            && rm -rf /var/lib/apt/lists/*
        COPY --from=builder /app/target/release/server /usr/local/bin/server
        ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/server"]

    Passes:
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tini \
            && rm -rf /var/lib/apt/lists/*
        COPY --from=builder /app/target/release/server /usr/local/bin/server
        ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/server"]
    """

    id = "RS302"
    name = "ca-certificates"
    severity = Severity.WARNING
    message = "install ca-certificates in the runtime stage"

    def check_stage(self, file: Dockerfile, ctx: Context, final: Stage) -> list[Finding]:
        """The findings for one image stage (the last one, or a ``target:``)."""
        if final is None or len(file.stages) < 2:
            return []
        if facts.is_artifact_image(final):
            return []  # files to export, no program to make TLS connections
        kind = _ca_handling(facts.root_image(final))
        if kind in ("bundled", "unknown"):
            return []
        talks = _image_reads_system_store(file, ctx, final)
        if talks is None:
            talks = self._talks_tls(ctx)
        if not talks:
            return []
        commands = build.ancestry_commands(file, final, None)
        installed = facts.apt_packages(commands)
        release = debian.of_image(facts.root_image(final))
        if "ca-certificates" in installed or installed and "ca-certificates" in \
                debian_deps.closure(installed, release.codename if release else "bookworm",
                                    recommends=facts.apt_installs_recommends(commands)):
            return []  # installed, or pulled in (curl and git recommend it: Debian's lists)
        for stage in final.ancestry():
            for copy in stage.copies():
                if any("ca-certificates" in p or _under_etc_ssl(p)
                       for p in (*copy.sources, copy.dest)):
                    return []  # the bundle, or all of /etc/ssl (restate's `COPY /etc/ssl`)
                whole = facts.copied_root_image(file, copy)
                if whole is not None and _ca_handling(whole) == "bundled":
                    return []  # a whole distroless root copied in brings its bundle along
        if kind == "copy":
            image = facts.root_image(final)
            text = (f"{image} has no CA bundle, so TLS connections fail: add `COPY "
                    "--from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/`")
        else:
            text = ("the runtime has no CA certificates, so TLS connections fail: add "
                    "ca-certificates to its apt-get install")
        return [self.finding(file.path, final.from_.line, message=text,
                             span=file.word_span(final.from_.line, final.base_raw))]

    def _talks_tls(self, ctx: Context) -> bool:
        # Cargo.lock is read once per run, not once per Dockerfile: the engine makes one
        # instance of each rule per run and checks every Dockerfile with it.
        known: dict[Path, bool] = self.__dict__.setdefault("_talks_tls_by_root", {})
        if ctx.root not in known:
            known[ctx.root] = tls.lock_reads_system_store(ctx.root)
        return known[ctx.root]


def _image_reads_system_store(file: Dockerfile, ctx: Context, final: Stage) -> bool | None:
    """Whether the binaries the image copies from its build stages compile a crate that reads
    the system certificate store, resolved like cargo's feature resolver from the members'
    manifests and each ``cargo build``'s features (a client on bundled webpki-roots, a TLS
    crate only a dev-dependency or an off feature brings, does not). None when it cannot be
    told: no Cargo.lock, or no build of a workspace package is copied in. A binary copied
    in from no build (a release download) named like a workspace binary is judged with the
    package's default features."""
    workspace = ctx.workspace_for(file.path)
    lock = getattr(workspace, "lock", None)
    if workspace is None or lock is None:
        return None
    calls = []
    for copy in final.copies():
        source = file.stage(copy.source_stage) if copy.source_stage else None
        # `FROM ${TARGETARCH} AS builder`: each platform's stage is a candidate
        for stage in [source, *source.candidates] if source is not None else []:
            calls += [c for c in build.stage_calls(file, stage, None, ancestry=True)
                      if c.action in ("build", "install")]
    builds: list[tuple[str, Request]] = [
        (package, cdeps.call_request(call, package))
        for call in calls for package in cdeps.packages_built(workspace, [call])]
    if not calls:  # a binary built elsewhere (a release download) named like one of ours
        copied = images.program_names(final)
        builds = [(p.name, DEFAULT) for p, target in workspace.native_binaries
                  if target.name in copied]
    manifests = cdeps.member_manifests(workspace)
    resolved = False
    for package, request in dict.fromkeys(builds):
        if lock.member(package) is None:
            continue  # a stale or foreign lock: nothing to resolve from
        resolved = True
        guessed: set[str] = set()
        compiled = resolve(lock, package, request, manifests, guessed=guessed)
        # as RS309 does: a crate reached only by assuming an unknown dependent turns on every
        # feature of its dependencies (actix-files asking actix-web for openssl) is left out
        if tls.SYSTEM_STORE_CRATES & (set(compiled) - guessed):
            return True
    return False if resolved else None


def _under_etc_ssl(path: str) -> bool:
    """Whether a COPY path is the system certificate folder or inside it."""
    clean = path.rstrip("/")
    return clean in ("/etc/ssl", "/etc/ssl/certs") or clean.startswith("/etc/ssl/certs/") or \
        clean.startswith("/etc/ssl/") and "cert" in clean
