"""One build for many images (issue #10): the WHOLE generated workflow, simulated, compiles each
platform's workspace exactly once per run.

Every build step of the workflow (``docker/build-push-action``) is played as BuildKit plays it:
for each platform the step lists (a matrix leg's ``${{ matrix.platform }}`` substituted), the
stages its ``target:`` needs run in dependency order in the platform simulation's sandbox (stub
``cargo``, ``rustup``, ``apt-get``...: ``test_platform_simulation.Sandbox``). One job (one matrix
leg) is one runner with one buildx builder: a stage it already built, for the same Dockerfile
and platform, is taken from that builder's cache (a ``$BUILDPLATFORM`` stage that depends on no
``TARGET*`` argument is one build whatever the platform), as BuildKit does. Jobs and legs share
nothing: each starts cold, the worst case of a run. The stubs' log then says how often
``cargo build`` ran, per platform (by its ``--target`` triple).

WebAssembly counts separately: ``trunk build`` runs in the web app's own Dockerfile, on the
build machine, once per build step that builds it: once per run with the cross strategy (one
job, every platform: the stage reads no TARGET argument), once per leg with the native one (each
leg is its own runner). It compiles the web app's package for wasm32, not the platform's
workspace.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from rsdock.lint.knowledge import platforms
from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate.cost_report import costs_of
from rsdock.wizard.generate.defaults import default_plan, workspace_images
from rsdock.wizard.generate.plan import Plan, WorkspaceFacts
from rsdock.wizard.generate.render import render, stage_name
from tests.tools import (EXAMPLE, WORKSPACE_FIXTURES, parse_stages, run_actionlint_binary,
                         run_check_jsonschema, run_zizmor)
from tests.wizard.generate.test_platform_simulation import Sandbox

BUILD_PUSH = "docker/build-push-action"
QEMU = "docker/setup-qemu-action"
_TARGET_ARGS = ("TARGETPLATFORM", "TARGETARCH", "TARGETVARIANT", "TARGETOS")


def _plan(root: Path, every_binary: bool = False) -> Plan:
    workspace = scan(root)
    bins = [i.name for i in workspace_images(workspace)] if every_binary else None
    return default_plan(workspace, bins=bins)


# (id, workspace, every binary rather than the defaults' choice, binaries expected)
WORKSPACES = [
    ("example", EXAMPLE, False, 2),  # server and migrate, plus the web app
    ("one-binary", WORKSPACE_FIXTURES / "single_package", False, 1),
    ("three-binaries", WORKSPACE_FIXTURES / "three_bins", False, 3),
    ("twelve-binaries-default", WORKSPACE_FIXTURES / "large_workspace", False, 5),
    ("twelve-binaries-all", WORKSPACE_FIXTURES / "large_workspace", True, 12),
]


@dataclass
class Run:
    """What one simulated workflow run did."""

    cargo_builds: list[dict] = field(default_factory=list)  # each with "platform" added
    trunk_builds: int = 0
    emulated: list[tuple[str, str, str]] = field(default_factory=list)  # (job, stage, platform)
    images_built: list[tuple[str, str, str]] = field(default_factory=list)  # (job, target, platform)
    qemu_jobs: list[str] = field(default_factory=list)


def _runner_platform(label: str) -> str:
    return "linux/arm64" if "arm" in label else "linux/amd64"


class Builder:
    """One job's buildx builder: its stage cache and a sandbox per platform."""

    def __init__(self, root: Path):
        self.root = root
        self.built: dict[tuple[str, str, str | None], Sandbox] = {}
        self.sandboxes: dict[str, Sandbox] = {}

    def sandbox(self, platform: str) -> Sandbox:
        if platform not in self.sandboxes:
            path = self.root / platform.replace("/", "-")
            path.mkdir(parents=True)
            self.sandboxes[platform] = Sandbox(path)
        return self.sandboxes[platform]


