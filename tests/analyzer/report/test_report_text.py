"""The terminal report: plain golden files, rich on a terminal, colour rules, safety."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from report_fixtures import ROOT
from report_golden import check_golden

from analyzer.cli import render_options
from analyzer.model import Evidence, Result
from analyzer.report import RENDERERS
from analyzer.report.text import render

ANSI = re.compile(r"\x1b\[[0-9;]*m")
PLAIN = {"tty": False, "color": False}


@pytest.mark.parametrize(
    ("name", "opts"),
    [
        ("report.txt", {}),
        ("report-verbose.txt", {"verbose": True}),
        ("report-quiet.txt", {"quiet": True}),
    ],
    ids=["default", "verbose", "quiet"],
)
def test_plain_text_matches_golden(result: Result, name: str, opts: dict[str, object]) -> None:
    check_golden(name, render(result, PLAIN | opts))


def test_root_causes_come_first_then_by_severity(result: Result) -> None:
    out = render(result, PLAIN)
    heads = re.findall(r"^\[(\w+)\] (\w+)", out, re.MULTILINE)
    assert heads[0] == ("CRITICAL", "TST001")
    assert out.index("ROOT CAUSES") < out.index("[CRITICAL] TST001") < out.index("OTHER FINDINGS")
    severities = [h[0] for h in heads[1:]]
    order = ["CRITICAL", "ERROR", "WARNING", "INFO"]
    assert severities == sorted(severities, key=order.index)


def test_each_finding_has_evidence_numbered_steps_and_references(result: Result) -> None:
    out = render(result, PLAIN)
    block = out[out.index("[ERROR] TST002") : out.index("[WARNING]")]
    assert "quay/quay-app/logs/current.log:33" in block
    assert "… 4 more (6 in all)" in block
    assert "    1. Look at the traceback" in block
    assert "    2. Restart the Quay container" in block
    assert "https://docs.redhat.com/" in block
    assert "Explained by: TST001" in block
    assert "quay/quay-app/config.yaml:20" in out


def test_plain_output_has_no_escape_codes(result: Result) -> None:
    assert not ANSI.search(render(result, PLAIN | {"verbose": True}))


def test_verbose_lists_passed_not_evaluable_and_collect_commands(result: Result) -> None:
    out = render(result, PLAIN | {"verbose": True})
    assert re.search(r"BND001\s+passed", out)
    assert re.search(r"TST005\s+not evaluable", out)
    assert "collect: Clair config.yaml (podman): podman exec -it <clair_container>" in out
    assert "NOT RECOGNIZED" in out and "notes/push-client.txt" in out


def test_failed_checks_are_shown_without_verbose(result: Result) -> None:
    out = render(result, PLAIN)
    assert "CHECKS THAT FAILED TO RUN" in out and "message template: 'port' is undefined" in out
    assert not re.search(r"BND001\s+passed", out)


def test_quiet_is_only_the_summary_line(result: Result) -> None:
    out = render(result, PLAIN | {"quiet": True})
    assert out.count("\n") == 1
    assert out.startswith(
        "6 findings (1 critical, 1 error, 2 warning, 2 info); checks: 6 fired, 1 failed to run"
    )


def test_rich_on_a_terminal_uses_colour(result: Result) -> None:
    out = render(result, {"tty": True, "color": True, "width": 100})
    assert ANSI.search(out)
    text = ANSI.sub("", out)
    assert "[CRITICAL] TST001" in text and "ROOT CAUSES (1)" in text
    # wrapped to the width, except URLs which stay whole so the terminal can open them
    long = [ln for ln in text.splitlines() if len(ln) > 100]
    assert long and all("https://" in ln for ln in long)


def test_no_color_on_a_terminal_keeps_layout_without_colour(result: Result) -> None:
    out = render(result, {"tty": True, "color": False, "width": 100})
    colours = re.findall(r"\x1b\[([0-9;]*)m", out)
    assert not [c for c in colours if re.search(r"(^|;)(3\d|4\d|9\d)", c)], "no colour codes"
    assert "ROOT CAUSES (1)" in ANSI.sub("", out)


@pytest.mark.parametrize(
    ("env", "isatty", "output", "expected"),
    [
        ({}, True, None, (True, True)),
        ({"NO_COLOR": "1"}, True, None, (True, False)),
        ({"NO_COLOR": ""}, True, None, (True, True)),  # no-color.org: empty means unset
        ({"TERM": "dumb"}, True, None, (True, False)),
        ({}, False, None, (False, False)),
        ({}, True, "report.txt", (False, False)),
    ],
    ids=["tty", "no-color", "empty-no-color", "dumb-terminal", "piped", "to-file"],
)
def test_render_options_follow_tty_and_no_color(
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    isatty: bool,
    output: str | None,
    expected: tuple[bool, bool],
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: isatty)
    opts = render_options(False, False, output)
    assert (opts["tty"], opts["color"]) == expected


@pytest.mark.parametrize("tty", [False, True], ids=["plain", "rich"])
def test_bundle_text_is_never_read_as_markup_or_terminal_codes(result: Result, tty: bool) -> None:
    # a real Quay line with [ERROR] brackets, plus a terminal escape and a bidi override
    # smuggled into it: shown, never interpreted
    f = result.findings[0]
    f.evidence = [
        Evidence(
            "quay/quay-app/logs/current.log",
            33,
            None,
            "[bold]\x1b[2J[ERROR] [health.services]\u202e txt",
        )
    ]
    out = render(result, {"tty": tty, "color": True, "width": 200})
    text = ANSI.sub("", out)
    assert "[bold]\\x1b[2J[ERROR] [health.services]\\u202e txt" in text
    assert "\x1b[2J" not in out and "\u202e" not in out


def test_every_renderer_accepts_the_same_result(result: Result) -> None:
    outputs = {fmt: render_fn(result, {}) for fmt, render_fn in RENDERERS.items()}
    assert set(outputs) == {"text", "json", "markdown", "html", "sarif", "junit"}
    assert all(isinstance(v, str) and v for v in outputs.values())


def test_plain_text_path_does_not_import_rich_or_pandas() -> None:
    code = (
        "import sys\n"
        "sys.path.insert(0, 'tests/analyzer/report')\n"
        "from report_fixtures import make_result\n"
        "from analyzer.report import RENDERERS\n"
        "RENDERERS['text'](make_result(), {})\n"
        "RENDERERS['json'](make_result(), {})\n"
        "print(sorted(m for m in ('rich', 'pandas', 'jinja2') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
