"""The HTML report: one self-contained file that opens offline (CSS, JS and SVG inline).

Every value reaches the page through jinja2's autoescaping; the only markup built here
is the code-span rendering of authored text, which escapes each piece before wrapping it.
A Content-Security-Policy in the page forbids loading anything from anywhere, so even a
mistake could not make it fetch from the network. Filters and search work without a
server; `?filter=critical,error`, `?q=text` and `?expand=1` in the URL set them on load
(for links and for the browser test).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from analyzer.model import Finding, Result
from analyzer.report import common

TEMPLATES = Path(__file__).with_name("templates")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def code_spans(text: str) -> Any:
    """Authored text as HTML: `code` spans become <code>, everything is escaped."""
    from markupsafe import Markup, escape

    text = common.printable(text)
    out = Markup("")
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out += escape(text[pos : m.start()])
        out += Markup("<code>") + escape(m.group(2).strip()) + Markup("</code>")
        pos = m.end()
    return out + escape(text[pos:])


def safe_url(url: str) -> str:
    """Only web links become hrefs; anything else (javascript:, data:) is neutralised."""
    return url if url.startswith(("https://", "http://")) else "#"


def _search_text(f: Finding) -> str:
    """Everything the search box matches for one finding, lower-cased."""
    parts = [f.rule_id, f.title, f.severity.label, f.category, f.message]
    for e in f.evidence:
        parts.extend([e.path, e.key or "", e.excerpt])
    parts.extend(f.remediation)
    return " ".join(parts).lower()


def context(result: Result, opts: dict[str, object]) -> dict[str, Any]:
    """What the template shows: findings in report order with anchors, and the rest."""
    from analyzer.report import timeline

    ordered = common.ordered(result.findings)
    anchors: dict[str, str] = {}
    items = []
    for i, f in enumerate(ordered, 1):
        anchor = f"finding-{i}"
        anchors.setdefault(f.rule_id, anchor)
        items.append({"f": f, "n": i, "anchor": anchor, "search": _search_text(f)})
    roots = [it for it in items if it["f"].explains]
    rest = [it for it in items if not it["f"].explains]
    summary = result.summary()
    chart, chart_error = None, ""
    try:
        chart = timeline.build(result)
    except Exception as exc:  # a chart must never cost the reader the rest of the report
        chart_error = f"The timeline could not be drawn: {type(exc).__name__}: {exc}"
    artifacts = sorted(result.artifacts, key=lambda a: a.path)
    return {
        "result": result,
        "env": common.environment_rows(result),
        "summary": summary,
        "total": sum(summary.values()),
        "summary_line": common.summary_line(result),
        "check_counts": common.check_counts(result),
        "status_labels": common.CHECK_STATUS_LABELS,
        "roots": roots,
        "rest": rest,
        "anchors": anchors,
        "titles": {f.rule_id: f.title for f in result.findings},
        "missing": common.missing_groups(result),
        "bundle": common.bundle_findings(result),
        "checks": common.checks_by_status(
            result, ("error", "not_evaluable", "not_applicable", "passed")
        ),
        "artifacts": artifacts,
        "artifact_kinds": common.artifact_kinds(result),
        "chart": chart,
        "chart_error": chart_error,
        "where": common.where,
        "human_size": common.human_size,
        "severities": common.SEVERITIES,
        "css": (TEMPLATES / "report.css").read_text(encoding="utf-8"),
        "js": (TEMPLATES / "report.js").read_text(encoding="utf-8"),
    }


def _visible(value: Any) -> Any:
    """Every plain string shown on the page gets its control characters made visible."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return common.printable(value)
    return value


def render(result: Result, opts: dict[str, object]) -> str:
    """The whole report as one HTML document."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        finalize=_visible,
    )
    env.filters.update({"code_spans": code_spans, "safe_url": safe_url})
    ctx = context(result, opts)
    # our own stylesheet and script, never bundle text: inlined as they are
    ctx["css"] = Markup(ctx["css"])
    ctx["js"] = Markup(ctx["js"])
    return env.get_template("report.html.j2").render(**ctx)
