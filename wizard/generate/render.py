"""Plan -> files: the Dockerfiles, the ``.dockerignore`` and the GitHub Actions workflow.

Everything platform-specific comes from :mod:`rsdock.lint.knowledge.platforms` and is handed to the
templates as values; the templates never spell a triple, a package or a linker themselves.
Nothing here writes to disk: :func:`render` returns ``{relative path: text}``.
"""

from __future__ import annotations

import re
import posixpath
import textwrap

from rsdock.lint.knowledge import actions as known_actions
from rsdock.lint.knowledge import ccrates, debian_deps
from rsdock.lint.knowledge import platforms, runners, runtimes
from rsdock.lint.knowledge.platforms import Platform
from rsdock.lint.model.dockerignore import parse_dockerignore
from rsdock.records import record
from rsdock.wizard.generate import build_needs, ignore_merge, updates
from rsdock.wizard.generate.answers import CONFIG_NAME
from rsdock.wizard.generate.plan import (BUILDER_DEBIAN, DEFAULT_RUST_VERSION, Image, Plan,
                                         stage_name, version_key)
from rsdock.wizard.generate.templating import render_template, sh

# Tools the generated Dockerfiles pin (newest releases in the repositories' snapshots).
CHEF_VERSION = "0.1.77"
# The oldest Rust that installs CHEF_VERSION with `cargo install --locked`: its Cargo.lock holds
# guppy 0.17.25, whose rust-version is 1.86 (LukeMathWalker/cargo-chef v0.1.77 Cargo.lock;
# guppy-rs/guppy guppy-0.17.25 Cargo.toml). An older builder (a toolchain file's pin, or a
# workspace's rust-version) compiles cargo-chef with a newer Rust that the chef stage adds and
# removes again; cargo chef itself then runs the builder's cargo.
CHEF_MIN_RUST = "1.86"
TRUNK_VERSION = "0.21.14"
BUSYBOX_VERSION = "1.37"
WEB_PORT = 8080
# The stage naming the target's base image, whose dpkg status the tini stage extends.
BASE_STAGE = "runtime-base"
# Where the builder's platform RUN leaves the cross settings every cargo RUN sources.
ENV_FILE = "/usr/local/etc/cargo-target.env"
DOCKERIGNORE = ".dockerignore"

_JOB_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@record(frozen=True)
class Target:
    """One platform of a plan and the Rust triple the plan's runtime needs on it."""

    platform: Platform
    triple: str

    @property
    def linker_var(self) -> str:
        """``CARGO_TARGET_<TRIPLE>_LINKER`` for this triple."""
        return platforms.linker_env_var(self.triple)

    @property
    def pkg_config_dir(self) -> str:
        """``PKG_CONFIG_LIBDIR_<triple>``'s value: the target's multiarch ``.pc`` directories,
        so a crate probing pkg-config never finds the build machine's libraries (for musl a
        directory nothing installs to: such crates then build their bundled copy)."""
        if self.triple == self.platform.gnu_triple:
            return ccrates.pkg_config_libdir(self.platform)
        return f"/usr/lib/{ccrates.musl_cc(self.platform).removesuffix('-gcc')}/pkgconfig"

    @property
    def pkg_config_var(self) -> str:
        """``PKG_CONFIG_LIBDIR_<triple_underscored>``."""
        return ccrates.pkg_config_libdir_var(self.triple)

    @property
    def cc_suffix(self) -> str:
        """The suffix of cc-rs's per-target ``CC_``/``AR_`` variables."""
        return platforms.cc_env_suffix(self.triple)


def targets(plan: Plan) -> tuple[Target, ...]:
    """The plan's platforms with the triple for its libc, in the platform table's order."""
    return tuple(Target(p, p.triple(plan.libc)) for p in plan.platform_objects)


def tini_debian(plan: Plan) -> str:
    """The Debian release of the stage that downloads tini-static for the target architecture:
    the plan's, or a later one that has every chosen architecture (riscv64 needs trixie)."""
    return runtimes.debian_for(plan.platform_objects, plan.debian)


def builder_rust(plan: Plan) -> str:
    """The Rust version of the builder image: the toolchain file's exact pin when it names the
    plan's version (``rust:1.85`` holds 1.85.1, so a ``1.85.0`` pin needs ``rust:1.85.0``)."""
    pinned = plan.workspace.toolchain_version
    if pinned and version_key(pinned) == version_key(plan.rust_version):
        return pinned
    return plan.rust_version


