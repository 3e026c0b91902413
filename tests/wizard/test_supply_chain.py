"""Issue #25: provenance, SBOM and signatures in the generated workflows, the update bot's
configuration merged into the project's, and ``rsdock edit --sign``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from rsdock.lint.engine.runner import lint_texts
from rsdock.lint.engine.settings import LintConfig
from rsdock.wizard.edit import infer
from rsdock.wizard.edit.propose import Request, apply, propose
from rsdock.wizard.generate import answers, updates
from rsdock.wizard.generate.plan import Image, Plan, WorkspaceFacts
from rsdock.wizard.generate.render import notes, render

SERVER = Image("server", "bin", "server", "Dockerfile", "crates/server")
MIGRATE = Image("migrate", "bin", "server", "Dockerfile", "crates/server")
WEB = Image("web", "web", "web", "Dockerfile.web", "crates/web")
PR_GUARD = "github.event_name != 'pull_request'"


def _jobs(plan: Plan) -> dict:
    return YAML(typ="safe").load(render(plan)[plan.workflow])["jobs"]


def _steps(job: dict) -> list[dict]:
    return job["steps"]


@pytest.mark.parametrize("strategy", ["cross", "native"])
@pytest.mark.parametrize("signing", ["cosign", "attest"])
@pytest.mark.parametrize("registry", ["dockerhub", "ghcr"])
def test_only_the_job_that_signs_mints_a_token_and_never_on_pull_requests(strategy, signing,
                                                                          registry):
    plan = Plan(images=(SERVER, MIGRATE, WEB), strategy=strategy, signing=signing,
                registry=registry)
    data = YAML(typ="safe").load(render(plan)[plan.workflow])
    assert data["permissions"] == {"contents": "read"}
    signers = []
    for job_id, job in data["jobs"].items():
        signs = any("cosign sign" in s.get("run", "") or "attest-build-provenance" in
                    s.get("uses", "") for s in _steps(job))
        scopes = job.get("permissions", {})
        assert (scopes.get("id-token") == "write") is signs, job_id
        assert (scopes.get("attestations") == "write") is (signs and signing == "attest"), job_id
        if signs:
            signers.append(job_id)
            assert job["if"] == PR_GUARD
    # cross: one signing job per build job; native: each image's merge job signs.
    assert len(signers) == (2 if strategy == "cross" else 3)


@pytest.mark.parametrize("strategy", ["cross", "native"])
def test_every_build_attaches_max_provenance_and_an_sbom(strategy):
    for job in _jobs(Plan(images=(SERVER, MIGRATE, WEB), strategy=strategy)).values():
        for step in _steps(job):
            if "build-push-action" in step.get("uses", ""):
                assert step["with"]["provenance"] == "mode=max"
                assert step["with"]["sbom"] is True


def test_the_cross_signing_job_signs_the_digest_each_build_reported():
    jobs = _jobs(Plan(images=(SERVER, MIGRATE)))
    build, sign = jobs["binaries"], jobs["binaries-sign"]
    assert sign["needs"] == "binaries"
    assert build["outputs"] == {"build-server": "${{ steps.build-server.outputs.digest }}",
                                "build-migrate": "${{ steps.build-migrate.outputs.digest }}"}
    signed = [s for s in _steps(sign) if "cosign sign" in s.get("run", "")]
    assert [s["env"]["DIGEST"] for s in signed] == [
        "${{ needs.binaries.outputs.build-server }}", "${{ needs.binaries.outputs.build-migrate }}"]
    assert all(s["run"] == 'cosign sign --yes "$IMAGE@$DIGEST"' for s in signed)


@pytest.mark.parametrize("image, subject", [
    ("acme/server", "index.docker.io/acme/server"),
    ("docker.io/acme/server", "index.docker.io/acme/server"),
    ("index.docker.io/acme/server", "index.docker.io/acme/server"),
])
def test_attestations_name_docker_hub_images_as_the_action_requires(tmp_path, image, subject):
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    sign = _jobs(Plan(images=(SERVER,), signing="attest"))["server-sign"]
    step = next(s for s in _steps(sign) if s.get("id") == "subject")
    output = tmp_path / "out"
    subprocess.run(["bash", "-e", "-c", step["run"]], check=True,
                   env={"IMAGE": image, "GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"})
    assert output.read_text() == f"name={subject}\n"
    attest = next(s for s in _steps(sign) if "attest-build-provenance" in s.get("uses", ""))
    assert attest["with"]["push-to-registry"] is True
    assert attest["with"]["subject-digest"] == "${{ needs.server.outputs.build }}"


def test_no_signing_keeps_provenance_and_adds_no_job_or_token():
    data = YAML(typ="safe").load(render(Plan(images=(SERVER,), signing="none"))[
        ".github/workflows/docker.yml"])
    assert list(data["jobs"]) == ["server"] and "id-token" not in str(data)
    assert "provenance: mode=max" in render(Plan(images=(SERVER,), signing="none"))[
        ".github/workflows/docker.yml"]


@pytest.mark.parametrize("signing", ["cosign", "attest", "none"])
def test_the_generated_workflows_have_no_supply_chain_findings(signing):
    for strategy in ("cross", "native"):
        plan = Plan(images=(SERVER, MIGRATE, WEB), strategy=strategy, signing=signing)
        findings = lint_texts(render(plan), config=LintConfig(hadolint=False))
        assert [f for f in findings if f.rule.startswith("RS42")] == []


# --- rsdock.toml ---------------------------------------------------------------------------

def test_choices_round_trip_and_an_older_file_keeps_rendering_what_it_rendered(tmp_path):
    plan = Plan(images=(SERVER,), signing="attest", updates="renovate")
    text = answers.dumps(plan) if hasattr(answers, "dumps") else None
    if text is None:
        answers.save(tmp_path, plan)
        text = (tmp_path / "rsdock.toml").read_text()
    assert 'signing = "attest"' in text and 'updates = "renovate"' in text
    loaded = answers.loads(text, "rsdock.toml")
    assert (loaded.signing, loaded.updates) == ("attest", "renovate")
    older = "\n".join(line for line in text.splitlines()
                      if not line.startswith(("signing", "updates")))
    loaded = answers.loads(older, "rsdock.toml")
    assert (loaded.signing, loaded.updates) == ("none", "none")


def test_an_unknown_signing_choice_is_a_located_error():
    text = answers.dumps(Plan(images=(SERVER,))) if hasattr(answers, "dumps") else None
    if text is None:
        pytest.skip("no dumps")
    with pytest.raises(Exception) as error:
        answers.loads(text.replace('signing = "cosign"', 'signing = "gpg"'), "rsdock.toml")
    assert "signing" in str(error.value) and "cosign" in str(error.value)


# --- the update bot ------------------------------------------------------------------------

USER_DEPENDABOT = """\
# Our bots.
version: 2
updates:
  # Cargo once a day.
  - package-ecosystem: cargo
    directory: "/"
    schedule:
      interval: daily  # before stand-up
