"""clair_log record reader, on Clair lines quoted in the facts sheet and in public sources."""

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

from analyzer.artifacts import clair_log, logtime
from analyzer.artifacts.base import Record, TextSource

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "schemas" / "artifacts"

# quay-facts.md §5.3, verbatim (the elisions are the sheet's)
FACTS_STARTING = (
    '{"level":"info","component":"main","version":"v4.7.1","time":"2023-…Z","message":"starting"}'
)
FACTS_LINT = (
    '{"level":"info","component":"main","lint":"<msg> (at '
    '$.indexer.index_report_request_concurrency)",…}'
)
FACTS_CONSOLE = "3:36PM INF handled HTTP request component=httptransport/New … status=404"
# Clair 4.2.0 start-up line, as quoted in a public how-to
READY_420 = (
    '{"level":"info","component":"main","version":"v4.2.0","time":"2021-08-15T16:31:11Z",'
    '"message":"ready"}'
)
# Clair v2 lines as quoted in public issues (quay/clair#483, goharbor/harbor#4261)
V2_PLAIN = (
    '{"Event":"running database migrations","Level":"info","Location":"pgsql.go:216",'
    '"Time":"2017-11-15 01:51:54.939910"}'
)
V2_SYSLOG = (
    'Feb 12 10:05:15 172.18.0.1 clair[460]: {"Event":"could not download RHEL\'s update '
    'list","Level":"error","Location":"rhel.go:106","Time":"2018-02-12 10:05:15.796032",'
    '"error":"Get https://www.redhat.com/security/data/oval/: x509: certificate signed by '
    'unknown authority"}'
)
# Go's log/slog JSONHandler output as its package documentation shows it (Clair 4.9 uses slog)
SLOG = '{"time":"2022-11-08T15:28:26.000000000-05:00","level":"INFO","msg":"hello","count":3}'


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    """A validator for one kind's record schema, with log_record.schema.json resolvable."""
    schemas = [json.loads(p.read_text()) for p in SCHEMAS.glob("*.schema.json")]
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas if "$id" in s
    )
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


VALIDATOR = _validator("clair_log")


def records(text: str | bytes) -> list[Record]:
    data = text.encode() if isinstance(text, str) else text
    return list(clair_log.iter_records(TextSource.from_bytes("clair.log", data)))


def check_schema(recs: list[Record]) -> None:
    for rec in recs:
        errors = [e.message for e in VALIDATOR.iter_errors(logtime.record_to_json(rec))]
        assert not errors, (rec.line, errors)


CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "zerolog-ready",
        READY_420,
        {
            "level": "INFO",
            "logger": "main",
            "message": "ready",
            "time": "2021-08-15T16:31:11Z",
            "fields": {"format": "json", "version": "v4.2.0"},
            "text": "ready component=main version=v4.2.0",
        },
    ),
    (
        "facts-starting-elided-time",
        FACTS_STARTING,
        {
            "level": "INFO",
            "logger": "main",
            "message": "starting",
            "time": None,
            "fields": {"format": "json", "version": "v4.7.1"},
        },
    ),
    (
        "facts-console",
        FACTS_CONSOLE,
        {
            "level": "INFO",
            "logger": "httptransport/New",
            "message": "handled HTTP request",
            "time": None,
            "fields": {
                "format": "console",
                "clock_time": "3:36PM",
                "status": "404",
                "level_raw": "INF",
            },
        },
    ),
    (
        "facts-lint-elided-json-is-text",
        FACTS_LINT,
        {"level": None, "fields": {"format": "text"}},
    ),
    (
        "v2-json",
        V2_PLAIN,
        {
            "level": "INFO",
            "message": "running database migrations",
            "time": "2017-11-15T01:51:54.939910Z",
            "fields": {"format": "json", "Location": "pgsql.go:216"},
        },
    ),
    (
        "v2-json-behind-syslog",
        V2_SYSLOG,
        {
            "level": "ERROR",
            "program": "clair",
            "pid": 460,
            "message": "could not download RHEL's update list",
            "time": "2018-02-12T10:05:15.796032Z",
            "fields": {
                "error": "Get https://www.redhat.com/security/data/oval/: x509: certificate "
                "signed by unknown authority"
            },
        },
    ),
    (
        "slog",
        SLOG,
        {
            "level": "INFO",
            "message": "hello",
            "time": "2022-11-08T20:28:26Z",
            "fields": {"format": "json", "count": 3},
            "text": "hello count=3",
        },
    ),
    (
        "must-gather-prefix",
        "2026-11-26T00:04:43.818123456Z " + READY_420,
        {
            "time": "2021-08-15T16:31:11Z",
            "fields": {"collected_time": "2026-11-26T00:04:43.818123Z"},
        },
    ),
    (
        "must-gather-prefix-gives-console-time",
        "2026-11-26T00:04:43.818123456Z " + FACTS_CONSOLE,
        {"time": "2026-11-26T00:04:43.818123Z", "fields": {"clock_time": "3:36PM"}},
    ),
    (
        "colored-console",
        "\x1b[90m3:36PM\x1b[0m \x1b[32mINF\x1b[0m handled HTTP request "
        "\x1b[36mcomponent=\x1b[0mhttptransport/New \x1b[36mstatus=\x1b[0m404",
        {"level": "INFO", "logger": "httptransport/New", "fields": {"status": "404"}},
    ),
]


