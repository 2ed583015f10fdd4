"""The pg_log kind: PostgreSQL server logs, one Record per message, in any of the server's formats.

This module owns the reading of the three log destinations the server writes:

* stderr (the `.log` files and container output): `<log_line_prefix><SEVERITY>:  <message>`,
  then the same prefix with `DETAIL:`, `HINT:`, `QUERY:`, `CONTEXT:`, `LOCATION:`,
  `STATEMENT:` for the other fields of the message, and lines starting with a TAB where a
  field itself has several lines. The prefix is whatever `log_line_prefix` made it, so it is
  not parsed by a fixed pattern: the severity word is found first (two spaces after its
  colon), and the text before it is searched for a time (`%m`, `%t`, `%n`), a pid (`[%p]`,
  `pid=%p`), a SQLSTATE (`%e`) and user/database/application/client (`%u@%d`,
  `user=%u,db=%d,app=%a,client=%h`). Severity and field words may be translated by
  `lc_messages`; the words of every catalogue PostgreSQL 15 ships (taken from its .mo files)
  and the older Japanese ones are mapped back to English;
* csvlog (a real CSV reader: fields hold newlines; 22 to 26 columns by version);
* jsonlog (PostgreSQL 15+, one object per line, keys present only when set).

Every Record has the primary message in `message`, the whole message (with DETAIL, HINT...
each on its own line, in English labels, TABs removed) in `text`, and the same separate
fields in `fields`, whatever the format, so the same rule matches all three. In stderr the
server appends ` at character N` to the message; it is moved to fields["position"] so that
messages compare equal across formats. Times are converted to UTC: UTC/GMT and numeric
zones exactly, a small table of common abbreviations, anything else read as UTC with
fields["tz_assumed"] set. A collector's RFC 3339 prefix (oc logs --timestamps, must-gather)
is taken off every line first. Reading streams: only one record is held at a time.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from analyzer.artifacts.base import Record, TextSource
from analyzer.artifacts.logtime import clip, iso, make_time, strip_collector_prefix
from analyzer.artifacts.safeload import LoadError, load_json

SEVERITIES = (
    "DEBUG",
    "DEBUG1",
    "DEBUG2",
    "DEBUG3",
    "DEBUG4",
    "DEBUG5",
    "LOG",
    "INFO",
    "NOTICE",
    "WARNING",
    "ERROR",
    "FATAL",
    "PANIC",
)
FIELDS = ("DETAIL", "HINT", "QUERY", "CONTEXT", "LOCATION", "STATEMENT", "BACKTRACE")
# order in which the server writes a message's fields (elog.c send_message_to_server_log)
_FIELD_ORDER = ("DETAIL", "HINT", "QUERY", "CONTEXT", "BACKTRACE", "LOCATION", "STATEMENT")
_FIELD_KEY = {
    "DETAIL": "detail",
    "HINT": "hint",
    "QUERY": "query",
    "CONTEXT": "context",
    "LOCATION": "location",
    "STATEMENT": "statement",
    "BACKTRACE": "backtrace",
}

# Translated labels, exactly as the server writes them (word, colon, blanks), and the
# English word they stand for. From the PostgreSQL 15 message catalogues (de es fr it ja ka
# ko ru sv uk zh_CN); words equal to the English ones are left out. The last three are the
# older Japanese catalogue's severities (PostgreSQL 12 and before translated them).
LOCALIZED: dict[str, str] = {
    "ANFRAGE:  ": "QUERY",
    "ANWEISUNG:  ": "STATEMENT",
    "ASTUCE :  ": "HINT",
    "ATTENTION:  ": "WARNING",
    "ATTENZIONE:  ": "WARNING",
    "CONSULTA:  ": "QUERY",
    "CONTESTO:  ": "CONTEXT",
    "CONTEXTE :  ": "CONTEXT",
    "CONTEXTO:  ": "CONTEXT",
    "DETALJ:  ": "DETAIL",
    "DETALLE:  ": "DETAIL",
    "DETTAGLI:  ": "DETAIL",
    "DÉTAIL:  ": "DETAIL",
    "EMPLACEMENT :  ": "LOCATION",
    "ERREUR:  ": "ERROR",
    "ERRORE:  ": "ERROR",
    "FATALE:  ": "FATAL",
    "FATALT:  ": "FATAL",
    "FEHLER:  ": "ERROR",
    "FEL:  ": "ERROR",
    "FRÅGA:  ": "QUERY",
    "HINWEIS:  ": "NOTICE",
    "INSTRUCTION :  ": "STATEMENT",
    "ISTRUZIONE:  ": "STATEMENT",
    "KONTEXT:  ": "CONTEXT",
    "LOGG:  ": "LOG",
    "NOTIFICA:  ": "NOTICE",
    "NOTIS:  ": "NOTICE",
    "ORT:  ": "LOCATION",
    "PANICO:  ": "PANIC",
    "PANIK:  ": "PANIC",
    "PLATS:  ": "LOCATION",
    "POSIZIONE:  ": "LOCATION",
    "REQUÊTE :  ": "QUERY",
    "SATS:  ": "STATEMENT",
    "SENTENCIA:  ": "STATEMENT",
    "SUGGERIMENTO:  ": "HINT",
    "TIPP:  ": "HINT",
    "TIPS:  ": "HINT",
    "UBICACIÓN:  ": "LOCATION",
    "VARNING:  ": "WARNING",
    "WARNUNG:  ": "WARNING",
    "ZUSAMMENHANG:  ": "CONTEXT",
    "ІНСТРУКЦІЯ:  ": "STATEMENT",
    "ІНФОРМАЦІЯ:  ": "INFO",
    "ВІДОМОСТІ:  ": "DETAIL",
    "ВАЖНО:  ": "FATAL",
    "ЗАМЕЧАНИЕ:  ": "NOTICE",
    "ЗАПИСУВАННЯ:  ": "LOG",
    "ЗАПИТ:  ": "QUERY",
    "ЗАПРОС:  ": "QUERY",
    "ИНФОРМАЦИЯ:  ": "INFO",
    "КОНТЕКСТ:  ": "CONTEXT",
    "НАЛАГОДЖЕННЯ:  ": "DEBUG",
    "ОПЕРАТОР:  ": "STATEMENT",
    "ОТЛАДКА:  ": "DEBUG",
    "ОШИБКА:  ": "ERROR",
    "ПАНІКА:  ": "PANIC",
    "ПАНИКА:  ": "PANIC",
    "ПОВІДОМЛЕННЯ:  ": "NOTICE",
    "ПОДРОБНОСТИ:  ": "DETAIL",
    "ПОДСКАЗКА:  ": "HINT",
    "ПОЛОЖЕНИЕ: ": "LOCATION",
    "ПОМИЛКА:  ": "ERROR",
    "ПОПЕРЕДЖЕННЯ:  ": "WARNING",
    "ПРЕДУПРЕЖДЕНИЕ:  ": "WARNING",
    "РОЗТАШУВАННЯ:  ": "LOCATION",
    "СООБЩЕНИЕ:  ": "LOG",
    "УКАЗІВКА:  ": "HINT",
    "ФАТАЛЬНО:  ": "FATAL",
    "გამართვა:  ": "DEBUG",
    "გაფრთხილება:  ": "WARNING",
    "დეტალები:  ": "DETAIL",
    "ინფორმაცია:  ": "INFO",
    "კონტექსტი:  ": "CONTEXT",
    "მდებარეობა:   ": "LOCATION",
    "მინიშნება:  ": "HINT",
    "მოთხოვნა:  ": "QUERY",
    "ოპერატორი:  ": "STATEMENT",
    "პანიკა:  ": "PANIC",
    "ჟურნალი:  ": "LOG",
    "ფატალური:  ": "FATAL",
    "შეცდომა:  ": "ERROR",
    "ヒント:  ": "HINT",
    "上下文:  ": "CONTEXT",
    "位置:  ": "LOCATION",
    "信息:  ": "INFO",
    "問い合わせ:  ": "QUERY",
    "場所:  ": "LOCATION",
    "提示:  ": "HINT",
    "文:  ": "STATEMENT",
    "文脈:  ": "CONTEXT",
    "日志:  ": "LOG",
    "查询:  ": "QUERY",
    "比致命错误还过分的错误:  ": "PANIC",
    "注意:  ": "NOTICE",
    "致命错误:  ": "FATAL",
    "詳細:  ": "DETAIL",
    "警告:  ": "WARNING",
    "详细信息:  ": "DETAIL",
    "语句:  ": "STATEMENT",
    "调试:  ": "DEBUG",
    "错误:  ": "ERROR",
    "경고:  ": "WARNING",
    "내용:  ": "CONTEXT",
    "디버그:  ": "DEBUG",
    "로그:  ": "LOG",
    "명령 구문:  ": "STATEMENT",
    "상세정보:  ": "DETAIL",
    "손상:  ": "PANIC",
    "알림:  ": "NOTICE",
    "오류:  ": "ERROR",
    "위치: ": "LOCATION",
    "정보:  ": "INFO",
    "치명적오류:  ": "FATAL",
    "쿼리:": "QUERY",
    "힌트:  ": "HINT",
    "ログ:  ": "LOG",
    "致命的エラー:  ": "FATAL",
    "エラー:  ": "ERROR",
}
_LABELS: dict[str, str] = {
    **{f"{w}:  ": w for w in (*SEVERITIES, *FIELDS)},
    **LOCALIZED,
}
# longest first, so that a label that ends another one (エラー in 致命的エラー) loses
_LABEL_RE = re.compile(
    r"(?<![A-Za-z0-9_])("
    + "|".join(re.escape(k) for k in sorted(_LABELS, key=len, reverse=True))
    + ")"
)
PREFIX_SEARCH = 400  # a log_line_prefix longer than this is not looked for

# The server's " at character %d" after a message with a cursor position, per catalogue.
_POSITION_RE = re.compile(
    r"(?: at character (\d+)| bei Zeichen (\d+)| en carácter (\d+)| au caractère (\d+)"
    r"| al carattere (\d+)|\((\d+)文字目\)| სიმბოლოსთან (\d+)| (\d+) 번째 문자 부근"
    r"| \(символ (\d+)\)| vid tecken (\d+)| символ (\d+)| 第 (\d+) 个字符处)$"
)

# Zone abbreviations as tz names them for log_timezone, with their UTC offsets in minutes.
# Abbreviations that name several zones (CST: US Central and China; IST: India, Ireland,
# Israel) are not here: a time in one of them is read as UTC and flagged.
ZONES: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "UCT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 60,
    "BST": 60,
    "CET": 60,
    "CEST": 120,
    "MET": 60,
    "MEST": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "EST": -300,
    "EDT": -240,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "AKST": -540,
    "AKDT": -480,
    "HST": -600,
    "AST": -240,
    "ADT": -180,
    "NST": -210,
    "NDT": -150,
    "JST": 540,
    "KST": 540,
    "HKT": 480,
    "PHT": 480,
    "WIB": 420,
    "AEST": 600,
    "AEDT": 660,
    "ACST": 570,
    "ACDT": 630,
    "AWST": 480,
    "NZST": 720,
    "NZDT": 780,
    "SAST": 120,
    "PKT": 300,
}

_TIME_RE = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
    r"(?: ?([A-Za-z]{1,6}|[+-]\d\d(?::?\d\d)?)(?![\w:]))?"
)
_EPOCH_RE = re.compile(r"(?<![\d.])(\d{9,11})\.(\d{3})(?![\d.])")
_PID_RE = re.compile(r"\[(\d+)(?:-\d+)?\]|\bpid=(\d+)")
_USER_DB_RE = re.compile(r"(?:^|\s)([^\s@\[\]=,]+)@([^\s@\[\]=,]+)(?=\s|$)")
_KEYED_RE = re.compile(r"\b(user|db|app|client|host)=([^,\s]*)")
_SQLSTATE_TOKEN = re.compile(r"[0-9A-Z]{5}")
_CSV_HEAD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [^,\s]+)?,")

# csvlog columns by position; later versions only append (backend_type 13, leader_pid and
# query_id 14)
CSV_COLUMNS = (
    "log_time",
    "user_name",
    "database_name",
    "process_id",
    "connection_from",
    "session_id",
    "session_line_num",
    "command_tag",
    "session_start_time",
    "virtual_transaction_id",
    "transaction_id",
    "error_severity",
    "sql_state_code",
    "message",
    "detail",
    "hint",
    "internal_query",
    "internal_query_pos",
    "context",
    "query",
    "query_pos",
    "location",
    "application_name",
    "backend_type",
    "leader_pid",
    "query_id",
)

MAX_FIELD_CHARS = 16 * 1024  # one csvlog/jsonlog field
MAX_TEXT_CHARS = 64 * 1024  # a whole record's text


def parse_time(text: str | None) -> tuple[datetime | None, bool]:
    """A log time (`2026-11-26 00:04:44.781 UTC`, `... CET`, `... +03`) in UTC, and whether the zone was assumed."""
    if not text:
        return None, False
    m = _TIME_RE.search(text)
    if not m:
        return None, False
    tz, assumed = zone(m.group(8))
    return make_time(*m.group(1, 2, 3, 4, 5, 6), fraction=m.group(7), tz=tz), assumed


@lru_cache(maxsize=256)
def zone(abbrev: str | None) -> tuple[timezone, bool]:
    """The fixed zone of a log time's zone text; UTC and True when it is unknown or absent."""
    if not abbrev:
        return UTC, True
    m = re.fullmatch(r"([+-])(\d\d):?(\d\d)?", abbrev)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        return timezone(timedelta(minutes=-minutes if m.group(1) == "-" else minutes)), False
    offset = ZONES.get(abbrev.upper())
    if offset is None:
        return UTC, True
    return timezone(timedelta(minutes=offset)), False


