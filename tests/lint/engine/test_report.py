"""Reporters: text, JSON and GitHub annotation output for a fixed result."""

from __future__ import annotations

import json
from pathlib import Path

from rsdock.lint.engine import report
from rsdock.lint.engine.runner import Result
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity

TEXT = "FROM debian\nRUN apt-get install -y curl\n"
FIX = Fix("pin", (Edit(5, 11, "debian:bookworm"),))
FINDINGS = [
    Finding("Dockerfile", 1, 6, "RS301", Severity.ERROR, "use a slim runtime", FIX),
    Finding("Dockerfile", 2, 1, "DL3008", Severity.WARNING, "Pin versions, a,b: c"),
    Finding("Dockerfile", 9, 0, "RS004", Severity.INFO, "hadolint\nnote 100%"),
]


def result(findings=FINDINGS):
    return Result(Path("/repo"), {"Dockerfile": "dockerfile"}, findings, {"Dockerfile": TEXT})


def test_text_shows_location_rule_severity_and_the_source_line():
    out = report.render_text(result()).splitlines()
    assert out[0] == "Dockerfile:1:6: RS301 error: use a slim runtime [fixable]"
    assert out[1] == "     1 | FROM debian"
    assert out[2] == "Dockerfile:2:1: DL3008 warning: Pin versions, a,b: c"
    assert out[3] == "     2 | RUN apt-get install -y curl"
    # column 0 (whole line) prints no column; a line past the end prints no source
    assert out[4] == "Dockerfile:9: RS004 info: hadolint\nnote 100%".splitlines()[0]
    assert out[-1] == "1 file checked: 1 error, 1 warning, 1 note. 1 fixable with `rsdock lint --fix`."


def test_text_without_findings():
    assert report.render_text(result([])) == "1 file checked: no findings.\n"


def test_json_shape():
    data = json.loads(report.render_json(result()))
    assert data["version"] == 1 and data["tool"]["name"] == "rsdock"
    assert data["findings"][0] == {"rule": "RS301", "severity": "error", "path": "Dockerfile",
                                   "line": 1, "column": 6, "message": "use a slim runtime",
                                   "fixable": True,
                                   "fix": {"description": data["findings"][0]["fix"]["description"],
                                           "safe": True}}
    assert data["summary"] == {"files": 1, "findings": 3, "errors": 1, "warnings": 1, "info": 1,
                               "fixable": 1, "suggested": 0}


def test_github_annotations_escape_data_and_properties():
    out = report.render_github(result()).splitlines()
    assert out[0] == "::error file=Dockerfile,line=1,col=6,title=RS301::use a slim runtime"
    assert out[1] == "::warning file=Dockerfile,line=2,col=1,title=DL3008::Pin versions, a,b: c"
    assert out[2] == "::notice file=Dockerfile,line=9,title=RS004::hadolint%0Anote 100%25"
    odd = Finding("a,b:c.Dockerfile", 1, 0, "RS001", Severity.ERROR, "x")
    assert report.render_github(result([odd])).startswith("::error file=a%2Cb%3Ac.Dockerfile,")


def test_every_format_is_registered():
    assert set(report.REPORTERS) == {"text", "json", "sarif", "github"}
