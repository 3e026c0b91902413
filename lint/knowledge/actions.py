"""The GitHub Actions rsdock generates and checks: current majors, known release SHAs, and
the runtime and status of every major the linter judges.

From DIGEST.md section 2. The generator pins ``uses:`` to these full commit SHAs with the
version in a trailing comment (zizmor's unpinned-uses audit). The linter does not call a major
old because a newer one exists: a major is outdated only when the Node.js it runs on
(``runs.using`` in its ``action.yml``) is retired by GitHub, or its owner deprecated or archived
it (:data:`MAJORS`, each row with its source).
"""

from __future__ import annotations

from rsdock.records import record


@record(frozen=True)
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
        # The native strategy passes digests from its legs to the merge job. Newest tags in
        # the repositories' snapshots, both node24 in action.yml (checked 2026-12-01).
        Action("actions/upload-artifact", 7, "7.0.0", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f"),
        Action("actions/download-artifact", 8, "8.0.1",
               "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"),
        # Credentials for ECR and S3 steps: v6.2.3, the newest tag in the repository's snapshot
        # (`git rev-parse v6.2.3^{commit}`, 2026-12-08), node24 in action.yml.
        Action("aws-actions/configure-aws-credentials", 6, "6.2.3",
               "e6de054238d6b7531b4efff3b6587d9aade6a06c"),
        # Signing (issue #25). Tags read with `git rev-parse TAG^{commit}` in the repositories'
        # snapshots (2026-12-07): cosign-installer v4.1.2 (2026-05-06, installs cosign v3.0.6
        # by default), attest-build-provenance v4.1.0 (2026-02-26, a composite wrapper of
        # actions/attest v4.1.0). Both composite actions: no Node.js runtime to retire.
        Action("sigstore/cosign-installer", 4, "4.1.2",
               "6f9f17788090df1f26f669e9d70d6ae9567deba6"),
        Action("actions/attest-build-provenance", 4, "4.1.0",
               "a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32"),
    )
}


# GitHub retired these JavaScript runtimes for actions (node12 in 2023, node16 in 2024, node20 in
# 2026: DIGEST.md section 2). An action major that declares one still starts: the runner runs it
# on the runtime it ships instead. For node20 the runner's own annotation says so: "Actions will
# be forced to run with Node.js 24 by default starting June 2nd, 2026. Node.js 20 will be removed
# from the runner on September 16th, 2026" (quoted in many issues, e.g. bullet-train-co/
# bullet_train#2476; the upgrade is in the runner's HandlerFactory, actions/runner#4295, after
# node24 support landed in actions/runner#3940/#3948). So the action runs on a Node.js it was
# not written or tested for, and every run carries a deprecation annotation.
RETIRED_RUNTIMES = frozenset({"node12", "node16", "node20"})
# What GitHub-hosted runners run an action on when its declared runtime is retired.
CURRENT_RUNTIME = "node24"


@record(frozen=True)
class Major:
    """One major of an action as the linter judges it.

    Attributes:
        repo: ``owner/name``.
        major: the major version number.
        runs_using: ``runs.using`` of the major's ``action.yml`` (``node24``, ``composite``...).
        status: ``maintained``, ``deprecated`` or ``archived`` (what the owner says).
        source: where the facts come from and when they were checked.
    """

    repo: str
    major: int
    runs_using: str
    status: str = "maintained"
    source: str = ""

    @property
    def outdated(self) -> bool:
        """Whether this major should be left: a retired runtime, or its owner gave it up."""
        return self.runs_using in RETIRED_RUNTIMES or self.status != "maintained"

    @property
    def why(self) -> str:
        """What is wrong with the major, as a predicate ("" when nothing is): "declares node20,
        which GitHub retired: ...", "was deprecated by its owner"."""
        if self.runs_using in RETIRED_RUNTIMES:
            return (f"declares {self.runs_using}, which GitHub retired: runners run it on "
                    f"{CURRENT_RUNTIME} instead, a runtime that release was not made for")
        if self.status != "maintained":
            return f"was {self.status} by its owner"
        return ""


_DIGEST = "DIGEST.md section 2 (action.yml runs.using of each major, checked 2026-11-29)"
_CHECKOUT_V5_V6 = ("DIGEST.md section 2: action.yml runs.using node24; releases v5.1.0 and "
                   "v6.1.0 on 2026-07-16")
_AWS_CREDENTIALS = ("action.yml runs.using at every release tag of aws-actions/"
                    "configure-aws-credentials (snapshot bcd40890, 2026-08-18; checked 2026-12-08)")

