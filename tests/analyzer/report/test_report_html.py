"""The HTML report: self-contained, escaped, with a timeline; checked in a real headless
Chromium (Debian's `chromium`, driven by its own --dump-dom and --screenshot)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_fixtures import ARTIFACTS_DIR

from analyzer.model import Evidence, Reference, Result
from analyzer.report import timeline
from analyzer.report.html import render

# -- the page itself -----------------------------------------------------------------------


def test_page_is_self_contained(result: Result) -> None:
    page = render(result, {})
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert not re.search(r"\ssrc\s*=", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("#", "https://", "http://")) for h in hrefs)
    assert page.count("<script") == 1 and page.count("<style") == 1


def test_bundle_text_is_escaped(result: Result) -> None:
    page = render(result, {})
    assert (
        "&lt;data.logs_model.table_logs_model.TableLogsModel object at 0x7f48a4db43e0&gt;" in page
    )
    assert "<data.logs_model" not in page
    assert "DB_URI: postgresql://quay:&lt;secret:db-password:1&gt;@127.0.0.1:5432/quay" in page


def test_markup_in_evidence_cannot_escape_its_element(result: Result) -> None:
    result.findings[0].evidence.append(
        Evidence(
            "quay/quay-app/logs/current.log", 1, None, '</pre><script>alert("x")</script>\x1b[2J'
        )
    )
    result.findings[0].references.append(Reference("not a web link", "javascript:alert(1)"))
    page = render(result, {})
    assert page.count("<script") == 1
    assert "&lt;/pre&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;\\x1b[2J" in page
    assert "javascript:" not in page


def test_sections_and_root_cause_links(result: Result) -> None:
    page = render(result, {})
    for anchor in ("findings", "timeline", "missing", "checks", "inventory"):
        assert f'id="{anchor}"' in page
    assert page.index("Root causes") < page.index('data-rule="TST002"')
    assert 'Explained by <a href="#finding-1">TST001</a>' in page
    assert "not evaluable" in page and "podman exec -it &lt;clair_container&gt;" in page
    assert (
        "notes/push-client.txt" in page
        and "line 412: line longer than 1048576 bytes was cut" in page
    )


def test_timeline_is_drawn_from_the_result(result: Result) -> None:
    page = render(result, {})
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert len(re.findall(r'<rect class="bar"', svg)) == 4
    assert '<rect class="window"' in svg
    assert 'postgresql <span class="n">26</span>' in page


def test_no_timeline_without_timed_errors(result: Result) -> None:
    result.timeline = []
    page = render(result, {})
    assert "<svg" not in page and "no timed error records" in page


# -- the timeline's aggregation --------------------------------------------------------------


def _minutes(
    counts: dict[int, int], component: str = "gunicorn-web", day: str = "2026-11-26"
) -> list[dict[str, object]]:
    return [
        {"minute": f"{day}T{m // 60:02d}:{m % 60:02d}:00.000Z", "component": component, "errors": n}
        for m, n in sorted(counts.items())
    ]


def test_timeline_buckets_widen_for_long_logs(result: Result) -> None:
    result.timeline = _minutes({0: 1, 600: 1})  # ten hours apart
    chart = timeline.build(result)
    assert chart is not None
    assert chart.bucket_minutes == 5 and chart.unit == "5 minutes"
    assert len(chart.bars) == 2 and chart.total == 2


def test_incident_window_is_the_busiest_stretch(result: Result) -> None:
    background = {m: 1 for m in range(0, 60, 10)}
    burst = {30: 20, 31: 40, 33: 25, 34: 12}  # one quiet minute (32) inside the burst
    result.timeline = _minutes(background | burst)
    chart = timeline.build(result)
    assert chart is not None and chart.window is not None
    assert chart.window_label.endswith("2026-11-26 00:30 to 00:35 UTC")
    assert chart.window_label.startswith("Incident window")


def test_since_until_window_is_marked_instead(result: Result) -> None:
    result.timeline = _minutes({0: 3, 30: 5, 59: 2})
    result.window = {"since": "2026-11-26T00:10:00.000Z", "until": "2026-11-26T00:20:00.000Z"}
    chart = timeline.build(result)
    assert chart is not None and chart.window is not None
    assert chart.window_label == "Analysis window (--since/--until): 2026-11-26 00:10 to 00:20 UTC"
    x, w = chart.window
    assert chart.left < x < chart.left + chart.plot_w / 4 and w > 0


def test_many_components_fold_into_other(result: Result) -> None:
    result.timeline = [row for i in range(10) for row in _minutes({i: i + 1}, f"program-{i}")]
    chart = timeline.build(result)
    assert chart is not None
    names = [name for name, _, _ in chart.legend]
    assert len(names) == 8 and names[-1] == "other" and names[0] == "program-9"
    assert sum(n for _, _, n in chart.legend) == chart.total == 55


def test_dropped_timeline_entries_are_said(result: Result) -> None:
    result.stats["timeline_dropped"] = 7
    chart = timeline.build(result)
    assert chart is not None and "7 error records" in chart.notes[0]


# -- a real browser ------------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
]


def _chromium() -> str:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        found = shutil.which(name) if name else None
        if found:
            return found
    pytest.skip("no Chromium: install Debian's package (apt-get install chromium), as .ci/run does")


def _run_chromium(args: list[str], tmp: Path) -> str:
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp)
    cmd = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL
    )
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return proc.stdout


class _Findings(HTMLParser):
    """The finding cards of a dumped DOM: rule, severity and whether they are hidden."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[tuple[str, str, bool]] = []
        self.body: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag == "article" and "finding" in (a.get("class") or "").split():
            self.cards.append(
                (a.get("data-rule") or "", a.get("data-severity") or "", "hidden" in a)
            )


