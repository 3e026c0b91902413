"""What each Dockerfile is and how it is built: the model the runtime and context rules ask.

A repository's Dockerfiles are not all production images. Runtime advice (slim base, CA bundle,
init, non-root user, a .dockerignore for the context) is about an image that ships a Rust
program built here; a devcontainer, a toolchain image (a compiler for CI), a test or CI helper
or a fixture is judged by other standards, and flagging it is a false alarm.

:func:`builds` says which context and ignore file each build uses and whether it is pushed:
what the workflows build and publish (:mod:`rsdock.lint.analysis.publication`: build-push steps,
bake, compose, ``docker build``/``push`` in ``run:`` steps and the scripts and composite actions
they call), docker compose files and bake files. A Dockerfile nothing names is built from the
nearest folder above it with a ``.dockerignore`` (the repository root without one).

:func:`kind` decides per Dockerfile, asking what the repository does with it before what it is
called:

1. ``devcontainer`` (``.devcontainer/``, the spec's own folder) and Windows containers
   (``other``: Linux runtime advice does not apply) first; an endpoint of a test harness (FROM
   a base of ``dockerfacts.HARNESS_BASES``, the QUIC interop runner's) is ``test``;
2. ``toolchain`` from the content: the final image is a Rust build environment that compiles
   nothing and runs no program it was given (a compiler image that runs a binary copied into it
   is RS301's case, a production image);
3. **published** (something pushes it off the runner): ``production``; only a published image
   that runs no program at all may still be called a build-tools image by its name;
4. not published: an image of another language (Go, Java, Python, node: ``other``) is not a Rust
   runtime; a Dockerfile under a test, fixture or example folder is ``test``; one the automation
   builds but never pushes is ``test`` or ``toolchain`` when its name says so (``Dockerfile.ci``,
   ``docker/cross/``): the name breaks the tie, it never decides alone; an image whose command
   runs cargo is ``test``, one that gets no program ``helper``; anything else ``production``.
"""

from __future__ import annotations

import posixpath
import re

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.analysis import build as cargo_build
from rsdock.lint.analysis import dockerfacts as facts
from rsdock.lint.analysis import publication
from rsdock.lint.model.context import Context
from rsdock.lint.model.dockerfile import Dockerfile, Instruction, Stage, image_name
from rsdock.lint.model.paths import context_source, leaves_root
from rsdock.records import field, record, replace

PRODUCTION, DEVCONTAINER, TEST, TOOLCHAIN, HELPER, OTHER = (
    "production", "devcontainer", "test", "toolchain", "helper", "other")
# Folders whose Dockerfiles serve tests, CI, examples or docs, not users.
TEST_DIRS = frozenset({
    "test", "tests", "testing", "testdata", "test-data", "test_data", "test_runner", "fixtures",
    "fixture", "integration", "integration_tests", "integration-tests", "e2e", "regression",
    "examples", "example", "bench", "benches", "benchmark", "benchmarks", "fuzz", "playwright", "harness",
    "chaos", "meta-chaos", "tilt", "website", "docs", "scripts", ".github", ".agents", ".ci",
    "runner-scale-sets", "testbed",
})
# Name parts that mark a test or development image (`Dockerfile.test`, `e2e.Dockerfile`).
TEST_NAME_RE = re.compile(r"(?:^|[._-])(?:tests?|fuzz(?:tests?)?|e2e|ci-test|bench|example|"
                          r"helper|mock|fixture)"
                          r"(?:$|[._-])", re.IGNORECASE)
TOOLCHAIN_NAME_RE = re.compile(r"(?:^|[/._-])(?:build-?tools?|dev-?builder|builder|cross(?:-images)?|"
                               r"toolchain|sccache|dev|ci)(?:$|[/._-])", re.IGNORECASE)
_RUSTUP_RE = re.compile(r"sh\.rustup\.rs|rustup-init|\brustup\s+(?:toolchain\s+install|default)")


@record(frozen=True)
class Build:
    """One way the repository builds a Dockerfile.

    Attributes:
        dockerfile: the Dockerfile, relative to the repository root.
        context: the build context folder, relative to the repository root (``.``).
        source: what says so: ``workflow``, ``compose``, ``bake`` or ``default`` (nothing did).
        where: the file that says so ("" for ``default``).
        overrides_entrypoint: a compose service sets ``entrypoint:`` or ``init:`` for it.
        publishes: a workflow pushes the image it builds.
        target: the stage it builds (a workflow's ``target:``, compose's ``build.target``), ""
            for the last one.
        tags: the names a workflow tags the image with, as written.
        args: the build-args it passes (``NAME``, value as written; ``${{ ... }}`` or
            ``$NAME`` when only the build knows it).
    """

    dockerfile: str
    context: str
    source: str
    where: str = ""
    overrides_entrypoint: bool = False
    publishes: bool = False
    target: str = ""
    tags: tuple[str, ...] = ()
    args: tuple[tuple[str, str], ...] = ()


@record(frozen=True)
class ImageKind:
    """What a Dockerfile is, and why rsdock thinks so."""

    kind: str
    reason: str

    @property
    def production(self) -> bool:
        """Whether runtime advice applies: the image ships a program built here."""
        return self.kind == PRODUCTION


@record
class _Model:
    builds: list[Build] = field(default_factory=list)
    kinds: dict[str, ImageKind] = field(default_factory=dict)


def _model(ctx: Context) -> _Model:
    if "images" not in ctx.memo:
        ctx.memo["images"] = _Model(_collect(ctx))
    model: _Model = ctx.memo["images"]
    return model


def builds(ctx: Context) -> list[Build]:
    """Every build the repository describes, plus a default one for each other Dockerfile."""
    return _model(ctx).builds


