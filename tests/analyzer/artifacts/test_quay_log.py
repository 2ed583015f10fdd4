"""quay_log record reader (and the shared logtime helpers it stands on), on real Quay logs."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource

from analyzer.artifacts import logtime, quay_log
from analyzer.artifacts.base import Record, TextSource

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "quay"
SCHEMAS = ROOT / "schemas" / "artifacts"
REAL_LOGS = sorted(DATA.glob("*/*.log"))
STARTUP = DATA / "startup-without-service-key" / "quay-container.log"
HEALTHY = DATA / "healthy-push-pull" / "quay-container.log"
MIGRATION = DATA / "init-and-migration" / "runmigration.log"

# A must-gather / `oc logs --timestamps` prefix (kubelet RFC3339NanoFixed), as formats.md §3.1 shows it
KUBELET_STAMP = "2026-11-26T00:04:43.818123456Z "


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    """A validator for one kind's record schema, with log_record.schema.json resolvable."""
    schemas = [json.loads(p.read_text()) for p in SCHEMAS.glob("*.schema.json")]
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas if "$id" in s
    )
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


VALIDATOR = _validator("quay_log")


def records(text: str | bytes, path: str = "quay.log") -> list[Record]:
    """All records of a text, as the pipeline would read them."""
    data = text.encode() if isinstance(text, str) else text
    return list(quay_log.iter_records(TextSource.from_bytes(path, data)))


def one(line: str) -> Record:
    """The single record of a one-line log."""
    recs = records(line + "\n")
    assert len(recs) == 1
    return recs[0]


def check_schema(recs: list[Record]) -> None:
    """Every record's JSON form passes schemas/artifacts/quay_log.schema.json."""
    for rec in recs:
        errors = [e.message for e in VALIDATOR.iter_errors(logtime.record_to_json(rec))]
        assert not errors, (rec.line, errors)


def file_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


