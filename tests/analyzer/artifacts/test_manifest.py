"""Tests for the manifest parser (the manifest.json `analyze collect` writes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from analyzer.artifacts import manifest
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]

# The layout of architecture.md "Our collection layout": collector version, time (UTC),
# runtime, host, commands[] {cmd, exit_code, seconds, output}, failures[].
MANIFEST = {
    "collector_version": "0.1.0",
    "time": "2026-11-26T00:10:25Z",
    "runtime": "podman",
    "host": "quay-server.example.com",
    "commands": [
        {"cmd": "podman ps -a --format json", "exit_code": 0, "seconds": 0.41,
         "output": "runtime/ps.json"},
        {"cmd": "podman logs quay", "exit_code": 0, "seconds": 2.7,
         "output": "quay/quay/logs/current.log"},
        {"cmd": "podman exec postgresql cat /var/lib/pgsql/data/userdata/postgresql.conf",
         "exit_code": 125, "seconds": 0.2, "output": None},
    ],
    "failures": ["podman exec postgresql: no such container"],
}


def _parse(text: str) -> Parsed:
    return manifest.parse(TextSource.from_text("manifest.json", text))


def _valid(data: Any) -> None:
    schema = json.loads((ROOT / "schemas" / "artifacts" / "manifest.schema.json").read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


def test_manifest() -> None:
    p = _parse(json.dumps(MANIFEST, indent=2))
    assert p.status == "parsed"
    assert p.problems == []
    d = p.data
    assert d["time"] == "2026-11-26T00:10:25Z"
    assert p.meta["collected_at"] == "2026-11-26T00:10:25Z"
    assert p.meta["runtime"] == "podman"
    assert [c["ok"] for c in d["commands"]] == [True, True, False]
    assert d["failed_commands"] == [MANIFEST["commands"][2]["cmd"]]
    assert d["failures"] == [{"cmd": None, "message": "podman exec postgresql: no such container"}]
    assert p.locations["time"] == 3
    _valid(d)


def test_time_with_offset_is_normalized_to_utc() -> None:
    p = _parse(json.dumps({**MANIFEST, "time": "2026-11-26T09:10:25.5+09:00"}))
    assert p.meta["collected_at"] == "2026-11-26T00:10:25.500000Z"
    assert p.data["time_raw"] == "2026-11-26T09:10:25.5+09:00"


def test_failures_as_objects() -> None:
    p = _parse(json.dumps({**MANIFEST, "failures": [{"cmd": "oc adm top pods", "error": "metrics not available"}]}))
    assert p.data["failures"] == [{"cmd": "oc adm top pods", "message": "metrics not available"}]
    _valid(p.data)


@pytest.mark.parametrize(
    ("change", "code", "key"),
    [({"time": "yesterday"}, "type", "time"),
     ({"commands": "podman ps"}, "type", "commands"),
     ({"commands": [{"cmd": "podman ps", "exit_code": "0"}]}, "type", "commands.0.exit_code")],
    ids=["bad-time", "commands-not-list", "exit-code-text"],
)
def test_shape_problems(change: dict[str, Any], code: str, key: str) -> None:
    p = _parse(json.dumps({**MANIFEST, **change}))
    assert p.status == "parsed"
    assert (code, key) in [(x.code, x.key) for x in p.problems]
    _valid(p.data)


def test_missing_required_keys() -> None:
    p = _parse(json.dumps({"runtime": "oc"}))
    assert sorted(x.key for x in p.problems if x.code == "required") == [
        "collector_version", "commands", "time"]
    assert p.meta["collected_at"] is None
    _valid(p.data)


@pytest.mark.parametrize("text", ["", "[1, 2]", "{broken"], ids=["empty", "array", "syntax"])
def test_unreadable_is_invalid(text: str) -> None:
    assert _parse(text).status == "invalid"


def test_sniff() -> None:
    assert manifest.sniff(json.dumps(MANIFEST)[:1024])
    assert not manifest.sniff('{"data": {"services": {}}}')
