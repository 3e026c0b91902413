"""RS002: a suppression that suppresses nothing."""

from __future__ import annotations

from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import EngineRule


class RS002(EngineRule):
    """A `# rsdock: ignore=` suppression that no longer suppresses anything: delete it.

    Stale suppressions hide the next real problem on that line. A code is only reported as
    unused when its rule ran (a rule turned off by configuration, or a DL/SC code when hadolint
    did not run, is left alone).

    Fails:
        # file: .dockerignore
        # rsdock: ignore=RS001 nothing here fails to parse
        target/

    Passes:
        # file: .dockerignore
        target/
    """

    id = "RS002"
    name = "unused-suppression"
    severity = Severity.WARNING
    message = "this suppression suppresses nothing: delete it"

    # Whether a suppression was used is only known once every other rule has run, so the
    # engine reports this rule itself (``lint/model/suppressions.py`` ``unused``).
    def stale(self, path: str, line: int, column: int, code: str) -> Finding:
        """The finding for ``code`` suppressed at ``path:line:column`` to no effect."""
        return self.finding(path, line, column, f"{code} is suppressed here but reports nothing: "
                                                f"delete `{code}` from this suppression")
