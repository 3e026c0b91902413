"""The .dockerignore model: BuildKit's reading and moby patternmatcher's matching."""

from __future__ import annotations

import re
import time

import pytest

from rsdock.lint.model.dockerignore import compile_pattern, parse_dockerignore

TEXT = """\
# build output
target/
  # indented: a pattern, not a comment
.git
docs # trailing comment is part of the pattern
**/*.md
!README.md
/abs/
./dot
vendor/**
**/node_modules
*.log
!keep.log
a?c
[xy].txt
esc\\*ape
"""


def test_reading():
    model = parse_dockerignore(".dockerignore", TEXT)
    assert model.errors == []
    assert model.comments == [1]
    assert [(p.line, p.pattern, p.exclusion) for p in model.patterns][:9] == [
        (2, "target", False),
        (3, "# indented: a pattern, not a comment", False),
        (4, ".git", False),
        (5, "docs # trailing comment is part of the pattern", False),
        (6, "**/*.md", False),
        (7, "README.md", True),
        (8, "abs", False),
        (9, "dot", False),
        (10, "vendor/**", False),
    ]


@pytest.mark.parametrize("path,excluded", [
    ("target", True),
    ("target/release/backend", True),
    ("crates/x/target", False),          # only the context root's target/
    (".git/config", True),
    ("docs", False),                      # the trailing comment broke the pattern
    ("docs/guide.md", True),              # ...but **/*.md still catches it
    ("README.md", False),                 # re-included
    ("sub/README.md", True),              # !README.md matches the root one only
    ("abs/x", True),
    ("dot", True),
    ("vendor/a/b", True),                 # dir/** is moby's prefix match on "vendor/"
    ("vendor", False),                    # ...which the directory itself does not have
    ("vendorx", False),
    ("a/b/node_modules/c", True),
    ("node_modules", True),
    ("build.log", True),
    ("keep.log", False),
    ("x/build.log", False),               # * never crosses /
    ("abc", True),
    ("ac", False),
    ("x.txt", True),
    ("z.txt", False),
    ("esc*ape", True),
    ("escXape", False),
    ("src/main.rs", False),
    ("/target", True),                    # a leading slash is the context root
])
def test_matching(path, excluded):
    assert parse_dockerignore(".dockerignore", TEXT).excludes(path) is excluded


def test_matching_pattern_reports_the_last_excluding_line():
    model = parse_dockerignore(".dockerignore", "target\n*.rs\n!src\nsrc/*.rs\n")
    assert model.matching("target/x").line == 1
    assert model.matching("src/main.rs").line == 4
    assert model.matching("src/lib") is None


def test_last_match_wins_and_reinclusion_order():
    model = parse_dockerignore(".dockerignore", "!keep\n*\n!keep\n")
    assert model.excludes("other") and not model.excludes("keep")
    assert parse_dockerignore("x", "!keep\n*\n").excludes("keep")


@pytest.mark.parametrize("pattern,kind", [
    ("target", "exact"), ("vendor/**", "prefix"), ("**/node_modules", "suffix"),
    ("**/*.rs", "regexp"), ("*.md", "regexp"), ("a\\b", "regexp"),
])
def test_match_kinds_follow_moby(pattern, kind):
    assert compile_pattern(pattern)[1] == kind


def test_bad_patterns_are_located_rs001():
    model = parse_dockerignore(".dockerignore", "target\n[abc\n!\n")
    assert [(e.rule, e.line) for e in model.errors] == [("RS001", 2), ("RS001", 3)]
    assert [p.pattern for p in model.patterns] == ["target"]


def test_bytes_bom_and_crlf():
    model = parse_dockerignore("x", "\ufefftarget\r\n.git\r\n".encode())
    assert [p.pattern for p in model.patterns] == ["target", ".git"]
    assert model.excludes(".git/HEAD")


from hypothesis import given, settings, strategies as st  # noqa: E402

