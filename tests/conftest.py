"""Fixtures shared by the whole suite: private copies of the example and of the fixtures.

Every test that writes gets its own copy under pytest's ``tmp_path``; nothing writes to the
repository or to a fixed path another run could share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from tests.tools import copy_example, copy_handwritten


REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fixtures_stand_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workspaces under tests/fixtures are read in place: they are not sub-folders of rsdock's
    own git repository (git's ceiling stops the walk for .git below the checkout)."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(REPO))


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled example workspace (``tmp_path/workspace``)."""
    return copy_example(tmp_path)


@pytest.fixture
def handwritten(tmp_path: Path) -> Callable[[str], Path]:
    """Make private copies of hand-written fixtures: ``handwritten("shop")``."""
    return lambda name: copy_handwritten(tmp_path, name)
