"""Record reader for Clair v4 logs (clair_log): `podman logs clair` / `oc logs <clair-app pod>`.

Clair writes one JSON object per line to stderr: zerolog in 4.5-4.8
(`{"level":"info","component":"main","version":"v4.7.1","time":"...Z","message":"starting"}`)
and Go's slog in 4.9+ (`"msg"` instead of `"message"`, upper-case `"level":"INFO"`). Older
Clair (v2) used `Event`/`Level`/`Time` keys, sometimes behind a syslog header; those are read
too. With `log_level: debug-color` Clair uses zerolog's console writer instead
(`3:36PM INF handled HTTP request component=httptransport/New status=404`, maybe with colour
escapes), read best effort: its clock time has no date, so the record's time is the
collector's or unknown.

Level: trace/debug -> DEBUG, info -> INFO, warn -> WARNING, error -> ERROR, fatal and panic
-> CRITICAL (the original word kept in `fields.level_raw` when the mapping changes it; an
unknown word gives level None with the word in `level_raw`).
logger = the `component`; every other key of the object goes to `fields` unchanged (error,
version, lint, reason, request_id...). `text` is the message followed by those pairs as
`key=value` (the way the console writer prints them), so a rule can match an error that
Clair puts in a key, and JSON and console lines of one event read alike. A Go panic (`panic: ...` / `fatal error: ...`) starts a
CRITICAL record and its goroutine dump joins it; other lines that are not log lines join the
record before them when indented, and stand alone otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from analyzer.artifacts.base import Record, TextSource
from analyzer.artifacts.logtime import (
    SYSLOG_LEVELS,
    BoundedLines,
    clip,
    iso,
    parse_epoch,
    parse_iso,
    split_syslog,
    strip_collector_prefix,
)
from analyzer.artifacts.safeload import LoadError, load_json

MAX_LINES = 200
MAX_CHARS = 64 * 1024

LEVELS: dict[str, str] = {
    "trace": "DEBUG",
    "trc": "DEBUG",
    "debug": "DEBUG",
    "dbg": "DEBUG",
    "info": "INFO",
    "inf": "INFO",
    "warn": "WARNING",
    "wrn": "WARNING",
    "warning": "WARNING",
    "error": "ERROR",
    "err": "ERROR",
    "fatal": "CRITICAL",
    "ftl": "CRITICAL",
    "panic": "CRITICAL",
    "pnc": "CRITICAL",
    "critical": "CRITICAL",
}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# zerolog ConsoleWriter: time (Kitchen `3:04PM` by default, or a full timestamp), a
# three-letter level, the message, then key=value pairs.
_CONSOLE = re.compile(
    r"(\d{1,2}:\d{2}(?::\d{2})?[AP]M|\d{4}-\d{2}-\d{2}T\S+|<nil>) "
    r"(TRC|DBG|INF|WRN|ERR|FTL|PNC|\?\?\?) ?"
)
_CONSOLE_PAIR = re.compile(r' ([A-Za-z_][\w.\-/]*)=("(?:[^"\\]|\\.)*"|\S*)')
_PANIC = re.compile(r"(?:panic|fatal error): ")

_MESSAGE_KEYS = ("message", "msg", "Event")
_LEVEL_KEYS = ("level", "Level", "severity")
_LOGGER_KEYS = ("component", "logger", "name")
_TIME_KEYS = ("time", "Time", "timestamp", "ts", "@timestamp")


def normalize_level(word: str | None) -> str | None:
    """A zerolog/slog level word as DEBUG/INFO/WARNING/ERROR/CRITICAL; None when unknown."""
    if not word:
        return None
    low = word.strip().lower()
    # slog writes levels between the named ones as INFO+2, WARN-1...
    base = re.split(r"[+-]", low, maxsplit=1)[0] or low
    return LEVELS.get(base)


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    """The first of `keys` present in obj, and its value."""
    for key in keys:
        if key in obj:
            return key, obj[key]
    return None, None


def _json(body: str) -> Record | None:
    """A JSON log object as a record, or None when the line is not one."""
    text = body.rstrip()
    if not text.endswith("}"):
        return None
    try:
        obj = load_json(text)
    except LoadError:
        return None
    if not isinstance(obj, dict):
        return None
    mkey, message = _first(obj, _MESSAGE_KEYS)
    lkey, level = _first(obj, _LEVEL_KEYS)
    if mkey is None and lkey is None:
        return None
    gkey, logger = _first(obj, _LOGGER_KEYS)
    tkey, when = _first(obj, _TIME_KEYS)
    used = {k for k in (mkey, lkey, gkey, tkey) if k}
    time: datetime | None = None
    if isinstance(when, str):
        time = parse_iso(when)
    elif isinstance(when, (int, float)) and not isinstance(when, bool):
        time = parse_epoch(when)
    fields: dict[str, Any] = {"format": "json"}
    fields.update((k, v) for k, v in obj.items() if k not in used and k != "format")
    norm = normalize_level(level) if isinstance(level, str) else None
    if level is not None and norm != (level.upper() if isinstance(level, str) else None):
        # the word as written, when the mapping changed it or did not know it
        fields["level_raw"] = level if isinstance(level, str) else json.dumps(level)
    return Record(
        line=0,
        message="" if message is None else clip(str(message), MAX_CHARS),
        time=time,
        level=norm,
        logger=str(logger) if isinstance(logger, str) and logger else None,
        fields=fields,
    )


def _unquote(value: str) -> str:
    """A console value without its Go quoting."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _console(body: str) -> Record | None:
    """A zerolog console-writer line (debug-color), or None."""
    if "\x1b" in body:
        body = _ANSI.sub("", body)
    m = _CONSOLE.match(body)
    if not m:
        return None
    rest = body[m.end() :]
    pairs = list(_CONSOLE_PAIR.finditer(" " + rest))
    # the message ends where the first key=value pair begins
    cut = pairs[0].start() if pairs else len(rest) + 1
    message = rest[: max(0, cut - 1)].strip() if pairs else rest.strip()
    fields: dict[str, Any] = {"format": "console"}
    stamp = m.group(1)
    time = parse_iso(stamp) if "T" in stamp else None
    if time is None:
        fields["clock_time"] = stamp
    logger = None
    for pair in pairs:
        key, value = pair.group(1), _unquote(pair.group(2))
        if key == "component" and logger is None:
            logger = value
        elif key not in fields:
            fields[key] = value
    level_word = m.group(2)
    norm = normalize_level(level_word)
    if norm != level_word.upper():
        fields["level_raw"] = level_word
    return Record(line=0, message=message, time=time, level=norm, logger=logger, fields=fields)


