"""RS305: COPY --from takes the binary from where the build wrote it."""

from __future__ import annotations

import posixpath
from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.analysis import images, writes
from rsdock.lint.model.dockerfile import image_name
from rsdock.lint.analysis.build import platform_args
from rsdock.lint.model.dockerfile import Copy, Dockerfile, Stage, expand
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.model.paths import glob_match
from rsdock.lint.rules.rule import Context, DockerfileRule
from rsdock.records import replace


class RS305(DockerfileRule):
    r"""Copy the binary from where the build wrote it: ``target/<triple>/release/`` with --target.

    ``cargo build --release --target aarch64-unknown-linux-gnu`` writes
    ``target/aarch64-unknown-linux-gnu/release/<bin>``, not ``target/release/<bin>``; a
    snippet that copies the latter fails the build with "not found". When the
    triple differs per platform, copy the binary to a fixed path in the builder's RUN
    (``cp target/$TRIPLE/release/app /app/app``) and ``COPY --from`` that path.

    Any other path a ``COPY --from`` names must be one the source stage wrote: a ``cp`` to
    ``/out/app`` and a ``COPY --from=builder /out/ap`` fail the build with "not found". That
    is checked when every write of the stage is understood (each RUN command one whose effect
    on files is known, no unreadable sourced file) and the path lies in a folder the stage
    made itself (``mkdir``, ``WORKDIR``) outside the folders a base image has (``/usr``,
    ``/etc``...), on a known base image.

    When the builder compiles through ``make``, ``just`` or a script, rsdock cannot see where
    the binary goes: it says so as info, never as an error. Nor can it when cargo runs in a
    working directory the base image sets (no WORKDIR in the file, a base rsdock does not know).
    ``--examples`` and ``--example <name>`` write to ``<profile>/examples/``.

    Fails:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
            && rustup target add aarch64-unknown-linux-gnu
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu --bin server

        FROM debian:bookworm-slim
        COPY --from=builder /app/target/release/server /usr/local/bin/server

    Passes:
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
            && rustup target add aarch64-unknown-linux-gnu
        WORKDIR /app
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu --bin server

        FROM debian:bookworm-slim
        COPY --from=builder /app/target/aarch64-unknown-linux-gnu/release/server /usr/local/bin/server
    """

    id = "RS305"
    name = "copy-build-output"
    severity = Severity.ERROR
    message = "COPY --from the path the build wrote (target/<triple>/release/<bin> with --target)"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        workspace = ctx.workspace_for(file.path)
        bin_names = set(workspace.bin_names) if workspace is not None else None
        member_dirs = tuple(m.dir for m in workspace.members if m.dir not in ("", ".")) \
            if workspace is not None else ()
        for stage in file.stages:
            for copy in stage.copies():
                source = file.stage(copy.source_stage) if copy.source_stage else None
                if source is None:
                    continue
                hidden = False
                platforms = build.platforms_of(file, source)
                unwritten: dict[str, list[tuple[str | None, str, int]]] = {}
                for platform in platforms:
                    outputs = self._outputs(file, source, platform, bin_names,
                                            _target_dir(ctx), member_dirs)
                    if outputs is not None and not outputs and not hidden:
                        found += self._hidden(file, source, copy)
                        hidden = True  # no cargo build seen: the build is hidden, or elsewhere
                    values = stage.vars_before(copy.instruction, platform_args(platform))
                    where = f" for {platform}" if platform else ""
                    for src in copy.sources:
                        path = posixpath.normpath(posixpath.join("/", expand(src, values)))
                        if "$" in path:
                            continue
                        if "/target/" in path + "/" or outputs and any(
                                path == posixpath.dirname(o) for o in outputs):
                            if not outputs or any(_matches(path, o) for o in outputs):
                                continue  # unknown outputs, or the path the build wrote
                            wrote = ", ".join(sorted(outputs)[:3]) or "nothing it copies"
                            built = _build_line(file, source, platform)
                            found.append(self.finding(
                                file.path, copy.instruction.line,
                                span=file.span(copy.instruction.line, src), message=(
                                    f"{src} is not where stage {source.label} wrote the binary"
                                    f"{where} (it wrote {wrote}): copy that path, or cp the "
                                    "binary to a fixed path in the builder and copy it from "
                                    "there"), related=[Related(file.path, built, "the build "
                                                               "writes here")] if built else []))
                            continue
                        message, made_at = _never_written(file, source, platform, path)
                        if message:
                            unwritten.setdefault(src, []).append((platform, message, made_at))
                for src, misses in unwritten.items():
                    # once, when every platform misses it; else per platform
                    everywhere = len(misses) == len(platforms)
                    for platform, message, made_at in misses[:1] if everywhere else misses:
                        where = "" if everywhere or platform is None else f" for {platform}"
                        found.append(self.finding(
                            file.path, copy.instruction.line,
                            span=file.span(copy.instruction.line, src), message=(
                            f"{src} is never written in stage {source.label}{where}: "
                            + message), related=[Related(file.path, made_at,
                                                         "the folder is made here")]))
        return facts.merge_by_line(found)

    def _hidden(self, file: Dockerfile, source: Stage, copy: Copy) -> list[Finding]:
        """At most an info finding when the binary comes from make, just or a script: rsdock
        cannot see where such a build writes, so it cannot call the COPY wrong."""
        line = next((images.opaque_build_line(file, s) for s in source.ancestry()
                     if images.opaque_build_line(file, s)), None)
        if line is None or not any("/target/" in "/" + s for s in copy.sources):
            return []
        finding = self.finding(file.path, copy.instruction.line, span=file.word_span(
            copy.instruction.line, *[s for s in copy.sources if "/target/" in "/" + s]), message=(
            f"stage {source.label} builds through make, just or a script, so "
            "rsdock cannot check that this is where the binary is written: make sure the script "
            "writes it there"), related=[Related(file.path, line, "the build runs here")])
        return [replace(finding, severity=Severity.INFO)]

    def _outputs(self, file: Dockerfile, stage: Stage, platform: str | None,
                 bin_names: set[str] | None, default_dir: str = "target",
                 member_dirs: tuple[str, ...] = ()) -> set[str] | None:
        outputs: set[str] = set()
        for ancestor in reversed(stage.ancestry()):
            for call in build.stage_calls(file, ancestor, platform):
                if call.action not in ("build", "install") or not call.builds_project:
                    continue
                if call.target and not call.target_known or (
                        call.tool == "xx-cargo" and not call.target):
                    return None  # xx-cargo adds the --target itself
                names = call.bins or (tuple(bin_names) if bin_names is not None else ("*",))
                if call.action == "install":
                    root = call.options.get("root") or call.command.env.get(
                        "CARGO_INSTALL_ROOT", call.command.env.get("CARGO_HOME", facts.CARGO_HOME))
                    directory = posixpath.join(root, "bin")
                else:
                    chosen = call.options.get("target-dir") or call.command.env.get(
                        "CARGO_TARGET_DIR")
                    if not (chosen or "").startswith("/") and not _workdir_known(ancestor):
                        return None  # built in a WORKDIR the base image sets: not known here
                    here = call.command.cwd  # WORKDIR, then a `cd` in the RUN
                    bases = [posixpath.join(here, chosen or default_dir)]
                    if not chosen:  # a member built in its folder writes the workspace's target/
                        bases += [posixpath.join(root, default_dir) for root in
                                  _workspace_roots(file, ancestor, here, member_dirs)]
                    directory = ""
                    for base in bases:
                        parts = [base, call.target] if call.target else [base]
                        directory = posixpath.join(*parts, call.profile_dir)
                        outputs |= {posixpath.normpath(posixpath.join(directory, n))
                                    for n in names}
                        examples = call.options.get("example", "").split()
                        if "examples" in call.flags or examples:  # `--examples`, `--example x`
                            outputs |= {posixpath.normpath(posixpath.join(directory, "examples", n))
                                        for n in examples or ["*"]}
                        if call.action == "build":
                            outputs.add(posixpath.normpath(posixpath.join(directory, "lib*.so")))
                    continue
                outputs |= {posixpath.normpath(posixpath.join(directory, n)) for n in names}
                if call.action == "build":
                    # a cdylib package writes lib<name>.so beside the binaries
                    outputs.add(posixpath.normpath(posixpath.join(directory, "lib*.so")))
            outputs |= self._moved(file, ancestor, platform, outputs)
        return outputs

    @staticmethod
    def _moved(file: Dockerfile, stage: Stage, platform: str | None,
               outputs: set[str]) -> set[str]:
        """Where ``cp``/``mv``/``install`` put build outputs afterwards."""
        moved: set[str] = set()
        for _inst, command in build.simulate_stage(file, stage, platform).commands():
            argv = [w for w in command.argv if not w.startswith("-")]
            if len(argv) < 3 or argv[0] not in ("cp", "mv", "install", "ln"):
                continue
            here = command.cwd  # WORKDIR, then a `cd` in the RUN
            dest = posixpath.normpath(posixpath.join(here, argv[-1]))
            for src in argv[1:-1]:
                src_path = posixpath.normpath(posixpath.join(here, src))
                if "$" in src_path:
                    return {"*"}  # unresolved: accept anything rather than guess
                for output in outputs | moved:
                    if _matches(output, src_path) or _matches(src_path, output):
                        name = posixpath.basename(output)
                        moved |= {dest, posixpath.join(dest, name)}
        return moved


