"""`analyze collect --runtime oc` against a stand-in oc and a loopback HTTPS health server.

The Operator world is the OOM-killed, crash-looping Quay of sample_bundles/openshift-must-gather
(see worlds.py): the Quay pod cannot exec, so config.yaml comes from the Secret mounted at
/conf/stack; it restarted, so its previous log is collected too.
"""

from __future__ import annotations

import base64
import json
import shlex
import ssl
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.collect.conftest import (
    HEALTHY_HEALTH,
    analyze,
    calls,
    collect,
    health_server,
    members,
    missing_kinds,
    use_standins,
)
from tests.collect.worlds import CONFIG_SECRET, make_cert, oc_world

NS = "quay-enterprise"
APP = "registry-quay-app-6d8f7b9c5d-4xkqp"
DB = "registry-quay-database-5b7c9d4f8-q2lzx"

EXPECTED_MEMBERS = {
    "manifest.json": "manifest",
    "runtime/quayregistry.yaml": "quayregistry_cr",
    "runtime/pods.yaml": "k8s_resource",
    "runtime/events.yaml": "k8s_resource",
    "runtime/top-pods.txt": "top_pods",
    f"quay/{APP}/inspect.json": "k8s_resource",
    f"quay/{APP}/logs/current.log": "quay_log",
    f"quay/{APP}/logs/previous.log": "quay_log",
    f"quay/{APP}/config.yaml": "quay_config",
    f"quay/{APP}/ssl.cert": "tls_cert",
    "quay/health/instance.json": "health_instance",
    "quay/health/endtoend.json": "health_endtoend",
    "quay/health/warning.json": "health_warning",
    f"postgres/{DB}/inspect.json": "k8s_resource",
    f"postgres/{DB}/logs/current.log": "pg_log",
    f"postgres/{DB}/logs/postgresql-Thu.log": "pg_log",
    f"postgres/{DB}/postgresql.conf": "pg_conf",
    f"postgres/{DB}/df.txt": "df",
    f"postgres/{DB}/settings.txt": "pg_settings",
}


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for the loopback HTTPS health server."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = make_cert("127.0.0.1", ["localhost"])
    (d / "cert.pem").write_bytes(cert)
    (d / "key.pem").write_bytes(key)
    return d / "cert.pem", d / "key.pem"


def hand_collect(world: Path, dest: Path, url: str) -> Path:
    """What a person gathers with oc by hand: the guide's commands, config via `oc extract`."""
    dest.mkdir()
    steps: list[tuple[list[str], str]] = [
        (["oc", "get", "quayregistry", "-n", NS, "-o", "yaml"], "quayregistry.yaml"),
        (["oc", "get", "pods", "-n", NS, "-o", "yaml"], "pods.yaml"),
        (["oc", "get", "events", "-n", NS, "-o", "yaml"], "events.yaml"),
        (["oc", "adm", "top", "pods", "-n", NS], "top-pods.txt"),
        # container details, as rules/_artifacts.yaml recommends them for oc
        (["oc", "get", "pod", APP, "-n", NS, "-o", "yaml"], "quay-app-pod.yaml"),
        (["oc", "get", "pod", DB, "-n", NS, "-o", "yaml"], "database-pod.yaml"),
        (["oc", "logs", "--timestamps", APP, "-c", "quay-app", "-n", NS], "quay-app.log"),
        (
            ["oc", "logs", "--timestamps", "--previous", APP, "-c", "quay-app", "-n", NS],
            "quay-app-previous.log",
        ),
        (["oc", "logs", "--timestamps", DB, "-c", "postgres", "-n", NS], "database-pod.log"),
        (
            [
                "oc",
                "exec",
                DB,
                "-c",
                "postgres",
                "-n",
                NS,
                "--",
                "cat",
                "/var/lib/pgsql/data/userdata/postgresql.conf",
            ],
            "postgresql.conf",
        ),
        (
            [
                "oc",
                "exec",
                DB,
                "-c",
                "postgres",
                "-n",
                NS,
                "--",
                "cat",
                "/var/lib/pgsql/data/userdata/log/postgresql-Thu.log",
            ],
            "pg-logs/postgresql-Thu.log",
        ),
        (["oc", "exec", DB, "-c", "postgres", "-n", NS, "--", "df", "-ah"], "df.txt"),
        (
            ["oc", "exec", DB, "-c", "postgres", "-n", NS, "--", "psql", "-c", "SHOW ALL"],
            "settings.txt",
        ),
    ]
    for argv, name in steps:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            subprocess.run(argv, stdout=out, stderr=subprocess.DEVNULL, check=False, timeout=60)
    # `oc extract secret/<config secret>`: the files it holds, but the private key stays home
    secret = json.loads((world / "secrets" / f"{CONFIG_SECRET}.json").read_text())
    for key in ("config.yaml", "ssl.cert"):
        (dest / key).write_bytes(base64.b64decode(secret["data"][key]))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for ep in ("instance", "endtoend", "warning"):
        with urllib.request.urlopen(f"{url}/health/{ep}", timeout=10, context=ctx) as resp:
            (dest / f"health-{ep}.json").write_bytes(resp.read())
    return dest