# --- every real log ------------------------------------------------------------------------


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_log_parses_into_ordered_covering_records(path: Path) -> None:
    data = path.read_bytes()
    recs = records(data, str(path))
    assert recs
    assert [r.line for r in recs] == sorted(r.line for r in recs)
    # every line of the file lands in exactly one record's text (no blank lines in these logs)
    assert sum(len(r.text.split("\n")) for r in recs) == len(data.decode().splitlines())
    for rec in recs:
        assert 1 <= rec.line <= rec.end_line
        assert rec.time is None or rec.time.tzinfo is UTC
        assert rec.text.split("\n")[0] == rec.message
        assert rec.level in (None, "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    check_schema(recs)


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_iter_records_is_a_generator(path: Path) -> None:
    gen = quay_log.iter_records(TextSource.from_bytes(str(path), path.read_bytes()))
    assert iter(gen) is gen
    assert isinstance(next(gen), Record)


# --- tracebacks ----------------------------------------------------------------------------


def _body(line: str) -> str:
    """A multiplexed line without its `<program> <stream> | ` prefix."""
    return line.split(" | ", 1)[1]


def test_traceback_is_joined_into_one_record_ending_with_the_exception() -> None:
    lines = file_lines(STARTUP)
    recs = {r.line: r for r in records(STARTUP.read_bytes())}
    rec = recs[33]
    assert rec.end_line == 96
    assert rec.program == "gunicorn-web"
    assert rec.stream == "stdout"
    assert rec.level == "ERROR"
    assert rec.logger == "health.services"
    assert rec.pid == 32136
    assert rec.time == datetime(2026, 11, 26, 0, 3, 32, 856000, tzinfo=UTC)
    assert (
        rec.message
        == "Exception when checking worker health: http://localhost:8080/v1/_internal_ping"
    )
    # the record's text is exactly lines 33..96 without the supervisord prefix
    expected = [rec.message] + [_body(x) for x in lines[33:96]]
    assert rec.text.split("\n") == expected
    assert rec.text.endswith(
        "requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port=8080): "
        "Max retries exceeded with url: /v1/_internal_ping (Caused by NewConnectionError("
        "\"HTTPConnection(host='localhost', port=8080): Failed to establish a new connection: "
        '[Errno 111] Connection refused"))'
    )
    # the next record starts right after it
    assert recs[97].message.endswith("http://localhost:8080/_internal_ping")


@pytest.mark.parametrize(
    ("first", "last", "logger", "final"),
    [
        (
            163,
            234,
            "gunicorn.error",
            "FileNotFoundError: [Errno 2] No such file or directory: '/quay-registry/conf/quay.kid'",
        ),
        (
            237,
            248,
            "health.storage_engines",
            "Registry data must be stored under a mounted volume to prevent data loss",
        ),
    ],
    ids=["gunicorn-socket-error", "storage-check-multiline-exception"],
)
def test_more_tracebacks_of_the_startup_log(first: int, last: int, logger: str, final: str) -> None:
    rec = next(r for r in records(STARTUP.read_bytes()) if r.line == first)
    assert (rec.end_line, rec.logger, rec.level) == (last, logger, "ERROR")
    assert rec.text.split("\n")[-1] == final
    assert "Traceback (most recent call last):" in rec.text


def test_unprefixed_traceback_in_the_migration_log_joins_its_headline() -> None:
    recs = records(MIGRATION.read_bytes())
    first = recs[0]
    assert (
        first.message
        == "Failed to open GeoIP database at /quay-registry/util/ipresolver/ip-to-country.mmdb"
    )
    assert (first.line, first.end_line) == (1, 9)
    assert first.text.split("\n")[-1].startswith("FileNotFoundError: [Errno 2]")
    assert recs[1].line == 10
    warning = next(r for r in recs if r.logger == "py.warnings")
    assert (warning.line, warning.end_line, warning.level) == (62, 63, "WARNING")
    assert warning.fields is not None and warning.fields["category"] == "UserWarning"
    assert warning.text.endswith("  super().alter_column(")


def test_alembic_lines_have_level_and_logger_but_no_date() -> None:
    rec = next(r for r in records(MIGRATION.read_bytes()) if r.line == 19)
    assert rec.message == "Context impl PostgresqlImpl."
    assert (rec.level, rec.logger, rec.time) == ("INFO", "alembic.runtime.migration", None)
    assert rec.fields == {"format": "alembic", "clock_time": "00:02:47"}


def test_nonetype_none_continues_the_record() -> None:
    # logger.exception outside an except block prints `NoneType: None` after the line
    text = (
        "gunicorn-web stdout | 2026-11-26 00:03:32,943 [32133] [ERROR] [health.storage_engines] "
        "Preferred storage 'default' check failed\n"
        "gunicorn-web stdout | NoneType: None\n"
    )
    (rec,) = records(text)
    assert rec.text.endswith("\nNoneType: None")
    assert (rec.line, rec.end_line) == (1, 2)


# --- one line of each shape ----------------------------------------------------------------

LINE_CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "nginx-access-502",
        'nginx stdout | 127.0.0.1 (-) - - [26/Nov/2026:00:10:21 +0000] "GET /v2/ HTTP/1.1" 502 446 '
        '"-" "curl/7.88.1" (0.000 81 0.000)',
        {
            "program": "nginx",
            "stream": "stdout",
            "level": "INFO",
            "logger": "nginx.access",
            "time": "2026-11-26T00:10:21Z",
            "fields": {
                "format": "nginx_access",
                "status": 502,
                "method": "GET",
                "path": "/v2/",
                "protocol": "HTTP/1.1",
                "bytes": 446,
                "client": "127.0.0.1",
                "proxy_protocol_addr": None,
                "remote_user": None,
                "user_agent": "curl/7.88.1",
                "referer": None,
                "request_time_s": 0.0,
                "request_length": 81,
                "upstream_response_time_s": 0.0,
            },
        },
    ),
    (
        "nginx-access-facts-sheet",
        'nginx stdout | 172.17.0.1 (-) - - [29/Jul/2024:17:37:01 +0000] "POST '
        '/v2/oc-mirror/blobs/uploads/ HTTP/1.1" 401 112 "-" "go-containerregistry/v0.15.2" '
        "(0.001 1259 0.002)",
        {
            "level": "INFO",
            "time": "2024-07-29T17:37:01Z",
            "fields": {
                "status": 401,
                "method": "POST",
                "path": "/v2/oc-mirror/blobs/uploads/",
                "request_time_s": 0.001,
                "upstream_response_time_s": 0.002,
                "upstream_response_time_raw": "0.002",
            },
        },
    ),
    (
        "nginx-access-authenticated",
        'nginx stdout | 127.0.0.1 (-) - quayadmin [26/Nov/2026:00:10:25 +0000] "GET '
        '/v2/auth?service=localhost:8080&scope=repository:quayadmin/busybox:pull,push HTTP/1.1" '
        '401 90 "-" "curl/7.88.1" (0.201 204 0.200)',
        {"fields": {"remote_user": "quayadmin", "status": 401, "request_time_s": 0.201}},
    ),
    (
        "nginx-error-crit",
        "nginx stdout | 2026/11/26 00:10:21 [crit] 15276#15276: *11 connect() to "
        "unix:/tmp/gunicorn_registry.sock failed (2: No such file or directory) while connecting "
        'to upstream, client: 127.0.0.1, server: , request: "GET /v2/ HTTP/1.1", upstream: '
        '"http://unix:/tmp/gunicorn_registry.sock:/v2/", host: "127.0.0.1:8080"',
        {
            "program": "nginx",
            "level": "CRITICAL",
            "logger": "nginx",
            "pid": 15276,
            "time": "2026-11-26T00:10:21Z",
            "fields": {
                "format": "nginx_error",
                "level_raw": "crit",
                "tid": 15276,
                "connection": 11,
                "client": "127.0.0.1",
                "server": None,
                "request": "GET /v2/ HTTP/1.1",
                "upstream": "http://unix:/tmp/gunicorn_registry.sock:/v2/",
                "host": "127.0.0.1:8080",
            },
        },
    ),
    (
        "gunicorn-access",
        "gunicorn-registry stdout | 2026-11-26 00:08:40,709 [13727] [INFO] [gunicorn.access] "
        '127.0.0.1 - - [26/Nov/2026:00:08:40 +0000] "GET /v2/ HTTP/1.1" 401 4 "-" "curl/7.88.1"',
        {
            "program": "gunicorn-registry",
            "level": "INFO",
            "logger": "gunicorn.access",
            "pid": 13727,
            "time": "2026-11-26T00:08:40.709000Z",
            "fields": {
                "format": "gunicorn_access",
                "status": 401,
                "method": "GET",
                "path": "/v2/",
                "bytes": 4,
                "user_agent": "curl/7.88.1",
            },
        },
    ),
    (
        "gunicorn-access-facts-sheet",
        "gunicorn-registry stdout | 2024-07-29 17:37:01,458 [336] [INFO] [gunicorn.access] "
        '172.17.0.1 - - [29/Jul/2024:17:37:01 +0000] "POST /v2/oc-mirror/blobs/uploads/ HTTP/1.1" '
        '401 112 "-" "go-containerregistry/v0.15.2"',
        {"pid": 336, "fields": {"status": 401, "method": "POST", "bytes": 112}},
    ),
    (
        "gunicorn-error",
        "gunicorn-web stdout | 2026-11-26 00:03:32,894 [32136] [ERROR] [gunicorn.error] "
        "Socket error processing request.",
        {
            "program": "gunicorn-web",
            "level": "ERROR",
            "logger": "gunicorn.error",
            "message": "Socket error processing request.",
            "fields": {"format": "python"},
        },
    ),
    (
        "python-warning-level",
        "gunicorn-registry stdout | 2026-11-26 00:10:24,935 [15378] [WARNING] [data.cache.impl] "
        "Got exception when trying to set key repository_lookup_quayadmin_hello: [Errno 111] "
        "Connection refused",
        {"level": "WARNING", "logger": "data.cache.impl", "pid": 15378},
    ),
    (
        "supervisord-crit",
        "2026-11-26 00:03:05,790 CRIT Supervisor is running as root.  Privileges were not dropped "
        "because no user is specified in the config file.  If you intend to run as root, you can "
        "set user=root in the config file to avoid this message.",
        {"program": "supervisord", "stream": None, "level": "CRITICAL", "logger": None},
    ),
    (
        "supervisord-spawned",
        "2026-11-26 00:10:15,293 INFO spawned: 'gcworker' with pid 15249",
        {
            "program": "supervisord",
            "level": "INFO",
            "time": "2026-11-26T00:10:15.293000Z",
            "message": "spawned: 'gcworker' with pid 15249",
            "fields": {"event": "spawned", "target_program": "gcworker", "child_pid": 15249},
        },
    ),
    (
        "supervisord-stopped-signal",
        "2026-11-26 00:11:06,939 WARN stopped: stdout (terminated by SIGTERM)",
        {
            "level": "WARNING",
            "fields": {"event": "stopped", "target_program": "stdout", "signal": "SIGTERM"},
        },
    ),
    (
        "supervisord-stopped-status",
        "2026-11-26 00:09:16,489 INFO stopped: gcworker (exit status 0)",
        {"fields": {"event": "stopped", "target_program": "gcworker", "exit_status": 0}},
    ),
    (
        "supervisord-success",
        "2026-11-26 00:03:07,859 INFO success: gcworker entered RUNNING state, process has stayed "
        "up for > than 1 seconds (startsecs)",
        {"fields": {"event": "success", "target_program": "gcworker"}},
    ),
    (
        # quay-facts §3.5's supervisord lines with the <prog> placeholder filled in
        "supervisord-exited-unexpectedly",
        "2026-11-26 00:10:48,684 INFO exited: gcworker (exit status 1; not expected)",
        {
            "level": "INFO",
            "fields": {
                "event": "exited",
                "target_program": "gcworker",
                "exit_status": 1,
                "expected": False,
            },
        },
    ),
    (
        "supervisord-gave-up",
        "2026-11-26 00:10:48,684 INFO gave up: gcworker entered FATAL state, too many start "
        "retries too quickly",
        {"fields": {"event": "gave up", "target_program": "gcworker"}},
    ),
    (
        "alembic",
        "00:02:48 INFO  [util.migrate.cleanup_old_robots] Found 0 robots to delete",
        {
            "program": None,
            "level": "INFO",
            "logger": "util.migrate.cleanup_old_robots",
            "time": None,
            "message": "Found 0 robots to delete",
        },
    ),
    (
        "free-text",
        "created org testorg",
        {"level": None, "logger": None, "program": None, "fields": {"format": "text"}},
    ),
]


