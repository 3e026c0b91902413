"""RS503: the builder installs cross toolchains only for platforms the workflows build."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.analysis import build, dockerfacts as facts
from rsdock.lint.knowledge import platforms
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Related, Severity
from rsdock.lint.rules.rule import Context, ProjectRule


class RS503(ProjectRule):
    """Install cross compilers only for the platforms the workflows build: the rest cost time.

    Every cross gcc is a large download and install in the builder; a Dockerfile that
    installs the arm64 and armhf compilers for every platform pays for both each time. Packages for platforms no
    workflow builds are pure cost. ``gcc-x86-64-linux-gnu`` is never flagged: it lets the same
    Dockerfile build on arm64 runners. Checked only when every workflow that builds the
    Dockerfile names its platforms literally.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \\
            gcc-arm-linux-gnueabihf libc6-dev-armhf-cross

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,linux/arm64,linux/arm/v7
        # file: Dockerfile
        FROM --platform=$BUILDPLATFORM rust:1.95 AS builder
        RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross \\
            gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
    """

    id = "RS503"
    name = "unused-cross-packages"
    severity = Severity.INFO
    message = "drop them, or install only the target's packages in its case arm"

    def check(self, file: None, ctx: Context) -> Iterable[Finding]:
        """Yield a finding per apt-get line installing packages for platforms nobody builds."""
        built: dict[str, set[str]] = {}
        complete: dict[str, bool] = {}
        builders: dict[str, list[Related]] = {}
        for image in wf.built_images(ctx.workflows):
            if image.platforms:
                where = image.platforms[0][0]
                builders.setdefault(image.dockerfile, []).append(Related(
                    image.workflow.path, where.line, "builds "
                    + ", ".join(n for _w, n in image.platforms), where.column))
            built.setdefault(image.dockerfile, set()).update(
                {name for _where, name in image.platforms} | {image.job.native_platform()})
            complete[image.dockerfile] = complete.get(image.dockerfile, True) and image.complete
        owner = {pkg: p for p in platforms.PLATFORMS for pkg in p.apt_packages}
        for path, names in built.items():
            model = ctx.dockerfiles.get(path)
            if model is None or model.errors or not complete[path]:
                continue
            unused: dict[int, set[str]] = {}
            for stage in model.stages:
                for name in names:
                    for inst, command in build.simulate_stage(model, stage, name).commands():
                        for pkg in facts.apt_packages([(inst, command)]):
                            platform = owner.get(pkg)
                            if (platform is not None and platform.name not in names
                                    and platform.name != platforms.NATIVE_PLATFORM):
                                unused.setdefault(command.line, set()).add(pkg)
            for line, packages in sorted(unused.items()):
                yield self.finding(
                    path, line, 0, span=model.word_span(line, *sorted(packages)), message=(
                        f"installs {', '.join(sorted(packages))}, for platforms no workflow "
                        f"builds (they build {', '.join(sorted(names))}): {self.message}"),
                    related=builders.get(path, [])[:3])
