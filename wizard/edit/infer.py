"""Existing files -> the plan they implement: what rsdock can read back from a hand-written setup.

``load_sources(root)`` parses the workspace's workflows and Dockerfiles (a file that cannot be
parsed is a located :class:`UserError`, so no edit is ever based on a misread file);
``infer(sources)`` reads the plan out of them. Every field is a :class:`Fact`: a value with the
``path:line`` it came from, or unknown with the reason. Nothing is guessed: when two files
disagree, or nothing says, the field stays unknown and the report says why.
"""

from __future__ import annotations

import re
from typing import Any

from rsdock.lint.knowledge import platforms, runtimes
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.workflow_reader import LOGIN
from rsdock.records import field, record
from rsdock.wizard.edit.cases import find_platform_cases
from rsdock.wizard.edit.sources import BuildStep, Sources, env_value, load_sources
from rsdock.wizard.generate.plan import CACHES, DEFAULT_WORKFLOW, Image, Plan

__all__ = ["BuildStep", "Fact", "InferredImage", "InferredPlan", "Sources", "case_platforms",
           "infer", "load_sources"]

_BIN_RE = re.compile(r"--bin[= ]+[\"']?([A-Za-z0-9_-]+)")
_RUST_RE = re.compile(r"(?:^|/)rust:(1\.\d+(?:\.\d+)?)")
_SECRET_RE = re.compile(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)")
_INIT_NAMES = ("tini", "tini-static", "dumb-init", "docker-init")


@record(frozen=True)
class Fact:
    """One inferred answer: its value and where it was read, or why it is unknown.

    Attributes:
        value: the answer, or None when unknown.
        source: ``path:line`` it was read from ("" when unknown).
        reason: why it is unknown ("" when known).
    """

    value: Any = None
    source: str = ""
    reason: str = ""

    @property
    def known(self) -> bool:
        """Whether the value was read from the files."""
        return self.value is not None

    def describe(self) -> str:
        """``value (from path:line)`` or ``unknown: reason``."""
        if not self.known:
            return f"unknown: {self.reason}"
        value = ", ".join(self.value) if isinstance(self.value, tuple) else str(self.value)
        return f"{value}  (from {self.source})" if self.source else value


@record(frozen=True)
class InferredImage:
    """An image the files build: its binary (or web app) and where that was read."""

    dockerfile: str
    name: Fact
    kind: str
    package: str | None
    target: str = ""  # the final stage a workflow's `target:` builds ("" for the last one)