@pytest.mark.parametrize(
    ("line", "expected"), [c[1:] for c in LINE_CASES], ids=[c[0] for c in LINE_CASES]
)
def test_line_shapes(line: str, expected: dict[str, Any]) -> None:
    rec = one(line)
    got = logtime.record_to_json(rec)
    for key, value in expected.items():
        if key == "fields":
            assert rec.fields is not None
            for fkey, fvalue in value.items():
                assert rec.fields.get(fkey) == fvalue, fkey
        else:
            assert got[key] == value, key
    check_schema([rec])


# --- collector prefixes --------------------------------------------------------------------


def _comparable(rec: Record) -> tuple[Any, ...]:
    fields = dict(rec.fields or {})
    fields.pop("collected_time", None)
    return (
        rec.line,
        rec.end_line,
        rec.program,
        rec.stream,
        rec.level,
        rec.logger,
        rec.pid,
        rec.message,
        rec.text,
        fields,
    )


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize(
    "stamp",
    [KUBELET_STAMP, "2026-11-26T01:04:43.8+01:00 ", "2026-11-26T00:04:43.818123456Z stdout F "],
    ids=["must-gather", "podman-logs-t-offset", "cri-file"],
)
def test_collector_prefixed_copy_gives_the_same_records(path: Path, stamp: str) -> None:
    plain = records(path.read_bytes())
    prefixed = records("".join(stamp + line + "\n" for line in file_lines(path) if line))
    assert [_comparable(r) for r in plain] == [_comparable(r) for r in prefixed]
    collected = datetime(2026, 11, 26, 0, 4, 43, 800000 if "+01" in stamp else 818123, tzinfo=UTC)
    for before, after in zip(plain, prefixed, strict=True):
        if before.time is not None:
            # the body's own time wins; the collector's is kept beside it
            assert after.time == before.time
            assert after.fields is not None
            assert after.fields["collected_time"] == logtime.iso(collected)
        else:
            assert after.time == collected
    check_schema(prefixed)