def builds_of(ctx: Context, dockerfile: str) -> list[Build]:
    """The builds of ``dockerfile``."""
    return [b for b in builds(ctx) if b.dockerfile == dockerfile]


def contexts(ctx: Context) -> list[tuple[str, str]]:
    """Sorted unique (Dockerfile, context) pairs (what RS504 and RS505 check)."""
    return sorted({(b.dockerfile, b.context) for b in builds(ctx)})


def kind(ctx: Context, model: Dockerfile) -> ImageKind:
    """What the Dockerfile ``model`` is (memoised per run)."""
    cache = _model(ctx).kinds
    if model.path not in cache:
        cache[model.path] = _kind(ctx, model)
    return cache[model.path]


def image_stages(ctx: Context | None, model: Dockerfile) -> list[Stage]:
    """The stages of ``model`` that become images, in file order: each ``target:`` a build of
    it names (one Dockerfile for many images: a final stage per image), and its last stage when
    a build names none or nothing names the file. What the runtime rules judge."""
    mine = builds_of(ctx, model.path) if ctx is not None else []
    found: dict[int, Stage] = {}
    targeted = False
    for item in mine:
        stage = model.stage(item.target) if item.target else None
        if stage is None:
            continue
        targeted = True
        if facts.is_harness_base(facts.root_image(stage)):
            continue  # a test harness's endpoint (the QUIC interop runner's), not a runtime
        pushed = any(b.publishes for b in mine if b.target == item.target)
        if not pushed and stage is not model.final_stage and (
                cargo_build.is_build_image(model, stage) or _is_toolchain(model, stage)):
            continue  # a build environment built to run or export from (`--target builder`,
            # a compose dev target running cargo watch), not a runtime
        found[stage.index] = stage
    if model.final_stage is not None and (not targeted or any(not b.target for b in mine)):
        found[model.final_stage.index] = model.final_stage
    return [found[index] for index in sorted(found)]


def is_production(ctx: Context, model: Dockerfile) -> bool:
    """Whether runtime rules should judge ``model``."""
    return kind(ctx, model).production


def _kind(ctx: Context, model: Dockerfile) -> ImageKind:
    path = model.path
    folders = path.split("/")[:-1]
    name = path.rsplit("/", 1)[-1]
    if ".devcontainer" in folders or "devcontainer" in name.lower():
        return ImageKind(DEVCONTAINER, "a devcontainer: a development environment")
    final = model.final_stage
    if final is None:
        return ImageKind(HELPER, "no stage")
    if _is_windows(final):
        return ImageKind(OTHER, "a Windows container: Linux runtime advice does not apply")
    if _is_toolchain(model, final):
        return ImageKind(TOOLCHAIN, "the final image is a Rust build environment that runs no "
                                    "program built here")
    mine = builds_of(ctx, path) if ctx is not None else []
    if facts.is_harness_base(facts.root_image(final)) and not any(
            (stage := model.stage(b.target)) is not None and
            not facts.is_harness_base(facts.root_image(stage)) for b in mine if b.target):
        # (a build of another stage of the file, quiche's published quiche-base, is judged)
        return ImageKind(TEST, f"an endpoint of a test harness (FROM {facts.root_image(final)}"
                               "): the harness starts and stops it, no user runs it")
    runs_program = any(s.of("ENTRYPOINT") or s.of("CMD") for s in final.ancestry())
    if _keeps_alive(final):
        return ImageKind(HELPER, "its command only keeps the container alive (sleep infinity): "
                                 "programs run in it through docker exec, not as its service")
    if _runs_given_command(ctx, model, final) and _installs_build_tools(final) and \
            not _copies_program(final) and not cargo_build.compiling_calls(model, final):
        return ImageKind(TOOLCHAIN, "a build environment: it installs compilers and its "
                                    "entrypoint only runs the command it is given")
    if any(b.publishes for b in mine):
        if not runs_program and TOOLCHAIN_NAME_RE.search(path) and \
                not _ships_binary(model, final):
            return ImageKind(TOOLCHAIN, "a published build-tools image: it runs no program")
        return ImageKind(PRODUCTION, "ships a program a workflow publishes")
    language = _other_language(model)
    if language:
        return ImageKind(OTHER, f"a {language} image nothing publishes: not a Rust runtime")
    base = facts.root_image(final)
    if not _has_rust_trace(model) and not _is_os_base(base) and not _copies_program(final):
        return ImageKind(OTHER, f"an image of {base} nothing publishes, with no Rust in it: "
                                "another program's image (a database, a web UI)")
    if not _built_somewhere(mine) and not _has_rust_trace(model) and _bare_shell(final) and \
            not _copies_program(final):
        return ImageKind(HELPER, "nothing builds it, no Rust is in it, and it starts a bare "
                                 "shell: a toolbox people run commands in, not a runtime")
    test_dirs = [f for f in folders if f.lower() in TEST_DIRS]
    if test_dirs:
        return ImageKind(TEST, f"a test, CI or example image (under {test_dirs[0]}/)")
    built = [b for b in mine if b.source != "default"]
    if built and ctx is not None and all(b.source == "workflow" for b in built):
        # only CI builds it (no compose file users run), and it ships what another image does
        twin = _published_twin(ctx, model, final)
        if twin:
            return ImageKind(TEST, f"built by {built[0].where} but never pushed; the "
                                   f"repository publishes the same program with {twin}")
    if built and _ships_test_binary(model, final):
        return ImageKind(TEST, f"built by {built[0].where} but never pushed, and what it ships "
                               "is compiled by `cargo test --no-run`: a test image")
    stem = re.sub(r"(?i)\.?dockerfile\.?", ".", name).strip(".")
    if built and TEST_NAME_RE.search(stem):
        return ImageKind(TEST, f"built by {built[0].where} but never pushed, and named {name}")
    tagged = [t for b in built for t in b.tags if TEST_NAME_RE.search(image_name(t)[0])
              or TEST_NAME_RE.search(image_name(t)[1])]
    if tagged:
        return ImageKind(TEST, f"built by {built[0].where} but never pushed, and tagged "
                               f"{tagged[0]}")
    if built and TOOLCHAIN_NAME_RE.search(path) and not _ships_binary(model, final):
        return ImageKind(TOOLCHAIN, f"built by {built[0].where} but never pushed: a build-tools "
                                    "image")
    if runs_cargo(final):
        return ImageKind(TEST, "its command runs cargo: a test or development image")
    if not _ships_binary(model, final):
        return ImageKind(HELPER, "builds and copies in no program")
    return ImageKind(PRODUCTION, "ships a program")


