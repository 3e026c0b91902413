"""SARIF output validates against the official SARIF 2.1.0 schema (vendored from
oasis-tcs/sarif-spec, sarif-2.1/schema/sarif-schema-2.1.0.json)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from rsdock.lint.engine import runner as engine, report
from rsdock.lint.engine.settings import LintConfig
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity
from tests.tools import DATA

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture(scope="module")
def sarif():
    files = {
        "Dockerfile": "FROM debian\nRUN cd /x\n",
        "Dockerfile.web": "FROM debian:bookworm-slim\nRUN <<EOT\necho\nEOT\nENV A=1\n",
        ".dockerignore": "# rsdock: ignore=RS001\ntarget/\n",
    }
    with_root = engine.lint_texts(files)
    assert with_root, "the fixture must produce findings"
    res = engine.Result(Path("/repo").resolve(), {p: "x" for p in files}, with_root, files)
    return json.loads(report.render_sarif(res)), with_root


def test_valid_against_the_official_schema(sarif):
    log, _ = sarif
    jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_results_point_at_rules_with_help(sarif):
    log, findings = sarif
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(findings)
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
    ours = [r for r in rules if r["id"].startswith("RS")]
    assert ours and all("Fails:" in r["help"]["text"] for r in ours)
    theirs = [r for r in rules if r["id"].startswith(("DL", "SC"))]
    assert theirs and all(r["helpUri"].startswith("https://") for r in theirs)


def test_locations_are_relative_to_srcroot(sarif):
    log, _ = sarif
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"].endswith("/")
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uriBaseId"] == "SRCROOT"
    assert not location["artifactLocation"]["uri"].startswith("/")
    assert location["region"]["startLine"] >= 1


def test_empty_run_is_valid():
    res = engine.Result(Path("/repo").resolve(), {}, [], {})
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(report.render_sarif(res)))


def test_no_hadolint_config_still_valid():
    findings = engine.lint_texts({"Dockerfile": "FROM x\n"}, config=LintConfig(hadolint=False))
    res = engine.Result(Path("/repo").resolve(), {"Dockerfile": "dockerfile"}, findings, {})
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(report.render_sarif(res)))


def test_only_safe_fixes_become_sarif_fixes():
    text = "FROM rust:1.95 AS build\nRUN cargo build\n"
    safe = Finding("Dockerfile", 1, 0, "RS202", Severity.WARNING, "declare it",
                   Fix("declare ARG X", (Edit(24, 24, "ARG X\n"),)))
    unsafe = Finding("Dockerfile", 2, 0, "RS201", Severity.WARNING, "cross-compile",
                     Fix("add --platform", (Edit(5, 5, "--platform=$BUILDPLATFORM "),), safe=False))
    res = engine.Result(Path("/repo").resolve(), {"Dockerfile": "dockerfile"}, [safe, unsafe],
                        {"Dockerfile": text})
    log = json.loads(report.render_sarif(res))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    first, second = log["runs"][0]["results"]
    change = first["fixes"][0]["artifactChanges"][0]
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 1},
        "insertedContent": {"text": "ARG X\n"}}]
    assert "fixes" not in second and second["properties"] == {"unsafeFix": "add --platform"}
    safety = {r["id"]: r["properties"]["fixApplicability"]
              for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert safety == {"RS201": "unsafe", "RS202": "safe"}


def test_regions_have_end_columns_and_related_locations():
    from rsdock.lint.model.findings import Related

    text = "FROM rust:1.95 AS build\nRUN cargo build\n"
    found = Finding("Dockerfile", 2, 5, "RS201", Severity.WARNING, "cross", None, 2, 16,
                    (Related("Dockerfile", 1, "the stage", 1, 1, 24),))
    res = engine.Result(Path("/repo").resolve(), {"Dockerfile": "dockerfile"}, [found],
                        {"Dockerfile": text})
    log = json.loads(report.render_sarif(res))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (entry,) = log["runs"][0]["results"]
    assert entry["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 16}
    (related,) = entry["relatedLocations"]
    assert related["id"] == 1 and related["message"] == {"text": "the stage"}
    assert related["physicalLocation"]["region"] == {
        "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 24}
