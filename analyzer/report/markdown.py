"""The Markdown report, made to be pasted into a support case as it is.

Text from the bundle and from rule templates is escaped for Markdown: outside code spans
every character with a Markdown meaning is backslash-escaped (a redaction token such as
`<secret:db-password:1>` would otherwise vanish as an HTML tag), code spans written by rule
authors are kept, and fences are always longer than any backtick run they hold.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from analyzer.model import Result
from analyzer.report import common

TEMPLATES = Path(__file__).with_name("templates")

# Escaping is as light as safety allows, so that the raw text still reads well in a case
# that does not render Markdown: characters that start markup anywhere (emphasis, code,
# links, HTML tags, strikethrough) are always escaped, the rest only where they have a
# meaning (`_` at a word edge, `&` before an entity, list/heading/quote markers at a line
# start). `<` matters most: a redaction token `<secret:db-password:1>` or a placeholder
# `<quay_pod>` would otherwise vanish as an HTML tag.
_ALWAYS = re.compile(r"([\\`*\[\]<~])")
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
# Block markers only count at the start of a line and, but for `>`, before a blank: `#`
# headings, `-`/`+`/`*` bullets, `1.`/`1)` ordered items; a line of only `-`, `=`, `_` or
# `*` is a rule or a setext underline.
_LINE_START = re.compile(
    r"^([ \t]*)(?:(#{1,6}(?=[ \t]|$)|>|[-+*](?=[ \t]|$))|(\d{1,9})([.)])(?=[ \t]|$)|([-=_*])(?=[-=_* \t]*$))",
    re.MULTILINE,
)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_BACKTICKS = re.compile(r"`+")


def _line_start(m: re.Match[str]) -> str:
    """The block marker at a line's start, escaped."""
    lead, marker, digits, dot, rule = m.groups()
    if digits:
        return f"{lead}{digits}\\{dot}"
    return f"{lead}\\{marker or rule}"


def escape(text: str) -> str:
    """Plain text with every character that would start Markdown markup escaped."""
    text = _ALWAYS.sub(r"\\\1", common.printable(text))
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY.sub(r"\\&", text)
    return _LINE_START.sub(_line_start, text)


def inline(text: str) -> str:
    """Authored text for a paragraph: code spans kept as written, the rest escaped."""
    text = common.printable(text)
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(escape(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def cell(text: str) -> str:
    """Text for a table cell: escaped, on one line, pipes escaped too."""
    return escape(" ".join(text.split())).replace("|", "\\|")


def code(text: str) -> str:
    """Text as one inline code span, whatever backticks it holds."""
    text = " ".join(common.printable(text).split())
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(text: str, info: str = "text") -> str:
    """Text as a fenced code block whose fence no line of it can close."""
    text = common.printable(text)
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text.rstrip()}\n{ticks}"


def indent(text: str, spaces: int) -> str:
    """Continuation lines indented (for a list item's second line)."""
    pad = " " * spaces
    return text.replace("\n", "\n" + pad)


def environment(result: Result) -> list[tuple[str, str]]:
    """Header rows plus the artifact kinds."""
    rows = common.environment_rows(result)
    rows.append(
        (
            "Artifacts",
            f"{common.plural(len(result.artifacts), 'member')}: {common.artifact_kinds(result)}",
        )
    )
    return rows


def _script(steps: list[common.CollectStep]) -> str:
    """Collect commands as a shell snippet, each under a comment naming what it collects."""
    lines: list[str] = []
    for step in steps:
        if step.what:
            lines.append(f"# {step.what}")
        lines.append(step.command)
    return "\n".join(lines)


def context(result: Result, opts: dict[str, object]) -> dict[str, Any]:
    """What the template shows, chosen and ordered by report.common."""
    roots = common.root_causes(result.findings)
    rest = [f for f in common.other_findings(result.findings) if f.category != "bundle"]
    bundle = [f for f in common.bundle_findings(result) if not f.explains]
    titles = {f.rule_id: f.title for f in result.findings}
    return {
        "result": result,
        "env": environment(result),
        "summary": result.summary(),
        "summary_line": common.summary_line(result),
        "check_counts": common.check_counts(result),
        "status_labels": common.CHECK_STATUS_LABELS,
        "table": common.ordered(result.findings),
        "roots": roots,
        "rest": rest,
        "bundle": bundle,
        "missing": [
            {"checks": g.checks, "reason": g.reason, "script": _script(g.steps)}
            for g in common.missing_groups(result)
        ],
        "failed": common.failed_checks(result),
        "checks": common.checks_by_status(
            result, ("error", "not_evaluable", "not_applicable", "passed")
        ),
        "verbose": bool(opts.get("verbose")),
        "titles": titles,
        "where": common.where,
    }


def render(result: Result, opts: dict[str, object]) -> str:
    """The Markdown report (only the summary line with quiet)."""
    if opts.get("quiet"):
        return escape(common.summary_line(result)) + "\n"
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,  # Markdown: every value goes through one of the filters below
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        {
            "esc": escape,
            "inline": inline,
            "cell": cell,
            "code": code,
            "fence": fence,
            "indent_md": indent,
        }
    )
    text = env.get_template("report.md.j2").render(**context(result, opts))
    # the template's blocks leave runs of blank lines; Markdown needs one
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