# --- JSONLOG and syslog variants -----------------------------------------------------------


def _json_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj)


def test_jsonlog_line_with_quay_formatter_shape() -> None:
    # Quay's loghandler.JsonFormatter without a format string writes the message and a `data`
    # object holding extra attributes and, for logger.exception, the formatted frames
    frames = [
        '  File "/quay-registry/health/services.py", line 44, in fn\n'
        "    status_code = client.get(registry_url, verify=False, timeout=2).status_code\n"
    ]
    line = "gunicorn-web stdout | " + _json_line(
        {
            "data": {"exc_info": frames},
            "message": "Exception when checking worker health: http://localhost:8080/v1/_internal_ping",
        }
    )
    rec = one(line)
    assert rec.program == "gunicorn-web"
    assert rec.message.startswith("Exception when checking worker health")
    assert rec.level is None and rec.time is None
    assert rec.fields is not None and rec.fields["format"] == "json"
    assert rec.text.split("\n")[1:] == [
        '  File "/quay-registry/health/services.py", line 44, in fn',
        "    status_code = client.get(registry_url, verify=False, timeout=2).status_code",
    ]
    check_schema([rec])


def test_jsonlog_line_with_usual_keys() -> None:
    line = _json_line(
        {
            "asctime": "2026-11-26 00:03:09,207",
            "levelname": "INFO",
            "name": "data.database",
            "process": 32027,
            "message": "Setting database host to 127.0.0.1 for worker gunicorn-web",
            "data": {},
        }
    )
    rec = one("gunicorn-web stdout | " + line)
    assert (rec.level, rec.logger, rec.pid) == ("INFO", "data.database", 32027)
    assert rec.time == datetime(2026, 11, 26, 0, 3, 9, 207000, tzinfo=UTC)
    assert rec.fields == {"format": "json", "data": {}}


