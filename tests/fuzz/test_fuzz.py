"""Fuzzing the readers and the generator with hypothesis (docs/fuzzing.md).

Each target takes a real file (the bundled example and what ``rsdock init`` generates from it),
applies a few random mutations (cuts, duplications, hostile fragments: deep brackets and
subshells, quotes, NULs, invalid UTF-8, CRLF) and checks the one promise every reader makes:
bad input is a located error or a finding, never an exception, and never slow. The generator
and the lint engine are driven through the CLI, as a user would.

Budget: ``RSDOCK_FUZZ_EXAMPLES`` inputs per target (tests/fuzz/conftest.py).
"""

from __future__ import annotations

import io
import shutil
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from rsdock.cli import main
from rsdock.errors import UserError
from rsdock.lint.model.dockerfile import parse_dockerfile
from rsdock.lint.model.dockerignore import parse_dockerignore
from rsdock.lint.model.shell import simulate
from rsdock.lint.model.workflow_reader import parse_workflow
from tests.fuzz.conftest import examples
from tests.tools import EXAMPLE

SECONDS = 10.0  # the bound for any command on any input up to 10 MB
FRAGMENTS = [b"[", b"]", b"{", b"}", b"[[", b"\n", b"\r\n", b'"', b"'", b"'''", b'"""', b"#",
             b"\\", b"\x00", b"\xff\xfe", b"\t", b"- ", b": ", b"? ", b"*", b"**/", b"!", b"$(",
             b"(", b")", b"&&", b"||", b"<<EOF\n", b"${{", b"}}", b"&a ", b"*a ", b"%YAML 1.1\n",
             b"[" * 400, b"{a: " * 300, b"- " * 300, b"(" * 400, b"$(echo " * 200,
             b"*a" * 20 + b"*b", b"a" + b"/**" * 12 + b"/x", b"\xef\xbb\xbf", b"\xc2\x85",
             b"\xe2\x80\xae", b"FROM ", b"RUN ", b"COPY ", b"[workspace]\n", b"[package]\n",
             b"members = [\"*\"]\n", b"= ", b"..", b"/", b"../../etc/passwd"]
MUTATION = st.tuples(st.sampled_from(["insert", "delete", "replace", "duplicate", "truncate"]),
                     st.floats(0, 1), st.floats(0, 1),
                     st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=12)))
