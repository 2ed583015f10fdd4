"""Tests for the quayregistry_cr and k8s_resource parsers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from analyzer.artifacts import k8s
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]


def _valid(kind: str, data: Any) -> None:
    schema = json.loads((ROOT / "schemas" / "artifacts" / f"{kind}.schema.json").read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


def _cr(text: str) -> Parsed:
    return k8s.parse_quayregistry_cr(TextSource.from_text("quayregistry.yaml", text))


def _res(text: str, path: str = "pods.yaml") -> Parsed:
    return k8s.parse_k8s_resource(TextSource.from_text(path, text))


# `oc get quayregistry -o yaml` shape: field names from quay-operator apis/quay/v1
# (QuayRegistrySpec, Component, Override, Condition, QuayRegistryStatus); the DEBUGLOG override
# is the guide's ch. 2 recipe; the Available message is the operator's own text.
QUAYREGISTRY = """\
apiVersion: quay.redhat.com/v1
kind: QuayRegistry
metadata:
  creationTimestamp: "2024-04-02T08:11:54Z"
  generation: 3
  name: example-registry
  namespace: quay-enterprise
spec:
  components:
  - kind: clair
    managed: true
  - kind: postgres
    managed: true
  - kind: objectstorage
    managed: false
  - kind: quay
    managed: true
    overrides:
      env:
      - name: DEBUGLOG
        value: "true"
      - name: HTTP_PROXY
        value: proxy.example.com:3128
  configBundleSecret: config-bundle-secret
status:
  conditions:
  - lastTransitionTime: "2024-04-02T08:20:01Z"
    lastUpdateTime: "2024-04-02T08:20:01Z"
    message: all registry component healthchecks passing
    reason: HealthChecksPassing
    status: "True"
    type: Available
  - lastTransitionTime: "2024-04-02T08:12:30Z"
    lastUpdateTime: "2024-04-02T08:12:30Z"
    message: Object storage component must be managed or provided through config bundle
    reason: ObjectStorageComponentDependencyError
    status: "False"
    type: ComponentObjectStorageReady
  currentVersion: 3.11.1
  lastUpdated: 2024-04-02 08:20:01.48392 +0000 UTC
  registryEndpoint: https://example-registry-quay-quay-enterprise.apps.ocp.example.com
"""


def test_quayregistry_with_debuglog_and_conditions() -> None:
    p = _cr(QUAYREGISTRY)
    assert p.status == "parsed", p.problems
    d = p.data
    assert d["name"] == "example-registry"
    assert d["namespace"] == "quay-enterprise"
    assert d["env_overrides"] == {"quay": {"DEBUGLOG": "true", "HTTP_PROXY": "proxy.example.com:3128"}}
    assert d["debuglog"] is True
    assert d["unmanaged"] == ["objectstorage"]
    assert [c["kind"] for c in d["components"]] == ["clair", "postgres", "objectstorage", "quay"]
    assert d["components"][3]["overrides"]["env"][0] == {"name": "DEBUGLOG", "value": "true"}
    assert d["components"][0]["overrides"] is None
    assert d["conditions"][0] == {
        "type": "Available", "status": "True", "reason": "HealthChecksPassing",
        "message": "all registry component healthchecks passing",
        "last_update": "2024-04-02T08:20:01Z", "last_transition": "2024-04-02T08:20:01Z",
    }
    assert d["current_version"] == "3.11.1"
    assert d["config_bundle_secret"] == "config-bundle-secret"
    assert p.meta["quay_version"] == "3.11.1"
    assert p.locations["env_overrides.quay.DEBUGLOG"] == 20
    assert p.locations["conditions.1"] == 33
    assert p.locations["current_version"] == 39
    _valid("quayregistry_cr", d)


def test_quayregistry_inside_a_list_and_as_json() -> None:
    obj = yaml.safe_load(QUAYREGISTRY)
    listing = {"apiVersion": "v1", "kind": "List", "items": [obj], "metadata": {"resourceVersion": ""}}
    for text in (yaml.safe_dump(listing), json.dumps(listing, indent=4)):
        p = _cr(text)
        assert p.status == "parsed"
        assert p.data["debuglog"] is True
        _valid("quayregistry_cr", p.data)


def test_quayregistry_without_overrides_has_no_debuglog() -> None:
    text = QUAYREGISTRY.replace(
        "    overrides:\n      env:\n      - name: DEBUGLOG\n        value: \"true\"\n"
        "      - name: HTTP_PROXY\n        value: proxy.example.com:3128\n", "")
    p = _cr(text)
    assert p.data["debuglog"] is None
    assert p.data["env_overrides"] == {}


def test_env_override_from_secret_is_null() -> None:
    text = QUAYREGISTRY.replace(
        "        value: proxy.example.com:3128\n",
        "        valueFrom:\n          secretKeyRef:\n            name: proxy\n            key: url\n")
    p = _cr(text)
    assert p.data["env_overrides"]["quay"]["HTTP_PROXY"] is None
    _valid("quayregistry_cr", p.data)


@pytest.mark.parametrize(
    ("text", "status"),
    [("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n", "invalid"),
     ("kind: QuayRegistry\nmetadata: [\n", "invalid"),
     ("", "invalid")],
    ids=["not-a-quayregistry", "yaml-syntax-error", "empty"],
)
def test_quayregistry_unreadable(text: str, status: str) -> None:
    assert _cr(text).status == status


def test_missing_managed_is_a_problem_not_a_failure() -> None:
    p = _cr(QUAYREGISTRY.replace("  - kind: clair\n    managed: true\n", "  - kind: clair\n"))
    assert p.status == "parsed"
    assert p.data["components"][0]["managed"] is None
    assert [x.code for x in p.problems] == ["required"]


# A must-gather pods/<pod>/<pod>.yaml for the operator's database pod (fields of formats.md
# §3.1): restarted after an OOM kill, now waiting in CrashLoopBackOff.
POD = """\
apiVersion: v1
kind: Pod
metadata:
  labels:
    quay-component: postgres
  name: example-registry-quay-database-6d9b8f7c5-kq2xw
  namespace: quay-enterprise
  ownerReferences:
  - apiVersion: apps/v1
    kind: ReplicaSet
    name: example-registry-quay-database-6d9b8f7c5
