"""The fast YAML path (libyaml's C parser + ruamel's round-trip constructor) gives exactly what
ruamel's round-trip loader gives: the same objects, types, values and line/column positions, and
so the same findings; whatever it cannot give exactly goes to the round-trip loader."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from rsdock.lint.engine import discover, runner as engine
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model import yaml_load
from rsdock.lint.model.workflow_reader import parse_workflow
from rsdock.resources import example_workspace

TESTS = Path(__file__).resolve().parents[2]
FIELD = TESTS / "fixtures" / "field"
YAML_FILES = sorted(p for pattern in ("*.yml", "*.yaml") for p in
                    [*TESTS.rglob(pattern), *example_workspace().rglob(pattern)])

needs_c = pytest.mark.skipif(not yaml_load.FAST, reason="ruamel.yaml.clib (libyaml) is not "
                                                        "installed: every load is round-trip")


def shape(value, path="$", out=None):
    """Every object of a loaded document: its path, type, repr, attributes and lc positions."""
    out = [] if out is None else out
    if isinstance(value, dict):
        out.append((path, type(value).__name__, value.lc.line, value.lc.col,
                    sorted((repr(k), tuple(v)) for k, v in (value.lc.data or {}).items())))
        for key, item in value.items():
            shape(key, f"{path}.key", out)
            shape(item, f"{path}.{key}", out)
    elif isinstance(value, list):
        out.append((path, type(value).__name__, value.lc.line, value.lc.col,
                    sorted((k, tuple(v)) for k, v in (value.lc.data or {}).items())))
        for index, item in enumerate(value):
            shape(item, f"{path}[{index}]", out)
    else:
        attrs = sorted((k, repr(v)) for k, v in vars(value).items()) \
            if hasattr(value, "__dict__") else None
        out.append((path, type(value).__name__, repr(value), attrs))
    return out


# Shapes where libyaml and ruamel's scanner could differ: empty values (ruamel places them at
# the next token, past comments and blank lines), flow collections, block scalars with
# indicators, CRLF and Unicode line breaks, a BOM, non-ASCII text, document markers, numbers
# of every form (YAML 1.2: `on`/`yes` are strings, 0o17 is octal, 3.10 a float).
CASES = {
    "empty values": "on:\n  push:\n  pull_request:\n\n# a comment\njobs:\n  a:\n    with:\n"
                    "      x:\n      y: ''\n",
    "empty at end": "a: 1\nb:\n",
    "empty at end, no newline": "a: 1\nb:",
    "empty before comment lines": "a:\n  # more\n\n# and more\nb: 2\n",
    "empty seq items": "a:\n  -\n  - x\n  -\n",
    "flow": "a: {b: 1, c: [x, 'y', \"z\"], d: e}\ne: [ ]\nf: {}\ng: [x, ]\n",
    "empty after comments": "x:\n  a:\n  b:\n\n    # c\n\n  c: 1\nd:\n# c\ne:\n  # c\n",
    "empty complex key value": "? x\nb: 1\n",
    "block scalars": "a: |\n  one\n  two\nb: >-\n  folded\n  text\n\nc: |+\n  keep\n\n"
                     "d: |2\n    indented\n",
    "scripts": "run: |\n  set -eu\n  a && b 2>&1 | c &> /dev/null\n  echo \"$X\" # not a comment\n",
    "crlf": "a: 1\r\nb:\r\n\r\nc: |\r\n  x\r\n",
    "non-ASCII": "a: x\u00e9y\nb: \u00e9\u20ac\U0001F600\nc:\n",
    "bom": "\ufeffa: 1\n",
    "markers": "---\na: 1\n...\n",
    "numbers": "a: 1\nb: 0x1F\nc: 0o17\nd: 3.10\ne: 1e3\nf: .inf\ng: -0\nh: 1_000\n"
               "i: 017\n",
    "bools and nulls": "on: yes\noff: no\na: true\nb: False\nc: ~\nd: null\ne: Null\n",
    "timestamps": "a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\n",
    "quoted keys": "'a b': 1\n\"c\": 2\n? d\n: 3\n",
    "complex keys": "? [a, b]\n: 1\n",
    "nested sequences": "- - a\n  - b\n- - c\n",
    "top-level scalar": "just text\n",
    "top-level list": "- 1\n- 2\n",
    "deep": "a:\n" + "".join("  " * i + "- b:\n" for i in range(1, 40)),
    "long lines": "a: " + "x" * 5000 + "\n",
}
# What the fast path leaves to the round-trip loader, and why.
EXACT_ONLY = {
    "an anchor": "a: &x 1\nb: 2\n",
    "an alias": "a: &x [1]\nb: *x\n",
    "a merge key": "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
    "an explicit tag": "a: !custom 1\n",
    "a directive": "%YAML 1.1\n---\na: yes\n",
    "a comment after an empty value": "x:\n  a: # c\n  b: 1\ne:   # c\n",
    "a Unicode line separator": "a: x\u2028y\n",
    "an empty value in a flow mapping": "b: {c: , d: 1}\n",
    "an empty key": ": x\n",
}
ERRORS = {
    "duplicate key": "a: 1\na: 2\n",
    "a tab after a key": "a:\t\nb: 1\n",
    "tab indentation": "a:\n\tb: 1\n",
    "bad indentation": "a:\n  b: 1\n c: 2\n",
    "unclosed flow": "a: [1, 2\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "unclosed quote": "a: 'x\n",
    "bad alias": "a: *nope\n",
}


@needs_c
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_fast_path_gives_the_round_trip_model(name):
    text = CASES[name]
    fast = yaml_load.load_fast(text)
    assert fast is not yaml_load.NOT_FAST, f"{name}: left to the round-trip loader"
    assert shape(fast) == shape(yaml_load.load_exact(text))


@needs_c
@pytest.mark.parametrize("name", sorted(EXACT_ONLY))
def test_what_the_fast_path_cannot_give_exactly_goes_round_trip(name):
    text = EXACT_ONLY[name]
    assert yaml_load.load_fast(text) is yaml_load.NOT_FAST
    assert shape(yaml_load.load(text)) == shape(yaml_load.load_exact(text))


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_are_the_round_trip_loaders(name):
    text = ERRORS[name]
    if yaml_load.FAST:
        assert yaml_load.load_fast(text) is yaml_load.NOT_FAST
    with pytest.raises(YAMLError) as exact:
        yaml_load.load_exact(text)
    with pytest.raises(YAMLError) as loaded:
        yaml_load.load(text)
    assert str(loaded.value) == str(exact.value)
    # and the workflow reader reports it at the same place, in the same words, either way
    assert parse_workflow("w.yml", text).errors == parse_workflow("w.yml", text).errors


@needs_c
def test_every_yaml_fixture_loads_identically():
    assert len(YAML_FILES) > 10
    fast = 0
    for path in YAML_FILES:
        text = path.read_text(encoding="utf-8")
        try:
            exact = yaml_load.load_exact(text)
        except YAMLError:
            assert yaml_load.load_fast(text) is yaml_load.NOT_FAST, path
            continue
        loaded = yaml_load.load_fast(text)
        if loaded is yaml_load.NOT_FAST:
            continue
        fast += 1
        assert shape(loaded) == shape(exact), path
    assert fast >= len(YAML_FILES) // 2  # the fast path is really taken


@needs_c
def test_compose_files_load_as_the_pure_safe_loader_loads_them():
    for path in YAML_FILES:
        text = path.read_text(encoding="utf-8")

        def pure(text=text):
            try:
                return YAML(typ="safe", pure=True).load(text)
            except YAMLError:
                return "error"

        def plain(text=text):
            try:
                return yaml_load.load_plain(text)
            except YAMLError:
                return "error"
        assert plain() == pure(), path


def _lint_everything(root: Path) -> list:
    tree = discover.scan(root)
    return engine.lint_paths(tree.lintable, root, LintConfig(hadolint=False), tree).findings


@needs_c
def test_findings_are_the_same_on_the_round_trip_path(monkeypatch, tmp_path):
    """Every field fixture and the example workspace, linted with the fast path and with every
    load forced round-trip: the same findings, at the same lines and columns."""
    roots = sorted(p for p in FIELD.iterdir() if p.is_dir())
    roots.append(example_workspace())
    fast = {root.name: _lint_everything(root) for root in roots}
    monkeypatch.setattr(yaml_load, "load_fast", lambda text: yaml_load.NOT_FAST)
    monkeypatch.setattr(yaml_load, "FAST", False)
    exact = {root.name: _lint_everything(root) for root in roots}
    assert fast == exact
    assert any(f.path.endswith((".yml", ".yaml")) for found in fast.values() for f in found)


# --- depth limit: both composers recurse once per level (libyaml's in C) ------------------------

DEEP = {"flow": "on: push\njobs:\n  a: " + "[" * 150 + "]" * 150 + "\n",
        "compact block": "on: push\njobs:\n  a:\n    " + "- " * 150 + "x\n",
        "flow mappings": "on: push\njobs:\n  a: " + "{a: " * 150 + "x" + "}" * 150 + "\n",
        "unclosed": "on: push\njobs:\n  a: " + "[" * 150 + "\n",
        "indented": "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 150)) + " " * 150 + "c\n"}


@pytest.mark.parametrize("loader", ["load", "load_exact", "load_plain"])
@pytest.mark.parametrize("name", sorted(DEEP))
def test_collections_nested_past_the_limit_are_refused_where_they_pass_it(name, loader):
    with pytest.raises(yaml_load.TooDeep) as caught:
        getattr(yaml_load, loader)(DEEP[name])
    mark = caught.value.problem_mark
    assert f"more than {yaml_load.MAX_DEPTH} levels" in caught.value.problem
    line = DEEP[name].splitlines()[mark.line]
    assert line[mark.column] in "[{-b" or name == "indented"


def test_the_depth_check_reads_the_pure_parser_without_the_c_extension(monkeypatch):
    monkeypatch.setattr(yaml_load, "CParser", None)
    with pytest.raises(yaml_load.TooDeep):
        yaml_load.check_depth(DEEP["flow"])
    yaml_load.check_depth("a: " + "[" * 99 + "]" * 99)  # 100 levels with the root mapping


def test_a_deep_workflow_is_a_located_rs001():
    workflow = parse_workflow("ci.yml", DEEP["flow"])
    (error,) = workflow.errors
    assert (error.rule, error.line, error.column) == ("RS001", 3, 104)
    assert "nest more than 100 levels deep" in error.message
