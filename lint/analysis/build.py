"""What a Dockerfile stage does for one target platform: its RUNs simulated in order, and the
cargo invocations among them with their ``--target``, profile, ``--bin``, features and env.

The Dockerfile rules ask their questions here, so the chef, cross and runtime families agree on
how a build is read. Simulating one platform at a time lets a ``case "$TARGETPLATFORM"`` choose
its arm exactly as the shell would, and lets a later RUN read a file an earlier RUN wrote
(``echo <triple> > /rust_target.txt`` then ``--target $(cat /rust_target.txt)``).
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import MutableMapping

from rsdock.lint.knowledge import platforms
from rsdock.lint.model.context import Context
from rsdock.lint.model.dockerfile import Dockerfile, Instruction, Stage, expand
from rsdock.lint.model.findings import Span
from rsdock.lint.model.paths import glob_match
from rsdock.lint.model.shell import Case, Command, Files, Outcome, parse_script, simulate
from rsdock.records import field, record
from rsdock.lint.analysis.dockerfacts import (image_env, is_compiler_image, root_image, workdir,
                                               written_cargo_linkers)

CARGO_TOOLS = {"cargo", "cross", "xx-cargo", "cargo-zigbuild"}
# Tools that bring their own linker set-up: no CARGO_TARGET_*_LINKER needed.
SELF_LINKING = {"cross", "xx-cargo", "zigbuild"}
PLATFORM_VARS = ("TARGETPLATFORM", "TARGETARCH")


def platform_args(target: str | None, build: str = platforms.NATIVE_PLATFORM) -> dict[str, str]:
    """The automatic platform ARG values BuildKit sets for ``target`` built on ``build``."""
    return dict(_platform_args(target, build))  # a copy: callers may add to it


@functools.lru_cache(maxsize=256)
def _platform_args(target: str | None, build: str) -> tuple[tuple[str, str], ...]:
    # asked thousands of times per Dockerfile (every stage, platform and case arm), for a few
    # platform strings
    values: dict[str, str] = {}
    for prefix, name in (("TARGET", target), ("BUILD", build)):
        if name is None:
            continue
        parts = platforms.normalize(name).split("/")
        values[f"{prefix}PLATFORM"] = "/".join(parts)
        values[f"{prefix}OS"] = parts[0]
        values[f"{prefix}ARCH"] = parts[1] if len(parts) > 1 else ""
        values[f"{prefix}VARIANT"] = parts[2] if len(parts) > 2 else ""
    return tuple(values.items())


@record
class CargoCall:
    """One cargo (or cross, xx-cargo, zigbuild) invocation on one path of one platform.

    Attributes:
        command: the simulated command.
        instruction: the RUN it is in.
        tool: ``cargo``, ``cross``, ``xx-cargo`` or ``zigbuild``.
        action: ``build``, ``cook``, ``prepare``, ``install`` or the subcommand as written.
        target: the ``--target`` value (may still hold ``$VAR`` when unknown), or None.
        profile: ``release``, ``dev`` or the ``--profile`` name.
        bins: the ``--bin`` names.
        features: the ``--features``/``-F`` names.
        flags: other switches that change what is built (``--all-features``, ``--workspace``...).
        toolchain: a ``+toolchain`` override, or None.
        packages: the ``-p``/``--package`` names.
    """

    command: Command
    instruction: Instruction
    tool: str
    action: str
    target: str | None = None
    profile: str = "dev"
    bins: tuple[str, ...] = ()
    features: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    toolchain: str | None = None
    packages: tuple[str, ...] = ()
    recipe: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    platform: str | None = None
    # Linkers that cargo config files written by RUNs set, by triple.
    config_linkers: dict[str, str] = field(default_factory=dict)

    @property
    def line(self) -> int:
        """The file line of the invocation."""
        return self.command.line

    def span(self, file: Dockerfile, *first: str) -> Span:
        """Where the invocation is written: from ``cargo build`` (or the first of ``first``,
        e.g. the flag a finding is about) to the end of its line; the line's text when the
        words are not on that line as written (a ``"$@"`` call, a line continuation between
        them)."""
        exact = file.span(self.line, *first) if first else None
        tool = self.tool
        return exact or file.word_span(self.line, f"{tool} chef {self.action}",
                                       f"{tool} {self.action}", f"{tool} ", to_end=True)

    @property
    def builds_project(self) -> bool:
        """Whether this compiles the workspace (not ``cargo install <some tool>``)."""
        return self.action in ("build", "cook", "rustc") or (
            self.action == "install" and "path" in self.options)

    @property
    def resolved_target(self) -> str | None:
        """``--target`` when it was given and fully resolved, else None."""
        return self.target if self.target and "$" not in self.target else None

    @property
    def target_known(self) -> bool:
        """Whether ``--target`` was given and fully resolved."""
        return self.resolved_target is not None

    @property
    def profile_dir(self) -> str:
        """The folder under ``target/`` the profile writes to (``dev`` writes to ``debug``)."""
        return "debug" if self.profile in ("dev", "test") else self.profile

    def linker_source(self, linkers: dict[str, str] | None = None) -> str | None:
        """How the linker for :attr:`target` is configured where this runs, or None.

        Args:
            linkers: ``[target.<triple>] linker`` settings of the workspace's .cargo/config.toml.
        """
        if self.tool in SELF_LINKING or "zigbuild" in self.flags:
            return self.tool if self.tool in SELF_LINKING else "zigbuild"
        triple = self.target or ""
        env = self.command.env
        if platforms.linker_env_var(triple) in env:
            return platforms.linker_env_var(triple)
        for var in ("RUSTFLAGS", f"CARGO_TARGET_{platforms.linker_env_var(triple)[13:-7]}_RUSTFLAGS",
                    "CARGO_ENCODED_RUSTFLAGS"):
            if re.search(r"-C\s*linker=|link-arg=-fuse-ld|linker=", env.get(var, "")):
                return var
        if linkers and triple in linkers:
            return ".cargo/config.toml"
        if triple in self.config_linkers:
            return "a cargo config.toml a RUN wrote"
        if any(a.startswith("--config") and "linker" in a for a in self.command.argv):
            return "--config"
        return None


@record
class RunResult:
    """One RUN simulated: its paths (alternatives)."""

    instruction: Instruction
    outcomes: list[Outcome]
    first_line: int


@record
class StageRun:
    """A stage simulated for one target platform (None: the platform is not known)."""

    stage: Stage
    platform: str | None
    runs: list[RunResult] = field(default_factory=list)
    files: MutableMapping[str, str] = field(default_factory=dict)
    stopped_at: Instruction | None = None
    calls: list[CargoCall] | None = None

    def commands(self) -> list[tuple[Instruction, Command]]:
        """Every command on every path, with its RUN, in order."""
        return [(r.instruction, c) for r in self.runs for o in r.outcomes for c in o.commands]

    def cargo_calls(self) -> list[CargoCall]:
        """Every cargo invocation on every path, deduplicated by line and arguments."""
        if self.calls is not None:
            return self.calls
        seen: set[tuple[object, ...]] = set()
        calls = []
        for run, outcome in ((r, o) for r in self.runs for o in r.outcomes):
            for command in outcome.commands:
                call = parse_cargo(command, run.instruction)
                if call is None:
                    continue
                key = _call_key(command)
                if key in seen:
                    continue
                call.platform = self.platform
                # The files the path ends with: a config written earlier in the same RUN counts.
                call.config_linkers = written_cargo_linkers(outcome.files, command.env)
                seen.add(key)
                calls.append(call)
        self.calls = calls
        return calls


def _call_key(command: Command) -> tuple[object, ...]:
    """What makes two cargo calls one: line, arguments and environment (the paths of a RUN,
    or the platforms of a stage, often reach the same cargo line with the same words)."""
    return command.line, command.argv, tuple(sorted(command.env.items()))


def parse_cargo(command: Command, inst: Instruction) -> CargoCall | None:
    """The cargo invocation ``command`` is, or None when it is not one."""
    argv = list(command.argv)
    while argv and argv[0] in ("env", "exec", "time", "nice") or (argv and "=" in argv[0]):
        argv.pop(0)
    if not argv or posixpath.basename(argv[0]) not in CARGO_TOOLS:
        return None
    tool = posixpath.basename(argv[0])
    tool = "zigbuild" if tool == "cargo-zigbuild" else tool
    rest = argv[1:]
    toolchain = rest.pop(0)[1:] if rest and rest[0].startswith("+") else None
    if not rest:
        return None
    action = {"b": "build", "r": "run"}.get(rest[0], rest[0])
    rest = rest[1:]
    if action in ("chef", "auditable") and rest:
        # `cargo chef cook`, and `cargo auditable build` (a wrapper: same flags, same output)
        action, rest = rest[0], rest[1:]
    if action == "zigbuild":
        action, tool = "build", "zigbuild"
    call = CargoCall(command, inst, tool, action, toolchain=toolchain)
    _options(call, rest)
    if call.target is None and action != "prepare":
        # cargo reads [build] target from the environment too: same output layout as --target.
        call.target = command.env.get("CARGO_BUILD_TARGET") or None
    return call


def _options(call: CargoCall, words: list[str]) -> None:
    bins, features, packages, flags = [], set(), [], set()
    index = 0
    while index < len(words):
        word = words[index]
        name, eq, value = word.partition("=")
        takes = name in ("--target", "--profile", "--bin", "--features", "-F", "-p", "--package",
                         "--recipe-path", "--manifest-path", "-j", "--jobs", "--config", "--root",
                         "--path", "--target-dir", "--example")
        if takes and not eq:
            value = words[index + 1] if index + 1 < len(words) else ""
            index += 1
        if name == "--target":
            call.target = value
        elif name == "--config" and re.match(r"""^['"]?build\.target\s*=""", value):
            # `--config 'build.target="x86_64-unknown-linux-gnu"'` is --target by another name
            call.target = value.split("=", 1)[1].strip().strip("'\"")
        elif name in ("--release", "-r"):
            call.profile = "release"
        elif name == "--profile":
            call.profile = value
        elif name == "--bin":
            bins.append(value)
        elif name in ("--features", "-F"):
            features |= {f for f in re.split(r"[ ,]+", value) if f}
        elif name in ("-p", "--package"):
            packages.append(value)
        elif name == "--recipe-path":
            call.recipe = value
        elif name in ("--root", "--path", "--target-dir", "--manifest-path"):
            call.options[name.lstrip("-")] = value
        elif name == "--example":  # written to <profile>/examples/<name>
            call.options["example"] = " ".join(filter(None, (call.options.get("example"), value)))
        elif name in ("--all-features", "--no-default-features", "--workspace", "--bins",
                      "--zigbuild", "--all", "--examples"):
            flags.add(name.lstrip("-"))
        index += 1
    call.bins, call.features = tuple(bins), frozenset(features)
    call.packages, call.flags = tuple(packages), frozenset(flags)


def simulate_stage(model: Dockerfile, stage: Stage, platform: str | None) -> StageRun:
    """Simulate ``stage`` (after the stages it is built FROM) for target ``platform``.

    Files written by RUNs carry over to later RUNs and to stages built FROM this one; shell
    variables and exports do not, exactly as in BuildKit.
    """
    # Cached on the model: every rule asks about the same stages and platforms.
    cache: dict[tuple[int, str | None], StageRun] = model.__dict__.setdefault("_simulations", {})
    key = (stage.index, platform)
    if key in cache:
        return cache[key]
    files: MutableMapping[str, str] = {}
    values = platform_args(platform)
    parent = stage.parent_for(values) if platform else stage.parent
    if parent is not None and parent is not stage:
        files = simulate_stage(model, parent, platform).files  # never written: layered on
    result = StageRun(stage, platform)
    root = stage.ancestry(values if platform else None)[-1].base
    declared = stage.declared_args() - stage.declared_args(inherited=False)  # inherited ARGs
    base_env = image_env(root)  # the base image's own ENV, the same for every RUN
    automatic: dict[str, str | None] | None = None  # the declared platform ARGs, per ARG
    for inst in stage.instructions:
        if inst.cmd == "ARG":
            declared |= {w.partition("=")[0] for w in inst.value}
            automatic = None
        if inst.cmd in ("COPY", "ADD") and inst.heredocs and inst.value:
            dest = inst.value[-1]
            files = Files(files)  # a new layer: earlier RUNs' outcomes keep what they saw
            for _name, content in inst.heredocs:
                files[posixpath.normpath(posixpath.join(workdir(stage, inst), dest))] = content
        if inst.cmd != "RUN":
            continue
        script = model.script(inst)
        if script is None:
            continue
        if automatic is None:
            automatic = {k: v for k, v in values.items() if k in declared}
            if platform is None:
                automatic.update({k: None for k in declared if k.startswith("TARGET")})
        # The base image's own ENV comes first; the stage's ARG/ENV override it.
        env = {**base_env, **stage.scope_before(inst, automatic)}
        outcomes = simulate(script.text, script.first_line, env, files, workdir(stage, inst))
        result.runs.append(RunResult(inst, outcomes, script.first_line))
        survivors = [o for o in outcomes if not o.exit_code]
        if not survivors:
            result.stopped_at = inst
            break
        files = survivors[0].files  # the next RUN layers on it
    result.files = files
    cache[key] = result
    return result


def platform_cases(model: Dockerfile, stage: Stage) -> list[tuple[Instruction, Case]]:
    """The ``case`` statements in ``stage`` whose subject reads TARGETPLATFORM or TARGETARCH."""
    # Cached on the model: several rules ask, per stage and per platform
    cache: dict[int, list[tuple[Instruction, Case]]] = model.__dict__.setdefault(
        "_platform_cases", {})
    if stage.index not in cache:
        cache[stage.index] = _platform_cases(model, stage)
    return list(cache[stage.index])


def _platform_cases(model: Dockerfile, stage: Stage) -> list[tuple[Instruction, Case]]:
    found = []
    for inst in stage.runs():
        script = model.script(inst)
        if script is None:
            continue
        for case in parse_script(script.text, script.first_line).cases:
            if case.subject_vars & set(PLATFORM_VARS):
                found.append((inst, case))
    return found


def case_variable(case: Case) -> str:
    """The platform ARG a ``case`` branches on: TARGETARCH when it reads that one alone, else
    TARGETPLATFORM. Its arms' patterns are values of it (``platform_args(...)[variable]``)."""
    reads = case.subject_vars
    return "TARGETARCH" if "TARGETARCH" in reads and "TARGETPLATFORM" not in reads \
        else "TARGETPLATFORM"


_ARCH_WORD = re.compile(r"(?:x86_64|aarch64|arm(?:v\d)?|i[3-6]86|powerpc64le|ppc64le|s390x|riscv64|"
                        r"amd64|arm64|-unknown-linux-|musl|gnu)", re.IGNORECASE)


def chooses_target(case: Case) -> bool:
    """Whether a platform case picks the build target: some arm names a triple or an
    architecture (in a word it runs or a value it assigns). A case that only tunes one platform
    (``"linux/arm64") export JEMALLOC_SYS_WITH_LG_PAGE=16``) is not the triple map."""
    return any(_ARCH_WORD.search(" ".join([*arm.words, *arm.assigned.values()]))
               or any(_TARGET_NAME.match(name) for name in arm.assigned)
               for arm in case.arms if "*" not in arm.patterns)


# Variables that hold a target by their name (`T=...`, `RUST_TARGET=...`, `ARCH=...`).
_TARGET_NAME = re.compile(r"^(?:T|TGT|TARGET\w*|\w*TRIPLE\w*|RUST_?TARGET\w*|\w*ARCH\w*|"
                          r"CARGO_BUILD_TARGET|PLATFORM\w*|\w*_TARGET)$", re.IGNORECASE)


def case_value(case: Case, platform: str) -> str:
    """The value a platform ``case`` compares its arms with when building for ``platform``:
    the subject expanded (``"${TARGETARCH}${TARGETVARIANT}"`` is ``armv7`` for linux/arm/v7),
    or the platform ARG it reads when the subject holds more than platform ARGs."""
    return _case_value(case.subject, case_variable(case), platform)


@functools.lru_cache(maxsize=1024)
def _case_value(subject: str, variable: str, platform: str) -> str:
    values: dict[str, str | None] = dict(platform_args(platform))
    expanded = expand(subject.strip("\"'"), values)
    if expanded and "$" not in expanded and "`" not in expanded:
        return expanded
    return values[variable] or ""


def arm_platforms(case: Case, arm_patterns: tuple[str, ...]) -> list[platforms.Platform]:
    """The known platforms an arm's patterns match (by TARGETPLATFORM or TARGETARCH value)."""
    return list(_arm_platforms(case.subject, case_variable(case), tuple(arm_patterns)))


@functools.lru_cache(maxsize=1024)
def _arm_platforms(subject: str, variable: str,
                   arm_patterns: tuple[str, ...]) -> tuple[platforms.Platform, ...]:
    matched = []
    for platform in platforms.PLATFORMS:
        value = _case_value(subject, variable, platform.name)
        if any(p != "*" and glob_match(value, p) for p in arm_patterns):
            matched.append(platform)
    return tuple(matched)


def stage_platforms(model: Dockerfile, stage: Stage) -> list[str]:
    """The platforms a stage's ``case "$TARGETPLATFORM"`` arms name, in table order.

    Empty when the stage does not branch on the platform.
    """
    names: set[str] = set()
    for _inst, case in platform_cases(model, stage):
        for arm in case.arms:
            names |= {p.name for p in arm_platforms(case, arm.patterns)}
    return [p for p in platforms.names() if p in names]


def build_calls(model: Dockerfile, stage: Stage) -> list[CargoCall]:
    """The cargo calls of ``stage`` across the platforms it names (or an unknown platform)."""
    calls: list[CargoCall] = []
    seen: set[tuple[object, ...]] = set()
    candidates: list[str | None] = [*stage_platforms(model, stage)] or [None]
    for platform in candidates:
        for call in simulate_stage(model, stage, platform).cargo_calls():
            key = _call_key(call.command)
            if key not in seen:
                seen.add(key)
                calls.append(call)
    return calls


def workspace_linkers(ctx: Context) -> dict[str, str]:
    """Triples whose linker the workspace's ``.cargo/config.toml`` sets (``linker`` or
    ``rustflags = ["-C", "linker=..."]``), mapped to the linker."""
    workspace = ctx.workspace
    if workspace is None:
        return {}
    found = dict(workspace.linkers)
    for triple, flags in workspace.rustflags.items():
        joined = " ".join(flags)
        match = re.search(r"linker=(\S+)", joined)
        if match and triple not in found:
            found[triple] = match[1]
    return found


def ancestry_commands(model: Dockerfile, stage: Stage,
                      platform: str | None) -> list[tuple[Instruction, Command]]:
    """The commands of ``stage`` and the stages it is built FROM, oldest first."""
    found: list[tuple[Instruction, Command]] = []
    for ancestor in reversed(stage.ancestry()):
        found.extend(simulate_stage(model, ancestor, platform).commands())
    return found


def stage_calls(model: Dockerfile, stage: Stage, platform: str | None,
                ancestry: bool = False) -> list[CargoCall]:
    """The cargo calls of ``stage`` (and its parents when ``ancestry``) for ``platform``."""
    stages = list(reversed(stage.ancestry())) if ancestry else [stage]
    return [c for s in stages for c in simulate_stage(model, s, platform).cargo_calls()]


def stages_running(model: Dockerfile, *actions: str) -> list[Stage]:
    """The stages with a cargo call whose action is one of ``actions`` (``cook``...), in order."""
    return [s for s in model.stages
            if any(c.action in actions for c in stage_calls(model, s, None))]


def compiling_calls(model: Dockerfile, stage: Stage) -> list[CargoCall]:
    """The cargo calls that build the project in ``stage`` or the stages it is built FROM."""
    return [c for s in stage.ancestry() for c in stage_calls(model, s, None) if c.builds_project]


def is_build_image(model: Dockerfile, stage: Stage) -> bool:
    """Whether ``stage`` is a Rust build environment (a compiler image, or it compiles): as a
    final stage that is RS301's finding, and runtime advice (init, user) would only repeat it."""
    return is_compiler_image(root_image(stage)) or bool(compiling_calls(model, stage))


def host_platform(stage: Stage, platform: str | None) -> str:
    """The platform ``stage``'s RUNs execute on when building for ``platform``.

    The nearest ``FROM --platform=`` decides (``$BUILDPLATFORM``: the build machine); with none,
    BuildKit runs the stage on the target platform itself (under QEMU when foreign), where the
    target's own triples are native. An unknown target, or a ``--platform`` that names no
    platform of the table, means the build machine's platform, so callers always get one they
    can look up.
    """
    values = platform_args(platform)
    flagged = stage.platform_flag(values if platform else None)
    if flagged is None:
        return platforms.normalize(platform) if platform else platforms.NATIVE_PLATFORM
    resolved = expand(flagged, dict(values))
    known = "$" not in resolved and platforms.get(resolved) is not None
    return platforms.normalize(resolved) if known else platforms.NATIVE_PLATFORM


def platforms_of(model: Dockerfile, stage: Stage) -> list[str | None]:
    """The platforms to simulate ``stage`` for: those its (or its parents') case arms name."""
    names: list[str | None] = []
    for ancestor in stage.ancestry():
        names += [p for p in stage_platforms(model, ancestor) if p not in names]
    return names or [None]


_TARGET_VARS_RE = re.compile(r"\$\{?(TARGETPLATFORM|TARGETARCH|TARGETOS|TARGETVARIANT)\b")


def reads_target_platform(model: Dockerfile, stage: Stage) -> bool:
    """Whether a RUN of ``stage`` reads the target platform ARGs."""
    return any(_TARGET_VARS_RE.search(script.text)
               for i in stage.runs() if (script := model.script(i)) is not None)


def cross_targets(model: Dockerfile, stage: Stage) -> set[str]:
    """The ``--target`` triples ``stage`` builds the project for when they follow the target
    platform (chosen from TARGETPLATFORM/TARGETARCH, or different per platform): what makes a
    stage cross-compile. A fixed triple the stage never derives from the platform (a per-arch
    Dockerfile built natively, ``wasm32-unknown-unknown`` whose output is the same everywhere)
    is not cross-compiling: empty."""
    calls = [c for p in platforms_of(model, stage)
             for c in stage_calls(model, stage, p) if c.builds_project]
    targets = {c.target for c in calls if c.target and not c.target.startswith("wasm")}
    if not targets:
        return set()
    if len(targets) > 1 or any("$" in t for t in targets) or reads_target_platform(model, stage):
        return targets
    return set()


_MOUNT_KEYS = re.compile(r"(?:^|,)\s*(?:target|dst|destination)=([^,]+)")


def cache_mounts(inst: Instruction) -> list[str]:
    """The targets of a RUN's ``--mount=type=cache,...`` flags, as written."""
    found = []
    for flag in inst.flags:
        key, _, value = flag.lstrip("-").partition("=")
        if key.lower() != "mount" or "type=cache" not in value.replace(" ", ""):
            continue
        match = _MOUNT_KEYS.search(value)
        if match:
            found.append(match[1].strip().strip("\"'"))
    return found


def mount_over_target(call: CargoCall) -> str | None:
    """The cache mount that holds the folder ``call`` compiles into, or None."""
    cwd = call.command.cwd or "/"
    target_dir = (call.options.get("target-dir") or call.command.env.get("CARGO_TARGET_DIR")
                  or "target")
    if "$" in target_dir:
        return None
    target_dir = posixpath.normpath(posixpath.join(cwd, target_dir))
    for mount in cache_mounts(call.instruction):
        if "$" in mount:
            continue
        path = posixpath.normpath(posixpath.join(cwd, mount))
        if target_dir == path or target_dir.startswith(path.rstrip("/") + "/"):
            return mount
    return None
