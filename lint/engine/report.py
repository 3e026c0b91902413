"""Reporters: findings as text for people, JSON for scripts, SARIF for code scanning, and
GitHub workflow commands for annotations on pull requests.

Each reporter is a function ``(result: Result) -> str``; :data:`REPORTERS` names them for ``--format``.
The JSON shape is documented in ``docs/lint-json.md``.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from typing import Any, Callable
from urllib.parse import quote

from rsdock import __version__
from rsdock.errors import TERMINAL_CONTROL, escaped_char
from rsdock.fs import shown
from rsdock.lint.engine.runner import Result
from rsdock.lint.model.findings import Applicability, Finding, Related, Severity, line_offsets
from rsdock.lint.rules.rule import RegistryError, all_rules

JSON_FORMAT_VERSION = 2  # 2: spans, related places, fix applicability (docs/lint-json.md)
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def summary(result: Result) -> dict[str, int]:
    """Counts for the footer and the JSON ``summary``: files, findings by severity, fixable."""
    counts = Counter(str(f.severity) for f in result.findings)
    return {
        "files": len(result.targets),
        "findings": len(result.findings),
        "errors": counts["error"],
        "warnings": counts["warning"],
        "info": counts["info"],
        "fixable": sum(1 for f in result.findings if f.fix is not None and f.fix.safe),
        "suggested": sum(1 for f in result.findings if f.fix is not None
                         and f.fix.applicability is Applicability.UNSAFE),
    }


def _location(finding: Finding | Related) -> str:
    # column 0 means "the whole line": print no column rather than a misleading one
    column = f":{finding.column}" if finding.column else ""
    # a file name is data: a newline in it must not start a forged line of the report
    return f"{shown(finding.path)}:{finding.line}{column}"


# C0 but the tab, DEL, C1 and the bidirectional controls (rsdock.errors.TERMINAL_CONTROL).
_TERMINAL_CONTROL = re.compile("\n|" + TERMINAL_CONTROL.pattern)


def _message(text: str) -> str:
    # a message may run over lines; its next lines are indented so none can pass for a finding
    return _TERMINAL_CONTROL.sub(lambda m: "\n    " if m[0] == "\n" else escaped_char(m[0]),
                                 text)


def _source_line(text: str) -> str:
    # a quoted source line keeps its tabs; escape sequences and stray CRs are shown, not obeyed
    return _TERMINAL_CONTROL.sub(lambda m: escaped_char(m[0]), text)


_FIX_TAG = {Applicability.SAFE: " [fixable]", Applicability.UNSAFE: " [unsafe fix]",
            Applicability.DISPLAY_ONLY: ""}


def render_text(result: Result) -> str:
    """Each finding as ``path:line:col: RULE severity: message``, its source with the span
    underlined (``^``), then each related place with its label and its source underlined
    (``-``), as rustc and ruff print them; a summary at the end."""
    out: list[str] = []
    lines_cache: dict[str, list[str]] = {}

    def lines_of(path: str) -> list[str]:
        if path not in lines_cache:
            lines_cache[path] = result.texts.get(path, "").splitlines()
        return lines_cache[path]

    for finding in result.findings:
        tag = "" if finding.fix is None else _FIX_TAG[finding.fix.applicability]
        out.append(f"{_location(finding)}: {finding.rule} {finding.severity}: "
                   f"{_message(finding.message)}{tag}")
        out += _snippet(lines_of(finding.path), finding, "^")
        for related in finding.related:
            out.append(f"  related: {_location(related)}: {_message(related.label)}")
            out += _snippet(lines_of(related.path), related, "-")
        if finding.fix is not None and finding.fix.display_only and finding.fix.manual:
            out.append(f"  by hand: {_message(finding.fix.description)}")
            out += [f"      {_source_line(line)}" for line in finding.fix.manual]
    counts = summary(result)
    if not counts["files"]:
        out.append("nothing to lint: no Dockerfile, GitHub workflow or .dockerignore was found.")
    elif not result.findings:
        out.append(f"{_plural(counts['files'], 'file')} checked: no findings.")
    else:
        parts = [_plural(counts[k], n) for k, n in
                 (("errors", "error"), ("warnings", "warning"), ("info", "note")) if counts[k]]
        line = f"{_plural(counts['files'], 'file')} checked: {', '.join(parts)}."
        if counts["fixable"]:
            line += f" {counts['fixable']} fixable with `rsdock lint --fix`."
        if counts["suggested"]:
            line += (f" {counts['suggested']} with an unsafe fix (it may break the build: review "
                     "`rsdock lint --diff --unsafe-fixes`).")
        out.append("")
        out.append(line)
    return "\n".join(out) + "\n"


_SNIPPET_LINES = 3  # a longer span shows its first lines and says where it ends


def _snippet(lines: list[str], place: Finding | Related, mark: str) -> list[str]:
    """The source lines of ``place``'s span, each underlined with ``mark`` where the span
    covers it; nothing for a place outside the text (a file rsdock did not read)."""
    if not 1 <= place.line <= len(lines):
        return []
    last = min(max(place.end_line, place.line), len(lines))
    out = []
    for number in range(place.line, min(last, place.line + _SNIPPET_LINES - 1) + 1):
        text = lines[number - 1].rstrip()
        start = place.column if number == place.line and place.column else \
            len(text) - len(text.lstrip()) + 1
        end = place.end_column if number == last and place.end_column else len(text) + 1
        out.append(f"  {number:>4} | {_source_line(text)}")
        if end > start:
            out.append(f"       | {_underline(text, start, end, mark)}")
    if last >= place.line + _SNIPPET_LINES:
        out.append(f"       | ... {last - place.line - _SNIPPET_LINES + 1} more "
                   f"line{'s' if last - place.line - _SNIPPET_LINES else ''}")
    return out


def _underline(text: str, start: int, end: int, mark: str) -> str:
    # the padding copies the line's tabs, so the marks stand under the characters they mean
    pad = "".join("\t" if c == "\t" else " " for c in text[:start - 1])
    width = max(1, min(end, len(text) + 1) - start)
    return pad + mark * width


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render_json(result: Result) -> str:
    """The documented JSON object: ``version``, ``tool``, ``findings``, ``summary``."""
    import json

    return json.dumps({
        "version": JSON_FORMAT_VERSION,
        "tool": {"name": "rsdock", "version": __version__},
        "findings": [f.to_dict() for f in result.findings],
        "summary": summary(result),
    }, indent=2) + "\n"


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(result: Result) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    out = []
    for finding in result.findings:
        props = [f"file={_github_escape(finding.path, True)}", f"line={finding.line}"]
        if finding.column:
            props.append(f"col={finding.column}")
        if finding.end_line:
            props.append(f"endLine={finding.end_line}")
            if finding.end_column:
                props.append(f"endColumn={finding.end_column}")
        props.append(f"title={_github_escape(finding.rule, True)}")
        # an annotation has one place: the related ones are lines of its text
        message = finding.message + "".join(
            f"\n{r.path}:{r.line}: {r.label}" for r in finding.related)
        out.append(f"::{_GITHUB_LEVEL[finding.severity]} {','.join(props)}::"
                   f"{_github_escape(message)}")
    return "\n".join(out) + ("\n" if out else "")


def _uri(path: str) -> str:
    """A relative path as a SARIF ``uri`` (RFC 3986): spaces, ``#``, ``%``, ``?`` and non-ASCII
    characters percent-encoded, ``/`` kept."""
    return quote(path, safe="/")


def external_help_uri(rule_id: str) -> str:
    """Where hadolint's DL or ShellCheck's SC code ``rule_id`` is documented."""
    if rule_id.startswith("SC"):
        return f"https://www.shellcheck.net/wiki/{rule_id}"
    return f"https://github.com/hadolint/hadolint/wiki/{rule_id}"


def _sarif_rule(rule_id: str, severity: Severity) -> dict[str, Any]:
    rule = all_rules().get(rule_id)
    if rule is None:  # hadolint's DL/SC codes: their docs live on hadolint's and shellcheck's wiki
        return {"id": rule_id, "helpUri": external_help_uri(rule_id),
                "shortDescription": {"text": f"hadolint {rule_id}"},
                "defaultConfiguration": {"level": _SARIF_LEVEL[severity]},
                "properties": {"tags": ["hadolint"]}}
    try:
        docs = rule.docs()
        help_text = f"{docs.summary}\n\n{docs.body}\n\nFails:\n{docs.fails}\n\nPasses:\n{docs.passes}"
        summary_text = docs.summary
    except (ValueError, RegistryError):
        help_text = summary_text = rule.message
    return {
        "id": rule_id,
        "name": rule.name,
        "shortDescription": {"text": summary_text},
        "fullDescription": {"text": rule.message},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"tags": [rule.family()], "fixable": rule.fixable,
                       "fixApplicability": str(rule.fix_applicability)},
    }


def _sarif_fixes(finding: Finding, text: str | None) -> list[dict[str, Any]]:
    """SARIF ``fixes`` for a finding's fix: only a safe one (an unsafe fix is a suggestion that
    code-scanning tools would offer as if it could not break the build)."""
    fix = finding.fix
    if fix is None or not fix.safe or text is None:
        return []
    offsets = line_offsets(text)

    def position(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(offsets, offset)
        return line, offset - offsets[line - 1] + 1

    replacements = []
    for edit in fix.edits:
        (start_line, start_col), (end_line, end_col) = position(edit.start), position(edit.end)
        replacements.append({
            "deletedRegion": {"startLine": start_line, "startColumn": start_col,
                              "endLine": end_line, "endColumn": end_col},
            "insertedContent": {"text": edit.text}})
    return [{"description": {"text": fix.description},
             "artifactChanges": [{"artifactLocation": {"uri": _uri(finding.path),
                                                       "uriBaseId": "SRCROOT"},
                                  "replacements": replacements}]}]


def _physical(place: Finding | Related) -> dict[str, Any]:
    """A SARIF ``physicalLocation``: the file and the region (the end column exclusive, as in
    a :class:`Finding`)."""
    region: dict[str, int] = {"startLine": max(place.line, 1)}
    if place.column:
        region["startColumn"] = place.column
    if place.end_line:
        region["endLine"] = place.end_line
        if place.end_column:
            region["endColumn"] = place.end_column
    return {"artifactLocation": {"uri": _uri(place.path), "uriBaseId": "SRCROOT"},
            "region": region}


def render_sarif(result: Result) -> str:
    """A SARIF 2.1.0 log with one run: the rules that fired (with help) and the results."""
    rule_ids = sorted({f.rule for f in result.findings})
    first_severity: dict[str, Severity] = {}
    for finding in result.findings:
        first_severity.setdefault(finding.rule, finding.severity)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results: list[dict[str, Any]] = []
    for finding in result.findings:
        entry: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": _SARIF_LEVEL[finding.severity],
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": _physical(finding)}],
        }
        if finding.related:
            entry["relatedLocations"] = [
                {"id": i, "physicalLocation": _physical(r), "message": {"text": r.label}}
                for i, r in enumerate(finding.related, 1)]
        fixes = _sarif_fixes(finding, result.texts.get(finding.path))
        if fixes:
            entry["fixes"] = fixes
        elif finding.fix is not None:
            entry["properties"] = {
                "unsafeFix" if finding.fix.applicability is Applicability.UNSAFE
                else "manualFix": finding.fix.description}
        results.append(entry)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rsdock",
                "version": __version__,
                "rules": [_sarif_rule(r, first_severity[r]) for r in rule_ids],
            }},
            "originalUriBaseIds": {"SRCROOT": {"uri": result.root.as_uri() + "/"}},
            "results": results,
        }],
    }
    import json

    return json.dumps(log, indent=2) + "\n"


REPORTERS: dict[str, Callable[[Result], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}