_PATTERNS = st.text(alphabet=st.sampled_from(list("ab/*?[]!#\\ .\n^-")), max_size=60)
_PATHS = st.text(alphabet=st.sampled_from(list("ab/.*")), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(_PATTERNS, _PATHS)
def test_any_file_parses_and_matches_without_raising(text, path):
    model = parse_dockerignore(".dockerignore", text)
    assert all(e.rule == "RS001" for e in model.errors)
    assert model.excludes(path) in (True, False)


@pytest.mark.parametrize("pattern,path,excluded", [
    ("[a-c].txt", "b.txt", True),
    ("[a-c].txt", "d.txt", False),
    ("[^a].txt", "a.txt", False),
    ("[^a].txt", "b.txt", True),
    ("[*].txt", "*.txt", True),   # inside a class, * is itself
    ("[*].txt", "x.txt", False),
    ("[a-].txt", "-.txt", True),
    ("x]y", "x]y", True),
])
def test_character_classes_follow_filepath_match(pattern, path, excluded):
    assert parse_dockerignore(".dockerignore", pattern + "\n").excludes(path) is excluded


@pytest.mark.parametrize("text,probe,expected", [
    ("target/ # build output\n", "target/release", True),
    ("target/\t# build output\n", "target/release", True),
    ("target/#not-a-comment\n", "target/release", False),  # no space: a real pattern
    ("# target/\n", "target/release", False),              # a whole-line comment stays one
    ("src\n", "target/release", False),
])
def test_excludes_but_for_comments_reads_trailing_notes_as_comments(text, probe, expected):
    assert parse_dockerignore(".dockerignore", text).excludes_but_for_comments(probe) is expected


@pytest.mark.parametrize("text,expected", [
    ("", "target/\n"),
    ("src\n", "src\ntarget/\n"),
    ("src", "src\ntarget/\n"),  # no newline at the end: the new line starts on its own
])
def test_append_line_adds_a_line_of_its_own(text, expected):
    edit = parse_dockerignore(".dockerignore", text).append_line("target/")
    assert text[:edit.start] + edit.text + text[edit.end:] == expected


def test_applicable_prefers_the_dockerfile_s_own_ignore_file_then_the_context_s(tmp_path):
    from rsdock.lint.model.dockerignore import applicable

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / ".dockerignore").write_text("target\n")
    found = applicable("Dockerfile", "app", {}, tmp_path)  # read from disk
    assert (found.path, found.excludes("target/x")) == ("app/.dockerignore", True)
    own = parse_dockerignore("Dockerfile.dockerignore", ".git\n")
    assert applicable("Dockerfile", "app", {own.path: own}, tmp_path) is own
    assert applicable("Dockerfile", ".", {}, tmp_path) is None


# --- linear matching and the index (issue #27 item 10) ------------------------------------------

from rsdock.lint.model import ignore_match  # noqa: E402