spec:
  containers:
  - env:
    - name: POSTGRESQL_USER
      valueFrom:
        secretKeyRef:
          key: database-username
          name: example-registry-quay-database
    - name: POSTGRESQL_MAX_CONNECTIONS
      value: "2000"
    - name: POSTGRESQL_SHARED_BUFFERS
      value: 256MB
    image: registry.redhat.io/rhel8/postgresql-13@sha256:1d0b6ad6a2c4f6a0b8d9e4c7e6f3b2a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5
    name: postgres
    resources:
      limits:
        memory: 2Gi
      requests:
        cpu: 500m
        memory: 2Gi
  nodeName: worker-1.ocp.example.com
status:
  containerStatuses:
  - containerID: cri-o://4f3a2b1c
    image: registry.redhat.io/rhel8/postgresql-13@sha256:1d0b6ad6a2c4f6a0b8d9e4c7e6f3b2a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5
    lastState:
      terminated:
        containerID: cri-o://9e8d7c6b
        exitCode: 137
        finishedAt: "2024-04-02T09:41:07Z"
        reason: OOMKilled
        startedAt: "2024-04-02T09:12:55Z"
    name: postgres
    ready: false
    restartCount: 7
    started: false
    state:
      waiting:
        message: back-off 5m0s restarting failed container=postgres pod=example-registry-quay-database-6d9b8f7c5-kq2xw_quay-enterprise(0b7c2a4e-3f1d-4e9b-8a6c-5d2e1f0a9b8c)
        reason: CrashLoopBackOff
  phase: Running
