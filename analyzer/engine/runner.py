"""Run every rule against the context and turn outcomes into findings and per-rule checks."""

from __future__ import annotations

import re
from typing import Any

from analyzer.engine.conditions import Context, Match, Outcome, evaluate
from analyzer.engine.rules import Rule, RuleSet
from analyzer.model import CheckResult, Finding


def _version_tuple(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    m = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return None
    return tuple(int(x) for x in m.groups() if x is not None)


def applicability(rule: Rule, facts: dict[str, Any]) -> str | None:
    """Why the rule does not apply to this deployment, or None when it applies (or may)."""
    quay = facts.get("quay") or {}
    if rule.quay_versions is not None:
        version = _version_tuple(quay.get("version"))
        if version is not None and not rule.quay_versions.admits(version):
            return (
                f"applies to Quay {rule.quay_versions}; this bundle is Quay {quay.get('version')}"
            )
    if rule.deployments:
        dep = quay.get("deployment")
        if dep in ("standalone", "operator") and dep not in rule.deployments:
            return f"applies to {', '.join(rule.deployments)} deployments; this one is {dep}"
    return None


def _collect_commands(ruleset: RuleSet, kinds: list[str]) -> list[str]:
    out: list[str] = []
    for k in dict.fromkeys(kinds):
        info = ruleset.artifacts.get(k)
        if info is not None:
            out.extend(f"{info.title} ({rt}): {cmd}" for rt, cmd in info.commands.items())
    return out


def _render_finding(rule: Rule, match: Match, ctx: Context) -> Finding:
    values: dict[str, Any] = {
        "facts": ctx.facts,
        "artifact": match.values.get("path", ""),
        "count": match.total,
        "env": ctx.facts.get("quay") or {},
    }
    values.update(match.values)
    message = rule.render(rule.message, values)
    steps = [rule.render(s, values) for s in rule.remediation]
    evidence = match.evidence[: rule.max_evidence]
    total = len(match.evidence) if len(match.evidence) > rule.max_evidence else None
    if match.total > len(evidence):
        total = match.total
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        severity=rule.severity,
        category=rule.category,
        message=message,
        evidence=list(evidence),
        remediation=steps,
        references=list(rule.references),
        why=rule.why,
        evidence_total=total,
    )


def _passed_reason(rule: Rule, ctx: Context) -> str:
    parts = []
    for kind in sorted(rule.kinds()):
        n = len([e for e in ctx.entries_of(kind) if e.status in ("parsed", "truncated")])
        if n:
            parts.append(f"{n} {kind}")
    if rule.fact:
        parts.append(f"fact {rule.fact}")
    return "checked " + ", ".join(parts) if parts else "condition not met"


def run_rules(ruleset: RuleSet, ctx: Context) -> tuple[list[Finding], list[CheckResult]]:
    findings: list[Finding] = []
    checks: list[CheckResult] = []
    for rule in ruleset.rules:
        base = {"title": rule.title, "severity": rule.severity.label, "category": rule.category}
        na = applicability(rule, ctx.facts)
        if na:
            checks.append(CheckResult(rule.id, "not_applicable", na, **base))
            continue
        try:
            out: Outcome = evaluate(rule.condition, ctx, rule, ruleset.artifacts)
            if out.state == "unknown":
                checks.append(
                    CheckResult(
                        rule.id,
                        "not_evaluable",
                        out.reason,
                        collect=_collect_commands(ruleset, out.missing),
                        **base,
                    )
                )
                continue
            if out.state == "false":
                checks.append(CheckResult(rule.id, "passed", _passed_reason(rule, ctx), **base))
                continue
            rendered = [_render_finding(rule, m, ctx) for m in out.matches]
        except Exception as exc:  # a rule bug must not stop the others
            # a name missing in a message template is Jinja's UndefinedError (loaded lazily)
            what = "message template" if type(exc).__name__ == "UndefinedError" else type(exc).__name__
            checks.append(CheckResult(rule.id, "error", f"{what}: {exc}", **base))
            continue
        findings.extend(rendered)
        n = len(rendered)
        checks.append(CheckResult(rule.id, "fired", f"{n} finding{'s' if n != 1 else ''}", **base))
    link_root_causes(ruleset, findings)
    findings.sort(key=lambda f: (-f.severity, f.rule_id))
    return findings, checks


def link_root_causes(ruleset: RuleSet, findings: list[Finding]) -> None:
    """Fill explains/explained_by between findings of rules that declare `explains`.

    A finding explained by several fired rules names the most severe of them, preferring one
    that is not itself explained (the deepest cause), then the lowest rule id.
    """
    fired: dict[str, list[Finding]] = {}
    for f in findings:
        fired.setdefault(f.rule_id, []).append(f)
    by_id = ruleset.by_id()
    explainers: dict[str, list[str]] = {}
    for rule in ruleset.rules:
        if not rule.explains or rule.id not in fired:
            continue
        explained = [e for e in rule.explains if e in fired and e != rule.id]
        if not explained:
            continue
        for f in fired[rule.id]:
            f.explains = list(explained)
        for e in explained:
            explainers.setdefault(e, []).append(rule.id)
    for e, candidates in explainers.items():
        def rank(rid: str) -> tuple[int, int, str]:
            explained_itself = 1 if rid in explainers else 0
            return (-by_id[rid].severity, explained_itself, rid)

        best = min(candidates, key=rank)
        for f in fired[e]:
            f.explained_by = best
