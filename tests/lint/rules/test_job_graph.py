"""The job graph (``needs:`` closure, job and step ``if:``) as the workflow rules read it."""

from __future__ import annotations

import textwrap

import pytest

from rsdock.lint.model.workflow_reader import parse_workflow
from tests.lint.rules.harness import catches, reports
from tests.lint.rules.test_rules_workflow import WF

LOGIN_PUSH = """\
      - uses: docker/login-action@v4
        with:
          username: u
          password: ${{ secrets.TOKEN }}
      - uses: docker/build-push-action@v7
        with:
          push: true
          tags: acme/app:latest
"""


def graph(check_if: str, build_extra: str = "", build_if: str = "") -> str:
    """A `check` job (with ``check_if``) that the `build` job needs; build logs in and pushes."""
    check = f"    if: {check_if}\n" if check_if else ""
    own = f"    if: {build_if}\n" if build_if else ""
    return ("on: [push, pull_request]\njobs:\n  check:\n    runs-on: ubuntu-24.04\n" + check
            + "    steps:\n      - run: echo ok\n  build:\n    runs-on: ubuntu-24.04\n"
            + "    needs: [check]\n" + own + build_extra + "    steps:\n" + LOGIN_PUSH)


FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"
# (rule, workflow, finding lines)
CASES = [
    # the login and push run on every pull request
    ("RS404", graph(""), [11]),
    ("RS405", graph(""), [17]),
    # a guard in a needed job guards its dependents: the fork check cannot be decided...
    ("RS404", graph(FORK_GUARD), []),
    ("RS405", graph(FORK_GUARD), []),
    # ...an event check can: off on pull requests
    ("RS404", graph("github.event_name != 'pull_request'"), []),
    ("RS405", graph("github.event_name == 'push'"), []),
    # transitively, through a job in between
    ("RS404", graph("").replace("    needs: [check]\n", "    needs: mid\n").replace(
        "  build:\n", "  mid:\n    runs-on: ubuntu-24.04\n    needs: check\n"
        "    steps:\n      - run: echo mid\n  build:\n").replace(
        "  check:\n    runs-on: ubuntu-24.04\n",
        "  check:\n    runs-on: ubuntu-24.04\n    if: github.event_name != 'pull_request'\n"), []),
    # a dependent that runs whatever its needs did (always()) is not guarded by them
    ("RS404", graph("github.event_name != 'pull_request'", build_if="always()"), [13]),
    ("RS404", graph("github.event_name != 'pull_request'", build_if="${{ !cancelled() }}"),
     [13]),
    # success() still needs the needed job to have run
    ("RS404", graph("github.event_name != 'pull_request'", build_if="success()"), []),
    # a `needs:` naming a job that does not exist changes nothing
    ("RS404", graph("").replace("needs: [check]", "needs: [nothing]"), [11]),
]


