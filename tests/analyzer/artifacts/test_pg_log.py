"""pg_log record reader, on real PostgreSQL 15 logs (tests/data/postgres/log-samples, log-variants)."""

from __future__ import annotations

import io
import json
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource

from analyzer.artifacts import logtime, pg_log
from analyzer.artifacts.base import Record, TextSource

ROOT = Path(__file__).resolve().parents[3]
PG = ROOT / "tests" / "data" / "postgres"
SAMPLES = PG / "log-samples"
VARIANTS = PG / "log-variants"
SCHEMAS = ROOT / "schemas" / "artifacts"
REAL_LOGS = sorted(SAMPLES.glob("postgresql-Thu.*")) + sorted(
    p for p in VARIANTS.iterdir() if p.suffix in (".log", ".csv", ".json", ".txt")
)
SESSIONS = [SAMPLES / "postgresql-Thu", VARIANTS / "ja-jst"]


def _validator() -> jsonschema.Draft202012Validator:
    schemas = [json.loads(p.read_text()) for p in SCHEMAS.glob("*.schema.json")]
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas if "$id" in s
    )
    schema = json.loads((SCHEMAS / "pg_log.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


VALIDATOR = _validator()


def records(data: str | bytes, name: str = "postgresql.log") -> list[Record]:
    raw = data.encode() if isinstance(data, str) else data
    recs = list(pg_log.iter_records(TextSource.from_bytes(name, raw)))
    for rec in recs:
        errors = [e.message for e in VALIDATOR.iter_errors(logtime.record_to_json(rec))]
        assert not errors, (rec.line, errors)
    return recs


def load(path: Path) -> list[Record]:
    return records(path.read_bytes(), path.name)


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: p.name)
def test_every_real_log_parses(path: Path) -> None:
    recs = load(path)
    assert recs
    assert all(r.level is not None and r.time is not None for r in recs)
    assert not any((r.fields or {}).get("unparsed") for r in recs)
    assert [r.line for r in recs] == sorted(r.line for r in recs)
    # records cover the file: each starts after the previous one ended
    for before, after in zip(recs, recs[1:], strict=False):
        assert before.end_line < after.line
    lines = path.read_text().splitlines()
    assert recs[-1].end_line == len(lines)


@pytest.mark.parametrize("base", SESSIONS, ids=lambda p: p.name)
def test_three_formats_of_one_session_agree(base: Path) -> None:
    text = load(base.with_suffix(".log"))
    csv_ = load(base.with_suffix(".csv"))
    json_ = load(base.with_suffix(".json"))
    assert len(text) == len(csv_) == len(json_)
    for t, c, j in zip(text, csv_, json_, strict=True):
        assert (t.time, t.level, t.message, t.text, t.pid) == (
            c.time,
            c.level,
            c.message,
            c.text,
            c.pid,
        )
        assert (c.time, c.level, c.message, c.text, c.pid) == (
            j.time,
            j.level,
            j.message,
            j.text,
            j.pid,
        )
        # jsonlog leaves out 00000; where both carry a SQLSTATE it is the same
        if j.sqlstate is not None:
            assert j.sqlstate == c.sqlstate
        else:
            assert c.sqlstate == "00000"
        assert t.fields["format"] == "stderr" and c.fields["format"] == "csvlog"


# formats.md §5.3 messages marked ✔ (reproduced in the samples): severity, SQLSTATE, message
CATALOGUE = [
    ("FATAL", "53300", "sorry, too many clients already"),
    (
        "FATAL",
        "53300",
        "remaining connection slots are reserved for non-replication superuser connections",
    ),
    ("LOG", "00000", "database system was interrupted; last known up at 2026-11-26 00:04:55 UTC"),
    ("LOG", "00000", "database system was not properly shut down; automatic recovery in progress"),
    ("LOG", "00000", "redo starts at 0/2400078"),
    ("LOG", "00000", "checkpoints are occurring too frequently (15 seconds apart)"),
    ("LOG", "00000", "checkpoints are occurring too frequently (1 second apart)"),
    ("FATAL", "57P01", "terminating connection due to administrator command"),
    ("FATAL", "28P01", 'password authentication failed for user "app"'),
    (
        "FATAL",
        "28000",
        'no pg_hba.conf entry for host "127.0.0.1", user "nobody", database "appdb", no encryption',
    ),
    ("LOG", "00000", "server process (PID 11944) was terminated by signal 9: Killed"),
    ("LOG", "00000", "terminating any other active server processes"),
    ("LOG", "00000", "all server processes terminated; reinitializing"),
    ("ERROR", "40P01", "deadlock detected"),
    ("ERROR", "57014", "canceling statement due to statement timeout"),
    ("FATAL", "57P03", "the database system is starting up"),
    ("FATAL", "57P03", "the database system is not yet accepting connections"),
]


@pytest.mark.parametrize("level,sqlstate,message", CATALOGUE, ids=[c[2][:48] for c in CATALOGUE])
@pytest.mark.parametrize("suffix", [".log", ".csv", ".json"])
def test_catalogue_messages_are_found(suffix: str, level: str, sqlstate: str, message: str) -> None:
    recs = load((SAMPLES / "postgresql-Thu").with_suffix(suffix))
    found = [r for r in recs if r.message == message]
    assert found
    assert {r.level for r in found} == {level}
    if suffix != ".log":  # the stderr sample's prefix has no %e
        assert {r.sqlstate or "00000" for r in found} == {sqlstate}


@pytest.mark.parametrize("suffix", [".log", ".csv", ".json"])
def test_fields_of_the_catalogue(suffix: str) -> None:
    recs = load((SAMPLES / "postgresql-Thu").with_suffix(suffix))
    by_message = {r.message: r for r in recs}
    hint = by_message["checkpoints are occurring too frequently (15 seconds apart)"].fields["hint"]
    assert hint == 'Consider increasing the configuration parameter "max_wal_size".'
    auth = by_message['password authentication failed for user "app"']
    assert auth.fields["detail"].startswith("Connection matched pg_hba.conf line 2: ")
    killed = by_message["server process (PID 11944) was terminated by signal 9: Killed"]
    assert killed.fields["detail"] == "Failed process was running: select pg_sleep(5)"
    recovery = by_message["the database system is not yet accepting connections"]
    assert recovery.fields["detail"] == "Consistent recovery state has not been yet reached."


def test_deadlock_record_as_the_facts_sheet_shows_it() -> None:
    # formats.md §5.1 quotes this record line by line
    rec = next(r for r in load(SAMPLES / "postgresql-Thu.log") if r.message == "deadlock detected")
    assert (rec.line, rec.end_line, rec.pid, rec.level) == (30, 37, 6664, "ERROR")
    assert rec.time == datetime(2026, 11, 26, 0, 4, 44, 781000, tzinfo=UTC)
    assert rec.text == (
        "deadlock detected\n"
        "DETAIL:  Process 6664 waits for ShareLock on transaction 733; blocked by process 6665.\n"
        "Process 6665 waits for ShareLock on transaction 732; blocked by process 6664.\n"
        "Process 6664: update t set v=1 where id=2\n"
        "Process 6665: update t set v=2 where id=1\n"
        "HINT:  See server log for query details.\n"
        'CONTEXT:  while updating tuple (0,2) in relation "t"\n'
        "STATEMENT:  update t set v=1 where id=2"
    )
    assert rec.fields["statement"] == "update t set v=1 where id=2"


def test_position_moves_out_of_the_message() -> None:
    recs = load(SAMPLES / "postgresql-Thu.log")
    rec = next(r for r in recs if r.message == 'relation "t" does not exist')
    assert rec.fields["position"] == 15
    csv_rec = next(r for r in load(SAMPLES / "postgresql-Thu.csv") if r.time == rec.time)
    assert csv_rec.message == rec.message and csv_rec.fields["position"] == 15


# ---------------------------------------------------------------------------------------------
# Prefixes, zones, languages (log-variants)


@pytest.mark.parametrize(
    "name,first_time,pid",
    [
        ("rhel-est.log", datetime(2026, 11, 26, 1, 18, 25, 407000, tzinfo=UTC), None),
        ("pgbadger-cet.log", datetime(2026, 11, 26, 1, 18, 32, tzinfo=UTC), 9772),
        ("sqlstate-plus03.log", datetime(2026, 11, 26, 1, 18, 37, 741000, tzinfo=UTC), 9984),
        ("ja-jst.log", datetime(2026, 11, 26, 1, 18, 43, 11000, tzinfo=UTC), 10082),
    ],
)
def test_prefix_variants_time_and_pid(name: str, first_time: datetime, pid: int | None) -> None:
    first = load(VARIANTS / name)[0]
    assert (first.time, first.pid, first.level) == (first_time, pid, "LOG")
    assert not first.fields.get("tz_assumed")
    assert first.message.startswith(("starting PostgreSQL 15.18", "PostgreSQL 15.18"))


def _find(name: str, start: str) -> Record:
    return next(r for r in load(VARIANTS / name) if r.message.startswith(start))


def test_rhel_prefix_without_a_blank() -> None:
    rec = _find("rhel-est.log", "password authentication failed")
    assert rec.level == "FATAL" and rec.fields["detail"].startswith("Connection matched")


def test_pgbadger_prefix_fields() -> None:
    rec = _find("pgbadger-cet.log", "syntax error at or near")
    picked = {k: rec.fields[k] for k in ("user", "database", "application", "client", "position")}
    assert picked == {
        "user": "postgres",
        "database": "postgres",
        "application": "psql",
        "client": "127.0.0.1",
        "position": 1,
    }
    # [unknown] is not a user
    received = _find("pgbadger-cet.log", "connection received")
    assert "user" not in received.fields


@pytest.mark.parametrize(
    "start,sqlstate",
    [
        ("starting PostgreSQL", "00000"),
        ("password authentication failed", "28P01"),
        ('database "nope" does not exist', "3D000"),
        ("division by zero", "22012"),
        ("syntax error at or near", "42601"),
        ("canceling statement", "57014"),
        ("first line", "01000"),
    ],
)
def test_sqlstate_from_the_prefix(start: str, sqlstate: str) -> None:
    assert _find("sqlstate-plus03.log", start).sqlstate == sqlstate


def test_japanese_log() -> None:
    rec = _find("ja-jst.log", "ユーザー")
    assert rec.level == "FATAL"
    assert rec.message == 'ユーザー"app"のパスワード認証に失敗しました'
    assert rec.fields["detail"].startswith("接続はpg_hba.confの行2に一致しました")
    assert rec.text.splitlines()[1].startswith("DETAIL:  接続は")
    syntax = _find("ja-jst.log", '"selec"')
    assert (syntax.message, syntax.fields["position"], syntax.fields["statement"]) == (
        '"selec"またはその近辺で構文エラー',
        1,
        "selec 1",
    )
    warning = _find("ja-jst.log", "first line")
    assert warning.fields["context"].startswith("PL/pgSQL関数")


def test_older_japanese_severity_words() -> None:
    # The real ja-jst line with the severity as PostgreSQL 12 and older translated it
    # (致命的エラー for FATAL, ログ for LOG; the field words are the same as in 15).
    line = next(x for x in (VARIANTS / "ja-jst.log").read_text().splitlines() if "FATAL:" in x)
    detail = next(x for x in (VARIANTS / "ja-jst.log").read_text().splitlines() if "詳細:" in x)
    old = line.replace("FATAL:  ", "致命的エラー:  ")
    log = "2026-11-26 10:18:43.011 JST [10082] ログ:  データベースシステムの接続受け付け準備が整いました"
    recs = records(f"{log}\n{old}\n{detail}\n")
    assert [r.level for r in recs] == ["LOG", "FATAL"]
    assert recs[1].fields["level_raw"] == "致命的エラー"
    assert recs[1].fields["detail"].startswith("接続は")


def test_lines_written_before_the_configuration_is_read() -> None:
    # the server uses its built-in prefix and GMT until postgresql.conf is loaded
    # (postgres_C.txt captured such a line)
    line = (
        "2026-11-26 00:03:35.012 GMT [808] LOG:  skipping missing configuration file "
        '"/data/case/inc/missing.conf"'
    )
    (rec,) = records(line)
    assert (rec.time, rec.pid, rec.level) == (
        datetime(2026, 11, 26, 0, 3, 35, 12000, tzinfo=UTC),
        808,
        "LOG",
    )


@pytest.mark.parametrize(
    "zone,offset,assumed",
    [
        ("UTC", 0, False),
        ("GMT", 0, False),
        ("EST", -300, False),
        ("CEST", 120, False),
        ("JST", 540, False),
        ("+03", 180, False),
        ("-0330", -210, False),
        ("+05:45", 345, False),
        ("CST", 0, True),
        ("XYZT", 0, True),
        (None, 0, True),
    ],
)
def test_zones(zone: str | None, offset: int, assumed: bool) -> None:
    tz, was_assumed = pg_log.zone(zone)
    assert tz.utcoffset(None).total_seconds() == offset * 60
    assert was_assumed is assumed


def test_unknown_zone_is_read_as_utc_and_flagged() -> None:
    line = next(iter((SAMPLES / "postgresql-Thu.log").read_text().splitlines()))
    (rec,) = records(line.replace(" UTC [", " CST ["))
    assert rec.time == datetime(2026, 11, 26, 0, 4, 28, 182000, tzinfo=UTC)
    assert rec.fields["tz_assumed"] is True


# ---------------------------------------------------------------------------------------------
# Collectors, versions, limits


@pytest.mark.parametrize(
    "path", [SAMPLES / "postgresql-Thu.log", VARIANTS / "rhel-est.log"], ids=lambda p: p.name
)
def test_must_gather_prefixed_copy_gives_the_same_records(path: Path) -> None:
    plain = load(path)
    lines = path.read_text().splitlines()
    # kubelet's RFC3339NanoFixed prefix, as formats.md §3.1 shows it
    prefixed = records("".join(f"2026-11-26T00:04:43.818123456Z {x}\n" for x in lines))
    assert len(plain) == len(prefixed)
    for a, b in zip(plain, prefixed, strict=True):
        assert (a.line, a.end_line, a.level, a.pid, a.message, a.text, a.time) == (
            b.line,
            b.end_line,
            b.level,
            b.pid,
            b.message,
            b.text,
            b.time,
        )
        assert b.fields["collected_time"] == "2026-11-26T00:04:43.818123Z"


def test_container_output_without_own_time_takes_the_collectors() -> None:
    # the server's own stdout before the collector starts (real), behind a kubelet prefix
    text = (VARIANTS / "pgbadger-cet.stdout.txt").read_text().splitlines()
    recs = records("".join(f"2026-11-26T01:18:32.100000000Z {x}\n" for x in text))
    assert recs[0].message == "redirecting log output to logging collector process"
    assert recs[0].fields["hint"] == 'Future log output will appear in directory "log".'


def test_csvlog_of_older_versions_by_column_count() -> None:
    # PostgreSQL 9.0-12 write 23 columns (no backend_type, leader_pid, query_id): the same
    # real rows cut to 23 columns read the same
    import csv

    rows = list(csv.reader(io.StringIO((SAMPLES / "postgresql-Thu.csv").read_text())))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(r[:23] for r in rows)
    old = records(out.getvalue(), "old.csv")
    new = load(SAMPLES / "postgresql-Thu.csv")
    assert [(r.time, r.level, r.sqlstate, r.message, r.text) for r in old] == [
        (r.time, r.level, r.sqlstate, r.message, r.text) for r in new
    ]
    assert "backend_type" not in old[0].fields and new[0].fields["backend_type"] == "postmaster"


def test_a_huge_record_stays_bounded() -> None:
    lines = (SAMPLES / "postgresql-Thu.log").read_text().splitlines()
    head = next(i for i, x in enumerate(lines) if x.endswith("ERROR:  deadlock detected"))
    tab = lines[head + 2]
    big = [lines[head], lines[head + 1], *[tab] * 20000, *lines[head + 4 : head + 8]]
    (rec,) = records("\n".join(big))
    assert rec.fields["omitted_lines"] > 19000
    assert len(rec.text) < 70 * 1024
    assert rec.fields["statement"] == "update t set v=1 where id=2"
    assert rec.end_line == len(big)


class CountingStream(io.RawIOBase):
    """A long log served lazily, counting what was read."""

    def __init__(self, block: bytes, repeat: int) -> None:
        self.block, self.left, self.read_bytes = block, repeat, 0
        self.buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while len(self.buffer) < len(b) and self.left:
            self.buffer += self.block
            self.left -= 1
        chunk, self.buffer = self.buffer[: len(b)], self.buffer[len(b) :]
        b[: len(chunk)] = chunk
        self.read_bytes += len(chunk)
        return len(chunk)


def test_reading_streams() -> None:
    block = (SAMPLES / "postgresql-Thu.log").read_bytes()
    stream = CountingStream(block, 5000)  # about 50 MB
    src = TextSource(path="big.log", opener=lambda: io.BufferedReader(stream))
    gen = pg_log.iter_records(src)
    assert isinstance(gen, types.GeneratorType)
    first = [next(gen) for _ in range(100)]
    assert first[0].message.startswith("starting PostgreSQL")
    assert stream.read_bytes < 4 * 1024 * 1024


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        bytes(range(256)) * 20,
        b"\tcontinuation with nothing before\n",
        b"DETAIL:  orphan field\n",
        b'{"timestamp": 3}\n{broken\n',
        b'2026-11-26 00:00:00 UTC,"a\n',
    ],
    ids=["empty", "blank", "binary", "orphan-tab", "orphan-detail", "bad-json", "bad-csv"],
)
def test_garbage_does_not_raise(data: bytes) -> None:
    records(data)


SAMPLE_LINES = (SAMPLES / "postgresql-Thu.log").read_text().splitlines()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=60), st.sampled_from(SAMPLE_LINES)), max_size=25))
def test_random_text_never_raises(lines: list[str]) -> None:
    for rec in records("\n".join(lines)):
        assert 1 <= rec.line <= rec.end_line


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=10))
def test_random_json_lines_never_raise(lines: list[str]) -> None:
    records("\n".join("{" + x for x in lines))


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: p.name)
def test_sniff_recognizes_real_logs(path: Path) -> None:
    assert pg_log.sniff(path.read_bytes()[:1024].decode("utf-8", "replace"))


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "tests" / "data" / "quay" / "healthy-push-pull" / "quay-container.log",
        PG / "postgresql.conf.pg15-default",
        PG / "settings" / "show_all.txt",
        PG / "conf-cases" / "pg_file_settings.txt",
    ],
    ids=lambda p: p.name,
)
def test_sniff_rejects_other_files(path: Path) -> None:
    assert not pg_log.sniff(path.read_bytes()[:1024].decode("utf-8", "replace"))
