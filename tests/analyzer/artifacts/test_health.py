"""Tests for the health_instance / health_endtoend / health_warning parsers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from analyzer.artifacts import health
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]
QUAY = ROOT / "tests" / "data" / "quay"
PARSERS = {
    "health_instance": health.parse_health_instance,
    "health_endtoend": health.parse_health_endtoend,
    "health_warning": health.parse_health_warning,
}


def _parse(kind: str, text: str | bytes, path: str = "health.json") -> Parsed:
    raw = text.encode() if isinstance(text, str) else text
    return PARSERS[kind](TextSource.from_bytes(path, raw))


def _valid(kind: str, data: Any) -> None:
    schema = json.loads((ROOT / "schemas" / "artifacts" / f"{kind}.schema.json").read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


def _codes(p: Parsed) -> list[str | None]:
    return [x.code for x in p.problems]


REAL = [
    (scenario, endpoint)
    for scenario in ("healthy-push-pull", "bad-manifest-push")
    for endpoint in ("instance", "endtoend", "warning")
]


@pytest.mark.parametrize(("scenario", "endpoint"), REAL, ids=[f"{s}-{e}" for s, e in REAL])
def test_real_bodies_parse_healthy(scenario: str, endpoint: str) -> None:
    path = QUAY / scenario / f"health-{endpoint}.json"
    kind = f"health_{endpoint}"
    p = _parse(kind, path.read_bytes(), str(path))
    assert p.status == "parsed"
    assert p.problems == []
    assert p.data["status_code"] == 200
    assert p.data["healthy"] is True
    assert p.data["failing"] == []
    assert set(p.data["services"]) == health.EXPECTED[kind]
    assert p.data["expanded"] is None
    assert p.meta["looks_like"] == kind
    assert p.locations["services.database" if endpoint != "warning" else "services.disk_space_warning"] == 1
    _valid(kind, p.data)


EMPTY = sorted((QUAY / "startup-without-service-key").glob("health-*"))


@pytest.mark.parametrize("path", EMPTY, ids=[p.name for p in EMPTY])
def test_empty_response_is_invalid(path: Path) -> None:
    kind = "health_" + path.stem.split("-", 1)[1]
    p = _parse(kind, path.read_bytes(), path.name)
    assert p.status == "invalid"
    assert p.data is None
    assert p.problems[0].message.startswith("empty response")
    if path.suffix == ".txt":  # `HTTP 000` written by curl -w: nothing answered at all
        assert "HTTP 000" in p.problems[0].message


# curl 7.88.1 `curl -v http://127.0.0.1:18765/health/instance > file 2>&1`, served by
# `python -m http.server` from a copy of healthy-push-pull/health-instance.json: real curl
# framing around a real Quay body, progress meter included.
CURL_V_200 = (
    "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
    "                                 Dload  Upload   Total   Spent    Left  Speed\n"
    "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0*   Trying 127.0.0.1:18765...\n"
    "* Connected to 127.0.0.1 (127.0.0.1) port 18765 (#0)\n"
    "> GET /health/instance HTTP/1.1\r\n> Host: 127.0.0.1:18765\r\n> User-Agent: curl/7.88.1\r\n"
    "> Accept: */*\r\n> \r\n* HTTP 1.0, assume close after body\n< HTTP/1.0 200 OK\r\n"
    "< Server: SimpleHTTP/0.6 Python/3.11.7\r\n< Date: Thu, 26 Nov 2026 01:16:59 GMT\r\n"
    "< Content-type: application/octet-stream\r\n< Content-Length: 152\r\n"
    "< Last-Modified: Thu, 26 Nov 2026 01:16:58 GMT\r\n< \r\n{ [152 bytes data]\n"
    "\r100   152  100   152    0     0  21870      0 --:--:-- --:--:-- --:--:-- 25333\n"
    "* Closing connection 0\n"
    '{"data":{"services":{"auth":true,"database":true,"disk_space":true,"registry_gunicorn":true,'
    '"service_key":true,"web_gunicorn":true}},"status_code":200}\n'
)

# The unhealthy body in the documented shape (quay-facts §4), database failing.
DB_DOWN = (
    '{"data":{"services":{"auth":true,"database":false,"disk_space":true,"registry_gunicorn":true,'
    '"service_key":true,"web_gunicorn":true}},"status_code":503}'
)
# Real curl framing (`curl -sv` and `curl -si` against a local server answering 503).
CURL_V_503 = (
    "*   Trying 127.0.0.1:18767...\n* Connected to 127.0.0.1 (127.0.0.1) port 18767 (#0)\n"
    "> GET /health/instance HTTP/1.1\r\n> Host: 127.0.0.1:18767\r\n> User-Agent: curl/7.88.1\r\n"
    "> Accept: */*\r\n> \r\n< HTTP/1.1 503 SERVICE UNAVAILABLE\r\n"
    "< Server: BaseHTTP/0.6 Python/3.11.7\r\n< Date: Thu, 26 Nov 2026 01:16:59 GMT\r\n"
    "< Content-Type: application/json\r\n< Content-Length: 153\r\n< \r\n{ [153 bytes data]\n"
    "* Connection #0 to host 127.0.0.1 left intact\n" + DB_DOWN + "\n"
)
CURL_I_503 = (
    "HTTP/1.1 503 SERVICE UNAVAILABLE\r\nServer: BaseHTTP/0.6 Python/3.11.7\r\n"
    "Date: Thu, 26 Nov 2026 01:16:59 GMT\r\nContent-Type: application/json\r\n"
    "Content-Length: 153\r\n\r\n" + DB_DOWN + "\n"
)


def test_curl_verbose_wrapped_body() -> None:
    p = _parse("health_instance", CURL_V_200)
    assert p.status == "parsed", p.problems
    assert p.problems == []
    assert p.data["http_status"] == 200
    assert p.data["http_reason"] == "OK"
    assert p.data["healthy"] is True
    assert p.meta["wrapper"] == "curl-v"
    assert p.locations["http_status"] == 11
    assert p.locations["services.auth"] == 21
    _valid("health_instance", p.data)


@pytest.mark.parametrize(
    ("text", "wrapper", "body_line"),
    [(CURL_V_503, "curl-v", 16), (CURL_I_503, "curl-i", 7)],
    ids=["curl-v", "curl-i"],
)
def test_wrapped_503_with_failing_database(text: str, wrapper: str, body_line: int) -> None:
    p = _parse("health_instance", text)
    assert p.status == "parsed"
    assert p.problems == []
    assert p.data["http_status"] == 503
    assert p.data["http_reason"] == "SERVICE UNAVAILABLE"
    assert p.data["status_code"] == 503
    assert p.data["failing"] == ["database"]
    assert p.data["healthy"] is False
    assert p.data["status_consistent"] is True
    assert p.meta["wrapper"] == wrapper
    assert p.locations["failing.0"] == body_line
    _valid("health_instance", p.data)


def test_pretty_printed_body_gets_per_service_lines() -> None:
    body = json.loads((QUAY / "healthy-push-pull" / "health-endtoend.json").read_text())
    p = _parse("health_endtoend", json.dumps(body, indent=2))
    assert p.status == "parsed"
    assert p.locations["services"] == 3
    assert p.locations["services.auth"] == 4
    assert p.locations["services.storage"] == 7
    assert p.locations["status_code"] == 10


# The superuser / health_debug variant (health/healthcheck.py adds these keys to `data`);
# failure text worded as health/services.py and data/model/health.py word it.
EXPANDED = {
    "data": {
        "config_provider": "k8s",
        "hostname": "quay-quay-app-6c9f7d8b5-x2x9q",
        "is_testing": False,
        "local_service_key_id": "f2Zx3nq7kdJ0rM9s",
        "notes": [],
        "services": {"auth": True, "database": False, "disk_space": True,
                     "registry_gunicorn": True, "service_key": True, "web_gunicorn": True},
        "services_expanded": {
            "auth": {"status": True},
            "database": {"failure": "Could not connect to the database: connection to server at "
                         "\"quay-quay-database\" (172.30.12.7), port 5432 failed: Connection refused",
                         "status": False},
            "disk_space": {"status": True},
            "registry_gunicorn": {"status": True},
            "service_key": {"message": "Failed to get instance key due to a database issue; "
                            "skipping check", "status": True},
            "web_gunicorn": {"status": True},
        },
    },
    "status_code": 503,
}


def test_expanded_variant_keeps_failure_text() -> None:
    p = _parse("health_instance", json.dumps(EXPANDED, indent=2))
    assert p.status == "parsed"
    assert p.problems == []
    exp = p.data["expanded"]
    assert exp["database"]["status"] is False
    assert exp["database"]["failure"].startswith("Could not connect to the database:")
    assert exp["service_key"]["message"].endswith("skipping check")
    assert exp["auth"] == {"status": True, "failure": None, "message": None}
    assert p.data["hostname"] == "quay-quay-app-6c9f7d8b5-x2x9q"
    assert p.data["config_provider"] == "k8s"
    assert p.data["is_testing"] is False
    assert p.data["failing"] == ["database"]
    assert p.locations["expanded.database"] > p.locations["expanded"] > p.locations["services.database"]
    _valid("health_instance", p.data)


def test_documented_503_with_all_true_is_data_not_a_problem() -> None:
    # verbatim from the docs' /health/warning example (quay-facts §4)
    p = _parse("health_warning", '{"data":{"services":{"disk_space_warning":true}},"status_code":503}')
    assert p.status == "parsed"
    assert p.problems == []
    assert p.data["healthy"] is True
    assert p.data["status_consistent"] is False
    _valid("health_warning", p.data)


def test_200_with_failing_service_is_inconsistent() -> None:
    p = _parse("health_instance", DB_DOWN.replace('"status_code":503', '"status_code":200'))
    assert p.status == "parsed"
    assert _codes(p) == ["inconsistent-status"]
    assert p.data["status_consistent"] is False
    _valid("health_instance", p.data)


def test_http_status_disagreeing_with_body_is_reported() -> None:
    p = _parse("health_instance", CURL_I_503.replace("HTTP/1.1 503 SERVICE UNAVAILABLE", "HTTP/1.1 200 OK"))
    assert "inconsistent-status" in _codes(p)


def test_body_of_another_endpoint_is_flagged() -> None:
    endtoend = (QUAY / "healthy-push-pull" / "health-endtoend.json").read_text()
    p = _parse("health_instance", endtoend)
    assert p.status == "parsed"
    assert sorted(_codes(p)) == ["missing-service", "unexpected-service", "unexpected-service"]
    assert {x.key for x in p.problems if x.code == "unexpected-service"} == {
        "services.redis", "services.storage"}
    assert p.meta["looks_like"] == "health_endtoend"
    _valid("health_instance", p.data)


@pytest.mark.parametrize(
    ("text", "key"),
    [('{"status_code": 200}', "data"), ('{"data": {}, "status_code": 200}', "services"),
     ('{"data": {"services": {"disk_space_warning": true}}}', "status_code")],
    ids=["no-data", "no-services", "no-status-code"],
)
def test_missing_parts_are_required_problems(text: str, key: str) -> None:
    p = _parse("health_warning", text)
    assert p.status == "parsed"
    assert any(x.code == "required" and x.key == key for x in p.problems)
    _valid("health_warning", p.data)


def test_non_boolean_service_is_a_type_problem() -> None:
    p = _parse("health_warning", '{"data":{"services":{"disk_space_warning":"yes"}},"status_code":200}')
    assert "type" in _codes(p)
    assert p.data["services"] == {}
    _valid("health_warning", p.data)


@pytest.mark.parametrize(
    ("text", "code"),
    [("HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\n\r\n<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n", "syntax"),
     ('{"data":{"services":{"auth":true,}}', "syntax"),
     ("true", "type"),
     ('["auth"]', "type")],
    ids=["nginx-502-html", "broken-json", "internal-ping-body", "json-array"],
)
def test_unreadable_bodies_are_invalid(text: str, code: str) -> None:
    p = _parse("health_endtoend", text)
    assert p.status == "invalid"
    assert p.problems[-1].code == code


def test_http_502_without_body_mentions_status() -> None:
    p = _parse("health_instance", "HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\n\r\n")
    assert p.status == "invalid"
    assert p.problems[0].message == "empty response (HTTP 502)"


@pytest.mark.parametrize(
    ("path", "expected"),
    [("healthy-push-pull/health-instance.json", "health_instance"),
     ("healthy-push-pull/health-endtoend.json", "health_endtoend"),
     ("healthy-push-pull/health-warning.json", "health_warning")],
    ids=["instance", "endtoend", "warning"],
)
def test_sniffers_pick_one_endpoint(path: str, expected: str) -> None:
    head = (QUAY / path).read_text()[:1024]
    hits = [k for k in PARSERS if getattr(health, f"sniff_{k}")(head)]
    assert hits == [expected]
