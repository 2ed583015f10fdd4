"""container_inspect: `podman inspect` / `docker inspect` JSON.

- PODMAN_MAN is the `podman container inspect` example of the podman man page verbatim
  (podman 3.x: `State.Healthcheck`, `ImageName`, RestartPolicy name ""); as printed there it
  carries two trailing commas, which makes it invalid JSON; PODMAN is the same text without them.
- DOCKER was printed by the docker 28.2.2 CLI (`docker inspect postgresql-quay`) from a stand-in
  daemon's answer using the Docker API's field names (a Quay PostgreSQL container killed by the
  OOM killer, with a health check, limits and a bind mount).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import container_inspect
from analyzer.artifacts.base import TextSource

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "schemas/artifacts/container_inspect.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

PODMAN_MAN = """\
[
    {
        "Id": "99f66530fe9c7249f7cf29f78e8661669d5831cbe4ee80ea757d5e922dd6a8a6",
        "Created": "2021-09-16T06:09:08.936623325-04:00",
        "Path": "echo",
        "Args": [
            "hi"
        ],
        "State": {
            "OciVersion": "1.0.2-dev",
            "Status": "exited",
            "Running": false,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": false,
            "Dead": false,
            "Pid": 0,
            "ExitCode": 0,
            "Error": "",
            "StartedAt": "2021-09-16T06:09:09.033564436-04:00",
            "FinishedAt": "2021-09-16T06:09:09.036184314-04:00",
            "Healthcheck": {
                "Status": "",
                "FailingStreak": 0,
                "Log": null
            }
        },
        "Image": "14119a10abf4669e8cdbdff324a9f9605d99697215a0d21c360fe8dfa8471bab",
        "ImageName": "docker.io/library/alpine:latest",
        "Rootfs": "",
        "Pod": "",
        "ResolvConfPath": "/run/user/3267/containers/overlay-containers/99f66530fe9c7249f7cf29f78e8661669d5831cbe4ee80ea757d5e922dd6a8a6/userdata/resolv.conf",
        "HostnamePath": "/run/user/3267/containers/overlay-containers/99f66530fe9c7249f7cf29f78e8661669d5831cbe4ee80ea757d5e922dd6a8a6/userdata/hostname",
        "HostsPath": "/run/user/3267/containers/overlay-containers/99f66530fe9c7249f7cf29f78e8661669d5831cbe4ee80ea757d5e922dd6a8a6/userdata/hosts",
        "StaticDir": "/home/dwalsh/.local/share/containers/storage/overlay-containers/99f66530fe9c7249f7cf29f78e8661669d5831cbe4ee80ea757d5e922dd6a8a6/userdata",
        "OCIConfigPath": "/home/dwalsh/.local/share/containers/storage/overlay-containers/99f66530fe9c7249f7cf29f78e8661669d5831cbe4ee80ea757d5e922dd6a8a6/userdata/config.json",
        "OCIRuntime": "crun",
        "ConmonPidFile": "/run/user/3267/containers/overlay-containers/99f66530fe9c7249f7cf29f78e8661669d5831cbe4ee80ea757d5e922dd6a8a6/userdata/conmon.pid",
        "PidFile": "/run/user/3267/containers/overlay-containers/99f66530fe9c7249f7cf29f78e8661669d5831cbe4ee80ea757d5e922dd6a8a6/userdata/pidfile",
        "Name": "foobar",
        "RestartCount": 0,
        "Driver": "overlay",
        "MountLabel": "system_u:object_r:container_file_t:s0:c25,c695",
        "ProcessLabel": "system_u:system_r:container_t:s0:c25,c695",
        "AppArmorProfile": "",
        "EffectiveCaps": [
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_FOWNER",
            "CAP_FSETID",
            "CAP_KILL",
            "CAP_NET_BIND_SERVICE",
            "CAP_SETFCAP",
            "CAP_SETGID",
            "CAP_SETPCAP",
            "CAP_SETUID",
        ],
        "BoundingCaps": [
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_FOWNER",
            "CAP_FSETID",
            "CAP_KILL",
            "CAP_NET_BIND_SERVICE",
            "CAP_SETFCAP",
            "CAP_SETGID",
            "CAP_SETPCAP",
            "CAP_SETUID",
        ],
        "ExecIDs": [],
        "GraphDriver": {
            "Name": "overlay",
            "Data": {
                "LowerDir": "/home/dwalsh/.local/share/containers/storage/overlay/e2eb06d8af8218cfec8210147357a68b7e13f7c485b991c288c2d01dc228bb68/diff",
                "UpperDir": "/home/dwalsh/.local/share/containers/storage/overlay/8f3d70434a3db17410ec4710caf4f251f3e4ed0a96a08124e4b3d4af0a0ea300/diff",
                "WorkDir": "/home/dwalsh/.local/share/containers/storage/overlay/8f3d70434a3db17410ec4710caf4f251f3e4ed0a96a08124e4b3d4af0a0ea300/work"
            }
        },
        "Mounts": [],
        "Dependencies": [],
        "NetworkSettings": {
            "EndpointID": "",
            "Gateway": "",
            "IPAddress": "",
            "IPPrefixLen": 0,
            "IPv6Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "MacAddress": "",
            "Bridge": "",
            "SandboxID": "",
            "HairpinMode": false,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "Ports": {},
            "SandboxKey": ""
        },
        "Namespace": "",
        "IsInfra": false,
        "Config": {
            "Hostname": "99f66530fe9c",
            "Domainname": "",
            "User": "",
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm",
                "container=podman",
                "HOME=/root",
                "HOSTNAME=99f66530fe9c"
            ],
            "Cmd": [
                "echo",
                "hi"
            ],
            "Image": "docker.io/library/alpine:latest",
            "Volumes": null,
            "WorkingDir": "/",
            "Entrypoint": "",
            "OnBuild": null,
            "Labels": null,
            "Annotations": {
                "io.container.manager": "libpod",
                "io.kubernetes.cri-o.Created": "2021-09-16T06:09:08.936623325-04:00",
                "org.opencontainers.image.stopSignal": "15"
            },
            "StopSignal": 15,
            "CreateCommand": [
                "podman",
                "run",
                "--name",
                "foobar",
                "alpine",
                "echo",
                "hi"
            ],
            "Timezone": "local",
            "Umask": "0022",
            "Timeout": 0,
            "StopTimeout": 10
        },
        "HostConfig": {
            "Binds": [],
            "CgroupManager": "systemd",
            "CgroupMode": "private",
            "ContainerIDFile": "",
            "LogConfig": {
                "Type": "journald",
                "Config": null,
                "Path": "",
                "Tag": "",
                "Size": "0B"
            },
            "NetworkMode": "slirp4netns",
            "PortBindings": {},
            "RestartPolicy": {
                "Name": "",
                "MaximumRetryCount": 0
            },
            "AutoRemove": false,
            "VolumeDriver": "",
            "VolumesFrom": null,
            "CapAdd": [],
            "CapDrop": [],
            "Dns": [],
            "DnsOptions": [],
            "DnsSearch": [],
            "ExtraHosts": [],
            "GroupAdd": [],
            "IpcMode": "shareable",
            "Cgroup": "",
            "Cgroups": "default",
            "Links": null,
            "OomScoreAdj": 0,
            "PidMode": "private",
            "Privileged": false,
            "PublishAllPorts": false,
            "ReadonlyRootfs": false,
            "SecurityOpt": [],
            "Tmpfs": {},
            "UTSMode": "private",
            "UsernsMode": "",
            "ShmSize": 65536000,
            "Runtime": "oci",
            "ConsoleSize": [
                0,
                0
            ],
            "Isolation": "",
            "CpuShares": 0,
            "Memory": 0,
            "NanoCpus": 0,
            "CgroupParent": "containers.slice",
            "BlkioWeight": 0,
            "BlkioWeightDevice": null,
            "BlkioDeviceReadBps": null,
            "BlkioDeviceWriteBps": null,
            "BlkioDeviceReadIOps": null,
            "BlkioDeviceWriteIOps": null,
            "CpuPeriod": 0,
            "CpuQuota": 0,
            "CpuRealtimePeriod": 0,
            "CpuRealtimeRuntime": 0,
            "CpusetCpus": "",
            "CpusetMems": "",
            "Devices": [],
            "DiskQuota": 0,
            "KernelMemory": 0,
            "MemoryReservation": 0,
            "MemorySwap": 0,
            "MemorySwappiness": 0,
            "OomKillDisable": false,
            "PidsLimit": 2048,
            "Ulimits": [],
            "CpuCount": 0,
            "CpuPercent": 0,
            "IOMaximumIOps": 0,
            "IOMaximumBandwidth": 0,
            "CgroupConf": null
        }
    }
]
"""

PODMAN = PODMAN_MAN.replace('"CAP_SETUID",\n        ]', '"CAP_SETUID"\n        ]')

DOCKER = """\
[
    {
        "Id": "a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8",
        "Created": "2026-11-21T08:00:00.123456789Z",
        "Path": "container-entrypoint",
        "Args": [
            "run-postgresql"
        ],
        "State": {
            "Status": "exited",
            "Running": false,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": true,
            "Dead": false,
            "Pid": 0,
            "ExitCode": 137,
            "Error": "",
            "StartedAt": "2026-11-26T00:01:02.345678901Z",
            "FinishedAt": "2026-11-26T00:04:43.818123456Z",
            "Health": {
                "Status": "unhealthy",
                "FailingStreak": 3,
                "Log": [
                    {
                        "Start": "2026-11-26T00:03:43.1Z",
                        "End": "2026-11-26T00:03:44.2Z",
                        "ExitCode": 1,
                        "Output": "/var/run/postgresql:5432 - no response\\n"
                    }
                ]
            }
        },
        "Image": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
        "Name": "/postgresql-quay",
        "RestartCount": 3,
        "Driver": "overlay2",
        "Mounts": [
            {
                "Type": "bind",
                "Source": "/srv/quay/postgres-quay",
                "Destination": "/var/lib/pgsql/data",
                "Mode": "Z",
                "RW": true,
                "Propagation": "rprivate"
            }
        ],
        "HostConfig": {
            "Binds": [
                "/srv/quay/postgres-quay:/var/lib/pgsql/data:Z"
            ],
            "NetworkMode": "bridge",
            "PortBindings": {
                "5432/tcp": [
                    {
                        "HostIp": "",
                        "HostPort": "5432"
                    }
                ]
            },
            "RestartPolicy": {
                "Name": "on-failure",
                "MaximumRetryCount": 5
            },
            "ShmSize": 67108864,
            "Memory": 2147483648,
            "MemoryReservation": 1073741824,
            "MemorySwap": 4294967296,
            "NanoCpus": 2000000000,
            "CpuPeriod": 0,
            "CpuQuota": 0,
            "PidsLimit": null,
            "OomKillDisable": false
        },
        "Config": {
            "Hostname": "a9b8c7d6e5f4",
            "Env": [
                "POSTGRESQL_USER=quayuser",
                "POSTGRESQL_PASSWORD=quaypass",
                "POSTGRESQL_DATABASE=quay",
                "POSTGRESQL_ADMIN_PASSWORD=adminpass",
                "POSTGRESQL_MAX_CONNECTIONS=1000",
                "EMPTY=",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            ],
            "Cmd": [
                "run-postgresql"
            ],
            "Image": "registry.redhat.io/rhel8/postgresql-13:1-109",
            "Labels": {}
        }
    }
]
"""

SINGLE_OBJECT = DOCKER.strip()[1:-1]  # one element saved on its own (an API answer)

VALID = {
    "podman-3": PODMAN,
    "docker": DOCKER,
    "single-object": SINGLE_OBJECT,
    "two": PODMAN.rstrip()[:-1].rstrip() + ",\n" + DOCKER.lstrip()[1:],
}


def parse(text: str):
    """Parse text as the container_inspect kind."""
    return container_inspect.parse(
        TextSource.from_text("postgres/postgresql-quay/inspect.json", text)
    )


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_outputs_parse_and_match_schema(text: str) -> None:
    parsed = parse(text)
    assert parsed.status == "parsed", parsed.problems
    assert parsed.problems == []
    VALIDATOR.validate(parsed.data)


def test_man_page_text_is_invalid_json_with_its_line() -> None:
    parsed = parse(PODMAN_MAN)
    assert parsed.status == "invalid"
    (problem,) = parsed.problems
    assert problem.code == "syntax" and problem.line == 57  # the `]` after the trailing comma
    VALIDATOR.validate(parsed.data)


def test_podman_3() -> None:
    parsed = parse(PODMAN)
    (c,) = parsed.data["containers"]
    assert c["id"].startswith("99f66530fe9c") and c["name"] == "foobar"
    assert c["image"] == "docker.io/library/alpine:latest"
    assert c["image_id"] == "14119a10abf4669e8cdbdff324a9f9605d99697215a0d21c360fe8dfa8471bab"
    assert (c["status"], c["running"], c["exit_code"], c["oom_killed"]) == (
        "exited",
        False,
        0,
        False,
    )
    assert c["started_at"] == "2021-09-16T10:09:09.033564Z"  # -04:00 turned into UTC
    assert c["finished_at"] == "2021-09-16T10:09:09.036184Z"
    assert c["health_status"] is None  # Healthcheck.Status "" = no health check
    assert c["restart_policy"] == "no" and c["restart_count"] == 0
    assert c["memory_limit_bytes"] is None and c["memory_reservation_bytes"] is None
    assert c["cpu_limit_cores"] is None and c["nano_cpus"] == 0
    assert c["shm_size_bytes"] == 65536000 and c["pids_limit"] == 2048
    assert c["network_mode"] == "slirp4netns"
    assert c["env"]["container"] == "podman" and c["env"]["HOME"] == "/root"
    assert parsed.meta == {"images": ["docker.io/library/alpine:latest"]}
    loc = parsed.locations
    assert loc["containers.0"] == 2
    assert loc["containers.0.oom_killed"] == 15
    assert loc["containers.0.exit_code"] == 18
    assert loc["containers.0.memory_limit_bytes"] == 196
    assert loc["containers.0.env.HOME"] == 114
    assert loc["containers.0.health_status"] == 22


def test_docker_oom_killed_postgres() -> None:
    parsed = parse(DOCKER)
    (c,) = parsed.data["containers"]
    assert c["name"] == "postgresql-quay"  # docker's leading "/" removed
    assert c["image"] == "registry.redhat.io/rhel8/postgresql-13:1-109"
    assert c["image_id"].startswith("sha256:")
    assert (c["status"], c["exit_code"], c["oom_killed"], c["restart_count"]) == (
        "exited",
        137,
        True,
        3,
    )
    assert c["finished_at"] == "2026-11-26T00:04:43.818123Z"
    assert (c["health_status"], c["health_failing_streak"]) == ("unhealthy", 3)
    assert (c["restart_policy"], c["restart_max_retries"]) == ("on-failure", 5)
    assert c["memory_limit_bytes"] == 2 << 30 and c["memory_reservation_bytes"] == 1 << 30
    assert c["memory_swap_bytes"] == 4 << 30
    assert c["cpu_limit_cores"] == 2.0 and c["shm_size_bytes"] == 64 << 20
    assert c["pids_limit"] is None  # null in the JSON: unlimited
    assert c["env"]["POSTGRESQL_MAX_CONNECTIONS"] == "1000"
    assert c["env"]["POSTGRESQL_PASSWORD"] == "quaypass"  # kept: redaction is the output layer's
    assert c["env"]["EMPTY"] == ""
    assert c["mounts"] == [
        {
            "type": "bind",
            "source": "/srv/quay/postgres-quay",
            "destination": "/var/lib/pgsql/data",
            "rw": True,
        }
    ]
    loc = parsed.locations
    assert loc["containers.0.oom_killed"] == 14
    assert loc["containers.0.exit_code"] == 17  # State.ExitCode, not the health log's
    assert loc["containers.0.health_status"] == 21
    assert loc["containers.0.memory_limit_bytes"] == 66


def test_single_object_and_two_containers() -> None:
    assert parse(SINGLE_OBJECT).data["containers"][0]["name"] == "postgresql-quay"
    parsed = parse(VALID["two"])
    assert [c["name"] for c in parsed.data["containers"]] == ["foobar", "postgresql-quay"]
    assert parsed.meta["images"] == [
        "docker.io/library/alpine:latest",
        "registry.redhat.io/rhel8/postgresql-13:1-109",
    ]
    assert parsed.locations["containers.1"] == 228


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"NanoCpus": 0, "CpuQuota": 150000, "CpuPeriod": 100000}, 1.5),
        ({"NanoCpus": 0, "CpuQuota": 50000, "CpuPeriod": 0}, 0.5),
        ({"NanoCpus": 0, "CpuQuota": -1, "CpuPeriod": 100000}, None),
    ],
    ids=["quota-period", "quota-default-period", "unlimited"],
)
def test_cpu_limit_from_quota(value: dict, expected: float | None) -> None:
    obj = json.loads(SINGLE_OBJECT)
    obj["HostConfig"].update(value)
    assert parse(json.dumps(obj)).data["containers"][0]["cpu_limit_cores"] == expected


def test_image_objects_are_skipped() -> None:
    text = '[{"Id": "sha256:abc", "RepoTags": ["quay.io/x:1"], "Config": {}}]'
    parsed = parse(text)
    assert parsed.status == "invalid" and parsed.problems[0].code == "type"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('Error: no such object: "quay"\n', 1),
        ('[\n  {"Id": 1,\n', 3),
        ("[]", None),
        ("apiVersion: v1\nkind: Pod\n", 1),
    ],
    ids=["podman-error", "cut-json", "empty-array", "pod-yaml"],
)
def test_malformed_is_invalid(text: str, line: int | None) -> None:
    parsed = parse(text)
    assert parsed.status == "invalid"
    if line is not None:
        assert any(p.line == line for p in parsed.problems), parsed.problems
    VALIDATOR.validate(parsed.data)


def test_empty_is_invalid() -> None:
    assert parse("").status == "invalid"


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_sniff(text: str) -> None:
    assert container_inspect.sniff(text[:1024])


FOREIGN = {
    "podman-ps-json": '[\n  {\n    "AutoRemove": false,\n    "Command": [\n      "run-postgresql"\n    ],\n    "Created": 1763687916,\n    "Id": "a9b8",\n    "State": "exited",\n',
    "stats-json": '[\n {\n  "id": "6a1f2e3d4c5b",\n  "name": "quay",\n  "cpu_percent": "12.34%"\n',
    "health": '{"data":{"services":{"auth":true}},"status_code":200}',
    "ps-table": "CONTAINER ID  IMAGE  COMMAND  CREATED  STATUS  PORTS  NAMES\n",
    "empty": "",
}


@pytest.mark.parametrize("head", FOREIGN.values(), ids=FOREIGN.keys())
def test_sniff_rejects_other_kinds(head: str) -> None:
    assert not container_inspect.sniff(head)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text_never_raises(text: str) -> None:
    VALIDATOR.validate(parse(text).data)
    container_inspect.sniff(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Id",
                    "Name",
                    "State",
                    "HostConfig",
                    "Config",
                    "Env",
                    "Memory",
                    "Status",
                    "ExitCode",
                    "StartedAt",
                    "Health",
                    "RestartPolicy",
                    "Mounts",
                    "Image",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_random_json_shapes_never_raise(value) -> None:
    VALIDATOR.validate(parse(json.dumps(value)).data)