def chef_rust(plan: Plan) -> str:
    """The Rust that compiles cargo-chef when the builder's is too old for it (else "")."""
    if version_key(builder_rust(plan)) >= version_key(CHEF_MIN_RUST):
        return ""
    return DEFAULT_RUST_VERSION


def _common(plan: Plan, image: Image) -> dict:
    names = [p.name for p in plan.platform_objects]
    return {
        "image": image,
        "targets": targets(plan),
        "platform_names": ", ".join(names),
        "rust_version": builder_rust(plan),
        "toolchain_file": plan.workspace.toolchain_file,
        "builder_debian": BUILDER_DEBIAN,
        "copied_packages": (),
        "arch_all": frozenset(),
        "dpkg_db": "",
        "lib_roots": (),
        "base_stage": BASE_STAGE,
        "locked": plan.workspace.lockfile,
        "chef_version": CHEF_VERSION,
        "chef_rust": chef_rust(plan),
        "chef_min_rust": CHEF_MIN_RUST,
        "tini_debian": tini_debian(plan),
    }


def _app_path(package_dir: str) -> str:
    """The package directory inside the image's ``/app`` workspace copy."""
    relative = package_dir.strip("/")
    return "/app" if relative in ("", ".") else f"/app/{relative}"


def dockerfile_groups(plan: Plan) -> dict[str, tuple[Image, ...]]:
    """``{Dockerfile path: the images it builds}`` in plan order.

    Binary images naming one Dockerfile (by default all of them: ``Dockerfile``) share it: one
    builder compiles every binary once per platform, and each image is a final stage of its own.
    A web app always has a Dockerfile of its own.
    """
    groups: dict[str, list[Image]] = {}
    for image in plan.images:
        groups.setdefault(image.dockerfile, []).append(image)
    return {path: tuple(images) for path, images in groups.items()}


def group_of(plan: Plan, image: Image) -> tuple[Image, ...]:
    """The images built by ``image``'s Dockerfile (``image`` among them)."""
    return dockerfile_groups(plan).get(image.dockerfile, (image,))


def dockerfile(plan: Plan, image: Image) -> str:
    """The text of the Dockerfile that builds ``image`` (and the other binary images sharing
    its path).

    Args:
        plan: a valid plan.
        image: one of ``plan.images``.

    Returns:
        A multi-stage Dockerfile: chef, planner, builder (cross-compiling on ``$BUILDPLATFORM``),
        a tini stage where the runtime needs one, and one final stage per image.
    """
    context = _common(plan, image)
    if image.kind == "web":
        context.update(
            trunk_version=TRUNK_VERSION,
            busybox_version=BUSYBOX_VERSION,
            web_port=WEB_PORT,
            with_ca_bundle=False,
            with_users=False,
            cargo_args=_cargo_args(plan, "--target wasm32-unknown-unknown "
                                         f"--package {sh(image.package)}"),
            workdir=_app_path(image.package_dir),
            description=f"The {image.package} trunk web app, served by busybox httpd",
        )
        return render_template("Dockerfile.web.j2", **context)
    images = group_of(plan, image)
    base = plan.runtime_base
    bins = " ".join(f"--bin {sh(i.name)}" for i in images)
    context.update(_c_context(plan, images))
    context.update(
        title=_title(images, context["platform_names"]),
        images=images,
        finals=[_final(plan, i, context["lib_roots"]) for i in images],
        libc=base.libc,
        runtime=base,
        runtime_image=base.image(plan.debian),
        uid=base.uid,
        env_file=ENV_FILE,
        cargo_args=_cargo_args(plan, f'--target "$TARGET_TRIPLE" {bins}'
                               + _features(plan, images)),
        target_dir=plan.workspace.target_dir.rstrip("/"),
        needs_tini_stage=True,
        # CA certificates only for a program that reads the system store (RS302's test): one
        # that makes no TLS connection, or bundles webpki roots, never opens them.
        with_ca_bundle=(plan.runtime in ("scratch", "alpine", "debian-slim")
                        and plan.workspace.system_certs),
        with_users=plan.runtime == "debian-slim",
    )
    return render_template("Dockerfile.bin.j2", **context)