"""


def test_dependabot_entries_are_merged_into_the_projects_file_keeping_its_comments():
    facts = WorkspaceFacts(updater_files=((".github/dependabot.yml", USER_DEPENDABOT),))
    text = render(Plan(images=(SERVER, WEB), workspace=facts))[".github/dependabot.yml"]
    assert text.startswith(USER_DEPENDABOT)  # every byte of the user's file, then ours
    data = YAML(typ="safe").load(text)
    assert [(u["package-ecosystem"], u["directory"]) for u in data["updates"]] == [
        ("cargo", "/"), ("github-actions", "/"), ("docker", "/")]
    # Nothing left to add: the file is written back byte for byte (no drift on --check).
    facts = WorkspaceFacts(updater_files=((".github/dependabot.yml", text),))
    assert render(Plan(images=(SERVER, WEB), workspace=facts))[".github/dependabot.yml"] == text


def test_a_users_entry_for_an_ecosystem_wins_over_rsdocks():
    mine = USER_DEPENDABOT + ("  - package-ecosystem: github-actions\n    directory: /\n"
                              "    schedule: {interval: monthly}\n")
    text = updates.dependabot(mine, ["Dockerfile"])
    data = YAML(typ="safe").load(text)
    assert [u["schedule"]["interval"] for u in data["updates"]
            if u["package-ecosystem"] == "github-actions"] == ["monthly"]


def test_an_unmergeable_file_is_left_alone_with_a_note():
    facts = WorkspaceFacts(updater_files=((".github/dependabot.yml", "updates: [\n"),))
    plan = Plan(images=(SERVER,), workspace=facts)
    assert ".github/dependabot.yml" not in render(plan)
    assert any(".github/dependabot.yml:" in note and "not valid YAML" in note
               for note in notes(plan))


def test_renovate_keeps_the_users_settings_and_enables_the_managers():
    facts = WorkspaceFacts(updater_files=(("renovate.json",
                                           '{"extends": ["local>acme/renovate"],\n'
                                           ' "enabledManagers": ["cargo"]}\n'),))
    text = render(Plan(images=(SERVER,), updates="renovate", workspace=facts))["renovate.json"]
    import json
    assert json.loads(text) == {"extends": ["local>acme/renovate"],
                                "enabledManagers": ["cargo", "github-actions", "dockerfile"]}


def test_no_update_bot_writes_no_file():
    assert not any("dependabot" in p or "renovate" in p
                   for p in render(Plan(images=(SERVER,), updates="none")))


def test_init_reads_the_projects_dependabot_file(tmp_path):
    from rsdock.cli import main
    from tests.tools import copy_example

    root = copy_example(tmp_path, "ws")
    (root / ".github").mkdir(exist_ok=True)
    (root / ".github" / "dependabot.yml").write_text(USER_DEPENDABOT)
    assert main(["init", str(root), "--yes", "--force"]) == 0
    assert (root / ".github" / "dependabot.yml").read_text().startswith(USER_DEPENDABOT)


# containers/youki 7c67acc33e45 .github/dependabot.yml: a sequence indented two under
# `updates:`, a trailing space, a nested list at the key's column. ruamel's dump re-indented
# every line (`-   package-ecosystem`, `        -   patch`).
YOUKI_DEPENDABOT = """\
version: 2
updates:
  - package-ecosystem: cargo
    directory: "."
    schedule:
      interval: daily
    open-pull-requests-limit: 10
    allow:
      - dependency-type: direct
    groups:
      patch:
        update-types: 
        - patch
