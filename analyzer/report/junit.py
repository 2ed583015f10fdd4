"""JUnit XML: one testcase per check, so CI shows the bundle's health as a test run.

A check that fired is a failing testcase (one <failure> whatever the number of findings,
each finding in its text); a check that raised is an <error>; one that could not be
evaluated or does not apply is <skipped> with the reason; a passed check is a plain
testcase. Test suites are the rule categories. Built with xml.etree, so text is escaped;
characters XML 1.0 cannot carry at all are made visible first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from analyzer.model import CheckResult, Finding, Result
from analyzer.report import common

# Beyond the control characters printable() already shows as escapes, XML 1.0 has no
# place for the two non-characters at the end of the BMP or for lone surrogates.
_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")


def _x(text: object) -> str:
    """Text fit for an XML attribute or element."""
    return _NOT_XML.sub("\ufffd", common.printable(str(text)))


def _finding_text(f: Finding) -> str:
    """One finding as plain text for a failure's body."""
    lines = [f"[{f.severity.label.upper()}] {f.rule_id} {f.title}", f.message]
    if f.explained_by:
        lines.append(f"Explained by: {f.explained_by}")
    if f.explains:
        lines.append(f"Root cause of: {', '.join(f.explains)}")
    if f.evidence:
        lines.append("Evidence:")
        for e in f.evidence:
            lines.append(f"  {common.where(e)}")
            if e.excerpt:
                lines.append(f"    {e.excerpt}")
        if f.evidence_total and f.evidence_total > len(f.evidence):
            lines.append(f"  ... {f.evidence_total - len(f.evidence)} more")
    if f.remediation:
        lines.append("Remediation:")
        lines.extend(f"  {i}. {s}" for i, s in enumerate(f.remediation, 1))
    if f.references:
        lines.append("References:")
        lines.extend(f"  - {r.title}: {r.url}" for r in f.references)
    return "\n".join(lines)


def _testcase(parent: ET.Element, check: CheckResult, findings: list[Finding]) -> str:
    """Add one testcase; returns its outcome (passed, failure, error, skipped)."""
    category = check.category or (findings[0].category if findings else "other")
    title = check.title or (findings[0].title if findings else "")
    case = ET.SubElement(
        parent,
        "testcase",
        {
            "classname": _x(f"quay.{category}"),
            "name": _x(f"{check.rule_id} {title}".strip()),
            "time": "0",
        },
    )
    if check.status == "fired" or findings:
        worst = max(f.severity for f in findings).label if findings else check.severity or "error"
        if not findings:
            head = check.reason
        elif len(findings) == 1:
            head = findings[0].message
        else:
            head = f"{len(findings)} findings: {findings[0].message}"
        failure = ET.SubElement(case, "failure", {"message": _x(head), "type": _x(worst)})
        failure.text = _x("\n\n".join(_finding_text(f) for f in findings) or check.reason)
        return "failure"
    if check.status == "error":
        error = ET.SubElement(case, "error", {"message": _x(check.reason), "type": "rule-error"})
        error.text = _x(f"The rule raised while it ran: {check.reason}")
        return "error"
    if check.status in ("not_evaluable", "not_applicable"):
        label = common.CHECK_STATUS_LABELS[check.status]
        skipped = ET.SubElement(case, "skipped", {"message": _x(f"{label}: {check.reason}")})
        if check.collect:
            skipped.text = _x("Collect with:\n" + "\n".join(check.collect))
        return "skipped"
    return "passed"


def to_xml(result: Result) -> ET.Element:
    """The <testsuites> element."""
    by_rule: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    checks = {c.rule_id: c for c in result.checks}
    for rule_id, fs in by_rule.items():
        # a finding always has its check; keep it even if a caller built the result by hand
        checks.setdefault(
            rule_id, CheckResult(rule_id, "fired", title=fs[0].title, category=fs[0].category)
        )
    suites: dict[str, list[CheckResult]] = {}
    for c in sorted(checks.values(), key=lambda c: c.rule_id):
        category = c.category or (
            by_rule[c.rule_id][0].category if c.rule_id in by_rule else "other"
        )
        suites.setdefault(category, []).append(c)

    root = ET.Element("testsuites", {"name": common.TOOL_NAME, "time": "0"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    env = result.environment
    props = {
        "bundle": result.bundle_path,
        "analyzer_version": result.analyzer_version,
        "rules_version": result.rules_version,
        "deployment": env.deployment,
        "quay_version": env.quay_version or "unknown",
        "postgres_version": env.postgres_version or "unknown",
        "clair_version": env.clair_version or "unknown",
        "log_span": f"{env.log_span_start or '?'} .. {env.log_span_end or '?'}",
        "timezone_assumption": env.timezone_assumption,
    }
    for category in sorted(suites):
        suite = ET.SubElement(root, "testsuite", {"name": _x(f"{common.TOOL_NAME}.{category}")})
        properties = ET.SubElement(suite, "properties")
        for name, value in props.items():
            ET.SubElement(properties, "property", {"name": name, "value": _x(value)})
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for c in suites[category]:
            outcome = _testcase(suite, c, by_rule.get(c.rule_id, []))
            counts["tests"] += 1
            if outcome == "failure":
                counts["failures"] += 1
            elif outcome == "error":
                counts["errors"] += 1
            elif outcome == "skipped":
                counts["skipped"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", "0")
    for k, v in totals.items():
        root.set(k, str(v))
    return root


def render(result: Result, opts: dict[str, object]) -> str:
    """The JUnit XML document."""
    root = to_xml(result)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