def _title(images: tuple[Image, ...], platform_names: str) -> list[str]:
    """The Dockerfile's opening comment: which binaries of which packages, for which platforms,
    how they are built and how ``--target`` picks an image."""
    first, last = stage_name(images[0]), stage_name(images[-1])
    if len(images) == 1:
        image = images[0]
        what = (f"{image.name}: the `{image.name}` binary of the `{image.package}` package, "
                f"for {platform_names}.")
        how = ("Generated by rsdock. Dependencies are cooked by cargo-chef and the binary is "
               "cross-compiled on the build machine ($BUILDPLATFORM), so no compiler ever runs "
               "under QEMU emulation.")
        pick = f"The image is the final stage `{first}` (`docker buildx build --target {first} .`)."
    else:
        packages = list(dict.fromkeys(i.package for i in images))
        what = (f"{', '.join(i.name for i in images)}: the "
                f"{_and([f'`{i.name}`' for i in images])} binaries of the "
                f"{_and([f'`{p}`' for p in packages])} package{'s' if len(packages) > 1 else ''}.")
        how = ("Generated by rsdock. Dependencies are cooked by cargo-chef once, and one cargo "
               "build per platform compiles every binary on the build machine ($BUILDPLATFORM), "
               "so no compiler ever runs under QEMU emulation.")
        pick = (f"Each image is a final stage named after it: `docker buildx build --target "
                f"{first} .` builds {images[0].name}; without --target Docker builds the last "
                f"stage, {last}.")
    # The platform list stays on one line: `rsdock edit` renames it there.
    lines = [what] if len(images) == 1 else _wrap(what) + [f"Platforms: {platform_names}."]
    return lines + _wrap(how) + _wrap(pick)


def _wrap(text: str) -> list[str]:
    # replace_whitespace=False: a control character in a name must reach the renderer's check.
    return textwrap.wrap(text, 96, break_on_hyphens=False, break_long_words=False,
                         replace_whitespace=False)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _final(plan: Plan, image: Image, roots: tuple[LibRoot, ...]) -> dict:
    """What one image's final stage needs: its stage name, description and the tini stage's
    directory holding the libraries it alone links ("" when it links none)."""
    return {
        "image": image,
        "stage": stage_name(image),
        "description": f"The {image.name} binary of the {image.package} package",
        "libs_dir": next((r.dir for r in roots if stage_name(image) in r.stages), ""),
    }


@record(frozen=True)
class LibRoot:
    """A directory the tini stage unpacks shared libraries into, and the final stages copying
    it whole."""

    dir: str
    packages: tuple[str, ...]
    stages: tuple[str, ...]


def lib_roots(plan: Plan, images: tuple[Image, ...]) -> tuple[LibRoot, ...]:
    """One root per distinct library set of ``images`` (``/tini/libs`` when there is one), so
    each final stage gets only the libraries its own binary links."""
    if plan.runtime_base.c_libraries != "copy":
        return ()
    sets: dict[tuple[str, ...], list[str]] = {}
    for image in images:
        packages = runtime_packages(plan, image)
        if packages:
            sets.setdefault(packages, []).append(stage_name(image))
    if len(sets) == 1:
        (packages, stages), = sets.items()
        return (LibRoot("/tini/libs", packages, tuple(stages)),)
    return tuple(LibRoot(f"/tini/libs-{stages[0]}", packages, tuple(stages))
                 for packages, stages in sets.items())


@record(frozen=True)
class Build:
    """One platform's arm of a builder: its target, the packages and the extra environment."""

    target: Target
    packages: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