_KEEP_ALIVE_RE = re.compile(r"^(?:sleep\s+(?:infinity|inf)|tail\s+-f\s+/dev/null)$")


def _ships_test_binary(model: Dockerfile, final: Stage) -> bool:
    """Whether the stages ``final`` copies from compile only tests (``cargo test --no-run``,
    a cook for their dependencies), so the program it runs is a test harness."""
    sources = {c.source_stage for s in final.ancestry() for c in s.copies() if c.source_stage}
    calls = [c for label in sorted(sources) if (stage := model.stage(label)) is not None
             for c in cargo_build.stage_calls(model, stage, None, ancestry=True)]
    return any(c.action == "test" for c in calls) and not any(
        c.builds_project and c.action != "cook" for c in calls)


def _built_somewhere(mine: list[Build]) -> bool:
    """Whether a workflow, compose or bake file builds the Dockerfile (not only the default)."""
    return any(b.source != "default" for b in mine)


def _bare_shell(final: Stage) -> bool:
    """Whether the image starts an interactive shell and nothing else: ``ENTRYPOINT
    ["/bin/bash"]`` or ``CMD ["bash"]`` with no arguments (a debug toolbox)."""
    chain = final.ancestry()
    entry = [i for s in chain for i in s.of("ENTRYPOINT")][-1:]
    command = [i for s in chain for i in s.of("CMD")][-1:]
    started = entry or command
    if not started or (entry and command):
        return False
    words = started[0].value if started[0].json else " ".join(started[0].value).split()
    return len(words) == 1 and posixpath.basename(words[0].strip("\"'")) in (
        "sh", "bash", "dash", "zsh", "ash")


def _keeps_alive(final: Stage) -> bool:
    """Whether the image's command only keeps the container running (``sleep infinity``,
    ``tail -f /dev/null``), with no ENTRYPOINT before it: a workbench to exec into."""
    chain = final.ancestry()
    if any(s.of("ENTRYPOINT") for s in chain):
        return False
    last = next((i for s in chain for i in reversed(s.of("CMD"))), None)
    if last is None or not last.value:
        return False
    words = list(last.value) if last.json else " ".join(last.value).split()
    if words[:2] in (["sh", "-c"], ["/bin/sh", "-c"], ["bash", "-c"]):
        words = " ".join(words[2:]).split()
    return bool(_KEEP_ALIVE_RE.match(" ".join(w.strip("\"'") for w in words)))


_EXEC_ARGS_RE = re.compile(r"(?m)^\s*exec\s+\"\$@\"\s*$")


def _runs_given_command(ctx: Context | None, model: Dockerfile, final: Stage) -> bool:
    """Whether the image runs only the command it is given: no CMD, and an ENTRYPOINT that is
    a script ending in ``exec "$@"`` (setting up an environment first)."""
    chain = final.ancestry()
    if any(s.of("CMD") for s in chain) or not any(s.of("ENTRYPOINT") for s in chain):
        return False
    script = entrypoint_script(ctx, model) if ctx is not None else None
    if script is None:
        return False
    lines = [line.strip() for line in script.splitlines() if line.strip()
             and not line.strip().startswith("#")]
    return bool(lines) and bool(_EXEC_ARGS_RE.match(lines[-1]))


_BUILD_TOOLS_RE = re.compile(r"(?:^|[\s;&|(])(?:apt-get|apt|apk|yum|dnf|microdnf|zypper)\b[^;&|]*"
                             r"\s(?:add|install)\b[^;&|]*\s(?:gcc|g\+\+|clang|cmake3?|make|"
                             r"build-essential|cargo|rustc|rust|musl-gcc|"
                             r"devtoolset-\d+-gcc)(?=[\s\\]|$)")


def _installs_build_tools(final: Stage) -> bool:
    """Whether the image installs a compiler or build system with its package manager."""
    return any(_BUILD_TOOLS_RE.search(inst.original.replace("\\\n", " "))
               for stage in final.ancestry() for inst in stage.runs())


def program_names(final: Stage) -> set[str]:
    """The names of the programs copied into the image's bin folders, or from another stage
    into the image's working directory (``COPY --from=builder /app-bin ./``, run as
    ``./app-bin``); a relative destination is resolved against the WORKDIR of its COPY."""
    names: set[str] = set()
    home = facts.workdir(final, None)
    for stage in final.ancestry():
        for copy in stage.copies():
            if copy.instruction.heredocs:
                continue
            dest = posixpath.normpath(posixpath.join(
                facts.workdir(stage, copy.instruction), copy.dest))
            into = dest if copy.dest.endswith("/") or len(copy.sources) > 1 else \
                posixpath.dirname(dest)
            if not (dest.startswith(_BIN_DIRS) or copy.source_stage is not None and into == home):
                continue
            if copy.dest.endswith("/") or len(copy.sources) > 1:
                names |= {posixpath.basename(s.rstrip("/")) for s in copy.sources}
            else:
                names.add(posixpath.basename(dest))
    return {n for n in names if n and "$" not in n and "*" not in n
            and not n.endswith(_DATA_SUFFIXES)}


