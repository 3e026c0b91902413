"""default_plan: images from the workspace, Dockerfile names, choices, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsdock.errors import UserError
from rsdock import resources
from rsdock.lint.model.cargo import Workspace, scan
from rsdock.lint.model.cargo_package import BinTarget, Package
from rsdock.wizard.generate.defaults import default_plan, name_dockerfiles, workspace_images
from rsdock.wizard.generate.plan import DEFAULT_RUST_VERSION, Image, Plan


def package(name, dir, bins=(), web=False):
    return Package(name=name, version="0.1.0", manifest_path=f"{dir}/Cargo.toml", dir=dir,
                   rust_version=None, bins=tuple(BinTarget(b, f"{dir}/src/{b}.rs") for b in bins),
                   has_lib=web or not bins, crate_types=("cdylib",) if web else ("lib",),
                   is_web_app=web, has_build_rs=False)


def workspace(rust_version=None, root="/ws"):
    members = (
        package("core", "crates/core"),
        # A trunk app's main.rs is compiled to wasm: it must not become a server image.
        package("web", "crates/web", bins=("web",), web=True),
        package("server", "crates/server", bins=("server", "migrate")),
    )
    return Workspace(root=Path(root), manifest_path="Cargo.toml", virtual=True, members=members,
                     default_members=(), rust_version=rust_version, has_lockfile=True)


def test_every_binary_shares_one_dockerfile_and_every_web_app_has_its_own():
    assert workspace_images(workspace()) == (
        Image("server", "bin", "server", "Dockerfile", "crates/server"),
        Image("migrate", "bin", "server", "Dockerfile", "crates/server"),
        Image("web", "web", "web", "Dockerfile.web", "crates/web"),
    )


def test_defaults_are_the_research_choices():
    plan = default_plan(workspace())
    assert plan == Plan(images=workspace_images(workspace()))
    assert plan.platforms == ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert (plan.runtime, plan.cache, plan.registry) == ("debian-slim", "gha", "dockerhub")
    assert plan.rust_version == DEFAULT_RUST_VERSION


def test_rust_version_comes_from_the_workspace():
    assert default_plan(workspace("1.82")).rust_version == "1.82"


def test_chosen_bins_keep_workspace_order_and_first_binary_gets_dockerfile():
    plan = default_plan(workspace(), bins=["web", "migrate", "web"])
    assert plan.images == (
        Image("migrate", "bin", "server", "Dockerfile", "crates/server"),
        Image("web", "web", "web", "Dockerfile.web", "crates/web"),
    )


def test_web_app_alone_never_takes_the_plain_dockerfile():
    assert name_dockerfiles([Image("web", "web", "web", "")])[0].dockerfile == "Dockerfile.web"


def test_unknown_bin_is_a_located_error_listing_real_names():
    with pytest.raises(UserError) as info:
        default_plan(workspace(), bins=["server", "backend"])
    error = info.value
    assert error.path == "/ws/Cargo.toml"
    assert "--bin 'backend'" in error.message
    assert error.hint == "choose from: server, migrate, web"
    assert error.exit_code == 2


def test_choices_and_platform_aliases():
    plan = default_plan(workspace(), platforms=["linux/arm64/v8", "linux/amd64"],
                        runtime="distroless", cache="registry", registry="ghcr",
                        debian="trixie", pin_actions="tag",
                        images={"server": "ghcr.io/acme/server"})
    assert plan.platforms == ("linux/arm64", "linux/amd64")
    assert (plan.runtime, plan.cache, plan.registry, plan.debian, plan.pin_actions) == (
        "distroless", "registry", "ghcr", "trixie", "tag")
    assert plan.images[0].image == "ghcr.io/acme/server"
    assert plan.images[1].image == ""


def test_image_for_an_unchosen_name_is_an_error():
    with pytest.raises(UserError) as info:
        default_plan(workspace(), bins=["server"], images={"web": "acme/web"})
    assert "--image 'web'" in info.value.message
    assert info.value.hint == "choose from: server"


def test_every_plan_problem_is_listed_with_its_way_out():
    with pytest.raises(UserError) as info:
        default_plan(workspace(), platforms=["linux/riscv64", "linux/sparc"], cache="s3")
    message = info.value.message
    assert "cache: unknown cache 's3'; choose one of gha, registry, local, inline" in message
    assert ("  linux/riscv64 has no debian:bookworm-slim image\n"
            "    ways out: choose the Debian release trixie") in message
    assert "'linux/sparc' is not a platform" in message
    assert info.value.exit_code == 2


def test_previous_plan_wins_over_defaults_and_flags_win_over_it():
    base = Plan(
        images=(Image("web", "web", "web", "docker/web.Dockerfile", "crates/web", "acme/web"),),
        runtime="alpine", rust_version="1.84",
    )
    plan = default_plan(workspace("1.82"), base=base)
    assert plan == base
    plan = default_plan(workspace("1.82"), base=base, bins=["server", "web"], runtime="scratch")
    assert plan.images == (
        Image("server", "bin", "server", "Dockerfile", "crates/server"),
        base.images[0],
    )
    assert (plan.runtime, plan.rust_version) == ("scratch", "1.84")


def test_a_saved_rust_version_older_than_the_workspace_msrv_is_refused():
    base = Plan(images=(Image("server", "bin", "server", "Dockerfile", "crates/server"),),
                rust_version="1.80")
    with pytest.raises(UserError) as info:
        default_plan(workspace("1.82"), base=base)
    assert ("the builder's Rust 1.80 is older than the workspace's rust-version 1.82: cargo "
            "refuses to build with it; use Rust 1.82 or newer") in info.value.message


def test_the_bundled_example_workspace():
    ws = scan(resources.example_workspace())
    plan = default_plan(ws)
    assert [(i.name, i.kind, i.dockerfile) for i in plan.images] == [
        ("server", "bin", "Dockerfile"),
        ("migrate", "bin", "Dockerfile"),
        ("web", "web", "Dockerfile.web"),
    ]
    assert plan.rust_version == ws.rust_version


def test_unknown_bins_are_listed_once_each_in_flag_order():
    names = ["zeta", "alpha", "server", "mu", "alpha", "beta", "omega", "kappa"]
    with pytest.raises(UserError) as info:
        default_plan(workspace(), bins=names)
    assert info.value.message.startswith(
        "--bin 'zeta', 'alpha', 'mu', 'beta', 'omega', 'kappa': no binary or web app")
