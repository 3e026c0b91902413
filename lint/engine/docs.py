"""Rule documentation from the rules' docstrings: the README table and rule examples.

``scripts/gen_docs.py`` writes :func:`rules_table` into README.md between
:data:`START` and :data:`END`; a test fails when the README drifts from the rules.
"""

from __future__ import annotations

import re

from rsdock.lint.rules.rule import AnyRule, all_rules

START = "<!-- rules:start -->"
END = "<!-- rules:end -->"
# Where a single-file example lives when it has no `# file:` sections, by rule target.
DEFAULT_EXAMPLE_PATH = {
    "dockerfile": "Dockerfile",
    "workflow": ".github/workflows/ci.yml",
    "dockerignore": ".dockerignore",
}
_FILE_RE = re.compile(r"^# file: (?P<path>\S+)\s*$")
_RST_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)


def example_files(rule: type[AnyRule], example: str) -> dict[str, str]:
    """Split a ``Fails:``/``Passes:`` example into files.

    Args:
        rule: the rule the example documents (its target names a lone file).
        example: the example text; ``# file: <path>`` lines start sections.

    Raises:
        ValueError: for a project rule's example without ``# file:`` sections.
    """
    files: dict[str, list[str]] = {}
    current: str | None = None
    for line in example.splitlines():
        match = _FILE_RE.match(line)
        if match:
            current = match["path"]
            files[current] = []
        elif current is None:
            if rule.target not in DEFAULT_EXAMPLE_PATH:
                raise ValueError(f"{rule.id}: a project rule's examples need `# file:` sections")
            current = DEFAULT_EXAMPLE_PATH[rule.target]
            files[current] = [line]
        else:
            files[current].append(line)
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_table() -> str:
    """The Markdown table of every rule: ID, family, severity, summary."""
    rows = ["| ID | Family | Severity | Summary |", "|---|---|---|---|"]
    for rule_id, rule in all_rules().items():
        rows.append(f"| {rule_id} | {rule.family()} | {rule.severity} | "
                    f"{_cell(rule.docs().summary)} |")
    return "\n".join(rows) + "\n"


def render_readme(readme: str) -> str:
    """``readme`` with the text between the markers replaced by :func:`rules_table`.

    Markers missing from ``readme`` are appended as a "Rules" section at its end.
    """
    block = f"{START}\n{rules_table()}{END}"
    if START not in readme or END not in readme:
        return readme.rstrip("\n") + f"\n\n## Rules\n\n{block}\n"
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + block + tail


def plain_text(text: str) -> str:
    """A docstring's prose for a terminal: reStructuredText literals (two backquotes on each
    side) become the one-backquote spans rustc and cargo print."""
    return _RST_LITERAL.sub(r"`\1`", text)


def rule_page(rule: type[AnyRule]) -> str:
    """The full documentation of one rule, as ``rsdock rule ID`` prints it (plain text).

    The examples are printed as they are; only the prose is rendered.
    """
    docs = rule.docs()
    out = [f"{rule.id} {rule.name} ({rule.family()}, {rule.severity})", "",
           plain_text(docs.summary), ""]
    if docs.body:
        out += [plain_text(docs.body), ""]
    out += [f"Fix: {rule.message}", "", "Fails:", _indent(docs.fails), "", "Passes:",
            _indent(docs.passes)]
    return "\n".join(out) + "\n"


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())
