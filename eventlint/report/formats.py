"""Machine-readable reports: JSON, SARIF 2.1.0, GitHub workflow annotations, JUnit XML.

Renderers take plain data: the findings, and for rule metadata any objects with
`code`, `name`, `severity`, `summary()` and `sections()` (the rule classes).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from eventlint import __version__
from eventlint.facts import Diagnostic, Fix, ProjectFacts
from eventlint.report.coverage import Coverage

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/eventlint/eventlint"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def json_report(
    facts: ProjectFacts,
    diagnostics: Sequence[Diagnostic],
    baselined: int = 0,
    coupling: dict[str, Any] | None = None,
    runtime: dict[str, Any] | None = None,
    projects: list[dict[str, Any]] | None = None,
    coverage: Coverage | None = None,
) -> str:
    """The JSON report; `projects` (a run over several projects) lists each one's root and coupling summary;
    `coverage` (report/coverage.py) goes under `summary.coverage`."""
    document: dict[str, Any] = {
        "eventlint_report": 1,
        "version": __version__,
        "summary": {
            "files": facts.files,
            "services": len(facts.services),
            "publishers": len(facts.publishers),
            "subscribers": len(facts.subscribers),
            "problems": len(diagnostics),
            "baselined": baselined,
            **({"coverage": coverage.to_json()} if coverage is not None else {}),
        },
        "diagnostics": [_diagnostic_json(d) for d in diagnostics],
        "skipped": [{"path": s.path, "reason": s.reason} for s in facts.skipped],
    }
    if coupling is not None:
        document["coupling"] = coupling
    if runtime is not None:
        document["runtime"] = runtime
    if projects is not None:
        document["projects"] = projects
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "hint": d.hint,
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "service": d.service,
        "event": d.event,
        "related": [{"path": r.path, "line": r.line, "column": r.column, "message": r.message} for r in d.related],
        "fix": _fix_json(d.fix),
    }


def _fix_json(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [
            {"path": e.path, "line": e.line, "column": e.column, "end_line": e.end_line, "end_column": e.end_column, "content": e.content}
            for e in fix.edits
        ],
    }


def _sarif_fix(fix: Fix, quote: Any) -> dict[str, Any]:
    changes: dict[str, list[dict[str, Any]]] = {}
    for e in fix.edits:
        region = {"startLine": e.line, "startColumn": e.column, "endLine": e.end_line, "endColumn": e.end_column}
        changes.setdefault(e.path, []).append({"deletedRegion": region, "insertedContent": {"text": e.content}})
    return {
        "description": {"text": fix.message},
        "artifactChanges": [
            {"artifactLocation": {"uri": quote(path, safe="/._-~"), "uriBaseId": "%SRCROOT%"}, "replacements": replacements}
            for path, replacements in changes.items()
        ],
    }


def sarif_report(
    diagnostics: Sequence[Diagnostic],
    rules: Sequence[Any],
    fingerprints: dict[int, str],
    base_uri: str | None = None,
    provenance: dict[str, Any] | None = None,
    coverage: Coverage | None = None,
) -> str:
    """SARIF 2.1.0 as GitHub code scanning accepts it: rule metadata with help, relative URIs, fingerprints.

    Paths are relative to `%SRCROOT%`, which `base_uri` (an absolute file URI
    ending in `/`, the repository root) defines; `provenance` is the run's
    `versionControlDetails` (repository, commit, branch). `coverage` is the run's
    property `coverage`; what it could not judge is one tool execution notification
    per limit on the run's invocation (never a result: nothing is wrong in the code).
    """
    from urllib.parse import quote  # only SARIF needs it
    ordered = sorted(rules, key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(ordered)}
    results = []
    for position, d in enumerate(diagnostics):
        region: dict[str, int] = {"startLine": d.line, "startColumn": d.column}
        if d.end_line:
            region["endLine"] = d.end_line
        if d.end_column:
            region["endColumn"] = d.end_column
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": _SARIF_LEVEL.get(d.severity, "warning"),
            "message": {"text": d.message + (f" ({d.hint})" if d.hint else "")},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": quote(d.path, safe="/._-~"), "uriBaseId": "%SRCROOT%"}, "region": region}}
            ],
        }
        if d.related:
            result["relatedLocations"] = [
                {
                    "id": number,
                    "physicalLocation": {
                        "artifactLocation": {"uri": quote(r.path, safe="/._-~"), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": r.line, "startColumn": r.column},
                    },
                    **({"message": {"text": r.message}} if r.message else {}),
                }
                for number, r in enumerate(d.related, start=1)
            ]
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if position in fingerprints:
            result["partialFingerprints"] = {"eventlint/v1": fingerprints[position]}
        if d.fix is not None:
            result["fixes"] = [_sarif_fix(d.fix, quote)]
        results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "eventlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_sarif_rule(r) for r in ordered],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    run: dict[str, Any] = document["runs"][0]  # type: ignore[index]
    if base_uri is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": base_uri}}
    if provenance is not None:
        run["versionControlProvenance"] = [provenance]
    if coverage is not None:
        if coverage.limited:
            notes = [
                {"descriptor": {"id": limit.kind}, "level": "warning", "message": {"text": limit.message + _next_text(coverage)}}
                for limit in coverage.limits
            ]
            run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": notes}]
        run["properties"] = {"coverage": coverage.to_json()}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _next_text(coverage: Coverage) -> str:
    return f" (next: `{coverage.next}`)" if coverage.next else ""


def _sarif_rule(rule: Any) -> dict[str, Any]:
    sections = rule.sections()
    why = sections.get("Why is this bad?", "")
    fix = sections.get("How to fix it", "")
    text = "\n\n".join(part for part in (sections.get("What it does", ""), why, fix) if part)
    markdown = "\n\n".join(
        f"## {title}\n\n{body}" for title, body in sections.items() if title in ("What it does", "Why is this bad?", "How to fix it")
    )
    entry = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": (sections.get("What it does") or rule.summary())},
        "help": {"text": text or rule.summary(), "markdown": markdown or rule.summary()},
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/rules/{rule.code}.md",
        "defaultConfiguration": {"level": _SARIF_LEVEL.get(rule.severity.value, "warning")},
        "properties": {"tags": ["event-driven", "architecture"]},
    }
    if not rule.code.startswith("EDA"):
        del entry["helpUri"]  # a team's or a plugin's rule has no page in eventlint's docs
    return entry


def github_report(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    lines = []
    for d in diagnostics:
        command = {"error": "error", "warning": "warning"}.get(d.severity, "notice")
        props = f"file={_gh_property(d.path)},line={d.line},col={d.column}"
        if d.end_line:
            props += f",endLine={d.end_line}"
        if d.end_column and (d.end_line in (None, d.line)):
            # GitHub's checks API takes columns only on a one-line region; on several lines it wants none
            props += f",endColumn={d.end_column}"
        elif d.end_line and d.end_line != d.line:
            props = props.replace(f",col={d.column}", "")
        props += f",title={_gh_property(d.code)}"
        message = d.message + (f"\n{d.hint}" if d.hint else "")
        lines.append(f"::{command} {props}::{_gh_data(message)}")
    return "".join(line + "\n" for line in lines)


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def junit_report(diagnostics: Sequence[Diagnostic], names: dict[str, str]) -> str:
    """JUnit XML: a test suite per file with findings, a test case per finding."""
    # imported here: xml.sax.saxutils pulls in urllib, http.client and ssl, a tenth of every run's imports
    from xml.sax.saxutils import escape, quoteattr

    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in diagnostics:
        by_path[d.path].append(d)
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    out.append(f'<testsuites name="eventlint" tests="{max(len(diagnostics), 1)}" failures="{len(diagnostics)}">')
    if not diagnostics:
        out.append('  <testsuite name="eventlint" tests="1" failures="0">')
        out.append('    <testcase name="eventlint" classname="eventlint"/>')
        out.append("  </testsuite>")
    for path in sorted(by_path):
        found = by_path[path]
        out.append(f"  <testsuite name={quoteattr(path)} tests=\"{len(found)}\" failures=\"{len(found)}\">")
        for d in found:
            name = quoteattr(f"{d.code} {names.get(d.code, '')} {d.line}:{d.column}".replace("  ", " "))
            out.append(f"    <testcase name={name} classname={quoteattr(path)}>")
            body = escape(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}" + (f"\nhint: {d.hint}" if d.hint else ""))
            out.append(f"      <failure message={quoteattr(d.message)} type={quoteattr(d.code)}>{body}</failure>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
