"""Shared helpers for the log record readers: timestamps, UTC, collector prefixes, bounded text.

Every `Record.time` the readers produce is a timezone-aware datetime in UTC. A timestamp
written without a zone (Quay's Python lines, supervisord, nginx's error log, Redis) is
*read as UTC*: that is what the containers run in by default, and the report states the
assumption in `environment.timezone_assumption`. A timestamp with an offset is converted.

Collectors often add their own timestamp in front of every line: `oc logs --timestamps` and
must-gather (kubelet's RFC 3339 with a fixed 9-digit fraction and `Z`), `podman logs -t` and
`docker logs -t` (RFC 3339 with `Z` or a numeric offset, variable fraction), and the CRI log
files under /var/log/pods (`<RFC 3339> stdout F <line>`). `strip_collector_prefix` takes
that off and returns its time, so every reader sees the program's own line.

`BoundedLines` joins a record's continuation lines (tracebacks, DETAIL/HINT, stack dumps)
under a line and character budget, keeping the head and the tail (where a Python traceback
names its exception) and saying how much was left out.

`record_to_json` gives a record the JSON shape of schemas/artifacts/log_record.schema.json.

Nothing here raises on bad input: unparseable times give None.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from analyzer.artifacts.base import Record

MONTHS: dict[str, int] = {
    name: i
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}

# RFC 3339 / ISO 8601 date-time; the separator may be a T or a space, the fraction may use
# a comma (Python's logging asctime) and have any number of digits (Go writes nine).
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"\s?(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)

# A collector's prefix always carries a zone (Z or an offset) and a T separator, which is
# what tells it apart from a program's own leading timestamp.
_COLLECTOR = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2}) "
)
# CRI log files (what kubelet stores, and what sosreport copies) put the stream and a
# full/partial tag between the time and the line.
_CRI_TAG = re.compile(r"(?:stdout|stderr) [FP] ")

# Common Log Format time as nginx and gunicorn write it: 29/Jul/2024:17:37:01 +0000
_CLF = re.compile(r"(\d{1,2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?: ([+-]\d{4}))?$")


def to_utc(dt: datetime) -> datetime:
    """A datetime in UTC; a naive one is taken to be UTC already."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 text of a time in UTC with a `Z` suffix (None stays None)."""
    if dt is None:
        return None
    return to_utc(dt).isoformat().replace("+00:00", "Z")


def parse_offset(text: str | None) -> timezone | None:
    """`Z`, `UTC`, `GMT`, `+0000`, `-05:00` or `+02` as a fixed zone; None when unreadable."""
    if not text:
        return None
    if text in ("Z", "z", "UTC", "GMT"):
        return UTC
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", text)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 23 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if m.group(1) == "-" else delta)


def make_time(
    year: int | str,
    month: int | str,
    day: int | str,
    hour: int | str,
    minute: int | str,
    second: int | str,
    fraction: str | None = None,
    tz: timezone | None = None,
) -> datetime | None:
    """A UTC datetime from its parts (fraction as written, cut to microseconds); None if invalid."""
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        sec = int(second)
        # a leap second (23:59:60) is kept as the last representable instant of that minute
        if sec == 60:
            sec, micro = 59, 999_999
        dt = datetime(int(year), int(month), int(day), int(hour), int(minute), sec, micro)
    except (ValueError, OverflowError):
        return None
    if tz is not None:
        try:
            return dt.replace(tzinfo=tz).astimezone(UTC)
        except OverflowError:
            return None
    return dt.replace(tzinfo=UTC)


def parse_iso(text: str | None) -> datetime | None:
    """An ISO 8601 / RFC 3339 date-time (zone optional, read as UTC when absent) in UTC."""
    if not text or not isinstance(text, str):
        return None
    m = _ISO.fullmatch(text.strip())
    if not m:
        return None
    zone = m.group(8)
    tz = parse_offset(zone) if zone else None
    if zone and tz is None:
        return None
    return make_time(*m.group(1, 2, 3, 4, 5, 6), fraction=m.group(7), tz=tz)


