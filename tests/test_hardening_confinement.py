"""Issue #27, security: injection through cargo config, the journal, reads and globs that left
the workspace. Each test reproduces a probe of the issue and failed before its fix.

As in ``test_hardening.py``, the real commands run in-process through ``rsdock.cli.main`` and
the test asserts what the user sees (a located ``path:line: error:`` and its hint, never a
traceback) and what is on disk afterwards.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings, strategies as st

from rsdock import fs
from rsdock.errors import UserError
from rsdock.lint.model import paths
from rsdock.lint.model.cargo import ScanError, scan
from rsdock.wizard.generate import render as render_module
from rsdock.wizard.generate.plan import Plan, WorkspaceFacts
from tests.test_hardening import run, tree
from tests.tools import copy_example, copy_handwritten

MANIFEST = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n'


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return copy_example(tmp_path, "ws")


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return copy_handwritten(tmp_path, "shop")


def package(root: Path, files: dict[str, str] | None = None) -> Path:
    """A one-binary package (``api``) with ``files`` added."""
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(MANIFEST)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "Cargo.lock").write_text("version = 4\n")
    for rel, text in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def shell_words(args: str, cwd: Path) -> list[str]:
    """What a POSIX shell makes of ``args`` (bash runs only printf; nothing else executes)."""
    done = subprocess.run(["bash", "-c", f'TARGET_TRIPLE=T; printf "%s\\0" {args}'],
                          capture_output=True, cwd=cwd, env={}, check=True)
    return done.stdout.decode().split("\0")[:-1]


# --- 1. injection through .cargo/config.toml ----------------------------------------------------

HOSTILE_TARGET_DIRS = [
    ('x"; touch /tmp/p; echo "', "holds characters"),
    ("*", "holds characters"),
    ("../out", "leads outside the workspace"),
    ("/srv/cargo-target", "leads outside the workspace"),
    ("$(id)", "holds characters"),
    ("-rf", "holds characters"),
    (".", "is the workspace root itself"),
]


@pytest.mark.parametrize("value, problem", HOSTILE_TARGET_DIRS)
def test_a_hostile_target_dir_is_a_located_error_for_init_check_and_lint(ws, capsys, value,
                                                                         problem):
    """Was: the value reached `cp "…"` raw (the command ran in the build), `*/` went into
    .dockerignore, the host's path went into the image; init --check passed on all three."""
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    (ws / ".cargo").mkdir()
    (ws / ".cargo" / "config.toml").write_text(f"[build]\ntarget-dir = {json.dumps(value)}\n")
    before = tree(ws)
    for argv in (("init", str(ws), "--check"), ("init", str(ws), "--yes", "--force")):
        code, text = run(capsys, *argv)
        assert code == 2, text
        assert ".cargo/config.toml:2: error: [build] `target-dir`" in text and problem in text
        assert 'hint: write a folder relative to the workspace root' in text
    assert tree(ws) == before
    code, text = run(capsys, "lint", str(ws), "--no-hadolint")
    assert ".cargo/config.toml:2:1: RS005 error: [build] `target-dir`" in text
    assert "Traceback" not in text and "RS009" not in text


def test_a_parents_target_dir_outside_the_workspace_is_the_developers_and_never_rendered(tmp_path):
    # ~/.cargo/config.toml with a shared target folder is common: it must not break rsdock.
    root = package(tmp_path / "ws")
    (tmp_path / ".cargo").mkdir()
    (tmp_path / ".cargo" / "config.toml").write_text('[build]\ntarget-dir = "/var/tmp/t"\n')
    files = render_module.render(_plan(root))
    assert 'cp "target/$TARGET_TRIPLE/release/api"' in files["Dockerfile"]
    assert "/var/tmp" not in files["Dockerfile"] + files[".dockerignore"]


def test_a_target_dir_inside_is_normalised_and_copied_from(tmp_path):
    root = package(tmp_path / "ws", {".cargo/config.toml": '[build]\ntarget-dir = "./a/../out"\n'})
    files = render_module.render(_plan(root))
    assert 'cp "out/$TARGET_TRIPLE/release/api" /out/api' in files["Dockerfile"]
    assert "\nout/\n" in files[".dockerignore"]


