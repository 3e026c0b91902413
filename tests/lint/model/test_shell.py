"""The RUN shell model: parsing, case arms, and the symbolic paths through a script."""

from __future__ import annotations

import pytest

from rsdock.lint.model.shell import parse_script, simulate

PLATFORM_CASE = """\
case "$TARGETPLATFORM" in
  linux/amd64) T=x86_64-unknown-linux-gnu ;;
  linux/arm64|linux/arm64/v8) export T=aarch64-unknown-linux-gnu
    apt-get install -y gcc-aarch64-linux-gnu ;;
  *) echo "unsupported: $TARGETPLATFORM" >&2; exit 1 ;;
esac
cargo build --target "$T"
"""


def argvs(outcome):
    return [c.argv for c in outcome.commands]


def test_case_structure():
    [case] = parse_script(PLATFORM_CASE, first_line=10).cases
    assert case.subject == '"$TARGETPLATFORM"' and case.line == 10
    assert case.subject_vars == {"TARGETPLATFORM"} and case.has_default
    amd, arm, default = case.arms
    assert amd.patterns == ("linux/amd64",) and amd.line == 11
    assert amd.assigned == {"T": "x86_64-unknown-linux-gnu"} and not amd.exits_nonzero
    assert arm.patterns == ("linux/arm64", "linux/arm64/v8")
    assert "gcc-aarch64-linux-gnu" in arm.words
    assert default.exits_nonzero


@pytest.mark.parametrize("platform, target", [
    ("linux/amd64", "x86_64-unknown-linux-gnu"),
    ("linux/arm64", "aarch64-unknown-linux-gnu"),
    ("linux/arm64/v8", "aarch64-unknown-linux-gnu"),
])
def test_known_subject_takes_one_arm(platform, target):
    [outcome] = simulate(PLATFORM_CASE, 1, {"TARGETPLATFORM": platform})
    assert outcome.exit_code is None
    assert outcome.commands[-1].argv == ("cargo", "build", "--target", target)
    assert outcome.commands[-1].line == 7


def test_unknown_platform_exits():
    [outcome] = simulate(PLATFORM_CASE, 1, {"TARGETPLATFORM": "linux/s390x"})
    assert outcome.exit_code == 1
    assert argvs(outcome)[-1] == ("exit", "1")


def test_unknown_subject_explores_every_arm_as_an_alternative():
    outcomes = simulate(PLATFORM_CASE, 1, {"TARGETPLATFORM": None})
    assert sorted(o.exit_code or 0 for o in outcomes) == [0, 0, 1]
    exported = [o.commands[-1].env.get("T") for o in outcomes if o.exit_code is None]
    # Only the arm that exports T passes it to cargo's environment.
    assert sorted(map(str, exported)) == ["None", "aarch64-unknown-linux-gnu"]


def test_export_in_one_arm_does_not_leak_into_another():
    script = 'case "$X" in a) export L=1 ;; b) true ;; esac; cargo build'
    outcomes = simulate(script, 1, {"X": None})
    envs = sorted(str(o.commands[-1].env.get("L")) for o in outcomes)
    assert envs == ["1", "None", "None"]  # arm a, arm b, no arm matched


def test_inline_assignment_and_export_semantics():
    script = "A=1 cargo build; B=2; cargo build; export B; cargo build"
    [outcome] = simulate(script)
    first, second, third = outcome.commands
    assert first.assignments == {"A": "1"} and first.env["A"] == "1"
    assert "A" not in second.env and "B" not in second.env and second.variables["B"] == "2"
    assert third.env["B"] == "2"


def test_subshell_changes_do_not_escape():
    [outcome] = simulate("(export A=1; cargo build); cargo build")
    inner, outer = outcome.commands
    assert inner.env["A"] == "1" and "A" not in outer.env


def test_or_branch_is_the_failure_path():
    [outcome] = simulate("cargo build || exit 1; echo done")
    assert argvs(outcome) == [("cargo", "build"), ("echo", "done")]


def test_if_branches_are_alternatives():
    outcomes = simulate('if [ -n "$X" ]; then export Q=1; else export Q=2; fi; cargo build')
    assert sorted(o.commands[-1].env["Q"] for o in outcomes) == ["1", "2"]


def test_written_and_sourced_files():
    script = ("echo 'export L=gcc' > /env; printf 'export M=%s\\n' cc >> /env\n"
              "cat <<EOF > /more\nexport N=1\nEOF\n. /env && source /more && cargo build")
    [outcome] = simulate(script)
    assert outcome.files["/env"] == "export L=gcc\nexport M=cc\n"
    cargo = outcome.commands[-1]
    assert (cargo.env["L"], cargo.env["M"], cargo.env["N"]) == ("gcc", "cc", "1")
    assert not cargo.opaque


