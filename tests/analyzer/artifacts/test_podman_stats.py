"""podman_stats: `podman stats` / `docker stats` tables and JSON, every version's shape.

Where the text comes from:
- PODMAN_42 is quoted verbatim from formats.md §1.1 (commit 608ad7d113, podman >= 4.2).
- PODMAN_1X and PODMAN_1X_JSON are the podman stats man page examples (podman-1 key set and
  `--` cells; formats.md §1.1 calls the JSON example stale for later versions).
- PODMAN_33 / PODMAN_STREAM / PODMAN_JSON_33 are laid out exactly as podman's tabwriter
  (minwidth 12, padding 2) and JSON writer lay them out (formats.md §1.1), with cell texts in
  the documented forms (`--`, `-- / --`, HumanSize, Go durations); the same layout rules
  reproduce PODMAN_42 byte for byte.
- DOCKER_* were written by the docker 28.2.2 CLI (`docker stats`), fed by a stand-in daemon.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import podman_stats
from analyzer.artifacts.base import TextSource

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "schemas/artifacts/podman_stats.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

PODMAN_42 = (
    "ID            NAME        CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO    PIDS        CPU TIME    AVG CPU %\n"
    "4b4bf8ce84ed  demo        0.00%       0B / 0B            0.00%       0B / 0B     0B / 0B     0           0s          0.00%\n"
)

PODMAN_1X = (
    "ID             NAME              CPU %   MEM USAGE / LIMIT   MEM %   NET IO    BLOCK IO   PIDS\n"
    "a9f807ffaacd   frosty_hodgkin    --      3.092MB / 16.7GB    0.02%   -- / --   -- / --    2\n"
    "3b33001239ee   sleepy_stallman   --      -- / --             --      -- / --   -- / --    --\n"
)

PODMAN_1X_JSON = """[
    {
\t"id": "a9f807ffaacd",
\t"name": "frosty_hodgkin",
\t"cpu_percent": "--",
\t"mem_usage": "3.092MB / 16.7GB",
\t"mem_percent": "0.02%",
\t"netio": "-- / --",
\t"blocki": "-- / --",
\t"pids": "2"
    }
]
"""

PODMAN_33 = (
    "ID            NAME             CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO           PIDS        CPU TIME    AVG CPU %\n"
    "6a1f2e3d4c5b  quay             12.34%      1.617GB / 8.2GB    19.72%      -- / --     2.746MB / 0B       25          1h2m3.4s    5.67%\n"
    "7b2e3f4a5d6c  postgresql-quay  --          300.4MB / 8.2GB    3.66%       -- / --     123.5MB / 4.096GB  21          2m3.5s      0.41%\n"
    "8c3f4a5b6e7d  redis            --          3.092MB / 536.9MB  0.58%       -- / --     -- / --            --          345.6ms     --\n"
)

# podman < 5.5 clears the screen before every table, even when writing to a file.
PODMAN_STREAM = (
    "\x1b[2J\x1b[1;1H" + PODMAN_33 + "\x1b[2J\x1b[1;1H"
    "ID            NAME             CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO           PIDS        CPU TIME    AVG CPU %\n"
    "6a1f2e3d4c5b  quay             187.25%     7.912GB / 8.2GB    96.49%      -- / --     2.746MB / 0B       31          1h2m9.1s    5.71%\n"
    "7b2e3f4a5d6c  postgresql-quay  0.50%       301.2MB / 8.2GB    3.67%       -- / --     123.5MB / 4.101GB  21          2m3.52s     0.41%\n"
    "8c3f4a5b6e7d  redis            --          3.092MB / 536.9MB  0.58%       -- / --     -- / --            --          345.6ms     --\n"
)

PODMAN_JSON_33 = """[
 {
  "id": "6a1f2e3d4c5b",
  "name": "quay",
  "cpu_time": "1h2m3.4s",
  "cpu_percent": "12.34%",
  "avg_cpu": "5.67%",
  "mem_usage": "1.617GB / 8.2GB",
  "mem_percent": "19.72%",
  "net_io": "-- / --",
  "block_io": "2.746MB / 0B",
  "pids": "25"
 },
 {
  "id": "7b2e3f4a5d6c",
  "name": "postgresql-quay",
  "cpu_time": "2m3.5s",
  "cpu_percent": "--",
  "avg_cpu": "0.41%",
  "mem_usage": "300.4MB / 8.2GB",
  "mem_percent": "3.66%",
  "net_io": "-- / --",
  "block_io": "123.5MB / 4.096GB",
  "pids": "21"
 }
]
"""

DOCKER_TABLE = (
    "CONTAINER ID   NAME              CPU %     MEM USAGE / LIMIT     MEM %     NET I/O            BLOCK I/O       PIDS\n"
    "3f1b2c4d5e6f   quay              62.50%    1.164GiB / 15.55GiB   7.49%     539kB / 606kB      0B / 13.3kB     8\n"
    "a9b8c7d6e5f4   postgresql-quay   15.00%    300.4MiB / 15.55GiB   1.89%     1.02kB / 1e+03kB   4.1MB / 123MB   21\n"
    "0123456789ab   redis             0.12%     7.3MiB / 512MiB       1.43%     916B / 0B          0B / 0B         4\n"
)

DOCKER_NO_TRUNC = (
    "CONTAINER ID                                                       NAME              CPU %     MEM USAGE / LIMIT     MEM %     NET I/O            BLOCK I/O       PIDS\n"
    "3f1b2c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b   quay              62.50%    1.164GiB / 15.55GiB   7.49%     539kB / 606kB      0B / 13.3kB     8\n"
)

DOCKER_JSON = (
    '{"BlockIO":"0B / 13.3kB","CPUPerc":"62.50%","Container":"3f1b2c4d5e6f","ID":"3f1b2c4d5e6f","MemPerc":"7.49%","MemUsage":"1.164GiB / 15.55GiB","Name":"quay","NetIO":"539kB / 606kB","PIDs":"8"}\n'
    '{"BlockIO":"4.1MB / 123MB","CPUPerc":"15.00%","Container":"a9b8c7d6e5f4","ID":"a9b8c7d6e5f4","MemPerc":"1.89%","MemUsage":"300.4MiB / 15.55GiB","Name":"postgresql-quay","NetIO":"1.02kB / 1e+03kB","PIDs":"21"}\n'
    '{"BlockIO":"0B / 0B","CPUPerc":"0.12%","Container":"0123456789ab","ID":"0123456789ab","MemPerc":"1.43%","MemUsage":"7.3MiB / 512MiB","Name":"redis","NetIO":"916B / 0B","PIDs":"4"}\n'
)

# `docker stats` without --no-stream: ESC[H before each redraw, ESC[K at line ends, ESC[J.
DOCKER_STREAM = (
    "\x1b[HCONTAINER ID   NAME              CPU %     MEM USAGE / LIMIT     MEM %     NET I/O            BLOCK I/O       PIDS\n"
    "3f1b2c4d5e6f   quay              62.50%    1.164GiB / 15.55GiB   7.49%     539kB / 606kB      0B / 13.3kB     8\n"
    "a9b8c7d6e5f4   postgresql-quay   15.00%    300.4MiB / 15.55GiB   1.89%     1.02kB / 1e+03kB   4.1MB / 123MB   21\n"
    "0123456789ab   redis             0.12%     7.3MiB / 512MiB       1.43%     916B / 0B          0B / 0B         4\n"
    "\x1b[HCONTAINER ID   NAME              CPU %     MEM USAGE / LIMIT     MEM %     NET I/O            BLOCK I/O       PIDS \x1b[K\n"
    "3f1b2c4d5e6f   quay              62.50%    1.164GiB / 15.55GiB   7.49%     539kB / 606kB      0B / 13.3kB     8 \x1b[K\n"
    "a9b8c7d6e5f4   postgresql-quay   15.00%    300.4MiB / 15.55GiB   1.89%     1.02kB / 1e+03kB   4.1MB / 123MB   21 \x1b[K\n"
    "0123456789ab   redis             0.12%     7.3MiB / 512MiB       1.43%     916B / 0B          0B / 0B         4 \x1b[K\n"
    " \x1b[K\n"
    "\x1b[J\x1b[HCONTAINER ID   NAME              CPU %     MEM USAGE / LIMIT     MEM %     NET I/O            BLOCK I/O       PIDS\n"
    "3f1b2c4d5e6f   quay              62.50%    1.211GiB / 15.55GiB   7.78%     539kB / 606kB      0B / 13.3kB     9\n"
    "a9b8c7d6e5f4   postgresql-quay   15.00%    348.1MiB / 15.55GiB   2.19%     1.02kB / 1e+03kB   4.1MB / 123MB   22\n"
    "0123456789ab   redis             0.12%     54.98MiB / 512MiB     10.74%    916B / 0B          0B / 0B         5\n"
)

# The end of the same stream once the daemon stopped answering: every value `--`.
DOCKER_STREAM_ERRORED = (
    "\x1b[J\x1b[HCONTAINER ID   NAME              CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS\n"
    "3f1b2c4d5e6f   quay              --        -- / --             --        --        --          --\n"
    "a9b8c7d6e5f4   postgresql-quay   --        -- / --             --        --        --          --\n"
)

DOCKER_STREAM_JSON = (
    '\x1b[H{"BlockIO":"0B / 13.3kB","CPUPerc":"62.50%","Container":"3f1b2c4d5e6f","ID":"3f1b2c4d5e6f","MemPerc":"7.49%","MemUsage":"1.164GiB / 15.55GiB","Name":"quay","NetIO":"539kB / 606kB","PIDs":"8"}\n'
    '\x1b[H{"BlockIO":"0B / 13.3kB","CPUPerc":"62.50%","Container":"3f1b2c4d5e6f","ID":"3f1b2c4d5e6f","MemPerc":"7.49%","MemUsage":"1.164GiB / 15.55GiB","Name":"quay","NetIO":"539kB / 606kB","PIDs":"8"} \x1b[K\n'
    " \x1b[K\n"
    '\x1b[J\x1b[H{"BlockIO":"0B / 13.3kB","CPUPerc":"62.50%","Container":"3f1b2c4d5e6f","ID":"3f1b2c4d5e6f","MemPerc":"7.78%","MemUsage":"1.211GiB / 15.55GiB","Name":"quay","NetIO":"539kB / 606kB","PIDs":"9"}\n'
)

GUIDE_ROW = "300.4MiB / 7.795GiB"  # seed-map ch. 6.1: the guide's MEM USAGE / LIMIT example

VALID = {
    "podman-4.2-stopped": PODMAN_42,
    "podman-1.x-man-page": PODMAN_1X,
    "podman-1.x-json": PODMAN_1X_JSON,
    "podman-3.3-table": PODMAN_33,
    "podman-stream-escapes": PODMAN_STREAM,
    "podman-3.3-json": PODMAN_JSON_33,
    "docker-table": DOCKER_TABLE,
    "docker-no-trunc": DOCKER_NO_TRUNC,
    "docker-json-lines": DOCKER_JSON,
    "docker-stream": DOCKER_STREAM,
    "docker-stream-errored": DOCKER_STREAM_ERRORED,
    "docker-stream-json": DOCKER_STREAM_JSON,
}


def parse(text: str, kind: str = "podman_stats"):
    """Parse text as the podman_stats kind."""
    return podman_stats.parse(TextSource.from_text("runtime/stats.txt", text), kind)


def by_name(parsed) -> dict[str, dict]:
    """Containers keyed by name."""
    return {c["name"]: c for c in parsed.data["containers"]}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_outputs_parse_and_match_schema(text: str) -> None:
    parsed = parse(text)
    assert parsed.status == "parsed", parsed.problems
    assert parsed.data["containers"]
    VALIDATOR.validate(parsed.data)
    assert all(p.code != "type" for p in parsed.problems)


def test_schema_is_valid_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_podman_42_real_zeros() -> None:
    parsed = parse(PODMAN_42)
    (demo,) = parsed.data["containers"]
    assert parsed.data == {"tool": "podman", "format": "table", "samples": 1, "containers": [demo]}
    assert demo["id"] == "4b4bf8ce84ed"
    assert demo["cpu_percent"] == 0.0
    assert demo["mem_usage_bytes"] == 0 and demo["mem_limit_bytes"] == 0
    assert demo["pids"] == 0
    assert demo["cpu_time_seconds"] == 0.0
    assert demo["avg_cpu_percent"] == 0.0
    assert parsed.locations == {"containers.0": 2}


def test_podman_1x_dashes_are_null_not_zero() -> None:
    c = by_name(parse(PODMAN_1X))
    frosty, sleepy = c["frosty_hodgkin"], c["sleepy_stallman"]
    assert frosty["cpu_percent"] is None
    assert frosty["mem_usage_bytes"] == 3_092_000
    assert frosty["mem_limit_bytes"] == 16_700_000_000
    assert frosty["mem_percent"] == 0.02
    assert frosty["net_rx_bytes"] is None and frosty["net_tx_bytes"] is None
    assert frosty["pids"] == 2
    assert frosty["cpu_time_seconds"] is None and frosty["avg_cpu_percent"] is None
    assert sleepy["mem_usage_bytes"] is None and sleepy["mem_limit_bytes"] is None
    assert sleepy["mem_usage_raw"] == "-- / --"  # the cell as printed, for messages
    assert sleepy["pids"] is None and sleepy["mem_percent"] is None


def test_podman_1x_json_keys() -> None:
    parsed = parse(PODMAN_1X_JSON)
    (c,) = parsed.data["containers"]
    assert parsed.data["format"] == "json" and parsed.data["tool"] == "podman"
    assert c["id"] == "a9f807ffaacd" and c["name"] == "frosty_hodgkin"
    assert c["mem_usage_bytes"] == 3_092_000 and c["pids"] == 2
    assert c["net_rx_bytes"] is None and c["block_read_bytes"] is None
    assert parsed.locations["containers.0"] == 2


def test_podman_33_columns() -> None:
    parsed = parse(PODMAN_33)
    quay = by_name(parsed)["quay"]
    assert quay["cpu_percent"] == 12.34
    assert quay["avg_cpu_percent"] == 5.67
    assert quay["cpu_time_seconds"] == pytest.approx(3723.4)
    assert quay["cpu_time_raw"] == "1h2m3.4s"
    assert quay["mem_usage_bytes"] == 1_617_000_000
    assert quay["mem_limit_bytes"] == 8_200_000_000
    assert quay["mem_usage_raw"] == "1.617GB / 8.2GB"
    assert quay["block_read_bytes"] == 2_746_000 and quay["block_write_bytes"] == 0
    redis = by_name(parsed)["redis"]
    assert redis["cpu_time_seconds"] == pytest.approx(0.3456)
    assert redis["avg_cpu_percent"] is None
    assert parsed.locations == {"containers.0": 2, "containers.1": 3, "containers.2": 4}


def test_host_memory_guess_from_shared_limit() -> None:
    # quay and postgresql-quay share 8.2GB (no limit set => host RAM); redis has 512 MiB
    assert parse(PODMAN_33).meta["host_memory_bytes"] == 8_200_000_000
    assert parse(DOCKER_TABLE).meta["host_memory_bytes"] == round(15.55 * 1024**3)


@pytest.mark.parametrize("text", [PODMAN_42, DOCKER_NO_TRUNC], ids=["one-container", "one-row"])
def test_no_host_memory_guess_without_evidence(text: str) -> None:
    assert "host_memory_bytes" not in parse(text).meta


def test_two_samples_keep_the_last() -> None:
    parsed = parse(PODMAN_STREAM)
    assert parsed.data["samples"] == 2
    assert len(parsed.data["containers"]) == 3
    quay = by_name(parsed)["quay"]
    assert quay["cpu_percent"] == 187.25  # above 100: more than one core busy
    assert quay["mem_percent"] == 96.49
    assert quay["pids"] == 31
    assert parsed.locations["containers.0"] == 6


def test_docker_table() -> None:
    parsed = parse(DOCKER_TABLE)
    assert parsed.data["tool"] == "docker" and parsed.data["format"] == "table"
    pg = by_name(parsed)["postgresql-quay"]
    assert pg["id"] == "a9b8c7d6e5f4"
    assert pg["mem_usage_bytes"] == round(300.4 * 1024**2)
    assert pg["mem_usage_raw"] == "300.4MiB / 15.55GiB"
    assert pg["net_rx_bytes"] == 1020 and pg["net_tx_bytes"] == 1_000_000  # 1e+03kB
    assert pg["block_read_bytes"] == 4_100_000 and pg["block_write_bytes"] == 123_000_000
    assert pg["cpu_time_seconds"] is None and pg["avg_cpu_percent"] is None


def test_docker_json_lines_same_as_table() -> None:
    table, lines = parse(DOCKER_TABLE), parse(DOCKER_JSON)
    assert lines.data["format"] == "json" and lines.data["tool"] == "docker"
    assert lines.data["containers"] == table.data["containers"]
    assert lines.locations == {"containers.0": 1, "containers.1": 2, "containers.2": 3}


def test_docker_stream_keeps_last_redraw() -> None:
    parsed = parse(DOCKER_STREAM)
    assert parsed.data["samples"] == 3
    redis = by_name(parsed)["redis"]
    assert redis["mem_usage_raw"] == "54.98MiB / 512MiB"
    assert redis["pids"] == 5
    assert parsed.locations["containers.2"] == 13


def test_docker_stream_errored_values_are_null() -> None:
    quay = by_name(parse(DOCKER_STREAM_ERRORED))["quay"]
    for key in ("cpu_percent", "mem_usage_bytes", "mem_limit_bytes", "net_rx_bytes", "pids"):
        assert quay[key] is None
    assert quay["net_io_raw"] == "--"


def test_docker_stream_json_counts_rounds() -> None:
    parsed = parse(DOCKER_STREAM_JSON)
    assert parsed.data["samples"] == 3
    (quay,) = parsed.data["containers"]
    assert quay["mem_percent"] == 7.78 and quay["pids"] == 9


def test_podman_json_array() -> None:
    parsed = parse(PODMAN_JSON_33)
    pg = by_name(parsed)["postgresql-quay"]
    assert parsed.data["samples"] == 1
    assert pg["cpu_percent"] is None and pg["avg_cpu_percent"] == 0.41
    assert pg["cpu_time_seconds"] == pytest.approx(123.5)
    assert pg["block_write_bytes"] == 4_096_000_000
    assert parsed.locations == {"containers.0": 2, "containers.1": 14}


def test_two_json_arrays_are_two_samples() -> None:
    parsed = parse(PODMAN_JSON_33 + PODMAN_JSON_33.replace('"12.34%"', '"99.00%"'))
    assert parsed.data["samples"] == 2
    assert by_name(parsed)["quay"]["cpu_percent"] == 99.0


def test_guide_example_cell() -> None:
    text = (
        "ID            NAME        CPU %       MEM USAGE / LIMIT    MEM %       NET IO      BLOCK IO    PIDS        CPU TIME    AVG CPU %\n"
        "4b4bf8ce84ed  demo        0.00%       300.4MiB / 7.795GiB  3.76%       0B / 0B     0B / 0B     0           0s          0.00%\n"
    )
    demo = parse(text).data["containers"][0]
    assert demo["mem_usage_raw"] == GUIDE_ROW
    assert demo["mem_usage_bytes"] == round(300.4 * 1024**2)
    assert demo["mem_limit_bytes"] == round(7.795 * 1024**3)


def test_warning_lines_are_problems_not_rows() -> None:
    text = 'time="2024-05-01T10:00:00Z" level=warning msg="cannot read network stats"\n' + PODMAN_42
    parsed = parse(text)
    assert parsed.status == "parsed"
    assert [p.code for p in parsed.problems] == ["message"]
    assert len(parsed.data["containers"]) == 1


def test_cut_off_last_line_is_not_fatal() -> None:
    text = PODMAN_33 + "6a1f2e3d4c5b  quay             187.2"
    parsed = parse(text)
    assert parsed.status == "parsed"
    assert parsed.problems[-1].code == "truncated" and parsed.problems[-1].line == 5


def test_bad_cell_is_a_problem() -> None:
    parsed = parse(PODMAN_42.replace("0.00%       0B / 0B     0B", "lots        0B / 0B     0B", 1))
    assert parsed.status == "parsed"
    (problem,) = parsed.problems
    assert problem.code == "type" and problem.line == 2 and problem.key == "mem_percent"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("hello world\nthis is not stats\n", 1),
        ("ID  NAME  CPU %\n4b4bf8ce84ed demo 0.00% extra cells here\nx\n", 2),
        ('[{"id": "a", "name": "b"', 1),
        ('[\n {\n  "id": "6a1f2e3d4c5b",\n  "name": "quay",\n }\n]\n', 5),
    ],
    ids=["no-header", "ragged-row", "json-cut", "json-trailing-comma"],
)
def test_malformed_is_invalid_with_line(text: str, line: int) -> None:
    parsed = parse(text)
    assert parsed.status == "invalid"
    assert any(p.line == line for p in parsed.problems), parsed.problems
    VALIDATOR.validate(parsed.data)


@pytest.mark.parametrize(
    "text", ["", "\n\n  \n", "\x1b[2J\x1b[1;1H"], ids=["empty", "blank", "escapes-only"]
)
def test_empty_input_is_invalid(text: str) -> None:
    parsed = parse(text)
    assert parsed.status == "invalid"
    assert parsed.data["containers"] == []


@pytest.mark.parametrize("name", list(VALID), ids=list(VALID))
def test_sniff_recognizes_every_variant(name: str) -> None:
    assert podman_stats.sniff(VALID[name][:1024])


FOREIGN = {
    "pod-stats": "POD           CID           NAME                CPU %       MEM USAGE/ LIMIT  MEM %       NET IO           BLOCK IO           PIDS\n",
    "top-pods": "NAME                                             CPU(cores)   MEMORY(bytes)   \n",
    "df": "Filesystem               Size  Used Avail Use% Mounted on\n",
    "ps": "CONTAINER ID  IMAGE                            COMMAND    CREATED        STATUS        PORTS                                                   NAMES\n",
    "inspect": '[\n    {\n        "Id": "99f66530fe9c",\n        "State": {\n',
    "quay-log": "gunicorn-web stdout | 2024-05-01 10:00:00,000 [123] [INFO] [gunicorn.error] Booting worker\n",
    "empty": "",
}


@pytest.mark.parametrize("head", FOREIGN.values(), ids=FOREIGN.keys())
def test_sniff_rejects_other_kinds(head: str) -> None:
    assert not podman_stats.sniff(head)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text_never_raises(text: str) -> None:
    parsed = parse(text)
    assert parsed.status in {"parsed", "invalid"}
    VALIDATOR.validate(parsed.data)
    podman_stats.sniff(text[:1024])


CELL = st.sampled_from(
    ["--", "-- / --", "0B / 0B", "12.34%", "1h2m3.4s", "3.092MB / 16.7GB", "x", ""]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=12), max_size=6))
def test_random_rows_under_a_real_header_never_raise(rows: list[list[str]]) -> None:
    header = PODMAN_42.splitlines()[0]
    text = header + "\n" + "\n".join("  ".join(r) for r in rows)
    parsed = parse(text)
    VALIDATOR.validate(parsed.data)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["--", "-- / --", "12.34%", "1.617GB / 8.2GB", "1h2m3.4s", "x"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "name",
                    "cpu_percent",
                    "mem_usage",
                    "pids",
                    "cpu_time",
                    "net_io",
                    "CPUPerc",
                    "MemUsage",
                    "PIDs",
                    "Pod",
                    "CID",
                    "avg_cpu",
                    "block_io",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_random_json_shapes_never_raise(value) -> None:
    VALIDATOR.validate(parse(json.dumps(value)).data)
