"""SARIF 2.1.0: findings as results that CI and code-scanning UIs ingest.

One result per finding; the rule's metadata (title, why, remediation as help text, first
reference as helpUri) in the driver's rules; locations are bundle paths relative to a
`BUNDLE` base with the line as region, the first evidence item as the result's location
and the others as related locations. Checks that raised are tool execution notifications.
Validated by the tests against the OASIS schema vendored under schemas/external/.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from analyzer.model import CheckResult, Evidence, Finding, Result
from analyzer.report import common

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
BASE_ID = "BUNDLE"

# SARIF has three result levels; critical findings are errors with the severity kept in
# the properties (and in the rule's defaultConfiguration rank).
LEVELS = {"critical": "error", "error": "error", "warning": "warning", "info": "note"}
RANKS = {"critical": 100.0, "error": 75.0, "warning": 50.0, "info": 10.0}


def _uri(path: str) -> str:
    """A bundle path as a relative URI reference (':' quoted so it never reads as a scheme)."""
    return quote(path, safe="/!")


def _help(f: Finding) -> dict[str, str]:
    """The rule's help: why it matters, the ordered remediation, the references."""
    text: list[str] = []
    md: list[str] = []
    if f.why:
        text += [f.why, ""]
        md += [f.why, ""]
    if f.remediation:
        text.append("Remediation:")
        md.append("**Remediation**")
        md.append("")
        for i, step in enumerate(f.remediation, 1):
            text.append(f"{i}. {step}")
            md.append(f"{i}. {step}")
        text.append("")
        md.append("")
    if f.references:
        text.append("References:")
        md.append("**References**")
        md.append("")
        for r in f.references:
            text.append(f"- {r.title}: {r.url}")
            md.append(f"- [{r.title}]({r.url})")
    return {
        "text": "\n".join(text).strip() or f.title,
        "markdown": "\n".join(md).strip() or f.title,
    }


def _descriptor(rule_id: str, check: CheckResult | None, finding: Finding | None) -> dict[str, Any]:
    """The reportingDescriptor of one rule: title, level, help, help URI."""
    title = (finding.title if finding else "") or (check.title if check else "") or rule_id
    severity = finding.severity.label if finding else (check.severity if check else "") or "warning"
    category = (finding.category if finding else "") or (check.category if check else "")
    d: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": common.printable(title)},
        "defaultConfiguration": {
            "level": LEVELS.get(severity, "warning"),
            "rank": RANKS.get(severity, 50.0),
        },
        "properties": {
            "severity": severity,
            "category": category,
            "tags": [t for t in (category, severity) if t],
        },
    }
    if finding is not None:
        if finding.why:
            d["fullDescription"] = {"text": common.printable(finding.why)}
        d["help"] = {k: common.printable(v) for k, v in _help(finding).items()}
        if finding.references:
            d["helpUri"] = finding.references[0].url
    return d


def _location(e: Evidence, ident: int | None = None) -> dict[str, Any]:
    """One evidence item as a SARIF location (path, line, key, excerpt)."""
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(e.path), "uriBaseId": BASE_ID}}
    if e.line:
        region: dict[str, Any] = {"startLine": e.line}
        if e.excerpt:
            region["snippet"] = {"text": common.printable(e.excerpt)}
        physical["region"] = region
    loc: dict[str, Any] = {"physicalLocation": physical}
    if ident is not None:
        loc["id"] = ident
    if e.key:
        loc["logicalLocations"] = [{"fullyQualifiedName": e.key, "kind": "member"}]
    if e.excerpt:
        loc["message"] = {"text": common.printable(e.excerpt)}
    return loc


def _result(f: Finding, index: int) -> dict[str, Any]:
    """One finding as a SARIF result."""
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": LEVELS[f.severity.label],
        "message": {"text": common.printable(f.message)},
        "properties": {"severity": f.severity.label, "category": f.category, "title": f.title},
    }
    if f.evidence:
        out["locations"] = [_location(f.evidence[0])]
        if len(f.evidence) > 1:
            out["relatedLocations"] = [_location(e, i) for i, e in enumerate(f.evidence[1:], 1)]
    else:
        # a finding about the bundle as a whole (e.g. an artifact it lacks): code-scanning tools
        # want a location on every result, so point at the bundle's root
        out["locations"] = [
            {
                "physicalLocation": {"artifactLocation": {"uri": ".", "uriBaseId": BASE_ID}},
                "message": {"text": "the bundle as a whole"},
            }
        ]
    if f.explains:
        out["properties"]["explains"] = list(f.explains)
    if f.explained_by:
        out["properties"]["explainedBy"] = f.explained_by
    if f.evidence_total is not None:
        out["properties"]["evidenceTotal"] = f.evidence_total
    return out


def to_sarif(result: Result) -> dict[str, Any]:
    """The SARIF log as a dict."""
    checks = {c.rule_id: c for c in result.checks}
    first: dict[str, Finding] = {}
    for f in result.findings:
        first.setdefault(f.rule_id, f)
    ids = sorted(set(checks) | set(first))
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    rules = [_descriptor(r, checks.get(r), first.get(r)) for r in ids]
    notifications = [
        {
            "level": "error",
            "message": {"text": common.printable(f"{c.rule_id} failed to run: {c.reason}")},
            "descriptor": {"id": c.rule_id},
        }
        for c in common.failed_checks(result)
    ]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": common.TOOL_NAME,
                "version": result.analyzer_version,
                "semanticVersion": result.analyzer_version,
                "rules": rules,
                "properties": {
                    "rulesVersion": result.rules_version,
                    "scanEngine": result.scan_engine,
                },
            }
        },
        "originalUriBaseIds": {
            BASE_ID: {
                "description": {"text": f"The root of the analyzed bundle {result.bundle_path}"}
            }
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule_id]) for f in result.findings],
        "properties": {
            "bundle": result.bundle_path,
            "environment": result.environment.to_json(),
            "summary": result.summary(),
            "checks": common.check_counts(result),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(result: Result, opts: dict[str, object]) -> str:
    """The SARIF log as JSON text."""
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"
