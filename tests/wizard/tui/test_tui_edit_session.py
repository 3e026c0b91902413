"""The pure helpers under edit mode: existing files, editor state, one-finding fixes, requests."""

from __future__ import annotations


import pytest

from rsdock import resources
from rsdock.errors import UserError
from rsdock.lint.model.findings import Finding, Severity
from rsdock.wizard.edit import infer
from rsdock.wizard.edit.propose import Request, apply
from rsdock.wizard.edit import session
from rsdock.wizard.tui.widgets.plan_view import plan_text
from tests.tools import copy_handwritten

WORKFLOW = ".github/workflows/docker.yml"


fixture = copy_handwritten  # fixture(tmp_path, "shop"): a private copy of a fixture


def test_existing_files_lists_dockerfiles_and_workflows_only(tmp_path):
    root = fixture(tmp_path, "shop")
    assert session.existing_files(root) == [".github/workflows/release.yml", "Dockerfile",
                                            "Dockerfile.frontend"]
    assert session.existing_files(resources.example_workspace()) == []
    assert session.existing_files(tmp_path / "missing") == []


def test_load_state_holds_the_plan_the_findings_and_the_drift(tmp_path):
    root = fixture(tmp_path, "research")
    # a [lint] section alone is a valid lint config but no plan to compare with the files
    (root / "rsdock.toml").write_text("[lint]\nhadolint = false\n")
    state = session.load_state(root)
    assert state.inferred.platforms.value == ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert {f.path for f in state.findings} == {WORKFLOW}  # hadolint's SC findings are off
    assert len(state.fixable) == 6  # RS404's fix is unsafe
    assert state.findings_of("Dockerfile") == []
    assert state.drift and state.drift[0].startswith("rsdock.toml cannot be compared")
    (root / "rsdock.toml").write_text("this is not toml = = \n")
    with pytest.raises(UserError) as error:
        session.load_state(root)
    assert error.value.path == "rsdock.toml"


def test_load_state_refuses_an_unparsable_file_with_its_location(tmp_path):
    root = fixture(tmp_path, "research")
    # a broken workflow that builds images is refused (one naming no docker action is skipped)
    (root / WORKFLOW).write_text("jobs:\n  build: [unclosed\n    uses: docker/build-push-action@v6\n")
    with pytest.raises(UserError) as error:
        session.load_state(root, hadolint=False)
    assert error.value.path == WORKFLOW


def test_fix_one_changes_only_that_findings_lines(tmp_path):
    root = fixture(tmp_path, "research")
    state = session.load_state(root, hadolint=False)
    [login] = [f for f in state.findings if f.rule == "RS404"]
    proposal = session.fix_one(state, login)
    [edit] = proposal.changed
    assert edit.diff == (
        "--- a/.github/workflows/docker.yml\n"
        "+++ b/.github/workflows/docker.yml\n"
        "@@ -20,6 +20,7 @@\n"
        "       \n"
        "       - name: Login to Docker Hub\n"
        "         uses: docker/login-action@v3\n"
        "+        if: github.event_name != 'pull_request'\n"
        "         with:\n"
        "           username: ${{ secrets.DOCKERHUB_USERNAME }}\n"
        "           password: ${{ secrets.DOCKERHUB_TOKEN }}\n")
    apply(root, proposal)
    again = session.load_state(root, hadolint=False)
    assert "RS404" not in {f.rule for f in again.findings}
    assert len(again.fixable) == 6


def test_fix_one_refuses_a_finding_without_a_fix_and_a_stale_one_is_a_note(tmp_path):
    root = fixture(tmp_path, "research")
    state = session.load_state(root, hadolint=False)
    with pytest.raises(UserError, match="has no safe fix"):
        session.fix_one(state, next(f for f in state.findings if f.fix is None))
    stranger = Finding("elsewhere.yml", 1, 1, "RS410", Severity.WARNING, "m",
                       state.fixable[0].fix)
    with pytest.raises(UserError, match="does not edit this file"):
        session.fix_one(state, stranger)
    fixable = state.fixable[0]
    state.sources.workflows[WORKFLOW].text = ""  # the text moved under the fix
    proposal = session.fix_one(state, fixable)
    assert not proposal.changed and "no longer applies" in proposal.notes[0]


def test_request_for_is_the_difference_from_the_inferred_plan(tmp_path):
    state = session.load_state(fixture(tmp_path, "shop"), hadolint=False)
    inferred = state.inferred
    assert session.request_for(inferred, ("linux/amd64", "linux/arm64"), "gha",
                               "dockerhub").empty
    assert session.request_for(inferred, ("linux/amd64", "linux/arm/v7"), "registry",
                               "dockerhub") == Request(add_platforms=("linux/arm/v7",),
                                                       remove_platforms=("linux/arm64",),
                                                       cache="registry")
    assert session.request_for(inferred, ("linux/amd64", "linux/arm64"), None, "ghcr") == \
        Request(registry="ghcr")


def test_plan_text_marks_unknown_fields_with_their_reason(tmp_path):
    state = session.load_state(fixture(tmp_path, "relay"), hadolint=False)
    text = plan_text(state.inferred, ["rsdock.toml says cache registry"])
    plain = text.plain
    assert "  case arms  unknown: no `case \"$TARGETPLATFORM\"` in a RUN" in plain
    assert "platforms    linux/amd64, linux/arm64  from .github/workflows/images.yaml:26" in plain
    assert "drift: rsdock.toml says cache registry" in plain
    unknown_at = plain.index("unknown")
    assert any(span.style == "bold yellow" and span.start == unknown_at for span in text.spans)


def test_describe_says_what_a_request_changes():
    assert session.describe(Request(add_platforms=("linux/arm/v7",),
                                    remove_platforms=("linux/arm64",), cache="local")) == (
        "add linux/arm/v7, remove linux/arm64, cache local")
    assert session.describe(Request(fix=True)) == "apply the safe fixes"
    assert session.describe(Request()) == "nothing"


def test_config_drift_is_empty_without_rsdock_toml_and_raises_for_a_bad_one(tmp_path):
    root = fixture(tmp_path, "research")
    sources = infer.load_sources(root)
    inferred = infer.infer(sources)
    assert session.config_drift(root, inferred) == []
    assert session.lint_sources(sources, hadolint=False) == session.load_state(
        root, hadolint=False).findings
    (root / "rsdock.toml").write_text("[lint]\nhadolint = false\n")
    with pytest.raises(UserError):
        session.config_drift(root, inferred)
