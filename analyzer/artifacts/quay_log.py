"""Record reader for Quay container logs (quay_log): what `podman logs quay` or `oc logs` show.

A Quay container runs many programs under supervisord. Its log mixes:

* supervisord-multiplexed program output, `<program> <stdout|stderr> | <body>` (the
  `supervisor_stdout` listener prefixes every line, so each line of a traceback carries it);
* supervisord's own lines (`2026-11-26 00:10:15,290 INFO spawned: 'gcworker' with pid 15249`);
* the unprefixed init phase before supervisord starts: banner, `Running init script ...`,
  the config-tool table, alembic migrations with time-only stamps, Python warnings;
* with QUAY_LOGGING=syslog, syslog-relayed lines `program[pid]: body` instead of the prefix.

A body is read as Python logging (`%(asctime)s [%(process)d] [%(levelname)s] [%(name)s] ...`),
nginx access or error log, gunicorn's own format, a JSON object (JSONLOG=true), an alembic
line, a Python warning, or free text. Anything before all that may be a collector's
timestamp (must-gather, `podman logs -t`), which is stripped: it becomes the record's time
when the body has none, and `fields["collected_time"]` otherwise.

A line that does not start a record continues the open record of the same program and
stream (tracebacks, `NoneType: None`, text a program printed). Programs interleave, so one
record per program/stream is kept open, and records are yielded in the order of their first
line. How many records wait, and how long a quiet program's record stays open, is bounded.

Levels are DEBUG, INFO, WARNING, ERROR or CRITICAL (a word none of these stands for gives
None, the word kept in `fields.level_raw`). Access-log lines keep the level their
source gives them (INFO, whatever the HTTP status; gunicorn logs them at INFO too): rules
that care about 5xx read `fields.status`.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analyzer.artifacts.base import Record, TextSource, claim
from analyzer.artifacts.logtime import (
    SYSLOG_LEVELS,
    BoundedLines,
    clip,
    iso,
    make_time,
    parse_clf,
    parse_epoch,
    parse_iso,
    parse_offset,
    split_syslog,
    strip_collector_prefix,
)
from analyzer.artifacts.safeload import LoadError, load_json

MAX_LINES = 200  # continuation lines kept in one record's text (head and tail)
MAX_CHARS = 64 * 1024  # characters kept in one record's text
MAX_PENDING = 64  # records held back to keep first-line order while programs interleave
MAX_GAP = 2000  # lines after which a quiet program's open record is closed

LEVELS: dict[str, str] = {
    "TRACE": "DEBUG",
    "TRAC": "DEBUG",
    "BLAT": "DEBUG",
    "DEBG": "DEBUG",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "NOTICE": "INFO",
    "WARN": "WARNING",
    "WARNI": "WARNING",  # alembic pads/cuts level names to five characters
    "WARNING": "WARNING",
    "ERRO": "ERROR",
    "ERR": "ERROR",
    "ERROR": "ERROR",
    "EXCEPTION": "ERROR",
    "CRIT": "CRITICAL",
    "CRITI": "CRITICAL",
    "CRITICAL": "CRITICAL",
    "FATAL": "CRITICAL",
    "ALERT": "CRITICAL",
    "EMERG": "CRITICAL",
    "PANIC": "CRITICAL",
}

_PREFIX = re.compile(r"([A-Za-z0-9_.:-]+) (stdout|stderr) \|(?: |$)")
_PYTHON = re.compile(
    r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3}) \[(\d+)\] \[([A-Za-z]+)\] "
    r"\[([^\]]*)\] ?"
)
_SUPERVISORD = re.compile(
    r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3}) (CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) "
)
# gunicorn's own handler (when no logconfig is used): `[2024-01-01 10:00:00 +0000] [7] [INFO] ...`
# in current releases, the same without brackets and zone in old ones.
_GUNICORN = re.compile(
    r"\[?(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?: ([+-]\d{4}))?\]? \[(\d+)\] "
    r"\[([A-Z]+)\] "
)
_NGINX_ERROR = re.compile(
    r"(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[([a-z]+)\] (\d+)#(\d+): (?:\*(\d+) )?"
)
_NGINX_EXTRA = re.compile(
    r', (client|server|request|upstream|host|referrer): ("(?:[^"\\]|\\.)*"|[^,]*)'
)
# a quoted field with backslash escapes, as a run of plain characters between escapes: the
# same strings and captures as `"((?:[^"\\]|\\.)*)"`, without a branch per character (which
# made the access-log patterns the slowest step of reading nginx lines)
_QUOTED = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
# Quay's nginx `lb_logs` format: the proxy-protocol address in parentheses after the client,
# request time, request length and upstream time in parentheses at the end.
_NGINX_ACCESS = re.compile(
    r"(\S+) \(([^)]*)\) - (\S+) \[([^\]]+)\] "
    + _QUOTED
    + r" (\d{3}) (\d+|-) "
    + _QUOTED
    + " "
    + _QUOTED
    + r"(?: \(([\d.]+|-) (\d+|-) ([^)]*)\))?\s*$"
)
# gunicorn.access messages (Apache combined format as gunicorn writes it)
_COMBINED = re.compile(
    r"(\S+) (\S+) (\S+) \[([^\]]+)\] "
    + _QUOTED
    + r" (\d{3}) (\d+|-)(?: "
    + _QUOTED
    + " "
    + _QUOTED
    + ")?"
)
# alembic's own format: `%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s`, datefmt %H:%M:%S
_ALEMBIC = re.compile(r"(\d{2}):(\d{2}):(\d{2}) ([A-Z]{1,5}) +\[([^\]]+)\] ?")
# warnings.showwarning: `path.py:87: DeprecationWarning: text`
_PYWARNING = re.compile(r"(\S+?):(\d+): ([A-Za-z_]\w*Warning): ")
_SUPERVISOR_EVENT = re.compile(r"(spawned|success|exited|gave up|stopped): '?([^'\s]+?)'?(?: |$)")
_EXIT = re.compile(
    r"\((?:exit status (\d+)|terminated by (SIG\w+))(?:; (not expected|expected))?\)"
)

_CHAIN = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
_EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*(?::|$)")
# libpq adds these lines below a psycopg2 error's first line
_DB_DETAIL = re.compile(r"(?:DETAIL|HINT|CONTEXT|QUERY|STATEMENT|LINE \d+):")

_NGINX_LEVELS = {
    "debug": "DEBUG",
    "info": "INFO",
    "notice": "INFO",
    "warn": "WARNING",
    "error": "ERROR",
    "crit": "CRITICAL",
    "alert": "CRITICAL",
    "emerg": "CRITICAL",
}


def normalize_level(word: str | None) -> str | None:
    """A level word as one of DEBUG/INFO/WARNING/ERROR/CRITICAL; None for a word it does not know."""
    if not word:
        return None
    return LEVELS.get(word.strip().upper())


@dataclass(slots=True)
class _Pending:
    """A record whose continuation lines may still come."""

    rec: Record
    key: tuple[str | None, str | None]
    last: int
    body: BoundedLines = field(default_factory=lambda: BoundedLines(MAX_LINES, MAX_CHARS))
    tb: int = 0  # 0: no traceback, 1: in traceback frames, 2: exception line seen
    closed: bool = False

    def add(self, n: int, text: str) -> None:
        """Append one continuation line and follow where a traceback stands."""
        self.body.add(text)
        self.last = n
        if text.startswith("Traceback (most recent call last):"):
            self.tb = 1
        elif self.tb == 1 and text and not text[0].isspace() and text not in _CHAIN:
            self.tb = 2

    def finish(self) -> Record:
        """The finished record: text joined, end line set."""
        rec = self.rec
        rec.end_line = self.last
        rec.text = self.body.join(rec.message) if self.body else rec.message
        return rec


def _int(text: str | None) -> int | None:
    """An integer from digits, None for `-` or nothing."""
    if text is None or not text.isdigit():
        return None
    return int(text)


def _unescape(text: str) -> str:
    """Undo the backslash escaping nginx and gunicorn apply inside quoted fields."""
    return text.replace('\\"', '"').replace("\\\\", "\\") if "\\" in text else text


def _request_fields(request: str) -> dict[str, Any]:
    """Method, path and protocol of an HTTP request line (None each when it is malformed)."""
    parts = request.split(" ")
    if len(parts) == 3:
        return {"method": parts[0], "path": parts[1], "protocol": parts[2], "request": request}
    return {"method": None, "path": None, "protocol": None, "request": request}


def _seconds(text: str | None) -> float | None:
    """nginx `$request_time`/`$upstream_response_time` in seconds; a list of tries is summed."""
    if not text or text == "-":
        return None
    total = 0.0
    found = False
    for piece in re.split(r"[,:\s]+", text):
        try:
            total += float(piece)
            found = True
        except ValueError:
            continue
    return round(total, 6) if found else None


def _nginx_access(body: str) -> Record | None:
    """An nginx `lb_logs` access line, or None."""
    m = _NGINX_ACCESS.match(body)
    if not m:
        return None
    fields: dict[str, Any] = {
        "format": "nginx_access",
        "client": m.group(1),
        "proxy_protocol_addr": None if m.group(2) in ("-", "") else m.group(2),
        "remote_user": None if m.group(3) == "-" else m.group(3),
        **_request_fields(_unescape(m.group(5))),
        "status": int(m.group(6)),
        "bytes": _int(m.group(7)),
        "referer": None if m.group(8) == "-" else _unescape(m.group(8)),
        "user_agent": None if m.group(9) == "-" else _unescape(m.group(9)),
        "request_time_s": _seconds(m.group(10)),
        "request_length": _int(m.group(11)),
        "upstream_response_time_s": _seconds(m.group(12)),
        "upstream_response_time_raw": m.group(12),
    }
    return Record(
        line=0,
        message=body,
        time=parse_clf(m.group(4)),
        level="INFO",
        logger="nginx.access",
        fields=fields,
    )


def _nginx_error(body: str) -> Record | None:
    """An nginx error-log line (`YYYY/MM/DD HH:MM:SS [level] pid#tid: *cid message`), or None."""
    m = _NGINX_ERROR.match(body)
    if not m:
        return None
    message = body[m.end() :]
    fields: dict[str, Any] = {
        "format": "nginx_error",
        "level_raw": m.group(7),
        "tid": int(m.group(9)),
        "connection": _int(m.group(10)),
    }
    for key, value in _NGINX_EXTRA.findall(message):
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = _unescape(value[1:-1])
        fields[key] = value or None
    return Record(
        line=0,
        message=message,
        time=make_time(*m.group(1, 2, 3, 4, 5, 6)),
        level=_NGINX_LEVELS.get(m.group(7), normalize_level(m.group(7))),
        logger="nginx",
        pid=int(m.group(8)),
        fields=fields,
    )


def _python(body: str) -> Record | None:
    """A Python logging line in Quay's format, or None."""
    m = _PYTHON.match(body)
    if not m:
        return None
    message = body[m.end() :]
    logger = m.group(10)
    fields: dict[str, Any] = {"format": "python"}
    if logger == "gunicorn.access":
        access = _COMBINED.match(message)
        if access:
            fields.update(
                {
                    "format": "gunicorn_access",
                    "client": access.group(1),
                    "remote_user": None if access.group(3) == "-" else access.group(3),
                    **_request_fields(_unescape(access.group(5))),
                    "status": int(access.group(6)),
                    "bytes": _int(access.group(7)),
                    "referer": None
                    if access.group(8) in (None, "-")
                    else _unescape(access.group(8)),
                    "user_agent": None
                    if access.group(9) in (None, "-")
                    else _unescape(access.group(9)),
                }
            )
    level = normalize_level(m.group(9))
    if level is None:
        fields["level_raw"] = m.group(9)
    return Record(
        line=0,
        message=message,
        time=make_time(*m.group(1, 2, 3, 4, 5, 6), fraction=m.group(7)),
        pid=int(m.group(8)),
        level=level,
        logger=logger or None,
        fields=fields,
    )


