"""The terminal report: environment, root causes first, then findings by severity.

One layout, two outputs: plain text when the report is piped or written to a file (what the
golden files pin, no escape codes, long lines never wrapped so they stay greppable), and
rich on a terminal (wrapped to its width with hanging indents, colour unless NO_COLOR).
Text from the bundle is never read as rich markup: it goes into `Text` objects as is, after
control characters are made visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analyzer.model import CheckResult, Finding, Result
from analyzer.report.common import (
    CHECK_STATUS_LABELS,
    artifact_kinds,
    checks_by_status,
    environment_rows,
    failed_checks,
    other_findings,
    plural,
    printable,
    root_causes,
    summary_line,
    where,
)

_TRAILING = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)

SEVERITY_STYLES = {
    "critical": "bold white on red",
    "error": "bold red",
    "warning": "bold yellow",
    "info": "bold cyan",
}
STATUS_STYLES = {
    "fired": "bold",
    "error": "bold red",
    "not_evaluable": "yellow",
    "not_applicable": "dim",
    "passed": "green",
}


@dataclass(slots=True)
class Line:
    """One line of the report: indentation and styled pieces of text."""

    indent: int = 0
    spans: list[tuple[str, str]] = field(default_factory=list)
    heading: bool = False
    hang: bool = False  # on a terminal, wrapped text aligns after the first span (a label)
    nowrap: bool = False  # a URL: one line even past the width, so the terminal can open it

    @property
    def text(self) -> str:
        """The line's text without styles."""
        return "".join(t for t, _ in self.spans)


class _Doc:
    """Collects lines; bundle text is made printable as it comes in."""

    def __init__(self) -> None:
        """An empty report."""
        self.lines: list[Line] = []

    def add(
        self, indent: int, *spans: tuple[str, str] | str, hang: bool = False, nowrap: bool = False
    ) -> None:
        """One line of styled pieces (plain strings are unstyled)."""
        parts = [(s, "") if isinstance(s, str) else s for s in spans]
        safe = [(printable(t), st) for t, st in parts]
        self.lines.append(Line(indent, safe, hang=hang, nowrap=nowrap))

    def block(self, indent: int, text: str, style: str = "") -> None:
        """Several lines of text (a message, an excerpt) at one indentation."""
        for piece in text.splitlines() or [""]:
            self.add(indent, (piece, style))

    def heading(self, title: str) -> None:
        """A section heading between blank lines."""
        self.blank()
        self.lines.append(Line(0, [(title, "bold")], heading=True))
        self.blank()

    def blank(self) -> None:
        """One blank line, never two in a row."""
        if self.lines and self.lines[-1].spans:
            self.lines.append(Line())


def _finding(doc: _Doc, f: Finding, titles: dict[str, str]) -> None:
    """One finding: heading, relations, message, evidence, steps, references."""
    sev = f.severity.label
    doc.add(
        0,
        (f"[{sev.upper()}]", SEVERITY_STYLES[sev]),
        " ",
        (f.rule_id, "bold"),
        " ",
        (f.title, "bold"),
    )
    if f.explains:
        named = ", ".join(f"{r} ({titles[r]})" if r in titles else r for r in f.explains)
        doc.add(2, ("Root cause of: ", "magenta"), named)
    if f.explained_by:
        doc.add(2, ("Explained by: ", "magenta"), f"{f.explained_by} (root cause above)")
    doc.block(2, f.message)
    if f.why:
        doc.add(2, ("Why it matters: ", "italic"), (f.why, "italic"), hang=True)
    if f.evidence:
        doc.add(2, ("Evidence:", "bold"))
        for e in f.evidence:
            doc.add(4, (where(e), "cyan"))
            if e.excerpt:
                doc.block(6, e.excerpt, "dim")
        if f.evidence_total and f.evidence_total > len(f.evidence):
            more = f.evidence_total - len(f.evidence)
            doc.add(4, (f"… {more} more ({f.evidence_total} in all)", "dim"))
    if f.remediation:
        doc.add(2, ("Remediation:", "bold"))
        for i, step in enumerate(f.remediation, 1):
            lines = step.splitlines() or [""]
            doc.add(4, (f"{i}. ", "bold"), lines[0], hang=True)
            for extra in lines[1:]:
                doc.add(7, extra)
    if f.references:
        doc.add(2, ("References:", "bold"))
        for r in f.references:
            doc.add(4, "- ", r.title, hang=True)
            doc.add(6, (r.url, "underline blue"), nowrap=True)
    doc.blank()


