"""RS005: the cargo workspace cannot be read, so cross-file checks lack its context."""

from __future__ import annotations

from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import EngineRule


class RS005(EngineRule):
    """The cargo workspace could not be read: rules that compare against it were skipped.

    rsdock reads `Cargo.toml` (and its members) to check `--bin` names, the Rust version and
    what the Dockerfiles copy. When the manifest is broken, those checks cannot run; `cargo`
    would fail on the same file.

    Fails:
        # file: Cargo.toml
        [workspace
        members = ["backend"]
        # file: Dockerfile
        FROM debian:bookworm-slim

    Passes:
        # file: Cargo.toml
        [package]
        name = "backend"
        version = "0.1.0"
        edition = "2021"
        # file: src/main.rs
        fn main() {}
        # file: Dockerfile
        FROM debian:bookworm-slim
    """

    id = "RS005"
    name = "unreadable-workspace"
    severity = Severity.ERROR
    message = "the cargo workspace cannot be read: fix Cargo.toml (cargo would fail on it too)"

    def scan_failed(self, path: str, line: int, detail: str) -> Finding:
        """The finding for a ``ScanError`` at ``path:line``."""
        return self.finding(path, line, 0, f"{detail}; checks that need the workspace were skipped")
