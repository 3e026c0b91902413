"""GitHub-hosted runners by architecture: where a native build of a platform runs.

Source: GitHub's "GitHub-hosted runners" reference (docs.github.com, standard runners for public
repositories), checked 2026-12-01: ``ubuntu-24.04`` is x64 and ``ubuntu-24.04-arm`` is arm64
(free for public repositories since 2025). No hosted runner is 32-bit ARM, 386, ppc64le, s390x
or riscv64; those platforms are cross-compiled on an x64 runner.
"""

from __future__ import annotations

from rsdock.records import record

# The runner each platform builds natively on.
NATIVE_RUNNERS: dict[str, str] = {
    "linux/amd64": "ubuntu-24.04",
    "linux/arm64": "ubuntu-24.04-arm",
}
# Where a platform without a hosted runner of its architecture is cross-compiled.
FALLBACK_RUNNER = "ubuntu-24.04"
# The runner of the native strategy's merge jobs (they only talk to the registry).
MERGE_RUNNER = "ubuntu-24.04"
# The platform of each runner label rsdock writes.
RUNNER_PLATFORMS: dict[str, str] = {"ubuntu-24.04": "linux/amd64",
                                    "ubuntu-24.04-arm": "linux/arm64"}


@record(frozen=True)
class Leg:
    """One platform of a native build: the runner it runs on and whether it runs natively.

    Attributes:
        platform: the BuildKit platform string.
        runner: the ``runs-on`` label.
        native: True when the runner's own architecture is the platform's.
    """

    platform: str
    runner: str
    native: bool

    @property
    def runner_platform(self) -> str:
        """The platform of the runner (what ``$BUILDPLATFORM`` is on it)."""
        return RUNNER_PLATFORMS[self.runner]


def leg(platform: str) -> Leg:
    """Where ``platform`` builds under the native strategy."""
    runner = NATIVE_RUNNERS.get(platform)
    return Leg(platform, runner or FALLBACK_RUNNER, runner is not None)


# GitHub-hosted runner images GitHub has retired: a job whose `runs-on` names one fails without
# running ("This is a scheduled ... retirement"). Label -> (retirement date, labels to use).
# Sources: the actions/runner-images announcements: ubuntu-20.04 #11101 (2025-04-15),
# windows-2019 #12045 (2025-06-30), macos-13 #13046 (2025-12-04, with -large and -xlarge);
# ubuntu-18.04 (2023-04-03), ubuntu-16.04 (2021-09-20), macos-12 (2024-12-03), macos-11
# (2024-06-28), macos-10.15 (2022-12-01), windows-2016 (2022-03-15). Checked 2026-12-08.
RETIRED_IMAGES: dict[str, tuple[str, str]] = {
    "ubuntu-16.04": ("2021-09-20", "ubuntu-24.04"),
    "ubuntu-18.04": ("2023-04-03", "ubuntu-24.04"),
    "ubuntu-20.04": ("2025-04-15", "ubuntu-24.04 (or ubuntu-22.04)"),
    "macos-10.15": ("2022-12-01", "macos-15"),
    "macos-11": ("2024-06-28", "macos-15"),
    "macos-12": ("2024-12-03", "macos-15"),
    "macos-13": ("2025-12-04", "macos-15 (or macos-15-intel for x86_64)"),
    "macos-13-large": ("2025-12-04", "macos-15-large"),
    "macos-13-xlarge": ("2025-12-04", "macos-15-xlarge"),
    "windows-2016": ("2022-03-15", "windows-2025"),
    "windows-2019": ("2025-06-30", "windows-2025 (or windows-2022)"),
}