def _start(body: str) -> Record | None:
    """The record a body starts, or None when it continues the previous one."""
    if not body:
        return None
    first = body[0]
    if first == "{":
        return _json(body)
    if first.isdigit() or first == "\x1b" or first == "<":
        return _console(body)
    if _PANIC.match(body):
        return Record(
            line=0,
            message=clip(body, MAX_CHARS),
            level="CRITICAL",
            logger="go.runtime",
            fields={"format": "go_panic"},
        )
    return None


def _continues(body: str) -> bool:
    """Whether a line that is no log record belongs to the one before (stack dumps)."""
    return (
        not body.strip()
        or body[0] in " \t"
        or body.startswith(("goroutine ", "created by ", "[signal ", "exit status "))
    )


# bookkeeping keys that say how the line was read, not what happened
_NOT_RENDERED = frozenset({"format", "level_raw", "collected_time", "clock_time"})


def _render(value: Any) -> str:
    """A field value as zerolog's console writer shows it: bare, or quoted when it has spaces."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if text == "" or any(c in text for c in ' "=\n'):
        return json.dumps(text)
    return text


def _headline(rec: Record) -> str:
    """The message followed by the record's key=value pairs, as one line.

    Clair puts the substance of an error in keys (`error`, `reason`, `lint`), so the text
    rules match carries them; JSON and console lines of the same event read the same.
    """
    pairs = [
        f"{key}={_render(value)}"
        for key, value in (rec.fields or {}).items()
        if key not in _NOT_RENDERED
    ]
    if rec.logger is not None:
        pairs.insert(0, f"component={_render(rec.logger)}")
    return clip(" ".join([rec.message, *pairs]) if pairs else rec.message, MAX_CHARS)


class _Open:
    """The record being built: the head line and its continuation lines."""

    __slots__ = ("rec", "body", "last")

    def __init__(self, rec: Record, n: int) -> None:
        self.rec = rec
        self.body = BoundedLines(MAX_LINES, MAX_CHARS)
        self.last = n

    def finish(self) -> Record:
        """The finished record."""
        self.rec.end_line = self.last
        head = _headline(self.rec)
        self.rec.text = self.body.join(head) if self.body else head
        return self.rec


def _in_panic(current: _Open) -> bool:
    """Whether the open record is a Go panic, whose dump takes every following line."""
    fields = current.rec.fields
    return fields is not None and fields.get("format") == "go_panic"


def iter_records(src: TextSource) -> Iterator[Record]:
    """Stream the records of a Clair log."""
    current: _Open | None = None
    for n, raw in src.lines():
        line = raw[1:] if n == 1 and raw.startswith("\ufeff") else raw
        collected, line = strip_collector_prefix(line)
        header, body = split_syslog(line) if "]: " in line[:200] else (None, line)
        rec = _start(body)
        if rec is None:
            if current is not None and (_continues(body) or _in_panic(current)):
                current.body.add(body)
                current.last = n
                continue
            if not body.strip():
                continue
            rec = Record(line=0, message=clip(body, MAX_CHARS), fields={"format": "text"})
        if current is not None:
            yield current.finish()
        rec.line = n
        fields = rec.fields if rec.fields is not None else {}
        if header is not None:
            rec.program = header.program
            rec.pid = header.pid
            if rec.level is None and header.severity is not None:
                rec.level = SYSLOG_LEVELS[header.severity]
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
    """Whether the first KiB or so of a file looks like a Clair v4 log."""
    for line in head.splitlines()[:30]:
        _, line = strip_collector_prefix(line)
        _, body = split_syslog(line) if "]: " in line[:200] else (None, line)
        if body.startswith("{") and '"level"' in body:
            rec = _json(body)
            if rec is None or not rec.fields:
                continue
            # zerolog lines name a component; Clair's own start-up lines name its version
            if rec.logger is not None or str(rec.fields.get("version", "")).startswith("v4"):
                return True
            if any(word in body for word in ("clair", "libindex", "libvuln", "httptransport")):
                return True
        elif _console(body) is not None and "component=" in body:
            return True
    return False