def _workdir_known(stage: Stage) -> bool:
    """Whether the working directory of ``stage`` is known: a WORKDIR of its own or of a stage it
    is built FROM, or a base image rsdock knows to start in ``/`` (a builder image of the
    project's own, ``ghcr.io/build-trust/ockam-builder``, may set any WORKDIR)."""
    if any(inst.cmd == "WORKDIR" for ancestor in stage.ancestry() for inst in ancestor.instructions):
        return True
    root = facts.root_image(stage)
    return "$" not in root and image_name(root)[0] in writes.KNOWN_BASES


def _build_line(file: Dockerfile, stage: Stage, platform: str | None) -> int:
    """The line of the last cargo build or install of the project in ``stage``'s ancestry
    (the one whose output a COPY --from takes), or 0."""
    lines = [call.line for ancestor in reversed(stage.ancestry())
             for call in build.stage_calls(file, ancestor, platform)
             if call.action in ("build", "install") and call.builds_project]
    return lines[-1] if lines else 0


def _never_written(file: Dockerfile, source: Stage, platform: str | None,
                   path: str) -> tuple[str, int]:
    """Why ``path`` cannot exist in ``source`` (empty when it can, or when that is not known),
    and the line that made its folder: every write of the stage is understood, and the path
    lies in a folder the stage made."""
    known = writes.stage_writes(file, source, platform)
    if known is None or known.covers(path):
        return "", 0
    made = known.creator(path)
    if made is None:
        return "", 0
    folder, line = made
    there = [p for p in known.under(folder) if p.count("/") == folder.count("/") + 1]
    what = ", ".join(there[:3]) + (f" and {len(there) - 3} more" if len(there) > 3 else "")
    return (f"it makes {folder} and "
            f"writes {'only ' + what if what else 'nothing'} there, so the COPY fails with "
            "\"not found\""), line


