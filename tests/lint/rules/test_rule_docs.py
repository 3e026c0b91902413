"""Every rule documents itself, and its examples are true.

Each registered rule's docstring parses (summary, Fails, Passes); its Fails example, linted
through ``lint_texts`` (``# file:`` sections for several files), yields the rule, and its Passes
example does not. README.md's rule table is what ``scripts/gen_docs.py`` generates.
"""

from __future__ import annotations


import pytest

from rsdock.lint.engine import docs
from rsdock.lint.rules import rule as rule_mod
from rsdock.lint.engine.runner import lint_texts
from rsdock.lint.model.findings import Severity
from rsdock.lint.rules.rule import Rule, all_rules
from tests.tools import REPO

README = REPO / "README.md"
RULES = sorted(all_rules())


class RaisesOnMarker(Rule):
    """Raises on files holding the RS009 example's marker (RS009 reports other rules' crashes).

    Fails:
        FROM x

    Passes:
        FROM x
    """

    id = "RS198"
    name = "test-raises"
    severity = Severity.ERROR
    message = "never reported"
    target = "dockerfile"

    def check(self, file, ctx):
        if "raises an exception" in file.text:
            raise ValueError("as the RS009 example says")
        return ()


@pytest.fixture
def crash_rule(monkeypatch):
    registry = dict(all_rules())
    registry["RS198"] = RaisesOnMarker
    monkeypatch.setattr(rule_mod, "_REGISTRY", registry)


@pytest.mark.parametrize("rule_id", RULES)
def test_docs_parse(rule_id):
    rule = all_rules()[rule_id]
    parsed = rule.docs()
    assert parsed.summary and not parsed.summary.endswith(":")
    # the summary is the README table's cell: one whole sentence on the docstring's first line
    assert parsed.summary.endswith("."), f"{rule_id}: summary {parsed.summary!r} is cut off"
    assert len(parsed.summary) <= 100, f"{rule_id}: summary is {len(parsed.summary)} characters"
    assert rule.name and rule.message and rule.family()
    docs.example_files(rule, parsed.fails)
    docs.example_files(rule, parsed.passes)


@pytest.mark.parametrize("rule_id", RULES)
def test_fails_example_yields_the_rule(rule_id, request):
    if rule_id == "RS009":
        request.getfixturevalue("crash_rule")
    rule = all_rules()[rule_id]
    files = docs.example_files(rule, rule.docs().fails)
    found = [f for f in lint_texts(files) if f.rule == rule_id]
    assert found, f"{rule_id}'s Fails example does not trigger it"
    assert all(f.line >= 1 and f.path in files or f.path for f in found)


@pytest.mark.parametrize("rule_id", RULES)
def test_passes_example_does_not(rule_id, request):
    if rule_id == "RS009":
        request.getfixturevalue("crash_rule")
    rule = all_rules()[rule_id]
    files = docs.example_files(rule, rule.docs().passes)
    found = [f for f in lint_texts(files) if f.rule == rule_id]
    assert not found, f"{rule_id}'s Passes example triggers it: {found}"


def test_example_files_sections_and_defaults():
    class Dock(Rule):
        id, target = "RS199", "dockerfile"

    class Proj(Rule):
        id, target = "RS599", "project"

    assert docs.example_files(Dock, "FROM x\nRUN y") == {"Dockerfile": "FROM x\nRUN y\n"}
    assert docs.example_files(Proj, "# file: a/Dockerfile\nFROM x\n# file: .dockerignore\nt/") == \
        {"a/Dockerfile": "FROM x\n", ".dockerignore": "t/\n"}
    with pytest.raises(ValueError, match="project rule"):
        docs.example_files(Proj, "FROM x")


def test_render_readme_replaces_only_between_markers():
    readme = f"intro\n{docs.START}\nold\n{docs.END}\noutro\n"
    out = docs.render_readme(readme)
    assert out.startswith(f"intro\n{docs.START}\n| ID | Family |") and out.endswith(f"{docs.END}\noutro\n")
    assert "| [RS001](docs/rules.md#rs001) | meta | error | - |" in out
    assert "| [RS202](docs/rules.md#rs202) | cross | error | safe |" in out
    assert docs.render_readme("no markers\n").endswith(f"## Rules\n\n{docs.START}\n"
                                                       f"{docs.rules_table()}{docs.END}\n")


def test_readme_table_is_generated():
    text = README.read_text(encoding="utf-8")
    assert docs.render_readme(text) == text, "run: python scripts/gen_docs.py"


def test_rules_page_is_generated():
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert docs.rules_page() == text, "run: python scripts/gen_docs.py"


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_page_shows_fix_safety_and_fixed(rule_id):
    rule = all_rules()[rule_id]
    page = docs.rule_page(rule)
    assert " ".join(f"Fix safety: {docs.fix_safety(rule)}".split()) in " ".join(page.split())
    assert ("\nFixed:\n" in page) == (rule.fixable != "never")


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_page_prose_is_plain_text(rule_id):
    # `rsdock rule` prints to a terminal: no reStructuredText literals in the prose (the
    # examples after "Fails:" are printed verbatim).
    page = docs.rule_page(all_rules()[rule_id])
    prose = page.split("\nFails:\n", 1)[0]
    assert "``" not in prose
    if "``" in all_rules()[rule_id].__doc__.split("Fails:")[0]:
        assert "`" in prose  # literals keep one backquote on each side, as rustc prints them
