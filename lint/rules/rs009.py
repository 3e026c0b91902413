"""RS009: a rule crashed (a bug in rsdock, reported instead of a traceback)."""

from __future__ import annotations

from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import EngineRule


class RS009(EngineRule):
    """A rule crashed on this file: a bug in rsdock, please report it with the file.

    One broken rule must not hide every other finding, so the engine catches the crash, keeps
    going, and reports it here with the rule's ID and the error. No file makes rsdock's own rules
    crash on purpose; the Fails example is checked with a test rule that raises on it.

    Fails:
        # file: Dockerfile
        # (a file on which some rule raises an exception)
        FROM debian:bookworm-slim

    Passes:
        # file: Dockerfile
        FROM debian:bookworm-slim
    """

    id = "RS009"
    name = "internal-error"
    severity = Severity.ERROR
    message = "a rule crashed on this file: please report it as a bug in rsdock"

    def crashed(self, path: str, rule_id: str, error: BaseException) -> Finding:
        """The finding for ``rule_id`` raising ``error`` while checking ``path``."""
        return self.finding(path, 1, 0, f"{rule_id} crashed: {type(error).__name__}: {error}; "
                                        "please report this bug in rsdock with the file")