@pytest.mark.parametrize("rule_id,text,expected", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_job_graph_cases(rule_id, text, expected):
    reports(rule_id, {WF: text}, expected)


def test_needs_are_read_as_a_list_or_a_name():
    text = graph("").replace("needs: [check]", "needs: check")
    assert parse_workflow(WF, text).jobs["build"].needs == ["check"]
    assert parse_workflow(WF, graph("")).jobs["build"].needs == ["check"]


def test_job_conditions_follow_needs_without_looping():
    text = textwrap.dedent("""\
        on: push
        jobs:
          a:
            needs: b
            if: github.ref == 'x'
            runs-on: ubuntu-24.04
            steps: [{run: echo}]
          b:
            needs: a
            if: github.ref == 'y'
            runs-on: ubuntu-24.04
            steps: [{run: echo}]
        """)
    model = parse_workflow(WF, text)
    conditions = model.job_conditions(model.jobs["a"])
    assert [c.value for c in conditions if c is not None] == ["github.ref == 'x'",
                                                               "github.ref == 'y'"]


def login_push(on: str, login_if: str = "", push: str = "true", job_if: str = "",
               push_step: str = "") -> str:
    """One job: a login (with ``login_if``) then a build-push with ``push:`` (or ``push_step``)."""
    login = "      - uses: docker/login-action@v4\n"
    if login_if:
        login += f"        if: {login_if}\n"
    login += "        with:\n          username: u\n          password: ${{ secrets.T }}\n"
    pusher = push_step or ("      - uses: docker/build-push-action@v7\n        with:\n"
                           f"          push: {push}\n          tags: acme/app:latest\n")
    head = f"    if: {job_if}\n" if job_if else ""
    return (f"on:{on}\njobs:\n  image:\n    runs-on: ubuntu-24.04\n{head}    steps:\n"
            + login + pusher)


MASTER = "github.ref == 'refs/heads/master'"
BRANCHES = "\n  push:\n    branches: [master, develop]"
# (workflow, finding lines): with a one-line `on:` and a guarded login the push step is line 11
RS417_CASES = [
    # a login only on master, a push on every branch
    (login_push(" push", MASTER), [11]),
    (login_push(BRANCHES, MASTER), [13]),
    (login_push(" [push, pull_request]", MASTER,
                push="${{ github.event_name != 'pull_request' }}"), [11]),
    # the same condition on both: fine
    (login_push(" push", MASTER, push="${{ " + MASTER + " }}"), []),
    (login_push(" push", MASTER, push_step=f"      - if: {MASTER}\n"
                "        uses: docker/build-push-action@v7\n        with:\n"
                "          push: true\n          tags: acme/app:latest\n"), []),
    # the workflow runs only for master: the login runs whenever the push does
    (login_push("\n  push:\n    branches: [master]", MASTER), []),
    # tags: a login only for tags, pushes on branches too
    (login_push(" push", "startsWith(github.ref, 'refs/tags/')"), [11]),
    (login_push("\n  push:\n    tags: ['v*']", "startsWith(github.ref, 'refs/tags/v')"), []),
    # a job guarded like the login
    (login_push(" push", MASTER, job_if=MASTER), []),
    # a condition rsdock cannot decide on a push: not reported
    (login_push(" push", "github.repository == 'acme/app'"), []),
    (login_push(" push", "${{ vars.PUBLISH == 'true' }}"), []),
    # no login at all is RS416's question, not this rule's
    (login_push(" push", "false", push="false"), []),
    # a docker push in a script counts; one to the runner's own registry does not
    (login_push(" push", MASTER, push_step="      - run: docker push acme/app:latest\n"), [11]),
    (login_push(" push", MASTER, push_step="      - run: docker push localhost:5000/app\n"),
     []),
    # a script that tests its own condition before pushing is not judged
    (login_push(" push", MASTER, push_step="      - run: |\n"
                "          if [ \"$GITHUB_REF\" = refs/heads/master ]; then\n"
                "            docker push acme/app:latest\n          fi\n"), []),
    # only pull requests run it: RS404/RS405 judge those
    (login_push(" pull_request", MASTER), []),
]


@pytest.mark.parametrize("text,expected", RS417_CASES,
                         ids=[f"RS417-{i}" for i in range(len(RS417_CASES))])
def test_rs417_login_and_push_conditions(text, expected):
    reports("RS417", {WF: text}, expected)


def test_rs417_names_the_push_that_fails():
    [finding] = catches("RS417", {WF: login_push(BRANCHES, MASTER)})
    assert "a push to the branch `develop`" in finding.message
    assert "the login is skipped" in finding.message and "line" not in finding.message
    assert [(r.line, r.label) for r in finding.related] == [
        (8, "skipped on a push to the branch `develop`")]


# ---- which files GitHub runs, and local composite actions --------------------------------

from rsdock.lint.engine import discover, runner as engine  # noqa: E402
from rsdock.lint.engine.settings import LintConfig  # noqa: E402

PUSH_ON_PR = ("on: [push, pull_request]\njobs:\n  image:\n    runs-on: ubuntu-24.04\n"
              "    steps:\n      - uses: docker/build-push-action@v7\n        with:\n"
              "          push: true\n          tags: acme/app:latest\n")
ACTION = """\
name: build
runs:
  using: composite
  steps:
    - uses: actions/checkout@v4
    - uses: crate-ci/typos@master
    - uses: docker/build-push-action@v7
      with:
        push: true
"""


def lint_tree(root, files: dict[str, str]):
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    result = engine.lint_paths(discover.walk(root), root, LintConfig(hadolint=False))
    return sorted((f.path, f.line, f.rule) for f in result.findings if f.rule.startswith("RS4"))


def test_a_nested_workflow_never_runs_and_is_only_noted(tmp_path):
    nested = "tools/app/.github/workflows/docker.yml"
    found = lint_tree(tmp_path, {nested: PUSH_ON_PR, ".github/workflows/ci.yml": PUSH_ON_PR})
    assert [f for f in found if f[0] == nested] == [(nested, 1, "RS419")]
    assert (".github/workflows/ci.yml", 8, "RS405") in found  # the root's workflow is judged
    assert not any(f[2] == "RS419" for f in found if f[0] != nested)


def test_composite_actions_pin_actions_too(tmp_path):
    action = ".github/actions/build/action.yml"
    uses = ("on: push\njobs:\n  image:\n    runs-on: ubuntu-24.04\n    steps:\n"
            "      - uses: ./.github/actions/build\n")
    found = lint_tree(tmp_path, {action: ACTION, ".github/workflows/ci.yml": uses})
    assert [f for f in found if f[0] == action] == [
        (action, 5, "RS410"), (action, 5, "RS413"), (action, 6, "RS414")]
    # RS405 (push on pull requests) asks about a run; an action has none of its own
    assert not any(f[2] in ("RS405", "RS412", "RS419") for f in found if f[0] == action)


def test_workflow_roles_by_path():
    from rsdock.lint.model.paths import workflow_role
    assert workflow_role(".github/workflows/a.yml") == "runs"
    assert workflow_role("sub/.github/workflows/a.yml") == "idle"
    assert workflow_role(".github/actions/x/action.yml") == "action"
    assert workflow_role("ci/template.yml") == "runs"  # a file the user names as a workflow
    assert discover.kind_of(".github/actions/x/action.yaml") == "workflow"
    assert discover.kind_of(".github/actions/x/other.yml") is None


CALLER = ("on: [push, pull_request]\njobs:\n  image:\n    runs-on: ubuntu-24.04\n{job_if}"
          "    steps:\n      - uses: actions/checkout@v7\n      - uses: ./.github/actions/build\n"
          "{call_if}")
PUSHING_ACTION = """\
name: build
runs:
  using: composite
  steps:
    - uses: docker/login-action@v4
      with:
        username: u
        password: ${{ secrets.T }}
    - uses: docker/build-push-action@v7
      with:
        push: true
        tags: acme/app:latest
"""


@pytest.mark.parametrize("job_if,call_if,on,expected", [
    ("", "", "[push, pull_request]",
     [(".github/actions/build/action.yml", 5, "RS404"),
      (".github/actions/build/action.yml", 11, "RS405"),
      (".github/workflows/ci.yml", 6, "RS413")]),
    # the call's guard and the job's guard hold for the action's steps
    ("", "        if: github.event_name != 'pull_request'\n", "[push, pull_request]",
     [(".github/workflows/ci.yml", 6, "RS413")]),
    ("    if: github.event_name == 'push'\n", "", "[push, pull_request]",
     [(".github/workflows/ci.yml", 7, "RS413")]),
    # no pull requests: the push is fine
    ("", "", "push", [(".github/workflows/ci.yml", 6, "RS413")]),
], ids=["unguarded", "call-guarded", "job-guarded", "push-only"])
def test_a_composite_actions_login_and_push_run_in_the_calling_job(
        job_if, call_if, on, expected, tmp_path):
    caller = CALLER.format(job_if=job_if, call_if=call_if).replace("[push, pull_request]", on)
    found = lint_tree(tmp_path, {".github/actions/build/action.yml": PUSHING_ACTION,
                                 ".github/workflows/ci.yml": caller})
    assert [f for f in found if f[2] in ("RS404", "RS405", "RS413")] == expected
