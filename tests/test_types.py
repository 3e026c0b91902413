"""The rule contract and the models are typed: mypy --strict passes on lint/ (scripts/typecheck.py)."""

from __future__ import annotations

import importlib.util

import pytest

from tests.tools import REPO


def _typecheck():
    spec = importlib.util.spec_from_file_location("typecheck", REPO / "scripts" / "typecheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("targets, flags", _typecheck().PASSES,
                         ids=lambda value: " ".join(value) if isinstance(value, tuple) else value)
def test_mypy_passes(targets, flags):
    status, report = _typecheck().run(targets, flags)
    assert status == 0, report
