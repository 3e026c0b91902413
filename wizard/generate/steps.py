"""The wizard's steps and choices: the one definition both front ends walk.

The Textual app (``rsdock-tui``) and the questionary prompts (``rsdock init``) show the same
steps, offer the same choices with the same explanations, and change the plan only through the
``set_*`` functions here, so an answer means the same thing whichever front end collected it.
The explanations come from the research text in :mod:`rsdock.wizard.generate.plan` and
:mod:`rsdock.lint.knowledge.platforms`; nothing here restates a triple, a package or a linker.
"""

from __future__ import annotations

from pathlib import Path

from rsdock.lint.knowledge import ccrates, platforms, runtimes
from rsdock.records import record, replace
from rsdock.wizard.generate.defaults import (default_selection, registry_of_images,
                                              workspace_images)
from rsdock.wizard.generate.selection import FEATURES_REASON
from rsdock.wizard.generate.plan import (stage_name, CACHES, DEBIAN_RELEASES, PIN_MODES, REGISTRIES, RUNTIMES,
                                          SIGNINGS, STRATEGIES, UPDATERS, Image, Plan,
                                          Problem, Triggers,
                                          runtime_help)


@record(frozen=True)
class Choice:
    """One answer a step offers: the value stored in the plan, a short label, why to pick it."""

    value: str
    label: str
    help: str = ""


@record(frozen=True)
class Step:
    """One page of the wizard: a stable id, its title and the question it answers."""

    id: str
    title: str
    question: str


STEPS: tuple[Step, ...] = (
    Step("project", "Project", "Is this the cargo workspace to containerise?"),
    Step("images", "Images", "Which binaries and web apps become images, and where do they go?"),
    Step("platforms", "Platforms", "Which platforms should each image run on?"),
    Step("runtime", "Runtime", "Which base image should the final stage use?"),
    Step("cache", "Cache", "Where should CI keep BuildKit's layer cache?"),
    Step("registry", "Registry & CI", "Where do images go, and when does the workflow run?"),
    Step("review", "Review", "The files rsdock will write, their diff and their lint findings."),
    Step("write", "Write", "Write the files and rsdock.toml to the workspace."),
)
STEP_IDS: tuple[str, ...] = tuple(step.id for step in STEPS)

PIN_HELP: dict[str, str] = {
    "sha": "pin every action to a full commit SHA with the tag as a comment (what zizmor asks for)",
    "tag": "refer to actions by their major tag (v4): easier to read, but a moved tag changes CI",
}
DEBIAN_HELP: dict[str, str] = {
    "bookworm": "Debian 12, the default: debian:bookworm-slim images exist for every platform "
                "here but riscv64",
    "trixie": "Debian 13: debian:trixie-slim images exist for riscv64 too",
}

# Problem.field values, as plan.py spells them, mapped to the step where the answer is made.
_FIELD_STEPS: dict[str, str] = {
    "images": "images", "platforms": "platforms", "runtime": "runtime", "debian": "runtime",
    "cache": "cache", "registry": "registry", "ci": "registry", "workflow": "registry",
    "pin-actions": "registry", "rust-version": "project", "strategy": "platforms",
    "signing": "registry", "updates": "registry",
}


def step(step_id: str) -> Step:
    """The step called ``step_id``.

    Raises:
        KeyError: for an id that is not in :data:`STEPS`.
    """
    for candidate in STEPS:
        if candidate.id == step_id:
            return candidate
    raise KeyError(f"unknown wizard step {step_id!r}: use one of {', '.join(STEP_IDS)}")


def _choices(explanations: dict[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, value, text) for value, text in explanations.items())


def runtime_choices(debian: str = runtimes.DEFAULT_DEBIAN) -> tuple[Choice, ...]:
    """The runtime bases, each with why one would pick it (the runtime table); those that
    follow the Debian release name the image of ``debian``."""
    return tuple(Choice(name, name, runtime_help(name, debian)) for name in RUNTIMES)


def asks_release(runtime: str) -> bool:
    """Whether the user chooses the Debian release for ``runtime`` (debian-slim)."""
    found = runtimes.get(runtime)
    return found is not None and found.asks_release