def _supervisord(body: str) -> Record | None:
    """One of supervisord's own lines, or None."""
    m = _SUPERVISORD.match(body)
    if not m:
        return None
    message = body[m.end() :]
    fields: dict[str, Any] = {"format": "supervisord"}
    event = _SUPERVISOR_EVENT.match(message)
    if event:
        fields["event"] = event.group(1)
        fields["target_program"] = event.group(2)
        child = re.search(r"with pid (\d+)", message)
        if child:
            fields["child_pid"] = int(child.group(1))
        ended = _EXIT.search(message)
        if ended:
            fields["exit_status"] = _int(ended.group(1))
            fields["signal"] = ended.group(2)
            if ended.group(3):
                fields["expected"] = ended.group(3) == "expected"
    return Record(
        line=0,
        message=message,
        time=make_time(*m.group(1, 2, 3, 4, 5, 6), fraction=m.group(7)),
        program="supervisord",
        level=normalize_level(m.group(8)),
        fields=fields,
    )


def _gunicorn(body: str) -> Record | None:
    """gunicorn's own error-log format (used when it runs without Quay's logging config)."""
    m = _GUNICORN.match(body)
    if not m:
        return None
    return Record(
        line=0,
        message=body[m.end() :],
        time=make_time(*m.group(1, 2, 3, 4, 5, 6), tz=parse_offset(m.group(7))),
        pid=int(m.group(8)),
        level=normalize_level(m.group(9)),
        logger="gunicorn.error",
        fields={"format": "gunicorn"},
    )


