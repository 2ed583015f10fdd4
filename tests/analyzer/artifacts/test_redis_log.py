"""redis_log record reader, on logs written by a real redis-server (tests/data/redis/README.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource

from analyzer.artifacts import logtime, redis_log
from analyzer.artifacts.base import Record, TextSource

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "redis"
SCHEMAS = ROOT / "schemas" / "artifacts"
REAL_LOGS = sorted(DATA.glob("*.log"))


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    """A validator for one kind's record schema, with log_record.schema.json resolvable."""
    schemas = [json.loads(p.read_text()) for p in SCHEMAS.glob("*.schema.json")]
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas if "$id" in s
    )
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


VALIDATOR = _validator("redis_log")


def records(text: str | bytes) -> list[Record]:
    data = text.encode() if isinstance(text, str) else text
    return list(redis_log.iter_records(TextSource.from_bytes("redis.log", data)))


def check_schema(recs: list[Record]) -> None:
    for rec in recs:
        errors = [e.message for e in VALIDATOR.iter_errors(logtime.record_to_json(rec))]
        assert not errors, (rec.line, errors)


def by_message(path: Path, start: str) -> Record:
    return next(r for r in records(path.read_bytes()) if r.message.startswith(start))


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: p.name)
def test_every_real_log_parses(path: Path) -> None:
    data = path.read_bytes()
    recs = records(data)
    assert recs
    assert [r.line for r in recs] == sorted(r.line for r in recs)
    # every line lands in one record's text
    assert sum(len(r.text.split("\n")) for r in recs) == len(data.decode().splitlines())
    for rec in recs:
        assert rec.level in ("DEBUG", "INFO", "WARNING")
        assert rec.time is not None and rec.time.tzinfo is UTC
        assert rec.pid is not None
    check_schema(recs)


CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "bgsave-error",
        "master-verbose.log",
        "Background saving error",
        {"level": "WARNING", "role": "master", "pid": 6984, "level_raw": "warning"},
    ),
    (
        "rdb-permission-denied-in-child",
        "misconf.log",
        "Failed opening the temp RDB file temp-9296.rdb",
        {"level": "WARNING", "role": "child", "pid": 9296},
    ),
    (
        "cannot-exit",
        "misconf.log",
        "Error trying to save the DB, can't exit.",
        {"level": "WARNING", "role": "master"},
    ),
    (
        "replica-sync-refused",
        "replica.log",
        "Error condition on socket for SYNC: Connection refused",
        {"level": "WARNING", "role": "replica", "pid": 7087},
    ),
    (
        "maxmemory-warning",
        "master-verbose.log",
        "WARNING: the new maxmemory value set via CONFIG SET (1048576)",
        {"level": "WARNING", "role": "master"},
    ),
    (
        "verbose-is-debug",
        "master-verbose.log",
        "Accepted 127.0.0.1:",
        {"level": "DEBUG", "level_raw": "verbose"},
    ),
    (
        "debug-is-debug",
        "debug.log",
        "The AOF directory appendonlydir doesn't exist",
        {"level": "DEBUG", "level_raw": "debug"},
    ),
    (
        "notice-is-info",
        "misconf.log",
        "Ready to accept connections",
        {"level": "INFO", "level_raw": "notice", "time": "2026-11-26T01:18:07.849000Z"},
    ),
    (
        "version",
        "debug.log",
        "Redis version=7.0.15",
        {"role": "child", "version": "7.0.15"},
    ),
]


