"""The publication model's cheap test before simulating a script (publication._may_build):
scripts that cannot run docker or podman, themselves or through what they call, are not
simulated, and the ones that can still are."""

from __future__ import annotations

import pytest

from rsdock.lint.analysis import publication
from tests.lint.analysis.test_publication import _ctx, _workflow

APP = "FROM debian:bookworm-slim\n"
BUILD = "#!/bin/sh\ndocker build -t ghcr.io/a/app -f app/Dockerfile .\ndocker push ghcr.io/a/app\n"
# a long installer: nothing in it builds an image, and it calls a helper that does not either
SETUP = "#!/bin/sh\nSCRIPT_DIR=$(cd \"$(dirname \"$0\")\" && pwd)\n" + "".join(
    f"if [ -n \"$X{i}\" ]; then curl -sSfL https://example.org/{i} -o /usr/local/bin/t{i}; fi\n"
    for i in range(30)) + "\"${SCRIPT_DIR}\"/helper.sh\nbash ./ci/helper.sh --quiet\n"
HELPER = "#!/bin/sh\nrustup component add clippy\n"


@pytest.fixture
def simulated(monkeypatch):
    """The scripts the publication model simulates, in order."""
    seen: list[str] = []
    real = publication.simulate

    def counting(script, **kwargs):
        seen.append(script)
        return real(script, **kwargs)

    monkeypatch.setattr(publication, "simulate", counting)
    return seen


def _images(tmp_path, run, extra):
    files = {"app/Dockerfile": APP, ".github/workflows/w.yml": _workflow(run), **extra}
    ctx = _ctx(tmp_path, files)
    return sorted((i.dockerfile, i.pushes) for i in publication.images(ctx))


def test_a_script_that_cannot_build_is_not_simulated(tmp_path, simulated):
    found = _images(tmp_path, "- run: ./ci/setup.sh", {"ci/setup.sh": SETUP,
                                                         "ci/helper.sh": HELPER})
    assert found == []
    assert not any("curl" in s for s in simulated)  # the installer was never simulated


@pytest.mark.parametrize("call", [
    "\"${SCRIPT_DIR}\"/build.sh",  # the folder from a variable, the name spelled
    "bash ci/build.sh",
    "B=./ci/build.sh\n$B",  # the path in a variable
])
def test_a_script_that_calls_a_builder_is_still_read(tmp_path, simulated, call):
    setup = "#!/bin/sh\nSCRIPT_DIR=ci\ncurl -sSf https://example.org/x | sh\n" + call + "\n"
    found = _images(tmp_path, "- run: sh ci/setup.sh", {"ci/setup.sh": setup,
                                                        "ci/build.sh": BUILD})
    assert found == [("app/Dockerfile", True)]


def test_a_name_made_at_run_time_is_simulated(tmp_path, simulated):
    setup = "#!/bin/sh\nARCH=amd64\n./ci/build-$ARCH.sh\n"
    found = _images(tmp_path, "- run: sh ci/setup.sh", {"ci/setup.sh": setup,
                                                        "ci/build-amd64.sh": BUILD})
    assert found == [("app/Dockerfile", True)]
    assert any("build-$ARCH" in s for s in simulated)


def test_a_called_script_past_the_depth_limit_needs_docker_itself(tmp_path, simulated):
    """At the last depth the scripts a script calls are not followed, so one without docker
    or podman is not simulated."""
    files = {"ci/a.sh": "#!/bin/sh\n./ci/b.sh\n", "ci/b.sh": "#!/bin/sh\n./ci/c.sh\n",
             "ci/c.sh": BUILD}
    assert _images(tmp_path, "- run: ./ci/a.sh", files) == []
    assert not any("./ci/c.sh" in s for s in simulated)