def _alembic(body: str) -> Record | None:
    """An alembic migration line; its stamp has no date, so the time stays unknown."""
    m = _ALEMBIC.match(body)
    if not m or normalize_level(m.group(4)) not in (
        "DEBUG",
        "INFO",
        "WARNING",
        "ERROR",
        "CRITICAL",
    ):
        return None
    return Record(
        line=0,
        message=body[m.end() :],
        level=normalize_level(m.group(4)),
        logger=m.group(5),
        fields={"format": "alembic", "clock_time": f"{m.group(1)}:{m.group(2)}:{m.group(3)}"},
    )


def _pywarning(body: str) -> Record | None:
    """A Python warning printed by the warnings module (`file.py:87: UserWarning: text`)."""
    m = _PYWARNING.match(body)
    if not m:
        return None
    return Record(
        line=0,
        message=body,
        level="WARNING",
        logger="py.warnings",
        fields={
            "format": "py_warning",
            "category": m.group(3),
            "source_file": m.group(1),
            "source_line": int(m.group(2)),
        },
    )


_JSON_MESSAGE = ("message", "msg")
_JSON_LEVEL = ("levelname", "level", "severity")
_JSON_LOGGER = ("name", "logger", "logger_name")
_JSON_TIME = ("asctime", "time", "timestamp", "@timestamp", "created")
_JSON_PID = ("process", "pid")


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    """The first of `keys` present in obj, and its value."""
    for key in keys:
        if key in obj:
            return key, obj[key]
    return None, None


