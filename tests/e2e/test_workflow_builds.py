"""What the lab builds, read from a generated workflow (fast suite, no docker).

A workflow may build several images from one Dockerfile, each step selecting its final stage
with ``target:``; the lab must then build each stage (``--target``), name each image by it, and
know which binary each runs.
"""

from __future__ import annotations

import pytest

from tests.e2e import test_build as tb

ONE_JOB = """\
on: push
jobs:
  images:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build and push server
        uses: docker/build-push-action@v6
        with:
          context: .
          file: Dockerfile
          target: server
          platforms: linux/amd64,linux/arm64
      - name: Build and push labcli
        uses: docker/build-push-action@v6
        with:
          file: Dockerfile
          target: labcli
          platforms: linux/amd64
"""

JOB_PER_IMAGE = """\
on: push
jobs:
  labssl:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v6
        with:
          file: Dockerfile
          platforms: linux/amd64, linux/arm/v7
"""


def _project(tmp_path, text):
    wf = tmp_path / ".github/workflows"
    wf.mkdir(parents=True)
    (wf / "docker.yml").write_text(text)
    return tmp_path


def test_one_job_building_each_image_by_its_target(tmp_path):
    builds = tb.workflow_builds(_project(tmp_path, ONE_JOB))
    assert [(b["image"], b["target"], b["platforms"]) for b in builds] == [
        ("server", "server", ["linux/amd64", "linux/arm64"]), ("labcli", "labcli", ["linux/amd64"])]
    cmd = tb.docker_build_cmd(tmp_path / "Dockerfile", tmp_path, "linux/arm64", "t", "server")
    assert cmd[cmd.index("--target") + 1] == "server"


def test_a_job_per_image_builds_the_last_stage(tmp_path):
    [b] = tb.workflow_builds(_project(tmp_path, JOB_PER_IMAGE))
    assert (b["image"], b["target"], b["platforms"]) == ("labssl", None, ["linux/amd64", "linux/arm/v7"])
    assert "--target" not in tb.docker_build_cmd(tmp_path / "Dockerfile", tmp_path, "linux/amd64", "t")


def test_an_image_built_twice_is_an_error(tmp_path):
    with pytest.raises(AssertionError, match="more than once"):
        tb.workflow_builds(_project(tmp_path, ONE_JOB.replace("target: labcli", "target: server")))


def test_the_binary_is_found_by_stage_name_or_entrypoint():
    assert tb.lab_binary("pure", "server", []) == "server"
    assert tb.lab_binary("pure", "runtime-cli", ["/usr/bin/tini", "--", "/usr/local/bin/labcli"]) == "labcli"
    assert tb.lab_binary("pure", "other", ["/usr/bin/tini", "--", "/usr/local/bin/other"]) is None