"""
# sharkdp/bat 2ba8db9c14e5 .github/dependabot.yml (trimmed): entries at the column of `updates:`.
BAT_DEPENDABOT = """\
version: 2
updates:
- package-ecosystem: cargo
  directory: "/"
  schedule:
    interval: monthly
    time: "04:00"
"""


@pytest.mark.parametrize("mine", [YOUKI_DEPENDABOT, BAT_DEPENDABOT])
def test_merging_appends_entries_and_changes_no_line_of_the_project(mine):
    text = updates.dependabot(mine, ["crates/Dockerfile"])
    assert text.startswith(mine)
    data = YAML(typ="safe").load(text)
    assert [(u["package-ecosystem"], u["directory"]) for u in data["updates"]][1:] == [
        ("github-actions", "/"), ("docker", "/crates")]


def test_a_first_init_yes_merges_the_projects_dependabot_file_without_force(tmp_path, capsys):
    from rsdock.cli import main
    from tests.tools import copy_example

    root = copy_example(tmp_path, "ws")
    (root / ".github").mkdir(exist_ok=True)
    (root / ".github" / "dependabot.yml").write_text(YOUKI_DEPENDABOT)
    assert main(["init", str(root), "--yes"]) == 0
    out = capsys.readouterr().out
    assert (root / ".github" / "dependabot.yml").read_text().startswith(YOUKI_DEPENDABOT)
    assert "merged (your edits kept, rsdock's changes applied): .github/dependabot.yml" in out
    assert "no [generated] record" not in out


# --- rsdock edit --sign --------------------------------------------------------------------

HAND_WRITTEN = """\
name: docker
on:
  push:
    branches: [main]
  pull_request:

