"""What each Dockerfile is and how it is built: the model the runtime and context rules ask.

A repository's Dockerfiles are not all production images. Runtime advice (slim base, CA bundle,
init, non-root user, a .dockerignore for the context) is about an image that ships a Rust
program built here; a devcontainer, a toolchain image (a compiler for CI), a test or CI helper
or a fixture is judged by other standards, and flagging it is a false alarm.

:func:`builds` says which context and ignore file each build uses: GitHub workflows
(``docker/build-push-action`` ``context:``/``file:``, under the checkout's ``path:``), docker
compose files (``build.context``, ``build.dockerfile``), and bake files (JSON, and the ``target``
blocks of HCL with ``context``/``dockerfile``). A Dockerfile nothing names is built from the
nearest folder above it with a ``.dockerignore`` (the repository root without one).

:func:`kind` decides per Dockerfile: ``devcontainer`` (``.devcontainer/``), ``test`` (under a
test, CI-fixture or example folder, or named so), ``toolchain`` (the final image is a Rust build
environment that runs no program built here), ``helper`` (builds and ships no program at all),
or ``production``.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.analysis import build as cargo_build
from rsdock.lint.analysis import dockerfacts as facts
from rsdock.lint.model.context import Context
from rsdock.lint.model.dockerfile import Dockerfile, Stage, image_name
from rsdock.lint.model.paths import context_source, leaves_root
from rsdock.records import field, record

PRODUCTION, DEVCONTAINER, TEST, TOOLCHAIN, HELPER = (
    "production", "devcontainer", "test", "toolchain", "helper")
# Folders whose Dockerfiles serve tests, CI, examples or docs, not users.
TEST_DIRS = frozenset({
    "test", "tests", "testing", "testdata", "test-data", "test_data", "test_runner", "fixtures",
    "fixture", "integration", "integration_tests", "integration-tests", "e2e", "regression",
    "examples", "example", "bench", "benches", "benchmarks", "fuzz", "playwright", "harness",
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
    """

    dockerfile: str
    context: str
    source: str
    where: str = ""
    overrides_entrypoint: bool = False
    publishes: bool = False
    target: str = ""


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
    for item in mine:
        stage = model.stage(item.target) if item.target else None
        if stage is not None:
            found[stage.index] = stage
    if model.final_stage is not None and (not found or any(not b.target for b in mine)):
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
    mine = builds_of(ctx, path) if ctx is not None else []
    published = any(b.publishes for b in mine)
    if _is_toolchain(model, final):
        return ImageKind(TOOLCHAIN, "the final image is a Rust build environment that runs no "
                                    "program built here")
    test_dirs = [f for f in folders if f.lower() in TEST_DIRS]
    stem = re.sub(r"(?i)\.?dockerfile\.?", ".", name).strip(".")
    if not published and (test_dirs or TEST_NAME_RE.search(stem)):
        where = f"under {test_dirs[0]}/" if test_dirs else f"named {name}"
        return ImageKind(TEST, f"a test, CI or example image ({where})")
    if not published and _runs_cargo(final):
        return ImageKind(TEST, "its command runs cargo: a test or development image")
    runs_program = any(s.of("ENTRYPOINT") or s.of("CMD") for s in final.ancestry())
    # a build-tools image, published or not, runs no program of its own
    if TOOLCHAIN_NAME_RE.search(path) and (
            not runs_program or not published and not _ships_binary(model, final)):
        return ImageKind(TOOLCHAIN, "a build-tools image")
    if not published and not _ships_binary(model, final):
        return ImageKind(HELPER, "builds and copies in no program")
    return ImageKind(PRODUCTION, "ships a program" + (" a workflow publishes" if published else ""))


def _runs_cargo(final: Stage) -> bool:
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
    return compiler and not cargo_build.compiling_calls(model, final)


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
        unique.setdefault((item.dockerfile, item.context, item.source, item.where,
                           item.target), item)
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


