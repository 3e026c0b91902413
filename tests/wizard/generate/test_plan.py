"""Plan validation: every invalid combination is refused with its reason and way out."""

import pytest

from rsdock.wizard.generate.plan import Image, Plan, PlanError, Triggers

SERVER = Image("server", "bin", "server", "Dockerfile", "crates/server")
WEB = Image("web", "web", "web", "Dockerfile.web", "crates/web")


def plan(**changes):
    return Plan(images=(SERVER, WEB)).with_changes(**changes)


def messages(p):
    return [f"{problem.field}: {problem.message}" for problem in p.problems()]


def test_the_research_defaults_are_valid():
    p = plan()
    assert p.problems() == []
    assert p.platforms == ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert (p.runtime, p.cache, p.registry, p.libc) == ("debian-slim", "gha", "dockerhub", "gnu")


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"platforms": ("linux/riscv64",)},
         "platforms: linux/riscv64 has no debian:bookworm-slim image"),
        ({"platforms": ("linux/386",), "runtime": "distroless"},
         "platforms: gcr.io/distroless/cc publishes no linux/386 image"),
        ({"platforms": ("linux/s390x",), "runtime": "scratch"},
         "platforms: linux/s390x has no musl target with a rustup std, which the scratch runtime needs"),
        ({"platforms": ("linux/mips",)}, "platforms: 'linux/mips' is not a platform rsdock can cross-compile for"),
        ({"platforms": ()}, "platforms: no platform chosen"),
        ({"platforms": ("linux/arm64", "linux/arm64/v8")}, "platforms: linux/arm64 is listed twice"),
        ({"runtime": "ubuntu"}, "runtime: unknown runtime 'ubuntu'"),
        ({"cache": "s3"}, "cache: unknown cache 's3'"),
        ({"registry": "quay"}, "registry: unknown registry 'quay'"),
        ({"rust_version": "stable"}, "rust-version: 'stable' is not a Rust version like 1.86"),
        ({"workflow": "ci/docker.yml"}, "workflow: 'ci/docker.yml' is not a GitHub workflow path"),
        ({"images": ()}, "images: no image chosen"),
        ({"images": (SERVER, SERVER)}, "image 'server': chosen twice"),
        ({"images": (SERVER, Image("web", "web", "web", "Dockerfile"))},
         "image 'web': shares the Dockerfile Dockerfile with bin image 'server'"),
        ({"images": (SERVER, Image("Server", "bin", "server", "Dockerfile"))},
         "image 'Server': its final stage in Dockerfile would be named like 'server''s "
         "(server: stage names ignore case)"),
        ({"images": (Image("x", "bin", "x", "../Dockerfile"),)},
         "image 'x': Dockerfile path '../Dockerfile' leaves the workspace"),
        ({"triggers": Triggers(branches=(), tags=False)},
         "ci: the workflow would never push an image (no branch and no tag trigger)"),
    ],
)
def test_invalid_combinations_are_refused_with_a_way_out(changes, expected):
    p = plan(**changes)
    assert expected in messages(p)
    with pytest.raises(PlanError) as error:
        p.validate()
    assert all(problem.way_out for problem in error.value.problems)


def test_riscv64_is_fine_on_trixie_and_static_runtimes():
    for changes in ({"debian": "trixie"}, {"runtime": "scratch"}, {"runtime": "alpine"}):
        assert plan(platforms=("linux/amd64", "linux/riscv64"), **changes).problems() == []


def test_platform_objects_follow_the_table_order():
    p = plan(platforms=("linux/arm/v7", "linux/amd64"))
    assert [x.name for x in p.platform_objects] == ["linux/amd64", "linux/arm/v7"]
