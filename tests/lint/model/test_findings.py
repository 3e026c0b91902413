"""Findings: spans completed from the text, related places, fixes with their applicability."""

from __future__ import annotations

from rsdock.lint.engine.runner import lint_texts
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.findings import (
    Applicability, Edit, Finding, Fix, Related, Severity, complete_span, on_line,
)
from rsdock.lint.rules.rule import get_rule

LINES = ["FROM rust:1.95 AS build", "RUN apt-get update && \\", "    cargo build --release \\",
         "    --locked", "  uses: actions/checkout@v4  # pinned"]


def source(ranges=None):
    return lambda path: (LINES, ranges or {}, False) if path == "Dockerfile" else None


def test_a_finding_without_a_column_spans_its_instruction():
    found = Finding("Dockerfile", 2, 0, "RS1", Severity.ERROR, "m")
    done = complete_span(found, source({2: (2, 4)}))
    assert (done.line, done.column, done.end_line, done.end_column) == (2, 1, 4, 13)
    # a line inside the instruction keeps its line and spans its own text
    inner = complete_span(Finding("Dockerfile", 3, 0, "RS1", Severity.ERROR, "m"),
                          source({2: (2, 4)}))
    assert (inner.line, inner.column, inner.end_line, inner.end_column) == (3, 5, 3, 28)


def test_a_finding_with_a_column_spans_the_token_there():
    found = Finding("Dockerfile", 5, 9, "RS4", Severity.ERROR, "m",
                    related=(Related("Dockerfile", 1, "the stage"),))
    done = complete_span(found, source())
    assert (done.column, done.end_line, done.end_column) == (9, 5, 28)
    assert (done.related[0].column, done.related[0].end_column) == (1, 24)
    # a file whose text is unknown keeps what the rule gave
    other = Finding("Cargo.toml", 3, 0, "RS6", Severity.ERROR, "m")
    assert complete_span(other, source()) == other and complete_span(other, source()).column == 0


def test_on_line_never_leaves_its_line():
    assert on_line(LINES, 3, "cargo build", to_end=True) == (3, 5, 3, 26)
    assert on_line(LINES, 2, "--locked") is None
    assert on_line(LINES, 1, "nothing", "rust:1.95") == (1, 6, 1, 15)


def test_fix_applicability():
    edit = (Edit(0, 0, "x"),)
    assert Fix("a", edit).applicability is Applicability.SAFE and Fix("a", edit).safe
    assert Fix("a", edit, safe=False).applicability is Applicability.UNSAFE
    manual = Fix("by hand", (), manual=("RUN x",))
    assert manual.display_only and not manual.applies(unsafe=True)
    assert Fix("a", edit, Applicability.UNSAFE).applies(unsafe=True)
    assert not Fix("a", edit, Applicability.UNSAFE).applies()
    # a rule's declared applicability caps its fixes; it never raises one
    assert Fix("a", edit).with_applicability(Applicability.UNSAFE).applicability \
        is Applicability.UNSAFE
    assert manual.with_applicability(Applicability.SAFE) is manual
    rs201 = get_rule("RS201")()
    assert rs201.finding("Dockerfile", 1, fix=Fix("a", edit)).fix.applicability \
        is Applicability.UNSAFE


def test_dockerfile_findings_have_real_columns():
    text = ("FROM rust:1.95 AS builder\nWORKDIR /app\nCOPY . .\n"
            "RUN   cargo build --release --target aarch64-unknown-linux-gnu\n"
            "FROM debian:bookworm-slim\nCOPY --from=builder /app/target/release/app /app\n")
    found = [f for f in lint_texts({"Dockerfile": text}, config=LintConfig(hadolint=False))
             if f.rule.startswith("RS")]
    assert found
    assert all(f.column >= 1 and f.end_line >= f.line and f.end_column > 0 for f in found)
    rs205 = next(f for f in found if f.rule == "RS205")
    assert (rs205.line, rs205.column) == (4, 7)  # `cargo build`, after the blanks


def test_a_yaml_value_spans_the_scalar():
    from rsdock.lint.model.findings import yaml_value_end

    lines = ["    if: github.event_name != 'pull_request'  # note",
             "    platforms: [linux/amd64, linux/arm64]", "    tags: 'a b'"]
    assert yaml_value_end(lines, 1, 9) == 44
    assert yaml_value_end(lines, 2, 17) == 28 and yaml_value_end(lines, 2, 30) == 41
    assert yaml_value_end(lines, 3, 11) == 16