def release_label() -> str:
    """The heading of the Debian release choice: ``Debian release (debian-slim only)``."""
    asking = [r.name for r in runtimes.RUNTIMES if r.asks_release]
    return f"Debian release ({runtimes.join_or(asking)} only)"


def cache_choices() -> tuple[Choice, ...]:
    """The CI cache backends (``plan.CACHES``)."""
    return _choices(CACHES)


def registry_choices() -> tuple[Choice, ...]:
    """The registries (``plan.REGISTRIES``)."""
    return _choices(REGISTRIES)


def signing_choices() -> tuple[Choice, ...]:
    """How the workflow signs what it pushes (``plan.SIGNINGS``)."""
    return _choices(SIGNINGS)


def updates_choices() -> tuple[Choice, ...]:
    """The update bots that keep the pins fresh (``plan.UPDATERS``)."""
    return _choices(UPDATERS)


def debian_choices() -> tuple[Choice, ...]:
    """The Debian releases a runtime that asks for one (debian-slim) can use."""
    return tuple(Choice(name, name, DEBIAN_HELP.get(name, "")) for name in DEBIAN_RELEASES)


def pin_choices() -> tuple[Choice, ...]:
    """How the workflow refers to the actions it uses."""
    return tuple(Choice(mode, mode, PIN_HELP.get(mode, "")) for mode in PIN_MODES)


def platform_help(platform: platforms.Platform) -> str:
    """What building for ``platform`` takes: triples, Debian packages, linker and caveat."""
    musl = platform.musl_triple or "none (no rustup std)"
    text = (f"Rust triple {platform.gnu_triple} (musl: {musl}); builder packages "
            f"{' + '.join(platform.apt_packages)}; linker {platform.linker}")
    if platform.name == platforms.NATIVE_PLATFORM:
        text += "; native on GitHub's hosted runners"
    if platform.caveat:
        text += f". Caveat: {platform.caveat}"
    return text


def strategy_choices() -> tuple[Choice, ...]:
    """How CI builds the platforms: cross-compiling on one runner, or a runner per platform."""
    return tuple(Choice(name, name, text) for name, text in STRATEGIES.items())


def c_cost_for_platform(plan: Plan, name: str) -> str:
    """What the C libraries the chosen binaries link cost on platform ``name`` (one line per
    image), and what is refused there; "" without C dependencies."""
    platform = platforms.get(name)
    if platform is None or platform.musl_triple is None and plan.libc == "musl":
        return ""
    triple = platform.triple(plan.libc)
    lines = []
    for image in plan.images:
        crates = plan.workspace.crates_of(image.name, platform.name)
        if not crates:
            continue
        names = ", ".join(c.name for c in crates)
        if plan.libc == "musl" and (musl := ccrates.musl_refusals(crates)):
            lines.append(f"{image.name} links C ({names}): refused on {plan.runtime}: "
                         + "; ".join(f"{why} (way out: {way})" for why, way in musl))
            continue
        need = ccrates.needs(crates, platform, triple, libc=plan.libc)
        cost = " ".join(need.builder_packages) or "nothing but the target's C compiler"
        refused = [why for c in crates if (why := c.bindgen_refusal(triple))]
        lines.append(f"{image.name} links C ({names}): the builder adds {cost}"
                     + (f"; refused: {'; '.join(refused)}" if refused else ""))
    return "\n".join(lines)


def c_cost_for_runtimes(plan: Plan) -> list[str]:
    """Per runtime base, what the C libraries of the chosen binaries cost there, or why that
    runtime is refused for them; [] without C dependencies."""
    if not any(plan.workspace.crates_of(i.name) for i in plan.images):
        return []
    lines = []
    for runtime in RUNTIMES:
        candidate = plan.with_changes(runtime=runtime)
        costs = []
        for image in plan.images:
            crates = candidate.workspace.crates_of(image.name)
            if candidate.libc == "musl":
                refused = ccrates.musl_refusals(crates)
                costs += [f"{image.name}: refused: {why} (way out: {way})"
                          for why, way in refused]
                continue
            first = candidate.platform_objects[0] if candidate.platform_objects else None
            if first is None:
                continue
            need = ccrates.needs(crates, first, first.triple(candidate.libc), libc="gnu",
                                 runtime=runtime, debian=candidate.debian)
            if need.runtime_packages:
                how = "installed" if runtime == "debian-slim" else "copied in from the tini stage"
                costs.append(f"{image.name}: {', '.join(need.runtime_packages)} {how}")
        lines.append(f"{runtime}: " + ("; ".join(costs) or "nothing extra"))
    return lines


