"""The HTML report's timeline: error records per minute by component, as an SVG bar chart.

The log scan counts timed error records (ERROR, CRITICAL, FATAL, PANIC) per minute and
component into `Result.timeline`; pandas aggregates them here into buckets (one minute when
the logs are short, wider when they span hours or days, so the chart keeps a readable
number of bars), stacks the components, and finds the incident window to shade: the
--since/--until window when one was given, otherwise the busiest stretch of the logs.
Only geometry and labels leave this module; the template draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from analyzer.model import Result
from analyzer.report.common import parse_iso

WIDTH, HEIGHT = 960, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 30
MAX_BARS = 180
MAX_BAR_W = 40.0
BUCKETS_MIN = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
MAX_SERIES = 7  # components drawn on their own; the rest are stacked as "other"
# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C6D1F")
OTHER_COLOR = "#999999"
# The busiest stretch: buckets at a quarter of the peak or more, gaps of two buckets bridged
BURST_SHARE = 0.25
BURST_GAP = 2


@dataclass(slots=True)
class Bar:
    """One stacked bar segment: a component's errors in one bucket."""

    x: float
    y: float
    w: float
    h: float
    color: str
    title: str


@dataclass(slots=True)
class Tick:
    """An axis label at a position."""

    pos: float
    label: str


@dataclass(slots=True)
class Chart:
    """Everything the template needs to draw the chart, in SVG user units."""

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_w: float = WIDTH - LEFT - RIGHT
    plot_h: float = HEIGHT - TOP - BOTTOM
    bucket_minutes: int = 1
    bars: list[Bar] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    legend: list[tuple[str, str, int]] = field(default_factory=list)  # name, colour, errors
    total: int = 0
    peak: int = 0
    start: str = ""
    end: str = ""
    window: tuple[float, float] | None = None  # x, width
    window_label: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def unit(self) -> str:
        """What one bar counts: 'minute' or 'N minutes'."""
        if self.bucket_minutes == 1:
            return "minute"
        if self.bucket_minutes % 1440 == 0:
            days = self.bucket_minutes // 1440
            return "day" if days == 1 else f"{days} days"
        if self.bucket_minutes % 60 == 0:
            hours = self.bucket_minutes // 60
            return "hour" if hours == 1 else f"{hours} hours"
        return f"{self.bucket_minutes} minutes"