MAJORS: dict[tuple[str, int], Major] = {
    (m.repo, m.major): m
    for m in (
        Major("actions/checkout", 1, "node12", source=_DIGEST),
        Major("actions/checkout", 2, "node12", source=_DIGEST),
        Major("actions/checkout", 3, "node16", source=_DIGEST),
        Major("actions/checkout", 4, "node20", source=_DIGEST),
        Major("actions/checkout", 5, "node24", source=_CHECKOUT_V5_V6),
        Major("actions/checkout", 6, "node24", source=_CHECKOUT_V5_V6),
        Major("actions/checkout", 7, "node24", source=_DIGEST + "; v7.0.1"),
        Major("actions/cache", 1, "node12", "deprecated", _DIGEST),
        Major("actions/cache", 2, "node16", "deprecated", _DIGEST),
        Major("actions/cache", 3, "node20", "deprecated",
              _DIGEST + "; v1-v3 stopped working with the cache service v2 (2025)"),
        Major("actions/cache", 4, "node20", source=_DIGEST),
        Major("actions/cache", 5, "node24", source="v5.0.5 action.yml in the repository's snapshot"),
        Major("docker/setup-qemu-action", 1, "node12", source=_DIGEST),
        Major("docker/setup-qemu-action", 2, "node16", source=_DIGEST),
        Major("docker/setup-qemu-action", 3, "node20", source=_DIGEST),
        Major("docker/setup-qemu-action", 4, "node24", source=_DIGEST + "; v4.2.0"),
        Major("docker/setup-buildx-action", 1, "node12", source=_DIGEST),
        Major("docker/setup-buildx-action", 2, "node16", source=_DIGEST),
        Major("docker/setup-buildx-action", 3, "node20", source=_DIGEST),
        Major("docker/setup-buildx-action", 4, "node24", source=_DIGEST + "; v4.3.0"),
        Major("docker/login-action", 1, "node12", source=_DIGEST),
        Major("docker/login-action", 2, "node16", source=_DIGEST),
        Major("docker/login-action", 3, "node20", source=_DIGEST),
        Major("docker/login-action", 4, "node24", source=_DIGEST + "; v4.1.0"),
        Major("docker/metadata-action", 3, "node12", source=_DIGEST),
        Major("docker/metadata-action", 4, "node16", source=_DIGEST),
        Major("docker/metadata-action", 5, "node20", source=_DIGEST),
        Major("docker/metadata-action", 6, "node24", source=_DIGEST + "; v6.2.0"),
        Major("docker/build-push-action", 1, "node12", source=_DIGEST),
        Major("docker/build-push-action", 2, "node12", source=_DIGEST),
        Major("docker/build-push-action", 3, "node16", source=_DIGEST),
        Major("docker/build-push-action", 4, "node16", source=_DIGEST),
        Major("docker/build-push-action", 5, "node20", source=_DIGEST),
        Major("docker/build-push-action", 6, "node20", source=_DIGEST),
        Major("docker/build-push-action", 7, "node24", source=_DIGEST + "; v7.3.0"),
        # each major's tags read one by one (v1.0.0-v1.7.0 and the moving v1: node12; v2.0.0-
        # v3.0.2: node16; v4.0.0-v5.1.1: node20; v6.0.0-v6.2.3: node24)
        Major("aws-actions/configure-aws-credentials", 1, "node12", source=_AWS_CREDENTIALS),
        Major("aws-actions/configure-aws-credentials", 2, "node16", source=_AWS_CREDENTIALS),
        Major("aws-actions/configure-aws-credentials", 3, "node16", source=_AWS_CREDENTIALS),
        Major("aws-actions/configure-aws-credentials", 4, "node20", source=_AWS_CREDENTIALS),
        Major("aws-actions/configure-aws-credentials", 5, "node20", source=_AWS_CREDENTIALS),
        Major("aws-actions/configure-aws-credentials", 6, "node24", source=_AWS_CREDENTIALS),
        Major("sigstore/cosign-installer", 4, "composite",
              source="action.yml of v4.0.0-v4.1.2 in the repository's snapshot (2026-12-07)"),
        Major("actions/attest-build-provenance", 4, "composite",
              source="action.yml of v4.0.0-v4.1.0 in the repository's snapshot (2026-12-07)"),
    )
}


def major(repo: str, number: int) -> Major | None:
    """The known facts about ``repo``'s major ``number`` (``repo`` case-insensitive), or None."""
    return MAJORS.get((repo.lower(), number))