def original_names(model: Dockerfile, final: Stage, program: str) -> list[str]:
    """The names ``program`` (a file the image runs, by name) had before it was renamed: the
    source of the COPY that put it in the image, then, back through the RUNs of the stage it was
    copied from, each ``mv``/``cp`` that wrote that path (``mv target/release/router
    target/release/router-75``), newest first. Empty when nothing renamed it."""
    name = posixpath.basename(program)
    for stage in reversed(final.ancestry()):
        for copy in reversed(stage.copies()):
            if copy.source_stage is None or copy.instruction.heredocs or len(copy.sources) != 1:
                continue
            source = copy.sources[0].rstrip("/")
            dest = copy.dest
            placed = posixpath.basename(source) if dest.endswith("/") else \
                posixpath.basename(dest.rstrip("/"))
            if placed != name:
                continue
            names = [] if posixpath.basename(source) == name else [posixpath.basename(source)]
            origin = model.stage(copy.source_stage)
            if origin is not None:
                names += _renamed_from(model, origin, source)
            return [n for n in names if n and "$" not in n and "*" not in n]
    return []


def _renamed_from(model: Dockerfile, stage: Stage, path: str) -> list[str]:
    """The names the file at ``path`` had in ``stage``: each ``mv``/``cp`` whose destination is
    ``path`` (or its folder), followed back from the last one."""
    names: list[str] = []
    commands = cargo_build.ancestry_commands(model, stage, None)
    for _inst, command in reversed(commands):
        argv = [w for w in command.argv if not w.startswith("-")]
        if len(argv) != 3 or posixpath.basename(argv[0]) not in ("mv", "cp"):
            continue
        src = posixpath.normpath(posixpath.join(command.cwd, argv[1]))
        dst = posixpath.normpath(posixpath.join(command.cwd, argv[2]))
        if dst == path or dst == posixpath.dirname(path) and \
                posixpath.basename(src) == posixpath.basename(path):
            if posixpath.basename(src) != posixpath.basename(path):
                names.append(posixpath.basename(src))
            path = src
    return names


def _published_twin(ctx: Context, model: Dockerfile, final: Stage) -> str:
    """Another Dockerfile of the repository that a workflow publishes and that ships a program
    of the same name as ``final`` (Dockerfile.cross pushed, the root Dockerfile built only for
    a local test network): its path, or ""."""
    mine = program_names(final)
    if not mine:
        return ""
    published = sorted({b.dockerfile for b in builds(ctx) if b.publishes
                        and b.dockerfile != model.path})
    for path in published:
        other = ctx.dockerfiles.get(path)
        if other is None or other.final_stage is None:
            continue
        if mine & program_names(other.final_stage):
            return path
    return ""


def _is_windows(final: Stage) -> bool:
    """Whether the image is a Windows container: a Windows base, a PowerShell or cmd SHELL, or
    a drive-letter WORKDIR."""
    chain = final.ancestry()
    base = facts.root_image(final).lower()
    if base.startswith(("mcr.microsoft.com/windows", "mcr.microsoft.com/powershell:nanoserver")):
        return True
    for stage in chain:
        for inst in stage.instructions:
            first = inst.value[0].lower().replace("\\", "/").rsplit("/", 1)[-1] \
                if inst.value else ""
            if inst.cmd == "SHELL" and first.removesuffix(".exe") in ("powershell", "pwsh", "cmd"):
                return True
            if inst.cmd == "WORKDIR" and re.match(r"^[a-z]:[\\/]", first.lower()):
                return True
    return False


# A build tool or runtime of another language, and Rust's own traces.
_OTHER_BUILDS = (("Go", re.compile(r"(?:^|[\s;&|(])go\s+(?:build|install)\b")),
                 ("Java", re.compile(r"(?:^|[\s;&|(])(?:mvn|mvnw|gradle|gradlew)\b")),
                 ("node", re.compile(r"(?:^|[\s;&|(])(?:npm|pnpm|yarn)\s+(?:ci|install|run)\b")),
                 ("Python", re.compile(r"(?:^|[\s;&|(])(?:pip3?|uv|poetry)\s+(?:install|sync)"
                                       r"\b")))
_OTHER_BASES = (("Go", ("golang",)), ("Java", ("maven", "gradle", "eclipse-temurin", "openjdk",
                                              "amazoncorretto")),
                ("node", ("node",)), ("Python", ("python",)))
_RUST_TRACE = re.compile(r"\bcargo\b|\brustc\b|\brustup\b|\bmaturin\b|target/[\w.$/{}-]*"
                         r"(?:release|debug)\b")


# Bases that are an operating system (or nothing), not another program's image: a binary built
# elsewhere and copied onto one of these is a Rust runtime even with no Rust trace in the file.
_OS_BASES = frozenset({"scratch", "debian", "ubuntu", "alpine", "busybox", "fedora", "centos",
                       "rockylinux", "almalinux", "amazonlinux", "oraclelinux", "archlinux",
                       "opensuse/leap", "opensuse/tumbleweed", "photon", "clearlinux",
                       "gentoo/stage3", "nixos/nix", "buildpack-deps"})
_OS_BASE_RE = re.compile(r"(?:^|/)(?:distroless|ubi\d*|ubi\d+-\w+|static|wolfi-base|"
                         r"chainguard)(?:/|$|-)|^(?:gcr\.io/distroless|cgr\.dev/|"
                         r"registry\.access\.redhat\.com/|public\.ecr\.aws/(?:lambda|docker/library)/|"
                         r"mcr\.microsoft\.com/(?:cbl-mariner|azurelinux)/)")


