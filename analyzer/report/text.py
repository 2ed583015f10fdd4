"""Plain-text report for a terminal: environment, root causes first, then by severity."""

from __future__ import annotations

from analyzer.model import Finding, Result


def ordered(findings: list[Finding]) -> list[Finding]:
    """Root causes (findings that explain others) first, then the rest by severity."""
    roots = [f for f in findings if f.explains]
    rest = [f for f in findings if not f.explains]
    key = lambda f: (-f.severity, f.rule_id)  # noqa: E731
    return sorted(roots, key=key) + sorted(rest, key=key)


def summary_line(result: Result) -> str:
    s = result.summary()
    total = sum(s.values())
    parts = [f"{n} {sev}" for sev, n in s.items() if n]
    checks = {}
    for c in result.checks:
        checks[c.status] = checks.get(c.status, 0) + 1
    counted = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(checks.items()))
    head = f"{total} finding{'s' if total != 1 else ''}" + (
        f" ({', '.join(parts)})" if parts else ""
    )
    return f"{head}; checks: {counted or 'none'}"


def header_lines(result: Result) -> list[str]:
    env = result.environment
    span = (
        "no timestamps" if not env.log_span_start else f"{env.log_span_start} .. {env.log_span_end}"
    )
    lines = [
        f"Bundle:      {result.bundle_path}",
        f"Deployment:  {env.deployment}",
        f"Versions:    Quay {env.quay_version or 'unknown'}, PostgreSQL {env.postgres_version or 'unknown'}, "
        f"Clair {env.clair_version or 'unknown'}",
        f"Logs cover:  {span}",
        f"Times:       {env.timezone_assumption}",
    ]
    if result.window.get("since") or result.window.get("until"):
        lines.append(
            f"Window:      {result.window.get('since') or '…'} .. {result.window.get('until') or '…'}"
        )
    return lines


def render(result: Result, opts: dict[str, object]) -> str:
    quiet = bool(opts.get("quiet"))
    verbose = bool(opts.get("verbose"))
    out: list[str] = []
    if quiet:
        return summary_line(result) + "\n"
    out.extend(header_lines(result))
    kinds: dict[str, int] = {}
    for a in result.artifacts:
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    out.append(
        "Artifacts:   " + ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in sorted(kinds.items()))
    )
    out.append("")
    if not result.findings:
        out.append("No findings.")
    for f in ordered(result.findings):
        tag = f.severity.label.upper()
        out.append(f"[{tag}] {f.rule_id} {f.title}")
        if f.explains:
            out.append(f"  Root cause of: {', '.join(f.explains)}")
        if f.explained_by:
            out.append(f"  Explained by: {f.explained_by}")
        for line in f.message.splitlines():
            out.append(f"  {line}")
        if f.evidence:
            out.append("  Evidence:")
            for e in f.evidence:
                where = (
                    e.path
                    + (f":{e.line}" if e.line else "")
                    + (f" ({e.key})" if e.key and not e.line else "")
                )
                out.append(f"    {where}")
                if e.excerpt:
                    out.append(f"      {e.excerpt}")
            if f.evidence_total and f.evidence_total > len(f.evidence):
                out.append(f"    … {f.evidence_total - len(f.evidence)} more")
        if f.remediation:
            out.append("  Remediation:")
            for i, step in enumerate(f.remediation, 1):
                out.append(f"    {i}. {step}")
        if f.references:
            out.append("  References:")
            for r in f.references:
                out.append(f"    - {r.title}: {r.url}")
        out.append("")
    if verbose:
        out.append("Checks:")
        for c in sorted(result.checks, key=lambda c: (c.status, c.rule_id)):
            out.append(f"  {c.rule_id:8} {c.status:15} {c.reason}")
            for cmd in c.collect:
                out.append(f"  {'':8} {'':15}   collect: {cmd}")
        out.append("")
        unrec = [a for a in result.artifacts if a.kind == "unrecognized"]
        if unrec:
            out.append("Not recognized:")
            for a in unrec:
                out.append(f"  {a.path}: {a.reason}")
            out.append("")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"