def _severity(label: str) -> str:
    """The English severity or field word of a label as written."""
    return _LABELS.get(label) or _LABELS.get(label.rstrip() + "  ") or label.strip(" :")


def _strip_position(message: str) -> tuple[str, int | None]:
    """The message without the server's trailing ` at character N` (translated or not)."""
    m = _POSITION_RE.search(message)
    if not m:
        return message, None
    number = next(g for g in m.groups() if g is not None)
    return message[: m.start()], int(number)


def _compose(message: str, fields: dict[str, Any]) -> str:
    """Message plus its fields, one `LABEL:  value` line each, in the server's order."""
    parts = [message]
    for label in _FIELD_ORDER:
        value = fields.get(_FIELD_KEY[label])
        if value:
            parts.append(f"{label}:  {value}")
    return clip("\n".join(parts), MAX_TEXT_CHARS)


def _clip(text: str) -> str:
    return clip(text, MAX_FIELD_CHARS)


# ---------------------------------------------------------------------------------------------
# stderr


class _Prefix:
    """What one line's log_line_prefix says, and where the stream keeps its %e."""

    def __init__(self) -> None:
        # where %e sits among the prefix's words, counted from the start and from the end
        # (%q drops the words after it on lines of non-session processes), once "00000"
        # has shown it
        self.sqlstate_slots: set[int] = set()

    def read(self, prefix: str, level: str) -> dict[str, Any]:
        """time, tz_assumed, pid, sqlstate, user... found in a prefix."""
        out: dict[str, Any] = {}
        rest = prefix
        tm = _TIME_RE.search(prefix)
        if tm:
            tz, assumed = zone(tm.group(8))
            out["time"] = make_time(*tm.group(1, 2, 3, 4, 5, 6), fraction=tm.group(7), tz=tz)
            out["tz_assumed"] = assumed
            rest = prefix[: tm.start()] + " " + prefix[tm.end() :]
        else:
            em = _EPOCH_RE.search(prefix)
            if em:
                out["time"] = datetime.fromtimestamp(
                    int(em.group(1)) + int(em.group(2)) / 1000, UTC
                )
                rest = prefix[: em.start()] + " " + prefix[em.end() :]
        pm = _PID_RE.search(rest)
        if pm:
            out["pid"] = int(pm.group(1) or pm.group(2))
            rest = rest[: pm.start()] + " " + rest[pm.end() :]
        for key, value in _KEYED_RE.findall(rest):
            if value and value != "[unknown]":
                name = {"db": "database", "app": "application", "host": "client"}.get(key, key)
                out[name] = value
        ud = _USER_DB_RE.search(rest)
        if ud:
            out.setdefault("user", ud.group(1))
            out.setdefault("database", ud.group(2))
        tokens = rest.replace("<", " ").replace(">", " ").split()
        for i, token in enumerate(tokens):
            if not _SQLSTATE_TOKEN.fullmatch(token):
                continue
            if token == "00000":
                # "successful completion": only %e writes it, so this slot is the SQLSTATE
                self.sqlstate_slots.update((i, i - len(tokens)))
            has_letter = any(c.isalpha() for c in token)
            has_digit = any(c.isdigit() for c in token)
            known_slot = i in self.sqlstate_slots or i - len(tokens) in self.sqlstate_slots
            if known_slot or (has_letter and has_digit):
                out["sqlstate"] = token
                break
        return out


