"""The plan ``rsdock init --yes`` uses: the research's choices, the workspace's targets.

Every binary target and trunk web app becomes an image unless the user names some, or the
workspace has more than a handful of binaries: then the ones that look like tooling are left
out (:mod:`rsdock.wizard.generate.selection` says which and why). Every binary shares
``Dockerfile`` (one build for many images: a final stage each) and a web app gets
``Dockerfile.<name>`` (the research's ``Dockerfile`` + ``Dockerfile.frontend``). Explicit choices override a previous plan (from
``rsdock.toml``), which overrides the defaults.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path
from typing import Iterable, Mapping

from rsdock import validate
from rsdock.errors import UserError
from rsdock.lint.analysis import needs, tls
from rsdock.lint.analysis.cdeps import c_crates, probed
from rsdock.lint.model.cargo_features import DEFAULT, Request
from rsdock.lint.knowledge import platforms as platform_table
from rsdock.lint.model.gitrepo import Repository
from rsdock.lint.model.paths import leaves_root
from rsdock.records import replace
from rsdock import fs
from rsdock.wizard.generate import ignore_merge, updates
from rsdock.wizard.generate.plan import (DEFAULT_RUST_VERSION, Image, Plan, PlanError,
                                         WorkspaceFacts, registry_for_host)
from rsdock.wizard.generate.repository import (default_triggers, member_submodules, repo_prefix,
                                               repository)
from rsdock.wizard.generate.selection import Selection, missing_features, select


def workspace_images(ws) -> tuple[Image, ...]:
    """One image per binary target, then one per trunk web app, in workspace order.

    Args:
        ws: a scanned ``rsdock.lint.model.cargo.Workspace``.
    """
    return name_dockerfiles(_found_images(ws))


def default_selection(ws) -> Selection:
    """The images the defaults choose among :func:`workspace_images`, and the ones left out."""
    return select(ws, workspace_images(ws))


def name_dockerfiles(images: Iterable[Image]) -> tuple[Image, ...]:
    """Give every image without a Dockerfile path one, keeping the paths already set.

    Binaries share ``Dockerfile`` (a plain ``docker build .`` finds it): one builder compiles
    them all once per platform and each image is a final stage of its own. A web app gets
    ``Dockerfile.<name>``.
    """
    named = []
    for image in images:
        if not image.dockerfile:
            image = replace(image, dockerfile="Dockerfile" if image.kind == "bin"
                            else f"Dockerfile.{image.name}")
        named.append(image)
    return tuple(named)


def workspace_facts(ws) -> WorkspaceFacts:
    """What the scanned workspace imposes on every plan for it (see :class:`WorkspaceFacts`).

    Args:
        ws: a scanned ``rsdock.lint.model.cargo.Workspace``.
    """
    toolchain = getattr(ws, "toolchain", None)
    target_dir = getattr(ws, "target_dir", "target")
    ignored = []
    for config in (getattr(ws, "config", None), getattr(ws, "local_config", None)):
        directory = getattr(config, "target_dir", None)
        if directory and not leaves_root(directory) and directory != "target" \
                and directory not in ignored:
            ignored.append(directory)
    built = _build_needs(ws)
    built["c_crates"] = _c_crates(ws, built.pop("pkg_config", ()))
    return WorkspaceFacts(
        repo_prefix=repo_prefix(ws),
        msrv=getattr(ws, "rust_version", None),
        toolchain_file=toolchain.file if toolchain else "",
        toolchain_channel=toolchain.channel if toolchain else "",
        toolchain_targets=toolchain.targets if toolchain else (),
        target_dir=target_dir,
        ignored_dirs=tuple(ignored),
        lockfile=bool(getattr(ws, "has_lockfile", True)),
        bin_features=bin_features(ws),
        updater_files=_updater_files(ws),
        submodules=member_submodules(ws),
        system_certs=(getattr(ws, "root", None) is None
                      or tls.lock_reads_system_store(Path(ws.root))),
        **built,
    )


def _updater_files(ws) -> tuple[tuple[str, str], ...]:
    """The update bot configurations at the git root around ``ws`` (see
    :data:`rsdock.wizard.generate.updates.ALL_FILES`), as ``(path, text)``."""
    root = Path(getattr(ws, "root", "."))
    prefix = repo_prefix(ws)
    git_root = root.joinpath(*[".."] * len(prefix.split("/"))) if prefix else root
    found = []
    for rel in updates.ALL_FILES:
        try:
            text = fs.read_text(git_root, rel, limit=1_000_000)
        except UserError as error:
            # unreadable, too big, not UTF-8: merged into nothing, so never written over
            found.append((rel, updates.UNREADABLE + str(error)))
            continue
        if text is not None:
            found.append((rel, text))
    return tuple(found)


def _build_needs(ws) -> dict:
    """What the build reads and runs beyond Cargo.lock (:mod:`rsdock.lint.analysis.needs`) and
    the project's own ``.dockerignore`` lines, as :class:`WorkspaceFacts` fields."""
    root = getattr(ws, "root", None)
    if root is None or not getattr(ws, "members", None):
        return {}
    found = needs.scan(ws)
    lines, marked = ignore_merge.read_project_lines(Path(root) / ".dockerignore")
    build_notes = list(found.unmet)
    for item in found.inputs:
        if not item.exists:
            build_notes.append(
                f"{item.source}:{item.line} reads {item.path} ({item.how}), which is not in "
                "the repository: something makes it before cargo runs, and the generated "
                "Dockerfile does not; add that step to the builder inside a `# rsdock:keep` "
                "block before `cargo build`")
    for step in found.steps:
        command = step.command if len(step.command) <= 80 else step.command[:77] + "..."
        if command.upper().startswith(("COPY ", "ADD ")):
            build_notes.append(f"{step.source}:{step.line} puts files into the image "
                               f"(`{command}`); the generated Dockerfile copies only the binary: "
                               "if the program reads them, add the line to its final stage inside "
                               "a `# rsdock:keep` block")
            continue
        build_notes.append(f"{step.source}:{step.line} runs `{command}` before cargo "
                           "builds; the generated Dockerfile does not: if the build or the image "
                           "needs its output, add the step inside a `# rsdock:keep` block")
    # A build that links libpython (pyo3-ffi's row) gets a PYO3_CONFIG_FILE: pyo3-build-config
    # runs no interpreter, so the builder needs no python3.
    embeds = any(r.crate.python_version for m in ws.members
                 for r in c_crates(ws, m.name))
    programs = tuple((p.name, p.package, p.reason) for p in found.programs
                     if p.name not in needs.SLIM_BUILDER_PROGRAMS
                     and (p.name != "git" or found.git == "needs-git" or p.always)
                     and not (embeds and p.name == "python3" and "pyo3-build-config" in p.reason))
    for name, package, reason in programs:
        if name in ("rustfmt", "cargo-fmt", "clippy-driver"):
            build_notes.append(f"{reason}, which the rust image's minimal profile lacks: add "
                               f"`rustup component add {name.replace('cargo-fmt', 'rustfmt')}` "
                               "to the builder inside a `# rsdock:keep` block")
        elif not package:
            build_notes.append(f"{reason}, which rsdock does not know how to install: add it "
                               "to the builder inside a `# rsdock:keep` block")
    # What the generated Dockerfile itself copies and compiles: a project's own allow-list
    # (`*` then `!crates/**`) must not hide it either.
    own = {"Cargo.toml", "Cargo.lock", ".cargo", getattr(getattr(ws, "toolchain", None),
                                                        "file", "") or ""}
    for member in ws.members:
        if member.dir == ".":
            own |= {"src", "build.rs"}
        else:
            own.add(member.dir)
    own = {p for p in own if p and (Path(root) / p).exists()}
    if found.git == "needs-git":
        own.add(".git")  # a project line `.git` must not hide it either
    return {
        "compile_inputs": tuple(sorted({i.path for i in found.inputs if i.exists} | own)),
        "git": found.git, "git_reason": found.git_reason,
        "programs": tuple(p for p in programs if p[1]),
        "build_notes": tuple(dict.fromkeys(build_notes)),
        "dockerignore_lines": lines, "dockerignore_marked": marked,
        "pkg_config": found.pkg_config,
    }


