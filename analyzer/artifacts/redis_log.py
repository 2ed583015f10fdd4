"""Record reader for Redis server logs (redis_log): the quay-redis container's log or redis.log.

Redis (3.0 and later) writes `<pid>:<role> <day> <Mon> [<year>] <hh:mm:ss.mmm> <mark> <message>`:
role X (sentinel), C (a forked child: RDB/AOF writer), S (replica), M (primary); the mark
gives the level: `.` debug, `-` verbose, `*` notice, `#` warning. Redis before 3.0 wrote
`[<pid>] <day> <Mon> <hh:mm:ss[.mmm]> <mark> <message>`. Redis 5 added the year; without
it the time is unknown (kept as `fields.clock_time`) unless a collector prefix gives one.

Level: `.` and `-` -> DEBUG, `*` -> INFO, `#` -> WARNING (Redis's own level name is kept in
`fields.level_raw`). The ASCII-art banner becomes one INFO record (timed like the line
before it) whose fields carry the version, mode and port it shows, and its pid; any other line that is not a log line (a crash report's raw
stack lines) joins the record before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzer.artifacts.base import Record, TextSource
from analyzer.artifacts.logtime import (
    MONTHS,
    BoundedLines,
    clip,
    iso,
    make_time,
    strip_collector_prefix,
)

MAX_LINES = 200
MAX_CHARS = 64 * 1024

_MODERN = re.compile(
    r"(\d+):([XCSM]) (\d{1,2}) ([A-Z][a-z]{2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? "
    r"([.\-*#]) ?"
)
_OLD = re.compile(
    r"\[(\d+)\] (\d{1,2}) ([A-Z][a-z]{2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? "
    r"([.\-*#]) ?"
)
# `docker compose logs` puts `<service>  | ` in front of each line
_COMPOSE = re.compile(r"[A-Za-z0-9_.-]+\s*\| ")

ROLES = {"X": "sentinel", "C": "child", "S": "replica", "M": "master"}
MARKS = {
    ".": ("DEBUG", "debug"),
    "-": ("DEBUG", "verbose"),
    "*": ("INFO", "notice"),
    "#": ("WARNING", "warning"),
}

_VERSION_LINES = (
    re.compile(r"Redis version=(\d+\.\d+(?:\.\d+)?)"),
    re.compile(r"Server started, Redis version (\d+\.\d+(?:\.\d+)?)"),
)
_BANNER_FACTS = (
    ("version", re.compile(r"Redis (\d+\.\d+(?:\.\d+)?) \(")),
    ("mode", re.compile(r"Running in (\w+) mode")),
    ("port", re.compile(r"Port: (\d+)")),
    ("banner_pid", re.compile(r"PID: (\d+)")),
)


def _log_line(body: str) -> Record | None:
    """A Redis log line (either format) as a record, or None."""
    fields: dict[str, Any] = {"format": "redis"}
    m = _MODERN.match(body)
    if m:
        pid, role = int(m.group(1)), m.group(2)
        day, mon, year, hh, mi, ss, frac, mark = m.group(3, 4, 5, 6, 7, 8, 9, 10)
        fields["role"] = ROLES[role]
    else:
        m = _OLD.match(body)
        if not m:
            return None
        pid = int(m.group(1))
        day, mon, year, hh, mi, ss, frac, mark = m.group(2, 3, 4, 5, 6, 7, 8, 9)
        fields["format"] = "redis_old"
    month = MONTHS.get(mon.lower())
    if month is None:
        return None
    time = make_time(year, month, day, hh, mi, ss, fraction=frac) if year else None
    if time is None:
        # no year (before Redis 5): keep the stamp as written
        fields["clock_time"] = f"{day} {mon} {hh}:{mi}:{ss}" + (f".{frac}" if frac else "")
    level, word = MARKS[mark]
    fields["level_raw"] = word
    message = clip(body[m.end() :], MAX_CHARS)
    for pattern in _VERSION_LINES:
        found = pattern.search(message)
        if found:
            fields["version"] = found.group(1)
            break
    return Record(line=0, message=message, time=time, level=level, pid=pid, fields=fields)


def _is_banner_start(body: str) -> bool:
    """The first line of Redis's ASCII-art logo."""
    return body.strip() == "_._"


class _Open:
    """The record being built: its head line and continuation lines."""

    __slots__ = ("rec", "body", "last")

    def __init__(self, rec: Record, n: int) -> None:
        self.rec = rec
        self.body = BoundedLines(MAX_LINES, MAX_CHARS)
        self.last = n

    def add(self, n: int, text: str) -> None:
        """Append a continuation line (and read the banner's facts from it)."""
        self.body.add(text)
        self.last = n
        fields = self.rec.fields
        if fields is not None and fields.get("format") == "banner":
            for key, pattern in _BANNER_FACTS:
                if key not in fields:
                    found = pattern.search(text)
                    if found:
                        fields[key] = found.group(1)
                        if key == "banner_pid":
                            self.rec.pid = int(found.group(1))

    def finish(self) -> Record:
        """The finished record."""
        rec = self.rec
        rec.end_line = self.last
        rec.text = self.body.join(rec.message) if self.body else rec.message
        if rec.fields is not None:
            rec.fields.pop("banner_pid", None)
            if "port" in rec.fields:
                rec.fields["port"] = int(rec.fields["port"])
        return rec


def iter_records(src: TextSource) -> Iterator[Record]:
    """Stream the records of a Redis server log."""
    current: _Open | None = None
    for n, raw in src.lines():
        line = raw[1:] if n == 1 and raw.startswith("\ufeff") else raw
        collected, body = strip_collector_prefix(line)
        rec = _log_line(body)
        if rec is None:
            compose = _COMPOSE.match(body)
            if compose:
                rec = _log_line(body[compose.end() :])
        if rec is None and _is_banner_start(body):
            # the logo is logged raw at notice level between two timed lines: it takes the
            # time of the line before it
            rec = Record(
                line=0,
                message=body.strip(),
                level="INFO",
                time=current.rec.time if current is not None else None,
                fields={"format": "banner", "level_raw": "notice"},
            )
        if rec is None:
            if current is not None:
                current.add(n, body)
                continue
            if not body.strip():
                continue
            rec = Record(line=0, message=clip(body, MAX_CHARS), fields={"format": "text"})
        if current is not None:
            yield current.finish()
        rec.line = n
        fields = rec.fields if rec.fields is not None else {}
        if collected is not None:
            if rec.time is None:
                rec.time = collected
            else:
                fields["collected_time"] = iso(collected)
        rec.fields = fields
        current = _Open(rec, n)
    if current is not None:
        yield current.finish()


def sniff(head: str) -> bool:
    """Whether the first KiB or so of a file looks like a Redis server log."""
    hits = 0
    for line in head.splitlines()[:30]:
        _, body = strip_collector_prefix(line)
        if _log_line(body) is not None:
            hits += 1
            if hits >= 2 or "Redis" in body:
                return True
    return False