@pytest.mark.parametrize("channel", ['1.86"; rm -rf /', "stable\nRUN x", "../x", "a b"])
def test_a_hostile_toolchain_channel_is_a_located_error(tmp_path, channel):
    root = package(tmp_path / "ws", {"rust-toolchain.toml":
                                     f"[toolchain]\nchannel = {json.dumps(channel)}\n"})
    with pytest.raises(ScanError) as caught:
        scan(root)
    assert caught.value.line == 2 and "not a toolchain name rustup accepts" in caught.value.message
    assert "\n" not in caught.value.message


def test_the_templates_escape_a_target_dir_even_past_the_scanner(tmp_path):
    """The second lock: facts that skipped validation still render as one shell word and one
    literal .dockerignore pattern."""
    from rsdock.lint.model.dockerignore import parse_dockerignore
    from rsdock.wizard.generate.plan import Image

    hostile = 'x"; touch /tmp/p; echo "$(id)`id`'
    image = Image("api", "bin", "api", "Dockerfile", ".")
    plan = Plan(images=(image,), workspace=WorkspaceFacts(target_dir=hostile,
                                                          ignored_dirs=("*", "#x")))
    text = render_module.dockerfile(plan, image)
    script = next(line for line in text.splitlines() if "&& cp " in line)
    copied = script[script.index("&& cp ") + len("&& cp "):]
    assert shell_words(copied, tmp_path) == [f"{hostile}/T/release/api", "/out/api"]
    ignore = parse_dockerignore(".dockerignore", render_module.dockerignore(plan))
    assert not ignore.excludes("src/main.rs") and not ignore.excludes("Cargo.toml")
    assert ignore.excludes("*/x") and ignore.excludes("#x/y")


def _plan(root: Path) -> Plan:
    from rsdock.wizard.generate.defaults import default_plan, validated

    return validated(default_plan(scan(root)))


# --- 2. a symlinked .rsdock ---------------------------------------------------------------------

def _outside_state(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "journal.json").write_text('{"state": "prepare", "files": []}')
    return outside


@pytest.mark.parametrize("command", ["init", "fix", "edit"])
def test_a_symlinked_state_folder_never_leads_the_journal_out(ws, shop, tmp_path, capsys, command):
    """Was: init --force, lint --fix and edit deleted the outside journal.json and said an
    earlier run was interrupted."""
    root = shop if command != "init" else ws
    if command == "fix":
        (root / "Dockerfile").write_text((root / "Dockerfile").read_text().replace(
            "FROM rust:", "FROM  rust:", 1))
    outside = _outside_state(tmp_path)
    (root / ".rsdock").symlink_to(outside)
    before = tree(root)
    argv = {"init": ("init", str(root), "--yes", "--force"),
            "fix": ("lint", str(root), "--fix", "--no-hadolint"),
            "edit": ("edit", str(root), "--add-platform", "linux/arm/v7", "--yes")}[command]
    code, text = run(capsys, *argv)
    assert code == 2, text
    # Every command looks at the journal first (init reads its last render, issue 22, only
    # after it, under the lock): refused there, and nothing of the outside folder is touched.
    assert ".rsdock/journal.json: error:" in text and "leads outside the workspace" in text
    assert "interrupted" not in text
    assert sorted(p.name for p in outside.iterdir()) == ["journal.json"]
    assert tree(root) == before


# --- 3. a planted journal -----------------------------------------------------------------------

def _plant(root: Path, record: dict) -> None:
    (root / ".rsdock").mkdir(exist_ok=True)
    (root / ".rsdock" / "journal.json").write_text(json.dumps(record))


def test_a_planted_journal_of_the_old_shape_renames_nothing(ws, capsys):
    """Was: it renamed Cargo.toml over a source file ("finished an interrupted write")."""
    _plant(ws, {"state": "commit", "files": [["Cargo.toml", "crates/core/src/lib.rs"]]})
    before = tree(ws)
    code, text = run(capsys, "init", str(ws), "--yes", "--force")
    assert code == 2 and ".rsdock/journal.json: error: this journal of an interrupted write is " \
        "not one rsdock wrote" in text and "nothing was renamed" in text
    assert "delete .rsdock/journal.json" in text
    assert tree(ws) == before