def _json(body: str) -> tuple[Record, list[str]] | None:
    """A JSON log object (Quay's JsonFormatter and the usual key names) and its traceback lines."""
    text = body.rstrip()
    if not text.endswith("}"):
        return None
    try:
        obj = load_json(text)
    except LoadError:
        return None
    if not isinstance(obj, dict):
        return None
    used: set[str] = set()
    mkey, message = _first(obj, _JSON_MESSAGE)
    lkey, level = _first(obj, _JSON_LEVEL)
    if mkey is None and lkey is None:
        return None  # some JSON a program printed, not a log record
    gkey, logger = _first(obj, _JSON_LOGGER)
    tkey, when = _first(obj, _JSON_TIME)
    pkey, pid = _first(obj, _JSON_PID)
    used.update(k for k in (mkey, lkey, gkey, tkey, pkey) if k)
    time: datetime | None = None
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        time = parse_epoch(when)
    elif isinstance(when, str):
        time = parse_iso(when)
    fields: dict[str, Any] = {"format": "json"}
    fields.update((k, v) for k, v in obj.items() if k not in used and k != "format")
    # Quay's JsonFormatter puts the traceback (a list of formatted frames) under data.exc_info
    trace: list[str] = []
    data = obj.get("data")
    exc = obj.get("exc_info", data.get("exc_info") if isinstance(data, dict) else None)
    if isinstance(exc, str):
        exc = [exc]
    if isinstance(exc, list):
        for frame in exc:
            if isinstance(frame, str):
                trace.extend(frame.rstrip("\n").split("\n"))
    norm = normalize_level(level) if isinstance(level, str) else None
    if level is not None and norm is None:
        fields["level_raw"] = level if isinstance(level, str) else json.dumps(level)
    rec = Record(
        line=0,
        message=message
        if isinstance(message, str)
        else ("" if message is None else json.dumps(message)),
        time=time,
        level=norm,
        logger=logger if isinstance(logger, str) and logger else None,
        pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
        fields=fields,
    )
    return rec, trace


