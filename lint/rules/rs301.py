"""RS301: the final image is not a compiler image."""

from __future__ import annotations

from rsdock.lint.analysis import build, dockerfacts as facts, images
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.image_rule import ImageStageRule
from rsdock.lint.rules.rule import Context


class RS301(ImageStageRule):
    """Ship the binary in a slim runtime stage, not in the Rust build image.

    The ``rust`` image is over a gigabyte of compiler, sources and caches that the program never
    uses and an attacker would love. Build in one stage, then ``COPY --from`` the binary into
    ``debian:bookworm-slim`` (or distroless, alpine, scratch for static binaries).

    Fails:
        FROM rust:1.95
        WORKDIR /app
        COPY . .
        RUN cargo build --release
        CMD ["/app/target/release/server"]

    Passes:
        FROM rust:1.95 AS builder
        WORKDIR /app
        COPY . .
        RUN cargo build --release

        FROM debian:bookworm-slim
        COPY --from=builder /app/target/release/server /usr/local/bin/server
        CMD ["/usr/local/bin/server"]
    """

    id = "RS301"
    name = "slim-runtime"
    severity = Severity.ERROR
    message = "add a runtime stage FROM debian:bookworm-slim and COPY --from the binary into it"

    def check_stage(self, file: Dockerfile, ctx: Context, final: Stage) -> list[Finding]:
        """The findings for one image stage (the last one, or a ``target:``)."""
        if final is None:
            return []
        if images.runs_cargo(final):
            return []  # `cargo run`/`cargo test`: a development or test target (compose's dev)
        image = facts.root_image(final)
        compiles = build.compiling_calls(file, final)
        if not compiles and _slim_sibling(file, ctx, final):
            return []  # a deliberate "full" variant: the same program also ships without it
        related: list[Related] = []
        if facts.is_compiler_image(image):
            why = f"the final image is built on {image}, a compiler image"
        elif compiles:
            why = "the final stage compiles"
            related = [Related(file.path, compiles[0].line, "cargo compiles here")]
        else:
            return []
        return [self.finding(file.path, final.from_.line, span=file.word_span(
            final.from_.line, final.base_raw), message=(
            f"{why}: build in a builder stage and COPY --from the binary into a runtime stage "
            "such as debian:bookworm-slim"), related=related)]


def _slim_sibling(file: Dockerfile, ctx: Context, final: Stage) -> bool:
    """Whether another image stage of ``file`` copies the same files from the same builder
    stage onto a base that is not a compiler image: the author ships the program without the
    compiler too, so this compiler image is a deliberate variant (a "full" image that compiles
    user code at run time), not the mistake this rule is about."""
    mine = {(c.source_stage, tuple(c.sources)) for c in final.copies() if c.source_stage}
    if not mine:
        return False
    for other in images.image_stages(ctx, file):
        if other is final or facts.is_compiler_image(facts.root_image(other)):
            continue
        theirs = {(c.source_stage, tuple(c.sources)) for c in other.copies() if c.source_stage}
        if mine <= theirs:
            return True
    return False