def parse_epoch(value: float | int | str | None) -> datetime | None:
    """Seconds since the epoch (as a number or numeric text) in UTC; None if out of range."""
    try:
        return datetime.fromtimestamp(float(value), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_clf(text: str) -> datetime | None:
    """A Common Log Format time (`29/Jul/2024:17:37:01 +0000`) in UTC."""
    m = _CLF.match(text)
    if not m:
        return None
    month = MONTHS.get(m.group(2).lower())
    if month is None:
        return None
    tz = parse_offset(m.group(7)) if m.group(7) else None
    return make_time(m.group(3), month, m.group(1), *m.group(4, 5, 6), tz=tz)


def strip_collector_prefix(line: str) -> tuple[datetime | None, str]:
    """Split a collector's RFC 3339 timestamp (and a CRI stream tag) off a line: (time, rest).

    Lines without such a prefix come back unchanged with time None.
    """
    # cheap shape test before the regex: 2026-11-26T...
    if len(line) < 21 or line[10] != "T" or line[4] != "-" or not line[0].isdigit():
        return None, line
    m = _COLLECTOR.match(line)
    if not m:
        return None, line
    tz = parse_offset(m.group(8))
    when = make_time(*m.group(1, 2, 3, 4, 5, 6), fraction=m.group(7), tz=tz)
    if when is None:
        return None, line
    rest = line[m.end() :]
    tag = _CRI_TAG.match(rest)
    if tag:
        rest = rest[tag.end() :]
    return when, rest


# A BSD-syslog (RFC 3164) header as a relay or a file written by rsyslog shows it:
# `[<PRI>]Mmm dd hh:mm:ss host program[pid]: message`. The header has no year, so its
# time is kept as text only. The bare `program[pid]: message` form is accepted as well.
_SYSLOG = re.compile(
    r"(?:<(\d{1,3})>)?"
    r"(?:([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (\S+) )?"
    r"([A-Za-z0-9_.:/-]+)\[(\d{1,10})\]: ?"
)


# syslog severities 0..7 as the readers' level names
SYSLOG_LEVELS: tuple[str, ...] = (
    "CRITICAL",  # emergency
    "CRITICAL",  # alert
    "CRITICAL",  # critical
    "ERROR",
    "WARNING",
    "INFO",  # notice
    "INFO",
    "DEBUG",
)


@dataclass(frozen=True, slots=True)
class SyslogHeader:
    """What a syslog header says about the line behind it."""

    program: str
    pid: int
    host: str | None
    time_raw: str | None  # `Nov 26 00:10:21`: no year, so never turned into a datetime
    severity: int | None  # 0 (emergency) .. 7 (debug), from <PRI> when present


def split_syslog(line: str) -> tuple[SyslogHeader | None, str]:
    """Split a syslog header off a line: (header, message); (None, line) when there is none."""
    m = _SYSLOG.match(line)
    if not m:
        return None, line
    pri = m.group(1)
    severity = int(pri) % 8 if pri is not None and int(pri) < 192 else None
    header = SyslogHeader(
        program=m.group(4),
        pid=int(m.group(5)),
        host=m.group(3),
        time_raw=m.group(2),
        severity=severity,
    )
    return header, line[m.end() :]


def clip(text: str, limit: int) -> str:
    """Text cut to `limit` characters, saying so when it was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}[… {len(text) - limit} characters cut]"


class BoundedLines:
    """Continuation lines of one record under a budget: the head, the tail, and a count of the rest.

    At most `max_lines` lines and about `max_chars` characters are kept. Once the head's
    share is full, later lines go to a tail window that keeps only the newest ones, so the
    last line (a traceback's exception, a crash's final words) is never lost.
    """

    __slots__ = (
        "_head",
        "_tail",
        "_head_chars",
        "_tail_chars",
        "omitted",
        "count",
        "_head_lines",
        "_tail_lines",
        "_head_budget",
        "_tail_budget",
        "_line_cap",
    )

    def __init__(self, max_lines: int = 200, max_chars: int = 64 * 1024) -> None:
        self._tail_lines = max(1, max_lines // 4)
        self._head_lines = max(1, max_lines - self._tail_lines)
        self._tail_budget = max(64, max_chars // 4)
        self._head_budget = max(64, max_chars - self._tail_budget)
        self._line_cap = self._tail_budget  # one line never takes more than the tail's share
        self._head: list[str] = []
        self._tail: deque[str] = deque()
        self._head_chars = 0
        self._tail_chars = 0
        self.omitted = 0  # lines dropped between head and tail
        self.count = 0  # lines added in all

    def add(self, line: str) -> None:
        """Keep one more continuation line (or count it as omitted when over budget)."""
        self.count += 1
        line = clip(line, self._line_cap)
        if (
            not self._tail
            and not self.omitted
            and len(self._head) < self._head_lines
            and self._head_chars + len(line) <= self._head_budget
        ):
            self._head.append(line)
            self._head_chars += len(line) + 1
            return
        self._tail.append(line)
        self._tail_chars += len(line) + 1
        while self._tail and (
            len(self._tail) > self._tail_lines or self._tail_chars > self._tail_budget
        ):
            dropped = self._tail.popleft()
            self._tail_chars -= len(dropped) + 1
            self.omitted += 1

    def __bool__(self) -> bool:
        return self.count > 0

    def join(self, first: str) -> str:
        """`first` followed by the kept lines, one per line, with a note where lines were left out."""
        parts = [first, *self._head]
        if self.omitted:
            parts.append(f"[… {self.omitted} lines omitted …]")
        parts.extend(self._tail)
        return "\n".join(parts)


def record_to_json(rec: Record) -> dict[str, Any]:
    """A record as schemas/artifacts/log_record.schema.json describes it (time as ISO 8601 UTC)."""
    return {
        "line": rec.line,
        "end_line": rec.end_line,
        "time": iso(rec.time),
        "program": rec.program,
        "stream": rec.stream,
        "level": rec.level,
        "logger": rec.logger,
        "sqlstate": rec.sqlstate,
        "pid": rec.pid,
        "message": rec.message,
        "text": rec.text,
        "fields": rec.fields,
    }
