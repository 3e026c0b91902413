"""The job graph (``needs:`` closure, job and step ``if:``) as the workflow rules read it."""

from __future__ import annotations

import textwrap

import pytest

from rsdock.lint.model.workflow_reader import parse_workflow
from tests.lint.rules.test_rules_workflow import WF, run

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
def test_job_graph_cases(rule_id, text, expected, tmp_path):
    assert [f.line for f in run(rule_id, {WF: text}, tmp_path)] == expected


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