@record
class InferredPlan:
    """The plan the existing files implement, field by field (see :class:`Fact`)."""

    images: list[InferredImage]
    platforms: Fact
    dockerfile_platforms: dict[str, Fact]
    runtime: Fact
    debian: Fact
    rust_version: Fact
    cache: Fact
    cache_scopes: dict[str, str]
    registry: Fact
    secrets: tuple[str, ...]
    workflow: Fact
    notes: list[str] = field(default_factory=list)
    strategy: Fact = field(default_factory=lambda: Fact(reason="no build-push step"))

    def unknowns(self) -> list[str]:
        """The names of the fields the files do not say (or contradict each other on)."""
        named = {"platforms": self.platforms, "runtime": self.runtime, "cache": self.cache,
                 "registry": self.registry, "rust-version": self.rust_version,
                 "workflow": self.workflow}
        missing = [name for name, fact in named.items() if not fact.known]
        missing += [f"image in {i.dockerfile}" for i in self.images if not i.name.known]
        return missing

    def to_plan(self) -> tuple[Plan | None, list[str]]:
        """A :class:`Plan` from the known fields, with rsdock's defaults for the unknown ones.

        Returns:
            The plan (None when no image is known or it would be invalid) and the names of the
            fields filled with defaults, so a caller can say which answers were not read.
        """
        images = tuple(Image(i.name.value, i.kind, i.package or i.name.value, i.dockerfile)
                       for i in self.images if i.name.known)
        if not images:
            return None, self.unknowns()
        changes: dict[str, Any] = {"images": images}
        for key, fact in (("platforms", self.platforms), ("runtime", self.runtime),
                          ("debian", self.debian), ("cache", self.cache),
                          ("registry", self.registry), ("rust_version", self.rust_version),
                          ("workflow", self.workflow), ("strategy", self.strategy)):
            if fact.known:
                changes[key] = fact.value
        plan = Plan(**changes)
        return (None if plan.problems() else plan), self.unknowns()

    def drift(self, plan: Plan) -> list[str]:
        """Where ``plan`` (from ``rsdock.toml``) says something else than the files do.

        Only known fields are compared: an unknown one is reported as unknown, not as drift.
        """
        found = []
        for name, fact, recorded in (
                ("platforms", self.platforms, tuple(sorted(plan.platforms,
                                                           key=_table_order))),
                ("runtime", self.runtime, plan.runtime), ("cache", self.cache, plan.cache),
                ("registry", self.registry, plan.registry),
                ("strategy", self.strategy, plan.strategy)):
            if fact.known and fact.value != recorded:
                shown = ", ".join(recorded) if isinstance(recorded, tuple) else recorded
                found.append(f"rsdock.toml says {name} {shown}, but {fact.source} says "
                             f"{', '.join(fact.value) if isinstance(fact.value, tuple) else fact.value}")
        return found

    def format(self) -> str:
        """The plan as the ``rsdock edit`` report shows it: known values with sources, unknowns
        with reasons."""
        lines = ["Inferred from the existing files:"]
        if not self.images:
            lines.append("  images:        unknown: no Dockerfile found")
        for image in self.images:
            where = image.dockerfile + (f" --target {image.target}" if image.target else "")
            lines.append(f"  image:         {where} -> {image.name.describe()}"
                         + (f" [{image.kind}]" if image.name.known else ""))
        lines.append(f"  platforms:     {self.platforms.describe()}")
        for path, fact in sorted(self.dockerfile_platforms.items()):
            lines.append(f"    case arms in {path}: {fact.describe()}")
        lines.append(f"  runtime:       {self.runtime.describe()}")
        lines.append(f"  rust version:  {self.rust_version.describe()}")
        scopes = ", ".join(f"{k}={v}" for k, v in sorted(self.cache_scopes.items()))
        lines.append(f"  cache:         {self.cache.describe()}"
                     + (f"; scopes: {scopes}" if scopes else ""))
        lines.append(f"  registry:      {self.registry.describe()}")
        lines.append(f"  strategy:      {self.strategy.describe()}")
        lines.append("  secrets:       " + (", ".join(self.secrets) or "none"))
        lines.append(f"  workflow:      {self.workflow.describe()}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def infer(sources: Sources) -> InferredPlan:
    """Read the plan the files in ``sources`` implement.

    Args:
        sources: from :func:`load_sources`.
    """
    notes: list[str] = []
    built = _built_dockerfiles(sources)
    images = [image for path in built for image in _images(sources, path)]
    plan = InferredPlan(
        images=images,
        platforms=_workflow_platforms(sources, notes),
        dockerfile_platforms={path: case_platforms(sources.dockerfiles[path])
                              for path in dict.fromkeys(i.dockerfile for i in images
                                                        if i.kind == "bin")},
        runtime=Fact(reason="no Dockerfile with a binary image"),
        debian=Fact(reason="the runtime is not debian-slim"),
        rust_version=_rust_version(sources, built),
        cache=Fact(reason="no build-push step sets cache-to or cache-from"),
        cache_scopes={},
        registry=Fact(reason="no docker/login-action step"),
        secrets=(),
        workflow=_workflow_path(sources),
        notes=notes,
    )
    _runtime(sources, plan)
    _cache(sources, plan)
    _registry(sources, plan)
    plan.strategy = _strategy(sources)
    return plan


def _strategy(sources: Sources) -> Fact:
    """``native`` when the builds run on a matrix-chosen runner and push by digest, else
    ``cross``; unknown when the workflows mix both."""
    found: dict[str, str] = {}
    for build in sources.builds:
        job, step = build.job, build.step
        outputs = step.input_text("outputs") or ""
        matrix_runner = job.runs_on is not None and "matrix." in job.runs_on.text
        name = "native" if matrix_runner and "push-by-digest=true" in outputs else "cross"
        found.setdefault(name, f"{build.workflow.path}:{step.line}")
    if len(found) == 1:
        name, where = next(iter(found.items()))
        return Fact(name, where)
    if found:
        return Fact(reason="some builds run per platform on their own runner, others not: "
                           + ", ".join(f"{k} ({v})" for k, v in found.items()))
    return Fact(reason="no build-push step")


def _built_dockerfiles(sources: Sources) -> list[str]:
    built: list[str] = []
    for step in sources.builds:
        for path in step.dockerfiles or ():
            if path in sources.dockerfiles and path not in built:
                built.append(path)
    # Without a workflow (or one that builds none of them), every Dockerfile is a candidate.
    return built or sorted(sources.dockerfiles)


def _targets(sources: Sources, path: str) -> list[str]:
    """The ``target:`` stages the workflows build from Dockerfile ``path``, in file order; for
    a Dockerfile no workflow builds, the stages named after the binaries its ``cargo build``
    names (rsdock's one build for many images)."""
    model = sources.dockerfiles[path]
    found: list[str] = []
    for build in sources.builds:
        target = build.step.input_text("target")
        if build.dockerfiles and path in build.dockerfiles and target and \
                model.stage(target) is not None and target not in found:
            found.append(target)
    if found or any(b.dockerfiles and path in b.dockerfiles for b in sources.builds):
        return found
    bins = [m[1] for inst in model.instructions if inst.cmd == "RUN" and "cargo build" in
            inst.original for m in _BIN_RE.finditer(inst.original)]
    named = [stage.name for stage in model.stages if stage.name and bins and
             any(stage.name.lower() in (b.lower(), f"image-{b.lower()}") for b in bins)]
    return named if len(named) > 1 else []


def _images(sources: Sources, path: str) -> list[InferredImage]:
    """The images Dockerfile ``path`` builds: one per target stage a workflow builds from it
    (one build for many images), else its last stage's."""
    targets = _targets(sources, path)
    if not targets:
        return [_image(sources, path)]
    return [_target_image(sources, path, target) for target in targets]


def _target_image(sources: Sources, path: str, target: str) -> InferredImage:
    """The image of stage ``target``: the binary it copies in or starts."""
    model = sources.dockerfiles[path]
    stage = model.stage(target)
    name = _binary_from_runtime(path, model, stage) if stage is not None else None
    name = name or Fact(reason=f"stage {target} copies in and starts no binary rsdock can name")
    package = None
    ws = sources.workspace
    if name.known and ws is not None:
        owner = ws.package_of(name.value)
        package = owner.name if owner is not None else None
    return InferredImage(path, name, "bin", package, target)


def _image(sources: Sources, path: str) -> InferredImage:
    model = sources.dockerfiles[path]
    ws = sources.workspace
    web = any("trunk build" in i.original for i in model.instructions if i.cmd == "RUN")
    name = Fact(reason="no --bin, COPY --from or ENTRYPOINT names a binary")
    if web and ws is not None:
        # trunk builds in the app's folder: the folder the Dockerfile names is the app.
        named = [p for p in ws.web_apps if p.dir not in ("", ".") and p.dir in model.text]
        if len(named) == 1:
            line = next((i.line for i in model.instructions if named[0].dir in i.original), 1)
            name = Fact(named[0].name, f"{path}:{line} (trunk build in {named[0].dir})")
    for inst in () if name.known else model.instructions:
        match = _BIN_RE.search(inst.original) if inst.cmd == "RUN" else None
        if match and "cargo" in inst.original:
            name = Fact(match[1], f"{path}:{inst.line} (--bin)")
            break
    if not name.known and model.final_stage is not None:
        name = _binary_from_runtime(path, model) or name
    if web and not name.known and ws is not None and len(ws.web_apps) == 1:
        name = Fact(ws.web_apps[0].name, f"{path} (trunk build of the workspace's only web app)")
    package = None
    if name.known and ws is not None:
        owner = ws.package(name.value) if web else ws.package_of(name.value)
        package = owner.name if owner is not None else None
    return InferredImage(path, name, "web" if web else "bin", package)


def _binary_from_runtime(path: str, model: Dockerfile,
                         stage: Stage | None = None) -> Fact | None:
    stage = stage or model.final_stage
    if stage is None:
        return None
    for inst in reversed(stage.instructions):
        if inst.cmd in ("ENTRYPOINT", "CMD") and inst.value:
            words = list(inst.value) if inst.json else inst.value[0].split()
            words = [w for w in words if w != "--" and w.rsplit("/", 1)[-1] not in _INIT_NAMES]
            if words and "/" in words[0]:
                return Fact(words[0].rsplit("/", 1)[-1], f"{path}:{inst.line} ({inst.cmd})")
    for copy in stage.copies():
        if copy.source_stage and len(copy.sources) == 1:
            base = copy.sources[0].rstrip("/").rsplit("/", 1)[-1]
            if base and "." not in base and base not in _INIT_NAMES:
                return Fact(base, f"{path}:{copy.instruction.line} (COPY --from)")
    return None


def case_platforms(model: Dockerfile) -> Fact:
    """The platforms the ``case "$TARGETPLATFORM"`` arms of a Dockerfile map (table order)."""
    cases = find_platform_cases(model)
    if not cases:
        return Fact(reason='no `case "$TARGETPLATFORM"` in a RUN')
    names: list[str] = []
    for found in cases:
        for arm in found.case.arms:
            for pattern in arm.patterns:
                platform = platforms.get(pattern)
                if platform is not None and platform.name not in names:
                    names.append(platform.name)
    ordered = tuple(p for p in platforms.names() if p in names)
    return Fact(ordered, f"{model.path}:{cases[0].case.line}")


def _workflow_platforms(sources: Sources, notes: list[str]) -> Fact:
    if not sources.builds:
        return Fact(reason="no workflow with a docker/build-push-action step")
    found: list[str] = []
    first = ""
    for step in sources.builds:
        items = step.build.platforms
        if not items:
            notes.append(f"{step.where}: no platforms: input (builds the runner's platform only)")
            continue
        for item in items:
            resolved = env_value(step.workflow, step.job, item.text)
            expanded = [resolved[0]] if resolved else step.job.expand(item.text)
            if expanded is None:
                return Fact(reason=f"{step.workflow.path}:{item.line}: platforms come from an "
                                   f"expression rsdock cannot evaluate ({item.text})")
            for text in expanded:
                for name in text.replace("\n", ",").split(","):
                    name = platforms.normalize(name)
                    if name and name not in found:
                        found.append(name)
                        first = first or f"{step.workflow.path}:{item.line}"
    if not found:
        return Fact(reason="no build-push step lists platforms")
    return Fact(tuple(p for p in platforms.names() if p in found)
                + tuple(p for p in found if platforms.get(p) is None), first)


def _rust_version(sources: Sources, built: list[str]) -> Fact:
    seen: dict[str, str] = {}
    for path in built:
        for stage in sources.dockerfiles[path].stages:
            match = _RUST_RE.search(stage.base)
            if match:
                seen.setdefault(match[1], f"{path}:{stage.from_.line}")
    if len(seen) == 1:
        version, source = next(iter(seen.items()))
        return Fact(version, source)
    if seen:
        return Fact(reason="the Dockerfiles pin different Rust versions: " + ", ".join(seen))
    return Fact(reason="no stage is FROM a pinned rust:<version> image")


def _runtime_of(base: str) -> tuple[str | None, str | None]:
    found = runtimes.identify(base)
    return (found[0].name, found[1]) if found else (None, None)


def _runtime(sources: Sources, plan: InferredPlan) -> None:
    found: dict[str, str] = {}
    debian: dict[str, str] = {}
    for image in plan.images:
        model = sources.dockerfiles[image.dockerfile]
        stage = model.stage(image.target) if image.target else model.final_stage
        if image.kind != "bin" or stage is None:
            continue
        runtime, release = _runtime_of(stage.base)
        where = f"{image.dockerfile}:{stage.from_.line}"
        if runtime is None:
            plan.runtime = Fact(reason=f"{where}: the runtime image {stage.base} is not one of "
                                       f"{runtimes.join_or(runtimes.names())}")
            return
        found.setdefault(runtime, where)
        if release:
            debian.setdefault(release, where)
    if len(found) > 1:
        plan.runtime = Fact(reason="the images use different runtimes: "
                                   + ", ".join(f"{k} ({v})" for k, v in found.items()))
    elif found:
        plan.runtime = Fact(*next(iter(found.items())))
    if len(debian) == 1:
        plan.debian = Fact(*next(iter(debian.items())))


def _cache(sources: Sources, plan: InferredPlan) -> None:
    kinds: dict[str, str] = {}
    for step in sources.builds:
        inline = bool(step.build.cache_to) and all(s.type == "inline" for s in step.build.cache_to)
        for spec in step.build.cache_to + step.build.cache_from:
            if spec.type == "registry" and inline:
                continue  # inline exports are read back through type=registry
            kinds.setdefault(spec.type, f"{step.workflow.path}:{spec.item.line}")
            if spec.options.get("scope"):
                for path in step.dockerfiles or ():
                    plan.cache_scopes[path] = spec.options["scope"]
    known = {k: v for k, v in kinds.items() if k in CACHES}
    if len(kinds) > 1 or len(known) != len(kinds):
        plan.cache = Fact(reason="the build steps use " + ", ".join(
            f"type={k} ({v})" for k, v in kinds.items()))
    elif kinds:
        plan.cache = Fact(*next(iter(kinds.items())))


def _registry(sources: Sources, plan: InferredPlan) -> None:
    found: dict[str, str] = {}
    secrets: list[str] = []
    for workflow in sources.workflows.values():
        for _job, step in workflow.action_steps(LOGIN):
            registry = step.with_.get("registry")
            host = registry.text.strip().lower() if registry else ""
            where = f"{workflow.path}:{step.line}"
            if host in ("", "docker.io", "index.docker.io", "registry-1.docker.io"):
                found.setdefault("dockerhub", where)
            elif host == "ghcr.io":
                found.setdefault("ghcr", where)
            else:
                found.setdefault(host, where)
            for value in step.with_.values():
                for name in _SECRET_RE.findall(value.text):
                    if name not in secrets:
                        secrets.append(name)
    plan.secrets = tuple(secrets)
    if len(found) > 1:
        plan.registry = Fact(reason="the workflows log in to several registries: "
                                    + ", ".join(f"{k} ({v})" for k, v in found.items()))
    elif found:
        name, where = next(iter(found.items()))
        if name in ("dockerhub", "ghcr"):
            plan.registry = Fact(name, where)
        else:
            plan.registry = Fact(reason=f"{where}: {name} is a registry rsdock does not generate")


def _workflow_path(sources: Sources) -> Fact:
    paths = sorted({step.workflow.path for step in sources.builds})
    if len(paths) == 1:
        return Fact(paths[0], paths[0])
    if paths:
        return Fact(reason="several workflows build images: " + ", ".join(paths))
    return Fact(reason=f"no workflow builds an image (rsdock would write {DEFAULT_WORKFLOW})")


def _table_order(name: str) -> int:
    order = platforms.names()
    return order.index(name) if name in order else len(order)