def test_unknown_sourced_file_makes_env_opaque():
    [outcome] = simulate(". /somewhere/env && cargo build")
    assert outcome.commands[-1].opaque


def test_files_from_earlier_runs_feed_command_substitution():
    [outcome] = simulate('cargo build --target "$(cat /t)"', 1, {}, {"/t": "aarch64\n"})
    assert outcome.commands[0].argv[-1] == "aarch64"
    [unknown] = simulate("cargo build --target $(cat /t)")
    assert unknown.commands[0].argv[-1] == "$(cat /t)"


@pytest.mark.parametrize("script, cwd, read", [
    ('printf "$T" > triple && cd /x && cat ../b/triple', "/b", "/b/triple"),
    ("echo aarch64 > t", "/b", "/b/t"),
    ("cd sub && echo aarch64 > ./t", "/b", "/b/sub/t"),
])
def test_relative_writes_are_keyed_by_absolute_path(script, cwd, read):
    # Field test: `printf "$target" > target_triple` in WORKDIR /build, read later as
    # `$(cat ./target_triple)`: both must name the same file.
    [outcome] = simulate(script, 1, {"T": "aarch64"}, None, cwd)
    assert outcome.files[read].strip() in ("aarch64", "")
    [later] = simulate("cargo build --target $(cat ./t)", 1, {}, {"/b/t": "aarch64\n"}, "/b")
    assert later.commands[0].argv[-1] == "aarch64"


def test_unset_variables_are_recorded():
    [outcome] = simulate("rustup target add $RUST_TARGET ${DEFAULTED:-x}", 1, {"KNOWN": "1"})
    assert outcome.commands[0].unset == frozenset({"RUST_TARGET"})
    assert outcome.commands[0].argv == ("rustup", "target", "add", "$RUST_TARGET", "x")


def test_quotes_and_escapes():
    [outcome] = simulate("""echo "a $A" 'b $A' c\\ d "$A"x""", 1, {"A": "1"})
    assert outcome.commands[0].argv == ("echo", "a 1", "b $A", "c d", "1x")


def test_parse_errors_are_lines():
    assert parse_script("echo ok\n", 5).errors == []
    assert parse_script("case x in\n  a) echo ;;\n", 5).errors  # no esac


def test_lines_follow_first_line():
    [outcome] = simulate("\\\n  echo a && \\\n  echo b", 20)
    assert [c.line for c in outcome.commands] == [21, 22]


def test_path_explosion_is_capped():
    script = "\n".join(f'case "$V{n}" in a) A=1 ;; b) A=2 ;; esac' for n in range(10))
    assert len(simulate(script)) <= 64


def test_printf_reuses_its_format_like_the_shell():
    [outcome] = simulate("printf 'export %s=%s\\n' A 1 B 2 C > /env")
    assert outcome.files["/env"] == "export A=1\nexport B=2\nexport C=\n"


@pytest.mark.parametrize("expression, expected", [
    ("${V%gcc}ar", "aarch64-linux-gnu-ar"),
    ("${V%-*}", "aarch64-linux-gnu"),
    ("${V%%-*}", "aarch64"),
    ("${V#*-}", "linux-gnu-gcc"),
    ("${V##*-}", "gcc"),
])
def test_trimming_expansions(expression, expected):
    [outcome] = simulate(f'echo "{expression}"', 1, {"V": "aarch64-linux-gnu-gcc"})
    assert outcome.commands[0].argv == ("echo", expected)


def test_set_positional_parameters_feed_quoted_at():
    [outcome] = simulate('set -- gcc-aarch64-linux-gnu libc6-dev-arm64-cross && '
                         'apt-get install -y "$@"')
    assert outcome.commands[-1].argv == ("apt-get", "install", "-y", "gcc-aarch64-linux-gnu",
                                         "libc6-dev-arm64-cross")


def test_redirect_after_a_list_applies_to_its_last_command():
    [outcome] = simulate("A=1 && echo $A > /a && echo done")
    assert outcome.files == {"/a": "1\n"}
    [failed] = simulate("exit 1 && echo x > /a")
    assert failed.files == {} and failed.exit_code == 1
    # every command before the redirected one runs, the `||` failure path excepted
    [longer] = simulate("A=1 && B=2 || B=3 && echo $A$B > /a")
    assert longer.files == {"/a": "12\n"}


def test_reads_skip_comments_and_single_quotes():
    script = "# $COMMENTED\necho '$QUOTED' \"$A\" ${B:-x}\necho $A\n"
    assert parse_script(script, 7).reads() == {"A": 8, "B": 8}


