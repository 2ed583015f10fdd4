"""Documentation generated from the rules: docs/rules.md and `analyze rules explain`."""

from __future__ import annotations

from pathlib import Path

from analyzer.engine.rules import Rule, RuleSet


def _reads(rule: Rule) -> str:
    kinds = sorted(rule.kinds())
    facts = sorted({leaf.fact for leaf in rule.condition.leaves() if leaf.fact})
    parts = [f"`{k}`" for k in kinds] + [f"fact `{f}`" for f in facts]
    return ", ".join(parts) or "-"


def rules_markdown(rs: RuleSet) -> str:
    rules = sorted(rs.rules, key=lambda r: (r.category, r.id))
    out = [
        "# Rules",
        "",
        "Generated from `rules/` by `analyze rules list --format markdown`; do not edit by hand.",
        "",
        f"{len(rules)} rules. `analyze rules explain ID` shows one in full.",
        "",
    ]
    by_cat: dict[str, list[Rule]] = {}
    for r in rules:
        by_cat.setdefault(r.category, []).append(r)
    for cat, items in by_cat.items():
        out += [
            f"## {cat}",
            "",
            "| id | severity | title | reads | guide |",
            "|---|---|---|---|---|",
        ]
        for r in items:
            ref = r.references[0] if r.references else None
            link = f"[{ref.title.split(': ', 1)[-1]}]({ref.url})" if ref else ""
            title = r.title.replace("|", "\\|")
            out.append(f"| {r.id} | {r.severity.label} | {title} | {_reads(r)} | {link} |")
        out.append("")
    return "\n".join(out)


def _first_example(rs: RuleSet, rule: Rule) -> tuple[str, dict[str, str], list[str]] | None:
    from analyzer.rulecases import CaseFileError, load_case_file

    for d in rs.cases_dirs:
        f = Path(d) / f"{rule.id}.yaml"
        if not f.is_file():
            continue
        try:
            data = load_case_file(f)
        except CaseFileError:
            return None
        for name, case in data.items():
            if str(name).startswith("fires_"):
                return str(name), dict(case.get("given") or {}), list(case.get("expect") or [])
    return None


def explain_text(rs: RuleSet, rule: Rule) -> str:
    lines = [
        f"{rule.id}  {rule.title}",
        "",
        f"severity: {rule.severity.label}    category: {rule.category}    reads: {_reads(rule).replace('`', '')}",
    ]
    if rule.quay_versions or rule.deployments:
        bits = []
        if rule.quay_versions:
            bits.append(f"Quay {rule.quay_versions}")
        if rule.deployments:
            bits.append("deployments: " + ", ".join(rule.deployments))
        lines.append("applies to: " + "; ".join(bits))
    if rule.explains:
        lines.append("root cause of: " + ", ".join(rule.explains))
    if rule.why:
        lines += ["", "Why it matters:", f"  {rule.why}"]
    lines += ["", "Remediation:"]
    lines += [f"  {i}. {s}" for i, s in enumerate(rule.remediation, 1)]
    lines += ["", "References:"]
    lines += [f"  - {r.title}: {r.url}" for r in rule.references]
    ex = _first_example(rs, rule)
    if ex:
        name, given, expect = ex
        lines += ["", f"Example ({name}):"]
        for key, text in given.items():
            lines.append(f"  {key}:")
            lines += [f"    {t}" for t in text.rstrip().splitlines()[:12]]
        lines.append("  gives:")
        lines += [f"    {m}" for m in expect]
    lines += ["", f"Defined in {rule.file}"]
    return "\n".join(lines) + "\n"
