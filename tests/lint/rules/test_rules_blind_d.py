"""The false findings and misses blind batch D left (docs/field-test.md, "Blind batch D"), on the
shapes the rules' docstrings do not show: each case is the model the rule now reads, not the
repository it was seen in."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, catches_not

AWS = """\
# file: .github/workflows/ci.yml
on: push
jobs:
  dist:
    runs-on: ubuntu-24.04
    steps:
      - uses: aws-actions/configure-aws-credentials@{ref}
        with:
          aws-region: eu-west-1
"""


@pytest.mark.parametrize("ref, outdated", [
    ("v1", True),    # node12 at every v1.x tag
    ("v3", True),    # node16
    ("v5", True),    # node20
    ("v6", False),   # node24
    ("e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3", False),
])
def test_rs410_configure_aws_credentials(ref, outdated):
    text = AWS.format(ref=ref)
    if outdated:
        catches("RS410", text, lines=[6])
    else:
        catches_not("RS410", text)
