"""Tests for the connectivity parser (curl -v telnet:// output), on real curl runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from analyzer.artifacts import connectivity
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "connectivity"


def _parse(raw: bytes, path: str = "curl-db.txt") -> Parsed:
    return connectivity.parse(TextSource.from_bytes(path, raw))


def _valid(data: Any) -> None:
    schema = json.loads((ROOT / "schemas" / "artifacts" / "connectivity.schema.json").read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


CASES = [
    # file, target, connected, error, error_kind, exit_code, tried ips
    ("refused.txt", "127.0.0.1:5439", False, "Connection refused", "refused", 7, ["127.0.0.1"]),
    ("refused-localhost.txt", "localhost:5439", False, "Connection refused", "refused", 7,
     ["127.0.0.1", "::1"]),
    ("noresolve.txt", "db.invalid", False, "Could not resolve host: db.invalid", "resolve", 6, []),
    ("connect-timeout.txt", "127.0.0.1:18766", False, "Timeout was reached", "timeout", 28,
     ["127.0.0.1"]),
    ("connected-interrupted.txt", "127.0.0.1:18765", True, None, None, None, ["127.0.0.1"]),
    ("connected-maxtime.txt", "127.0.0.1:18765", True, "Time-out", "timeout", 28, ["127.0.0.1"]),
    ("connected-silent-localhost.txt", "localhost:18765", True, "Time-out", "timeout", None,
     ["127.0.0.1"]),
    ("refused-then-connected-localhost.txt", "localhost:18769", True, "Time-out", "timeout",
     None, ["127.0.0.1", "::1"]),
    ("connected-then-reset.txt", "10.255.255.1:5432", True,
     "Recv failure: Connection reset by peer", "reset", 56, ["10.255.255.1"]),
]


@pytest.mark.parametrize(
    ("name", "target", "connected", "error", "kind", "exit_code", "tried"), CASES,
    ids=[c[0].removesuffix(".txt") for c in CASES],
)
def test_real_curl_outputs(name: str, target: str, connected: bool, error: str | None,
                           kind: str | None, exit_code: int | None, tried: list[str]) -> None:
    p = _parse((DATA / name).read_bytes(), name)
    assert p.status == "parsed"
    (a,) = p.data["attempts"]
    assert a["target"] == target
    assert a["connected"] is connected
    assert a["error"] == error
    assert a["error_kind"] == kind
    assert a["exit_code"] == exit_code
    assert [t["ip"] for t in a["tried"]] == tried
    assert p.locations["attempts.0"] >= 1
    _valid(p.data)


def test_ipv6_attempt_keeps_per_address_reasons() -> None:
    p = _parse((DATA / "refused-localhost.txt").read_bytes())
    (a,) = p.data["attempts"]
    assert a["tried"] == [
        {"ip": "127.0.0.1", "port": 5439, "error": "Connection refused"},
        {"ip": "::1", "port": 5439, "error": "Connection refused"},
    ]
    assert a["curl_error"] == (
        "Failed to connect to localhost port 5439 after 0 ms: Couldn't connect to server")
    assert p.locations["attempts.0.tried.1"] == 5


def test_several_runs_in_one_file_are_separate_attempts() -> None:
    names = ["refused.txt", "noresolve.txt", "connected-silent-localhost.txt",
             "connected-interrupted.txt"]
    raw = b"".join((DATA / n).read_bytes() for n in names)
    p = _parse(raw)
    got = [(a["target"], a["connected"]) for a in p.data["attempts"]]
    assert got == [("127.0.0.1:5439", False), ("db.invalid", False),
                   ("localhost:18765", True), ("127.0.0.1:18765", True)]
    assert [p.locations[f"attempts.{i}"] for i in range(4)] == [3, 11, 14, 20]
    _valid(p.data)


def test_echoed_command_names_the_target() -> None:
    # a support engineer's paste: the command line, then its output
    raw = b"$ curl -v telnet://db.invalid:5432\n" + (DATA / "noresolve.txt").read_bytes()
    p = _parse(raw)
    (a,) = p.data["attempts"]
    assert a["target"] == "db.invalid:5432"
    assert a["error_kind"] == "resolve"


@pytest.mark.parametrize(
    "text",
    ["", "hello\n", "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"],
    ids=["empty", "unrelated-text", "progress-header-only"],
)
def test_no_attempt_is_invalid(text: str) -> None:
    p = _parse(text.encode())
    assert p.status == "invalid"
    assert p.data is None


def test_split_curl_line_removes_progress_meter() -> None:
    line = ("\r  0     0    0     0    0     0      0      0 --:--:--  0:00:01 --:--:--     0"
            "* ipv4 connect timeout after 2000ms, move on!")
    assert connectivity.split_curl_line(line) == ["* ipv4 connect timeout after 2000ms, move on!"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("refused.txt", True), ("connected-silent-localhost.txt", True)],
    ids=["refused", "connected"],
)
def test_sniff(name: str, expected: bool) -> None:
    assert connectivity.sniff((DATA / name).read_text()[:1024]) is expected


def test_sniff_rejects_http_exchange() -> None:
    head = "*   Trying 127.0.0.1:8080...\n* Connected to localhost (127.0.0.1) port 8080 (#0)\n> GET /v2/ HTTP/1.1\n"
    assert connectivity.sniff(head) is False