class _Pending:
    """The record being assembled: its head line and its other lines, under a budget.

    Like logtime.BoundedLines: at most about 200 lines and 64 KiB are kept, the first ones
    and the last ones (the STATEMENT line comes last), with a count of those left out.
    """

    HEAD_LINES, TAIL_LINES = 150, 50
    HEAD_CHARS, TAIL_CHARS = 48 * 1024, 16 * 1024

    def __init__(
        self, line: int, level: str, head: dict[str, Any], message: str, raw_label: str
    ) -> None:
        self.line = line
        self.end = line
        self.level = level
        self.head = head
        self.message = clip(message, self.HEAD_CHARS)
        self.raw_label = raw_label
        self.first: list[tuple[str | None, str]] = []  # (field label or None, line)
        self.last: deque[tuple[str | None, str]] = deque()
        self.first_chars = len(self.message)
        self.last_chars = 0
        self.omitted = 0

    def add(self, line: int, label: str | None, text: str) -> None:
        """One more line: a new field when `label` is set, else a continuation (TAB) line."""
        self.end = line
        text = clip(text, self.TAIL_CHARS)
        if (
            not self.last
            and not self.omitted
            and len(self.first) < self.HEAD_LINES
            and self.first_chars + len(text) <= self.HEAD_CHARS
        ):
            self.first.append((label, text))
            self.first_chars += len(text) + 1
            return
        self.last.append((label, text))
        self.last_chars += len(text) + 1
        while self.last and (len(self.last) > self.TAIL_LINES or self.last_chars > self.TAIL_CHARS):
            _label, dropped = self.last.popleft()
            self.last_chars -= len(dropped) + 1
            self.omitted += 1

    def record(self) -> Record:
        """The finished Record."""
        parts: list[tuple[str | None, list[str]]] = [(None, [self.message])]
        items = list(self.first)
        if self.omitted:
            items.append((None, f"[… {self.omitted} lines omitted …]"))
        items.extend(self.last)
        for label, text in items:
            if label is None:
                parts[-1][1].append(text)
            else:
                parts.append((label, [text]))
        fields: dict[str, Any] = {"format": "stderr"}
        for label, lines in parts[1:]:
            key = _FIELD_KEY.get(label or "", (label or "").lower())
            value = "\n".join(lines)
            fields[key] = f"{fields[key]}\n{value}" if key in fields else value
        message, position = _strip_position("\n".join(parts[0][1]))
        if position is not None:
            fields["position"] = position
        for key in ("user", "database", "application", "client"):
            if key in self.head:
                fields[key] = self.head[key]
        if self.head.get("tz_assumed"):
            fields["tz_assumed"] = True
        collected = self.head.get("collector_datetime")
        time = self.head.get("time")
        if time is not None and collected is not None:
            fields["collected_time"] = iso(collected)
        if self.raw_label != f"{self.level}:  ":
            fields["level_raw"] = self.raw_label.rstrip(" :")
        if self.omitted:
            fields["omitted_lines"] = self.omitted
        return Record(
            line=self.line,
            end_line=self.end,
            message=message,
            time=time or collected,
            level=self.level,
            sqlstate=self.head.get("sqlstate"),
            pid=self.head.get("pid"),
            text=_compose(message, fields),
            fields=fields,
        )


