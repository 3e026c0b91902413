"""The runtime table is the one source of runtime facts: every row is what the generator renders
and what the linter and the editor recognise."""

from __future__ import annotations

import pytest

from rsdock.lint.engine.runner import lint_texts
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.knowledge import platforms, runtimes
from rsdock.lint.model.dockerfile import parse_dockerfile
from rsdock.resources import example_workspace
from rsdock.wizard.generate.plan import RUNTIMES, Image, Plan
from rsdock.wizard.generate.render import dockerfile
from rsdock.wizard.generate.steps import runtime_choices
from rsdock.wizard.edit.infer import _runtime_of

SERVER = Image("server", "bin", "server", "Dockerfile")
CASES = [(r, release) for r in runtimes.RUNTIMES
         for release in (runtimes.debian_names() if r.asks_release else (runtimes.DEFAULT_DEBIAN,))]


def _final(text: str):
    return parse_dockerfile("Dockerfile", text).final_stage


@pytest.mark.parametrize("runtime, release", CASES, ids=lambda v: getattr(v, "name", v))
def test_the_generator_renders_each_row(runtime, release):
    plan = Plan((SERVER,), platforms=("linux/amd64", "linux/arm64"), runtime=runtime.name,
                debian=release)
    text = dockerfile(plan, SERVER)
    final = _final(text)
    assert final.base == runtime.image(release)
    assert final.of("USER")[-1].value == (f"{runtime.uid}:{runtime.uid}",)
    assert final.of("ENTRYPOINT")[-1].value[0] == runtime.tini
    assert ("AS tini" in text) == runtime.needs_tini_stage
    assert bool(final.runs()) == runtime.target_run
    assert plan.libc == runtime.libc
    assert runtime.name in RUNTIMES and runtime.name in [c.value for c in runtime_choices()]


@pytest.mark.parametrize("runtime, release", CASES, ids=lambda v: getattr(v, "name", v))
def test_the_linter_and_the_editor_recognise_each_row(runtime, release):
    plan = Plan((SERVER,), platforms=("linux/amd64",), runtime=runtime.name, debian=release)
    base = _final(dockerfile(plan, SERVER)).base
    found = runtimes.identify(base)
    assert found is not None and found[0] is runtime
    assert _runtime_of(base) == (runtime.name, release if runtime.asks_release else None)


@pytest.mark.parametrize("runtime", runtimes.RUNTIMES, ids=lambda r: r.name)
def test_rs302_follows_each_rows_ca_handling(runtime):
    """A generated Dockerfile passes RS302; without its CA step it fails exactly when the row
    says the image has no bundle of its own."""
    plan = Plan((SERVER,), platforms=("linux/amd64",), runtime=runtime.name)
    text = dockerfile(plan, SERVER)
    kept = (line for line in text.splitlines()
            if "/etc/ssl/certs" not in line and "/usr/share/ca-certificates" not in line)
    stripped = "\n".join(kept).replace("ca-certificates ", "")
    files = {"Dockerfile": text, "Cargo.lock": 'version = 4\n\n[[package]]\nname = "native-tls"\n'}
    config = LintConfig(select=("RS302",), hadolint=False)
    assert lint_texts(files, example_workspace(), config) == []
    found = lint_texts({**files, "Dockerfile": stripped}, example_workspace(), config)
    assert [f.rule for f in found] == ([] if runtime.ca == "bundled" else ["RS302"])


@pytest.mark.parametrize("platform", platforms.PLATFORMS, ids=lambda p: p.name)
def test_refusals_name_a_way_out_that_works(platform):
    for runtime in runtimes.RUNTIMES:
        for release in runtimes.debian_names():
            refusal = runtimes.platform_refusal(runtime.name, release, platform)
            if refusal is None:
                assert runtime.supports(platform, release)
                continue
            message, way_out = refusal
            assert platform.name in message
            # every runtime the way out names can build the platform on some release
            named = [r for r in runtimes.RUNTIMES if r is not runtime and r.name in way_out]
            assert named and all(any(r.supports(platform, d) for d in runtimes.debian_names())
                                 for r in named)


def test_debian_for_moves_to_the_release_that_has_every_platform():
    riscv = platforms.require("linux/riscv64")
    amd64 = platforms.require("linux/amd64")
    assert runtimes.debian_for((amd64,), "bookworm") == "bookworm"
    assert runtimes.debian_for((amd64, riscv), "bookworm") == "trixie"