def _dump(page: Path, query: str, tmp: Path) -> _Findings:
    dom = _run_chromium(["--dump-dom", page.as_uri() + query], tmp)
    parsed = _Findings()
    parsed.feed(dom)
    assert parsed.body.get("data-shown") is not None, "the page's script did not run"
    return parsed


@pytest.fixture(scope="module")
def page(pipeline_result: Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(pipeline_result, {}), encoding="utf-8")
    return path


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(
    ("name", "query"),
    [("report-findings.png", ""), ("report-sections.png", "?filter=none")],
    ids=["findings", "timeline-and-inventory"],
)
def test_screenshot(page: Path, tmp_path: Path, name: str, query: str) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    shot = ARTIFACTS_DIR / name
    shot.unlink(missing_ok=True)
    _run_chromium(
        ["--window-size=1280,2200", f"--screenshot={shot}", page.as_uri() + query], tmp_path
    )
    assert shot.is_file() and shot.stat().st_size > 20_000, "screenshot missing or blank"
    assert _png_size(shot) == (1280, 2200)


def test_findings_visible_in_the_browser(
    page: Path, pipeline_result: Result, tmp_path: Path
) -> None:
    dom = _dump(page, "", tmp_path)
    assert len(dom.cards) == len(pipeline_result.findings)
    assert all(not hidden for _, _, hidden in dom.cards)
    assert dom.body["data-shown"] == str(len(pipeline_result.findings))
    assert dom.cards[0][:2] == ("TST001", "critical"), "the root cause leads"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?filter=critical", {"TST001"}),
        ("?filter=critical,error", {"TST001", "TST002"}),
        ("?q=worker%20health", {"TST002"}),
        ("?filter=info&q=logs%20model", {"TST003"}),
    ],
    ids=["critical-only", "critical-and-error", "search", "filter-and-search"],
)
def test_filters_work_in_the_browser(
    page: Path, tmp_path: Path, query: str, expected: set[str]
) -> None:
    dom = _dump(page, query, tmp_path)
    visible = {rule for rule, _, hidden in dom.cards if not hidden}
    assert visible == expected
    assert dom.body["data-shown"] == str(sum(1 for _, _, hidden in dom.cards if not hidden))