def _stderr(lines: Iterable[tuple[int, str, datetime | None]]) -> Iterator[Record]:
    """Records of a stderr-format log."""
    prefix = _Prefix()
    pending: _Pending | None = None
    for number, line, collector in lines:
        if not line.strip():
            continue
        if line.startswith("\t"):
            if pending is not None:
                pending.add(number, None, line[1:])
                continue
            yield Record(line=number, message=line[1:], time=collector, fields={"format": "stderr"})
            continue
        m = _LABEL_RE.search(line, 0, PREFIX_SEARCH)
        if m is None:
            if pending is not None:
                yield pending.record()
                pending = None
            yield Record(
                line=number,
                message=line,
                time=collector,
                fields={"format": "stderr", "unparsed": True},
            )
            continue
        label = m.group(1)
        word = _severity(label)
        body = line[m.end() :]
        if word in FIELDS and pending is not None:
            pending.add(number, word, body)
            continue
        if pending is not None:
            yield pending.record()
        head = prefix.read(line[: m.start()], word)
        if collector is not None:
            head["collector_datetime"] = collector
        pending = _Pending(number, word, head, body, label)
    if pending is not None:
        yield pending.record()


# ---------------------------------------------------------------------------------------------
# csvlog and jsonlog


def _nonempty(value: Any) -> bool:
    return value not in (None, "")