permissions:
  contents: read

jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      # log in for the push
      - name: Log in
        if: github.event_name != 'pull_request'
        uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - name: Build
        id: build
        uses: docker/build-push-action@v6
        with:
          push: ${{ github.event_name != 'pull_request' }}
          provenance: false
          tags: ghcr.io/acme/app:latest
"""


def _hand_written(tmp_path: Path, text: str = HAND_WRITTEN) -> Path:
    root = tmp_path / "ws"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "docker.yml").write_text(text)
    (root / "Dockerfile").write_text("FROM scratch\nCOPY app /app\n")
    return root


def test_edit_sign_adds_provenance_and_a_signing_job_minimally(tmp_path):
    root = _hand_written(tmp_path)
    proposal = propose(infer.load_sources(root), Request(sign=True))
    assert not proposal.refusals, [r.format() for r in proposal.refusals]
    apply(root, proposal)
    text = (root / ".github" / "workflows" / "docker.yml").read_text()
    # Minimal: the one line replaced is `provenance: false`; everything else is added.
    import difflib
    removed = [line for line in difflib.ndiff(HAND_WRITTEN.splitlines(), text.splitlines())
               if line.startswith("- ")]
    assert removed == ["-           provenance: false"]
    jobs = YAML(typ="safe").load(text)["jobs"]
    assert jobs["image"]["outputs"] == {"digest": "${{ steps.build.outputs.digest }}"}
    build = jobs["image"]["steps"][-1]["with"]
    assert (build["provenance"], build["sbom"]) == ("mode=max", "true")
    sign = jobs["image-sign"]
    assert sign["if"] == PR_GUARD and sign["permissions"]["id-token"] == "write"
    assert "id-token" not in str(jobs["image"])
    assert sign["steps"][-1]["run"] == 'cosign sign --yes "$IMAGE@$DIGEST"'
    assert sign["steps"][-1]["env"] == {"IMAGE": "ghcr.io/acme/app",
                                        "DIGEST": "${{ needs.image.outputs.digest }}"}
    findings = lint_texts({".github/workflows/docker.yml": text, "Dockerfile": "FROM scratch\n"},
                          config=LintConfig(hadolint=False))
    assert [f.rule for f in findings if f.rule.startswith("RS42")] == []
    # Asked again: nothing left to do.
    again = propose(infer.load_sources(root), Request(sign=True))
    assert not again.changed


def test_edit_sign_refuses_a_per_platform_build_with_the_lines_to_add(tmp_path):
    matrix = HAND_WRITTEN.replace(
        "    runs-on: ubuntu-latest\n",
        "    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n"
        "        platform: [linux/amd64, linux/arm64]\n")
    root = _hand_written(tmp_path, matrix)
    proposal = propose(infer.load_sources(root), Request(sign=True))
    assert proposal.refusals
    assert any("cosign sign" in line for r in proposal.refusals for line in r.manual)


def test_edit_sign_keeps_rsdock_toml_in_step(tmp_path):
    # issue #21 (session 7's notes): `edit --sign` signed the images and left rsdock.toml
    # saying `signing = "none"`
    root = _hand_written(tmp_path)
    answers.save(root, Plan(images=(Image("app", "bin", "app", "Dockerfile"),),
                            signing="none"))
    assert 'signing = "none"' in (root / "rsdock.toml").read_text()
    proposal = propose(infer.load_sources(root), Request(sign=True))
    assert not proposal.refusals, [r.format() for r in proposal.refusals]
    apply(root, proposal)
    text = (root / "rsdock.toml").read_text()
    assert 'signing = "cosign"' in text and 'signing = "none"' not in text
    assert answers.loads(text).signing == "cosign"