def _workspace_roots(file: Dockerfile, stage: Stage, workdir: str,
                     member_dirs: tuple[str, ...]) -> list[str]:
    """The folders above ``workdir`` that hold the workspace root when cargo runs there: ``workdir``
    ends with a member's folder (``/oxigraph/cli`` for the member ``cli``) and the stage (or one
    it is built FROM) copied the root manifest into what remains (``COPY . /oxigraph``,
    ``COPY Cargo.toml ./``), so cargo writes the workspace's ``target/``, not the member's."""
    roots = []
    for member in member_dirs:
        suffix = "/" + member.strip("/")
        if not workdir.rstrip("/").endswith(suffix):
            continue
        root = workdir.rstrip("/")[: -len(suffix)] or "/"
        for ancestor in stage.ancestry():
            for copy in ancestor.copies():
                if copy.source_stage is not None:
                    continue
                dest = posixpath.normpath(posixpath.join(
                    facts.workdir(ancestor, copy.instruction), copy.dest))
                whole = any(src.rstrip("/") in (".", "", "./") for src in copy.sources)
                manifest = any(posixpath.basename(src) == "Cargo.toml" and
                               posixpath.dirname(src.lstrip("./")) == "" for src in copy.sources)
                if dest == root and (whole or manifest) or \
                        manifest and dest == posixpath.join(root, "Cargo.toml"):
                    roots.append(root)
    return list(dict.fromkeys(roots))


def _target_dir(ctx: Context) -> str:
    """Where cargo writes by default in an image of this workspace: its root's
    ``.cargo/config.toml`` ``target-dir`` (``COPY . .`` brings it along), else ``target``."""
    workspace = ctx.workspace
    return workspace.target_dir if workspace is not None else "target"


def _matches(path: str, output: str) -> bool:
    """Whether ``path`` (a COPY source, maybe a glob or a directory) covers ``output``."""
    if output == "*":
        return True
    if glob_match(output, path) or glob_match(path, output):
        return True
    # Both sides may be globs (`target/*-musl/release/app` against `target/<triple>/release/*`
    # when the binary name is unknown): they meet when every segment pair does.
    mine, theirs = path.split("/"), output.split("/")
    if len(mine) == len(theirs) and all(glob_match(a, b) or glob_match(b, a)
                                        for a, b in zip(mine, theirs)):
        return True
    return output.startswith(path.rstrip("/") + "/")
