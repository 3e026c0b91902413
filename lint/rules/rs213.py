"""RS213: the toolchain file is in place before ``rustup target add``."""

from __future__ import annotations

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS213(DockerfileRule):
    """Copy ``rust-toolchain.toml`` in before ``rustup target add``, or the target misses it.

    The target must go to the toolchain cargo will run. With a toolchain file in the workspace, rustup switches to the toolchain it pins as soon as
    the file is in the working directory. A ``rustup target add`` that runs before ``COPY . .``
    brings the file in adds the target to the image's own toolchain; the later ``cargo build``
    runs the pinned one, which lacks it ("can't find crate for `core`"). Copy the toolchain file
    first (``COPY rust-toolchain.toml ./``), or use an image whose Rust is exactly the pinned
    channel.

    Fails:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        # file: src/main.rs
        fn main() {}
        # file: rust-toolchain.toml
        [toolchain]
        channel = "1.86.0"
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        WORKDIR /app
        RUN rustup target add aarch64-unknown-linux-gnu
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu

    Passes:
        # file: Cargo.toml
        [package]
        name = "server"
        version = "0.1.0"
        edition = "2021"
        # file: src/main.rs
        fn main() {}
        # file: rust-toolchain.toml
        [toolchain]
        channel = "1.86.0"
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        WORKDIR /app
        COPY rust-toolchain.toml ./
        RUN rustup target add aarch64-unknown-linux-gnu
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu
    """

    id = "RS213"
    name = "toolchain-file-before-rustup"
    severity = Severity.ERROR
    message = "COPY the toolchain file in before `rustup target add`"

    def check(self, file: Dockerfile, ctx: Context) -> list[Finding]:
        toolchain = getattr(ctx.workspace_for(file.path), "toolchain", None)
        if toolchain is None:
            return []
        found = []
        for stage in build.stages_running(file, "build"):
            chain = list(reversed(stage.ancestry()))
            root_version = facts.rust_version(chain[0].base) if chain else None
            if toolchain.channel and root_version == toolchain.channel:
                continue  # the image's toolchain is the pinned one
            brought = None  # (stage index, instruction line) of the first copy of the file
            for ancestor in chain:
                for copy in ancestor.copies():
                    if facts.is_context_copy(copy) and (facts.copies_everything(copy) or any(
                            s.rstrip("/").rsplit("/", 1)[-1] == toolchain.file
                            for s in copy.sources)):
                        brought = brought or copy.instruction.line
                for inst, command in build.simulate_stage(file, ancestor, None).commands():
                    argv = command.argv
                    if argv[:3] == ("rustup", "target", "add") and "--toolchain" not in argv \
                            and (brought is None or brought > inst.line):
                        found.append(self.finding(file.path, command.line, span=file.word_span(
                            command.line, "rustup target add", to_end=True), message=(
                            f"`rustup target add` runs before {toolchain.file} is copied in: "
                            f"the target goes to the image's Rust, and cargo then runs the "
                            f"pinned {toolchain.channel or 'toolchain'} without it; "
                            f"{self.message} (`COPY {toolchain.file} ./`)"), related=[
                                Related(file.path, brought, f"{toolchain.file} is copied in here")
                            ] if brought else []))
        return list(facts.unique(found))
