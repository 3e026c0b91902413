"""The GitHub Actions rsdock generates and checks: current majors and known release SHAs.

From DIGEST.md section 2. The generator pins ``uses:`` to these full commit SHAs with the
version in a trailing comment (zizmor's unpinned-uses audit); the linter reads the majors to
flag actions on retired majors.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    """A released action: its repository, current major, newest release tag and its commit."""

    repo: str
    major: int
    version: str
    sha: str

    def uses(self, pin: str = "sha") -> str:
        """The ``uses:`` value: ``owner/repo@<sha>`` (pin="sha") or ``owner/repo@vN`` (pin="tag")."""
        if pin == "sha":
            return f"{self.repo}@{self.sha}"
        if pin == "tag":
            return f"{self.repo}@v{self.major}"
        raise ValueError(f"unknown pin mode {pin!r}: use 'sha' or 'tag'")

    def comment(self, pin: str = "sha") -> str:
        """The trailing comment naming the version a SHA pin stands for ("" for tag pins)."""
        return f"v{self.version}" if pin == "sha" else ""


ACTIONS: dict[str, Action] = {
    a.repo: a
    for a in (
        Action("actions/checkout", 7, "7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1"),
        Action("docker/setup-qemu-action", 4, "4.2.0", "96fe6ef7f33517b61c61be40b68a1882f3264fb8"),
        Action("docker/setup-buildx-action", 4, "4.3.0", "37fe631027851001ddb9b187196cc803df7f5f0e"),
        Action("docker/login-action", 4, "4.1.0", "4907a6ddec9925e35a0a9e82d7399ccc52663121"),
        Action("docker/metadata-action", 6, "6.2.0", "dc802804100637a589fabce1cb79ff13a1411302"),
        Action("docker/build-push-action", 7, "7.3.0", "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a"),
        # For the type=local build cache; v5.0.5 verified in the repository's snapshot (node24).
        Action("actions/cache", 5, "5.0.5", "27d5ce7f107fe9357f9df03efb73ab90386fccae"),
    )
}