def _is_os_base(image: str) -> bool:
    """Whether ``image`` is an operating-system base (or scratch), or unknown (a variable):
    not another program's image."""
    if not image or "$" in image:
        return True
    full = image.split("@")[0].rsplit(":", 1)[0] if ":" in image.split("/")[-1] else \
        image.split("@")[0]
    short = full.removeprefix("docker.io/").removeprefix("library/")
    return short in _OS_BASES or bool(_OS_BASE_RE.search(full)) or \
        facts.is_compiler_image(image)


_DATA_SUFFIXES = (".sh", ".bash", ".py", ".sql", ".json", ".yml", ".yaml", ".toml", ".conf",
                  ".cfg", ".ini", ".txt", ".html", ".js", ".css", ".xml", ".md", ".env", ".pem")


def _copies_program(final: Stage) -> bool:
    """Whether the image gets anything that may be a program: a COPY from another stage or
    image, or a context file that is not a script, a configuration or data file."""
    for stage in final.ancestry():
        for copy in stage.copies():
            if copy.source_stage is not None:
                return True
            if copy.instruction.heredocs:
                continue
            if any(not posixpath.basename(src.rstrip("/")).lower().endswith(_DATA_SUFFIXES)
                   for src in copy.sources):
                return True
    return False


def _has_rust_trace(model: Dockerfile) -> bool:
    """Whether any stage uses a Rust image, cargo, rustup or a cargo ``target/`` output."""
    if any(facts.is_compiler_image(facts.root_image(stage)) for stage in model.stages):
        return True
    return any(_RUST_TRACE.search(inst.original) for stage in model.stages
               for inst in stage.instructions)


def other_language(model: Dockerfile) -> str | None:
    """The language the Dockerfile builds its program in when it is not Rust (``Go``,
    ``Java``, ``node``, ``Python``), or None (see :func:`_other_language`)."""
    return _other_language(model)


def _other_language(model: Dockerfile) -> str | None:
    """The language an image is built in when it is not Rust: no stage uses a Rust image,
    cargo, rustup or a cargo ``target/`` output, and some stage builds with another language's
    tool or is based on its image. None when Rust shows anywhere, or nothing says."""
    if _has_rust_trace(model):
        return None
    for language, pattern in _OTHER_BUILDS:
        if any(pattern.search(text) for stage in model.stages for text in
               (inst.original for inst in stage.runs())):
            return language
    for language, images in _OTHER_BASES:
        if any(image_name(facts.root_image(stage))[0] in images for stage in model.stages):
            return language
    return None


def runs_cargo(final: Stage) -> bool:
    """Whether the image's command (its ENTRYPOINT and CMD, an init or ``sh -c`` before it)
    runs cargo: ``CMD ["cargo", "test"]`` tests the sources in the image, it ships no program."""
    chain = final.ancestry()
    words: list[str] = []
    for cmd in ("ENTRYPOINT", "CMD"):
        last = next((i for s in chain for i in reversed(s.of(cmd))), None)
        if last is not None:
            words += " ".join(last.value).split()  # `sh -c "cargo test"` too
    return any(posixpath.basename(w.strip("\"'")) == "cargo" for w in words[:6])


def _is_toolchain(model: Dockerfile, final: Stage) -> bool:
    """The final image is a Rust build environment (a compiler image, or it installs rustup)
    that does not compile the project: CI images, cross images, dev shells. (One that compiles
    the project ships it in the compiler image: RS301's finding.)"""
    chain = final.ancestry()
    compiler = facts.is_compiler_image(facts.root_image(final)) or any(
        _RUSTUP_RE.search(inst.original) for stage in chain for inst in stage.runs())
    return compiler and not cargo_build.compiling_calls(model, final) and \
        not _runs_copied_program(final)


_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "env", "tini", "tini-static", "dumb-init",
                     "exec", "catatonit"})


def _runs_copied_program(final: Stage) -> bool:
    """Whether the image's command starts a program (not a script) that a COPY put in the
    image: a binary built elsewhere and run in a compiler image is a runtime on the wrong base
    (RS301's canonical case), not a toolchain."""
    chain = final.ancestry()
    started = [i for s in chain for i in (*s.of("ENTRYPOINT"), *s.of("CMD"))]
    words = {posixpath.basename(w.strip("\"'")) for i in started
             for w in (i.value if i.json else " ".join(i.value).split())}
    programs = {w for w in words if w and w not in _SHELLS and not w.startswith("-")
                and not w.endswith((".sh", ".py", ".bash", ".ps1"))}
    for stage in chain:
        for copy in stage.copies():
            if copy.instruction.heredocs:
                continue
            names = {posixpath.basename(p.rstrip("/")) for p in (*copy.sources, copy.dest)}
            if names & programs:
                return True
    return False


_BIN_DIRS = ("/usr/local/bin", "/usr/bin", "/bin", "/app", "/opt", "/usr/local/sbin", "/srv",
             "/home")


def _ships_binary(model: Dockerfile, final: Stage) -> bool:
    """Whether the final image gets a program: built in some stage (cargo, or make/just/a
    script), copied from another stage or image, or copied from the context into a bin
    folder."""
    for stage in model.stages:
        if cargo_build.compiling_calls(model, stage) or _opaque_build(model, stage):
            return True
    chain = final.ancestry()
    started = [i for s in chain for i in (*s.of("ENTRYPOINT"), *s.of("CMD"))]
    run_words = {posixpath.basename(w.strip("\"'")) for i in started
                 for w in (i.value if i.json else " ".join(i.value).split())}
    for stage in chain:
        for copy in stage.copies():
            if copy.source_stage is not None:
                return True
            if copy.instruction.heredocs:
                continue
            dest = copy.dest
            if dest.startswith(_BIN_DIRS) or "/bin" in dest or any(
                    "target/" in s or "release" in s for s in copy.sources):
                return True
            # the ENTRYPOINT/CMD runs a file this COPY puts in the image
            names = {posixpath.basename(p.rstrip("/")) for p in (*copy.sources, dest)}
            if names & run_words - {"", ".", "/"}:
                return True
    return False


