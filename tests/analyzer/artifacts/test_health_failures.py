"""Tests for the health parsers' `failures` list and their reading of redirect/error pages."""

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


def _parse(kind: str, text: str) -> Parsed:
    return PARSERS[kind](TextSource.from_text("health.json", text))


def _valid(kind: str, data: Any) -> None:
    schema = json.loads((ROOT / "schemas" / "artifacts" / f"{kind}.schema.json").read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


# The documented unhealthy shape (quay-facts §4) with the database failing.
DB_DOWN = (
    '{"data":{"services":{"auth":true,"database":false,"disk_space":true,"registry_gunicorn":true,'
    '"service_key":true,"web_gunicorn":true}},"status_code":503}'
)

# The superuser variant: failure text as data/model/health.py and health/services.py word it.
EXPANDED = {
    "data": {
        "services": {
            "auth": True,
            "database": False,
            "disk_space": True,
            "registry_gunicorn": False,
            "service_key": True,
            "web_gunicorn": True,
        },
        "services_expanded": {
            "auth": {"status": True},
            "database": {
                "status": False,
                "failure": "Could not connect to the database: connection to server at "
                '"quay-quay-database" (172.30.12.7), port 5432 failed: Connection refused',
            },
            "disk_space": {"status": True},
            "registry_gunicorn": {
                "status": False,
                "failure": "Got non-200 response for worker: 502",
            },
            "service_key": {"status": True},
            "web_gunicorn": {"status": True},
        },
    },
    "status_code": 503,
}

# What nginx answers on port 8080 when Quay serves TLS (quay-facts §1.8): its stock 301 page,
# as `curl -i` shows it.
NGINX_301 = (
    "HTTP/1.1 301 Moved Permanently\r\nServer: nginx\r\nDate: Thu, 26 Nov 2026 00:12:41 GMT\r\n"
    "Content-Type: text/html\r\nContent-Length: 162\r\nConnection: keep-alive\r\n"
    "Location: https://quay.example.com/health/instance\r\n\r\n"
    "<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n"
    "<center><h1>301 Moved Permanently</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@pytest.mark.parametrize(
    ("scenario", "endpoint"),
    [
        (s, e)
        for s in ("healthy-push-pull", "bad-manifest-push")
        for e in ("instance", "endtoend", "warning")
    ],
    ids=lambda v: v,
)
def test_healthy_bodies_have_no_failures(scenario: str, endpoint: str) -> None:
    kind = f"health_{endpoint}"
    p = _parse(kind, (QUAY / scenario / f"health-{endpoint}.json").read_text())
    assert p.data["failures"] == []
    _valid(kind, p.data)


def test_boolean_body_lists_failing_service_without_text() -> None:
    p = _parse("health_instance", DB_DOWN)
    assert p.data["failures"] == [{"service": "database", "failure": None}]
    assert p.locations["failures.0"] == 1
    _valid("health_instance", p.data)


def test_expanded_body_puts_failure_text_beside_each_service() -> None:
    p = _parse("health_instance", json.dumps(EXPANDED, indent=2))
    assert p.status == "parsed"
    assert [f["service"] for f in p.data["failures"]] == ["database", "registry_gunicorn"]
    assert p.data["failures"][0]["failure"].startswith("Could not connect to the database: ")
    assert p.data["failures"][1]["failure"] == "Got non-200 response for worker: 502"
    assert p.locations["failures.1"] == p.locations["services.registry_gunicorn"]
    _valid("health_instance", p.data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            NGINX_301,
            "response is not a JSON health body (HTTP 301, Location: "
            "https://quay.example.com/health/instance): an HTML page titled "
            "'301 Moved Permanently'",
        ),
        (
            NGINX_301.split("\r\n\r\n", 1)[1],
            "response is not a JSON health body: an HTML page titled '301 Moved Permanently'",
        ),
    ],
    ids=["curl-i", "bare-body"],
)
def test_redirect_page_is_named_by_its_title_and_target(text: str, expected: str) -> None:
    p = _parse("health_instance", text)
    assert p.status == "invalid"
    assert p.data is None
    assert p.problems[-1].code == "syntax"
    assert p.problems[-1].message == expected


def test_curl_verbose_redirect_keeps_location() -> None:
    text = (
        "> GET /health/instance HTTP/1.1\r\n> Host: quay.example.com:8080\r\n> \r\n"
        "< HTTP/1.1 301 Moved Permanently\r\n< Server: nginx\r\n"
        "< Location: https://quay.example.com/health/instance\r\n< \r\n"
        + NGINX_301.split("\r\n\r\n", 1)[1]
    )
    p = _parse("health_instance", text)
    assert p.status == "invalid"
    assert "Location: https://quay.example.com/health/instance" in p.problems[-1].message