MUTATIONS = st.lists(MUTATION, min_size=1, max_size=5)
FUZZ = settings(max_examples=examples(), deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


def mutate(seed: bytes, mutations: list[tuple[str, float, float, bytes]]) -> bytes:
    data = seed
    for kind, where, length, payload in mutations:
        start = int(where * len(data))
        end = min(len(data), start + int(length * 64))
        if kind == "insert":
            data = data[:start] + payload + data[start:]
        elif kind == "delete":
            data = data[:start] + data[end:]
        elif kind == "replace":
            data = data[:start] + payload + data[end:]
        elif kind == "duplicate":
            data = data[:end] + data[start:end] * 3 + data[end:]
        else:
            data = data[:start]
    return data


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The example workspace with the files ``rsdock init`` generates for it."""
    root = tmp_path_factory.mktemp("fuzz") / "ws"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target"))
    (root / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "1.86.0"\n'
                                              'targets = ["aarch64-unknown-linux-gnu"]\n')
    (root / ".cargo").mkdir()
    (root / ".cargo" / "config.toml").write_text(
        '[build]\ntarget-dir = "out"\n[target.aarch64-unknown-linux-gnu]\n'
        'linker = "aarch64-linux-gnu-gcc"\n[env]\nFOO = "bar"\n')
    assert quiet_main("init", str(root), "--yes")[0] == 0
    return root


def quiet_main(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def timed(function, *args):
    started = time.monotonic()
    result = function(*args)
    assert time.monotonic() - started < SECONDS, "too slow"
    return result


def dockerfile_path(root: Path) -> Path:
    return root / "Dockerfile"


def workflow_path(root: Path) -> Path:
    return next((root / ".github" / "workflows").glob("*.yml"))


# --- the readers, one by one ---------------------------------------------------------------------

@FUZZ
@given(mutations=MUTATIONS)
def test_the_dockerfile_reader_and_its_shell_model(generated, mutations):
    data = mutate(dockerfile_path(generated).read_bytes(), mutations)
    model = timed(parse_dockerfile, "Dockerfile", data)
    assert all(e.rule == "RS001" and e.line >= 1 for e in model.errors)
    for instruction in model.instructions:
        script = model.script(instruction)
        if script is not None:
            timed(simulate, script.text, script.first_line)


@FUZZ
@given(mutations=MUTATIONS)
def test_the_workflow_reader(generated, mutations):
    data = mutate(workflow_path(generated).read_bytes(), mutations)
    model = timed(parse_workflow, "ci.yml", data)
    assert all(e.rule == "RS001" and e.line >= 1 for e in model.errors)


@FUZZ
@given(mutations=MUTATIONS)
def test_the_dockerignore_reader_and_matcher(generated, mutations):
    data = mutate((generated / ".dockerignore").read_bytes(), mutations)
    model = timed(parse_dockerignore, ".dockerignore", data)
    assert all(e.rule == "RS001" for e in model.errors)
    for path in ("target/release/x", "crates/server/src/main.rs", "Cargo.toml", ".git/config",
                 "a/" * 40 + "b"):
        timed(model.excludes, path)


CARGO_FILES = ["Cargo.toml", "crates/server/Cargo.toml", "Cargo.lock", "rust-toolchain.toml",
               ".cargo/config.toml"]


@pytest.mark.parametrize("name", CARGO_FILES)
def test_the_cargo_readers(generated, tmp_path, name):
    from rsdock.lint.model.cargo import scan

    root = tmp_path / "ws"
    shutil.copytree(generated, root)
    seed = (root / name).read_bytes()

    @FUZZ
    @given(mutations=MUTATIONS)
    def run(mutations):
        (root / name).write_bytes(mutate(seed, mutations))
        try:
            timed(scan, root)
        except UserError as error:  # ScanError is one: located at a file
            assert error.path

    run()


@FUZZ
@given(mutations=MUTATIONS)
def test_the_rsdock_toml_readers(generated, mutations):
    from rsdock.lint.engine.settings import load_config
    from rsdock.wizard.generate.answers import loads

    text = mutate((generated / "rsdock.toml").read_bytes(), mutations).decode("utf-8", "replace")
    try:
        timed(loads, text)
    except UserError as error:
        assert error.path
    scratch = generated.parent / "settings"
    scratch.mkdir(exist_ok=True)
    (scratch / "rsdock.toml").write_text(text, encoding="utf-8")
    try:
        timed(load_config, scratch)
    except UserError as error:
        assert error.path


# --- the generator and the lint engine, through the CLI ------------------------------------------

@pytest.mark.parametrize("name", CARGO_FILES + ["rsdock.toml"])
def test_init_on_a_mutated_workspace(generated, tmp_path, name):
    root = tmp_path / "ws"
    shutil.copytree(generated, root)
    seed = (root / name).read_bytes()

    @settings(FUZZ, max_examples=max(examples() // 4, 2))
    @given(mutations=MUTATIONS)
    def run(mutations):
        (root / name).write_bytes(mutate(seed, mutations))
        code, out = timed(quiet_main, "init", str(root), "--yes", "--dry-run")
        assert code in (0, 1, 2) and "Traceback" not in out

    run()


@pytest.mark.parametrize("name", ["Dockerfile", "workflow", ".dockerignore"])
def test_lint_on_mutated_generated_files(generated, tmp_path, name):
    root = tmp_path / "ws"
    shutil.copytree(generated, root)
    target = workflow_path(root) if name == "workflow" else root / name
    seed = target.read_bytes()

    @settings(FUZZ, max_examples=max(examples() // 2, 2))
    @given(mutations=MUTATIONS)
    def run(mutations):
        target.write_bytes(mutate(seed, mutations))
        code, out = timed(quiet_main, "lint", str(root), "--no-hadolint")
        assert code in (0, 1) and "Traceback" not in out
        assert " RS009 " not in out, out  # a rule or parser crashed

    run()