def _check(doc: _Doc, c: CheckResult) -> None:
    """One check: id, status, title, reason and collect commands."""
    label = CHECK_STATUS_LABELS.get(c.status, c.status)
    doc.add(
        2,
        (f"{c.rule_id:<8}", "bold"),
        (f"{label:<15}", STATUS_STYLES.get(c.status, "")),
        c.title or "",
    )
    if c.reason:
        doc.add(25, (c.reason, "dim"))
    for cmd in c.collect:
        doc.add(25, ("collect: ", "yellow"), cmd)


def build(result: Result, verbose: bool = False) -> list[Line]:
    """The report as lines (shared by the plain and the rich output)."""
    doc = _Doc()
    doc.add(0, ("Quay support bundle report", "bold underline"))
    rows = environment_rows(result)
    rows.append(
        ("Artifacts", f"{plural(len(result.artifacts), 'member')}: {artifact_kinds(result)}")
    )
    if verbose:
        rows.append(("Analyzer", f"{result.analyzer_version}; rules {result.rules_version}"))
        rows.append(("Scan engine", result.scan_engine))
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        doc.add(2, (f"{label:<{width}}", "bold"), value, hang=True)

    titles = {f.rule_id: f.title for f in result.findings}
    roots = root_causes(result.findings)
    rest = other_findings(result.findings)
    if not result.findings:
        doc.heading("FINDINGS")
        doc.add(0, ("No findings.", "green"))
    if roots:
        doc.heading(f"ROOT CAUSES ({len(roots)})")
        for f in roots:
            _finding(doc, f, titles)
    if rest:
        doc.heading(f"FINDINGS ({len(rest)})" if not roots else f"OTHER FINDINGS ({len(rest)})")
        for f in rest:
            _finding(doc, f, titles)

    failed = failed_checks(result)
    if failed and not verbose:
        doc.heading(f"CHECKS THAT FAILED TO RUN ({len(failed)})")
        for c in failed:
            _check(doc, c)
    if verbose:
        shown = checks_by_status(result, ("error", "not_evaluable", "not_applicable", "passed"))
        doc.heading(f"CHECKS ({len(result.checks)} in all; fired ones are above)")
        if not shown:
            doc.add(2, "Every check fired.")
        for c in shown:
            _check(doc, c)
        unrec = [a for a in result.artifacts if a.kind == "unrecognized"]
        if unrec:
            doc.heading(f"NOT RECOGNIZED ({len(unrec)})")
            for a in unrec:
                doc.add(2, (a.path, "cyan"), ": ", (a.reason, "dim"))
    doc.blank()
    doc.add(0, (summary_line(result), "bold"))
    return doc.lines


def plain(lines: list[Line]) -> str:
    """The lines as plain text: no escape codes, no wrapping."""
    out = []
    for line in lines:
        text = line.text
        out.append(" " * line.indent + text if text else "")
    return "\n".join(out) + "\n"


def rich_text(lines: list[Line], color: bool, width: int | None = None) -> str:
    """The lines through rich: wrapped to the terminal with hanging indents, styled."""
    import io

    from rich.console import Console
    from rich.padding import Padding
    from rich.rule import Rule
    from rich.table import Table

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=True,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )
    for line in lines:
        if line.heading:
            console.print(Rule(_styled(line.spans), align="left", style="dim"))
            continue
        spans = line.spans
        if line.nowrap:
            lead = [(" " * line.indent, "")] if line.indent else []
            console.print(_styled(lead + spans, True), crop=False, soft_wrap=True)
            continue
        if line.hang and len(spans) > 1:
            # the label in its own column, so that wrapped text lines up after it
            grid = Table.grid(padding=0)
            grid.add_column(no_wrap=True)
            grid.add_column(overflow="fold")
            grid.add_row(_styled(spans[:1]), _styled(spans[1:]))
            body: Any = grid
        else:
            body = _styled(spans)
        console.print(Padding(body, (0, 0, 0, line.indent), expand=False) if line.indent else body)
    # rich pads wrapped lines to the full width; trailing blanks only get in the way of copying
    return _TRAILING.sub(r"\1", buf.getvalue())


def _styled(spans: list[tuple[str, str]], nowrap: bool = False) -> Any:
    """Pieces of text with their styles as one rich Text (never parsed as markup)."""
    from rich.text import Text

    text = Text(overflow="ignore", no_wrap=True) if nowrap else Text(overflow="fold")
    for piece, style in spans:
        text.append(piece, style=style or None)
    return text


def render(result: Result, opts: dict[str, object]) -> str:
    """The text report; opts: quiet, verbose, tty (rich layout), color, width."""
    if opts.get("quiet"):
        return summary_line(result) + "\n"
    lines = build(result, verbose=bool(opts.get("verbose")))
    if opts.get("tty"):
        width = opts.get("width")
        return rich_text(lines, bool(opts.get("color")), width if isinstance(width, int) else None)
    return plain(lines)