def _stage_graph(text: str):
    stages = parse_stages(text)
    by_name = {s.name: s for s in stages if s.name}

    def deps(stage) -> list[str]:
        found = [stage.base] if stage.base in by_name else []
        for command in stage.instructions:
            if command.cmd == "COPY":
                found += [f.split("=", 1)[1] for f in command.flags
                          if f.startswith("--from=") and f.split("=", 1)[1] in by_name]
        return found

    def on_build_platform(stage) -> bool:
        seen = set()
        while not stage.platform and stage.base in by_name and stage.base not in seen:
            seen.add(stage.base)
            stage = by_name[stage.base]
        return "BUILDPLATFORM" in stage.platform

    def per_platform(stage, seen=()) -> bool:
        reads = any(c.cmd == "ARG" and c.value[0].split("=")[0] in _TARGET_ARGS
                    for c in stage.instructions)
        return reads or not on_build_platform(stage) or any(
            per_platform(by_name[d], (*seen, stage.name)) for d in deps(stage)
            if d not in seen)

    return stages, by_name, deps, on_build_platform, per_platform


def _needed(target: str, by_name, deps) -> list[str]:
    order: list[str] = []

    def visit(name: str) -> None:
        for dep in deps(by_name[name]):
            if dep not in order:
                visit(dep)
        if name not in order:
            order.append(name)

    visit(target)
    return order


def _substitute(text: str, values: dict) -> str:
    for key, value in values.items():
        text = text.replace("${{ matrix.%s }}" % key, str(value))
    return text


def simulate(plan: Plan, files: dict[str, str], tmp_path: Path) -> Run:
    """Play every build step of the plan's workflow; see the module docstring."""
    workflow = YAML(typ="safe").load(files[plan.workflow])
    run = Run()
    triples = {p.triple(plan.libc): p.name for p in plan.platform_objects}
    for job_id, job in workflow["jobs"].items():
        legs = job.get("strategy", {}).get("matrix", {}).get("include") or [{}]
        uses = [step.get("uses", "") for step in job["steps"]]
        if any(u.startswith(QEMU) for u in uses):
            run.qemu_jobs.append(job_id)
        for number, leg in enumerate(legs):
            builder = Builder(tmp_path / job_id / str(number))
            runner = _substitute(job["runs-on"], leg)
            for step in job["steps"]:
                if not step.get("uses", "").startswith(BUILD_PUSH):
                    continue
                given = step["with"]
                text = files[given["file"]]
                stages, by_name, deps, on_build, per_platform = _stage_graph(text)
                target = given.get("target") or stages[-1].name
                for platform in _substitute(given["platforms"], leg).split(","):
                    run.images_built.append((job_id, target, platform))
                    for name in _needed(target, by_name, deps):
                        stage = by_name[name]
                        key = (given["file"], name, platform if per_platform(stage) else None)
                        if key in builder.built:
                            continue
                        sandbox = builder.sandbox(platform)
                        before = len(sandbox.calls("cargo")), len(sandbox.calls("trunk"))
                        proc = sandbox.run_stage(text, name, platform)
                        assert proc is None or proc.returncode == 0, proc.stderr
                        builder.built[key] = sandbox
                        for call in sandbox.calls("cargo")[before[0]:]:
                            if call["args"][:1] == ["build"]:
                                triple = call["args"][call["args"].index("--target") + 1]
                                run.cargo_builds.append({**call, "platform": triples[triple],
                                                         "job": job_id, "leg": number})
                        run.trunk_builds += len(sandbox.calls("trunk")) - before[1]
                        if stage.runs() and not on_build(stage) and \
                                platform != _runner_platform(runner):
                            run.emulated.append((job_id, name, platform))
                        # Each COPY --from of a stage finds what that stage wrote.
                        for dep in deps(stage):
                            source_box = builder.built[(given["file"], dep, platform
                                                        if per_platform(by_name[dep]) else None)]
                            for path in stage.copies_from(dep):
                                if path.startswith("/out/"):
                                    assert source_box.path(path).exists(), (name, path, platform)
    return run


def _bins(plan: Plan) -> list[str]:
    return [i.name for i in plan.images if i.kind == "bin"]


