"""Tests for the clair_config parser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from analyzer.artifacts import clair_config
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]

# Verbatim from quay-docs modules/clair-standalone-configure.adoc (the standalone example the
# guide's ch. 6.6 points at: http_listen_addr :8081, introspection_addr :8088).
STANDALONE = """\
http_listen_addr: :8081
introspection_addr: :8088
log_level: debug
indexer:
  connstring: host=quay-server.example.com port=5433 dbname=clair user=clairuser password=clairpass sslmode=disable
  scanlock_retry: 10
  layer_scan_concurrency: 5
  migrations: true
matcher:
  connstring: host=quay-server.example.com port=5433 dbname=clair user=clairuser password=clairpass sslmode=disable
  max_conn_pool: 100
  migrations: true
  indexer_addr: clair-indexer
notifier:
  connstring: host=quay-server.example.com port=5433 dbname=clair user=clairuser password=clairpass sslmode=disable
  delivery_interval: 1m
  poll_interval: 5m
  migrations: true
auth:
  psk:
    key: "MTU5YzA4Y2ZkNzJoMQ=="
    iss: ["quay"]
# tracing and metrics
trace:
  name: "jaeger"
  probability: 1
  jaeger:
    agent:
      endpoint: "localhost:6831"
    service_name: "clair"
metrics:
  name: "prometheus"
"""


def _parse(text: str) -> Parsed:
    return clair_config.parse(TextSource.from_text("clair/config.yaml", text))


def _valid(data: Any) -> None:
    schema = json.loads((ROOT / "schemas" / "artifacts" / "clair_config.schema.json").read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


def _codes(p: Parsed) -> list[tuple[str | None, str | None]]:
    return [(x.code, x.key) for x in p.problems]


def test_standalone_docs_example() -> None:
    p = _parse(STANDALONE)
    assert p.status == "parsed"
    assert p.data["http_listen_addr"] == ":8081"
    assert p.data["introspection_addr"] == ":8088"
    assert p.data["auth"]["psk"]["iss"] == ["quay"]
    assert p.meta["psk_present"] is True
    assert p.meta["mode"] is None
    assert p.meta["log_level"] == "debug"
    assert p.meta["durations_s"] == {"notifier.poll_interval": 300.0,
                                     "notifier.delivery_interval": 60.0}
    # the docs' example itself carries two of Clair's own lint warnings
    assert _codes(p) == [("lint", "matcher.max_conn_pool"), ("lint", "trace.name")]
    assert p.locations["matcher.max_conn_pool"] == 11
    assert p.locations["auth.psk.key"] == 21
    _valid(p.data)


def test_problem_messages_never_carry_secrets() -> None:
    text = STANDALONE.replace('key: "MTU5YzA4Y2ZkNzJoMQ=="', 'key: "not base64 at all!"')
    text = text.replace("dbname=clair user", "dbname=clair unknown-word user")
    p = _parse(text)
    assert ("type", "auth.psk.key") in _codes(p)
    dump = repr(p.problems)
    assert "not base64 at all" not in dump and "clairpass" not in dump


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("log_level: debug", "log_level: verbose"), ("enum", "log_level")),
        (("log_level: debug", "log_level: DEBUG"), None),  # Clair compares case-insensitively
        (("introspection_addr: :8088", "introspection_addr: 8088"), ("type", "introspection_addr")),
        (("http_listen_addr: :8081", "http_listen_addr: localhost"), ("type", "http_listen_addr")),
        (("http_listen_addr: :8081", "http_listen_addr: \"[::1]:8081\""), None),
        (("log_level: debug", "log_level: debug\nmode: combo"), ("unknown-key", "mode")),
        (("  scanlock_retry: 10", "  scanlock_retry: 10\n  scanner_lock: 1"),
         ("unknown-key", "indexer.scanner_lock")),
        (("  delivery_interval: 1m", "  delivery_interval: 1 minute"),
         ("type", "notifier.delivery_interval")),
        (("  migrations: true\nmatcher:", "  migrations: \"yes\"\nmatcher:"),
         ("type", "indexer.migrations")),
        (("  max_conn_pool: 100\n", "  period: 30m\n"), ("lint", "matcher.period")),
        (('iss: ["quay"]', 'iss: ["clairctl"]'), ("value", "auth.psk.iss")),
        (('key: "MTU5YzA4Y2ZkNzJoMQ=="', 'key: ""'), ("required", "auth.psk.key")),
        (("connstring: host=quay-server.example.com port=5433 dbname=clair user=clairuser "
          "password=clairpass sslmode=disable\n  scanlock_retry",
          "connstring: postgres://clairuser:clairpass@quay-server.example.com:5433/clair\n"
          "  scanlock_retry"), ("lint", "indexer.connstring")),
        (("metrics:\n  name: \"prometheus\"", "metrics:\n  name: \"statsd\""),
         ("enum", "metrics.name")),
    ],
    ids=["bad-log-level", "upper-case-log-level", "addr-without-colon", "addr-without-port",
         "ipv6-addr", "unknown-top-level-key", "unknown-section-key", "bad-duration",
         "bool-as-text", "aggressive-period", "psk-issuer-without-quay", "empty-psk",
         "postgres-url-scheme", "unknown-metrics-provider"],
)
def test_checks(edit: tuple[str, str], expected: tuple[str, str] | None) -> None:
    old, new = edit
    assert old in STANDALONE
    p = _parse(STANDALONE.replace(old, new, 1))
    assert p.status == "parsed"
    found = [c for c in _codes(p) if c[0] != "lint" or c[1] not in ("matcher.max_conn_pool",
                                                                     "trace.name")]
    if expected is None:
        assert found == []
    else:
        assert expected in found
        assert p.line_of(expected[1]) is not None
    _valid(p.data)


def test_matcher_mode_named_in_file_needs_indexer_addr() -> None:
    text = "# CLAIR_MODE=matcher\n" + STANDALONE.replace("  indexer_addr: clair-indexer\n", "")
    p = _parse(text)
    assert p.meta["mode"] == "matcher"
    assert ("required", "matcher") in _codes(p)


def test_duplicate_key_is_reported() -> None:
    p = _parse(STANDALONE.replace("log_level: debug", "log_level: debug\nlog_level: info"))
    assert ("duplicate-key", "log_level") in _codes(p)
    assert p.data["log_level"] == "info"


@pytest.mark.parametrize(
    "text", ["", "- a\n- b\n", "indexer: [\n", "just a string\n"],
    ids=["empty", "list", "syntax-error", "scalar"],
)
def test_unreadable_is_invalid(text: str) -> None:
    assert _parse(text).status == "invalid"


def test_sniff() -> None:
    assert clair_config.sniff(STANDALONE[:400])
    assert not clair_config.sniff("SERVER_HOSTNAME: quay.example.com\nDB_URI: x\n")
