"""The build plan: every answer a front end collects, validated in one place.

The TUI, the prompts, the flags of ``rsdock init`` and ``rsdock.toml`` all fill a :class:`Plan`;
rendering reads nothing else. Invalid combinations are refused here with the reason and the way
out, so every front end explains them the same way.
"""

from __future__ import annotations

import os
import re
from functools import partial
from pathlib import Path

from rsdock import validate
from rsdock.lint.analysis import compat
from rsdock.fs import shown as printable
from rsdock.lint.knowledge import (ccrates, debian as debian_releases, platforms,
                                   runtimes)
from rsdock.lint.knowledge.names import bin_name_problem, package_name_problem
from rsdock.lint.knowledge.platforms import Platform  # the class body's `platforms` is a field
from rsdock.records import field, record, replace

# The runtime bases and why one would pick each, from the runtime table (for the default
# Debian release; runtime_help names the chosen one).
RUNTIMES: dict[str, str] = {r.name: r.describe() for r in runtimes.RUNTIMES}
CACHES: dict[str, str] = {
    "gha": (
        "GitHub Actions cache (type=gha, mode=max, one scope per Dockerfile): no extra "
        "infrastructure; 10 GB per repository, shared by the team."
    ),
    "registry": (
        "a cache image in your registry (type=registry, mode=max, a ref of its own per "
        "Dockerfile): no size limit, costs registry storage."
    ),
    "local": (
        "a directory on the runner (type=local) restored with actions/cache: must be rotated by "
        "hand or it grows without bound; not shared between branches well."
    ),
    "inline": (
        "cache metadata inside the pushed image (type=inline): min mode only, so the dependency "
        "layers of the builder are not cached; the cheapest to set up."
    ),
}
# The registry host each registry choice logs in to and pushes to.
REGISTRY_HOSTS: dict[str, str] = {"dockerhub": "docker.io", "ghcr": "ghcr.io"}
REGISTRIES: dict[str, str] = {
    "dockerhub": (
        "Docker Hub, logging in with the DOCKERHUB_USERNAME secret and DOCKERHUB_TOKEN, an access "
        "token (never your password)."
    ),
    "ghcr": (
        "GitHub Container Registry with the workflow's own GITHUB_TOKEN and `packages: write`: "
        "no secret to create."
    ),
}
STRATEGIES: dict[str, str] = {
    "cross": (
        "one job per Dockerfile on an amd64 runner, cross-compiling every platform on the build "
        "machine: the fewest jobs; C dependencies must cross-compile."
    ),
    "native": (
        "a matrix leg per platform on a runner of that architecture (ubuntu-24.04, "
        "ubuntu-24.04-arm), pushed by digest and merged into one manifest: faster arm64 builds "
        "and no cross C toolchain; platforms without a hosted runner cross-compile on an amd64 "
        "leg."
    ),
}
# How the workflow signs what it pushes (docs/supply-chain.md says why cosign is the default).
# Every choice publishes BuildKit's SLSA provenance (mode=max) and SBOM with the image.
SIGNINGS: dict[str, str] = {
    "cosign": (
        "cosign keyless: each pushed digest signed with the workflow's OIDC identity, the "
        "signature stored beside the image in your registry; any plan, any registry (a private "
        "repository's name is recorded in the public Rekor log)."
    ),
    "attest": (
        "GitHub artifact attestations (actions/attest-build-provenance): a signed SLSA provenance "
        "per pushed digest, pushed to the registry and kept by GitHub; `gh attestation verify`. "
        "Private repositories need GitHub Enterprise Cloud."
    ),
    "none": (
        "no signature: BuildKit's provenance and SBOM are still attached to the image, unsigned."
    ),
}
# Which update bot keeps the action SHAs and base image tags rsdock writes fresh.
UPDATERS: dict[str, str] = {
    "dependabot": (
        ".github/dependabot.yml with the github-actions and docker ecosystems (merged into an "
        "existing file, never replacing it): GitHub runs it, nothing to install."
    ),
    "renovate": (
        "renovate.json extending config:recommended with the github-actions and dockerfile "
        "managers (merged into an existing file): needs the Renovate app on the repository."
    ),
    "none": "no update configuration: pins go stale (RS410 fires on old action majors).",
}
DEBIAN_RELEASES = runtimes.debian_names()


