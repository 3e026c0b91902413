"""The key reference of edit mode (the wizard's help dialog with edit mode's keys)."""

from __future__ import annotations

from rsdock.wizard.tui.screens.help_screen import HelpScreen

EDIT_KEYS: tuple[tuple[str, str], ...] = (
    ("1 / 2 / 3", "show the inferred plan / the findings / the plan changes"),
    ("↑ ↓", "move in a list"),
    ("f", "fix the highlighted finding (✎ a safe fix; ✎! an unsafe one: asks first)"),
    ("a", "apply every safe fix"),
    ("Space / Enter", "tick a platform / choose a cache or registry"),
    ("v", "show the diff of the plan changes"),
    ("w / Escape", "in a diff: write it (with a backup) / cancel"),
    ("u", "undo the last write: put the backed-up files back"),
    ("d", "discard the backups in .rsdock/backup"),
    ("r", "read the files again and re-lint"),
    ("n", "start the fresh-setup wizard instead"),
    ("F1", "this help"),
    ("Ctrl+Q", "quit (nothing is written unless you agreed to a diff)"),
)


class EditHelpScreen(HelpScreen):
    """Lists every key of edit mode; Escape, F1 or the button closes it."""

    KEYS = EDIT_KEYS