def test_a_journal_naming_a_source_file_is_refused_even_with_a_matching_temporary(ws, capsys):
    tx_id = "1f-0123abcd"
    data = b"fn main() { evil() }\n"
    temp = f"crates/core/src/.lib.rs.{tx_id}{fs.TEMP_SUFFIX}"
    (ws / temp).write_bytes(data)
    _plant(ws, {"version": 2, "id": tx_id, "state": "commit", "files": [
        {"target": "crates/core/src/lib.rs", "temp": temp, "sha256": fs.digest(data)}]})
    before = tree(ws)
    code, text = run(capsys, "init", str(ws), "--yes", "--force")
    assert code == 2 and "it names crates/core/src/lib.rs, which is not a file rsdock writes" \
        in text
    assert tree(ws) == before


@pytest.mark.parametrize("case", ["digest", "temp-name", "duplicate", "climbs", "extra-key"])
def test_a_journal_that_does_not_match_its_files_is_refused(ws, capsys, case):
    tx_id = "1f-0123abcd"
    data = b"FROM planted\n"
    temp = f".Dockerfile.{tx_id}{fs.TEMP_SUFFIX}"
    (ws / temp).write_bytes(data)
    entry = {"target": "Dockerfile", "temp": temp, "sha256": fs.digest(data)}
    files = [entry]
    record = {"version": 2, "id": tx_id, "state": "commit", "files": files}
    if case == "digest":
        entry["sha256"] = fs.digest(b"something else")
    elif case == "temp-name":
        entry["temp"] = f".Dockerfile.ffff-00000000{fs.TEMP_SUFFIX}"
    elif case == "duplicate":
        files.append(dict(entry))
    elif case == "climbs":
        entry["target"] = "../Dockerfile"
    else:
        record["note"] = "x"
    _plant(ws, record)
    before = tree(ws)
    code, text = run(capsys, "init", str(ws), "--yes", "--force")
    assert code == 2 and "not one rsdock wrote" in text, text
    assert tree(ws) == before


def test_the_journal_a_transaction_writes_names_each_file_with_its_digest(tmp_path, monkeypatch):
    seen = []

    def spy(name):
        if name == "rename" and not seen:
            seen.append(json.loads((tmp_path / fs.JOURNAL).read_text()))
    monkeypatch.setattr(fs, "step", spy)
    fs.write_files(tmp_path, {"Dockerfile": "FROM a\n", "rsdock.toml": "x = 1\n"})
    [record] = seen
    assert record["version"] == 2 and record["state"] == "commit"
    assert {f["target"]: f["sha256"] for f in record["files"]} == {
        "Dockerfile": fs.digest(b"FROM a\n"), "rsdock.toml": fs.digest(b"x = 1\n")}


@pytest.mark.parametrize("rel, ok", [
    ("Dockerfile", True), ("docker/Dockerfile.api", True), ("api.Dockerfile", True),
    (".dockerignore", True), ("Dockerfile.dockerignore", True), ("rsdock.toml", True),
    (".github/workflows/docker.yml", True), ("Cargo.toml", False), ("src/main.rs", False),
    (".git/config", False), (".rsdock/journal.json", False), (".github/ci.yml", False),
    (".git/hooks/Dockerfile", False), ("Cargo.lock", False), ("x.github/workflows/a.yml", False),
    ("crates/web/.github/workflows/a.yaml", True)])
def test_what_a_journal_may_name_is_rsdocks_own_file_set(rel, ok):
    assert fs.rsdock_writes(rel) is ok


# --- 4. cargo files symlinked out of the workspace ----------------------------------------------

@pytest.mark.parametrize("link", ["Cargo.lock", "rust-toolchain.toml", ".cargo",
                                  "crates/server/Cargo.toml", "crates/server",
                                  "crates/web/index.html"])