def builds(plan: Plan, image: Image | tuple[Image, ...]) -> tuple[Build, ...]:
    """Per platform, what the builder installs and exports for ``image`` (or every image of a
    shared Dockerfile: the union of their C crates' needs, in table order).

    Exactly the platform's cross gcc and libc, plus for each C crate the binary reaches the
    build tools, the target's ``-dev`` packages as ``PKG:<arch>``, the C++ cross compiler, and
    the environment of :func:`rsdock.lint.knowledge.ccrates.needs`. (A musl plan with C
    crates never gets here: the plan refuses it, see ``ccrates.musl_refusals``.)
    """
    images = image if isinstance(image, tuple) else (image,)
    tools = build_needs.tool_packages(plan)
    cxx = any(name == "c++" for name, _, _ in plan.workspace.programs)
    found = []
    for target in targets(plan):
        crates = _union_crates(plan, images, target.platform.name)
        need = ccrates.needs(crates, target.platform, target.triple, libc=plan.libc,
                             debian=plan.debian)
        packages, env = target.platform.apt_packages + need.builder_packages, need.env
        if cxx:  # a build script compiles C++: the target's g++, and cc-rs told to use it
            packages += (target.platform.gxx_package,)
            name = f"CXX_{target.cc_suffix}"
            if all(n != name for n, _ in env):
                env += ((name, target.platform.linker.removesuffix("gcc") + "g++"),)
        packages += tools
        found.append(Build(target, tuple(dict.fromkeys(packages)), env))
    return tuple(found)


def runtime_packages(plan: Plan, image: Image) -> tuple[str, ...]:
    """The Debian packages the runtime base lacks for the libraries ``image`` links: what the
    tini stage downloads for the target architecture and unpacks, each library with its
    Depends closure minus what the base image ships (nothing runs on the target, so nothing
    else would bring those dependencies)."""
    platform = plan.platform_objects[0]
    need = ccrates.needs(plan.workspace.crates_of(image.name), platform,
                         platform.triple(plan.libc), libc=plan.libc, runtime=plan.runtime,
                         debian=plan.debian)
    if plan.runtime == "debian-slim":  # needs() names what apt would install; apt never runs
        return debian_deps.unpack_for_debian_slim(need.runtime_packages, plan.debian)
    return need.runtime_packages


def _union_crates(plan: Plan, images: tuple[Image, ...], platform: str | None = None
                  ) -> tuple[ccrates.CCrate, ...]:
    """The C crates any of ``images`` reaches (on ``platform`` when given), each once, in table
    order: one builder compiles them all."""
    found: dict[str, ccrates.CCrate] = {}
    for image in images:
        for crate in plan.workspace.crates_of(image.name, platform):
            found.setdefault(crate.name, crate)
    order = [row.name for row in ccrates.rows()]
    return tuple(sorted(found.values(), key=lambda c: order.index(c.name)
                        if c.name in order else len(order)))


def _c_context(plan: Plan, images: tuple[Image, ...]) -> dict:
    crates = _union_crates(plan, images)
    paths: dict[str, str] = {}
    for image in images:
        for crate_name, path in plan.workspace.paths_of(image.name).items():
            paths.setdefault(crate_name, path)
    arms = builds(plan, images)
    first = arms[0].target
    summary = []
    for crate in crates:
        cost = ccrates.needs((crate,), first.platform, first.triple, libc=plan.libc)
        what = ", ".join(p.split(":")[0] + ":<arch>" if ":" in p else p
                         for p in cost.builder_packages) or "nothing but the target's C compiler"
        summary.append(f"{crate.name} ({crate.links}; {paths.get(crate.name, crate.name)}): "
                       f"{what}")
    copied: list[str] = []
    if plan.runtime_base.c_libraries == "copy":
        for image in images:
            copied += [p for p in runtime_packages(plan, image) if p not in copied]
    return {
        "python_target": python_target(plan, crates),
        "lib_roots": lib_roots(plan, images),
        "builds": arms,
        "c_summary": summary,
        "c_target_packages": any(":" in p for b in arms for p in b.packages),
        "c_env": any(b.env for b in arms),
        "copied_packages": tuple(copied),
        # Architecture: all packages (readline-common) are downloaded without `:<arch>`.
        "arch_all": frozenset(p for p in copied if debian_deps.arch_all(p, plan.debian)),
        # Where the unpacked packages are recorded: debian-slim's dpkg status file (joined to
        # the target base image's own), distroless's one file per package.
        "dpkg_db": "status" if plan.runtime == "debian-slim" else "status.d",
        "tool_summary": build_needs.tool_summary(plan),
        "git_commit_arg": plan.workspace.git == "commit",
        "git_reason": plan.workspace.git_reason,
    }


