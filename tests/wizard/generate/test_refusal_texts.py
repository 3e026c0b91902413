"""A refusal is one sentence (what cannot work, for which image and platform, through which
dependency chain) with its ways out and the id of its explanation (``rsdock refusal ID``,
docs/refusals.md); the long reasons and internal words (the build lab, "unverified") stay there.

Issue 26 item 3: refusals were paragraphs ("the build lab has no musl Rust std"), and the chain
that explained them was only in a Dockerfile comment.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from rsdock.cli import main
from rsdock.lint.knowledge import refusals
from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate.defaults import with_workspace
from rsdock.wizard.generate.plan import Image, Plan
from tests.tools import REPO, WORKSPACE_FIXTURES
from tests.wizard.commands.test_init import AWS_LC_LOCK
from tests.wizard.generate.test_musl_refusals import copy

INTERNAL = re.compile(r"build lab|\blab\b|unverified|untried|research", re.I)


def aws_lc(root):
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n\n[dependencies]\naws-lc-rs = "1"\n')
    (root / "Cargo.lock").write_text(AWS_LC_LOCK)
    return root


def plan_for(root, **changes) -> Plan:
    ws = scan(root)
    name = "app" if (root / "src").exists() and "app" in (root / "Cargo.toml").read_text() \
        else "api"
    return with_workspace(Plan(images=(Image(name, "bin", name, "Dockerfile"),)), ws) \
        .with_changes(**changes)


def refused(plan: Plan):
    return [p for p in plan.problems() if p.refusal]


def check_shape(problem, image: str) -> None:
    assert refusals.get(problem.refusal) is not None
    assert problem.way_out.endswith(f"(why: `rsdock refusal {problem.refusal}`)")
    assert problem.message.startswith(f"{image} cannot ")
    # one sentence: no full stop inside, no second clause list after a semicolon
    assert ". " not in problem.message and not problem.message.endswith(".")
    assert not INTERNAL.search(problem.message + problem.way_out), problem


def test_no_bindings_names_image_platform_and_chain(tmp_path):
    found = refused(plan_for(aws_lc(tmp_path / "ws"), platforms=("linux/arm/v7",)))
    assert [p.refusal for p in found] == ["no-bindings"]
    check_shape(found[0], "app")
    assert found[0].message == (
        "app cannot be built for linux/arm/v7: aws-lc-sys ships no bindings for "
        "armv7-unknown-linux-gnueabihf, and Cargo.lock has no `bindgen` to generate them "
        "(via app -> aws-lc-rs -> aws-lc-sys)")
    assert found[0].way_out.startswith("drop linux/arm/v7, enable aws-lc-sys's `bindgen`")


def test_musl_refusal_is_one_sentence_with_the_chain(tmp_path):
    found = refused(plan_for(aws_lc(tmp_path / "ws"), runtime="alpine",
                             platforms=("linux/amd64",)))
    assert [p.refusal for p in found] == ["musl-c"]
    check_shape(found[0], "app")
    assert "(via app -> aws-lc-rs -> aws-lc-sys)" in found[0].message


def test_system_library_on_an_architecture_the_builder_lacks(tmp_path):
    root = copy(WORKSPACE_FIXTURES / "cdeps", tmp_path / "ws")
    found = [p for p in refused(plan_for(root, platforms=("linux/riscv64",), debian="trixie"))
             if p.refusal == "debian-arch"]
    assert found, refused(plan_for(root, platforms=("linux/riscv64",), debian="trixie"))
    check_shape(found[0], "api")
    assert "has no riscv64 packages (via api -> " in found[0].message


@pytest.mark.parametrize("changes, refusal", [
    ({"platforms": ("linux/riscv64",)}, "runtime-image"),
    ({"platforms": ("linux/s390x",), "runtime": "scratch"}, "musl-target"),
    ({"debian": "bullseye"}, "old-glibc"),
])
def test_runtime_refusals_point_at_their_explanation(tmp_path, changes, refusal):
    root = copy(WORKSPACE_FIXTURES / "cdeps", tmp_path / "ws")
    found = [p for p in refused(plan_for(root, **changes)) if p.refusal == refusal]
    assert found and found[0].way_out.endswith(f"(why: `rsdock refusal {refusal}`)")
    assert not INTERNAL.search(found[0].message + found[0].way_out)


def test_rsdock_refusal_lists_and_explains(capsys):
    assert main(["refusal"]) == 0
    listed = capsys.readouterr().out
    assert [line.split()[0] for line in listed.splitlines()] == [
        r.id for r in refusals.REFUSALS]
    assert main(["refusal", "musl-c"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("musl-c: a crate compiles C for a musl target")
    assert "build lab" in page  # the long reason lives here, not in the refusal
    assert max(len(line) for line in page.splitlines()) <= 79
    assert main(["refusal", "nope"]) == 2
    assert "rsdock refusal` lists them" in capsys.readouterr().err


def test_docs_refusals_md_is_generated_from_the_table():
    assert (REPO / "docs" / "refusals.md").read_text(encoding="utf-8") == refusals.markdown()
    done = subprocess.run([sys.executable, "scripts/gen_docs.py", "--check"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for refusal in refusals.REFUSALS:
        assert f"\n## {refusal.id}\n" in refusals.markdown()


def test_one_refusal_for_several_images_is_said_once_and_wrapped(tmp_path):
    # The first-hour trial on shadowsocks-rust: five binaries, the same musl refusal five
    # times, each a paragraph the terminal broke at column 0.
    from rsdock.wizard.generate.defaults import problem_lines

    root = aws_lc(tmp_path / "ws")
    (root / "src" / "bin").mkdir()
    (root / "src" / "bin" / "app2.rs").write_text("fn main() {}\n")
    images = (Image("app", "bin", "app", "Dockerfile"), Image("app2", "bin", "app", "Dockerfile"))
    plan = with_workspace(Plan(images=images), scan(root)).with_changes(
        runtime="alpine", platforms=("linux/amd64",))
    problems = plan.problems()
    assert len([p for p in problems if p.refusal == "musl-c"]) == 2
    text = problem_lines(problems, width=80)
    lines = text.splitlines()
    assert lines[0].startswith("  app, app2 cannot be a static musl binary for the alpine")
    assert max(len(line) for line in lines) < 80
    assert sum(line.lstrip().startswith("ways out:") for line in lines) == 1
    assert all(line.startswith("    ") for line in lines[1:])


OLD_OPENSSL_LOCK = """version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["native-tls"]

