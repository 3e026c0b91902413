"""The Dockerfile model: instructions, directives, stages, ARG/ENV scopes, RUN scripts, errors."""

from __future__ import annotations

import pytest

from rsdock.lint.model.dockerfile import expand, image_name, parse_dockerfile, unquote

TEXT = """\
# syntax=docker/dockerfile:1
# escape=\\
ARG RUST_VERSION=1.95
ARG BASE
FROM --platform=$BUILDPLATFORM rust:${RUST_VERSION}-slim AS Builder
ARG TARGETPLATFORM
ARG PROFILE=release
ENV A="x y" B=$A/z
ENV LEGACY value with spaces
WORKDIR /app
RUN --mount=type=cache,target=/usr/local/cargo/registry \\
    case "$TARGETPLATFORM" in \\
      linux/amd64) T=x ;; \\
      # a comment inside the continuation
      *) exit 1 ;; \\
    esac
RUN <<EOT bash
set -e
echo hi
EOT
RUN ["cargo", "build", "--release"]
RUN ["sh", "-c", "echo $HOME"]
COPY --from=builder --chmod=755 /a /b
FROM builder AS child
ENV C=$B
FROM ${BASE:-debian:bookworm-slim}
COPY --from=0 /app/x /x
"""


@pytest.fixture(scope="module")
def model():
    return parse_dockerfile("Dockerfile", TEXT)


def test_directives_and_global_args(model):
    assert model.errors == []
    assert model.directives == {"syntax": "docker/dockerfile:1", "escape": "\\"}
    assert model.global_args == {"RUST_VERSION": "1.95", "BASE": None}


def test_stages(model):
    builder, child, final = model.stages
    assert (builder.index, builder.name, builder.base, builder.platform) == (
        0, "builder", "rust:1.95-slim", "$BUILDPLATFORM")
    assert builder.from_.line == 5 and builder.base_raw == "rust:${RUST_VERSION}-slim"
    assert child.parent is builder and child.ancestry() == [child, builder]
    assert final.base == "debian:bookworm-slim" and final.parent is None
    assert model.final_stage is final
    assert model.stage("BUILDER") is builder and model.stage("2") is final
    assert model.stage("nope") is None


def test_args_and_env(model):
    builder, child, _ = model.stages
    assert builder.args == {"TARGETPLATFORM": None, "PROFILE": "release"}
    assert builder.env == {"A": "x y", "B": "x y/z", "LEGACY": "value with spaces"}
    assert child.env["C"] == "x y/z"
    run = builder.runs()[0]
    values = builder.vars_before(run, {"TARGETPLATFORM": "linux/arm64"})
    assert values["TARGETPLATFORM"] == "linux/arm64" and values["PROFILE"] == "release"
    # An override for an ARG the stage does not declare stays invisible, as in BuildKit.
    assert "BUILDPLATFORM" not in builder.vars_before(run, {"BUILDPLATFORM": "linux/amd64"})


def test_instruction_lines_and_flags(model):
    run = model.stages[0].runs()[0]
    assert (run.line, run.end_line) == (11, 16)
    assert run.flag("mount") == "type=cache,target=/usr/local/cargo/registry"
    assert run.flag("network") is None


def test_shell_script_keeps_rows(model):
    script = model.script(model.stages[0].runs()[0])
    assert script.form == "shell" and script.first_line == 11
    rows = script.text.split("\n")
    assert rows[0].strip().startswith("\\") or rows[0].strip() == "\\"
    assert "RUN" not in rows[0] and "--mount" not in rows[0]
    assert rows[2].strip().startswith("linux/amd64)") and script.line_of(2) == 13
    assert rows[3] == "\\"  # the comment line is neutral for the shell


def test_heredoc_and_exec_scripts(model):
    heredoc, exec_form, sh_c = model.stages[0].runs()[1:4]
    script = model.script(heredoc)
    assert (script.form, script.first_line, script.text) == ("heredoc", 18, "set -e\necho hi\n")
    assert model.script(exec_form).text == "cargo build --release"
    assert model.script(exec_form).argv == ("cargo", "build", "--release")
    assert model.script(sh_c).text == "echo $HOME"


def test_copies(model):
    [copy] = model.stages[0].copies()
    assert (copy.source_stage, copy.sources, copy.dest) == ("builder", ("/a",), "/b")
    assert model.stages[2].copies()[0].source_stage == "0"


def test_heredoc_data_run_is_a_shell_script():
    model = parse_dockerfile("D", "FROM x\nRUN cat <<EOF > /env\nexport A=1\nEOF\n")
    script = model.script(model.stages[0].runs()[0])
    assert script.form == "shell" and script.first_line == 2
    assert "cat <<EOF > /env" in script.text and "export A=1" in script.text


def test_backtick_escape():
    model = parse_dockerfile("D", "# escape=`\nFROM x\nRUN echo a `\n  b\n")
    script = model.script(model.stages[0].runs()[0])
    assert "\\\n" in script.text and "`" not in script.text


