"""``rsdock rule ID``: one rule's full documentation."""

from __future__ import annotations

import argparse

HELP = "show one lint rule's documentation: summary, explanation, failing and passing examples"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``rsdock rule`` takes the rule ID."""
    parser.add_argument("rule_id", metavar="ID", help="the rule, e.g. RS201")


def run(args: argparse.Namespace) -> int:
    """Print the rule's page; an unknown ID is a usage error (exit 2)."""
    from rsdock.errors import UserError
    from rsdock.lint.engine.docs import rule_page
    from rsdock.lint.engine.report import external_help_uri
    from rsdock.lint.rules.rule import RegistryError, get_rule

    code = args.rule_id.strip().upper()
    if code[:2] in ("DL", "SC"):
        raise UserError(f"{code} is hadolint's rule, not rsdock's",
                        hint=f"see {external_help_uri(code)}")
    try:
        rule = get_rule(code)
    except RegistryError as error:
        raise UserError(str(error)) from None
    print(rule_page(rule), end="")
    return 0