def test_assignments_remember_their_line():
    # the generator's arms: several assignments on continued lines, then a printf of the names
    [outcome] = simulate("T=x86 \\\n  linker_var=CARGO_X_LINKER; export A=1\nB=2 true\n", 10)
    assert outcome.assigned_at == {"T": 10, "linker_var": 11, "A": 11}  # B=2 is inline


def test_redirections_are_recorded_whatever_their_content():
    [outcome] = simulate("cd /w && some-tool > out.txt && echo hi >> /x/log && cat a >&2 "
                         "&& b 2>&1 && c > /o/$UNKNOWN && d 2> err &>all", 1)
    assert outcome.written == ["/w/out.txt", "/x/log", None, "/w/err", "/w/all"]
    assert [c.cwd for c in outcome.commands] == ["/", "/w", "/w", "/w", "/w", "/w", "/w"]


@pytest.mark.parametrize("script,unfollowed", [
    ("a || true", 0), ("a || exit 1", 0), ('a || { echo "no" >&2; exit 1; }', 0),
    ("a || (echo no; exit 1)", 0), ("a || cp x /out/y", 1), ("a\nb || make fallback", 2),
])
def test_an_unfollowed_fallback_is_recorded(script, unfollowed):
    assert [o.unfollowed for o in simulate(script)] == [unfollowed]


# --- depth: the simulation recurses once per level of the syntax tree ---------------------------

def test_a_long_and_chain_is_followed_as_a_flat_list():
    outcome, = simulate(" && ".join(f"echo {i}" for i in range(2000)) + " || exit 1", 5)
    assert len(outcome.commands) == 2000 and outcome.commands[-1].argv == ("echo", "1999")
    assert parse_script("true && " * 2000 + "true").too_deep == 0


@pytest.mark.parametrize("script", ["(" * 1000 + "true" + ")" * 1000,
                                    "echo " + "$(echo " * 60 + "x" + ")" * 60,
                                    "if true; then " * 120 + "true; " + "fi; " * 120],
                         ids=["subshells", "substitutions", "ifs"])
def test_a_script_nested_past_the_limit_is_one_opaque_path(script):
    model = parse_script("apt-get update\n" + script, first_line=7)
    assert model.too_deep == 8 and model.cases == []
    outcome, = simulate("apt-get update\n" + script, 7)
    assert outcome.opaque and outcome.commands == []


def test_nesting_within_the_limit_is_simulated():
    script = "( " * 40 + "cargo build" + " )" * 40
    assert parse_script(script).too_deep == 0
    outcome, = simulate(script)
    assert [c.argv for c in outcome.commands] == [("cargo", "build")] and not outcome.opaque


def test_walk_visits_a_subtree_in_source_order_and_stops_at_its_end():
    from rsdock.lint.model.shell import parse_script
    from rsdock.lint.model.shell_words import walk

    def by_children(node):
        stack = [node]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    model = parse_script('A=1; case "$X" in a) echo "${A:-b}" > f ;; esac\n'
                         'if [ -f x ]; then cat <<EOF > y\n$A\nEOF\nfi; (cd /t && make) | tee z\n')
    nodes = list(by_children(model.tree.root_node))
    assert len(nodes) > 40
    for node in nodes:  # every subtree, the leaves and the last ones included
        assert [(n.type, n.start_byte, n.end_byte) for n in walk(node)] == \
            [(n.type, n.start_byte, n.end_byte) for n in by_children(node)]


@pytest.mark.parametrize("script, env, commands, code", [
    # a left side known to fail takes the `||` branch (lakekeeper's `$NO_CHEF || cargo chef cook`)
    ("$NO_CHEF || cargo chef cook", {"NO_CHEF": "false"},
     [("false",), ("cargo", "chef", "cook")], None),
    ("$NO_CHEF || cargo chef cook", {"NO_CHEF": "true"}, [("true",)], None),
    ("false && a || b", {}, [("false",), ("b",)], None),   # `(false && a) || b`
    ("false || false || c", {}, [("false",), ("false",), ("c",)], None),
    ("(exit 3) || echo yes", {}, [("exit", "3"), ("echo", "yes")], None),  # a subshell fails
    ("exit 1 || echo no", {}, [("exit", "1")], 1),                          # the shell is gone
    ("false || exit 2; echo never", {}, [("false",), ("exit", "2")], 2),
])
def test_or_branch_after_a_known_failure(script, env, commands, code):
    [outcome] = simulate(script, 1, env)
    assert argvs(outcome) == commands and outcome.exit_code == code