"""


def test_pod_with_oomkilled_last_state_and_crashloop() -> None:
    p = _res(POD)
    assert p.status == "parsed", p.problems
    (item,) = p.data["items"]
    assert item["kind"] == "Pod"
    assert item["owner"] == "ReplicaSet/example-registry-quay-database-6d9b8f7c5"
    assert item["node"] == "worker-1.ocp.example.com"
    assert item["labels"] == {"quay-component": "postgres"}
    (c,) = item["containers"]
    assert c["state"] == "waiting"
    assert c["state_reason"] == "CrashLoopBackOff"
    assert c["restart_count"] == 7
    assert c["ready"] is False
    assert c["last_terminated"] == {
        "reason": "OOMKilled", "exit_code": 137, "signal": None,
        "started_at": "2024-04-02T09:12:55Z", "finished_at": "2024-04-02T09:41:07Z",
        "message": None,
    }
    assert c["limits"] == {"cpu_millicores": None, "memory_bytes": 2 * 1024**3,
                           "cpu_raw": None, "memory_raw": "2Gi"}
    assert c["requests"]["cpu_millicores"] == 500
    assert c["env"] == {"POSTGRESQL_USER": None, "POSTGRESQL_MAX_CONNECTIONS": "2000",
                        "POSTGRESQL_SHARED_BUFFERS": "256MB"}
    assert p.locations["items.0"] == 1
    assert p.locations["items.0.containers.0"] == 35
    assert p.locations["items.0.containers.0.last_terminated"] == 37
    _valid("k8s_resource", p.data)


def test_pod_list_in_json_and_multi_document_yaml() -> None:
    pod = yaml.safe_load(POD)
    listing = {"apiVersion": "v1", "kind": "PodList", "items": [pod, pod]}
    p = _res(json.dumps(listing), "pods.json")
    assert [i["name"] for i in p.data["items"]] == [pod["metadata"]["name"]] * 2
    p2 = _res(POD + "---\n" + POD)
    assert len(p2.data["items"]) == 2
    assert p2.locations["items.1"] == POD.count("\n") + 2
    _valid("k8s_resource", p2.data)


# The operator's managed Postgres deployment (formats.md §3.1: env and requests), trimmed.
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: example-registry-quay-database
  namespace: quay-enterprise
spec:
  replicas: 1
  template:
    spec:
      containers:
      - env:
        - name: POSTGRESQL_MAX_CONNECTIONS
          value: "2000"
        image: quay.io/sclorg/postgresql-13-c9s
        name: postgres
        resources:
          requests:
            cpu: 500m
            memory: 2Gi
status:
  readyReplicas: 0
"""


def test_deployment_containers_come_from_the_template() -> None:
    p = _res(DEPLOYMENT)
    (item,) = p.data["items"]
    assert item["replicas"] == 1
    assert item["ready_replicas"] == 0
    (c,) = item["containers"]
    assert c["env"]["POSTGRESQL_MAX_CONNECTIONS"] == "2000"
    assert c["requests"]["memory_bytes"] == 2 * 1024**3
    assert c["restart_count"] is None and c["state"] is None
    _valid("k8s_resource", p.data)


# core/v1 events as `oc get events -o yaml` lists them.
EVENTS = """\
apiVersion: v1
items:
- apiVersion: v1
  count: 42
  firstTimestamp: "2024-04-02T09:12:58Z"
  involvedObject:
    kind: Pod
    name: example-registry-quay-database-6d9b8f7c5-kq2xw
    namespace: quay-enterprise
  kind: Event
  lastTimestamp: "2024-04-02T09:46:10Z"
  message: Back-off restarting failed container postgres in pod example-registry-quay-database-6d9b8f7c5-kq2xw_quay-enterprise(0b7c2a4e-3f1d-4e9b-8a6c-5d2e1f0a9b8c)
  metadata:
    name: example-registry-quay-database-6d9b8f7c5-kq2xw.17c2a1b3d4e5f607
    namespace: quay-enterprise
  reason: BackOff
  type: Warning
kind: List
metadata:
  resourceVersion: ""
"""


def test_events_list() -> None:
    p = _res(EVENTS, "events.yaml")
    assert p.data["items"] == []
    (e,) = p.data["events"]
    assert e["type"] == "Warning"
    assert e["reason"] == "BackOff"
    assert e["object"] == "Pod/example-registry-quay-database-6d9b8f7c5-kq2xw"
    assert e["count"] == 42
    assert e["last_timestamp"] == "2024-04-02T09:46:10Z"
    assert p.locations["events.0"] == 3
    _valid("k8s_resource", p.data)


def test_other_kinds_are_listed_without_containers() -> None:
    p = _res("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nstatus:\n  phase: Pending\n")
    (item,) = p.data["items"]
    assert item["kind"] == "PersistentVolumeClaim" and item["phase"] == "Pending"
    assert item["containers"] == []
    _valid("k8s_resource", p.data)


@pytest.mark.parametrize(
    "text", ["", "just text\n", "a: [1,\n"], ids=["empty", "scalar", "syntax-error"])
def test_k8s_unreadable_is_invalid(text: str) -> None:
    assert _res(text).status == "invalid"


def test_sniffers() -> None:
    assert k8s.sniff_quayregistry_cr(QUAYREGISTRY[:300])
    assert not k8s.sniff_quayregistry_cr(POD[:300])
    assert k8s.sniff_k8s_resource(POD[:300])
    assert not k8s.sniff_k8s_resource("http_listen_addr: :8081\n")