[[package]]
name = "native-tls"
version = "0.2.4"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["openssl-sys"]

[[package]]
name = "openssl-sys"
version = "{version}"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["cc", "libc", "pkg-config"]
"""


def old_openssl(root, version: str):
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n\n[dependencies]\nnative-tls = "0.2"\n')
    (root / "Cargo.lock").write_text(OLD_OPENSSL_LOCK.replace("{version}", version))
    return root


def test_openssl_sys_older_than_openssl_3_is_refused_once(tmp_path):
    # Rigellute/spotify-tui@c4dcf6b9fd83: openssl-sys 0.9.58 (through rspotify's native-tls)
    # panics on bookworm's OpenSSL 3.0 (build/main.rs version_error for anything from 1.1.2)
    found = refused(plan_for(old_openssl(tmp_path / "ws", "0.9.58")))
    assert [p.refusal for p in found] == ["system-library-too-new"]
    check_shape(found[0], "app")
    assert found[0].message == (
        "app cannot be built: openssl-sys 0.9.58 takes libssl-dev older than 1.1.2 only, and "
        "the builder's bookworm has 3.0.20 (via app -> native-tls -> openssl-sys)")
    assert found[0].way_out.startswith("update openssl-sys (`cargo update -p openssl-sys`)")


def test_openssl_sys_that_takes_openssl_3_is_not_refused(tmp_path):
    assert refused(plan_for(old_openssl(tmp_path / "ws", "0.9.64"))) == []