def python_target(plan: Plan, crates: tuple[ccrates.CCrate, ...]) -> dict | None:
    """The ``python-target`` stage of a build that embeds Python (pyo3-ffi linking libpython):
    the runtime release's ``libpython3.X`` for the target, which the builder links against,
    and the ``PYO3_CONFIG_FILE`` (beside it) that names it; None when no crate links a Python."""
    crate = next((c for c in crates if c.python_version and c.links == ccrates.SYSTEM), None)
    if crate is None:
        return None
    version = crate.python_for(plan.debian)
    return {"version": version, "release": tini_debian(plan),
            "package": f"libpython{version}", "soname": f"libpython{version}.so.1.0",
            "dir": posixpath.dirname(dict(crate.env)["PYO3_CONFIG_FILE"])}


def _features(plan: Plan, images) -> str:
    """`` --features a/x,a/y``: the ``required-features`` of the binaries built here that the
    defaults leave off (cargo refuses ``--bin NAME`` without them), or ""."""
    wanted = dict(plan.workspace.bin_features)
    found = sorted({f for image in images for f in wanted.get(image.name, ())})
    return f" --features {sh(','.join(found))}" if found else ""


def _cargo_args(plan: Plan, rest: str) -> str:
    """The flags cook and build share: ``--locked`` only when there is a Cargo.lock to hold."""
    locked = " --locked" if plan.workspace.lockfile else ""
    return f"--release{locked} {rest}"


def dockerignore(plan: Plan) -> str:
    """The shared ``.dockerignore``: build output, VCS and CI metadata, docs, editor files, then
    the project's own lines and the re-included compile inputs
    (:mod:`rsdock.wizard.generate.ignore_merge`).

    Every Dockerfile rsdock writes copies the whole context (``COPY . .``), so nothing a build
    reads may be excluded; trunk's ``dist/`` output of each web app is.
    """
    facts = plan.workspace
    dist_dirs = sorted({i.package_dir.strip("/") for i in plan.images if i.kind == "web"})
    entries = ["dist/" if d in ("", ".") else f"{d}/dist/" for d in dist_dirs]
    # A package living under docs/ is source: its image (and cargo's workspace) needs it.
    in_docs = any(d == "docs" or d.startswith("docs/") for d in
                  (i.package_dir.strip("/") for i in plan.images))
    output = [f"{d.strip('/')}/" for d in facts.ignored_dirs]
    # The files rsdock writes are build instructions, not build input: BuildKit reads the
    # Dockerfile and this file even when they are ignored, and in the context an edit to any of
    # them (a label, a runtime package) would change `COPY . .` and recompile every image.
    own = sorted({i.dockerfile for i in plan.images} | {DOCKERIGNORE, CONFIG_NAME})
    context = dict(dist_entries=entries, exclude_docs=not in_docs, output_dirs=output,
                   own_files=own, keep_git=facts.git == "needs-git",
                   git_reason=facts.git_reason or "a build script reads git",
                   project_marker=f"{ignore_merge.PROJECT} {ignore_merge.PROJECT_NOTE}",
                   project_end=ignore_merge.END_PROJECT, project_lines=[], reincludes=[])
    # Every line rsdock may write here (whichever way .git and docs/ go): an unmarked file
    # written by an earlier rsdock is not the project's.
    ours = [line for keep_git in (True, False) for docs in (True, False)
            for line in render_template("dockerignore.j2", **{
                **context, "keep_git": keep_git, "exclude_docs": docs}).splitlines()]
    context["project_lines"] = ignore_merge.merge_lines(
        facts.dockerignore_lines, facts.dockerignore_marked, ours)
    text = render_template("dockerignore.j2", **context)
    ignore = parse_dockerignore(DOCKERIGNORE, text)
    context["reincludes"] = [p for p in facts.compile_inputs if ignore.excludes(p)]
    return render_template("dockerignore.j2", **context) if context["reincludes"] else text


def _uses(repo: str, pin: str, subaction: str = "") -> str:
    """``owner/repo[/subaction]@ref`` plus the version comment of a SHA pin."""
    action = known_actions.ACTIONS[repo]
    comment = action.comment(pin)
    uses = action.uses(pin)
    if subaction:
        uses = uses.replace("@", f"/{subaction}@", 1)
    return uses + (f" # {comment}" if comment else "")


