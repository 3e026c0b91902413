"""Reporters: text, JSON and GitHub annotation output for a fixed result."""

from __future__ import annotations

import json
from pathlib import Path

from rsdock.lint.engine import report
from rsdock.lint.engine.runner import Result
from rsdock.lint.model.findings import Applicability, Edit, Finding, Fix, Related, Severity

TEXT = "FROM debian\nRUN apt-get install -y curl\n"
FIX = Fix("pin", (Edit(5, 11, "debian:bookworm"),))
FINDINGS = [
    Finding("Dockerfile", 1, 6, "RS301", Severity.ERROR, "use a slim runtime", FIX, 1, 12,
            (Related("Dockerfile", 2, "installs curl", 5, 2, 12),)),
    Finding("Dockerfile", 2, 1, "DL3008", Severity.WARNING, "Pin versions, a,b: c"),
    Finding("Dockerfile", 9, 0, "RS004", Severity.INFO, "hadolint\nnote 100%"),
]


def result(findings=FINDINGS):
    return Result(Path("/repo"), {"Dockerfile": "dockerfile"}, findings, {"Dockerfile": TEXT})


def test_text_shows_location_rule_severity_and_the_source_line():
    out = report.render_text(result()).splitlines()
    assert out[:7] == [
        "Dockerfile:1:6: RS301 error: use a slim runtime [fixable]",
        "     1 | FROM debian",
        "       |      ^^^^^^",
        "  related: Dockerfile:2:5: installs curl",
        "     2 | RUN apt-get install -y curl",
        "       |     -------",
        "Dockerfile:2:1: DL3008 warning: Pin versions, a,b: c"]
    # without an end, the span runs to the end of the line
    assert out[7:9] == ["     2 | RUN apt-get install -y curl",
                        "       | ^^^^^^^^^^^^^^^^^^^^^^^^^^^"]
    # column 0 (whole line) prints no column; a line past the end prints no source
    assert out[9] == "Dockerfile:9: RS004 info: hadolint\nnote 100%".splitlines()[0]
    assert out[-1] == "1 file checked: 1 error, 1 warning, 1 note. 1 fixable with `rsdock lint --fix`."


def test_text_without_findings():
    assert report.render_text(result([])) == "1 file checked: no findings.\n"


def test_json_shape():
    data = json.loads(report.render_json(result()))
    assert data["version"] == 2 and data["tool"]["name"] == "rsdock"
    assert data["findings"][0] == {"rule": "RS301", "severity": "error", "path": "Dockerfile",
                                   "line": 1, "column": 6, "end_line": 1, "end_column": 12,
                                   "message": "use a slim runtime",
                                   "related": [{"path": "Dockerfile", "line": 2, "column": 5,
                                                "end_line": 2, "end_column": 12,
                                                "label": "installs curl"}],
                                   "fixable": True,
                                   "fix": {"description": "pin", "applicability": "safe",
                                           "safe": True}}
    assert data["summary"] == {"files": 1, "findings": 3, "errors": 1, "warnings": 1, "info": 1,
                               "fixable": 1, "suggested": 0}


def test_github_annotations_escape_data_and_properties():
    out = report.render_github(result()).splitlines()
    assert out[0] == ("::error file=Dockerfile,line=1,col=6,endLine=1,endColumn=12,title=RS301::"
                      "use a slim runtime%0ADockerfile:2: installs curl")
    assert out[1] == "::warning file=Dockerfile,line=2,col=1,title=DL3008::Pin versions, a,b: c"
    assert out[2] == "::notice file=Dockerfile,line=9,title=RS004::hadolint%0Anote 100%25"
    odd = Finding("a,b:c.Dockerfile", 1, 0, "RS001", Severity.ERROR, "x")
    assert report.render_github(result([odd])).startswith("::error file=a%2Cb%3Ac.Dockerfile,")


def test_every_format_is_registered():
    assert set(report.REPORTERS) == {"text", "json", "sarif", "github"}


def test_text_marks_unsafe_and_shows_display_only_lines():
    unsafe = Finding("Dockerfile", 1, 1, "RS201", Severity.WARNING, "cross",
                     Fix("p", (Edit(0, 0, "x"),), Applicability.UNSAFE), 1, 5)
    manual = Finding("Dockerfile", 2, 1, "RS212", Severity.ERROR, "deps",
                     Fix("cannot place them", (), manual=("RUN apt-get install -y libssl-dev",)),
                     2, 4)
    out = report.render_text(result([unsafe, manual])).splitlines()
    assert out[0] == "Dockerfile:1:1: RS201 warning: cross [unsafe fix]"
    assert out[3] == "Dockerfile:2:1: RS212 error: deps"
    assert out[6:8] == ["  by hand: cannot place them", "      RUN apt-get install -y libssl-dev"]
    assert "1 with an unsafe fix" in out[-1] and "fixable" not in out[-1]


def test_a_long_span_shows_three_lines_and_counts_the_rest():
    text = "RUN a \\\n  b \\\n  c \\\n  d \\\n  e\n"
    long = Finding("Dockerfile", 1, 1, "RS104", Severity.WARNING, "m", None, 5, 4)
    res = Result(Path("/repo"), {"Dockerfile": "dockerfile"}, [long], {"Dockerfile": text})
    out = report.render_text(res).splitlines()
    assert out[1:8] == ["     1 | RUN a \\", "       | ^^^^^^^", "     2 |   b \\",
                        "       |   ^^^", "     3 |   c \\", "       |   ^^^",
                        "       | ... 2 more lines"]


def test_lint_json_doc_names_this_version_and_every_field():
    from tests.tools import REPO

    doc = (REPO / "docs" / "lint-json.md").read_text(encoding="utf-8")
    assert f'"version": {report.JSON_FORMAT_VERSION},' in doc
    assert f"The format version, `{report.JSON_FORMAT_VERSION}`" in doc
    data = json.loads(report.render_json(result()))
    for key in data["findings"][0]:
        assert f"`{key}`" in doc or f"findings[].{key}`" in doc, key
    for key in data["findings"][0]["related"][0]:
        assert f'"{key}": ' in doc, key  # in the example
