"""Table-driven tests for the Dockerfile rules (RS1xx chef, RS2xx cross, RS3xx runtime)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rsdock.lint import cargo
from rsdock.lint.dockerfile import parse_dockerfile
from rsdock.lint.rule import Context, all_rules

DOCKERFILE_RULES = {rid: r for rid, r in all_rules().items() if rid[:3] in ("RS1", "RS2", "RS3")}


def sections(example: str) -> dict[str, str]:
    """Split a docs example into files; a plain example is one Dockerfile."""
    if not example.lstrip().startswith("# file:"):
        return {"Dockerfile": example + "\n"}
    files: dict[str, list[str]] = {}
    current = None
    for line in example.splitlines():
        if line.startswith("# file:"):
            current = line.split(":", 1)[1].strip()
            files[current] = []
        else:
            files[current].append(line)
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


def lint(rule_id: str, files: dict[str, str], root: Path) -> list[tuple[str, int]]:
    """Write ``files`` under ``root`` and run one rule on the Dockerfile; ``[(rule, line)]``."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    workspace = cargo.scan(root) if (root / "Cargo.toml").exists() else None
    model = parse_dockerfile("Dockerfile", files["Dockerfile"])
    assert model.errors == []
    findings = DOCKERFILE_RULES[rule_id]().check(model, Context(root=root, workspace=workspace))
    return sorted((f.rule, f.line) for f in findings)


def run(rule_id: str, text: str, tmp_path: Path, **extra: str) -> list[tuple[str, int]]:
    return lint(rule_id, {"Dockerfile": textwrap.dedent(text).lstrip("\n"), **extra}, tmp_path)


@pytest.mark.parametrize("rule_id", sorted(DOCKERFILE_RULES))
def test_docs_examples(rule_id, tmp_path):
    docs = DOCKERFILE_RULES[rule_id].docs()
    (tmp_path / "fails").mkdir()
    (tmp_path / "passes").mkdir()
    assert lint(rule_id, sections(docs.fails), tmp_path / "fails"), "Fails: example passes"
    assert lint(rule_id, sections(docs.passes), tmp_path / "passes") == [], "Passes: example fails"
