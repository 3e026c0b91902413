"""Which Debian (or Ubuntu) release an image reference names."""

from __future__ import annotations

import pytest

from rsdock.lint.knowledge import debian

DIGEST = "@sha256:13c186980fa33cc12759b429662a1322939dbe697484b7c33b47dd2698d28460"


@pytest.mark.parametrize("image, codename", [
    ("rust:1-bookworm" + DIGEST, "bookworm"),
    ("debian:bookworm-slim" + DIGEST, "bookworm"),
    ("gcr.io/distroless/cc-debian12" + DIGEST, "bookworm"),
    ("ubuntu:22.04" + DIGEST, "jammy"),
    ("rust:1.95" + DIGEST, "trixie"),
])
def test_a_digest_does_not_hide_the_tags_release(image, codename):
    found = debian.glibc_release(image)
    assert found is not None and found[0].codename == codename
