"""The lint half of test_broken.py, without the lab (in the fast suite): each deliberately broken
variant of a generated project is named by its rule at the broken line, unless LINT_MISSES lists
it (then it must not be: the list cannot go stale). The lab run (``-m e2e -k broken``) adds the
other half, that each variant really fails to build or start."""

from __future__ import annotations

import pytest

from .test_broken import LINT_MISSES, VARIANTS, lint_named, make_broken


@pytest.mark.parametrize("name", list(VARIANTS))
def test_lint_names_the_broken_line(name, tmp_path_factory):
    v = VARIANTS[name]
    project = tmp_path_factory.mktemp(f"broken-lint-{name}")
    _gen, _broken, line, lines_ok = make_broken(
        name, tmp_path_factory.getbasetemp() / "projects", project)
    found, named = lint_named(project, name, lines_ok)
    said = "; ".join(f"{f['rule']}@{f['line']}" for f in found) or "nothing"
    if name in LINT_MISSES:
        assert not named, f"lint now names {name} ({said}): remove it from LINT_MISSES"
    else:
        assert named, (f"{v.what}: rsdock lint did not name it at line {line} "
                       f"({'/'.join(v.rules) or 'any RS rule'}); it said: {said}")
