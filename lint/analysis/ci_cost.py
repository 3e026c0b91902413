"""What a workflow run costs: per image and platform, the compiles, the emulated stages, the
runner.

Read from the files themselves (the workflows' build steps and the Dockerfiles they build), so
``rsdock init --dry-run`` can show what the generated CI will do and a hand-written CI can be
measured the same way. A *compile* is a ``RUN`` that runs ``cargo build`` (or ``cargo
zigbuild``, ``cross build``, ``trunk build``) in a stage the build needs; a stage on
``$BUILDPLATFORM`` that reads no ``TARGET*`` argument is built once per build step whatever its
platforms (BuildKit shares it), so it is counted once, for the step's first platform; and a
later build step of the same job (the same buildx builder) building the same stage of the same
Dockerfile for the same platform and build arguments takes it from the builder's cache, so it
counts nothing (``target:`` picks another final stage of a shared builder). A matrix
combination is a job of its own and shares nothing. A stage
is *emulated* when it runs ``RUN`` on a platform other than the runner's.
"""

from __future__ import annotations

import re
from typing import Any

from rsdock.lint.analysis.dockerfacts import needed_stages
from rsdock.lint.knowledge import platforms
from rsdock.lint.model import docker_steps as steps
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.workflow import Job, Workflow
from rsdock.records import record

_COMPILE_RE = re.compile(r"\b(cargo\s+(?:\+\S+\s+)?(?:build|zigbuild)|cross\s+build|"
                         r"trunk\s+build|xx-cargo\s+build)\b")
_TRUNK_RE = re.compile(r"\btrunk\s+build\b")
_TARGET_ARGS = ("TARGETPLATFORM", "TARGETARCH", "TARGETVARIANT", "TARGETOS")


@record(frozen=True)
class LegCost:
    """One platform of one build step.

    Attributes:
        workflow: the workflow path.
        job: the job id.
        image: the image the step builds (its ``target``, else the Dockerfile path).
        dockerfile: the Dockerfile path.
        platform: the target platform.
        runner: the ``runs-on`` label of the leg (a matrix's value substituted).
        compiles: how many compile RUNs execute for this platform.
        emulated: the stages that run RUN under emulation for this platform.
        wasm: how many of ``compiles`` are ``trunk build`` (WebAssembly: the same for every
            platform, so not a compile of the platform's workspace).
    """

    workflow: str
    job: str
    image: str
    dockerfile: str
    platform: str
    runner: str
    compiles: int
    emulated: tuple[str, ...]
    wasm: int = 0


def ci_cost(workflows: dict[str, Workflow], dockerfiles: dict[str, Dockerfile]
            ) -> list[LegCost]:
    """Every (build step, platform) of ``workflows`` with what it costs, in file order.

    Build steps whose Dockerfile is not in ``dockerfiles`` are left out.
    """
    found: list[LegCost] = []
    for workflow in workflows.values():
        if workflow.errors:
            continue
        # What each job's buildx builder already built: successive build steps of one job
        # (one matrix combination) run on the same builder, which reuses a stage it built
        # with the same Dockerfile, platform and build arguments instead of running it again.
        built: set[tuple[object, ...]] = set()
        for job, step in workflow.action_steps(steps.BUILD_PUSH):
            build = steps.build_push(workflow, step)
            target = step.input_text("target")
            args = step.input_text("build-args") or ""
            for path in steps.dockerfile_paths(job, build) or []:
                model = dockerfiles.get(path)
                if model is None:
                    continue
                for leg_index, runner, platform in _legs(job, build):
                    native = platforms.normalize(_runner_platform(runner))
                    compiles, wasm, emulated = 0, 0, []
                    for stage in needed_stages(model, target):
                        runs = [" ".join(map(str, run.value)) for run in stage.runs()]
                        count = sum(1 for run in runs if _COMPILE_RE.search(run))
                        trunk = sum(1 for run in runs if _TRUNK_RE.search(run))
                        shared = _on_build_platform(stage) and not _reads_target(stage)
                        key = (job.id, leg_index, path, args, stage.index,
                               None if shared else platform)
                        if key in built:
                            count = trunk = 0
                        elif count:
                            built.add(key)
                        compiles += count
                        wasm += trunk
                        if stage.runs() and not _on_build_platform(stage) and platform != native:
                            emulated.append(stage.label)
                    found.append(LegCost(workflow.path, job.id, target or path, path, platform,
                                         runner, compiles, tuple(emulated), wasm))
    return found


def _legs(job: Job, build: steps.BuildPush) -> list[tuple[int, str, str]]:
    """(matrix combination, runner label, platform) for every platform the step builds.

    Each matrix combination is a job of its own: nothing is shared between them.
    """
    runs_on = job.runs_on.text if job.runs_on else ""
    combos = job.matrix_combinations() or [{}]
    legs: list[tuple[int, str, str]] = []
    for index, combo in enumerate(combos):
        runner = _substitute(runs_on, combo)
        names = []
        for item in build.platforms:
            names += [n.strip() for n in _substitute(item.text, combo).split(",") if n.strip()]
        if not build.platforms:
            names = [job.native_platform(combo)]
        for name in names:
            leg = (index, runner, platforms.normalize(name))
            if "${{" not in name and leg not in legs:
                legs.append(leg)
    return legs


def _substitute(text: str, combo: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        found = combo.get(match[1])
        return match[0] if found is None else str(found)
    return re.sub(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}", value, text)


def _runner_platform(label: str) -> str:
    return "linux/arm64" if re.search(r"arm|aarch64", label.lower()) else "linux/amd64"


def _on_build_platform(stage: Stage) -> bool:
    return "BUILDPLATFORM" in (stage.platform_flag() or "").upper()


def _reads_target(stage: Stage) -> bool:
    return any(arg in stage.declared_args() for arg in _TARGET_ARGS)
