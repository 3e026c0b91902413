"""RS102: cargo chef cook and cargo build must build the same thing."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.analysis.build import CargoCall
from rsdock.lint.analysis.cdeps import member_manifests
from rsdock.lint.model.cargo import Workspace
from rsdock.lint.model.cargo_features import Request, turned_on
from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule


class RS102(DockerfileRule):
    r"""Give ``cargo chef cook`` the same profile, target, bins, features and toolchain as the build.

    Cook and ``cargo build`` must agree on ``--release``/``--profile``, ``--target``, ``--bin``,
    features and toolchain. Features are compared by what they turn on in the dependencies
    (the members' ``[features]``): one that only gates the package's own code
    (``runtime-env = []``) may differ. Cargo caches per profile, target triple, feature set and toolchain. When cook and build
    differ in any of them, the build recompiles every dependency and the cooked layer is dead
    weight. This is the usual trap when a cargo-chef Dockerfile is made to cross-compile: the
    ``--target`` is added to ``cargo build`` but not to ``cargo chef cook``.

    Fails:
        FROM --platform=$BUILDPLATFORM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM chef AS builder
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
            && rustup target add aarch64-unknown-linux-gnu
        COPY --from=planner /app/recipe.json recipe.json
        RUN cargo chef cook --release --recipe-path recipe.json
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu

    Passes:
        FROM --platform=$BUILDPLATFORM lukemathwalker/cargo-chef:latest-rust-1.95 AS chef
        WORKDIR /app

        FROM chef AS planner
        COPY . .
        RUN cargo chef prepare --recipe-path recipe.json

        FROM chef AS builder
        ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
            && rustup target add aarch64-unknown-linux-gnu
        COPY --from=planner /app/recipe.json recipe.json
        RUN cargo chef cook --release --target aarch64-unknown-linux-gnu --recipe-path recipe.json
        COPY . .
        RUN cargo build --release --target aarch64-unknown-linux-gnu
    """

    id = "RS102"
    name = "cook-matches-build"
    severity = Severity.ERROR
    message = "pass cargo chef cook the same profile, --target, --bin, features and toolchain"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        found = []
        for stage in file.stages:
            for platform in build.platforms_of(file, stage):
                calls = build.stage_calls(file, stage, platform, ancestry=True)
                own = {id(c) for c in build.stage_calls(file, stage, platform)}
                for index, call in enumerate(calls):
                    if call.action != "build" or id(call) not in own:
                        continue
                    cooks = [c for c in calls[:index] if c.action == "cook"]
                    workspace = ctx.workspace_for(file.path)
                    # A cook that matches leaves the dependencies this build needs, whichever
                    # came last: two cook/build pairs in one stage, or a cook and a build in
                    # matching arms of `if [ "$PROFILE" = release ]` (one path each).
                    if cooks and not any(not self._compare(file.path, c, call, workspace, file)
                                         for c in cooks):
                        found.extend(self._compare(file.path, cooks[-1], call, workspace, file))
        return facts.merge_by_line(found)

    def _compare(self, path: str, cook: CargoCall, build_call: CargoCall,
                 workspace: Workspace | None = None,
                 file: Dockerfile | None = None) -> list[Finding]:
        differences: list[str] = []
        built = set(build_call.bins) or _package_bins(build_call, workspace)

        def show(value: str | None) -> str:
            return value if value else "none"

        if cook.target != build_call.target:
            differences.append(f"--target (cook: {show(cook.target)}, build: "
                               f"{show(build_call.target)})")
        if cook.profile != build_call.profile:
            differences.append(f"profile (cook: {cook.profile}, build: {build_call.profile})")
        if cook.toolchain != build_call.toolchain:
            differences.append(f"toolchain (cook: {show(cook.toolchain)}, build: "
                               f"{show(build_call.toolchain)})")
        feature_flags = {"all-features", "no-default-features"}
        if (cook.features != build_call.features or (
                cook.flags & feature_flags) != (build_call.flags & feature_flags)) and \
                not _same_dependencies(cook, build_call, workspace):
            differences.append("features (cook: "
                               f"{show(' '.join(sorted(cook.features | (cook.flags & feature_flags))))}"
                               ", build: "
                               f"{show(' '.join(sorted(build_call.features | (build_call.flags & feature_flags))))})")
        if cook.bins and (not built or not built <= set(cook.bins)):
            differences.append(f"--bin (cook: {', '.join(cook.bins)}, build: "
                               f"{', '.join(build_call.bins) or 'every binary'})")
        if not differences:
            return []
        return [self.finding(path, cook.line, span=cook.span(file) if file else None, message=(
            f"cargo chef cook and cargo build differ in "
            f"{'; '.join(differences)}: give cook the same options, or the build recompiles "
            "every dependency"), related=[Related(path, build_call.line, "cargo build runs here")])]


def _same_dependencies(cook: CargoCall, build_call: CargoCall,
                       workspace: Workspace | None) -> bool:
    """Whether cook's and the build's features turn on the same dependencies, with the same
    features, in every package the build selects (its ``-p``, the packages of its ``--bin``,
    or the root package): a feature that only gates the package's own code
    (``runtime-env = []``) leaves every dependency as cook built it. False when it cannot tell."""
    if workspace is None:
        return False
    if build_call.packages:
        packages = [workspace.package(name) for name in build_call.packages]
    elif build_call.bins:
        packages = [workspace.package_of(name) for name in build_call.bins]
    else:
        packages = [p for p in workspace.members if p.dir in ("", ".")] or [None]
    manifests = member_manifests(workspace)
    for package in packages:
        manifest = manifests.get(package.name) if package is not None else None
        if manifest is None:
            return False
        if turned_on(manifest, Request.of_flags(cook.features, cook.flags)) != \
                turned_on(manifest, Request.of_flags(build_call.features, build_call.flags)):
            return False
    return True


def _package_bins(call: CargoCall, workspace: Workspace | None) -> set[str]:
    """The binaries ``cargo build -p a -p b`` builds, when the workspace says; else empty."""
    if workspace is None or not call.packages or call.bins:
        return set()
    packages = [p for name in call.packages if (p := workspace.package(name)) is not None]
    if len(packages) < len(call.packages):
        return set()
    return {target.name for package in packages for target in package.bins}
