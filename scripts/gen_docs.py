"""Regenerate the rule table in README.md and the rule pages in docs/rules.md from the rules'
docstrings.

Usage: ``python scripts/gen_docs.py`` (rewrite) or ``python scripts/gen_docs.py --check`` (exit 1
when either is out of date, for CI). In README.md only the text between the rules markers changes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rsdock.lint.engine.docs import render_readme, rules_page

README = Path(__file__).resolve().parent.parent / "README.md"
RULES_PAGE = README.parent / "docs" / "rules.md"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check``, verify) README.md's rule table and docs/rules.md; return
    the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail instead of writing")
    args = parser.parse_args(argv)
    stale = 0
    for path, render in ((README, render_readme), (RULES_PAGE, lambda _: rules_page())):
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        wanted = render(current)
        if wanted == current:
            continue
        if args.check:
            print(f"{path.name} is out of date: run python scripts/gen_docs.py", file=sys.stderr)
            stale = 1
            continue
        path.write_text(wanted, encoding="utf-8")
        print(f"{path.name}: updated")
    return stale


if __name__ == "__main__":
    sys.exit(main())