def test_json_that_is_not_a_log_record_is_text() -> None:
    rec = one('{"services": {"auth": true}}')
    assert rec.fields == {"format": "text"}


def test_syslog_relayed_line() -> None:
    # supervisor_logging's formatter: `%(asctime)s <host> %(name)s[%(process)d]: %(message)s`
    body = (
        "2026-11-26 00:03:09,129 [32027] [INFO] [util.ipresolver] Loading AWS IP ranges from disk"
    )
    rec = one(f"<14>Nov 26 00:03:09 quay-host gunicorn-web[32027]: {body}")
    assert (rec.program, rec.stream, rec.pid) == ("gunicorn-web", "syslog", 32027)
    assert (rec.level, rec.logger) == ("INFO", "util.ipresolver")
    assert rec.message == "Loading AWS IP ranges from disk"
    bare = one(f"gcworker[15249]: {body}")
    assert bare.program == "gcworker" and bare.time is not None


# --- interleaving, bounds ------------------------------------------------------------------


def test_interleaved_programs_keep_each_traceback_whole_and_first_line_order() -> None:
    lines = file_lines(STARTUP)
    traceback = lines[32:96]  # record at line 33
    nginx = [x for x in file_lines(HEALTHY) if x.startswith("nginx stdout | 127.0.0.1")][:10]
    mixed: list[str] = []
    for i, line in enumerate(traceback):
        mixed.append(line)
        if i % 7 == 3 and nginx:
            mixed.append(nginx.pop(0))
    recs = records("\n".join(mixed) + "\n")
    assert [r.line for r in recs] == sorted(r.line for r in recs)
    tb = recs[0]
    assert tb.line == 1 and tb.logger == "health.services"
    assert tb.text.split("\n") == [tb.message] + [_body(x) for x in traceback[1:]]
    assert tb.end_line == len(mixed)
    assert all(r.logger == "nginx.access" and r.line == r.end_line for r in recs[1:])


def test_a_quiet_programs_record_is_closed_after_the_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quay_log, "MAX_GAP", 5)
    head = "gcworker stdout | 2026-11-26 00:03:09,042 [32025] [INFO] [apscheduler.scheduler] Scheduler started"
    other = "2026-11-26 00:03:07,859 INFO success: gcworker entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)"
    late = "gcworker stdout | NoneType: None"
    recs = records("\n".join([head] + [other] * 8 + [late]) + "\n")
    assert recs[0].end_line == 1  # closed before the late line came
    assert recs[-1].message == "NoneType: None" and recs[-1].line == 10
    assert recs[-1].program == "gcworker" and recs[-1].level is None