def bin_features(ws) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``(binary, ("package/feature", ...))`` for each binary whose ``required-features`` the
    defaults leave off: the build of its image passes them (see WorkspaceFacts.bin_features)."""
    found = []
    for package, target in getattr(ws, "native_binaries", ()):
        missing = missing_features(ws, package, target)
        if missing:
            found.append((target.name, tuple(f"{package.name}/{f}" for f in missing)))
    return tuple(found)


def _c_crates(ws, probes: tuple = ()) -> tuple:
    """Per binary, the C crates its package reaches (see WorkspaceFacts.c_crates), built with
    the features its ``required-features`` need; a crate only some architectures reach (a
    ``cfg(target_arch = ...)`` table) carries ``only=``. ``probes``
    (:attr:`rsdock.lint.analysis.needs.Needs.pkg_config`) adds the table's
    ``pkgconfig-<module>`` row for each library a member the package builds looks up."""
    found = []
    by_package: dict[tuple[str, tuple[str, ...]], tuple] = {}
    for package, target in getattr(ws, "native_binaries", ()):
        request = Request(features=missing_features(ws, package, target))
        key = (package.name, request.features)
        if key not in by_package:
            by_package[key] = _package_crates(ws, package.name, c_crates, request) + \
                _probed(ws, package, probes)
        if by_package[key]:
            found.append((target.name, by_package[key]))
    return tuple(found)


def _probed(ws, package, probes: tuple) -> tuple:
    """``pkgconfig-<module>`` entries for the pkg-config lookups of the members ``package``
    builds (:func:`rsdock.lint.analysis.cdeps.probed`, which lint asks too)."""
    return tuple((r.crate.name, f"{package.name} -> {r.path[-2]}: {where} probes {module}")
                 for r in probed(ws, package.name, probes)
                 for member, module, where in probes
                 if r.crate.name == f"pkgconfig-{module}" and member == r.path[-2])


def _package_crates(ws, package: str, c_crates, request: Request = DEFAULT) -> tuple:
    reached = c_crates(ws, package, None, request)
    per_platform = {p.name: {r.crate.name for r in c_crates(ws, package, p.rust_arch, request)}
                    for p in platform_table.PLATFORMS}
    entries = []
    for r in reached:
        where = [name for name, crates in per_platform.items() if r.crate.name in crates]
        only = () if len(where) == len(per_platform) else ("only=" + ",".join(where),)
        entries.append((r.crate.name, r.via) + r.flags + only)
    return tuple(entries)


def workspace_platforms(ws) -> tuple[str, ...] | None:
    """The Linux platforms the workspace itself names, in table order, or None.

    ``targets`` of the toolchain file and ``[build] target`` of the root's config name targets
    the developers build for. They are a hint, never a limit: rustup installs them for local
    builds (a toolchain file listing only x86_64 is common where the project's own CI
    publishes arm64), and the generated Dockerfile passes ``--target`` itself.
    """
    toolchain = getattr(ws, "toolchain", None)
    config = getattr(ws, "config", None)
    triples = list(toolchain.targets if toolchain else ()) + list(
        getattr(config, "build_targets", ()) or ())
    named = {p.name for p in map(platform_table.by_triple, triples) if p is not None}
    chosen = tuple(name for name in platform_table.names() if name in named)
    return chosen or None


def platform_hint(ws, plan: Plan) -> str:
    """What the toolchain file and ``[build] target`` say about platforms, when the plan's
    platforms differ from them; "" otherwise (see :func:`workspace_platforms`)."""
    named = workspace_platforms(ws)
    chosen = tuple(p.name for p in plan.platform_objects)
    if named is None or set(named) == set(chosen):
        return ""
    toolchain = getattr(ws, "toolchain", None)
    source = toolchain.file if toolchain is not None and toolchain.targets else \
        ".cargo/config.toml [build] target"
    return (f"{source} names {', '.join(named)}: a hint for local builds, not a limit; the "
            f"images are built for {', '.join(chosen)} (--platform {','.join(named)} follows "
            "the file)")


def with_workspace(plan: Plan, ws) -> Plan:
    """``plan`` with the facts of ``ws`` attached (rendering reads them from the plan)."""
    return plan.with_changes(workspace=workspace_facts(ws))


def _found_images(ws) -> tuple[Image, ...]:
    # A trunk app's own main.rs compiles to wasm: it is served by the web image, not run.
    bins = ws.native_binaries
    webs = ws.web_apps
    return tuple(
        [Image(target.name, "bin", package.name, "", _dir(package)) for package, target in bins]
        + [Image(package.name, "web", package.name, "", _dir(package)) for package in webs]
    )


def default_plan(ws, *, bins: Iterable[str] | None = None,
                 platforms: Iterable[str] | None = None, runtime: str | None = None,
                 cache: str | None = None, registry: str | None = None,
                 debian: str | None = None, pin_actions: str | None = None,
                 strategy: str | None = None, signing: str | None = None,
                 updates: str | None = None, images: Mapping[str, str] | None = None,
                 base: Plan | None = None, notes: list[str] | None = None,
                 branches: Iterable[str] | None = None,
                 repo: Repository | None = None) -> Plan:
    """The validated plan for ``ws`` with the given choices and defaults for the rest.

    Args:
        ws: a scanned ``rsdock.lint.model.cargo.Workspace``.
        bins: the binaries and web apps to package (when None: the previous plan's, else
            :func:`default_selection`'s).
        platforms: BuildKit platform strings (aliases such as ``linux/arm64/v8`` are accepted).
        runtime: runtime base, see ``plan.RUNTIMES``.
        cache: cache backend, see ``plan.CACHES``.
        registry: registry, see ``plan.REGISTRIES``.
        debian: Debian release of the builder and runtime.
        pin_actions: ``sha`` or ``tag``.
        strategy: how CI builds the platforms, see ``plan.STRATEGIES``.
        signing: how the workflow signs pushed images, see ``plan.SIGNINGS``.
        updates: the update bot configuration, see ``plan.UPDATERS``.
        images: image references by image name (``server`` -> ``ghcr.io/acme/server``).
        base: a previous plan (from ``rsdock.toml``) whose choices win over the defaults.
        notes: collects what the defaults left out and why (a default platform the workspace
            cannot build), for the caller to tell the user.
        branches: the branches the workflow pushes from (default: the previous plan's, else
            the repository's default branch, see :func:`default_triggers`).
        repo: the repository around ``ws`` when the caller read it already.

    Raises:
        UserError: naming unknown ``bins`` or ``images`` (with the real names), or listing every
            problem of the resulting plan with its way out.
    """
    available = _available_images(ws, base)
    if bins is not None:
        chosen = _choose(ws, available, bins, "--bin")
    else:
        chosen = base.images if base else select(ws, available).chosen
    chosen = name_dockerfiles(chosen)
    if images:
        by_name = {image.name: image for image in chosen}
        unknown = [name for name in images if name not in by_name]
        if unknown:
            raise _unknown(ws, unknown, list(by_name), "--image")
        chosen = tuple(replace(i, image=images.get(i.name, i.image)) for i in chosen)
    plan = base or Plan(images=chosen, rust_version=_rust_version(ws),
                        platforms=platform_table.DEFAULT_PLATFORMS,
                        triggers=default_triggers(repo or repository(ws)))
    changes: dict[str, object] = {"images": tuple(chosen), "workspace": workspace_facts(ws)}
    if branches is not None:
        changes["triggers"] = replace(plan.triggers, branches=tuple(
            dict.fromkeys(b.strip() for b in branches if b.strip())))
    for key, value in (("runtime", runtime), ("cache", cache), ("registry", registry),
                       ("debian", debian), ("pin_actions", pin_actions),
                       ("strategy", strategy), ("signing", signing), ("updates", updates)):
        if value is not None:
            changes[key] = value
    if platforms is not None:
        changes["platforms"] = tuple(_platform(p) for p in platforms)
    if registry is None and images:
        follows = registry_of_images(images.values())
        if follows:
            changes["registry"] = follows
    planned = plan.with_changes(**changes)
    if platforms is None and base is None:
        # Nobody chose these platforms: leave out the ones this workspace cannot build (lldap's
        # aws-lc-sys on linux/arm/v7) instead of refusing the defaults themselves.
        kept, left = fitting_platforms(planned)
        if left and kept:
            planned = planned.with_changes(platforms=kept)
            if notes is not None:
                notes += [f"left out {name}: {why}" for name, why in left]
    return validated(planned)


def fitting_platforms(plan: Plan) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """The platforms of ``plan`` it can build, and (platform, why not) for each other one.

    Each platform is tried alone: a problem of the ``platforms`` answer then belongs to it.
    """
    kept: list[str] = []
    left: list[tuple[str, str]] = []
    for name, problems in platform_problems(plan, plan.platforms).items():
        if problems:
            left.append((name, problems[0].message))
        else:
            kept.append(name)
    return tuple(kept), left


def platform_problems(plan: Plan, names: Iterable[str]) -> dict[str, list]:
    """Whether each platform of ``names`` can work with the plan's runtime, Debian release and
    the C libraries its images reach: the one validator (:meth:`Plan.problems`) that ``rsdock
    init``, the TUI and ``rsdock edit --add-platform`` all ask, each platform tried alone.

    Returns:
        ``{platform: [Problem of the platforms answer, ...]}`` (empty lists for the ones that
        work), in the order given; a static musl runtime refused for the C libraries is a
        problem of every platform (the set cannot work with it on any).
    """
    return {name: [p for p in plan.with_changes(platforms=(name,)).problems()
                   if p.field == "platforms" or p.field == "runtime" and p.refusal]
            for name in names}


def edit_plan(ws, images: Iterable[Image], runtime: str | None, debian: str | None) -> Plan:
    """The plan ``rsdock edit`` judges a platform change with: the images the files build (all
    of the workspace's when none could be read), the runtime and release read from them (the
    defaults when unknown), and the workspace's facts (its C libraries)."""
    chosen = tuple(images) or (workspace_images(ws) if ws is not None else ())
    plan = Plan(images=chosen)
    changes: dict[str, object] = {}
    if runtime:
        changes["runtime"] = runtime
    if debian:
        changes["debian"] = debian
    if ws is not None:
        changes["workspace"] = workspace_facts(ws)
    return plan.with_changes(**changes)


def registry_of_images(refs: Iterable[str]) -> str | None:
    """The registry choice every reference is on, or None when they differ or none is known.

    ``--image api=ghcr.io/acme/api`` without ``--registry`` means ghcr.io: logging in to the
    default Docker Hub would make the push fail, so the login follows the names given.
    """
    hosts = {validate.image_registry_host(ref) for ref in refs}
    return registry_for_host(hosts.pop()) if len(hosts) == 1 else None


def validated(plan: Plan) -> Plan:
    """``plan`` if valid, else a UserError listing every problem with its way out."""
    try:
        return plan.validate()
    except PlanError as error:
        raise UserError("these choices cannot be built:\n" + problem_lines(error.problems),
                        hint="change the choices named above",
                        exit_code=refusal_exit_code(error.problems)) from None


def problem_lines(problems, width: int | None = None, indent: str = "  ") -> str:
    """The problems as the CLI and the prompts list them, wrapped to ``width`` columns with
    hanging indents: a refusal's sentence with its ways out on a line below, the images one
    refusal holds for named together; any other problem on one line with its key. By default
    the terminal's width when stderr is one; a log or a pipe gets each sentence on one line,
    for grep."""
    width = width or (shutil.get_terminal_size().columns if sys.stderr.isatty() else 10_000)
    grouped: dict[tuple[str, str], list[str]] = {}
    plain: list[str] = []
    for problem in problems:
        if not problem.refusal:
            plain.append(str(problem))
            continue
        head, _, rest = problem.message.partition(" ")
        image = head if rest.startswith("cannot ") else ""
        key = (rest if image else problem.message, problem.way_out)
        grouped.setdefault(key, []).append(image)
    lines: list[str] = []

    def add(text: str, first: str, more: str) -> None:
        lines.extend(textwrap.wrap(text, width=max(width - 1, 40), initial_indent=first,
                                   subsequent_indent=more, break_on_hyphens=False,
                                   break_long_words=False))

    for (message, way_out), images in grouped.items():
        names = [name for name in images if name]
        add(f"{', '.join(names)} {message}" if names else message, indent, indent + "  ")
        add(f"ways out: {way_out}", indent + "  ", indent + "    ")
    for text in plain:
        add(text, indent, indent + "  ")
    return "\n".join(lines)


def refusal_exit_code(problems) -> int:
    """1 when every problem is a refusal (the choices are understood, but this workspace
    cannot be built with them), 2 when one is bad input."""
    return 1 if problems and all(problem.refusal for problem in problems) else 2


def _available_images(ws, base: Plan | None) -> tuple[Image, ...]:
    # Images rsdock.toml already describes keep their Dockerfile and image reference; the
    # others get their Dockerfile name once chosen.
    known = {image.name: image for image in (base.images if base else ())}
    return tuple(known.get(image.name, image) for image in _found_images(ws))


def _choose(ws, available: tuple[Image, ...], names: Iterable[str], flag: str
            ) -> tuple[Image, ...]:
    # Flag order, each once: a set here listed the unknown names in hash order, run to run.
    names = list(dict.fromkeys(names))
    by_name = {image.name: image for image in available}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise _unknown(ws, unknown, list(by_name), flag)
    # Workspace order, not flag order: the same choice always renders the same files.
    return tuple(image for image in available if image.name in names)


def _unknown(ws, unknown: list[str], real: list[str], flag: str) -> UserError:
    root = Path(getattr(ws, "root", "."))
    listed = ", ".join(real) if real else "none"
    what = "binary or web app" if flag == "--bin" else "chosen image"
    return UserError(
        f"{flag} {', '.join(repr(n) for n in unknown)}: no {what} of that name in the workspace",
        path=str(root / "Cargo.toml"),
        hint=f"choose from: {listed}",
    )


def _rust_version(ws) -> str:
    # The toolchain file's pin is what cargo runs; the image should already hold it.
    toolchain = getattr(ws, "toolchain", None)
    if toolchain is not None and toolchain.version:
        return toolchain.version
    version = getattr(ws, "rust_version", None)
    return version or DEFAULT_RUST_VERSION


def _platform(name: str) -> str:
    # Known aliases become the table's spelling; unknown names stay for validation to report.
    platform = platform_table.get(name)
    return platform.name if platform else name.strip()


def _dir(package) -> str:
    return str(getattr(package, "dir", ".") or ".")
