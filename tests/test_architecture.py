"""``rsdock lint`` stays light: no TUI, templating or prompt libraries, nothing from the wizard."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rsdock.resources import example_workspace
from tests.tools import REPO

FORBIDDEN = ("textual", "jinja2", "questionary", "rsdock.wizard")
PROBE = """
import sys
from pathlib import Path
from rsdock.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'jinja2', 'questionary')
                or m == 'rsdock.wizard' or m.startswith('rsdock.wizard.'))
print('LOADED', loaded)
sys.exit(code)
"""


def test_lint_on_the_example_workspace_imports_nothing_heavy(tmp_path):
    workspace = tmp_path / "workspace"
    shutil.copytree(example_workspace(), workspace)
    # a production image (it ships a program), so the runtime rules report on it
    (workspace / "Dockerfile").write_text("FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\n")
    (workspace / ".github" / "workflows").mkdir(parents=True)
    (workspace / ".github" / "workflows" / "ci.yml").write_text(
        "on: [push]\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n")
    out = subprocess.run([sys.executable, "-c", PROBE, "lint", str(workspace)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode in (0, 1), out.stderr
    assert "Traceback" not in out.stderr
    assert "LOADED []" in out.stdout, out.stdout
    assert "Dockerfile" in out.stdout  # it did lint the files


def test_lint_module_source_imports_nothing_heavy():
    lint_dir = REPO / "lint"
    for path in lint_dir.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in FORBIDDEN:
            assert f"import {name}" not in text and f"from {name}" not in text, (path, name)


# --- import contracts: each layer imports only the layers below it ------------------------------
# (a hand-written import-linter: every import in the source, at any depth, checked statically)

PACKAGE_DIRS = {"lint": "rsdock.lint", "wizard": "rsdock.wizard", "rsdock": "rsdock"}


def _module_name(path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    parts[0] = PACKAGE_DIRS[parts[0]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports():
    """(importing module, imported module, line) for every import statement of rsdock."""
    found = []
    for folder in PACKAGE_DIRS:
        for path in sorted((REPO / folder).rglob("*.py")):
            module = _module_name(path)
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found += [(module, alias.name, node.lineno) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                        + ([base] if base else []))
                    found += [(module, f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}")
                               else base, node.lineno) for alias in node.names]
    return found


def _is_module(name: str) -> bool:
    top, _, rest = name.partition(".")
    if top != "rsdock":
        return False
    parts = rest.split(".") if rest else []
    if parts and parts[0] in ("lint", "wizard"):
        folder = REPO / parts[0] / Path(*parts[1:]) if parts[1:] else REPO / parts[0]
    else:
        folder = REPO / "rsdock" / Path(*parts) if parts else REPO / "rsdock"
    return folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file()


def _within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# rsdock's own modules (rsdock/*.py), by what they are for
RECORDS = ("rsdock.records",)
BASE = ("rsdock.errors", "rsdock.fs", *RECORDS)  # located errors, the safe file layer, records
RSDOCK = ("rsdock", "rsdock.atomic", "rsdock.errors", "rsdock.fs", "rsdock.records",
          "rsdock.resources", "rsdock.validate")  # all of rsdock/ ("rsdock" is its __init__)
KNOWLEDGE, MODEL, ANALYSIS = "rsdock.lint.knowledge", "rsdock.lint.model", "rsdock.lint.analysis"
RULES, ENGINE, LINT = "rsdock.lint.rules", "rsdock.lint.engine", "rsdock.lint"
GENERATE, EDIT = "rsdock.wizard.generate", "rsdock.wizard.edit"
# (layer, the rsdock modules it may import besides its own, its folders): the table of
# docs/architecture.md, one row a layer; an import of rsdock outside the list breaks the contract
LAYERS = [
    (KNOWLEDGE, RECORDS, ("lint/knowledge",)),
    (MODEL, (KNOWLEDGE, *BASE), ("lint/model",)),
    (ANALYSIS, (MODEL, KNOWLEDGE, *BASE), ("lint/analysis",)),
    (RULES, (ANALYSIS, MODEL, KNOWLEDGE, *BASE, "rsdock.validate"), ("lint/rules",)),
    (ENGINE, (LINT, *BASE, "rsdock", "rsdock.atomic"), ("lint/engine",)),
    ("rsdock.lint.commands", (LINT, *BASE), ("lint/commands",)),
    (GENERATE, (LINT, *RSDOCK), ("wizard/generate",)),
    (EDIT, (GENERATE, LINT, *BASE), ("wizard/edit",)),
    ("rsdock.wizard.tui", (GENERATE, EDIT, MODEL, *RSDOCK), ("wizard/tui",)),
    ("rsdock.wizard.prompts", (GENERATE, EDIT, *RSDOCK), ("wizard/prompts",)),
    ("rsdock.wizard.commands", ("rsdock.wizard", LINT, *RSDOCK), ("wizard/commands",)),
]
# rsdock/ itself never imports lint/ or the wizard (the CLI finds its commands by name)
BASE_MAY = RSDOCK


def _broken(imports) -> list[str]:
    """The imports of rsdock that break a layer contract."""
    broken = []
    for importer, imported, line in imports:
        if not _within(imported, "rsdock"):
            continue
        layer = next((row for row in LAYERS if _within(importer, row[0])), None)
        if layer is not None:
            allowed, why = (layer[0], *layer[1]), f"{layer[0]} may import only {layer[1]}"
        elif importer in RSDOCK or importer == "rsdock.cli" or importer == "rsdock.__main__":
            allowed, why = (*BASE_MAY, "rsdock.cli"), "rsdock/ never imports lint/ or the wizard"
        else:
            broken.append(f"{importer}:{line}: a module in no layer of docs/architecture.md")
            continue
        if not any(_within(imported, a) if a != "rsdock" else imported == "rsdock"
                   for a in allowed):
            broken.append(f"{importer}:{line} imports {imported}: {why}")
    return broken


# Third-party libraries that only one place may import.
OWNERS = {
    "textual": ("rsdock.wizard.tui", "rsdock.wizard.commands.tui"),
    "questionary": ("rsdock.wizard.prompts",),
    "jinja2": ("rsdock.wizard.generate.templating",),
}


def test_import_contracts():
    broken = _broken(_imports())
    for importer, imported, line in _imports():
        top = imported.split(".")[0]
        if top in OWNERS and not _within(importer, *OWNERS[top]):
            broken.append(f"{importer}:{line} imports {imported}: only "
                          f"{', '.join(OWNERS[top])} may")
    assert broken == []


@pytest.mark.parametrize("importer, imported", [
    ("rsdock.lint.model.cargo", "rsdock.lint.analysis.needs"),
    ("rsdock.lint.rules.rs101", "rsdock.lint.engine.runner"),
    ("rsdock.lint.engine.runner", "rsdock.wizard.generate.plan"),
    ("rsdock.wizard.generate.plan", "rsdock.wizard.edit.infer"),
    ("rsdock.wizard.edit.infer", "rsdock.wizard.tui.app"),
    ("rsdock.wizard.edit.infer", "rsdock.resources"),
    ("rsdock.wizard.tui.app", "rsdock.lint.engine.runner"),
    ("rsdock.wizard.prompts.ask", "rsdock.wizard.tui.app"),
    ("rsdock.fs", "rsdock.lint.model.cargo"),
    ("rsdock.wizard.newlayer.x", "rsdock.errors"),
])
def test_the_contracts_catch_a_wrong_import(importer, imported):
    assert _broken([(importer, imported, 1)]) != []


def test_every_layer_of_the_architecture_page_has_a_contract():
    """docs/architecture.md's table and LAYERS name the same folders, and every package folder
    of lint/ and wizard/ is one of them."""
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = [line.split("|")[2] for line in page.splitlines()
            if line.startswith("| ") and "`" in line.split("|")[2]]
    documented = {folder.strip("/") for row in rows for folder in re.findall(r"`([^`]+)`", row)}
    contracted = {folder for _layer, _allowed, folders in LAYERS for folder in folders}
    assert documented == contracted
    packages = {path.parent.relative_to(REPO).as_posix()
                for top in ("lint", "wizard") for path in (REPO / top).glob("*/__init__.py")}
    assert packages <= contracted


def test_the_contract_checker_sees_imports():
    """A guard for the test above: it must find the imports it judges."""
    found = {(a, b) for a, b, _line in _imports()}
    assert ("rsdock.lint.engine.runner", "rsdock.lint.rules.rs009") in found
    assert ("rsdock.wizard.generate.templating", "jinja2") in found
    assert any(a.startswith("rsdock.wizard.tui") and b.startswith("textual") for a, b in found)


# --- function-level imports: only the documented lazy ones ---------------------------------------
# A function-level import hides a dependency from the reader and from the import contracts; the
# only reason left is start-up time. Each entry says why that import waits for its function.
_COMMAND = "a command module: rsdock's dispatcher imports every command to build --help, so " \
           "each defers its work's imports until it runs (rsdock lint must not pay for init)"
LAZY_IMPORTS: dict[str, str] = {
    "rsdock.lint.commands.lint": _COMMAND,
    "rsdock.lint.commands.rule_doc": _COMMAND,
    "rsdock.lint.commands.rule_list": _COMMAND,
    "rsdock.wizard.commands.edit": _COMMAND,
    "rsdock.wizard.commands.init": _COMMAND,
    "rsdock.wizard.commands.tui": _COMMAND + " (textual is the heaviest of all)",
    "rsdock.wizard.prompts.ask questionary": "questionary starts prompt_toolkit: only when asking",
    "rsdock.lint.model.shell tree_sitter": "the bash grammar loads only when a RUN is parsed",
    "rsdock.lint.model.shell tree_sitter_bash": "the bash grammar loads only when a RUN is parsed",
    "rsdock.lint.model.dockerfile dockerfile": "the Go-backed parser loads only when a Dockerfile "
                                               "is parsed",
    "rsdock.lint.analysis.publication rsdock.lint.model.yaml_load": "YAML only for compose "
                                                                     "files",
    "rsdock.lint.analysis.publication ruamel.yaml.error": "YAML only for compose files",
    "rsdock.lint.analysis.publication rsdock.lint.model.workflow_reader": "the workflow parser "
                                                                          "(ruamel) only for "
                                                                          "composite actions",
    "rsdock.lint.model.context rsdock.lint.model.cargo": "a sub-folder's workspace is scanned "
                                                         "only when a file there asks for it",
    "rsdock.lint.engine.runner rsdock.lint.model.cargo": "the cargo scanner only with a Cargo.toml",
    # rsdock lint's start-up (issue #11: a cold lint of a small project within 0.75x hadolint's
    # time): what only some runs need is imported by those runs
    "rsdock.lint.engine.runner rsdock.lint.engine.hadolint": "subprocess, threads and JSON only "
                                                             "when hadolint runs",
    "rsdock.lint.engine.runner tempfile": "a scratch folder only for in-memory files",
    "rsdock.lint.engine.discover subprocess": "git is asked only where GIT_DIR points it",
    "rsdock.lint.analysis.publication json": "only for a docker-bake.json",
    "rsdock.lint.analysis.publication rsdock.lint.model.docker_steps": "docker's action inputs "
                                                                       "(ruamel) only with "
                                                                       "workflows",
    "rsdock.lint.engine.report json": "only the json and sarif formats",
    "rsdock.lint.model.cargo json": "cargo metadata is run only by tests and diagnostics",
    "rsdock.lint.model.cargo shutil": "cargo metadata is run only by tests and diagnostics",
    "rsdock.lint.model.cargo subprocess": "cargo metadata is run only by tests and diagnostics",
    "rsdock.lint.rules.rs212 rsdock.lint.analysis.cfix": "the fix is built only for a finding "
                                                          "(a clean Dockerfile needs none)",
    "rsdock.lint.rules.rule inspect": "inspect (with ast, dis, tokenize) only for rule docs",
    "rsdock.fs hashlib": "a digest only for backups (lint reads, never backs up)",
    "rsdock.fs json": "the journal only when files are replaced or a journal is found",
    "rsdock.fs secrets": "a transaction id only when files are replaced",
    "rsdock.wizard.generate.review": "runs in the TUI's preview worker: rendering (jinja2), the "
                                     "rules and their parsers load after the first screen is up",
    "rsdock.wizard.tui.screens.wizard_screen": "only the first step's page loads before the "
                                               "first screen; each other page (and the "
                                               "overwrite question) as it is mounted or asked",
    "rsdock.wizard.tui.app rsdock.wizard.tui.screens.edit_screen": "edit mode loads only when "
                                                                   "opened",
    "rsdock.wizard.tui.app rsdock.wizard.tui.screens.edit_help_screen": "edit mode loads only "
                                                                        "when opened",
}


def _function_imports():
    """(module, imported, line) for every import inside a function of rsdock."""
    found = []
    for folder in PACKAGE_DIRS:
        for path in sorted((REPO / folder).rglob("*.py")):
            module = _module_name(path)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Import):
                        found += [(module, a.name, sub.lineno) for a in sub.names]
                    elif isinstance(sub, ast.ImportFrom):
                        names = [f"{sub.module}.{a.name}" if _is_module(f"{sub.module}.{a.name}")
                                 else sub.module or "" for a in sub.names]
                        found += [(module, name, sub.lineno) for name in dict.fromkeys(names)]
    return found


def test_no_undocumented_function_level_imports():
    undocumented = [f"{module}:{line} imports {name}" for module, name, line in _function_imports()
                    if module not in LAZY_IMPORTS and f"{module} {name}" not in LAZY_IMPORTS]
    assert undocumented == [], "import at the top of the module, or document why it waits " \
                               "in LAZY_IMPORTS"


def test_every_documented_lazy_import_still_exists():
    seen = {m for m, _n, _l in _function_imports()} | {f"{m} {n}" for m, n, _l in
                                                       _function_imports()}
    assert sorted(set(LAZY_IMPORTS) - seen) == []


def test_models_are_records_not_dataclasses():
    """One kind of record class: ``rsdock.records.replace`` works on records only, and a
    dataclass on the start-up path compiles its methods at import (rsdock/records.py)."""
    found = [f"{importer}:{line}" for importer, imported, line in _imports()
             if imported == "dataclasses" or imported.startswith("dataclasses.")]
    assert found == [], "use rsdock.records (record, field, replace) instead of dataclasses"