def test_pending_records_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quay_log, "MAX_PENDING", 3)
    head = "gcworker stdout | 2026-11-26 00:03:09,042 [32025] [INFO] [apscheduler.scheduler] Scheduler started"
    other = "2026-11-26 00:03:07,859 INFO success: gcworker entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)"
    gen = quay_log.iter_records(TextSource.from_text("x", "\n".join([head] + [other] * 50)))
    first = next(gen)
    assert first.line == 1 and first.end_line == 1
    assert len(list(gen)) == 50


def test_long_traceback_keeps_head_and_tail_and_says_what_was_left_out() -> None:
    head = "gunicorn-web stdout | 2026-11-26 00:03:32,856 [32136] [ERROR] [health.services] Exception when checking worker health: http://localhost:8080/v1/_internal_ping"
    frame = 'gunicorn-web stdout |   File "/usr/lib/python3.12/http/client.py", line 1025, in send'
    last = "gunicorn-web stdout | ConnectionRefusedError: [Errno 111] Connection refused"
    lines = (
        [head, "gunicorn-web stdout | Traceback (most recent call last):"] + [frame] * 1000 + [last]
    )
    (rec,) = records("\n".join(lines) + "\n")
    assert (rec.line, rec.end_line) == (1, len(lines))
    kept = rec.text.split("\n")
    assert len(kept) <= quay_log.MAX_LINES + 2
    assert kept[-1] == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert any(k.startswith("[… ") and k.endswith(" lines omitted …]") for k in kept)
    assert len(rec.text) <= quay_log.MAX_CHARS + 1000


def test_huge_line_is_clipped() -> None:
    rec = one("gunicorn-web stdout | 2026-11-26 00:03:32,856 [32136] [ERROR] [x] " + "y" * 300_000)
    assert len(rec.message) < 70_000 and "characters cut]" in rec.message
    check_schema([rec])


def test_streaming_reads_only_what_it_needs() -> None:
    chunk = HEALTHY.read_bytes()
    data = chunk * 40  # about 6 MiB
    reads: list[int] = []

    class Counting(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            out = super().read(size)
            reads.append(len(out))
            return out

    src = TextSource(path="big.log", opener=lambda: Counting(data))
    gen = quay_log.iter_records(src)
    next(gen)
    assert sum(reads) <= 2 << 20 < len(data)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n\n",
        b"\x00\x01\x02\xff\xfe" * 1000,
        bytes(range(256)) * 50,
        b"gunicorn-web stdout | \n" * 5,
        b"\xef\xbb\xbfgcworker stdout | 2026-11-26 00:03:09,042 [32025] [INFO] [a] b\n",
        b"gunicorn-web stdout | {" + b"[" * 5000 + b"}\n",
        b"nginx stdout | 2026/99/99 99:99:99 [crit] 1#1: *1 x\n",
        b"2026-13-45 25:61:61,000 [1] [INFO] [x] bad date\n",
        b'Traceback (most recent call last):\n  File "x", line 1\nValueError: x\n',
    ],
    ids=[
        "empty",
        "blank-lines",
        "binary",
        "all-bytes",
        "empty-bodies",
        "bom",
        "deep-json",
        "bad-nginx-date",
        "bad-python-date",
        "orphan-traceback",
    ],
)
def test_garbage_does_not_raise(data: bytes) -> None:
    recs = records(data)
    for rec in recs:
        assert 1 <= rec.line <= rec.end_line
    check_schema(recs)


def test_bad_dates_give_no_time() -> None:
    assert one("2026-13-45 25:61:61,000 [1] [INFO] [x] bad date").time is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(st.text(max_size=80), st.sampled_from(file_lines(STARTUP)[:200])), max_size=30
    )
)
def test_random_text_never_raises(lines: list[str]) -> None:
    recs = records("\n".join(lines))
    assert [r.line for r in recs] == sorted(r.line for r in recs)
    for rec in recs:
        assert 1 <= rec.line <= rec.end_line
        assert rec.time is None or rec.time.tzinfo is UTC
    check_schema(recs)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    check_schema(records(data))


