"""Rules changed after blind batch F, part 1 (docs/field-test/blind-9a.md), on the shapes their
docstrings do not show: RS410 (a SHA pin the table knows, with a stale version comment)."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import reports

CHECKOUT = """\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@{ref}  # {comment}
"""


@pytest.mark.parametrize("ref, comment, lines", [
    # checkout 7.0.1's SHA (the table's): the stale comment does not make it v4
    ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v4.5.4", []),
    # a SHA the table does not know: the comment is all there is to go on
    ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2", [6]),
])
def test_rs410_known_sha_decides_the_version(ref, comment, lines):
    reports("RS410", CHECKOUT.format(ref=ref, comment=comment), lines)
