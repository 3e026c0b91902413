"""The fuzz targets' budget: ``RSDOCK_FUZZ_EXAMPLES`` inputs per target (docs/fuzzing.md).

The default keeps the fast suite's share to well under a minute; set it higher to fuzz longer
(``RSDOCK_FUZZ_EXAMPLES=2000 python -m pytest -q tests/fuzz``).
"""

from __future__ import annotations

import os

import pytest

DEFAULT_EXAMPLES = 20


def examples() -> int:
    """How many inputs each target tries."""
    try:
        return max(int(os.environ.get("RSDOCK_FUZZ_EXAMPLES", DEFAULT_EXAMPLES)), 1)
    except ValueError:
        return DEFAULT_EXAMPLES


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "fuzz: hypothesis fuzzing of the readers and the generator (budget: "
                   "RSDOCK_FUZZ_EXAMPLES inputs per target; see docs/fuzzing.md)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/fuzz/" in item.nodeid:
            item.add_marker(pytest.mark.fuzz)