def _nice_ceiling(n: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above n (the top of the y axis)."""
    if n <= 1:
        return 1
    exp = 10 ** int(math.floor(math.log10(n)))
    for step in (1, 2, 5, 10):
        if step * exp >= n:
            return step * exp
    return 10 * exp


def _burst(totals: list[int]) -> tuple[int, int]:
    """First and last bucket of the busiest stretch around the peak."""
    peak_i = max(range(len(totals)), key=lambda i: (totals[i], -i))
    threshold = max(1.0, totals[peak_i] * BURST_SHARE)
    lo = hi = peak_i
    for step in (1, -1):
        misses = 0
        j = peak_i + step
        while 0 <= j < len(totals):
            if totals[j] >= threshold:
                if step == 1:
                    hi = j
                else:
                    lo = j
                misses = 0
            else:
                misses += 1
                if misses > BURST_GAP:
                    break
            j += step
    return lo, hi


def build(result: Result) -> Chart | None:
    """The chart for this result, or None when the logs hold no timed error record."""
    rows = [r for r in result.timeline if r.get("errors")]
    if not rows:
        return None
    import pandas as pd

    df = pd.DataFrame.from_records(rows, columns=["minute", "component", "errors"])
    df["minute"] = pd.to_datetime(df["minute"], utc=True, format="ISO8601")
    first, last = df["minute"].min(), df["minute"].max()
    span = int((last - first).total_seconds() // 60) + 1
    bucket = next((b for b in BUCKETS_MIN if math.ceil(span / b) <= MAX_BARS), BUCKETS_MIN[-1])
    freq = f"{bucket}min"
    df["bucket"] = df["minute"].dt.floor(freq)

    per_component = df.groupby("component")["errors"].sum()
    ranked = sorted(per_component.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
    named = (
        [str(c) for c, _ in ranked[:MAX_SERIES]]
        if len(ranked) > MAX_SERIES + 1
        else [str(c) for c, _ in ranked]
    )
    df["series"] = df["component"].where(df["component"].isin(named), "other")
    series = named + (["other"] if len(named) < len(ranked) else [])
    table = df.pivot_table(
        index="bucket", columns="series", values="errors", aggfunc="sum", fill_value=0
    )
    index = pd.date_range(first.floor(freq), last.floor(freq), freq=freq)
    table = table.reindex(index=index, columns=series, fill_value=0)

    chart = Chart(bucket_minutes=bucket)
    colors = {name: PALETTE[i] for i, name in enumerate(named)} | {"other": OTHER_COLOR}
    chart.legend = [(name, colors[name], int(table[name].sum())) for name in series]
    totals = [int(v) for v in table.sum(axis=1).tolist()]
    chart.total = sum(totals)
    chart.peak = max(totals)
    top = _nice_ceiling(chart.peak)
    n = len(index)
    slot = chart.plot_w / n
    gap = 1.0 if slot > 4 else 0.0
    width = min(max(slot - gap, 0.5), MAX_BAR_W)  # a few wide bars would look like blocks
    multi_day = first.date() != last.date()
    fmt = "%m-%d %H:%M" if multi_day else "%H:%M"
    for i, t in enumerate(index):
        y = chart.top + chart.plot_h
        label = t.strftime("%Y-%m-%d %H:%M")
        for name in series:
            v = int(table.iat[i, series.index(name)])
            if not v:
                continue
            h = chart.plot_h * v / top
            y -= h
            chart.bars.append(
                Bar(
                    x=round(chart.left + i * slot + (slot - width) / 2, 2),
                    y=round(y, 2),
                    w=round(width, 2),
                    h=round(h, 2),
                    color=colors[name],
                    title=f"{label} UTC, {name}: {v} error{'s' if v != 1 else ''}",
                )
            )
    step = max(1, math.ceil(n / 8))
    chart.x_ticks = [
        Tick(round(chart.left + i * slot + slot / 2, 2), index[i].strftime(fmt))
        for i in range(0, n, step)
    ]
    marks = sorted({0, top} | ({top // 2} if top % 2 == 0 else set()))
    chart.y_ticks = [
        Tick(round(chart.top + chart.plot_h * (1 - v / top), 2), str(v)) for v in marks
    ]
    chart.start = first.strftime("%Y-%m-%d %H:%M")
    chart.end = (last + pd.Timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    _window(chart, result, index, totals, bucket)
    dropped = result.stats.get("timeline_dropped")
    if dropped:
        chart.notes.append(
            f"{dropped} error records in all were not charted: the logs have more "
            "minute-and-component pairs than the chart keeps."
        )
    return chart


def _window(chart: Chart, result: Result, index: Any, totals: list[int], bucket: int) -> None:
    """Shade the --since/--until window, or else the busiest stretch of errors."""
    import pandas as pd

    since, until = parse_iso(result.window.get("since")), parse_iso(result.window.get("until"))
    start, stop = index[0], index[-1] + pd.Timedelta(minutes=bucket)
    if since or until:
        lo = max(pd.Timestamp(since) if since else start, start)
        hi = min(pd.Timestamp(until) if until else stop, stop)
        if hi <= lo:
            chart.notes.append("The --since/--until window lies outside the charted errors.")
            return
        kind = "Analysis window (--since/--until)"
    else:
        first, last = _burst(totals)
        lo, hi = index[first], index[last] + pd.Timedelta(minutes=bucket)
        kind = "Incident window (busiest stretch of errors)"
    span_min = (stop - start).total_seconds() / 60
    x0 = chart.left + chart.plot_w * ((lo - start).total_seconds() / 60) / span_min
    x1 = chart.left + chart.plot_w * ((hi - start).total_seconds() / 60) / span_min
    chart.window = (round(x0, 2), round(max(x1 - x0, 1.0), 2))
    end_fmt = "%H:%M" if lo.date() == hi.date() else "%Y-%m-%d %H:%M"
    chart.window_label = f"{kind}: {lo.strftime('%Y-%m-%d %H:%M')} to {hi.strftime(end_fmt)} UTC"
