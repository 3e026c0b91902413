"""RS004: hadolint could not check a file (a note about hadolint, not about the file)."""

from __future__ import annotations

from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import EngineRule


class RS004(EngineRule):
    """hadolint could not check this Dockerfile; rsdock's own rules still did.

    hadolint's parser rejects some valid BuildKit syntax, for instance a heredoc `RUN` followed
    by `ENV`. BuildKit's own parser decides whether the file is valid (`RS001`); this note only
    says that hadolint's DL/SC checks are missing for the file. It also carries hadolint's own
    complaints, such as an invalid `.hadolint.yaml`, and says when hadolint ran out of its time
    budget on a file (15 s a file: a Dockerfile of many thousand lines can take minutes).

    Fails:
        # file: Dockerfile
        FROM debian:bookworm-slim
        RUN <<EOT
        echo hello
        EOT
        ENV GREETING=hello

    Passes:
        # file: Dockerfile
        FROM debian:bookworm-slim
        ENV GREETING=hello
        RUN <<EOT
        echo hello
        EOT
    """

    id = "RS004"
    name = "hadolint-limitation"
    severity = Severity.INFO
    message = "hadolint could not parse this valid Dockerfile: its DL/SC checks are missing here"

    def parse_failure(self, path: str, line: int, detail: str) -> Finding:
        """A note for hadolint's ``DL1000`` at ``path:line``."""
        return self.finding(path, line, 0, f"{self.message} (hadolint: {detail})")

    def timeout(self, path: str, seconds: str) -> Finding:
        """A note for a file hadolint was stopped on, after ``seconds`` of its time budget."""
        return self.finding(path, 1, 0, f"hadolint did not finish checking this file within "
                                        f"{seconds} s and was stopped: its DL/SC checks are "
                                        "missing here (run hadolint on it alone to wait for "
                                        "them, or pass --no-hadolint)")

    def complaint(self, path: str, detail: str) -> Finding:
        """A note carrying hadolint's own error message (not run, bad config)."""
        return self.finding(path, 1, 0, detail)
