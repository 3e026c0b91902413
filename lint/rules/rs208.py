"""RS208: a variable set in one RUN is read in another."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule

# Set by the base images (rust, debian) or the shell: reading them in any RUN is fine.
_IMAGE_VARS = {"PATH", "HOME", "CARGO_HOME", "RUSTUP_HOME", "RUST_VERSION", "USER", "PWD",
               "SHELL", "LANG", "HOSTNAME", "TERM", "OLDPWD", "IFS"}


class RS208(DockerfileRule):
    r"""Do not read a shell variable that only an earlier RUN set.

    Every RUN starts a new shell, so ``export RUST_TARGET=...`` in one RUN is empty in the next:
    ``cargo build --target $RUST_TARGET`` then builds for the build machine. Set it with
    ``ENV``/``ARG``, recompute it in the RUN that needs it, or write it to a file and read that.

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) export RUST_TARGET=x86_64-unknown-linux-gnu ;; \
              *) exit 1 ;; \
            esac
        RUN cargo build --release --target "$RUST_TARGET"

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ARG TARGETPLATFORM
        RUN case "$TARGETPLATFORM" in \
              linux/amd64) export RUST_TARGET=x86_64-unknown-linux-gnu ;; \
              *) exit 1 ;; \
            esac && \
            cargo build --release --target "$RUST_TARGET"
    """

    id = "RS208"
    name = "variable-lost-between-runs"
    severity = Severity.ERROR
    message = "set the variable with ENV or in the RUN that reads it: each RUN is a new shell"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        for stage in file.stages:
            for platform in build.platforms_of(file, stage):
                setters: dict[str, int] = {}
                runs = [r for s in reversed(stage.ancestry())
                        for r in build.simulate_stage(file, s, platform).runs]
                own = {id(i) for i in stage.instructions}
                for result in runs:
                    for outcome in result.outcomes:
                        for command in outcome.commands:
                            for name in sorted(command.unset - _IMAGE_VARS):
                                if name in setters and id(result.instruction) in own:
                                    found.append(self.finding(
                                        file.path, command.line, span=file.word_span(
                                            command.line, "${" + name, "$" + name), message=(
                                        f"${name} was set in an earlier RUN, "
                                        "but each RUN starts a new shell, so it is empty here: "
                                        "use ENV or set it in this RUN"), related=[Related(
                                            file.path, setters[name], f"${name} is set here")]))
                    for outcome in result.outcomes:
                        for name in outcome.variables:
                            setters.setdefault(name, result.instruction.line)
                # Only names no ENV or ARG provides reach `unset`, so a setter is a real loss.
        return list(facts.unique(found))