def _structured(
    line: int,
    end: int,
    time_text: str | None,
    severity: str | None,
    sqlstate: str | None,
    pid: Any,
    message: str,
    details: dict[str, Any],
    fmt: str,
) -> Record:
    """A Record from the columns of a csvlog row or the keys of a jsonlog object."""
    time, assumed = parse_time(time_text)
    fields: dict[str, Any] = {"format": fmt}
    for key, value in details.items():
        if _nonempty(value):
            fields[key] = _clip(value) if isinstance(value, str) else value
    if assumed and time is not None:
        fields["tz_assumed"] = True
    level = _severity(f"{severity}:  ") if severity else None
    if severity and level != severity:
        fields["level_raw"] = severity
    try:
        pid_int = int(pid) if _nonempty(pid) else None
    except (TypeError, ValueError):
        pid_int = None
    message = _clip(message or "")
    return Record(
        line=line,
        end_line=end,
        message=message,
        time=time,
        level=level,
        sqlstate=sqlstate or None,
        pid=pid_int,
        text=_compose(message, fields),
        fields=fields,
    )


def _csv(lines: Iterator[tuple[int, str, datetime | None]]) -> Iterator[Record]:
    """Records of a csvlog file (a row may span lines)."""
    state: dict[str, int | None] = {"last": 0, "start": None}

    def feed() -> Iterator[str]:
        for number, text, _collector in lines:
            state["last"] = number
            if state["start"] is None:
                state["start"] = number
            yield text + "\n"

    source = feed()
    while True:
        reader = csv.reader(source)
        try:
            for row in reader:
                end = state["last"] or 1
                start = state["start"] or end
                state["start"] = None
                if row:
                    yield _csv_record(row, start, end)
            return
        except csv.Error as exc:
            line = state["start"] or state["last"] or 1
            state["start"] = None
            yield Record(
                line=line,
                end_line=max(line, state["last"] or 1),
                message=f"unreadable csvlog row: {exc}",
                fields={"format": "csvlog", "unparsed": True},
            )