# The repository the workflow names an image in, per registry, when the plan gives none. A
# fork's pull request has no secrets; the owner keeps its (unpushed) Docker Hub tags valid.
IMAGE_PREFIX = {"dockerhub": "${{ secrets.DOCKERHUB_USERNAME || github.repository_owner }}/",
                "ghcr": "ghcr.io/${{ github.repository_owner }}/"}


def _image_expr(plan: Plan, image: Image) -> str:
    return image.image or IMAGE_PREFIX[plan.registry] + image.name


# A pull request's workflow is not logged in to the registry: it may only read the cache.
PR_GUARD = "github.event_name != 'pull_request'"
_EXPRESSION_RE = re.compile(r"^\$\{\{(.*)\}\}$")


def cache_values(cache: str, scope: str, image: str | None, pull_requests: bool
                 ) -> tuple[str, str] | None:
    """(cache-from, cache-to) for ``cache`` as rsdock writes them, for the generated workflow
    and for ``rsdock edit`` alike.

    Args:
        cache: gha, registry, local or inline.
        scope: the cache's name (the image name), used by the gha backend.
        image: the image repository without tag (a literal or a whole ``${{ }}`` expression),
            or None when unknown.
        pull_requests: whether the workflow runs on pull requests, which must not write a
            registry cache.

    Returns:
        The two values, or None when the backend needs steps of its own (``local``) or an image
        name that is unknown.
    """
    if cache == "gha":
        return f"type=gha,scope={scope}", f"type=gha,scope={scope},mode=max"
    if cache == "local" or image is None:
        return None
    if cache == "inline":
        return f"type=registry,ref={image}:latest", "type=inline"
    options = "mode=max,image-manifest=true,oci-mediatypes=true"
    to = f"type=registry,ref={image}:buildcache,{options}"
    if pull_requests:
        inner = _EXPRESSION_RE.match(image)
        if inner:
            to = (f"${{{{ {PR_GUARD} && format('type=registry,ref={{0}}:buildcache,{options}', "
                  f"{inner[1].strip()}) || '' }}}}")
        else:
            to = f"${{{{ {PR_GUARD} && '{to}' || '' }}}}"
    return f"type=registry,ref={image}:buildcache", to


def _cache_lines(cache: str, name: str, per_platform: bool = False, *,
                 image_step: str = "image", write: bool = True) -> list[str]:
    """The build step's cache-from and cache-to lines.

    With ``per_platform`` (a native matrix leg) every platform gets its own scope, directory
    or cache tag, or the legs would overwrite each other's cache. ``image_step`` is the id of
    the step naming the image whose repository holds a registry cache; without ``write`` only
    the cache-from line (a later build of a shared Dockerfile reads what the first wrote).
    """
    slug = "-${{ matrix.slug }}" if per_platform else ""
    if cache == "local":
        local = f"${{{{ runner.temp }}}}/buildx-cache-{name}{slug}"
        lines = [f"cache-from: type=local,src={local}",
                 f"cache-to: type=local,dest={local}-new,mode=max"]
    elif per_platform and cache == "registry":
        # A tag per leg (buildcache-linux-arm64), as `rsdock edit --cache registry` writes it.
        name = f"steps.{image_step}.outputs.name"
        options = "mode=max,image-manifest=true,oci-mediatypes=true"
        lines = [f"cache-from: type=registry,ref=${{{{ {name} }}}}:buildcache-${{{{ matrix.slug }}}}",
                 f"cache-to: ${{{{ {PR_GUARD} && format('type=registry,ref={{0}}:buildcache-{{1}},"
                 f"{options}', {name}, matrix.slug) || '' }}}}"]
    else:
        # Guarded as if pull requests ran it whatever the triggers: the guard costs nothing
        # when they do not, and keeps the file the same when pull requests are switched on.
        values = cache_values(cache, name + slug, f"${{{{ steps.{image_step}.outputs.name }}}}",
                              pull_requests=True)
        assert values is not None  # not local (above), and the image is named
        cache_from, cache_to = values
        lines = [f"cache-from: {cache_from}", f"cache-to: {cache_to}"]
    return lines if write else lines[:1]


@record(frozen=True)
class Leg:
    """One leg of a native matrix: a platform, its runner and its cache and artifact slug."""

    platform: str
    runner: str
    native: bool
    runner_platform: str
    slug: str