_OPAQUE_RE = re.compile(r"(?:^|[\s;&|(])(?:make|just|cargo-make|ninja|bazel|nix\s+build|"
                        r"\./[\w./-]+\.sh|bash\s+[\w./-]+\.sh|sh\s+[\w./-]+\.sh|x\.py|"
                        r"scripts?/[\w./-]+)(?=$|[\s;&|)])")


def _opaque_build(model: Dockerfile, stage: Stage) -> bool:
    """Whether a RUN of ``stage`` builds through a tool rsdock cannot see into (make, just, a
    script) in a Rust build environment."""
    if not (facts.is_compiler_image(facts.root_image(stage))
            or any(_RUSTUP_RE.search(i.original) for s in stage.ancestry() for i in s.runs())):
        return False
    return any(_OPAQUE_RE.search(inst.original) for inst in stage.runs())


def opaque_build_line(model: Dockerfile, stage: Stage) -> int | None:
    """The line of the first RUN of ``stage`` that builds through make, just or a script."""
    for inst in stage.runs():
        if _OPAQUE_RE.search(inst.original):
            return inst.line
    return None


# --- builds -----------------------------------------------------------------------------------

def _collect(ctx: Context) -> list[Build]:
    found: list[Build] = []
    found += _workflow_builds(ctx)
    for path, text in sorted(ctx.build_files.items()):
        name = path.rsplit("/", 1)[-1].lower()
        if name.startswith("docker-bake"):
            found += _bake_builds(path, text)
        else:
            found += _compose_builds(path, text)
    dockerfiles = list(ctx.dockerfiles)
    named = {b.dockerfile for b in found}
    ignores = set(ctx.dockerignores)
    for path in dockerfiles:
        if path not in named:
            found.append(Build(path, _default_context(path, ignores), "default"))
    unique: dict[tuple[object, ...], Build] = {}
    for item in found:
        key = (item.dockerfile, item.context, item.source, item.where, item.target)
        if key in unique:
            # one build stands for both: it passes only the build-args both pass
            kept = dict(unique[key].args)
            args = tuple((k, v) for k, v in item.args if k in kept)
            if item.publishes and not unique[key].publishes:
                unique[key] = replace(item, args=args)  # one build of a job pushes what
                # another only built
            else:
                unique[key] = replace(unique[key], args=args)
        else:
            unique[key] = item
    return list(unique.values())


def _default_context(dockerfile: str, ignores: set[str]) -> str:
    """The folder a Dockerfile nothing names is most likely built from: the nearest one at or
    above it holding a .dockerignore, else the repository root."""
    folder = posixpath.dirname(dockerfile)
    while folder:
        if posixpath.join(folder, ".dockerignore") in ignores:
            return folder
        folder = posixpath.dirname(folder)
    return "."


_SOURCES = {"bake": "bake", "container action": "action"}


def _workflow_builds(ctx: Context) -> list[Build]:
    """The builds the workflows run (and the actions and scripts they call), with whether each
    is pushed (:mod:`rsdock.lint.analysis.publication`)."""
    return [Build(image.dockerfile, image.context, _SOURCES.get(image.how, "workflow"),
                  image.where, publishes=image.pushes, target=image.target, tags=image.tags,
                  args=image.args)
            for image in publication.images(ctx)]


def _compose_builds(path: str, text: str) -> list[Build]:
    """The builds of a docker compose file: each service's ``build`` (a context string, or a
    mapping with ``context``, ``dockerfile`` and ``target``), relative to the compose file's
    folder. A compose file builds; only a ``docker compose push`` a workflow runs publishes."""
    return [Build(s.dockerfile, s.context, "compose", path,
                  overrides_entrypoint=s.overrides_entrypoint, target=s.target, args=s.args)
            for s in publication.compose_services(path, text)]


def _bake_builds(path: str, text: str) -> list[Build]:
    """The builds of a bake file: every target (JSON, or the HCL ``target`` blocks with
    ``context``/``dockerfile``/``target``), relative to the bake file's folder (where
    ``docker buildx bake`` runs when a workflow does not say otherwise)."""
    return [Build(i.dockerfile, i.context, "bake", path, target=i.target)
            for i in publication.bake_images(path, text, all_targets=True)]


# --- what the runtime inherits and what its entrypoint script does ------------------------------

# Base images whose ENTRYPOINT, CMD and USER are known (none, or root): anything else may bring
# its own init or user, which the Dockerfile then inherits.
_PLAIN_IMAGES = frozenset({
    "debian", "ubuntu", "alpine", "busybox", "scratch", "fedora", "centos", "rockylinux",
    "almalinux", "amazonlinux", "archlinux", "oraclelinux", "tumbleweed", "leap", "photon",
    # official language images: no ENTRYPOINT of their own, root
    "python", "golang", "eclipse-temurin", "openjdk",
})
_PLAIN_PREFIX_RE = re.compile(r"^(?:gcr\.io/distroless/|cgr\.dev/chainguard/|"
                              r"(?:registry\.access\.redhat\.com/|redhat/)ubi\d*)",
                              re.IGNORECASE)


def opaque_base(final: Stage) -> bool:
    """Whether the runtime's base image is not a plain OS image, so its ENTRYPOINT and USER are
    unknown (``FROM localhost:5000/app:base``, ``FROM nginx``). A plain image may come through
    a mirror (``public.ecr.aws/debian/debian``, ``public.ecr.aws/docker/library/ubuntu``)."""
    image = facts.root_image(final).lower()
    if "$" in image:
        return True
    if _PLAIN_PREFIX_RE.match(image):
        return False
    path = image.split("@")[0]
    last = image_name(image)[0]
    parts = path.split("/")
    namespace = parts[-2] if len(parts) >= 2 else ""
    registry_only = len(parts) == 2 and ("." in parts[0] or ":" in parts[0])
    plain_namespace = namespace in ("", "library", last, "opensuse") or registry_only
    return not (last in _PLAIN_IMAGES and plain_namespace)