def _csv_record(row: list[str], start: int, end: int) -> Record:
    if len(row) < 14 or not _CSV_HEAD.match(row[0] + ","):
        return Record(
            line=start,
            end_line=end,
            message=_clip(",".join(row)),
            fields={"format": "csvlog", "unparsed": True},
        )
    col = dict(zip(CSV_COLUMNS, row, strict=False))
    details: dict[str, Any] = {
        "user": col.get("user_name"),
        "database": col.get("database_name"),
        "client": col.get("connection_from"),
        "session_id": col.get("session_id"),
        "command_tag": col.get("command_tag"),
        "detail": col.get("detail"),
        "hint": col.get("hint"),
        "query": col.get("internal_query"),
        "context": col.get("context"),
        "statement": col.get("query"),
        "location": col.get("location"),
        "application": col.get("application_name"),
        "backend_type": col.get("backend_type"),
    }
    for key, column in (
        ("position", "query_pos"),
        ("internal_position", "internal_query_pos"),
        ("line_num", "session_line_num"),
    ):
        value = col.get(column)
        if value and value.isdigit():
            details[key] = int(value)
    return _structured(
        start,
        end,
        col.get("log_time"),
        col.get("error_severity"),
        col.get("sql_state_code"),
        col.get("process_id"),
        col.get("message", ""),
        details,
        "csvlog",
    )