# --- sniff ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sniff_recognizes_real_quay_logs(path: Path) -> None:
    head = path.read_bytes()[:1024].decode("utf-8", "replace")
    if path.name == "create-user.log":
        pytest.skip("two lines of free text carry nothing Quay-specific")
    assert quay_log.sniff(head)


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "tests" / "data" / "postgres" / "log-samples" / "postgresql-Thu.log",
        ROOT / "tests" / "data" / "redis" / "master-verbose.log",
        ROOT / "tests" / "data" / "quay" / "healthy-push-pull" / "config.yaml",
        ROOT / "tests" / "data" / "quay" / "healthy-push-pull" / "health-instance.json",
    ],
    ids=lambda p: p.name,
)
def test_sniff_rejects_other_files(path: Path) -> None:
    assert not quay_log.sniff(path.read_bytes()[:1024].decode("utf-8", "replace"))


# --- logtime ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T00:04:43.818123456Z", "2026-11-26T00:04:43.818123Z"),
        ("2026-11-26 00:03:09,042", "2026-11-26T00:03:09.042000Z"),
        ("2022-11-08T15:28:26.000000000-05:00", "2022-11-08T20:28:26Z"),
        ("2017-11-15 01:51:54.939910", "2017-11-15T01:51:54.939910Z"),
        ("2021-08-15T16:31:11Z", "2021-08-15T16:31:11Z"),
        ("2026-11-26 00:04:43.818 UTC", "2026-11-26T00:04:43.818000Z"),
        ("2023-…Z", None),
        ("2026-02-30T00:00:00Z", None),
        ("", None),
    ],
    ids=[
        "kubelet",
        "python-asctime",
        "offset",
        "clair-v2",
        "zerolog",
        "pg-utc",
        "elided",
        "no-such-day",
        "empty",
    ],
)
def test_parse_iso(text: str, expected: str | None) -> None:
    assert logtime.iso(logtime.parse_iso(text)) == expected


@pytest.mark.parametrize(
    ("line", "when", "rest"),
    [
        (
            "2026-11-26T00:04:43.818123456Z 2026-11-26 00:04:43.818 UTC [6645] FATAL:  x",
            "2026-11-26T00:04:43.818123Z",
            "2026-11-26 00:04:43.818 UTC [6645] FATAL:  x",
        ),
        ("2026-11-26T01:04:43.8+01:00 hello", "2026-11-26T00:04:43.800000Z", "hello"),
        ("2026-11-26T00:04:43Z stderr P part", "2026-11-26T00:04:43Z", "part"),
        ("2026-11-26 00:03:05,790 CRIT x", None, "2026-11-26 00:03:05,790 CRIT x"),
        ("2026-11-26T00:04:43 no zone", None, "2026-11-26T00:04:43 no zone"),
    ],
    ids=["kubelet", "podman-offset", "cri-partial", "program-time", "no-zone"],
)
def test_strip_collector_prefix(line: str, when: str | None, rest: str) -> None:
    got_when, got_rest = logtime.strip_collector_prefix(line)
    assert (logtime.iso(got_when), got_rest) == (when, rest)


def test_parse_clf_converts_offsets() -> None:
    assert logtime.iso(logtime.parse_clf("29/Jul/2024:17:37:01 +0200")) == "2024-07-29T15:37:01Z"
    assert logtime.parse_clf("29/Foo/2024:17:37:01 +0000") is None


def test_split_syslog() -> None:
    header, rest = logtime.split_syslog("Feb 12 10:05:15 172.18.0.1 clair[460]: {}")
    assert header is not None and rest == "{}"
    assert (header.program, header.pid, header.host, header.time_raw) == (
        "clair",
        460,
        "172.18.0.1",
        "Feb 12 10:05:15",
    )
    assert logtime.split_syslog("no header here") == (None, "no header here")


def test_bounded_lines_keeps_head_and_tail() -> None:
    lines = logtime.BoundedLines(max_lines=8, max_chars=10_000)
    for i in range(20):
        lines.add(f"l{i}")
    assert lines.join("first").split("\n") == [
        "first",
        "l0",
        "l1",
        "l2",
        "l3",
        "l4",
        "l5",
        "[… 12 lines omitted …]",
        "l18",
        "l19",
    ]
    assert lines.count == 20


def test_naive_times_are_read_as_utc() -> None:
    assert logtime.to_utc(datetime(2026, 1, 1)).tzinfo is UTC