def legs(plan: Plan) -> tuple[Leg, ...]:
    """The native strategy's matrix: one leg per platform, on its own runner if one exists."""
    found = []
    for platform in plan.platform_objects:
        where = runners.leg(platform.name)
        found.append(Leg(platform.name, where.runner, where.native, where.runner_platform,
                         platform.name.replace("/", "-")))
    return tuple(found)


def _job_id(name: str, taken: set[str]) -> str:
    """A job id from ``name`` (``image-<name>`` when it does not start like one), unique."""
    base = name if _JOB_ID_RE.match(name) else f"image-{name}"
    found, number = base, 2
    while found in taken:
        found, number = f"{base}-{number}", number + 1
    taken.add(found)
    return found


def _group_jobs(plan: Plan) -> list[dict]:
    """One job (a matrix of legs with ``--strategy native``) per Dockerfile, building each of
    its images in turn: the first build step compiles the workspace once per platform, the
    others reuse its builder stage from the same buildx builder's cache."""
    native = plan.strategy == "native"
    names = [p.name for p in plan.platform_objects]
    groups = dockerfile_groups(plan)
    several = sum(1 for images in groups.values() if len(images) > 1)
    taken: set[str] = set()
    jobs = []
    for path, images in groups.items():
        shared = len(images) > 1
        if shared:
            label = "binaries" if several == 1 else f"binaries-{re.sub(r'[^A-Za-z0-9_-]', '-', path)}"
            job_id = _job_id(label, taken)
        else:
            job_id = _job_id(images[0].name, taken)
        scope = job_id if shared else images[0].name
        first_step = f"image-{stage_name(images[0])}" if shared else "image"
        entries = []
        for index, image in enumerate(images):
            stage = stage_name(image)
            suffix = f"-{stage}" if shared else ""
            # inline caches live in each image; every other backend has one place per file.
            own = plan.cache == "inline"
            entries.append({
                "image": image,
                "stage": stage,
                "target": stage if image.kind == "bin" else "",
                "image_expr": _image_expr(plan, image),
                "suffix": suffix,
                "image_id": f"image{suffix}",
                "meta_id": f"meta{suffix}",
                "build_id": f"build{suffix}",
                "merge_id": _job_id(f"{image.name}-manifest", taken) if native else "",
                "digest_prefix": f"digests-{image.name}",
                "digest_dir": f"digests/{stage}" if shared else "digests",
                "cache_lines": _cache_lines(
                    plan.cache, scope if not own else image.name, per_platform=native,
                    image_step=f"image{suffix}" if own else first_step,
                    write=own or index == 0),
            })
        # The cross strategy signs in a job of its own; native signs in each merge job.
        sign_id = _job_id(f"{job_id}-sign", taken) \
            if plan.signing != "none" and not native else ""
        jobs.append({
            "id": job_id,
            "sign_id": sign_id,
            "shared": shared,
            "title": ", ".join(image.name for image in images),
            "dockerfile": plan.workspace.repo_path(path),
            "context": plan.workspace.repo_prefix or ".",
            "scope": scope,
            "images": entries,
            "platforms": ",".join(names),
            # vergen reads the commit from this build argument (.git is not in the context).
            "git_commit": plan.workspace.git == "commit" and any(
                i.kind == "bin" for i in images),
        })
    return jobs


def workflow(plan: Plan) -> str:
    """The GitHub Actions workflow building and pushing every image of the plan."""
    pin = plan.pin_actions
    names = [p.name for p in plan.platform_objects]
    uses = {
        "checkout": _uses("actions/checkout", pin),
        "buildx": _uses("docker/setup-buildx-action", pin),
        "login": _uses("docker/login-action", pin),
        "metadata": _uses("docker/metadata-action", pin),
        "build_push": _uses("docker/build-push-action", pin),
        # restore and save separately: save must follow the cache rotation step.
        "cache_restore": _uses("actions/cache", pin, "restore"),
        "cache_save": _uses("actions/cache", pin, "save"),
        "upload_artifact": _uses("actions/upload-artifact", pin),
        "download_artifact": _uses("actions/download-artifact", pin),
        "cosign": _uses("sigstore/cosign-installer", pin),
        "attest": _uses("actions/attest-build-provenance", pin),
    }
    return render_template(
        "workflow.yml.j2",
        jobs=_group_jobs(plan),
        actions=uses,
        triggers=plan.triggers,
        registry=plan.registry,
        cache=plan.cache,
        job_names=", ".join(image.name for image in plan.images),
        strategy=plan.strategy,
        signing=plan.signing,
        legs=legs(plan),
        merge_runner=runners.MERGE_RUNNER,
        platform_names=", ".join(names),
        submodules=plan.workspace.submodules,
    )


