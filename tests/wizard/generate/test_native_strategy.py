"""The native strategy's workflow: one matrix leg per platform on its own runner, pushed by
digest, one merge job creating the manifest from every leg's digest.

The legs and the merge job are simulated: each leg's run steps execute under bash with the
matrix values substituted, ``upload-artifact``/``download-artifact`` are played by copying
directories by name and pattern, and a stub ``docker`` records what the merge job asks of
``docker buildx imagetools create``.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from rsdock.lint.knowledge import platforms, runners, runtimes
from rsdock.wizard.generate.plan import Image, Plan
from rsdock.wizard.generate.render import render
from tests.wizard.generate.test_platform_simulation import Sandbox

SERVER = Image("server", "bin", "server", "Dockerfile", "crates/server")
WEB = Image("web", "web", "web", "Dockerfile.web", "crates/web")
PR_GUARD = "github.event_name != 'pull_request'"


def _workflow(plan: Plan) -> dict:
    return YAML(typ="safe").load(render(plan)[plan.workflow])


def _step(job: dict, name: str) -> dict:
    return next(step for step in job["steps"] if step.get("name") == name)


def _substitute(text: str, values: dict[str, str]) -> str:
    """``${{ matrix.x }}``, ``${{ runner.temp }}`` and step outputs replaced by ``values``."""
    def value(match: re.Match) -> str:
        return values[match[1].strip()]
    return re.sub(r"\$\{\{([^}]*)\}\}", value, text)


def test_one_leg_per_platform_on_a_runner_of_its_architecture():
    plan = Plan(images=(SERVER,), platforms=platforms.DEFAULT_PLATFORMS, strategy="native")
    text = render(plan)[plan.workflow]
    legs = _workflow(plan)["jobs"]["server"]["strategy"]["matrix"]["include"]
    assert [(leg["platform"], leg["runner"]) for leg in legs] == [
        ("linux/amd64", "ubuntu-24.04"), ("linux/arm64", "ubuntu-24.04-arm"),
        ("linux/arm/v7", "ubuntu-24.04")]
    assert len({leg["slug"] for leg in legs}) == 3
    assert ("# No hosted runner is linux/arm/v7: it is cross-compiled on the linux/amd64 runner."
            in text)
    assert _workflow(plan)["jobs"]["server"]["runs-on"] == "${{ matrix.runner }}"


def test_legs_push_by_digest_only_outside_pull_requests_with_a_cache_per_platform():
    plan = Plan(images=(SERVER, WEB), strategy="native")
    jobs = _workflow(plan)["jobs"]
    scopes = set()
    for job_id in ("server", "web"):
        build = _step(jobs[job_id], "Build and push by digest")["with"]
        assert "tags" not in build and "push" not in build
        assert build["outputs"] == (
            "type=image,name=${{ steps.image.outputs.name }},push-by-digest=true,"
            "name-canonical=true,push=${{ " + PR_GUARD + " }}")
        assert build["platforms"] == "${{ matrix.platform }}"
        assert "${{ matrix.slug }}" in build["cache-to"]
        scopes.add(build["cache-to"])
        for name in ("Export the digest", "Upload the digest", "Log in to Docker Hub"):
            assert _step(jobs[job_id], name)["if"] == PR_GUARD
        merge = jobs[f"{job_id}-manifest"]
        assert merge["needs"] == job_id and merge["if"] == PR_GUARD
    assert len(scopes) == 2  # and per image


def test_no_qemu_for_legs_that_only_copy_into_the_target_stage():
    plan = Plan(images=(SERVER,), platforms=("linux/amd64", "linux/arm64"), runtime="scratch",
                strategy="native")
    assert "setup-qemu-action" not in render(plan)[plan.workflow]


@pytest.fixture
def bash():
    found = shutil.which("bash")
    if found is None:
        pytest.skip("no bash to run the workflow's steps with")
    return found


def _run(bash: str, script: str, cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run([bash, "-e", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("platform_set", [platforms.DEFAULT_PLATFORMS, ("linux/arm64",),
                                          tuple(p.name for p in platforms.PLATFORMS
                                                if runtimes.debian("bookworm").has(p))])
def test_the_merge_job_creates_the_manifest_from_every_legs_digest(tmp_path, bash,
                                                                    platform_set):
    plan = Plan(images=(SERVER,), platforms=platform_set, strategy="native")
    jobs = _workflow(plan)["jobs"]
    leg_job, merge_job = jobs["server"], jobs["server-manifest"]
    artifacts = tmp_path / "artifacts"
    digests = {}
    for number, leg in enumerate(leg_job["strategy"]["matrix"]["include"]):
        temp = tmp_path / f"leg{number}"
        temp.mkdir()
        digest = f"{number:02d}" + "ab" * 31
        digests[leg["platform"]] = digest
        export = _step(leg_job, "Export the digest")
        env = {k: _substitute(str(v), {"steps.build.outputs.digest": f"sha256:{digest}"})
               for k, v in export["env"].items()}
        _run(bash, export["run"], temp, {"PATH": "/usr/bin:/bin", "RUNNER_TEMP": str(temp),
                                         **env})
        upload = _step(leg_job, "Upload the digest")["with"]
        values = {"matrix.slug": leg["slug"], "runner.temp": str(temp)}
        target = artifacts / _substitute(upload["name"], values)
        assert not target.exists(), "two legs upload under one artifact name"
        target.mkdir(parents=True)
        for path in Path("/").glob(_substitute(upload["path"], values).lstrip("/")):
            shutil.copy(path, target)

    merge_temp = tmp_path / "merge"
    download = _step(merge_job, "Download the digests")["with"]
    assert download["merge-multiple"] is True
    into = Path(_substitute(download["path"], {"runner.temp": str(merge_temp)}))
    into.mkdir(parents=True)
    for artifact in artifacts.iterdir():
        if fnmatch.fnmatchcase(artifact.name, download["pattern"]):
            for path in artifact.iterdir():
                shutil.copy(path, into)

    if shutil.which("jq") is None:
        pytest.skip("no jq (the merge job reads imagetools' metadata file with it)")
    stub_bin = tmp_path / "bin"
    stub_bin.mkdir()
    log = tmp_path / "docker.log"
    merged = "sha256:" + "cd" * 32
    # docker records its arguments and, asked for --metadata-file, writes what buildx writes
    # there: the pushed index's descriptor. cosign records its arguments.
    for tool in ("docker", "cosign"):
        (stub_bin / tool).write_text(
            f"#!{sys.executable}\nimport json, sys\nargs = sys.argv[1:]\n"
            f"open({str(log)!r}, 'a').write(json.dumps([{tool!r}] + args) + '\\n')\n"
            "if '--metadata-file' in args:\n"
            "    with open(args[args.index('--metadata-file') + 1], 'w') as out:\n"
            f"        json.dump({{'containerimage.descriptor': {{'digest': {merged!r}}}}}, out)\n")
        (stub_bin / tool).chmod(0o755)
    create = _step(merge_job, "Create the multi-platform manifest")
    cwd = Path(_substitute(create["working-directory"], {"runner.temp": str(merge_temp)}))
    tags = "acme/server:latest\nacme/server:sha-abc1234\n"
    env = {k: _substitute(str(v), {"steps.image.outputs.name": "acme/server",
                                   "steps.meta.outputs.tags": tags})
           for k, v in create["env"].items()}
    output = tmp_path / "github_output"
    _run(bash, create["run"], cwd, {"PATH": f"{stub_bin}:/usr/bin:/bin", **env,
                                     "RUNNER_TEMP": str(merge_temp), "GITHUB_OUTPUT": str(output)})

    import json
    call, = [json.loads(line) for line in log.read_text().splitlines()]
    assert call[:4] == ["docker", "buildx", "imagetools", "create"]
    assert call[4] == "--metadata-file"
    assert call[6:10] == ["--tag", "acme/server:latest", "--tag", "acme/server:sha-abc1234"]
    # The sources are the legs' own digests, as build-push-action reported them: each is the
    # leg's index (its image and its attestation manifests, which imagetools create copies
    # into the merged index); nothing picks the platform manifests out of them.
    assert sorted(call[10:]) == sorted(f"acme/server@sha256:{d}" for d in digests.values())
    assert len(digests) == len(platform_set)
    assert output.read_text() == f"digest={merged}\n"

    # The signature is the merged index's digest, read from the metadata file, never a tag.
    log.unlink()
    sign = _step(merge_job, "Sign the manifest by digest")
    env = {k: _substitute(str(v), {"steps.image.outputs.name": "acme/server",
                                   "steps.manifest.outputs.digest": merged})
           for k, v in sign["env"].items()}
    _run(bash, sign["run"], tmp_path, {"PATH": f"{stub_bin}:/usr/bin:/bin", **env})
    assert [json.loads(line) for line in log.read_text().splitlines()] == [
        ["cosign", "sign", "--yes", f"acme/server@{merged}"]]


@pytest.mark.parametrize("leg", [runners.leg(p) for p in platforms.DEFAULT_PLATFORMS],
                         ids=lambda leg: leg.platform)
def test_each_leg_builds_its_platform_once(tmp_path, leg):
    """The platform simulation per leg: the builder stage, as BuildKit runs it on the leg."""
    if shutil.which("sh") is None:
        pytest.skip("no POSIX sh")
    plan = Plan(images=(SERVER,), strategy="native")
    sandbox = Sandbox(tmp_path)
    proc = sandbox.run_stage(render(plan)["Dockerfile"], "builder", leg.platform)
    assert proc.returncode == 0, proc.stderr
    triple = platforms.get(leg.platform).triple("gnu")
    builds = [c["args"] for c in sandbox.calls("cargo") if c["args"][0] == "build"]
    assert len(builds) == 1 and triple in builds[0]