def _workflow_builds(ctx: Context) -> list[Build]:
    workflows = ctx.workflows
    if not workflows:
        return []
    from rsdock.lint.model import workflow_reader as wf

    found = []
    for image in wf.built_images(workflows):
        push = image.step.input_text("push") or ""
        # a push to a registry on the runner (a test cluster's localhost:5001) publishes nothing
        names = wf.pushed_images(image.workflow, image.job, image.build)
        publishes = push.strip().lower() not in ("", "false") and not (
            names and all(wf.on_runner(n) for n in names))
        found.append(Build(image.dockerfile, image.context, "workflow", image.workflow.path,
                           publishes=publishes,
                           target=(image.step.input_text("target") or "").strip()))
    return found


def _join(base: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(base or ".", path))
    return "." if joined in ("", ".") else joined


def _compose_builds(path: str, text: str) -> list[Build]:
    """The builds of a docker compose file: each service's ``build`` (a context string, or a
    mapping with ``context`` and ``dockerfile``), relative to the compose file's folder."""
    data = _load_yaml(text)
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return []
    here = posixpath.dirname(path)
    found = []
    for service in services.values():
        if not isinstance(service, dict) or "build" not in service:
            continue
        spec = service["build"]
        if isinstance(spec, str):
            context, dockerfile = spec, "Dockerfile"
        elif isinstance(spec, dict):
            context = str(spec.get("context") or ".")
            dockerfile = str(spec.get("dockerfile") or "Dockerfile")
        else:
            continue
        if "://" in context or "$" in context or "$" in dockerfile:
            continue
        context_dir = _join(here, context)
        overrides = "entrypoint" in service or bool(service.get("init"))
        target = spec.get("target") if isinstance(spec, dict) else None
        found.append(Build(_join(context_dir, dockerfile), context_dir, "compose", path,
                           overrides_entrypoint=overrides,
                           target=target if isinstance(target, str) and "$" not in target
                           else ""))
    return found


def _load_yaml(text: str) -> Any:
    from ruamel.yaml.error import YAMLError

    from rsdock.lint.model.yaml_load import load_plain

    try:
        return load_plain(text)
    except (YAMLError, ValueError, TypeError, RecursionError):
        return None


_HCL_TARGET_RE = re.compile(r'(?ms)^\s*target\s+"(?P<name>[^"]+)"\s*\{(?P<body>.*?)^\s*\}')
_HCL_ATTR_RE = re.compile(r'(?m)^\s*(?P<key>context|dockerfile)\s*=\s*"(?P<value>[^"]*)"')


def _bake_builds(path: str, text: str) -> list[Build]:
    """The builds of a bake file: JSON ``{"target": {name: {context, dockerfile}}}``, or the
    ``target "name" { context = "..." dockerfile = "..." }`` blocks of HCL. Paths are relative
    to the bake file's folder (where ``docker buildx bake`` runs)."""
    here = posixpath.dirname(path)
    targets: list[dict[str, str]] = []
    if path.lower().endswith(".json"):
        import json

        try:
            data = json.loads(text)
        except ValueError:
            return []
        for spec in (data.get("target") or {}).values() if isinstance(data, dict) else ():
            if isinstance(spec, dict):
                targets.append({k: str(v) for k, v in spec.items()
                                if k in ("context", "dockerfile") and isinstance(v, str)})
    else:
        for block in _HCL_TARGET_RE.finditer(text):
            targets.append({m["key"]: m["value"] for m in _HCL_ATTR_RE.finditer(block["body"])})
    found = []
    for spec in targets:
        context, dockerfile = spec.get("context", "."), spec.get("dockerfile", "Dockerfile")
        if "$" in context or "://" in context or "$" in dockerfile:
            continue
        context_dir = _join(here, context)
        found.append(Build(_join(context_dir, dockerfile), context_dir, "bake", path))
    return found


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
    root = getattr(ctx, "root", None)
    if root is None:
        return None
    contexts = [b.context for b in builds_of(ctx, model.path)] or ["."]
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
