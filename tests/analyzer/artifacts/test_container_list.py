"""container_list: `podman ps -a` / `docker ps -a` tables and JSON.

- DOCKER_PS and DOCKER_PS_JSON were written by the docker 28.2.2 CLI (`docker ps -a`,
  `docker ps -a --format json`) from a stand-in daemon's container list; the CLI formats
  CREATED, PORTS and COMMAND itself, the daemon gives the STATUS text.
- PODMAN_RUNNING, PODMAN_EXITED and PODMAN_POD are examples from the podman-ps man page
  (an infra container with empty IMAGE/COMMAND, empty PORTS, `(healthy)`, `--pod` columns);
  rows the man page had shifted by hand (no longer on the tabwriter's offsets) are left out.
- PODMAN_JSON follows the key list of formats.md §2.1 (2-space indent, Created in Unix seconds,
  Ports objects, Restarts).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import container_list
from analyzer.artifacts.base import TextSource

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "schemas/artifacts/container_list.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

DOCKER_PS = (
    "CONTAINER ID   IMAGE                                          COMMAND                  CREATED              STATUS                         PORTS                                            NAMES\n"
    '3f1b2c4d5e6f   registry.redhat.io/quay/quay-rhel8:v3.11.1     "dumb-init -- /quay-…"   3 hours ago          Up 3 hours (healthy)           0.0.0.0:8080->8080/tcp, 0.0.0.0:8443->8443/tcp   quay\n'
    'a9b8c7d6e5f4   registry.redhat.io/rhel8/postgresql-13:1-109   "container-entrypoin…"   5 days ago           Exited (137) 2 hours ago       0.0.0.0:5432->5432/tcp                           postgresql-quay\n'
    '0123456789ab   registry.redhat.io/rhel8/redis-6:1-110         "container-entrypoin…"   5 days ago           Restarting (1) 5 seconds ago   6379/tcp                                         redis\n'
    'fedcba987654   registry.redhat.io/quay/clair-rhel8:v3.11.1    ""                       About a minute ago   Created                                                                         clair-init\n'
)

DOCKER_PS_JSON = (
    '{"Command":"\\"dumb-init -- /quay-…\\"","CreatedAt":"2026-11-25 22:18:36 +0000 UTC","ID":"3f1b2c4d5e6f","Image":"registry.redhat.io/quay/quay-rhel8:v3.11.1","Labels":"","LocalVolumes":"0","Mounts":"","Names":"quay","Networks":"","Platform":null,"Ports":"0.0.0.0:8080-\\u003e8080/tcp, 0.0.0.0:8443-\\u003e8443/tcp","RunningFor":"3 hours ago","Size":"0B","State":"running","Status":"Up 3 hours (healthy)"}\n'
    '{"Command":"\\"container-entrypoin…\\"","CreatedAt":"2026-11-21 01:18:36 +0000 UTC","ID":"a9b8c7d6e5f4","Image":"registry.redhat.io/rhel8/postgresql-13:1-109","Labels":"","LocalVolumes":"0","Mounts":"","Names":"postgresql-quay","Networks":"","Platform":null,"Ports":"0.0.0.0:5432-\\u003e5432/tcp","RunningFor":"5 days ago","Size":"0B","State":"exited","Status":"Exited (137) 2 hours ago"}\n'
    '{"Command":"\\"container-entrypoin…\\"","CreatedAt":"2026-11-21 01:18:36 +0000 UTC","ID":"0123456789ab","Image":"registry.redhat.io/rhel8/redis-6:1-110","Labels":"","LocalVolumes":"0","Mounts":"","Names":"redis","Networks":"","Platform":null,"Ports":"6379/tcp","RunningFor":"5 days ago","Size":"0B","State":"restarting","Status":"Restarting (1) 5 seconds ago"}\n'
    '{"Command":"\\"\\"","CreatedAt":"2026-11-26 01:17:36 +0000 UTC","ID":"fedcba987654","Image":"registry.redhat.io/quay/clair-rhel8:v3.11.1","Labels":"","LocalVolumes":"0","Mounts":"","Names":"clair-init","Networks":"","Platform":null,"Ports":"","RunningFor":"About a minute ago","Size":"0B","State":"created","Status":"Created"}\n'
)

PODMAN_RUNNING = """\
CONTAINER ID  IMAGE                             COMMAND               CREATED         STATUS                  PORTS                           NAMES
ff660efda598  docker.io/library/nginx:latest    nginx -g daemon o...  3 minutes ago   Up 3 minutes            0.0.0.0:8080->80/tcp            webserver
5693e934f4c6  docker.io/library/redis:latest    redis-server          3 minutes ago   Up 3 minutes            6379/tcp                        cache
2b271d67dbb6                                                          3 minutes ago   Up 3 minutes            0.0.0.0:9090->80/tcp            463241862e7e-infra
62180adfbd42  docker.io/library/redis:latest    redis-server          3 minutes ago   Up 3 minutes            0.0.0.0:9090->80/tcp, 6379/tcp  pod-redis
af3d8b3f5471  docker.io/library/busybox:latest  sleep 1000            3 minutes ago   Up 3 minutes                                            test-dev
b6ee47492b64  docker.io/library/nginx:latest    nginx -g daemon o...  3 minutes ago   Up 3 minutes (healthy)  80/tcp                          healthy-nginx
"""

PODMAN_EXITED = """\
CONTAINER ID  IMAGE                            COMMAND     CREATED        STATUS                    PORTS                NAMES
94f211cc6e36  docker.io/library/alpine:latest  sleep 1     4 minutes ago  Exited (0) 4 minutes ago                       old-alpine
75a800cb848a  docker.io/library/mysql:latest   mysqld      3 minutes ago  Exited (1) 3 minutes ago  3306/tcp, 33060/tcp  db-container
"""

PODMAN_POD = """\
CONTAINER ID  IMAGE                            COMMAND    CREATED        STATUS        PORTS     NAMES               POD ID        PODNAME
4089df24d4f3  docker.io/library/nginx:latest  nginx      2 minutes ago  Up 2 minutes  80/tcp    webserver           1234567890ab  web-pod
92f58933c28c  docker.io/library/redis:latest  redis      3 minutes ago  Up 3 minutes  6379/tcp  cache               1234567890ab  web-pod
"""

PODMAN_JSON = """[
  {
    "AutoRemove": false,
    "Command": [
      "/quay-registry/quay-entrypoint.sh",
      "registry"
    ],
    "Created": 1764115116,
    "CreatedAt": "3 hours ago",
    "CIDFile": "",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "3f1b2c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
    "Image": "registry.redhat.io/quay/quay-rhel8:v3.11.1",
    "ImageID": "1111111111111111111111111111111111111111111111111111111111111111",
    "IsInfra": false,
    "Labels": {},
    "Mounts": [],
    "Names": [
      "quay"
    ],
    "Namespaces": {},
    "Networks": [],
    "Pid": 4242,
    "Pod": "",
    "PodName": "",
    "Ports": [
      {
        "host_ip": "",
        "container_port": 8443,
        "host_port": 8443,
        "range": 1,
        "protocol": "tcp"
      }
    ],
    "Restarts": 0,
    "Size": null,
    "StartedAt": 1764115117,
    "State": "running",
    "Status": "Up 3 hours (healthy)"
  },
  {
    "AutoRemove": false,
    "Command": [
      "run-postgresql"
    ],
    "Created": 1763687916,
    "CreatedAt": "5 days ago",
    "CIDFile": "",
    "Exited": true,
    "ExitedAt": 1764118716,
    "ExitCode": 137,
    "Id": "a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8",
    "Image": "registry.redhat.io/rhel8/postgresql-13:1-109",
    "ImageID": "2222222222222222222222222222222222222222222222222222222222222222",
    "IsInfra": false,
    "Labels": {},
    "Mounts": [],
    "Names": [
      "postgresql-quay"
    ],
    "Namespaces": {},
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": [
      {
        "host_ip": "",
        "container_port": 2000,
        "host_port": 2000,
        "range": 7,
        "protocol": "tcp"
      }
    ],
    "Restarts": 3,
    "Size": null,
    "StartedAt": 1764115117,
    "State": "exited",
    "Status": "Exited (137) 2 hours ago"
  }
]
"""

VALID = {
    "docker-table": DOCKER_PS,
    "docker-json-lines": DOCKER_PS_JSON,
    "podman-running": PODMAN_RUNNING,
    "podman-exited": PODMAN_EXITED,
    "podman-pod": PODMAN_POD,
    "podman-json": PODMAN_JSON,
}


def parse(text: str):
    """Parse text as the container_list kind."""
    return container_list.parse(TextSource.from_text("runtime/ps.txt", text))


def by_name(parsed) -> dict[str, dict]:
    """Containers keyed by name."""
    return {c["name"]: c for c in parsed.data["containers"]}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_outputs_parse_and_match_schema(text: str) -> None:
    parsed = parse(text)
    assert parsed.status == "parsed", parsed.problems
    assert parsed.problems == []
    VALIDATOR.validate(parsed.data)


def test_docker_table_states() -> None:
    parsed = parse(DOCKER_PS)
    c = by_name(parsed)
    assert c["quay"]["state"] == "running" and c["quay"]["health"] == "healthy"
    assert c["quay"]["ports"] == ["0.0.0.0:8080->8080/tcp", "0.0.0.0:8443->8443/tcp"]
    assert c["quay"]["status_age_seconds"] == 3 * 3600
    assert c["quay"]["exit_code"] is None
    pg = c["postgresql-quay"]
    assert (pg["state"], pg["exit_code"], pg["status_age_seconds"]) == ("exited", 137, 7200)
    assert pg["image"] == "registry.redhat.io/rhel8/postgresql-13:1-109"
    assert pg["created"] is None and pg["created_raw"] == "5 days ago"
    assert (c["redis"]["state"], c["redis"]["exit_code"]) == ("restarting", 1)
    assert c["clair-init"]["state"] == "created" and c["clair-init"]["ports"] == []
    assert parsed.locations["containers.1"] == 3


def test_docker_json_lines_agree_with_table() -> None:
    table, lines = by_name(parse(DOCKER_PS)), by_name(parse(DOCKER_PS_JSON))
    for name, row in table.items():
        for key in ("id", "image", "state", "exit_code", "health", "ports", "status"):
            assert lines[name][key] == row[key], (name, key)
    assert lines["quay"]["created"] == "2026-11-25T22:18:36Z"


def test_podman_table_with_empty_cells() -> None:
    c = by_name(parse(PODMAN_RUNNING))
    infra = c["463241862e7e-infra"]
    assert infra["image"] is None and infra["command"] is None
    assert infra["ports"] == ["0.0.0.0:9090->80/tcp"]
    assert c["test-dev"]["ports"] == []
    assert c["pod-redis"]["ports"] == ["0.0.0.0:9090->80/tcp", "6379/tcp"]
    assert c["healthy-nginx"]["health"] == "healthy"
    assert c["webserver"]["command"] == "nginx -g daemon o..."
    assert c["webserver"]["status_age_seconds"] == 180


def test_podman_exited_codes() -> None:
    c = by_name(parse(PODMAN_EXITED))
    assert c["old-alpine"]["exit_code"] == 0 and c["db-container"]["exit_code"] == 1
    assert c["db-container"]["state"] == "exited"


def test_podman_pod_columns() -> None:
    web = by_name(parse(PODMAN_POD))["webserver"]
    assert web["pod"] == "1234567890ab" and web["pod_name"] == "web-pod"


def test_podman_json() -> None:
    parsed = parse(PODMAN_JSON)
    quay, pg = parsed.data["containers"]
    assert parsed.data["format"] == "json"
    assert quay["command"] == "/quay-registry/quay-entrypoint.sh registry"
    assert quay["created"] == "2025-11-25T23:58:36Z" and quay["created_raw"] == "3 hours ago"
    assert quay["exited_at"] is None  # Go's zero time in Unix seconds
    assert quay["exit_code"] is None and quay["health"] == "healthy"
    assert quay["ports"] == ["0.0.0.0:8443->8443/tcp"]
    assert (pg["exit_code"], pg["restarts"], pg["state"]) == (137, 3, "exited")
    assert pg["ports"] == ["0.0.0.0:2000-2006->2000-2006/tcp"]
    assert pg["exited_at"] == "2025-11-26T00:58:36Z"
    assert parsed.locations == {"containers.0": 2, "containers.1": 43}


@pytest.mark.parametrize(
    ("status", "state", "code", "health"),
    [
        ("Up 3 hours (healthy)", "running", None, "healthy"),
        ("Up 5 minutes ago", "running", None, None),  # podman 1.x wording
        ("Up About an hour (unhealthy)", "running", None, "unhealthy"),
        ("Up 2 seconds (health: starting)", "running", None, "starting"),
        ("Up 2 hours (Paused)", "paused", None, None),
        ("Exited (-1) 19 hours ago", "exited", -1, None),
        ("Exited (143) Less than a second ago", "exited", 143, None),
        ("Restarting (1) 5 seconds ago", "restarting", 1, None),
        ("Created", "created", None, None),
        ("Removal In Progress", "removing", None, None),
        ("Dead", "dead", None, None),
    ],
)
def test_status_text(status: str, state: str, code: int | None, health: str | None) -> None:
    out = dict.fromkeys(container_list.FIELDS)
    problems: list = []
    container_list._apply_status(out, status, None, 1, problems)
    assert (out["state"], out["exit_code"], out["health"]) == (state, code, health)
    assert problems == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("hello\n", 1),
        ("CONTAINER ID  IMAGE  COMMAND  CREATED  STATUS  PORTS  NAMES\nabc def\n", 2),
        ('[\n  {\n    "Id": "x",\n  }\n]\n', 4),
        ('[{"Id": "x", "State": {"Status": "running"}, "HostConfig": {}}]', 1),
    ],
    ids=["no-header", "ragged", "json-syntax", "inspect-json"],
)
def test_malformed_is_invalid_with_line(text: str, line: int) -> None:
    parsed = parse(text)
    assert parsed.status == "invalid"
    assert any(p.line == line for p in parsed.problems), parsed.problems
    VALIDATOR.validate(parsed.data)


def test_empty_is_invalid() -> None:
    assert parse("").status == "invalid"


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_sniff(text: str) -> None:
    assert container_list.sniff(text[:1024])


FOREIGN = {
    "inspect": '[\n    {\n        "Id": "99f66530fe9c",\n        "Created": "2021-09-16T06:09:08.936623325-04:00",\n        "Path": "echo",\n        "State": {\n',
    "stats": "ID            NAME        CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO    PIDS\n",
    "df": "Filesystem               Size  Used Avail Use% Mounted on\n",
    "empty": "",
}


@pytest.mark.parametrize("head", FOREIGN.values(), ids=FOREIGN.keys())
def test_sniff_rejects_other_kinds(head: str) -> None:
    assert not container_list.sniff(head)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text_never_raises(text: str) -> None:
    VALIDATOR.validate(parse(text).data)
    container_list.sniff(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="Up Exited()137ago hours,/tcp0:->", max_size=60), max_size=5))
def test_random_rows_under_a_real_header_never_raise(rows: list[str]) -> None:
    parsed = parse(PODMAN_RUNNING.splitlines()[0] + "\n" + "\n".join(rows))
    VALIDATOR.validate(parsed.data)