def platform_choices() -> tuple[Choice, ...]:
    """All eight platforms of the table, each explaining what it needs."""
    return tuple(Choice(p.name, p.name, platform_help(p)) for p in platforms.PLATFORMS)


def candidate_images(workspace, defaults: Plan | None = None) -> tuple[Image, ...]:
    """Every image the workspace could produce: one per server binary and one per web app.

    Images the default plan already describes (say, from rsdock.toml) keep its Dockerfile paths
    and names; the others are named as ``rsdock init --yes`` names them.

    Args:
        workspace: the scanned ``rsdock.lint.model.cargo.Workspace``.
        defaults: the default plan, whose images win over the generated ones.
    """
    known = {image.name: image for image in (defaults.images if defaults else ())}
    found = workspace_images(workspace)
    names = {image.name for image in found}
    return (tuple(known.get(image.name, image) for image in found)
            + tuple(image for image in known.values() if image.name not in names))


def left_out_by_default(workspace) -> dict[str, str]:
    """Why the defaults leave each binary out of a large workspace, by image name."""
    return {entry.image.name: entry.reason for entry in default_selection(workspace).left_out}


def left_out_line(left_out: dict[str, str]) -> str:
    """The images step's line about the binaries the defaults leave unticked (``left_out``:
    :func:`left_out_by_default`), saying why by kind: tooling, or features left off."""
    featured = sum(1 for reason in left_out.values() if reason.startswith(FEATURES_REASON))
    tooling = len(left_out) - featured
    kinds = [f"{tooling} look{'s' if tooling == 1 else ''} like tooling"] if tooling else []
    kinds += [f"{featured} need{'s' if featured == 1 else ''} features the defaults leave off"
              ] if featured else []
    count = "1 binary is" if len(left_out) == 1 else f"{len(left_out)} binaries are"
    return (f"{count} not ticked ({' and '.join(kinds)}; the highlighted one says why); tick "
            "any you want imaged.")


def image_choices(candidates: tuple[Image, ...], left_out: dict[str, str] | None = None
                  ) -> tuple[Choice, ...]:
    """The candidate images as choices, saying what each one is.

    Args:
        candidates: every image the workspace could produce.
        left_out: why the defaults leave some out (:func:`left_out_by_default`), by name.
    """
    left_out = left_out or {}

    def describe(image: Image) -> str:
        if image.kind == "web":
            return (f"trunk web app {image.package} in {image.package_dir}: built once to wasm, "
                    f"served by a per-platform static file server ({image.dockerfile})")
        text = (f"binary {image.name} of package {image.package} ({image.dockerfile}, final "
                f"stage {stage_name(image)}: binaries sharing a Dockerfile compile in one cargo "
                "build per platform)")
        if image.name in left_out:
            text += (f". Left out by default: {left_out[image.name]}; tick it to image it "
                     "anyway")
        return text
    return tuple(Choice(image.name, f"{image.name} ({image.kind})", describe(image))
                 for image in candidates)


# --- answers: the only way a front end changes the plan -------------------------------------

def set_images(plan: Plan, candidates: tuple[Image, ...], names: list[str]) -> Plan:
    """Keep the candidates called ``names``, in candidate order, keeping edited paths."""
    current = {image.name: image for image in plan.images}
    chosen = tuple(current.get(c.name, c) for c in candidates if c.name in names)
    return plan.with_changes(images=chosen)


