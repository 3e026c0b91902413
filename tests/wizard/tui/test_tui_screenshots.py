"""The committed screenshots/ are what scripts/screenshots.py draws from the current app."""

from __future__ import annotations

import importlib.util
from tests.tools import REPO



def _script():
    spec = importlib.util.spec_from_file_location("screenshots", REPO / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_screenshots_are_up_to_date(tmp_path):
    script = _script()
    written = script.generate(tmp_path)
    assert [p.name for p in written] == ["1-project.svg", "2-images.svg", "3-platforms.svg",
                                         "4-runtime.svg", "5-cache.svg", "6-registry.svg",
                                         "7-review.svg", "8-write.svg", "edit-1-plan.svg",
                                         "edit-2-findings.svg", "edit-3-diff.svg",
                                         *[f"{i}-{s}.svg" for i, s in enumerate(
                                             ("project", "images", "platforms", "runtime",
                                              "cache", "registry", "review", "write"), 1)]]
    assert {p.parent.name for p in written[-8:]} == {"120x40"}
    assert script.differences(REPO / "screenshots", tmp_path) == [], (
        "run python scripts/screenshots.py and commit screenshots/")


def test_differences_names_missing_and_changed(tmp_path):
    script = _script()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "1-x.svg").write_text("old")
    (tmp_path / "b" / "1-x.svg").write_text("new")
    (tmp_path / "b" / "2-y.svg").write_text("y")
    assert script.differences(tmp_path / "a", tmp_path / "b") == ["1-x.svg", "2-y.svg"]
