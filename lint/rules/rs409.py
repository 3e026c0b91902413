"""RS409: build platforms are valid BuildKit platform strings."""

from __future__ import annotations

from typing import Iterable

from rsdock.lint.knowledge import platforms
from rsdock.lint.model import workflow_reader as wf
from rsdock.lint.model.findings import Finding, Severity
from rsdock.lint.rules.rule import Context, WorkflowRule


class RS409(WorkflowRule):
    """Write each platform as BuildKit does: ``os/arch[/variant]``, e.g. ``linux/arm/v7``.

    ``platforms:`` takes a comma- or newline-separated list. Docker arch names differ from Rust
    and uname names (``arm64``, not ``aarch64``; ``arm/v7``, not ``armv7``), and a malformed
    entry fails the build after the setup steps have run. Matrix values are checked too.

    A known misspelling (``linux/armv7`` for ``linux/arm/v7``) is named with the spelling that
    was meant: BuildKit normalises ``aarch64`` and ``armhf``, not ``armv7``.

    Fails:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: linux/amd64,armv7

    Passes:
        # file: .github/workflows/docker.yml
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/build-push-action@v7
                with:
                  platforms: |
                    linux/amd64
                    linux/arm/v7
    """

    id = "RS409"
    name = "platform-string"
    severity = Severity.ERROR
    message = "write the platform as os/arch[/variant]"

    def check(self, file: wf.Workflow, ctx: Context) -> Iterable[Finding]:
        """Yield a finding for each malformed platform entry (after matrix expansion)."""
        known = ", ".join(platforms.names())
        for job, step in file.action_steps(wf.BUILD_PUSH):
            entries, _complete = wf.platform_entries(job, wf.build_push(file, step))
            for item, name in entries:
                meant = platforms.misspelled(name)
                if meant:
                    yield self.finding(
                        file.path, item.line, item.column,
                        f"BuildKit does not know {name}: write {meant}")
                elif not platforms.is_platform_string(name):
                    yield self.finding(
                        file.path, item.line, item.column,
                        f"{name!r} is not a platform: {self.message} (rsdock knows {known})")