def _json(lines: Iterator[tuple[int, str, datetime | None]]) -> Iterator[Record]:
    """Records of a jsonlog file (one object per line)."""
    for number, text, collector in lines:
        if not text.strip():
            continue
        problem = "not a JSON object"
        try:
            obj = load_json(text)
        except LoadError as exc:
            obj, problem = None, exc.message
        if not isinstance(obj, dict):
            yield Record(
                line=number,
                message=_clip(text),
                time=collector,
                fields={"format": "jsonlog", "unparsed": True, "problem": problem},
            )
            continue
        remote = obj.get("remote_host")
        if remote and obj.get("remote_port") is not None:
            remote = f"{remote}:{obj['remote_port']}"
        details = {
            "user": obj.get("user"),
            "database": obj.get("dbname"),
            "client": remote,
            "session_id": obj.get("session_id"),
            "line_num": obj.get("line_num"),
            "command_tag": obj.get("ps"),
            "detail": obj.get("detail"),
            "hint": obj.get("hint"),
            "query": obj.get("internal_query"),
            "internal_position": obj.get("internal_position"),
            "context": obj.get("context"),
            "statement": obj.get("statement"),
            "position": obj.get("cursor_position"),
            "location": _json_location(obj),
            "application": obj.get("application_name"),
            "backend_type": obj.get("backend_type"),
        }
        message = obj.get("message")
        yield _structured(
            number,
            number,
            obj.get("timestamp") if isinstance(obj.get("timestamp"), str) else None,
            obj.get("error_severity") if isinstance(obj.get("error_severity"), str) else None,
            obj.get("state_code") if isinstance(obj.get("state_code"), str) else None,
            obj.get("pid"),
            message if isinstance(message, str) else "",
            details,
            "jsonlog",
        )


def _json_location(obj: dict[str, Any]) -> str | None:
    """jsonlog's func_name/file_name/file_line_num as the `func, file:line` csvlog writes."""
    func, file, line = obj.get("func_name"), obj.get("file_name"), obj.get("file_line_num")
    if not file:
        return None
    where = f"{file}:{line}" if line is not None else str(file)
    return f"{func}, {where}" if func else where


# ---------------------------------------------------------------------------------------------


def _lines(src: TextSource) -> Iterator[tuple[int, str, datetime | None]]:
    """(line number, line without a collector's prefix, the collector's time)."""
    for number, line in src.lines():
        when, rest = strip_collector_prefix(line)
        yield number, rest, when


def detect(line: str) -> str:
    """stderr, csvlog or jsonlog, from a first non-empty line."""
    stripped = line.lstrip()
    if stripped.startswith("{"):
        return "jsonlog"
    if _CSV_HEAD.match(stripped):
        return "csvlog"
    return "stderr"


def iter_records(src: TextSource) -> Iterator[Record]:
    """Records of a PostgreSQL log (stderr, csvlog or jsonlog), streamed."""
    lines = _lines(src)
    first: list[tuple[int, str, datetime | None]] = []
    for item in lines:
        first.append(item)
        if item[1].strip():
            break
    if not first:
        return
    stream = itertools.chain(first, lines)
    fmt = detect(first[-1][1])
    if fmt == "jsonlog":
        yield from _json(stream)
    elif fmt == "csvlog":
        yield from _csv(stream)
    else:
        yield from _stderr(stream)


_SNIFF_STDERR = re.compile(
    r"^(?:\d{4}-\d\d-\d\dT\S+ )?(?:< ?)?(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\d{10}\.\d{3})[^\n]{0,300}?"
)


def sniff(head: str) -> bool:
    """True when the head of a member reads as a PostgreSQL log in one of its formats."""
    for raw in head.split("\n")[:50]:
        _when, line = strip_collector_prefix(raw)
        if not line.strip():
            continue
        fmt = detect(line)
        if fmt == "jsonlog":
            if '"error_severity"' in line and '"timestamp"' in line:
                return True
            continue
        if fmt == "csvlog":
            cells = line.split(",")
            if len(cells) >= 14 and any(c in SEVERITIES for c in cells[10:14]):
                return True
            continue
        m = _LABEL_RE.search(line, 0, PREFIX_SEARCH)
        if (
            m
            and _SNIFF_STDERR.match(line[: m.start()] + " ")
            and _severity(m.group(1)) in SEVERITIES
        ):
            return True
        if m and _PID_RE.search(line[: m.start()]) and _severity(m.group(1)) in SEVERITIES:
            return True
    return False
