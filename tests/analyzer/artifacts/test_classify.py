"""Classification: every kind recognized by content under a meaningless name, and by layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.artifacts.classify import classify

DATA = Path(__file__).resolve().parents[2] / "data"


def real(rel: str) -> bytes:
    return (DATA / rel).read_bytes()[:4096]


CONTENT_CASES = {
    "quay_config": real("quay/healthy-push-pull/config.yaml"),
    "quay_log": real("quay/healthy-push-pull/quay-container.log"),
    "health_instance": real("quay/healthy-push-pull/health-instance.json"),
    "health_endtoend": real("quay/healthy-push-pull/health-endtoend.json"),
    "health_warning": real("quay/healthy-push-pull/health-warning.json"),
    "pg_conf": real("postgres/conf-cases/case/postgresql.conf"),
    "pg_log": real("postgres/log-samples/postgresql-Thu.log"),
    # formats.md 1.1: podman >= 4.2 default table
    "podman_stats": (
        b"ID            NAME        CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO    PIDS        CPU TIME    AVG CPU %\n"
        b"4b4bf8ce84ed  demo        0.00%       0B / 0B            0.00%       0B / 0B     0B / 0B     0           0s          0.00%\n"
    ),
    # formats.md 1.3: podman pod stats header
    "pod_stats": b"POD           CID           NAME        CPU %       MEM USAGE/ LIMIT  MEM %       NET IO      BLOCK IO    PIDS\n",
    # formats.md 1.5
    "top_pods": b"NAME                                     CPU(cores)   MEMORY(bytes)\nquay-app-5d8c   250m         1517Mi\n",
    "df": b"Filesystem      Size  Used Avail Use% Mounted on\noverlay          40G   38G  2.0G  95% /\n",
    # formats.md 2.1
    "container_list": b"CONTAINER ID  IMAGE                            COMMAND     CREATED      STATUS          PORTS                   NAMES\n",
    "container_inspect": b'[\n {\n  "Id": "8b35b493ac05",\n  "State": {"Status": "running", "OOMKilled": false},\n  "RestartCount": 0,\n  "HostConfig": {"Memory": 0}\n }\n]\n',
    "clair_log": b'{"level":"info","component":"main","version":"v4.7.1","time":"2023-06-01T10:00:00Z","message":"starting"}\n',
    "clair_config": (
        b"http_listen_addr: :8081\nintrospection_addr: :8088\nlog_level: debug\nindexer:\n"
        b"  connstring: host=clairv4-postgres port=5432 dbname=clair user=postgres password=postgres sslmode=disable\n"
    ),
    "redis_log": b"1:M 26 Nov 2026 00:10:14.282 * Ready to accept connections tcp\n",
    "quayregistry_cr": b"apiVersion: quay.redhat.com/v1\nkind: QuayRegistry\nmetadata:\n  name: registry\n",
    "k8s_resource": b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: quay-app-1\n",
    "tls_cert": b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    "tls_key": b"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
    "storage_listing": b"2023-05-01 10:00:00      12345 datastorage/registry/sha256/ab/abcd\n\nTotal Objects: 1\n   Total Size: 12345\n",
    "connectivity": b"*   Trying 10.0.0.5:5432...\n* Connected to quay-db (10.0.0.5) port 5432 (#0)\n",
    "pg_settings": b"            name            |  setting  | unit |\n----------------------------+-----------+------+\n max_connections            | 100       |      |\n",
}


@pytest.mark.parametrize("kind", sorted(CONTENT_CASES))
def test_renamed_file_is_classified_by_content(kind: str) -> None:
    c = classify("case-12345/attach/upload-7.txt", CONTENT_CASES[kind])
    assert c.kind == kind
    assert c.classified_by == "content"
    assert c.reason


@pytest.mark.parametrize(
    "path,kind,by",
    [
        ("quay/quay-app/logs/current.log", "quay_log", "layout"),
        ("quay/quay-app/logs/previous.log", "quay_log", "layout"),
        ("postgres/quay-db/logs/postgresql-Mon.log", "pg_log", "layout"),
        ("quay/health/endtoend.json", "health_endtoend", "layout"),
        ("runtime/stats.json", "podman_stats", "layout"),
        (
            "must-gather.local.1/img/namespaces/quay/pods/registry-quay-database-6f7/registry-quay-database/"
            "registry-quay-database/logs/current.log",
            "pg_log",
            "layout",
        ),
        (
            "must-gather.local.1/img/namespaces/quay/pods/registry-clair-app-1/clair-app/clair-app/logs/previous.log",
            "clair_log",
            "layout",
        ),
        ("inspect.local.5/namespaces/quay/quay.redhat.com/quayregistries/registry.yaml", "quayregistry_cr", "layout"),
        ("sosreport-host-2024/sos_commands/podman/podman_stats_--no-stream_--all", "podman_stats", "layout"),
    ],
)
def test_layouts(path: str, kind: str, by: str) -> None:
    c = classify(path, b"")
    assert (c.kind, c.classified_by) == (kind, by)


def test_path_and_content_agreeing_is_by_path() -> None:
    c = classify("bundle/conf/stack/config.yaml", CONTENT_CASES["quay_config"])
    assert (c.kind, c.classified_by) == ("quay_config", "path")


def test_content_wins_over_a_misleading_name() -> None:
    # a Clair config saved as config.yaml
    c = classify("bundle/config.yaml", CONTENT_CASES["clair_config"])
    assert c.kind == "clair_config"


def test_empty_file_with_a_strong_name_keeps_the_kind() -> None:
    c = classify("pods/x/quay-app/quay-app/logs/previous.log", b"")
    assert c.kind == "unrecognized"  # unknown namespace layout: nothing to go on
    c = classify("var/lib/pgsql/data/userdata/postgresql.conf", b"")
    assert (c.kind, c.classified_by) == ("pg_conf", "path")


def test_binary_is_unrecognized() -> None:
    c = classify("core.dump", b"\x7fELF\x00\x00\x01" + bytes(range(256)))
    assert c.kind == "unrecognized"
    assert "binary" in c.reason


def test_health_with_only_shared_services_uses_the_name() -> None:
    body = b'{"data":{"services":{"auth":true,"database":false}},"status_code":503}'
    assert classify("e2e.out", body).kind == "health_endtoend"
    assert classify("upload.json", body).kind == "health_instance"


def test_curl_wrapped_health_body() -> None:
    body = (
        b"*   Trying 10.0.0.1:443...\n> GET /health/instance HTTP/1.1\n< HTTP/1.1 503 SERVICE UNAVAILABLE\n<\n"
        b'{"data":{"services":{"auth":true,"database":false,"disk_space":true,"registry_gunicorn":true,'
        b'"service_key":true,"web_gunicorn":true}},"status_code":503}\n'
    )
    assert classify("out.txt", body).kind == "health_instance"


def test_must_gather_log_prefixed_with_timestamps_is_sniffed() -> None:
    line = b"2026-11-26T00:04:43.818123456Z 2026-11-26 00:04:43.818 UTC [6645] FATAL:  password authentication failed for user \"app\"\n"
    assert classify("x/current.log", line).kind == "pg_log"