@pytest.fixture(scope="module")
def operator(
    tmp_path_factory: pytest.TempPathFactory, tls_files: tuple[Path, Path]
) -> Iterator[dict[str, Any]]:
    """The Operator world collected by `analyze collect` and by hand, both analyzed."""
    tmp_path = tmp_path_factory.mktemp("operator")
    with pytest.MonkeyPatch.context() as mp:
        world = use_standins(tmp_path, mp)
        secrets = oc_world(world)
        out = tmp_path / "case.tgz"
        with health_server(HEALTHY_HEALTH, tls=tls_files) as url:
            rc, err = collect(
                [
                    "--runtime",
                    "oc",
                    "--quay-url",
                    url,
                    "--insecure",
                    "-o",
                    str(out),
                    "--timeout",
                    "60",
                ]
            )
            collector_calls = calls(world)
            hand = hand_collect(world, tmp_path / "hand", url)
        assert rc == 0, err
        yield {
            "world": world,
            "calls": collector_calls,
            "secrets": secrets,
            "archive": out,
            "stderr": err,
            "report": analyze(out, tmp_path / "collected.json"),
            "hand": analyze(hand, tmp_path / "hand.json"),
        }


def _manifest(archive: Path) -> dict[str, Any]:
    return json.loads(members(archive)["manifest.json"])


def _fired(report: dict[str, Any]) -> dict[str, str]:
    return {f["rule_id"]: f["severity"] for f in report["findings"]}


def test_bundle_follows_the_collection_layout(operator: dict[str, Any]) -> None:
    kinds = {a["path"]: a["kind"] for a in operator["report"]["bundle"]["artifacts"]}
    assert kinds == EXPECTED_MEMBERS
    assert all(a["status"] == "parsed" for a in operator["report"]["bundle"]["artifacts"])


def test_same_diagnosis_as_the_hand_collected_bundle(operator: dict[str, Any]) -> None:
    assert _fired(operator["report"]) == _fired(operator["hand"])
    # the OOM kill and the crash loop are reported, citing the pods and the crashed run's log
    cited = {e["path"] for f in operator["report"]["findings"] for e in f["evidence"]}
    assert {"runtime/pods.yaml", f"quay/{APP}/logs/previous.log"} <= cited
    assert "resources" in {f["category"] for f in operator["report"]["findings"]}
    env_c, env_h = operator["report"]["environment"], operator["hand"]["environment"]
    assert env_c["deployment"] == env_h["deployment"] == "operator"
    for key in ("quay_version", "postgres_version", "log_span"):
        assert env_c[key] == env_h[key], key


def test_hand_saved_pod_and_event_lists_are_recognized(operator: dict[str, Any]) -> None:
    kinds = {a["path"]: a["kind"] for a in operator["hand"]["bundle"]["artifacts"]}
    assert kinds["pods.yaml"] == kinds["events.yaml"] == "k8s_resource"


def test_nothing_the_analyzer_needs_is_missing(operator: dict[str, Any]) -> None:
    assert not [r for r in _fired(operator["report"]) if r.startswith("BND")]
    # what stays absent: Clair and Redis (this deployment runs neither: the QuayRegistry leaves
    # Clair unmanaged, the namespace has no Redis pod), podman inspect (pods stand in for it),
    # bucket listings (aws, outside the deployment) and the TLS private key (never collected)
    allowed = {
        "clair_log",
        "clair_config",
        "redis_log",
        "container_inspect",
        "storage_listing",
        "bucket listing",
        "tls_key",
    }
    assert missing_kinds(operator["report"]) <= allowed