def notes(plan: Plan) -> list[str]:
    """What the workspace made the generator decide that a user should hear about.

    Printed by ``rsdock init`` (and shown by the wizard's review): each is one sentence with
    what was decided and why.
    """
    facts = plan.workspace
    found = []
    if not facts.lockfile:
        found.append("the workspace has no Cargo.lock, so cook and build run without --locked "
                     "and resolve dependencies afresh in every build; commit a Cargo.lock "
                     "(`cargo generate-lockfile`) for reproducible images")
    if facts.toolchain_file:
        channel = facts.toolchain_channel or "no channel"
        found.append(f"{facts.toolchain_file} pins the toolchain ({channel}): it is copied "
                     "into the chef stage before any rustup call")
    bin_files = list(dict.fromkeys(i.dockerfile for i in plan.images if i.kind == "bin"))
    if len(bin_files) > 1:
        found.append(f"the binaries have {len(bin_files)} Dockerfiles ({', '.join(bin_files)}), "
                     "so CI compiles the workspace once per Dockerfile and platform; give every "
                     f"binary image dockerfile = \"{bin_files[0]}\" in rsdock.toml to compile "
                     "them all in one build (a final stage each)")
    if facts.submodules:
        shown = ", ".join(facts.submodules[:3]) + (", ..." if len(facts.submodules) > 3 else "")
        found.append(f"members' sources are git submodules ({shown}): the workflow's checkout "
                     "fetches them (submodules: recursive); a local `docker build` needs "
                     "`git submodule update --init --recursive` first")
    if facts.target_dir != "target":
        found.append(f"the root's .cargo config sets target-dir = {facts.target_dir!r}: the "
                     "binary is copied from there")
    try:
        updates.render(plan.updates, dict(facts.updater_files), ())
        found += updates.notes(plan.updates, dict(facts.updater_files))
    except updates.UpdatesError as error:
        found.append(f"{error}: rsdock leaves it as it is")
    return found + build_needs.notes(plan, dockerignore(plan))


def render(plan: Plan) -> dict[str, str]:
    """Render every file of a plan.

    Args:
        plan: the build plan; it is validated first.

    Returns:
        ``{path relative to the git root: text}``: one Dockerfile per
        :func:`dockerfile_groups` entry (every binary image sharing one by default, a web app
        its own), ``.dockerignore``, the workflow (at ``plan.workflow``) and the update bot's
        configuration (``plan.updates``: ``.github/dependabot.yml`` or ``renovate.json``,
        merged into the one on disk, :mod:`rsdock.wizard.generate.updates`). The workspace's
        files are under ``plan.workspace.repo_prefix`` when it is a sub-folder of the
        repository; the workflow is always under the git root's ``.github/workflows/``, the
        only place GitHub runs workflows from (write them under
        ``plan.workspace.repo_root(root)``).

    Raises:
        rsdock.wizard.generate.plan.PlanError: when the plan is invalid, listing every problem.
    """
    plan.validate()
    place = plan.workspace.repo_path
    files = {place(path): dockerfile(plan, images[0])
             for path, images in dockerfile_groups(plan).items()}
    files[place(DOCKERIGNORE)] = dockerignore(plan)
    files[plan.workflow] = workflow(plan)
    bot = _update_config(plan, files)
    if bot is not None:
        files[bot[0]] = bot[1]
    return files


def _update_config(plan: Plan, files: dict[str, str]) -> tuple[str, str] | None:
    """The update bot configuration to write, merged into the one on disk; None when there is
    none to write or the one on disk cannot be merged into (:func:`notes` says why)."""
    dockerfiles = [path for path in files if path != plan.workflow
                   and not path.endswith(DOCKERIGNORE)]
    try:
        return updates.render(plan.updates, dict(plan.workspace.updater_files), dockerfiles)
    except updates.UpdatesError:
        return None