def _start(body: str) -> tuple[Record, list[str]] | None:
    """The record a body starts (with any lines it carries inside), or None for a continuation."""
    if not body:
        return None
    first = body[0]
    rec: Record | None = None
    if first == "{":
        return _json(body)
    if first.isdigit():
        rec = (
            _python(body)
            or _supervisord(body)
            or _nginx_error(body)
            or _nginx_access(body)
            or _alembic(body)
            or _gunicorn(body)
        )
    elif first == "[":
        rec = _gunicorn(body)
    elif first not in " \t":
        # IPv6 or named clients in nginx lines, warnings printed by the warnings module
        if " (" in body and '] "' in body:
            rec = _nginx_access(body)
        if rec is None and "Warning: " in body:
            rec = _pywarning(body)
    return (rec, []) if rec is not None else None


def _continues_unprefixed(body: str, pending: _Pending) -> bool:
    """Whether an unprefixed line that starts no record belongs to the open one (tracebacks)."""
    if not body or body[0] in " \t":
        return True
    if body.startswith("Traceback (most recent call last):") or body in _CHAIN:
        return True
    if body == "NoneType: None":
        return True
    if pending.tb == 1 and _EXCEPTION_LINE.match(body):
        return True
    return pending.tb == 2 and bool(_DB_DETAIL.match(body))


@dataclass(slots=True)
class LineHead:
    """What one line says on its own, before the record logic: prefixes taken off, format tried."""

    collected: datetime | None  # a collector's timestamp in front of the line
    program: str | None
    stream: str | None
    syslog_pid: int | None
    syslog_level: str | None
    body: str
    started: tuple[Record, list[str]] | None  # the record the body starts, if it starts one

    @property
    def key(self) -> tuple[str | None, str | None]:
        """Records of one program and stream continue each other."""
        return (self.program, self.stream)


def read_line(n: int, raw: str) -> LineHead:
    """Split one decoded line into collector time, program prefix (or syslog header) and body."""
    line = raw[1:] if n == 1 and raw.startswith("\ufeff") else raw
    collected, line = strip_collector_prefix(line)
    program: str | None = None
    stream: str | None = None
    syslog_pid: int | None = None
    syslog_level: str | None = None
    prefix = _PREFIX.match(line)
    if prefix:
        program, stream = prefix.group(1), prefix.group(2)
        body = line[prefix.end() :]
    else:
        header, body = split_syslog(line) if "]: " in line[:200] else (None, line)
        if header is not None:
            program, stream, syslog_pid = header.program, "syslog", header.pid
            if header.severity is not None:
                syslog_level = SYSLOG_LEVELS[header.severity]
    return LineHead(collected, program, stream, syslog_pid, syslog_level, body, _start(body))


def new_record(head: LineHead, n: int) -> tuple[Record, list[str]]:
    """The record line n starts (a text record when its body is in no known format)."""
    if head.started is None:
        rec = Record(line=n, message=head.body, fields={"format": "text"})
        extra: list[str] = []
    else:
        rec, extra = head.started
        rec.line = n
    rec.message = clip(rec.message, MAX_CHARS)
    if head.program is not None and rec.program is None:
        rec.program = head.program
    rec.stream = head.stream
    if rec.pid is None and head.syslog_pid is not None:
        rec.pid = head.syslog_pid
    if rec.level is None and head.syslog_level is not None:
        rec.level = head.syslog_level
    fields = rec.fields if rec.fields is not None else {}
    if head.collected is not None:
        if rec.time is None:
            rec.time = head.collected
        else:
            fields["collected_time"] = iso(head.collected)
    rec.fields = fields
    return rec, extra