def set_image_field(plan: Plan, name: str, *, dockerfile: str | None = None,
                    image: str | None = None) -> Plan:
    """Change the Dockerfile path or the image repository of the image called ``name``."""
    changes = {key: value.strip() for key, value in (("dockerfile", dockerfile),
                                                     ("image", image)) if value is not None}
    plan = plan.with_changes(images=tuple(replace(entry, **changes) if entry.name == name
                                          else entry for entry in plan.images))
    if changes.get("image"):
        # An image named on ghcr.io means logging in there: follow it, as `rsdock init` does,
        # when every named image agrees (otherwise the registry step shows the conflict).
        follows = registry_of_images(i.image for i in plan.images if i.image)
        if follows:
            plan = plan.with_changes(registry=follows)
    return plan


def set_platforms(plan: Plan, names: list[str]) -> Plan:
    """Choose platforms; stored in the table's order whatever order they were ticked in."""
    order = platforms.names()
    return plan.with_changes(platforms=tuple(n for n in order if n in names))


_SINGLE_CHOICES = ("runtime", "debian", "cache", "registry", "pin_actions", "strategy", "signing",
                   "updates")


def set_choice(plan: Plan, field: str, value: str) -> Plan:
    """Set one single-choice answer (runtime, debian, cache, registry, pin_actions, strategy,
    signing, updates).

    Raises:
        KeyError: for a field that is not a single choice.
    """
    if field not in _SINGLE_CHOICES:
        raise KeyError(f"{field!r} is not a single-choice answer")
    return plan.with_changes(**{field: value})


def parse_branches(text: str) -> tuple[str, ...]:
    """``"main, release"`` -> ``("main", "release")``: commas or spaces separate branches."""
    return tuple(part for part in text.replace(",", " ").split() if part)


def set_triggers(plan: Plan, *, branches: str | None = None, tags: bool | None = None,
                 pull_requests: bool | None = None) -> Plan:
    """Change when the workflow runs; unspecified parts keep their value."""
    old = plan.triggers
    return plan.with_changes(triggers=Triggers(
        parse_branches(branches) if branches is not None else old.branches,
        old.tags if tags is None else tags,
        old.pull_requests if pull_requests is None else pull_requests,
        old.tag_patterns,
    ))


def tags_label(plan: Plan) -> str:
    """What the tag question offers: ``version tags (v1.2.3)``, or the project's own
    release tag patterns (``release tags (server-v*)``)."""
    if plan.triggers.semver_tags:
        return "version tags (v1.2.3)"
    return f"release tags ({', '.join(plan.triggers.tag_patterns)})"


def set_rust_version(plan: Plan, version: str) -> Plan:
    """Change the Rust version the builder and cargo-chef images use."""
    return plan.with_changes(rust_version=version.strip())


def set_workflow(plan: Plan, path: str) -> Plan:
    """Change the workflow file's path."""
    return plan.with_changes(workflow=path.strip())


# --- what each step shows -------------------------------------------------------------------

def problem_step(problem: Problem) -> str:
    """The id of the step where the answer behind ``problem`` is made."""
    if problem.field.startswith("image "):
        return "images"
    return _FIELD_STEPS.get(problem.field, "review")


def problems_for(plan: Plan, step_id: str) -> list[Problem]:
    """The plan's problems whose answer belongs to step ``step_id``.

    A platform the runtime cannot run is shown on both steps: either answer can fix it.
    """
    found = [p for p in plan.problems() if problem_step(p) == step_id]
    if step_id == "runtime":
        found += combination_problems(plan)
    return found


def combination_problems(plan: Plan) -> list[Problem]:
    """The platform problems that another runtime or Debian release would not have."""
    platform_problems = [p for p in plan.problems() if problem_step(p) == "platforms"]
    others = [plan.with_changes(runtime=r, debian=d) for r in RUNTIMES
              for d in DEBIAN_RELEASES]
    other_problems = [set(o.problems()) for o in others]
    return [p for p in platform_problems if any(p not in found for found in other_problems)]