@pytest.mark.parametrize("text, line, words", [
    ("FROM x\nRUN <<EOF\n", 2, "cannot parse"),
    ("FROM x\nFOO bar\n", 2, "unknown instruction FOO"),
    ("RUN x\nFROM y\n", 1, "before the first FROM"),
    ("", 1, "no FROM"),
    ("# just a comment\n", 1, "no FROM"),
])
def test_errors_are_located_findings(text, line, words):
    model = parse_dockerfile("Dockerfile", text)
    [error] = model.errors
    assert (error.rule, error.line, error.path) == ("RS001", line, "Dockerfile")
    assert words in error.message


def test_dangling_continuation_is_no_instruction():
    # Found by the robustness test: BuildKit's parser returns a command with no keyword.
    model = parse_dockerfile("Dockerfile", "FROM rust:1.95\\")
    assert [i.cmd for i in model.instructions] == ["FROM"]
    assert parse_dockerfile("Dockerfile", "\\").instructions == []


def test_non_utf8_is_an_error_not_an_exception():
    model = parse_dockerfile("Dockerfile", b"FROM x\nRUN echo \xff\n")
    [error] = model.errors
    assert (error.rule, error.line) == ("RS001", 2) and "UTF-8" in error.message
    assert parse_dockerfile("D", "FROM x\n".encode()).errors == []


@pytest.mark.parametrize("text, values, expected", [
    ("$A/${B}", {"A": "1", "B": "2"}, "1/2"),
    ("${A:-d}", {}, "d"),
    ("${A:-d}", {"A": "v"}, "v"),
    ("${A:+alt}", {"A": "v"}, "alt"),
    ("${A:+alt}", {}, ""),
    ("$BUILDPLATFORM", {}, "$BUILDPLATFORM"),
    ("$A", {"A": None}, "$A"),
])
def test_expand(text, values, expected):
    assert expand(text, values) == expected


PER_ARCH = """\
FROM --platform=$BUILDPLATFORM img-x AS build-amd64
FROM --platform=$BUILDPLATFORM img-a AS build-armv7
FROM --platform=$BUILDPLATFORM img-b AS build-arm64
FROM build-$TARGETARCH$TARGETVARIANT AS chef
"""


@pytest.mark.parametrize("args, expected", [
    (None, "build-amd64"),
    ({"TARGETARCH": "arm64", "TARGETVARIANT": ""}, "build-arm64"),
    ({"TARGETARCH": "arm", "TARGETVARIANT": "v7"}, "build-armv7"),
])
def test_platform_dependent_from_resolves_per_platform(args, expected):
    # Field test: one cross image per architecture, picked by `FROM build-$TARGETARCH`.
    chef = parse_dockerfile("Dockerfile", PER_ARCH).stage("chef")
    assert [s.name for s in chef.candidates] == ["build-amd64", "build-armv7", "build-arm64"]
    assert [s.name for s in chef.ancestry(args)] == ["chef", expected]


def test_workdir_at_an_instruction():
    from rsdock.lint.analysis.dockerfacts import workdir
    model = parse_dockerfile("Dockerfile", "FROM a AS base\nWORKDIR /app\nFROM base\n"
                             "RUN one\nWORKDIR sub\nRUN two\n")
    stage = model.stages[1]
    one, _, two = stage.instructions
    assert (workdir(stage, one), workdir(stage, two), workdir(stage)) == \
        ("/app", "/app/sub", "/app/sub")


def test_unquote():
    assert unquote('"x y"') == "x y"
    assert unquote("'a'b") == "ab"
    assert unquote('"unterminated') == '"unterminated'


def test_a_stage_inherits_the_platform_of_the_stage_it_is_built_from():
    model = parse_dockerfile("Dockerfile", (
        "FROM --platform=$BUILDPLATFORM rust:1.95 AS chef\n"
        "FROM chef AS builder\n"
        "FROM --platform=linux/arm64 builder AS pinned\n"
        "FROM debian:bookworm-slim AS runtime\n"
    ))
    flags = {stage.name: stage.platform_flag() for stage in model.stages}
    assert flags == {"chef": "$BUILDPLATFORM", "builder": "$BUILDPLATFORM",
                     "pinned": "linux/arm64", "runtime": None}


@pytest.mark.parametrize(("ref", "expected"), [
    ("debian:bookworm-slim", ("debian", "bookworm-slim")),
    ("ghcr.io/acme/Rust:1.85-slim@sha256:" + "a" * 64, ("rust", "1.85-slim")),
    ("localhost:5000/team/app", ("app", "")),
    ("public.ecr.aws/docker/library/ubuntu:24.04", ("ubuntu", "24.04")),
])
def test_image_name_is_the_last_path_segment_and_its_tag(ref, expected):
    assert image_name(ref) == expected
