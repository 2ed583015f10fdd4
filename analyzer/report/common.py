"""What every human-readable format says the same way: order, summary, header, missing artifacts.

The renderers differ only in markup; the choices of what to show and in which order live
here so that the terminal, Markdown and HTML reports never disagree. Nothing here imports
rich, jinja2 or pandas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from analyzer.model import CheckResult, Evidence, Finding, Result, Severity

TOOL_NAME = "quay-bundle-analyzer"

SEVERITIES: tuple[str, ...] = tuple(s.label for s in sorted(Severity, reverse=True))

# Order and wording of check statuses wherever checks are listed.
CHECK_STATUS_LABELS: dict[str, str] = {
    "fired": "fired",
    "error": "failed to run",
    "not_evaluable": "not evaluable",
    "not_applicable": "not applicable",
    "passed": "passed",
}

# C0/C1 control characters (a log line may carry terminal escapes) and the bidirectional
# overrides that make text read differently from what it is ("Trojan Source").
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text from the bundle with control and bidi-override characters shown as escapes."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_escape_char, text)


def _escape_char(m: re.Match[str]) -> str:
    """One unsafe character as a visible escape."""
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _is_root(f: Finding) -> bool:
    """A root cause explains other findings and is not explained by another one."""
    return bool(f.explains) and f.explained_by is None


def ordered(findings: list[Finding]) -> list[Finding]:
    """Root causes (findings that explain others, themselves unexplained) first, then the rest
    by severity."""
    roots = [f for f in findings if _is_root(f)]
    rest = [f for f in findings if not _is_root(f)]

    def key(f: Finding) -> tuple[int, str]:
        """Worst first, then by rule id."""
        return (-f.severity, f.rule_id)

    return sorted(roots, key=key) + sorted(rest, key=key)


def root_causes(findings: list[Finding]) -> list[Finding]:
    """The findings that explain others and are not explained themselves, worst first."""
    return [f for f in ordered(findings) if _is_root(f)]


def other_findings(findings: list[Finding]) -> list[Finding]:
    """Every finding that is not a root cause, worst first."""
    return [f for f in ordered(findings) if not _is_root(f)]


def check_counts(result: Result) -> dict[str, int]:
    """Number of checks per status, in the report's order of statuses, zeros left out."""
    counts = dict.fromkeys(CHECK_STATUS_LABELS, 0)
    for c in result.checks:
        counts[c.status] = counts.get(c.status, 0) + 1
    return {k: n for k, n in counts.items() if n}


def plural(n: int, word: str) -> str:
    """'1 finding', '2 findings'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(result: Result) -> str:
    """One line: findings by severity and checks by status (what --quiet prints)."""
    s = result.summary()
    total = sum(s.values())
    parts = [f"{n} {sev}" for sev, n in s.items() if n]
    head = plural(total, "finding") + (f" ({', '.join(parts)})" if parts else "")
    checks = ", ".join(
        f"{n} {CHECK_STATUS_LABELS.get(k, k)}" for k, n in check_counts(result).items()
    )
    return f"{head}; checks: {checks or 'none'}"


def where(e: Evidence) -> str:
    """Where evidence is: `path:line`, `path (key)` or `path`."""
    if e.line:
        return f"{e.path}:{e.line}"
    if e.key:
        return f"{e.path} ({e.key})"
    return e.path


def _duration(seconds: float) -> str:
    """A span of time in the largest two units that matter (2 h 5 min, 41 s)."""
    s = int(round(seconds))
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (s, "s")]
    shown = [f"{n} {u}" for n, u in parts if n][:2]
    return " ".join(shown) or "0 s"


def parse_iso(text: str | None) -> datetime | None:
    """An ISO 8601 time from the report, or None."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def log_span(result: Result) -> str:
    """The time the logs cover, with its length, or why there is none."""
    env = result.environment
    if not env.log_span_start:
        return "no timestamped log records"
    text = f"{env.log_span_start} .. {env.log_span_end or '?'}"
    start, end = parse_iso(env.log_span_start), parse_iso(env.log_span_end)
    if start and end and end >= start:
        text += f" ({_duration((end - start).total_seconds())})"
    return text


def environment_rows(result: Result) -> list[tuple[str, str]]:
    """The environment header as (label, value) rows, the same in every human format."""
    env = result.environment
    rows = [
        ("Bundle", result.bundle_path),
        ("Deployment", env.deployment),
        ("Quay", env.quay_version or "unknown"),
        ("PostgreSQL", env.postgres_version or "unknown"),
        ("Clair", env.clair_version or "unknown"),
        ("Logs cover", log_span(result)),
        ("Time zone", env.timezone_assumption),
    ]
    if result.window.get("since") or result.window.get("until"):
        rows.append(
            (
                "Window",
                f"{result.window.get('since') or 'start'} .. {result.window.get('until') or 'end'}"
                " (--since/--until)",
            )
        )
    if env.collected_at:
        rows.append(("Collected", env.collected_at))
    return rows


def artifact_kinds(result: Result) -> str:
    """The kinds found in the bundle, with counts: 'pg_log, quay_log ×2'."""
    kinds: dict[str, int] = {}
    for a in result.artifacts:
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    return ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in sorted(kinds.items())) or "none"


_COLLECT = re.compile(r"^(?P<what>.+?) \((?P<runtime>[\w-]+)\): (?P<cmd>.+)$", re.DOTALL)


@dataclass(slots=True)
class CollectStep:
    """One command that collects a missing artifact."""

    what: str  # 'Clair config.yaml (podman)'
    command: str


@dataclass(slots=True)
class MissingGroup:
    """Checks that could not run for the same reason, and the commands that would let them."""

    reason: str
    checks: list[CheckResult] = field(default_factory=list)
    steps: list[CollectStep] = field(default_factory=list)


def collect_step(text: str) -> CollectStep:
    """Split a check's collect entry ('Title (podman): command') into what and command."""
    m = _COLLECT.match(text)
    if m is None:
        return CollectStep(what="", command=text)
    return CollectStep(what=f"{m['what']} ({m['runtime']})", command=m["cmd"])


def missing_groups(result: Result) -> list[MissingGroup]:
    """Not-evaluable checks grouped by what they lack (same reason and commands)."""
    groups: dict[tuple[str, tuple[str, ...]], MissingGroup] = {}
    for c in sorted(result.checks, key=lambda c: c.rule_id):
        if c.status != "not_evaluable":
            continue
        key = (c.reason, tuple(c.collect))
        g = groups.get(key)
        if g is None:
            g = groups[key] = MissingGroup(
                reason=c.reason, steps=[collect_step(x) for x in c.collect]
            )
        g.checks.append(c)
    return list(groups.values())


def bundle_findings(result: Result) -> list[Finding]:
    """Findings about the bundle itself (what it lacks or could not read), worst first."""
    return [f for f in ordered(result.findings) if f.category == "bundle"]


def checks_by_status(result: Result, statuses: tuple[str, ...]) -> list[CheckResult]:
    """Checks of these statuses, in status order then by rule id."""
    order = {s: i for i, s in enumerate(CHECK_STATUS_LABELS)}
    picked = [c for c in result.checks if c.status in statuses]
    return sorted(picked, key=lambda c: (order.get(c.status, 99), c.rule_id))


def failed_checks(result: Result) -> list[CheckResult]:
    """Checks that raised at run time: always shown, every other rule still ran."""
    return checks_by_status(result, ("error",))


def human_size(n: int | None) -> str:
    """Bytes as a short human size (1.5 KiB); empty when unknown."""
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