_GLOBS = st.lists(st.sampled_from(["a", "b", "/", "*", "**", "?", "[ab]", "[^a]", "\\*"]),
                  max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(_GLOBS, st.text(alphabet=st.sampled_from(list("ab/*")), max_size=10))
def test_the_linear_matcher_agrees_with_mobys_regexp(pattern, path):
    tokens, kind = ignore_match.compile_pattern(pattern)
    expected = re.match(ignore_match.regex_source(tokens), path, re.DOTALL) is not None
    assert ignore_match.Glob(tokens).match(path) is expected
    assert bool(ignore_match.matcher(tokens).match(path)) is expected


def _excluded_one_pattern_at_a_time(model, path):
    """moby's loop, pattern by pattern: the reference the index must agree with."""
    from rsdock.lint.model.dockerignore import _self_and_parents
    matched = False
    for pattern in model.patterns:
        if any(pattern.matches(c) for c in _self_and_parents(path)):
            matched = not pattern.exclusion
    return matched


_LINES = st.lists(st.sampled_from(["a", "b", "a/b", "!a", "!a/b", "a/**", "**/b", "*", "a*", "**",
                                   "*b", "a/*/b", "**/a/**", "!**/b", "?/b", "a**b", "b/a"]),
                  max_size=8)


@settings(max_examples=300, deadline=None)
@given(_LINES, st.text(alphabet=st.sampled_from(list("ab/")), min_size=1, max_size=8))
def test_the_index_finds_what_the_pattern_by_pattern_loop_finds(lines, path):
    model = parse_dockerignore(".dockerignore", "\n".join(lines))
    assert model.excludes(path) is _excluded_one_pattern_at_a_time(model, path)


@pytest.mark.parametrize("pattern,path,excluded", [
    ("*a" * 15 + "*b", "a" * 40, False),
    ("a" + "/**" * 10 + "/x", "a/" * 30 + "y", False),
    ("a" + "/**" * 10 + "/x", "a/" * 30 + "x", True),
    ("*" * 10_000, "src/main.rs", True),
    ("*" * 10_000 + "/x", "src/main.rs", False),
])
def test_patterns_that_backtrack_in_python_regexps_match_at_once(pattern, path, excluded):
    model = parse_dockerignore(".dockerignore", pattern + "\n")
    started = time.monotonic()
    assert model.excludes(path) is excluded
    assert time.monotonic() - started < 1.0


def test_many_patterns_are_indexed_and_answers_remembered():
    lines = [f"dir{i}/file{i}.txt" for i in range(20_000)] + [f"*.ext{i}" for i in range(20_000)]
    model = parse_dockerignore(".dockerignore", "\n".join(lines + ["!keep/**", "build/**"]))
    started = time.monotonic()
    for j in range(300):
        assert not model.excludes(f"src{j}/mod{j}.rs")
    assert model.excludes("dir7/file7.txt") and model.excludes("b.ext19999")
    assert not model.excludes("a/b.ext19999")  # * never crosses /
    assert model.matching("build/x").line == 40_002
    assert time.monotonic() - started < 2.0
    assert model.reincludes_under("keep") is True  # "!keep/**" names something inside keep
    assert model.reincludes_under("kee") is False


@pytest.mark.parametrize("long, short", [("****", "**"), ("*****", "***"), ("a/****/b", "a/**/b"),
                                         ("*" * 10_001 + ".rs", "***.rs"), ("x****", "x**")])
def test_runs_of_stars_match_as_their_short_form(long, short):
    paths = ["a/b", "a/x/y/b", "ab", "x", "xy/z", "main.rs", "src/main.rs", "a/b/c.rs", ""]
    ours, theirs = (parse_dockerignore(".dockerignore", p + "\n") for p in (long, short))
    assert [ours.excludes(p) for p in paths] == [theirs.excludes(p) for p in paths]


def test_a_pattern_longer_than_any_real_one_is_a_located_rs001():
    model = parse_dockerignore(".dockerignore", "target\n" + "*a" * 9000 + "\n.git\n")
    assert [(e.rule, e.line) for e in model.errors] == [("RS001", 2)]
    assert [p.pattern for p in model.patterns] == ["target", ".git"]


@settings(max_examples=400, deadline=None)
@given(_GLOBS)
def test_the_kind_read_without_tokenizing_is_the_tokenizers(pattern):
    from rsdock.lint.model.dockerignore import _clean

    pattern = _clean(pattern).removeprefix("/") or "a"  # as parse_dockerignore cleans it
    tokens, kind = ignore_match.compile_pattern(pattern)
    assert ignore_match.kind_of(pattern) == kind
    head, tail = ignore_match.literal_ends(pattern)
    if kind == "regexp":
        source = ignore_match.regex_source(tokens)
        assert all(not re.match(source, p, re.DOTALL) or (p.startswith(head)
                   and p.endswith(tail)) for p in ["", "a", "ab/b", "a/b", "*", "aab", "b/ab"])


@pytest.mark.parametrize("pattern,name", [("****/a", "a"), ("**/a", "a"), ("x/****/a", "x/a")])
def test_the_literal_tail_of_a_double_star_slash_leaves_the_slash_out(pattern, name):
    # `**/` matches no folder at all, so a name without the slash matches (hypothesis found
    # `****/a` matching "a" while its literal tail was "/a": the pre-filter dropped a match).
    tokens, _kind = ignore_match.compile_pattern(pattern)
    assert re.match(ignore_match.regex_source(tokens), name, re.DOTALL)
    assert name.endswith(ignore_match.literal_ends(pattern)[1])
