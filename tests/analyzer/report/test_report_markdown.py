"""The Markdown report: golden file, escaping, the missing-artifacts section."""

from __future__ import annotations

import re

import pytest
from report_golden import check_golden

from analyzer.model import Result
from analyzer.report.markdown import code, escape, fence, inline, render


def test_markdown_matches_golden(result: Result) -> None:
    check_golden("report.md", render(result, {}))


def test_markdown_verbose_matches_golden(result: Result) -> None:
    check_golden("report-verbose.md", render(result, {"verbose": True}))


def test_summary_table_and_sections_in_order(result: Result) -> None:
    out = render(result, {})
    order = [
        "# Quay support bundle report",
        "## Summary",
        "## Root causes",
        "## Other findings",
        "## Missing artifacts",
    ]
    positions = [out.index(h) for h in order]
    assert positions == sorted(positions)
    assert "| Critical | 1 |" in out and "| Warning | 2 |" in out
    assert (
        "| critical | TST001 | PostgreSQL refused connections because all slots were in use (root cause of TST002) |"
        in out
    )


def test_evidence_in_code_blocks_and_remediation_numbered(result: Result) -> None:
    out = render(result, {})
    assert (
        "`postgres/postgres-quay/logs/postgresql-Thu.log:38`\n\n```text\n2026-11-26 00:04:45.911 UTC [6846] FATAL:"
        in out
    )
    # an excerpt holding backticks gets a longer fence
    assert (
        "````text\ngunicorn-registry stdout |" not in out
    )  # single backticks need no longer fence
    assert (
        "```text\ngunicorn-registry stdout | 2026-11-26 00:03:10,526 [32026] [INFO] [data.logs_model] Using logs model `<data."
        in out
    )
    assert (
        "1. Count the connections Quay opens (workers × replicas) against `max_connections`.\n2. Raise"
        in out
    )


def test_missing_artifacts_lists_commands(result: Result) -> None:
    out = render(result, {})
    section = out[out.index("## Missing artifacts") :]
    assert "### PostgreSQL postgresql.conf missing from the bundle (BND007, info)" in section
    assert (
        "podman exec -it \\<database_container> cat /var/lib/pgsql/data/userdata/postgresql.conf"
        in section
    )
    assert (
        "**Missing:** no clair_config in the bundle. Collect it with:\n\n```sh\n# Clair config.yaml (podman)\npodman exec -it <clair_container> cat /clair/config.yaml > clair-config.yaml\n# Clair config.yaml (oc)\n"
        in section
    )
    assert "- **TST005** Clair indexer connection string missing" in section
    # bundle findings are listed here, not again among the findings
    assert len(re.findall(r"^### \d+\. ", out, re.MULTILINE)) == 5
    assert not re.search(r"^### \d+\. .*BND007", out, re.MULTILINE)


def test_nothing_missing_says_so(result: Result) -> None:
    result.findings = [f for f in result.findings if f.category != "bundle"]
    result.checks = [c for c in result.checks if c.status != "not_evaluable"]
    assert "Nothing is missing: every check could read what it needs." in render(result, {})


def test_redaction_tokens_and_log_markup_survive_rendering(result: Result) -> None:
    out = render(result, {})
    # the token is inside a code block: kept verbatim
    assert "DB_URI: postgresql://quay:<secret:db-password:1>@127.0.0.1:5432/quay" in out
    # in a paragraph, < is escaped so it is not taken for an HTML tag
    assert (
        "uses the logs model \\<data.logs_model.table_logs_model.TableLogsModel object at 0x7f48a4db43e0>."
        in out
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<secret:db-password:1>", "\\<secret:db-password:1>"),
        ("*not emphasis*", "\\*not emphasis\\*"),
        ("[link](https://x)", "\\[link\\](https://x)"),
        ("pod_name stays, _edge_ escaped", "pod_name stays, \\_edge\\_ escaped"),
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("12. not a list", "12\\. not a list"),
        ("AT&T &amp; more", "AT&T \\&amp; more"),
        ("tab\there \x1b[31m", "tab\there \\\\x1b\\[31m"),
        ("15.20 and 0.1.0", "15.20 and 0.1.0"),
        ("---", "\\---"),
        ("a-b -c", "a-b -c"),
    ],
    ids=[
        "tag",
        "emphasis",
        "link",
        "underscore",
        "heading",
        "bullet",
        "ordered",
        "entity",
        "control",
        "version",
        "rule",
        "dash",
    ],
)
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


def test_inline_keeps_authored_code_spans() -> None:
    assert (
        inline("run `oc delete pod <quay_pod>` then <check>")
        == "run `oc delete pod <quay_pod>` then \\<check>"
    )


def test_code_and_fence_outgrow_backticks_inside() -> None:
    assert code("a `b` c") == "``a `b` c``"
    assert code("`x") == "`` `x ``"
    block = fence("x ``` y")
    assert block.startswith("````text\n") and block.endswith("\n````")


def test_quiet_is_the_summary_line(result: Result) -> None:
    out = render(result, {"quiet": True})
    assert out.count("\n") == 1 and out.startswith("6 findings")


def test_no_table_cell_breaks_the_table(result: Result) -> None:
    result.findings[1].title = "pipes | in | a title"
    out = render(result, {})
    row = next(ln for ln in out.splitlines() if ln.startswith("| error |"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 5
