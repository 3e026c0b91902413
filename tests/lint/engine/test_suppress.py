"""Inline suppressions: forms per file kind, mandatory reasons, unused suppressions."""

from __future__ import annotations

import pytest

from rsdock.lint.engine import runner as engine
from rsdock.lint.model import suppressions as suppress
from rsdock.lint.rules import rule as rule_mod
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.findings import Severity
from rsdock.lint.rules.rule import Rule

NO_HADOLINT = LintConfig(hadolint=False)


class MarkedLines(Rule):
    """Flags every line containing BAD (a test rule for any file kind).

    Fails:
        # file: Dockerfile
        FROM BAD

    Passes:
        # file: Dockerfile
        FROM ok
    """

    id = "RS599"
    name = "test-bad"
    severity = Severity.WARNING
    message = "bad"
    target = "project"

    def check(self, file, ctx):
        for models in (ctx.dockerfiles, ctx.workflows, ctx.dockerignores):
            for path, model in models.items():
                for number, line in enumerate(model.text.splitlines(), 1):
                    if "BAD" in line.split("#")[0]:
                        yield self.finding(path, number, 1)


@pytest.fixture(autouse=True)
def test_rule(monkeypatch):
    registry = {k: v for k, v in rule_mod.all_rules().items() if k < "RS010"}  # meta rules only
    registry["RS599"] = MarkedLines
    monkeypatch.setattr(rule_mod, "_REGISTRY", registry)


def lint(files):
    return [(f.path, f.line, f.rule) for f in engine.lint_texts(files, config=NO_HADOLINT)
            if f.rule in ("RS599", "RS002", "RS003")]


@pytest.mark.parametrize("kind, text, covered", [
    ("dockerfile", "# rsdock: ignore=RS201 reason\nRUN a\n", (2, 2)),
    ("dockerfile", "# rsdock: ignore=RS201 reason\n\n# other\nRUN a \\\n  b \\\n  c\nRUN d\n", (4, 6)),
    ("dockerfile", "# rsdock: ignore=RS201 reason\nRUN <<EOT\nx\nEOT\nRUN d\n", (2, 4)),
    ("dockerfile", "# rsdock: ignore=RS201 reason\nRUN <<-EOT cat\n\tx\n\tEOT\nRUN d\n", (2, 4)),
    ("workflow", "  # rsdock: ignore=RS201 reason\n  key: v\n  other: w\n", (2, 2)),
    ("workflow", "key: v  # rsdock: ignore=RS201 reason\n", (1, 1)),
    ("dockerignore", "# rsdock: ignore=RS201 reason\ntarget/\n", (2, 2)),
])
def test_coverage_per_kind(kind, text, covered):
    found, bad = suppress.parse(kind, "f", text)
    assert bad == [] and [(s.first, s.last) for s in found] == [covered]
    assert found[0].codes == ("RS201",) and found[0].reason == "reason"


def test_several_codes_and_hadolint_codes():
    found, _ = suppress.parse("dockerfile", "f", "# rsdock: ignore=RS201, dl3008 pinned by digest\nRUN x\n")
    assert found[0].codes == ("RS201", "DL3008") and found[0].reason == "pinned by digest"


def test_trailing_form_is_not_a_suppression_in_dockerignore_or_dockerfile():
    for kind in ("dockerignore", "dockerfile"):
        found, bad = suppress.parse(kind, "f", "target/ # rsdock: ignore=RS601 reason\n")
        assert found == [] and bad == []


@pytest.mark.parametrize("text, problem", [
    ("# rsdock: ignore=RS201\nRUN x\n", "needs a reason"),
    ("# rsdock: ignore=RS201   \nRUN x\n", "needs a reason"),
    ("# rsdock: ignore=XX1 because\nRUN x\n", "not a rule code"),
    ("# rsdock: ignore=RS201 because\n", "followed by nothing"),
])
def test_malformed(text, problem):
    found, bad = suppress.parse("dockerfile", "f", text)
    assert found == [] and len(bad) == 1 and problem in bad[0].problem and bad[0].line == 1


def test_unknown_rsdock_code_is_malformed_when_known_is_given():
    _, bad = suppress.parse("dockerfile", "f", "# rsdock: ignore=RS777 why\nRUN x\n",
                            known=lambda code: False)
    assert "names no rule" in bad[0].problem


def test_suppression_silences_the_next_instruction_only():
    text = "FROM x\n# rsdock: ignore=RS599 the base is BAD on purpose\nRUN BAD \\\n  BAD\nRUN BAD\n"
    assert lint({"Dockerfile": text}) == [("Dockerfile", 5, "RS599")]


def test_yaml_trailing_suppression():
    text = "on: [push]\njobs: {}\nx: BAD  # rsdock: ignore=RS599 needed here\ny: BAD\n"
    assert lint({".github/workflows/ci.yml": text}) == [(".github/workflows/ci.yml", 4, "RS599")]


def test_dockerignore_trailing_marker_suppresses_nothing():
    text = "BAD # rsdock: ignore=RS599 would change the pattern\n# rsdock: ignore=RS599 ok\nBAD\n"
    assert lint({".dockerignore": text}) == [(".dockerignore", 1, "RS599")]


def test_missing_reason_reports_rs003_and_suppresses_nothing():
    text = "FROM x\n# rsdock: ignore=RS599\nRUN BAD\n"
    assert lint({"Dockerfile": text}) == [("Dockerfile", 2, "RS003"), ("Dockerfile", 3, "RS599")]


def test_unused_suppression_is_rs002_per_code():
    text = "FROM x\n# rsdock: ignore=RS599,RS001 reason\nRUN BAD\n"
    assert lint({"Dockerfile": text}) == [("Dockerfile", 2, "RS002")]
    message = [f.message for f in engine.lint_texts({"Dockerfile": text}, config=NO_HADOLINT)
               if f.rule == "RS002"][0]
    assert "RS001" in message


def test_unused_is_not_reported_for_codes_that_did_not_run():
    text = "FROM x\n# rsdock: ignore=DL3008,RS599 reason\nRUN ok\n"
    off = LintConfig(hadolint=False, ignore=("RS599",))
    assert [f.rule for f in engine.lint_texts({"Dockerfile": text}, config=off)] == []


def test_hadolint_findings_can_be_suppressed():
    text = "FROM debian:bookworm\n# rsdock: ignore=DL3008 we pin by snapshot date\n" \
           "RUN apt-get install -y --no-install-recommends curl\n"
    rules = [f.rule for f in engine.lint_texts({"Dockerfile": text})]
    assert "DL3008" not in rules and "RS002" not in rules


def test_hadolint_suppression_is_not_unused_where_hadolint_could_not_parse():
    text = ("FROM debian:bookworm\n# rsdock: ignore=DL3008 pinned by snapshot\n"
            "RUN apt-get install -y curl\nRUN <<EOT\necho\nEOT\nENV A=1\n")
    rules = [f.rule for f in engine.lint_texts({"Dockerfile": text})]
    assert "RS004" in rules and "RS002" not in rules


def test_hadolint_suppression_is_unused_when_hadolint_checked_the_file():
    text = "FROM debian:bookworm\n# rsdock: ignore=DL3008 pinned by snapshot\nRUN echo hi\n"
    assert "RS002" in [f.rule for f in engine.lint_texts({"Dockerfile": text})]