@pytest.mark.parametrize("strategy", ["cross", "native"])
@pytest.mark.parametrize("label, root, every, count", WORKSPACES, ids=[w[0] for w in WORKSPACES])
def test_the_whole_workflow_compiles_each_platform_once(tmp_path, label, root, every, count,
                                                        strategy):
    if shutil.which("sh") is None:
        pytest.skip("no POSIX sh to run the scripts with")
    plan = _plan(root, every).with_changes(strategy=strategy)
    assert len(_bins(plan)) == count
    files = render(plan)
    run = simulate(plan, files, tmp_path)

    per_platform = {p: [b for b in run.cargo_builds if b["platform"] == p] for p in plan.platforms}
    assert {p: len(b) for p, b in per_platform.items()} == {p: 1 for p in plan.platforms}
    for platform, (build,) in per_platform.items():
        named = [build["args"][i + 1] for i, a in enumerate(build["args"]) if a == "--bin"]
        assert sorted(named) == sorted(_bins(plan)), platform
    # Every image is built, for every platform, by exactly one build step (the same job).
    built = sorted((target, platform) for _job, target, platform in run.images_built)
    expected = sorted((stage_name(i) if i.kind == "bin" else "runtime", p)
                      for i in plan.images for p in plan.platforms)
    assert built == expected
    # wasm: once per run (cross), once per leg (native); see the module docstring.
    webs = sum(1 for i in plan.images if i.kind == "web")
    assert run.trunk_builds == webs * (len(plan.platforms) if strategy == "native" else 1)
    # No emulation anywhere, so no QEMU.
    assert run.emulated == [] and run.qemu_jobs == []
    assert "setup-qemu-action" not in files[plan.workflow]
    # And `rsdock init --dry-run` says the same: one workspace compile per platform.
    costs = costs_of(files, plan)
    totals = {p: sum(c.compiles - c.wasm for c in costs if c.platform == p) for p in plan.platforms}
    assert totals == {p: 1 for p in plan.platforms}


@pytest.mark.parametrize("label, root, every, count", WORKSPACES, ids=[w[0] for w in WORKSPACES])
def test_one_dockerfile_for_the_binaries_each_final_stage_copying_only_its_own(
        label, root, every, count):
    plan = _plan(root, every)
    files = render(plan)
    binary_files = {i.dockerfile for i in plan.images if i.kind == "bin"}
    assert binary_files == {"Dockerfile"}
    stages = parse_stages(files["Dockerfile"])
    finals = {s.name: s for s in stages if s.copies_from("builder")}
    assert list(finals) == [stage_name(i) for i in plan.images if i.kind == "bin"]
    for image in (i for i in plan.images if i.kind == "bin"):
        assert finals[stage_name(image)].copies_from("builder") == [f"/out/{image.name}"]
    cargo_builds = [r for s in stages for r in s.runs() if "cargo build" in r]
    assert len(cargo_builds) == 1


def test_a_debian_slim_image_linking_a_c_library_runs_nothing_emulated(tmp_path):
    """A debian-slim runtime gets the shared libraries its binary links (with their Debian
    dependencies) unpacked for the target on the build machine: no stage RUNs on the target,
    the workflow sets up no QEMU, and the compile still happens once per platform."""
    base = _plan(EXAMPLE)
    facts = WorkspaceFacts(lockfile=True, c_crates=(
        ("server", (("openssl-sys", "server -> openssl-sys"),)),))
    plan = base.with_changes(workspace=facts)
    files = render(plan)
    run = simulate(plan, files, tmp_path)
    assert run.emulated == [] and run.qemu_jobs == []
    assert "setup-qemu-action" not in files[plan.workflow]
    server = next(s for s in parse_stages(files["Dockerfile"]) if s.name == "server")
    assert server.runs() == [] and "/tini/libs/" in server.copies_from("tini")
    migrate = next(s for s in parse_stages(files["Dockerfile"]) if s.name == "migrate")
    assert migrate.runs() == []
    assert {p: sum(1 for b in run.cargo_builds if b["platform"] == p)
            for p in plan.platforms} == {p: 1 for p in plan.platforms}


def test_native_workflows_of_the_new_shape_pass_the_workflow_tools(tmp_path):
    paths = []
    for label, root, every, _count in WORKSPACES:
        for cache in ("gha", "registry", "local", "inline"):
            plan = _plan(root, every).with_changes(strategy="native", cache=cache)
            path = tmp_path / label / cache / ".github" / "workflows" / "docker.yml"
            path.parent.mkdir(parents=True)
            path.write_text(render(plan)[plan.workflow])
            paths.append(path)
    schema = run_check_jsonschema(paths)
    assert schema.returncode == 0, schema.output
    lint = run_actionlint_binary(paths)
    assert lint.returncode == 0, lint.output
    audit = run_zizmor(paths)
    assert audit.returncode == 0, audit.output


