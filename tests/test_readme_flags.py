"""The README's CLI section names every option of `rsdock init`, `edit` and `lint`, and
`rsdock --help` names `rsdock-tui` (issue 26 item 11: `--unsafe-fixes` was missing from the lint
flag list, and the top-level help did not mention the TUI)."""

from __future__ import annotations

import argparse

import pytest

from rsdock.cli import build_parser, main
from tests.tools import REPO


def options(command: str) -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [o for a in sub.choices[command]._actions for o in a.option_strings
            if o.startswith("--") and o != "--help"]


@pytest.mark.parametrize("command", ["init", "edit", "lint"])
def test_the_readme_flag_list_names_every_option(command):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"`rsdock {command}` flags:")
    paragraph = readme[start:readme.index("\n\n", start)]
    assert [o for o in options(command) if f"`{o}" not in paragraph] == []


def test_top_level_help_names_the_tui(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "rsdock-tui" in capsys.readouterr().out
