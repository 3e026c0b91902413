"""Regenerate the rule table in README.md from the rules' docstrings, and docs/refusals.md.

Usage: ``python scripts/gen_docs.py`` (rewrite) or ``python scripts/gen_docs.py --check`` (exit 1
when README.md is out of date, for CI). Only the text between the rules markers changes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rsdock.lint.engine.docs import render_readme

README = Path(__file__).resolve().parent.parent / "README.md"
REFUSALS = README.with_name("docs") / "refusals.md"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check``, verify) README.md's rule table; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail instead of writing")
    args = parser.parse_args(argv)
    if _refusals(args.check):
        return 1
    current = README.read_text(encoding="utf-8")
    wanted = render_readme(current)
    if wanted == current:
        return 0
    if args.check:
        print("README.md's rule table is out of date: run python scripts/gen_docs.py",
              file=sys.stderr)
        return 1
    README.write_text(wanted, encoding="utf-8")
    print("README.md: rule table updated")
    return 0


def _refusals(check: bool) -> bool:
    """Rewrite docs/refusals.md from lint/knowledge/refusals.py; True when ``check`` finds it
    out of date."""
    from rsdock.lint.knowledge.refusals import markdown

    wanted = markdown()
    if REFUSALS.exists() and REFUSALS.read_text(encoding="utf-8") == wanted:
        return False
    if check:
        print("docs/refusals.md is out of date: run python scripts/gen_docs.py", file=sys.stderr)
        return True
    REFUSALS.write_text(wanted, encoding="utf-8")
    print("docs/refusals.md updated")
    return False


if __name__ == "__main__":
    sys.exit(main())