def test_each_native_leg_builds_its_own_platform_once_for_every_image(tmp_path):
    """The simulation per leg: each matrix leg is a runner of its own, compiling its platform
    once for all three images."""
    plan = _plan(WORKSPACE_FIXTURES / "three_bins").with_changes(strategy="native")
    files = render(plan)
    job = YAML(typ="safe").load(files[plan.workflow])["jobs"]["binaries"]
    legs = job["strategy"]["matrix"]["include"]
    run = simulate(plan, files, tmp_path)
    for number, leg in enumerate(legs):
        mine = [b for b in run.cargo_builds if (b["job"], b["leg"]) == ("binaries", number)]
        assert [b["platform"] for b in mine] == [leg["platform"]]
        targets = [t for j, t, p in run.images_built if j == "binaries" and p == leg["platform"]]
        assert targets == ["api", "cron", "worker"]
    assert len(legs) == len(platforms.DEFAULT_PLATFORMS)


_OPENSSL_LOCK = '''
[[package]]
name = "openssl-sys"
version = "0.9.104"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "45abf306cbf99debc8195b66b7346498d7b10c210de50418b5ccd7ceba08c741"
dependencies = [
 "cc",
 "libc",
 "pkg-config",
]

[[package]]
name = "cc"
version = "1.2.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "fd9de9f2205d5ef3fd67e685b0df337994ddd4495e2a28d185500d0e1edfea47"

[[package]]
name = "libc"
version = "0.2.164"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "433bfe06b8c75da9b2e3fbea6e5329ff87748f0b144ef75306e674c3f6f7c13f"

[[package]]
name = "pkg-config"
version = "0.3.31"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "953ec861398dccce10c670dfeaf3ec4911ca479e9c02154b3a215178c5f566f2"
'''


def test_one_binary_linking_openssl_among_three(tmp_path):
    """The builder installs what any binary needs; each final stage only its own binary's
    libraries, and rsdock lint (RS309, RS212) agrees, judging every target stage."""
    from rsdock.lint.engine.runner import lint_texts
    from rsdock.lint.engine.settings import LintConfig

    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE_FIXTURES / "three_bins", root)
    manifest = root / "crates" / "api" / "Cargo.toml"
    manifest.write_text(manifest.read_text() + 'openssl-sys = "0.9"\n')
    lock = root / "Cargo.lock"
    lock.write_text(lock.read_text().replace(
        'name = "api"\nversion = "0.1.0"\ndependencies = [\n',
        'name = "api"\nversion = "0.1.0"\ndependencies = [\n "openssl-sys",\n') + _OPENSSL_LOCK)
    for runtime in ("debian-slim", "distroless"):
        plan = _plan(root).with_changes(runtime=runtime)
        files = render(plan)
        stages = {s.name: s for s in parse_stages(files["Dockerfile"])}
        assert "libssl-dev:arm64" in stages["builder"].runs()[0]
        # distroless cc ships libssl3; debian-slim gets it unpacked, for api alone.
        assert ("/tini/libs/" in stages["api"].copies_from("tini")) == (runtime == "debian-slim")
        assert all(s.runs() == [] for s in (stages["api"], stages["worker"], stages["cron"]))
        assert not [p for s in ("worker", "cron") for p in stages[s].copies_from("tini")
                    if p.startswith("/tini/libs")]
        findings = lint_texts(files, root=root, config=LintConfig(hadolint=False))
        assert [f"{f.path}:{f.line}: {f.rule} {f.message}" for f in findings] == [], runtime
        run = simulate(plan, files, tmp_path / runtime)
        assert len(run.cargo_builds) == len(plan.platforms)


def test_the_cost_report_names_each_image_by_its_final_stage():
    from rsdock.wizard.generate.plan import Image

    odd = Image("builder", "bin", "tools", "Dockerfile")  # its stage is image-builder
    plan = Plan(images=(odd, Image("api", "bin", "tools", "Dockerfile")))
    images = {c.image for c in costs_of(render(plan), plan)}
    assert images == {"builder", "api"}


@pytest.mark.parametrize("runtime", ["distroless", "alpine", "scratch"])
@pytest.mark.parametrize("strategy", ["cross", "native"])
def test_every_runtime_compiles_each_platform_once(tmp_path, runtime, strategy):
    plan = _plan(WORKSPACE_FIXTURES / "three_bins").with_changes(runtime=runtime,
                                                                 strategy=strategy)
    files = render(plan)
    run = simulate(plan, files, tmp_path)
    assert {p: sum(1 for b in run.cargo_builds if b["platform"] == p) for p in plan.platforms} \
        == {p: 1 for p in plan.platforms}
    assert run.emulated == [] and run.qemu_jobs == []
