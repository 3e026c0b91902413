"""Type-check rsdock with mypy: strict on ``lint/``, ``rsdock/`` and ``wizard/edit/``, the
project's settings on the rest of ``wizard/``.

mypy cannot follow setuptools' ``package-dir`` mapping (``rsdock.lint`` is the folder ``lint/``,
``rsdock.wizard`` is ``wizard/``), so this script lays the packages out as Python sees them: a
temporary ``rsdock/`` whose files and ``lint``/``wizard`` entries are symlinks to the real tree.
mypy checks the real files through them; reported paths are mapped back to the repository's.

Usage: ``python scripts/typecheck.py`` (exit 0 when clean, 1 with mypy's reports): ``lint/``,
rsdock's own modules and ``wizard/edit/`` with ``--strict`` (the contract everything else builds on), then the
whole package with the settings in ``pyproject.toml`` under ``[tool.mypy]`` (``wizard/`` with
``check_untyped_defs``). ``tests/test_types.py`` runs every pass.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from mypy import api

REPO = Path(__file__).resolve().parent.parent
# The packages to check, as (import path under rsdock/, the repository folder holding it).
MAPPED = {"lint": REPO / "lint", "wizard": REPO / "wizard"}


def _layout(scratch: Path) -> Path:
    """``scratch/rsdock`` with every file of ``rsdock/`` and the mapped folders as symlinks."""
    package = scratch / "rsdock"
    package.mkdir()
    for entry in (REPO / "rsdock").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, folder in MAPPED.items():
        (package / name).symlink_to(folder, target_is_directory=True)
    return package


# rsdock's own modules (rsdock/*.py: the CLI, errors, the file layer, records), as mypy sees them
BASE = tuple(sorted(f"rsdock/{path.name}" for path in (REPO / "rsdock").glob("*.py")))
# (what to check, extra mypy flags): lint/, rsdock's own modules and wizard/edit/ with --strict
# (the contract everything else builds on; wizard/edit/ reads the lint models), then the whole
# package (wizard/ too) with the settings in pyproject.toml: check_untyped_defs for the rest of
# wizard/ (its bodies are checked, annotated or not; strict generate/, tui/, prompts/ and
# commands/ need some 120 more annotations and textual's generics spelled).
# (--follow-imports=silent for wizard/edit/: what it imports from the rest of wizard/ is
# checked by the last pass, not strictly.)
PASSES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # (--no-warn-unused-configs: a pass over part of the package leaves some overrides unused)
    (("rsdock/lint",), ("--strict", "--no-warn-unused-configs")),
    (BASE, ("--strict", "--no-warn-unused-configs")),
    (("rsdock/wizard/edit",), ("--strict", "--no-warn-unused-configs", "--follow-imports=silent")),
    (("rsdock",), ()),
)


def run(targets: tuple[str, ...] = ("rsdock",), flags: tuple[str, ...] = ()) -> tuple[int, str]:
    """Run mypy on ``targets`` (``rsdock``, ``rsdock/lint``...); return its status and report.

    The report's paths are the repository's (``lint/rules/rs201.py``), not the symlinks'.
    """
    with tempfile.TemporaryDirectory(prefix="rsdock-mypy-") as tmp:
        scratch = Path(tmp)
        _layout(scratch)
        args = ["--config-file", str(REPO / "pyproject.toml"), *flags,
                "--cache-dir", str(REPO / ".mypy_cache"),
                *(str(scratch / target) for target in targets)]
        cwd = os.getcwd()
        os.chdir(scratch)  # mypy prints paths relative to the working directory
        try:
            out, err, status = api.run(args)
        finally:
            os.chdir(cwd)
    report = out + err
    for name in MAPPED:
        report = report.replace(f"rsdock/{name}/", f"{name}/")
    return status, report


def main() -> int:
    failed = False
    for targets, flags in PASSES:
        status, report = run(targets, flags)
        print(f"mypy {' '.join(flags + targets)}: {report}", end="")
        failed = failed or status != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