def runtime_help(runtime: str, debian: str = runtimes.DEFAULT_DEBIAN) -> str:
    """Why one would pick ``runtime``, naming the chosen Debian release's image where the
    runtime follows it (``debian:trixie-slim`` once trixie is chosen)."""
    found = runtimes.get(runtime)
    return found.describe(debian) if found is not None else ""


PIN_MODES = ("sha", "tag")
IMAGE_KINDS = ("bin", "web")
DEFAULT_RUST_VERSION = "1.95"
DEFAULT_WORKFLOW = ".github/workflows/docker.yml"
DEFAULT_TAG_PATTERNS = ("v*",)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_RUST_VERSION_RE = re.compile(r"^1\.\d+(\.\d+)?$")
_TAG_PATTERN_RE = re.compile(r"^[A-Za-z0-9._/*?\[\]+-]{1,200}$")
# What a path may hold to be written unquoted into a Dockerfile, a shell word, YAML and a
# .dockerignore pattern alike: cargo workspaces name their folders like this.
_SAFE_PATH_RE = re.compile(r"^[A-Za-z0-9_.+@-]+(?:/[A-Za-z0-9_.+@-]+)*$")


def _path_problem(path: str) -> str | None:
    """Why ``path`` cannot go into the generated files, or None."""
    if path in (".", ""):
        return None
    if re.search(r"[\x00-\x1f\x7f]", path):
        return "contains a newline or control character"
    if path.startswith("/") or ".." in path.split("/"):
        return "leaves the workspace"
    if not _SAFE_PATH_RE.match(path.strip("/")):
        return ("holds characters that would need quoting in a Dockerfile or shell "
                "(use letters, digits and . _ - + @)")
    return None


# Files of the generated set other than the Dockerfiles, and folders rsdock never writes into.
_OTHER_MEMBERS = (".dockerignore", "rsdock.toml")
_NEVER_WRITTEN = (".git", ".rsdock")


def dockerfile_path_problem(path: str, workflow: str = DEFAULT_WORKFLOW) -> str | None:
    """Why ``path`` cannot be a Dockerfile rsdock writes, or None.

    rsdock writes exactly its file set: a Dockerfile path is a plain relative path inside the
    workspace that is not another member of the set (``.dockerignore``, ``rsdock.toml``, the
    workflow, or a folder holding it) and not inside ``.git/`` or rsdock's own ``.rsdock/``.
    Compared without case: on a case-insensitive disk ``.DockerIgnore`` is ``.dockerignore``.
    """
    if path.startswith("/") or ".." in path.split("/"):
        return "leaves the workspace"
    if path.strip("/") in ("", ".") or path.endswith("/"):
        return "names a folder, not a file"
    problem = _path_problem(path)
    if problem:
        return problem
    parts = [part for part in path.split("/") if part not in ("", ".")]
    folded = "/".join(parts).casefold()
    if parts[0].casefold() in _NEVER_WRITTEN:
        return f"is inside {parts[0]}/, which rsdock never writes into"
    for member in (*_OTHER_MEMBERS, workflow):
        member = member.casefold()
        if folded == member:
            return f"is {member}, another file rsdock generates"
        if member.startswith(folded + "/"):
            return f"is a folder of {member}, another file rsdock generates"
    return None


def shown(value: str) -> str:
    """``value`` with control characters escaped, safe to print in a message."""
    return printable(value)