@pytest.mark.parametrize(("line", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_lines(line: str, expected: dict[str, Any]) -> None:
    (rec,) = records(line + "\n")
    got = logtime.record_to_json(rec)
    for key, value in expected.items():
        if key == "fields":
            assert rec.fields is not None
            for fkey, fvalue in value.items():
                assert rec.fields.get(fkey) == fvalue, fkey
        else:
            assert got[key] == value, key
    check_schema([rec])


@pytest.mark.parametrize(
    ("word", "level"),
    [
        ("trace", "DEBUG"),
        ("debug", "DEBUG"),
        ("info", "INFO"),
        ("warn", "WARNING"),
        ("error", "ERROR"),
        ("fatal", "CRITICAL"),
        ("panic", "CRITICAL"),
        ("WARN", "WARNING"),
        ("ERROR+2", "ERROR"),
    ],
)
def test_levels(word: str, level: str) -> None:
    line = json.dumps({"level": word, "component": "main", "message": "m"})
    (rec,) = records(line)
    assert rec.level == level
    if word.lower() in ("trace", "fatal", "panic"):
        assert rec.fields is not None and rec.fields["level_raw"] == word


def test_error_key_is_part_of_the_text_rules_match() -> None:
    (rec,) = records(V2_SYSLOG)
    assert "x509: certificate signed by unknown authority" in rec.text
    assert rec.text.startswith("could not download RHEL's update list ")


def test_go_panic_takes_its_goroutine_dump() -> None:
    text = "\n".join(
        [
            READY_420,
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x0]",
            "",
            "goroutine 1 [running]:",
            "main.main()",
            "\t/src/cmd/clair/main.go:12 +0x1d",
            READY_420,
        ]
    )
    recs = records(text)
    assert [(r.line, r.end_line) for r in recs] == [(1, 1), (2, 7), (8, 8)]
    panic = recs[1]
    assert (panic.level, panic.logger) == ("CRITICAL", "go.runtime")
    assert panic.text.endswith("\t/src/cmd/clair/main.go:12 +0x1d")
    check_schema(recs)


def test_records_are_streamed_in_order() -> None:
    gen = clair_log.iter_records(TextSource.from_text("c", "\n".join([READY_420] * 5)))
    assert iter(gen) is gen
    assert [r.line for r in gen] == [1, 2, 3, 4, 5]


def test_times_are_utc() -> None:
    (rec,) = records(SLOG)
    assert rec.time == datetime(2022, 11, 8, 20, 28, 26, tzinfo=UTC)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        bytes(range(256)) * 20,
        b"{" * 3000 + b"}",
        b'{"level": 5, "message": null, "time": true}',
        b'{"level":"info","time":1e400,"message":"x"}',
        b"12:99PM ??? \n",
    ],
    ids=["empty", "blank", "binary", "deep-json", "wrong-types", "huge-epoch", "odd-console"],
)
def test_garbage_does_not_raise(data: bytes) -> None:
    check_schema(records(data))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=60),
            st.sampled_from([READY_420, FACTS_CONSOLE, V2_SYSLOG, SLOG, FACTS_LINT]),
            st.dictionaries(
                st.sampled_from(["level", "msg", "message", "time", "component", "x"]),
                st.one_of(st.none(), st.integers(), st.text(max_size=10)),
            ).map(json.dumps),
        ),
        max_size=25,
    )
)
def test_random_text_never_raises(lines: list[str]) -> None:
    recs = records("\n".join(lines))
    for rec in recs:
        assert 1 <= rec.line <= rec.end_line
        assert rec.time is None or rec.time.tzinfo is UTC
    check_schema(recs)


@pytest.mark.parametrize(
    "head", [READY_420, FACTS_CONSOLE, "2026-11-26T00:04:43.818123456Z " + FACTS_STARTING]
)
def test_sniff_recognizes_clair(head: str) -> None:
    assert clair_log.sniff(head)


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "tests" / "data" / "quay" / "healthy-push-pull" / "quay-container.log",
        ROOT / "tests" / "data" / "redis" / "master-verbose.log",
        ROOT / "tests" / "data" / "postgres" / "log-samples" / "postgresql-Thu.json",
    ],
    ids=lambda p: p.name,
)
def test_sniff_rejects_other_logs(path: Path) -> None:
    assert not clair_log.sniff(path.read_bytes()[:1024].decode("utf-8", "replace"))