def continues(head: LineHead, pending: _Pending | None) -> bool:
    """Whether a line that starts no record joins the open record of its program and stream."""
    return pending is not None and (
        head.program is not None or _continues_unprefixed(head.body, pending)
    )


def iter_records(src: TextSource) -> Iterator[Record]:
    """Stream the records of a Quay container log, in the order of their first line."""
    claimed = claim(src, "quay_log")
    if claimed is not None:
        yield from claimed
        return
    queue: deque[_Pending] = deque()
    open_: dict[tuple[str | None, str | None], _Pending] = {}

    def begin(rec: Record, key: tuple[str | None, str | None], n: int) -> _Pending:
        old = open_.get(key)
        if old is not None:
            old.closed = True
        pending = _Pending(rec=rec, key=key, last=n)
        open_[key] = pending
        queue.append(pending)
        return pending

    def ready(n: int) -> Iterator[Record]:
        while queue:
            head = queue[0]
            if not head.closed:
                if len(queue) <= MAX_PENDING and n - head.last <= MAX_GAP:
                    break
                head.closed = True
                if open_.get(head.key) is head:
                    del open_[head.key]
            queue.popleft()
            yield head.finish()

    for n, raw in src.lines():
        info = read_line(n, raw)
        if info.started is None:
            pending = open_.get(info.key)
            if continues(info, pending):
                pending.add(n, info.body)  # type: ignore[union-attr]
                yield from ready(n)
                continue
            if not info.body.strip():
                yield from ready(n)
                continue  # a blank line with nothing open carries nothing
        rec, extra = new_record(info, n)
        new = begin(rec, info.key, n)
        for text in extra:
            new.add(n, text)
        yield from ready(n)
    for pending in queue:
        pending.closed = True
    yield from ready(0)


_SNIFF_LINES = 30


def sniff(head: str) -> bool:
    """Whether the first KiB or so of a file looks like a Quay container log."""
    if "Build, Store, and Distribute your Containers" in head:
        return True
    # Quay's code lives in /quay-registry: its tracebacks and warnings name files there
    if "Running init script '/quay-registry/" in head or '"/quay-registry/' in head:
        return True
    if "/quay-registry/" in head and (
        "Traceback (most recent call last)" in head or "Warning: " in head
    ):
        return True
    for line in head.splitlines()[:_SNIFF_LINES]:
        _, line = strip_collector_prefix(line)
        prefix = _PREFIX.match(line)
        body = line[prefix.end() :] if prefix else line
        if _PYTHON.match(body) or (prefix and _NGINX_ACCESS.match(body)):
            return True
        if prefix and prefix.group(1) in _QUAY_PROGRAMS:
            return True
        if _SUPERVISORD.match(body) and ("spawned: '" in body or "supervisord started" in body):
            return True
        if _ALEMBIC.match(body) and "[alembic." in body:
            return True
        if body.startswith("{") and '"message"' in body and '"data"' in body:
            parsed = _json(body)
            if parsed is not None:
                return True
    return False


# programs Quay's supervisord runs (quay-facts §3.3); a prefix naming one is a Quay log
_QUAY_PROGRAMS = frozenset(
    {
        "gunicorn-web",
        "gunicorn-registry",
        "gunicorn-secscan",
        "nginx",
        "dnsmasq",
        "memcache",
        "pushgateway",
        "servicekey",
        "securityworker",
        "securityscanningnotificationworker",
        "gcworker",
        "repositorygcworker",
        "namespacegcworker",
        "blobuploadcleanupworker",
        "chunkcleanupworker",
        "storagereplication",
        "notificationworker",
        "buildlogsarchiver",
        "builder",
        "expiredappspecifictokenworker",
        "exportactionlogsworker",
        "logrotateworker",
        "queuecleanupworker",
        "repositoryactioncounter",
        "teamsyncworker",
        "globalpromstats",
        "manifestbackfillworker",
        "ip-resolver-update-worker",
        "repomirrorworker",
        "config-editor",
        "quotaregistrysizeworker",
        "quotatotalworker",
        "reconciliationworker",
        "autopruneworker",
        "manifestsubjectbackfillworker",
        "proxycacheblobworker",
        "pullstatsredisflushworker",
    }
)