_INIT_RE = re.compile(r"\b(?:tini|dumb-init|catatonit|s6-svscan|runsvdir|supervisord)\b")
_TRAP_RE = re.compile(r"(?m)^\s*trap\s+.*\b(?:TERM|SIGTERM|15)\b")
_DROP_RE = re.compile(r"\b(?:gosu|su-exec|setpriv|runuser|s6-setuidgid|chpst|setuidgid|"
                      r"su\s+-\w*\s*\w+|sudo\s+-u)\b")


def entrypoint_script(ctx: Context, model: Dockerfile) -> str | None:
    """The text of the script the runtime's ENTRYPOINT (else CMD) starts, when the Dockerfile
    copies it from the build context and it can be read; None otherwise."""
    final = model.final_stage
    if final is None or ctx is None:
        return None
    chain = final.ancestry()
    entry = [i for s in chain for i in s.of("ENTRYPOINT")][-1:] or \
        [i for s in chain for i in s.of("CMD")][-1:]
    if not entry or not entry[0].value:
        return None
    inst = entry[0]
    words = list(inst.value) if inst.json else inst.value[0].split()
    # the script is the first word that is not a shell, an init or an option of one
    program = next((w for w in words if not w.startswith("-") and posixpath.basename(w) not in
                    ("sh", "bash", "tini", "tini-static", "dumb-init", "catatonit", "env")),
                   None)
    if program is None:
        return None
    if program.startswith("-"):
        return None
    return copied_file(ctx, model, program)


def copied_file(ctx: Context | None, model: Dockerfile, program: str) -> str | None:
    """The text of the file the image has at ``program`` (a script the ENTRYPOINT or a RUN
    starts), when a COPY puts it there from the build context (or a RUN heredoc writes it) and
    it can be read; None otherwise."""
    root = getattr(ctx, "root", None) if ctx is not None else None
    if root is None or ctx is None:
        return None
    contexts = [b.context for b in builds_of(ctx, model.path)] or ["."]
    if all(b.source == "default" for b in builds_of(ctx, model.path)):
        # nothing names the context: the Dockerfile's own folder is the other usual one
        contexts.append(posixpath.dirname(model.path) or ".")
    name = posixpath.basename(program)
    # Where the script comes from in the context: the sources of COPYs that put a file of that
    # name in the image (from another stage: the path that stage copied from the context, so
    # each leading folder is dropped in turn), and a file of that name at the context's root.
    candidates: list[str] = []
    for stage in model.stages:
        for copy in stage.copies():
            if copy.instruction.heredocs:
                continue
            for source in copy.sources:
                if posixpath.basename(source.rstrip("/")) != name and \
                        posixpath.basename(copy.dest.rstrip("/")) != name:
                    continue
                if "$" in source:
                    continue
                parts = source.strip("/").split("/")
                if copy.source_stage is None:
                    candidates.append("/".join(parts))
                else:
                    candidates += ["/".join(parts[i:]) for i in range(len(parts))]
    candidates.append(name)
    written = _heredoc_script(model, name)
    if written is not None:
        return written
    for context in contexts:
        if leaves_root(context):
            continue  # not the repository's to read
        for source in dict.fromkeys(candidates):
            rel = posixpath.normpath(posixpath.join(context, context_source(source)))
            try:  # confined to the workspace and bounded, like every read of rsdock
                data = fs.read_bytes(root, rel)
            except UserError:
                continue
            if data is not None:
                return data.decode("utf-8", errors="replace")
    return None


def run_scripts(ctx: Context | None, model: Dockerfile, argvs: list[tuple[str, ...]]) -> list[str]:
    """The texts of the scripts among ``argvs`` (``sh /install_deps.sh``, ``./build.sh``) that
    a COPY of the Dockerfile put in the image from the build context."""
    found: list[str] = []
    for argv in argvs:
        words = [w for w in argv if not w.startswith("-")]
        if words and posixpath.basename(words[0]) in ("sh", "bash", "dash", "source", "."):
            words = words[1:]
        if not words or not words[0].endswith((".sh", ".bash")) or "$" in words[0]:
            continue
        text = copied_file(ctx, model, words[0])
        if text is not None and text not in found:
            found.append(text)
    return found


_HEREDOC_TARGET_RE = re.compile(r"(?:>\s*|\btee\s+(?:-a\s+)?)(?P<path>[\w./$-]+)")


def _heredoc_script(model: Dockerfile, name: str) -> str | None:
    """The text a ``RUN cat <<'EOF' > /usr/local/bin/<name>`` heredoc writes, when one of the
    Dockerfile's RUNs writes the entrypoint script that way (git-cliff's image does)."""
    for stage in model.stages:
        for inst in stage.runs():
            if not inst.heredocs:
                continue
            first = inst.original.split("\n", 1)[0]
            targets = {posixpath.basename(m["path"]) for m in _HEREDOC_TARGET_RE.finditer(first)}
            if name in targets:
                return inst.heredocs[0][1]
    return None


def script_forwards_signals(text: str) -> bool:
    """Whether an entrypoint script runs the program under an init (tini, dumb-init...) or
    traps SIGTERM and passes it on itself.

    A script that only ``exec``s the program does not count: exec makes the program PID 1,
    exactly as an exec-form ``ENTRYPOINT ["/app"]`` does, with the same lack of an init.
    """
    return bool(_INIT_RE.search(text) or _TRAP_RE.search(text))


