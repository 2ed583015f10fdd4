"""pod_stats: `podman pod stats` tables and JSON.

The header (`POD  CID  NAME  CPU %  MEM USAGE/ LIMIT ...`), the one all-`--` row printed when
there are no pods, and the JSON keys (Go field names) are those of formats.md §1.3. The rows are
laid out as podman's tabwriter (minwidth 12, padding 2) lays them out and the JSON as Go's
MarshalIndent with the 5-space indent podman uses, with cell texts in the documented forms.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import pod_stats
from analyzer.artifacts.base import TextSource

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "schemas/artifacts/pod_stats.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

TABLE = (
    "POD           CID           NAME                CPU %       MEM USAGE/ LIMIT  MEM %       NET IO           BLOCK IO           PIDS\n"
    "5e4d3c2b1a09  0f1e2d3c4b5a  5e4d3c2b1a09-infra  0.00%       57.34kB / 16.7GB  0.00%       1.05kB / 3.22kB  -- / --            1\n"
    "5e4d3c2b1a09  1a2b3c4d5e6f  quay-app            4.12%       1.204GB / 16.7GB  7.21%       1.05kB / 3.22kB  45.06MB / 1.229MB  35\n"
    "5e4d3c2b1a09  2b3c4d5e6f7a  quay-redis          0.11%       6.885MB / 16.7GB  0.04%       1.05kB / 3.22kB  -- / --            5\n"
)

NO_PODS = (
    "POD         CID         NAME        CPU %       MEM USAGE/ LIMIT  MEM %       NET IO      BLOCK IO    PIDS\n"
    "--          --          --          --          --                --          --          --          --\n"
)

JSON_OUT = """[
     {
          "CPU": "4.12%",
          "MemUsage": "1.204GB / 16.7GB",
          "MemUsageBytes": "1.121GiB / 15.55GiB",
          "Mem": "7.21%",
          "NetIO": "1.05kB / 3.22kB",
          "BlockIO": "45.06MB / 1.229MB",
          "PIDS": "35",
          "Pod": "5e4d3c2b1a09",
          "CID": "1a2b3c4d5e6f",
          "Name": "quay-app"
     },
     {
          "CPU": "--",
          "MemUsage": "-- / --",
          "MemUsageBytes": "-- / --",
          "Mem": "--",
          "NetIO": "-- / --",
          "BlockIO": "-- / --",
          "PIDS": "--",
          "Pod": "5e4d3c2b1a09",
          "CID": "2b3c4d5e6f7a",
          "Name": "quay-redis"
     }
]
"""

VALID = {
    "table": TABLE,
    "json": JSON_OUT,
    "stream-with-escapes": "\x1b[2J\x1b[1;1H"
    + TABLE
    + "\x1b[2J\x1b[1;1H"
    + TABLE.replace("4.12%", "9.50%"),
}


def parse(text: str):
    """Parse text as the pod_stats kind."""
    return pod_stats.parse(TextSource.from_text("runtime/pod-stats.txt", text))


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_outputs_parse_and_match_schema(text: str) -> None:
    parsed = parse(text)
    assert parsed.status == "parsed", parsed.problems
    assert parsed.kind == "pod_stats"
    VALIDATOR.validate(parsed.data)


def test_table_rows_carry_pod_and_cid() -> None:
    parsed = parse(TABLE)
    rows = parsed.data["containers"]
    assert [r["name"] for r in rows] == ["5e4d3c2b1a09-infra", "quay-app", "quay-redis"]
    app = rows[1]
    assert (
        app["pod"] == "5e4d3c2b1a09"
        and app["cid"] == "1a2b3c4d5e6f"
        and app["id"] == "1a2b3c4d5e6f"
    )
    assert app["mem_usage_bytes"] == 1_204_000_000 and app["mem_limit_bytes"] == 16_700_000_000
    assert app["mem_usage_raw"] == "1.204GB / 16.7GB"
    assert app["block_read_bytes"] == 45_060_000 and app["block_write_bytes"] == 1_229_000
    assert app["pids"] == 35
    assert rows[0]["block_read_bytes"] is None  # `-- / --`
    assert parsed.locations["containers.1"] == 3
    assert parsed.meta["host_memory_bytes"] == 16_700_000_000


def test_no_pods_row_gives_no_containers() -> None:
    parsed = parse(NO_PODS)
    assert parsed.status == "parsed"
    assert parsed.data["containers"] == []
    assert parsed.data["samples"] == 1


def test_json_go_field_names() -> None:
    parsed = parse(JSON_OUT)
    app, redis = parsed.data["containers"]
    assert parsed.data["format"] == "json"
    assert app["cpu_percent"] == 4.12 and app["mem_percent"] == 7.21
    assert app["mem_usage_bytes"] == 1_204_000_000  # MemUsage preferred over MemUsageBytes
    assert redis["cpu_percent"] is None and redis["pids"] is None
    assert redis["mem_usage_raw"] == "-- / --"
    assert parsed.locations == {"containers.0": 2, "containers.1": 14}


def test_stream_keeps_last_sample() -> None:
    parsed = parse(VALID["stream-with-escapes"])
    assert parsed.data["samples"] == 2
    assert parsed.data["containers"][1]["cpu_percent"] == 9.5


@pytest.mark.parametrize(
    "text", ["", "POD CID NAME\nfoo\n", "[1, 2"], ids=["empty", "no-stats-header", "json-cut"]
)
def test_malformed_is_invalid(text: str) -> None:
    parsed = parse(text)
    assert parsed.status == "invalid"
    assert parsed.problems
    VALIDATOR.validate(parsed.data)


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_sniff_recognizes_pod_stats(text: str) -> None:
    assert pod_stats.sniff(text[:1024])


FOREIGN = {
    "container-stats": "ID            NAME        CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO    PIDS        CPU TIME    AVG CPU %\n",
    "container-stats-json": '[\n {\n  "id": "6a1f2e3d4c5b",\n  "name": "quay",\n  "cpu_percent": "12.34%",\n  "mem_usage": "1.617GB / 8.2GB"\n',
    "top-pods": "NAME                                             CPU(cores)   MEMORY(bytes)   \n",
    "empty": "",
}


@pytest.mark.parametrize("head", FOREIGN.values(), ids=FOREIGN.keys())
def test_sniff_rejects_other_kinds(head: str) -> None:
    assert not pod_stats.sniff(head)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_random_text_never_raises(text: str) -> None:
    parsed = parse(text)
    VALIDATOR.validate(parsed.data)
    pod_stats.sniff(text)