def runtimes_allowing(plan: Plan) -> list[tuple[str, str]]:
    """The (runtime, debian) pairs under which ``plan``'s platforms have no problem.

    The platform step comes before the runtime step: a platform that the current runtime
    cannot run (riscv64 on bookworm) is still a fine answer when a later one can.
    """
    pairs = []
    for runtime in RUNTIMES:
        for debian in DEBIAN_RELEASES if asks_release(runtime) else (plan.debian,):
            candidate = plan.with_changes(runtime=runtime, debian=debian)
            if not problems_for(candidate, "platforms"):
                pairs.append((runtime, debian))
    return pairs


def workspace_summary(workspace, root: Path) -> list[tuple[str, str]]:
    """(label, value) rows describing the scanned workspace for the project step."""
    members = ", ".join(p.name for p in workspace.members) or "none"
    binaries = ", ".join(t.name for _, t in workspace.native_binaries) or "none"
    web = ", ".join(p.name for p in workspace.web_apps)
    existing = [name for name in ("Dockerfile", ".dockerignore", "rsdock.toml")
                if (root / name).exists()]
    existing += sorted(p.name for p in root.glob("Dockerfile.*"))
    workflows = root / ".github" / "workflows"
    if workflows.is_dir():
        existing += sorted(f".github/workflows/{p.name}" for p in workflows.glob("*.y*ml"))
    return [
        ("Root", str(root)),
        ("Members", members),
        ("Binaries", binaries),
        ("Web apps", web or "none"),
        ("Minimum Rust", _minimum_rust(workspace)),
        ("Existing files", ", ".join(existing) or "none"),
    ]


def _minimum_rust(workspace) -> str:
    """The workspace's own Rust facts, said as what they are: ``rust-version`` is the oldest Rust
    it builds with (not the one the images use, which is the answer below it on the page), and
    a toolchain file pins the one cargo runs."""
    minimum = getattr(workspace, "rust_version", None)
    text = (f"{minimum} (rust-version in Cargo.toml: the oldest Rust the workspace builds with)"
            if minimum else "not set (Cargo.toml has no rust-version)")
    toolchain = getattr(workspace, "toolchain", None)
    if toolchain is not None and getattr(toolchain, "version", None):
        text += f"; the toolchain file pins {toolchain.version}"
    return text


def next_steps(plan: Plan) -> list[str]:
    """What to do after writing: secrets to create and commands to build locally."""
    lines: list[str] = []
    if plan.registry == "dockerhub":
        lines.append("Create the repository secrets DOCKERHUB_USERNAME (your Docker Hub user) and "
                     "DOCKERHUB_TOKEN (an access token from Docker Hub > Account settings > "
                     "Personal access tokens, never your password).")
    else:
        lines.append("No secret needed: the workflow logs in to ghcr.io with GITHUB_TOKEN "
                     "(check Settings > Actions > Workflow permissions allows packages: write).")
    platform_list = ",".join(plan.platforms)
    lines.append("Create a builder that can build several platforms once: "
                 "docker buildx create --use --name rsdock")
    for image in plan.images:
        target = f" --target {stage_name(image)}" if image.kind == "bin" else ""
        lines.append(f"Build {image.name} locally: docker buildx build --platform {platform_list} "
                     f"-f {image.dockerfile}{target} -t {image.image or image.name}:dev .")
    lines.append("Check the result at any time: rsdock lint")
    lines.append(f"Commit the files and push: {plan.workflow} builds and pushes the images.")
    return lines



@record(frozen=True)
class Session:
    """The facts every step reads: where the workspace is and what the scan found.

    Attributes:
        root: the workspace root files are written under.
        workspace: the scanned ``rsdock.lint.model.cargo.Workspace``.
        candidates: every image the workspace could produce (:func:`candidate_images`).
        example: whether ``root`` is a temporary copy of rsdock's bundled example.
        left_out: what the defaults left out and why (a platform the workspace cannot build),
            for the step it belongs to.
        branch_note: where the default push branch came from, or that it is unknown.
    """

    root: Path
    workspace: object
    candidates: tuple[Image, ...]
    example: bool = False
    left_out: tuple[str, ...] = ()
    branch_note: str = ""