@pytest.mark.parametrize(
    ("name", "start", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_real_lines(name: str, start: str, expected: dict[str, Any]) -> None:
    rec = by_message(DATA / name, start)
    got = logtime.record_to_json(rec)
    for key, value in expected.items():
        actual = got[key] if key in got else (rec.fields or {}).get(key)
        assert actual == value, key


def test_banner_is_one_record_with_its_facts() -> None:
    recs = records((DATA / "master-verbose.log").read_bytes())
    banner = next(r for r in recs if r.fields and r.fields["format"] == "banner")
    assert (banner.line, banner.end_line) == (6, 23)
    assert banner.pid == 6984
    assert banner.level == "INFO"
    assert banner.fields == {
        "format": "banner",
        "level_raw": "notice",
        "version": "7.0.15",
        "mode": "standalone",
        "port": 16379,
    }
    # printed between two lines: it takes the time of the one before
    assert banner.time == datetime(2026, 11, 26, 1, 17, 33, 472000, tzinfo=UTC)
    assert "Redis 7.0.15 (00000000/0) 64 bit" in banner.text
    nxt = recs[recs.index(banner) + 1]
    assert (nxt.line, nxt.message) == (24, "Server initialized")


# Lines quoted from public documentation and READMEs (Redis quick start for 2.2; a Redis 4.0.1
# start; docker compose output of Redis 6/7)
OLD_AND_OTHER = [
    (
        "redis-2.2",
        "[28550] 01 Aug 19:29:28 * Server started, Redis version 2.2.12",
        {
            "pid": 28550,
            "level": "INFO",
            "time": None,
            "format": "redis_old",
            "clock_time": "01 Aug 19:29:28",
            "version": "2.2.12",
        },
    ),
    (
        "redis-2.6-millis",
        "[7379] 30 Aug 21:07:01.270 * DB loaded from disk: 0.018 seconds",
        {"pid": 7379, "time": None, "clock_time": "30 Aug 21:07:01.270"},
    ),
    (
        "redis-4-no-year",
        "95231:M 14 Mar 20:36:44.888 * Increased maximum number of open files to 10032 "
        "(it was originally set to 256).",
        {"pid": 95231, "role": "master", "time": None, "clock_time": "14 Mar 20:36:44.888"},
    ),
    (
        "docker-compose-prefix",
        "redis     | 1:C 14 Mar 2022 03:17:16.951 # Warning: no config file specified, using the "
        "default config. In order to specify a config file use redis-server /path/to/redis.conf",
        {"pid": 1, "role": "child", "level": "WARNING", "time": "2022-03-14T03:17:16.951000Z"},
    ),
    (
        "must-gather-prefix",
        "2026-11-26T00:04:43.818123456Z 1:M 14 Mar 2020 08:50:59.797 * Ready to accept connections",
        {
            "time": "2020-03-14T08:50:59.797000Z",
            "collected_time": "2026-11-26T00:04:43.818123Z",
        },
    ),
    (
        "must-gather-prefix-gives-the-time",
        "2026-11-26T00:04:43.818123456Z [7379] 30 Aug 21:07:01.270 * DB loaded from disk: 0.018 "
        "seconds",
        {"time": "2026-11-26T00:04:43.818123Z"},
    ),
]


@pytest.mark.parametrize(
    ("line", "expected"), [c[1:] for c in OLD_AND_OTHER], ids=[c[0] for c in OLD_AND_OTHER]
)
def test_other_formats(line: str, expected: dict[str, Any]) -> None:
    (rec,) = records(line + "\n")
    got = logtime.record_to_json(rec)
    for key, value in expected.items():
        actual = got[key] if key in got else (rec.fields or {}).get(key)
        assert actual == value, key
    check_schema([rec])


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: p.name)
def test_must_gather_prefixed_copy_gives_the_same_records(path: Path) -> None:
    plain = records(path.read_bytes())
    lines = path.read_text().splitlines()
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


def test_raw_lines_join_the_record_before() -> None:
    text = (
        "9283:M 26 Nov 2026 01:18:09.956 # Background saving error\n"
        "  raw continuation\n"
        "9283:M 26 Nov 2026 01:18:11.889 # User requested shutdown...\n"
    )
    recs = records(text)
    assert [(r.line, r.end_line) for r in recs] == [(1, 2), (3, 3)]
    assert recs[0].text == "Background saving error\n  raw continuation"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        bytes(range(256)) * 20,
        b"1:Q 99 Foo 2026 99:99:99.999 ! x\n",
        b"1:M 31 Feb 2026 00:00:00.000 * x\n",
    ],
    ids=["empty", "blank", "binary", "not-redis", "no-such-day"],
)
def test_garbage_does_not_raise(data: bytes) -> None:
    check_schema(records(data))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=60),
            st.sampled_from((DATA / "master-verbose.log").read_text().splitlines()),
        ),
        max_size=25,
    )
)
def test_random_text_never_raises(lines: list[str]) -> None:
    recs = records("\n".join(lines))
    for rec in recs:
        assert 1 <= rec.line <= rec.end_line
    check_schema(recs)


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: p.name)
def test_sniff_recognizes_real_logs(path: Path) -> None:
    assert redis_log.sniff(path.read_bytes()[:1024].decode())


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "tests" / "data" / "quay" / "healthy-push-pull" / "quay-container.log",
        ROOT / "tests" / "data" / "postgres" / "log-samples" / "postgresql-Thu.log",
    ],
    ids=lambda p: p.name,
)
def test_sniff_rejects_other_logs(path: Path) -> None:
    assert not redis_log.sniff(path.read_bytes()[:1024].decode("utf-8", "replace"))