class PlanError(ValueError):
    """A plan that cannot be built, with what is wrong and the way out."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@record(frozen=True)
class Problem:
    """One reason a plan is refused: the answer at fault, why, and what to do instead.

    Attributes:
        field: the answer at fault: a ``rsdock.toml`` key, or ``image 'NAME'``.
        message: what is wrong.
        way_out: what to do instead.
        image_key: for an image's problem, the ``[[image]]`` key at fault (``name``, ``kind``,
            ``package``, ``package-dir``,
            ``dockerfile`` or ``image``); "" otherwise.
        image_index: for an image's problem, the image's position in ``Plan.images``.
        refusal: for a choice the workspace cannot be built with (rather than a value that
            is wrong in itself), the id of its explanation (``rsdock refusal ID``,
            :mod:`rsdock.lint.knowledge.refusals`); its ``way_out`` ends with that pointer.
    """

    field: str
    message: str
    way_out: str
    image_key: str = ""
    image_index: int | None = None
    refusal: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}; {self.way_out}"


@record(frozen=True)
class Image:
    """One container image: a binary target or a trunk web app, and where its files go.

    Attributes:
        name: the binary target name (``--bin``) or the web app's package name.
        kind: ``bin`` or ``web``.
        package: the cargo package that owns it.
        dockerfile: the Dockerfile path, relative to the workspace root.
        package_dir: the package's directory relative to the workspace root ("." for the root).
        image: the image repository without tag, or "" for the registry's default
            (``<DOCKERHUB_USERNAME>/<name>`` or ``ghcr.io/<owner>/<name>``).
    """

    name: str
    kind: str
    package: str
    dockerfile: str
    package_dir: str = "."
    image: str = ""


@record(frozen=True)
class Triggers:
    """When the workflow runs: pushes to branches, version tags, and pull requests.

    Attributes:
        tag_patterns: the tag filters a push of a release tag matches (``v*``, or the
            project's own ``server-v*`` read from its existing workflows).
    """

    branches: tuple[str, ...] = ("main",)
    tags: bool = True
    pull_requests: bool = True
    tag_patterns: tuple[str, ...] = DEFAULT_TAG_PATTERNS

    @property
    def semver_tags(self) -> bool:
        """Whether the release tags are ``v1.2.3`` ones, which metadata-action's semver type
        reads; other patterns (``server-v1.2.3``) tag the image with the git tag itself."""
        return self.tag_patterns == DEFAULT_TAG_PATTERNS


@record(frozen=True)
class WorkspaceFacts:
    """What the scanned workspace imposes on the build: derived from it on every run, never
    stored in ``rsdock.toml`` (a changed ``Cargo.lock`` or toolchain file changes the files).

    Attributes:
        repo_prefix: the workspace root relative to its git root (``crates``), "" when they
            are one: the workflow goes under the git root's ``.github/workflows/`` and names
            the build context and the Dockerfiles relative to it.
        msrv: the workspace's ``rust-version``: the oldest Rust cargo agrees to build it with.
        toolchain_file: ``rust-toolchain.toml`` or ``rust-toolchain`` at the root, or "".
        toolchain_channel: the channel that file pins, or "".
        toolchain_targets: the targets that file asks rustup for.
        target_dir: where an image build writes cargo's output, relative to the workspace
            root (``target``), or absolute: the root's ``.cargo/config.toml`` ``target-dir``.
        ignored_dirs: build-output directories inside the workspace besides ``target/`` (a
            ``target-dir`` of the root's or a parent's config) that ``.dockerignore`` leaves out.
        lockfile: whether ``Cargo.lock`` exists (without it ``--locked`` fails).
        c_crates: per image name, the C crates its binary reaches in Cargo.lock, each with one
            dependency path (``("openssl-sys", "api -> reqwest -> native-tls -> openssl-sys")``)
            and then the flags Cargo.lock implies (``bundled``, ``system``, ``bindgen``: see
            ``CCrate.with_flags``).
        bin_features: per binary whose ``[[bin]] required-features`` the package's default
            features leave off, those features as ``package/feature``: the build passes them
            with ``--features`` (cargo refuses ``--bin NAME`` without them).
        compile_inputs: the paths the compile reads that exist in the workspace (``include_str!``,
            sqlx migrations and offline data, a build script's files), which ``.dockerignore``
            must not hide (:mod:`rsdock.lint.analysis.needs`).
        git: how the build reads git: ``needs-git`` (a build script runs git: ``.git`` stays in
            the context and the builder gets git), ``commit`` (vergen: the commit comes in as
            the ``GIT_COMMIT`` build argument), ``optional`` (it builds without) or "".
        git_reason: what reads git, for the notes.
        programs: ``(program, Debian package, why)`` for each program the build runs that the
            builder image lacks (git, protoc, a C++ compiler, Python...).
        build_notes: what the generated files cannot do for the build (sqlx without offline
            data, pyo3 embedding Python, files made before cargo by the project's Makefile),
            each one sentence with the way out.
        dockerignore_lines: the project's own lines of the ``.dockerignore`` on disk, kept when
            rsdock writes it (:mod:`rsdock.wizard.generate.ignore_merge`).
        dockerignore_marked: whether those lines come from rsdock's marked section (else the
            file was written by hand or by an older rsdock, and lines rsdock writes are dropped).
        system_certs: whether a crate in Cargo.lock verifies TLS certificates against the
            system store (native-tls, openssl, rustls-native-certs...: RS302's list), or there is
            no readable lock. Only then does the image carry CA certificates: a program that
            makes no TLS connection, or bundles webpki roots, does not read them.
        submodules: the git submodules (paths relative to the workspace root, from the git
            root's ``.gitmodules``) inside a member's directory other than the root: crate
            sources the build compiles (mountpoint-s3's CRT), which a checkout without
            ``submodules:`` leaves empty.
        updater_files: ``(path relative to the git root, text)`` of the update bot
            configurations on disk (``.github/dependabot.yml``, ``renovate.json``): rsdock
            merges its entries into them (:mod:`rsdock.wizard.generate.updates`).
    """

    repo_prefix: str = ""
    msrv: str | None = None
    toolchain_file: str = ""
    toolchain_channel: str = ""
    toolchain_targets: tuple[str, ...] = ()
    target_dir: str = "target"
    ignored_dirs: tuple[str, ...] = ()
    lockfile: bool = True
    c_crates: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()
    bin_features: tuple[tuple[str, tuple[str, ...]], ...] = ()
    compile_inputs: tuple[str, ...] = ()
    git: str = ""
    git_reason: str = ""
    programs: tuple[tuple[str, str, str], ...] = ()
    build_notes: tuple[str, ...] = ()
    dockerignore_lines: tuple[str, ...] = ()
    dockerignore_marked: bool = False
    updater_files: tuple[tuple[str, str], ...] = ()
    submodules: tuple[str, ...] = ()
    system_certs: bool = True

    def crates_of(self, image: str, platform: str | None = None
                  ) -> tuple[ccrates.CCrate, ...]:
        """The table rows of the C crates image ``image`` reaches (on ``platform`` when given),
        in table order, each as Cargo.lock shows it is built."""
        rows = []
        for name, found in self.c_crates:
            if name != image:
                continue
            for entry in found:
                only = next((f[5:].split(",") for f in entry[2:] if f.startswith("only=")), None)
                row = ccrates.get(entry[0])
                if row is not None and (platform is None or only is None or platform in only):
                    rows.append(row.with_flags(entry[2:]))
        return tuple(rows)

    def repo_path(self, rel: str) -> str:
        """``rel`` (relative to the workspace root) relative to the git root."""
        return f"{self.repo_prefix}/{rel}" if self.repo_prefix else rel

    def repo_root(self, root: "str | os.PathLike[str]") -> Path:
        """The git root of the workspace at ``root``: the folder the rendered paths are
        relative to (``root`` itself when the workspace is the repository's root)."""
        if not self.repo_prefix:
            return Path(root)
        up = [".."] * len(self.repo_prefix.split("/"))
        return Path(os.path.normpath(os.path.join(root, *up)))

    def paths_of(self, image: str) -> dict[str, str]:
        """``{crate: dependency path}`` for image ``image``."""
        return next(({e[0]: e[1] for e in found} for name, found in self.c_crates
                     if name == image), {})

    @property
    def toolchain_version(self) -> str | None:
        """The pinned channel when it is a Rust version (``1.86.0``), else None."""
        return self.toolchain_channel if _RUST_VERSION_RE.match(self.toolchain_channel) else None


# Stage names every generated binary Dockerfile uses for itself: an image's final stage takes
# another name (``image-<name>``) rather than shadow one of them. ``scratch`` is BuildKit's.
RESERVED_STAGES = frozenset({"chef", "planner", "builder", "tini", "users", "runtime", "scratch"})
_STAGE_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


def stage_name(image: "Image | str") -> str:
    """The final stage of an image in its Dockerfile: what ``--target`` (and the workflow's
    ``target:``) selects. The image's name in lower case (stage names are case-insensitive),
    ``image-<name>`` when that would clash with a shared stage or not start with a letter."""
    name = (image if isinstance(image, str) else image.name).lower()
    if name in RESERVED_STAGES or not _STAGE_RE.match(name):
        return f"image-{name}"
    return name


def _image_problem(add, label: str, index: int, message: str, way_out: str, *,
                   image_key: str = "", field: str = "") -> None:
    """Add an image's problem; with ``field``, the answer at fault is that one (the message
    then names the image)."""
    if field:
        add(field, f"{label}: {message}", way_out, image_key=image_key, image_index=index)
    else:
        add(label, message, way_out, image_key=image_key, image_index=index)


# The Debian release of every builder image rsdock writes (rust:<version>-slim-bookworm).
BUILDER_DEBIAN = compat.BUILDER_DEBIAN


def _older_than_builder(codename: str) -> bool:
    """Whether a runtime on Debian ``codename`` has an older glibc than the builder's."""
    release, builder = debian_releases.get(codename), debian_releases.get(BUILDER_DEBIAN)
    return release is not None and builder is not None and release.glibc < builder.glibc


def registry_for_host(host: str) -> str | None:
    """The registry choice that logs in to ``host`` (``ghcr.io`` -> ``ghcr``), or None."""
    return next((name for name, known in REGISTRY_HOSTS.items() if known == host), None)


def version_key(version: str) -> tuple[int, int]:
    """``"1.86.2"`` -> ``(1, 86)``: what cargo's ``rust-version`` check compares."""
    parts = [int(p) if p.isdigit() else 0 for p in version.split(".")[:2]]
    return (parts + [0, 0])[0], (parts + [0, 0])[1]


@record(frozen=True)
class Plan:
    """Everything needed to render the Dockerfiles and the workflow for a workspace."""

    images: tuple[Image, ...]
    platforms: tuple[str, ...] = platforms.DEFAULT_PLATFORMS
    runtime: str = runtimes.DEFAULT_RUNTIME
    debian: str = runtimes.DEFAULT_DEBIAN
    cache: str = "gha"
    registry: str = "dockerhub"
    rust_version: str = DEFAULT_RUST_VERSION
    triggers: Triggers = field(default_factory=Triggers)
    pin_actions: str = "sha"
    workflow: str = DEFAULT_WORKFLOW
    strategy: str = "cross"
    signing: str = "cosign"
    updates: str = "dependabot"
    workspace: WorkspaceFacts = field(default_factory=WorkspaceFacts, compare=False)

    def problems(self) -> list[Problem]:
        """Every reason this plan cannot be built; empty when it is valid."""
        found: list[Problem] = []
        add = lambda *args, **kwargs: found.append(Problem(*args, **kwargs))  # noqa: E731
        self._check_choices(add)
        self._check_rust(add)
        self._check_images(add)
        self._check_platforms(add)
        return found

    def validate(self) -> "Plan":
        """Return the plan itself, or raise :class:`PlanError` listing every problem."""
        problems = self.problems()
        if problems:
            raise PlanError(problems)
        return self

    @property
    def runtime_base(self) -> runtimes.Runtime:
        """The runtime table's entry for :attr:`runtime` (the plan must be valid)."""
        return runtimes.require(self.runtime)

    @property
    def libc(self) -> str:
        """The runtime's libc: ``musl`` for the static runtimes (alpine, scratch), else ``gnu``."""
        found = runtimes.get(self.runtime)
        return found.libc if found is not None else "gnu"

    @property
    def platform_objects(self) -> tuple[Platform, ...]:
        """The chosen platforms as table entries, in the table's order."""
        chosen = {platforms.normalize(p) for p in self.platforms}
        return tuple(p for p in platforms.PLATFORMS if p.name in chosen)

    def with_changes(self, **changes) -> "Plan":
        """A copy with ``changes`` applied (plans are immutable)."""
        return replace(self, **changes)

    def _check_choices(self, add) -> None:
        for name, value, allowed in (
            ("runtime", self.runtime, RUNTIMES),
            ("cache", self.cache, CACHES),
            ("registry", self.registry, REGISTRIES),
            ("debian", self.debian, DEBIAN_RELEASES),
            ("pin-actions", self.pin_actions, PIN_MODES),
            ("strategy", self.strategy, STRATEGIES),
            ("signing", self.signing, SIGNINGS),
            ("updates", self.updates, UPDATERS),
        ):
            if name == "debian" and value not in allowed and _older_than_builder(value):
                release, builder = debian_releases.get(value), debian_releases.get(BUILDER_DEBIAN)
                assert release is not None and builder is not None  # both known to be older
                add("debian", f"{value} (glibc {release.glibc_text}) is older than the builder's "
                    f"{BUILDER_DEBIAN} (glibc {builder.glibc_text}): the binary would not start "
                    "there (\"GLIBC_2.34 not found\")",
                    _with_pointer("choose bookworm or trixie", "old-glibc"), refusal="old-glibc")
                continue
            if value not in allowed:
                add(name, f"unknown {name} {value!r}", f"choose one of {', '.join(allowed)}")
        if not _RUST_VERSION_RE.match(self.rust_version):
            add("rust-version", f"{self.rust_version!r} is not a Rust version like 1.86",
                "give major.minor (1.86) or major.minor.patch (1.86.0)")
        if not self.workflow.startswith(".github/workflows/") or not self.workflow.endswith(
            (".yml", ".yaml")
        ):
            add("workflow", f"{self.workflow!r} is not a GitHub workflow path",
                "use a path like .github/workflows/docker.yml")
        for pattern in self.triggers.tag_patterns:
            if not _TAG_PATTERN_RE.match(pattern):
                add("ci", f"tag pattern '{shown(pattern)}' is not a GitHub tag filter rsdock "
                    "writes", "use letters, digits and . _ - / with * ? [ ] + globs, e.g. v*")
        if self.triggers.tags and not self.triggers.tag_patterns:
            add("ci", "tags = true but no tag pattern is given", "give tag-patterns = [\"v*\"]")
        if not self.triggers.branches and not self.triggers.tags:
            add("ci", "the workflow would never push an image (no branch and no tag trigger)",
                "keep at least one branch or enable tag pushes")

    def _check_rust(self, add) -> None:
        if not _RUST_VERSION_RE.match(self.rust_version):
            return
        facts = self.workspace
        pinned = facts.toolchain_version
        if pinned and version_key(pinned) != version_key(self.rust_version):
            add("rust-version", f"{facts.toolchain_file} pins Rust {pinned}, but the builder "
                f"image would be Rust {self.rust_version}: rustup would download {pinned} on "
                "top of it", f"set rust-version = \"{pinned}\" (or change the channel in "
                f"{facts.toolchain_file})")
        for what, version in (("the builder's Rust", self.rust_version),
                              (f"{facts.toolchain_file}'s channel", pinned)):
            if version and facts.msrv and version_key(version) < version_key(facts.msrv):
                add("rust-version", f"{what} {version} is older than the workspace's "
                    f"rust-version {facts.msrv}: cargo refuses to build with it",
                    f"use Rust {facts.msrv} or newer")

    def _check_images(self, add) -> None:
        if not self.images:
            add("images", "no image chosen", "choose at least one binary or web app to package")
        seen_names: set[str] = set()
        seen_files: dict[str, Image] = {}
        for index, image in enumerate(self.images):
            add_for = partial(_image_problem, add, f"image {image.name!r}", index)
            if image.kind not in IMAGE_KINDS:
                add_for(f"unknown kind {image.kind!r}", "use 'bin' or 'web'", image_key="kind")
            name_problem = (bin_name_problem if image.kind == "bin" else
                            package_name_problem)(image.name)
            if name_problem or not _NAME_RE.match(image.name):
                add_for(f"the name is not a valid cargo target name: "
                        f"{name_problem or 'rsdock packages ASCII names only'}",
                        "use letters, digits, '-' and '_', starting with a letter",
                        image_key="name")
            package_problem = package_name_problem(image.package)
            if package_problem:
                add_for(f"the package name '{shown(image.package)}' is not one cargo accepts: "
                        f"{package_problem}", "use the [package] name of its Cargo.toml",
                        image_key="package")
            dir_problem = _path_problem(image.package_dir)
            if dir_problem:
                add_for(f"the package directory '{shown(image.package_dir)}' {dir_problem}",
                        "rename the folder to plain characters, inside the workspace",
                        image_key="package-dir")
            if image.name in seen_names:
                add_for("chosen twice", "list each binary or web app once", image_key="name")
            seen_names.add(image.name)
            # Binary images may share a Dockerfile (one builder compiles them all, each is a
            # final stage); a web app's trunk build is a Dockerfile of its own.
            other = seen_files.get(image.dockerfile)
            if other is not None and "web" in (other.kind, image.kind):
                add_for(f"shares the Dockerfile {image.dockerfile} with {other.kind} image "
                        f"{other.name!r}", "give a web app a Dockerfile of its own (binaries "
                        "may share one)", image_key="dockerfile")
            elif other is not None and stage_name(other) == stage_name(image):
                add_for(f"its final stage in {image.dockerfile} would be named like "
                        f"{other.name!r}'s ({stage_name(image)}: stage names ignore case)",
                        "give one of them a Dockerfile of its own", image_key="dockerfile")
            seen_files.setdefault(image.dockerfile, image)
            wrong_path = dockerfile_path_problem(image.dockerfile, self.workflow)
            folder_of = next((other for other in self.images
                              if other.dockerfile.casefold().startswith(
                                  image.dockerfile.casefold().rstrip("/") + "/")), None)
            if not wrong_path and folder_of is not None:
                wrong_path = (f"is a folder of {folder_of.dockerfile}, the Dockerfile of image "
                              f"{folder_of.name!r}")
            if wrong_path:
                add_for(f"Dockerfile path '{shown(image.dockerfile)}' {wrong_path}",
                        "name a Dockerfile of its own, relative to the workspace root "
                        "(Dockerfile, Dockerfile.NAME or a folder's Dockerfile)",
                        image_key="dockerfile")
            wrong = image.image and validate.image_repository_problem(image.image)
            if wrong:
                add_for(wrong, "use registry/namespace/name without a tag, e.g. "
                        "ghcr.io/acme/server", image_key="image")
            elif image.image and self.registry in REGISTRY_HOSTS:
                self._check_image_registry(image, add_for)

    def _check_image_registry(self, image: Image, add_for) -> None:
        """The workflow logs in to one registry: an image elsewhere could never be pushed."""
        host = validate.image_registry_host(image.image)
        login = REGISTRY_HOSTS[self.registry]
        if host == login:
            return
        matching = registry_for_host(host)
        name = image.image.split("/", 1)[1] if "/" in image.image and host != "docker.io" \
            else image.image
        on_login = f"ghcr.io/{name}" if self.registry == "ghcr" else name
        way_out = (f"choose the {matching} registry (--registry {matching}), or name the image "
                   f"on {login} ({on_login})" if matching else
                   f"rsdock's workflow logs in to {' or '.join(REGISTRY_HOSTS.values())} only: "
                   f"name the image on {login} ({on_login})")
        # The registry step owns it: front ends ask for the registry after the image names.
        add_for(f"{image.image} is on {host}, but the workflow logs in to {login} "
                f"(registry = {self.registry!r}): the push would be refused", way_out,
                field="registry", image_key="image")

    def _check_platforms(self, add) -> None:
        if not self.platforms:
            add("platforms", "no platform chosen", "choose at least one, e.g. linux/amd64")
        seen: set[str] = set()
        for name in self.platforms:
            platform = platforms.get(name)
            if platform is None:
                add("platforms", f"{name!r} is not a platform rsdock can cross-compile for",
                    f"choose from {', '.join(platforms.names())}")
                continue
            if platform.name in seen:
                add("platforms", f"{platform.name} is listed twice", "list each platform once")
            seen.add(platform.name)
        self._check_platform_runtimes(add)

    def binaries(self) -> tuple[compat.Binary, ...]:
        """The images as the shared validator sees them: per chosen platform, the C crates
        each image's binary compiles there, and the dependency chains."""
        names = [p.name for p in self.platform_objects]
        return tuple(compat.Binary(image.name,
                                   {p: self.workspace.crates_of(image.name, p) for p in names},
                                   self.workspace.paths_of(image.name))
                     for image in self.images)

    def _check_platform_runtimes(self, add) -> None:
        """Whether the platforms, the runtime and the C libraries can work together: the one
        answer (:func:`rsdock.lint.analysis.compat.refusals_for`) lint gives too."""
        for refused in compat.refusals_for(self.platforms, self.runtime, self.debian,
                                           self.binaries()):
            add(refused.field, refused.message, refused.way_out,
                image_index=refused.binary_index, refusal=refused.refusal)


_with_pointer = compat.with_pointer