def script_drops_privileges(text: str) -> bool:
    """Whether an entrypoint script starts the program as another user (gosu, su-exec...)."""
    return bool(_DROP_RE.search(text))


# --- which builds an ignore file serves ------------------------------------------------------

def ignore_contexts(ctx: Context, ignore_path: str) -> list[str] | None:
    """The build contexts that use the ignore file ``ignore_path``.

    ``<Dockerfile>.dockerignore`` serves that Dockerfile's builds; ``<dir>/.dockerignore`` the
    builds whose context is ``dir`` (and whose Dockerfile has no ignore file of its own). The
    repository root's ``.dockerignore`` always counts as used (``docker build .``): None.
    """
    folder, name = posixpath.split(ignore_path)
    if name != ".dockerignore":
        dockerfile = ignore_path[: -len(".dockerignore")]
        return sorted({b.context for b in builds_of(ctx, dockerfile)})
    if folder == "":
        return None
    own = set(ctx.dockerignores)
    return sorted({b.context for b in builds(ctx)
                   if b.context == folder and b.dockerfile + ".dockerignore" not in own})


def ignore_builds(ctx: Context, ignore_path: str) -> list[Build]:
    """The builds (known or default) whose context the ignore file ``ignore_path`` filters."""
    folder, name = posixpath.split(ignore_path)
    if name != ".dockerignore":
        return builds_of(ctx, ignore_path[: -len(".dockerignore")])
    own = set(ctx.dockerignores)
    return [b for b in builds(ctx)
            if b.context == (folder or ".") and b.dockerfile + ".dockerignore" not in own]


@record(frozen=True)
class CompileRun:
    """A RUN of a Dockerfile that compiles the workspace's sources (a cargo call other than
    ``chef cook``, whose skeleton has empty sources and build scripts, or a make/just/script
    build in a Rust environment), with the variables it sees (ARG values and ENV)."""

    dockerfile: str
    line: int
    env: dict[str, str | None]
    # the compile sees the whole context (`COPY . .` before it, or a bind mount of the context
    # root): only then can it see what an ignore file leaves out of the root, such as .git
    whole_context: bool = True


def compile_runs(ctx: Context, build: Build) -> list[CompileRun] | None:
    """The RUNs of ``build``'s Dockerfile that compile the workspace; None when the Dockerfile
    was not parsed (nothing is known of it)."""
    model = ctx.dockerfiles.get(build.dockerfile)
    if model is None:
        return None
    found: list[CompileRun] = []
    given = dict(build.args)
    for stage in model.stages:
        for call in cargo_build.stage_calls(model, stage, None):
            if call.builds_project and call.action != "cook":  # cook compiles dummy sources
                # `RUN GIT_SHA=v1 cargo build`: the command's own assignments reach it too
                env = {**_run_env(stage, call.instruction, given),
                       **{k: v for k, v in call.command.assignments.items() if v}}
                found.append(CompileRun(build.dockerfile, call.instruction.line, env,
                                        _sees_whole_context(stage, call.instruction)))
        if _opaque_build(model, stage):
            for inst in stage.runs():
                if _OPAQUE_RE.search(inst.original):
                    found.append(CompileRun(build.dockerfile, inst.line,
                                            _run_env(stage, inst, given),
                                            _sees_whole_context(stage, inst)))
    return found


def _sees_whole_context(stage: Stage, inst: Instruction) -> bool:
    """Whether the RUN ``inst`` (of ``stage``) sees the whole build context: a ``COPY . .``
    before it in its stage or in the stages it is built FROM, or a bind mount of the
    context's root."""
    if any(facts.copies_everything(copy) for s in stage.ancestry() for copy in s.copies()
           if s is not stage or copy.instruction.line < inst.line):
        return True
    for flag in inst.flags:
        if not flag.startswith("--mount="):
            continue
        options = dict(part.partition("=")[::2] for part in flag[8:].split(","))
        if options.get("type", "bind") == "bind" and "from" not in options and \
                options.get("source", options.get("src", ".")).strip("/") in ("", "."):
            return True
    return False


def _run_env(stage: Stage, inst: Instruction,
             given: dict[str, str] | None = None) -> dict[str, str | None]:
    """The variables a RUN's processes get: every ENV in effect, and the ARGs with a value,
    a default or one the build passes (``given``: its build-args; an ARG nobody gave a value
    is not set in a RUN's environment)."""
    scope = dict(stage.vars_before(inst))
    for name, value in (given or {}).items():
        if name in scope and scope[name] is None and value:
            scope[name] = value
    env_names = set(stage.parent.env if stage.parent else {})
    for env in stage.of("ENV"):
        if env.line < inst.line and env.value:
            pairs = "=" in env.value[0]  # `ENV A=1 B=2`, or the legacy `ENV A 1`
            env_names |= {w.partition("=")[0] for w in (env.value if pairs else env.value[:1])}
    return {k: v for k, v in scope.items() if v is not None or k in env_names}


def reads_whole_context(model: Dockerfile) -> bool:
    """Whether a Dockerfile takes the whole build context into a build: ``COPY . .`` (or
    ``ADD``), or a RUN bind mount of the context's root (``--mount=type=bind`` with no
    ``from=`` and no ``source=``, or ``source=.``)."""
    for stage in model.stages:
        if any(facts.copies_everything(c) for c in stage.copies()):
            return True
        for inst in stage.runs():
            for flag in inst.flags:
                if not flag.startswith("--mount=") or "type=bind" not in flag:
                    continue
                options = dict(p.partition("=")[::2] for p in flag[len("--mount="):].split(","))
                if "from" not in options and options.get("source", options.get("src", ".")
                                                         ).strip("/") in ("", "."):
                    return True
    return False
