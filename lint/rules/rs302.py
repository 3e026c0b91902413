"""RS302: the runtime has a CA bundle when the program talks TLS."""

from __future__ import annotations

import re
from pathlib import Path

from rsdock.lint.analysis import build, dockerfacts as facts, tls
from rsdock.lint.knowledge import debian, debian_deps, runtimes
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
    if "distroless" in name or name.startswith("cgr.dev/") or "alpine" in name:
        return "bundled"  # these ship a CA bundle already
    if re.search(r"(^|/)(debian|ubuntu)(:|$)", name) or "-slim" in name:
        return "install"
    return "unknown"


class RS302(ImageStageRule):
    r"""Install ``ca-certificates`` in a Debian runtime (or copy the bundle into scratch).

    ``debian:bookworm-slim`` and ``scratch`` carry no CA certificates, so every HTTPS or TLS
    connection fails with "unable to get local issuer certificate". Distroless and alpine
    images ship a bundle. When the workspace's ``Cargo.lock`` has no crate that reads the
    system store (native-tls, openssl, rustls-native-certs...), the check is skipped. A package
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
        if kind in ("bundled", "unknown") or not self._talks_tls(ctx):
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


def _under_etc_ssl(path: str) -> bool:
    """Whether a COPY path is the system certificate folder or inside it."""
    clean = path.rstrip("/")
    return clean in ("/etc/ssl", "/etc/ssl/certs") or clean.startswith("/etc/ssl/certs/") or \
        clean.startswith("/etc/ssl/") and "cert" in clean