def test_crashed_container_previous_log_and_config_from_its_secret(
    operator: dict[str, Any],
) -> None:
    argvs = [shlex.join(c[1:]) for c in operator["calls"]]
    assert f"logs --timestamps --previous {APP} -c quay-app -n {NS}" in argvs
    # the database never restarted: no --previous for it
    assert not [a for a in argvs if "--previous" in a and DB in a]
    # no exec into the crash-looping pod; the Secret mounted at /conf/stack instead
    assert not [a for a in argvs if a.startswith(f"exec {APP}")]
    assert f"get secret {CONFIG_SECRET} -n {NS} -o json" in argvs
    m = _manifest(operator["archive"])
    entry = next(
        c for c in m["commands"] if c["cmd"] == f"oc get secret {CONFIG_SECRET} -n {NS} -o json"
    )
    assert entry["output"] == f"quay/{APP}/config.yaml"
    assert {w["path"] for w in m["withheld"]} == {f"quay/{APP}/ssl.key"}
    config = yaml.safe_load(members(operator["archive"])[f"quay/{APP}/config.yaml"])
    assert config["DB_URI"].startswith("postgresql://quayuser:<secret:")


def test_no_planted_secret_in_the_bundle(operator: dict[str, Any]) -> None:
    blob = b"\n".join(members(operator["archive"]).values())
    for name, value in operator["secrets"].all().items():
        assert value.encode() not in blob, name
    assert b"PRIVATE KEY" not in blob


def test_manifest_shape(operator: dict[str, Any]) -> None:
    m = _manifest(operator["archive"])
    assert m["runtime"] == "oc" and m["namespace"] == NS
    assert m["host"] == "https://api.ocp.example.com:6443"
    assert [c["cmd"] for c in m["commands"] if not c["cmd"].startswith("GET ")] == [
        shlex.join(c) for c in operator["calls"]
    ]
    gets = [c for c in m["commands"] if c["cmd"].startswith("GET ")]
    assert len(gets) == 3 and all("TLS verification off" in c["cmd"] for c in gets)
    assert m["failures"] == []


def test_health_over_tls_is_verified_unless_insecure(
    standins: Path, tmp_path: Path, tls_files: tuple[Path, Path]
) -> None:
    oc_world(standins)
    out = tmp_path / "case.tgz"
    with health_server(HEALTHY_HEALTH, tls=tls_files) as url:
        rc, _ = collect(["--runtime", "oc", "-n", NS, "--quay-url", url, "-o", str(out)])
    assert rc == 0
    m = _manifest(out)
    failed = [f for f in m["failures"] if f["cmd"].startswith("GET ")]
    assert len(failed) == 3
    assert all("not trusted" in f["message"] and "--insecure" in f["message"] for f in failed)
    assert not [n for n in members(out) if n.startswith("quay/health/")]


def test_running_quay_pod_config_via_exec_and_connectivity(standins: Path, tmp_path: Path) -> None:
    oc_world(standins, quay_running=True)
    out = tmp_path / "case.tgz"
    with health_server(HEALTHY_HEALTH) as url:
        rc, err = collect(["--runtime", "oc", "--quay-url", url, "-o", str(out), "--since", "90m"])
    assert rc == 0, err
    argvs = [shlex.join(c[1:]) for c in calls(standins)]
    assert f"exec {APP} -c quay-app -n {NS} -- cat /conf/stack/config.yaml" in argvs
    assert not [a for a in argvs if a.startswith("get secret")]
    assert not [a for a in argvs if "ssl.key" in a]
    assert all("--since=90m" in a for a in argvs if a.startswith("logs "))
    got = members(out)
    assert f"quay/{APP}/config.yaml" in got and f"quay/{APP}/ssl.cert" in got
    # the world has no curl in the Quay image: the step is recorded as failed, nothing kept
    m = _manifest(out)
    assert any("curl" in f["cmd"] and "curl" in f["message"] for f in m["failures"])
    assert f"quay/{APP}/db-connectivity.txt" not in got