def test_cargo_files_symlinked_out_are_refused_and_their_content_never_shown(ws, tmp_path,
                                                                             capsys, link):
    """Was: read, and their content reached the output (a toolchain pin, a bin name)."""
    secret = tmp_path / "secret"
    secret.mkdir()
    (ws / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "1.86.0"\n')
    (ws / ".cargo").mkdir()
    (ws / ".cargo" / "config.toml").write_text('[build]\ntarget-dir = "out"\n')
    moved = secret / "moved"
    shutil.move(ws / link, moved)
    if link == "rust-toolchain.toml":
        moved.write_text('[toolchain]\nchannel = "1.77.7"\n')
    elif link == "crates/server/Cargo.toml":
        moved.write_text(moved.read_text() + '\n[[bin]]\nname = "leakedbin"\npath = "src/main.rs"\n')
    (ws / link).symlink_to(moved)
    code, text = run(capsys, "init", str(ws), "--yes", "--dry-run")
    assert code == 2, text
    assert "that leads outside the workspace; rsdock neither reads nor writes through it" in text
    assert "1.77.7" not in text and "leakedbin" not in text and str(secret) not in text
    assert not (ws / "Dockerfile").exists()


def test_a_root_manifest_symlinked_out_is_a_lint_finding_not_a_read(ws, tmp_path, capsys):
    assert run(capsys, "init", str(ws), "--yes")[0] == 0
    outside = tmp_path / "Cargo.toml"
    shutil.move(ws / "Cargo.toml", outside)
    (ws / "Cargo.toml").symlink_to(outside)
    code, text = run(capsys, "lint", str(ws), "--no-hadolint")
    assert "Cargo.toml: RS005" in text or "Cargo.toml:1: RS005" in text
    assert "leads outside the workspace" in text and str(tmp_path) not in text.replace(
        str(ws), "")


def test_a_symlink_inside_the_workspace_is_still_read(tmp_path):
    root = package(tmp_path / "ws", {"toolchains/pin.toml": '[toolchain]\nchannel = "1.86.0"\n'})
    (root / "rust-toolchain.toml").symlink_to("toolchains/pin.toml")
    assert scan(root).toolchain.channel == "1.86.0"


def test_confine_is_insides_rule_for_paths_rsdock_found(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "out").symlink_to(tmp_path)
    assert fs.confine(tmp_path / "ws", tmp_path / "ws" / "a\nb") == tmp_path / "ws" / "a\nb"
    for path in (tmp_path / "ws" / "out" / "x", tmp_path / "ws" / ".." / "x"):
        with pytest.raises(UserError, match="leads outside the workspace"):
            fs.confine(tmp_path / "ws", path)


# --- 5. COPY globs ------------------------------------------------------------------------------

def test_lint_never_lists_files_outside_the_workspace_for_a_copy_glob(tmp_path, capsys):
    """Was: RS504 printed `../secret-file-outside` (and `../../etc/passwd`)."""
    root = tmp_path / "a" / "ws"
    root.mkdir(parents=True)
    (tmp_path / "a" / "secret-file-outside").write_text("x")
    (root / ".dockerignore").write_text("target/\n*\n")
    (root / "Dockerfile").write_text("FROM scratch\nCOPY ../secret* ../../etc/pass* /x/\n")
    code, text = run(capsys, "lint", str(root), "--no-hadolint")
    assert "secret-file-outside" not in text and "passwd" not in text
    # BuildKit reads `../inside*` as `inside*`: a file of that name in the context is judged
    (root / "inside-file").write_text("x")
    (root / "Dockerfile").write_text("FROM scratch\nCOPY ../inside* /x/\n")
    code, text = run(capsys, "lint", str(root), "--no-hadolint")
    assert "RS504" in text and "excludes inside-file" in text


def test_a_copy_glob_of_the_whole_file_system_is_neither_walked_nor_a_crash(tmp_path, capsys):
    """Was: `COPY ../../**` walked / until RS504 crashed (RS009) on /proc."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "link").symlink_to("/")
    (root / ".dockerignore").write_text("target/\n")
    (root / "Dockerfile").write_text(
        "FROM scratch\nCOPY ../../../../../../**/passwd link/**/shadow /x/\n")
    start = time.monotonic()
    code, text = run(capsys, "lint", str(root), "--no-hadolint")
    assert time.monotonic() - start < 20
    assert "RS009" not in text and "passwd" not in text.replace("**/passwd", "")


def test_context_glob_stays_inside_and_gives_up_past_its_budget(tmp_path):
    (tmp_path / "ws" / "a" / "b").mkdir(parents=True)
    (tmp_path / "ws" / "a" / "b" / "x.txt").write_text("")
    (tmp_path / "ws" / "a" / "y.txt").write_text("")
    (tmp_path / "ws" / "up").symlink_to(tmp_path)
    (tmp_path / "z.txt").write_text("")
    root = tmp_path / "ws"
    assert paths.context_glob(root, ".", "**/*.txt") == ["a/b/x.txt", "a/y.txt"]
    assert paths.context_glob(root, ".", "../*.txt") == []
    assert paths.context_glob(root, ".", "up/*.txt") == []
    assert paths.context_glob(root, "a", "*/x.txt") == ["b/x.txt"]
    assert paths.context_glob(root, "..", "*.txt") is None
    assert paths.context_glob(root, "up", "*.txt") is None
    assert paths.context_glob(root, ".", "**/*.txt", limit=2) is None


# --- every string field of the cargo config and the toolchain file, hostile -------------------

HOSTILE_PIECES = ["'", '"', "$(id)", "`id`", "\n", "\r", "*", "..", "/", "/etc/passwd", "\\",
                  ";", " ", "\t", "\x01", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029", "#",
                  "!", "-rf", "a", "out", "1.86.0", "ü", "${HOME}", "[x]", "?", ":", "=",
                  "aarch64-unknown-linux-gnu", "&&", "|", ">", "~"]
HOSTILE = st.one_of(
    st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=5).map("".join),
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
            min_size=1, max_size=12))
# (file, how the value is written into it): every string a reader of these files takes in.
FIELDS = {
    "target-dir": (".cargo/config.toml", lambda v: f"[build]\ntarget-dir = {_toml(v)}\n"),
    "build.target": (".cargo/config.toml", lambda v: f"[build]\ntarget = {_toml(v)}\n"),
    "build.target list": (".cargo/config.toml",
                          lambda v: f"[build]\ntarget = [{_toml(v)}, {_toml('x' + v)}]\n"),
    "linker": (".cargo/config.toml",
               lambda v: f"[target.x86_64-unknown-linux-gnu]\nlinker = {_toml(v)}\n"),
    "triple key": (".cargo/config.toml", lambda v: f"[target.{_toml(v)}]\nlinker = \"cc\"\n"),
    "rustflags": (".cargo/config.toml",
                  lambda v: f"[target.x86_64-unknown-linux-gnu]\nrustflags = {_toml(v)}\n"),
    "env": (".cargo/config.toml", lambda v: f"[env]\nNAME = {_toml(v)}\nOTHER = {{ value = "
                                            f"{_toml(v)} }}\n"),
    "channel": ("rust-toolchain.toml", lambda v: f"[toolchain]\nchannel = {_toml(v)}\n"),
    "targets": ("rust-toolchain.toml",
                lambda v: f"[toolchain]\nchannel = \"1.86.0\"\ntargets = [{_toml(v)}]\n"),
    "legacy channel": ("rust-toolchain", lambda v: v + "\n"),
}
BENIGN = {"target-dir": "out/cargo", "channel": "1.86.0", "legacy channel": "1.86.0"}


def _toml(value: str) -> str:
    """``value`` as a TOML basic string (every character outside printable ASCII escaped)."""
    return '"' + "".join(c if " " <= c <= "~" and c not in '"\\' else
                         (f"\\{c}" if c in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 0x10000
                          else f"\\U{ord(c):08x}") for c in value) + '"'


def _generate(root: Path) -> dict[str, str]:
    from rsdock.wizard.generate.defaults import default_plan, validated

    return render_module.render(validated(default_plan(scan(root))))


def _instructions(text: str) -> list[str]:
    import dockerfile

    return [command.cmd for command in dockerfile.parse_string(text)]


@pytest.fixture(scope="module")
def baselines(tmp_path_factory) -> dict[str, list[str]]:
    """The instructions of the Dockerfile generated with a benign value in each file."""
    found = {}
    for name, value in (("config", "target-dir"), ("toolchain", "channel"),
                        ("legacy", "legacy channel")):
        file, write = FIELDS[value]
        root = package(tmp_path_factory.mktemp(name) / "ws", {file: write(BENIGN[value])})
        found[file] = _instructions(_generate(root)["Dockerfile"])
    return found


BOUNDED = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow,
                                          HealthCheck.function_scoped_fixture])
# target-dir is the one value that reaches a RUN line: half its pieces are a plain path's.
PATH_PIECES = ["out", "a", "/", "./", "../", "-", "_", "+", ".cache", "b.1"]
TARGET_DIRS = st.one_of(HOSTILE, st.lists(st.sampled_from(PATH_PIECES + HOSTILE_PIECES[:12]),
                                          min_size=1, max_size=5).map("".join))


@BOUNDED
@given(value=TARGET_DIRS)
@example(value="..0")  # a folder named `..0` is inside: it was left out of .dockerignore
def test_a_hostile_target_dir_is_refused_or_rendered_exactly(tmp_path_factory, baselines, value):
    """See :func:`check_hostile_value`."""
    check_hostile_value(tmp_path_factory, baselines, "target-dir", value)


@BOUNDED
@given(field=st.sampled_from(sorted(set(FIELDS) - {"target-dir"})), value=HOSTILE)
def test_hostile_cargo_config_and_toolchain_values_are_refused_or_rendered_exactly(
        tmp_path_factory, baselines, field, value):
    """See :func:`check_hostile_value`."""
    check_hostile_value(tmp_path_factory, baselines, field, value)


def check_hostile_value(tmp_path_factory, baselines, field: str, value: str) -> None:
    """The value is refused with a located UserError, or every generated file parses (BuildKit's
    parser, rsdock's .dockerignore model, YAML) to the instructions of a benign project, with
    the shell words of the copy exactly the (validated) target folder."""
    from ruamel.yaml import YAML

    from rsdock.lint.model.dockerignore import parse_dockerignore

    file, write = FIELDS[field]
    temp = tmp_path_factory.mktemp("hostile")
    root = package(temp / "ws", {file: write(value)})
    try:
        files = _generate(root)
    except UserError as error:
        event(f"{field}: refused")
        if isinstance(error, ScanError):  # where the value entered: located, shown escaped
            assert error.path and "\n" not in error.message and "\x1b" not in error.message
        else:  # the plan's own check (a platform the choices cannot build, say)
            assert "cannot be built" in error.message and "\x1b" not in error.message
        return
    event(f"{field}: rendered")
    text = files["Dockerfile"]
    assert _instructions(text) == baselines[file], (field, value)
    expected = "target"
    if field == "target-dir":
        expected = os.path.normpath(value)
        assert paths.leaves_root(expected) is False and expected != "."
    script = next(line for line in text.splitlines() if "&& cp " in line)
    copied = script[script.index("&& cp ") + len("&& cp "):]
    assert shell_words(copied, temp) == [f"{expected}/T/release/api", "/out/api"]
    rust = next(line for line in text.splitlines() if line.startswith("FROM") and " rust:" in line)
    assert re.search(r" rust:1\.\d+(\.\d+)?-slim-\w+ AS chef$", rust), rust
    ignore = parse_dockerignore(".dockerignore", files[".dockerignore"])
    assert not any(ignore.excludes(p) for p in ("Cargo.toml", "Cargo.lock", "src/main.rs",
                                                file))
    assert ignore.excludes(f"{expected}/x")
    workflow = YAML(typ="safe").load(files[".github/workflows/docker.yml"])
    assert {"on", "jobs"} <= set(workflow)
