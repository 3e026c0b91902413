"""Where the data that ships with rsdock lives, installed or in a checkout.

In the wheel, ``templates/`` and ``examples/`` sit inside the ``rsdock`` package; in a checkout
(and an editable install) they are top-level folders beside it.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"rsdock's {name}/ folder is missing from this installation")


def templates_dir() -> Path:
    """The folder holding the jinja2 templates."""
    return _data_dir("templates")


def examples_dir() -> Path:
    """The folder holding the bundled example workspace(s)."""
    return _data_dir("examples")


def example_workspace() -> Path:
    """The bundled example cargo workspace that commands fall back to."""
    return examples_dir() / "workspace"
