"""RS214: ``ADD <url>`` without ``--checksum`` takes whatever the server returns."""

from __future__ import annotations

import re
from typing import Iterable

from rsdock.lint.model.dockerfile import Dockerfile
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, DockerfileRule

_URL_RE = re.compile(r"^https?://", re.IGNORECASE)
# A Git repository (ADD https://github.com/o/r.git#ref): pinned by the ref, not a checksum.
_GIT_RE = re.compile(r"\.git(?:#|$)|^git@", re.IGNORECASE)


class RS214(DockerfileRule):
    """Pin each ``ADD <url>`` with ``--checksum=sha256:...``.

    ``ADD https://...`` downloads the file at every build without any check: a changed or
    compromised file (a CA bundle, an installer, a binary) goes into the image unnoticed, and
    two builds of one commit can differ. BuildKit verifies ``ADD --checksum=sha256:<digest>``
    (Dockerfile syntax 1.6 and later) and fails the build when the file changed. Add the
    digest of the file you reviewed (``curl -sL URL | sha256sum``), or download it in a RUN
    that checks it. A Git URL (``.git#ref``) is pinned by its ref and not judged.

    Fails:
        FROM alpine:3.22
        ADD https://curl.se/ca/cacert.pem /etc/ssl/certs/ca-certificates.crt

    Passes:
        FROM alpine:3.22
        ADD --checksum=sha256:ccbdfc2fe1a0d7bbbb9cc15710271acf1bb1afe4c8f1725fe95c4c7733fcbe5a https://curl.se/ca/cacert.pem /etc/ssl/certs/ca-certificates.crt
    """

    id = "RS214"
    name = "add-url-checksum"
    severity = Severity.WARNING
    message = "add --checksum=sha256:<digest> so a changed download fails the build"

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        """Yield one finding per ``ADD`` of a URL with no ``--checksum``."""
        for stage in file.stages:
            for inst in stage.instructions:
                if inst.cmd != "ADD" or inst.flag("checksum") or inst.heredocs:
                    continue
                urls = [s for s in inst.value[:-1] if _URL_RE.match(s) and not _GIT_RE.search(s)]
                if not urls:
                    continue
                yield self.finding(file.path, inst.line, span=file.span(inst.line, urls[0]),
                                   message=(f"ADD downloads {urls[0]} unverified at every "
                                            f"build: {self.message}"))
