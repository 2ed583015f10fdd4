"""top_pods: `oc adm top pods` / `kubectl top pods` and its -A, --containers, --sum variants.

Every table here was written by kubectl 1.32 (`kubectl top pods ...`, the code `oc adm top`
vendors) against a stand-in metrics API; trailing spaces are kubectl's own. The SWAP variant
(`--show-swap`, not in that kubectl) is laid out as kubectl's tabwriter lays out the others
(minwidth 6, padding 3), which reproduces the real tables above byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import top_pods
from analyzer.artifacts.base import TextSource

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "schemas/artifacts/top_pods.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
MiB = 1 << 20

PODS = (
    "NAME                                             CPU(cores)   MEMORY(bytes)   \n"
    "example-registry-clair-app-6b7c8d9e0f-abcde      13m          1034Mi          \n"
    "example-registry-quay-app-7d9c5b8f6d-4xkzq       1535m        2457Mi          \n"
    "example-registry-quay-database-5f6c7d8b9-qwert   250m         512Mi           \n"
    "example-registry-quay-redis-6d5c4b3a2-zyxwv      2m           7Mi             \n"
)

CONTAINERS = (
    "POD                                              NAME        CPU(cores)   MEMORY(bytes)   \n"
    "example-registry-clair-app-6b7c8d9e0f-abcde      clair-app   12m          1024Mi          \n"
    "example-registry-clair-app-6b7c8d9e0f-abcde      sidecar     1m           10Mi            \n"
    "example-registry-quay-app-7d9c5b8f6d-4xkzq       quay-app    1535m        2457Mi          \n"
    "example-registry-quay-database-5f6c7d8b9-qwert   postgres    250m         512Mi           \n"
    "example-registry-quay-redis-6d5c4b3a2-zyxwv      redis       2m           7Mi             \n"
)

ALL_CONTAINERS_SUM = (
    "NAMESPACE              POD                                              NAME         CPU(cores)   MEMORY(bytes)   \n"
    "openshift-monitoring   prometheus-k8s-0                                 prometheus   1000m        3072Mi          \n"
    "quay-enterprise        example-registry-clair-app-6b7c8d9e0f-abcde      clair-app    12m          1024Mi          \n"
    "quay-enterprise        example-registry-clair-app-6b7c8d9e0f-abcde      sidecar      1m           10Mi            \n"
    "quay-enterprise        example-registry-quay-app-7d9c5b8f6d-4xkzq       quay-app     1535m        2457Mi          \n"
    "quay-enterprise        example-registry-quay-database-5f6c7d8b9-qwert   postgres     250m         512Mi           \n"
    "quay-enterprise        example-registry-quay-redis-6d5c4b3a2-zyxwv      redis        2m           7Mi             \n"
    "                                                                                     ________     ________        \n"
    "                                                                                     2800m        7082Mi          \n"
)

ALL_NAMESPACES = (
    "NAMESPACE              NAME                                             CPU(cores)   MEMORY(bytes)   \n"
    "openshift-monitoring   prometheus-k8s-0                                 1000m        3072Mi          \n"
    "quay-enterprise        example-registry-clair-app-6b7c8d9e0f-abcde      13m          1034Mi          \n"
)

SUM = (
    PODS
    + "                                                 ________     ________        \n"
    + "                                                 1800m        4010Mi          \n"
)

NO_HEADERS = (
    "example-registry-clair-app-6b7c8d9e0f-abcde      13m     1034Mi   \n"
    "example-registry-quay-app-7d9c5b8f6d-4xkzq       1535m   2457Mi   \n"
)

SWAP = (
    "NAME                                             CPU(cores)   MEMORY(bytes)   SWAP(bytes)   \n"
    "example-registry-quay-database-5f6c7d8b9-qwert   250m         512Mi           0Mi           \n"
    "example-registry-quay-redis-6d5c4b3a2-zyxwv      2m           7Mi             16Mi          \n"
)

VALID = {
    "pods": PODS,
    "containers": CONTAINERS,
    "all-namespaces": ALL_NAMESPACES,
    "all-containers-sum": ALL_CONTAINERS_SUM,
    "sum": SUM,
    "no-headers": NO_HEADERS,
    "show-swap": SWAP,
}


def parse(text: str):
    """Parse text as the top_pods kind."""
    return top_pods.parse(TextSource.from_text("runtime/top-pods.txt", text))


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_outputs_parse_and_match_schema(text: str) -> None:
    parsed = parse(text)
    assert parsed.status == "parsed", parsed.problems
    assert parsed.problems == []
    VALIDATOR.validate(parsed.data)


def test_pods() -> None:
    parsed = parse(PODS)
    data = parsed.data
    assert data["per_container"] is False and data["all_namespaces"] is False
    assert data["sum"] is None
    app = data["pods"][1]
    assert app == {
        "namespace": None,
        "pod": "example-registry-quay-app-7d9c5b8f6d-4xkzq",
        "container": None,
        "name": "example-registry-quay-app-7d9c5b8f6d-4xkzq",
        "cpu_millicores": 1535.0,
        "memory_bytes": 2457 * MiB,
        "swap_bytes": None,
        "cpu_raw": "1535m",
        "memory_raw": "2457Mi",
        "swap_raw": None,
    }
    assert parsed.locations["pods.1"] == 3


def test_containers_mode() -> None:
    data = parse(CONTAINERS).data
    assert data["per_container"] is True
    clair = [p for p in data["pods"] if p["pod"].startswith("example-registry-clair-app")]
    assert [(p["container"], p["cpu_millicores"]) for p in clair] == [
        ("clair-app", 12.0),
        ("sidecar", 1.0),
    ]


def test_all_namespaces_containers_and_sum() -> None:
    parsed = parse(ALL_CONTAINERS_SUM)
    data = parsed.data
    assert data["all_namespaces"] is True and data["per_container"] is True
    assert len(data["pods"]) == 6
    assert data["pods"][0]["namespace"] == "openshift-monitoring"
    assert data["sum"]["cpu_millicores"] == 2800.0
    assert data["sum"]["memory_bytes"] == 7082 * MiB
    assert parsed.locations["sum"] == 9


def test_sum_without_namespaces() -> None:
    data = parse(SUM).data
    assert len(data["pods"]) == 4
    assert data["sum"]["cpu_raw"] == "1800m" and data["sum"]["memory_bytes"] == 4010 * MiB


def test_no_headers() -> None:
    data = parse(NO_HEADERS).data
    assert data["samples"] == 0
    assert [p["cpu_millicores"] for p in data["pods"]] == [13.0, 1535.0]


def test_swap_column() -> None:
    data = parse(SWAP).data
    assert [p["swap_bytes"] for p in data["pods"]] == [0, 16 * MiB]


def test_unknown_values_are_null() -> None:
    text = PODS.replace("2m           7Mi      ", "<unknown>    <unknown>")
    redis = parse(text).data["pods"][3]
    assert redis["cpu_millicores"] is None and redis["memory_bytes"] is None


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("error: Metrics API not available\n", None),
        (
            "NAME            CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \nnode-1          250m         6%       2048Mi          26%         \n",
            1,
        ),
        ("NAME   CPU(cores)   MEMORY(bytes)\npod-a 12m 10Mi and more\nnext\n", 2),
        ("some text\n", 1),
    ],
    ids=["metrics-api-error", "top-nodes", "ragged-row", "no-header"],
)
def test_malformed_is_invalid(text: str, line: int | None) -> None:
    parsed = parse(text)
    assert parsed.status == "invalid"
    if line is not None:
        assert any(p.line == line for p in parsed.problems), parsed.problems
    VALIDATOR.validate(parsed.data)


def test_empty_is_invalid() -> None:
    parsed = parse("")
    assert parsed.status == "invalid" and parsed.data["pods"] == []


@pytest.mark.parametrize("name", [k for k in VALID if k != "no-headers"])
def test_sniff(name: str) -> None:
    assert top_pods.sniff(VALID[name][:1024])


FOREIGN = {
    "podman-stats": "ID            NAME        CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO    PIDS\n",
    "top-nodes": "NAME            CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \n",
    "df": "Filesystem               Size  Used Avail Use% Mounted on\n",
    "empty": "",
}


@pytest.mark.parametrize("head", FOREIGN.values(), ids=FOREIGN.keys())
def test_sniff_rejects_other_kinds(head: str) -> None:
    assert not top_pods.sniff(head)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text_never_raises(text: str) -> None:
    parsed = parse(text)
    VALIDATOR.validate(parsed.data)
    top_pods.sniff(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abm0129_ Mi<>", max_size=40), max_size=6))
def test_random_rows_under_a_real_header_never_raise(rows: list[str]) -> None:
    parsed = parse(PODS.splitlines()[0] + "\n" + "\n".join(rows))
    VALIDATOR.validate(parsed.data)


def test_cut_off_last_line_is_not_fatal() -> None:
    parsed = parse(PODS + "example-registry-quay-app-7d9c5b8f6d-zzzzz       15")
    assert parsed.status == "parsed"
    assert parsed.problems[-1].code == "truncated" and parsed.problems[-1].line == 6
    assert len(parsed.data["pods"]) == 4
