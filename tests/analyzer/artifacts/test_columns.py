"""columns: escape stripping, tabwriter tables cut at header offsets, JSON rows with lines.

Table lines are real tool output quoted in formats.md §1.1 (podman >= 4.2), written by docker
28.2.2 (`docker stats`, `docker ps -a`) and from the podman-ps man page; escapes are the ones
podman (< 5.5) and docker write around their tables.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import columns as cols
from analyzer.artifacts.safeload import LoadError

STATS_LABELS = {
    "ID": "id",
    "CONTAINER ID": "id",
    "NAME": "name",
    "CPU %": "cpu",
    "MEM USAGE / LIMIT": "mem",
    "MEM USAGE/ LIMIT": "mem",
    "MEM %": "mem_percent",
    "NET IO": "net",
    "NET I/O": "net",
    "BLOCK IO": "block",
    "BLOCK I/O": "block",
    "PIDS": "pids",
    "CPU TIME": "cpu_time",
    "AVG CPU %": "avg_cpu",
}
PODMAN_HEADER = "ID            NAME        CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO    PIDS        CPU TIME    AVG CPU %"
PODMAN_ROW = "4b4bf8ce84ed  demo        0.00%       0B / 0B            0.00%       0B / 0B     0B / 0B     0           0s          0.00%"
DOCKER_HEADER = "CONTAINER ID   NAME              CPU %     MEM USAGE / LIMIT     MEM %     NET I/O            BLOCK I/O       PIDS"
DOCKER_ROW = "a9b8c7d6e5f4   postgresql-quay   15.00%    300.4MiB / 15.55GiB   1.89%     1.02kB / 1e+03kB   4.1MB / 123MB   21"

PS_LABELS = {
    "CONTAINER ID": "id",
    "IMAGE": "image",
    "COMMAND": "command",
    "CREATED": "created",
    "STATUS": "status",
    "PORTS": "ports",
    "NAMES": "names",
}
PS_HEADER = "CONTAINER ID  IMAGE                             COMMAND               CREATED         STATUS                  PORTS                           NAMES"
PS_INFRA = "2b271d67dbb6                                                          3 minutes ago   Up 3 minutes            0.0.0.0:9090->80/tcp            463241862e7e-infra"
PS_NO_PORTS = "af3d8b3f5471  docker.io/library/busybox:latest  sleep 1000            3 minutes ago   Up 3 minutes                                            test-dev"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[2J\x1b[1;1H" + "ID  NAME", "ID  NAME"),  # podman < 5.5 screen clear
        ("21 \x1b[K", "21 "),  # docker erase-to-end-of-line
        ("\x1b[J\x1b[HCONTAINER ID", "CONTAINER ID"),
        ("\x1b[1;31mred\x1b[0m", "red"),
        ("\x1b]0;window title\x07rest", "rest"),
        ("\x1b(Bplain", "plain"),
        ("no escapes", "no escapes"),
        ("dangling \x1b", "dangling "),
    ],
    ids=[
        "clear-home",
        "erase-line",
        "erase-home",
        "colour",
        "osc-title",
        "charset",
        "none",
        "lone-esc",
    ],
)
def test_strip_escapes(text: str, expected: str) -> None:
    assert cols.strip_escapes(text) == expected


def test_podman_header_offsets() -> None:
    columns = cols.header_columns(PODMAN_HEADER, STATS_LABELS)
    assert [c.key for c in columns] == [
        "id",
        "name",
        "cpu",
        "mem",
        "mem_percent",
        "net",
        "block",
        "pids",
        "cpu_time",
        "avg_cpu",
    ]
    assert [c.start for c in columns] == [0, 14, 26, 38, 57, 69, 81, 93, 105, 117]
    assert cols.split_row(PODMAN_ROW, columns) == [
        "4b4bf8ce84ed",
        "demo",
        "0.00%",
        "0B / 0B",
        "0.00%",
        "0B / 0B",
        "0B / 0B",
        "0",
        "0s",
        "0.00%",
    ]


def test_docker_row_keeps_spaces_inside_cells() -> None:
    columns = cols.header_columns(DOCKER_HEADER, STATS_LABELS)
    cells = cols.split_row(DOCKER_ROW, columns)
    assert cells is not None
    assert cells[3] == "300.4MiB / 15.55GiB" and cells[5] == "1.02kB / 1e+03kB"


def test_header_with_single_spaces_is_split_into_known_labels() -> None:
    columns = cols.header_columns("ID NAME CPU % MEM USAGE / LIMIT MEM % PIDS", STATS_LABELS)
    assert [c.label for c in columns] == [
        "ID",
        "NAME",
        "CPU %",
        "MEM USAGE / LIMIT",
        "MEM %",
        "PIDS",
    ]


def test_unknown_labels_are_kept_for_offsets() -> None:
    columns = cols.header_columns("ID  NAME  UPTIME  PIDS", STATS_LABELS)
    assert [c.key for c in columns] == ["id", "name", None, "pids"]


def test_empty_cells_stay_in_their_columns() -> None:
    columns = cols.header_columns(PS_HEADER, PS_LABELS)
    infra = dict(zip([c.key for c in columns], cols.split_row(PS_INFRA, columns), strict=True))
    assert infra["image"] == "" and infra["command"] == ""
    assert infra["ports"] == "0.0.0.0:9090->80/tcp" and infra["names"] == "463241862e7e-infra"
    row = cols.split_row(PS_NO_PORTS, columns)
    assert row is not None and row[5] == "" and row[6] == "test-dev"


def test_row_running_into_the_next_column_does_not_fit() -> None:
    columns = cols.header_columns(PODMAN_HEADER, STATS_LABELS)
    overflowing = PODMAN_ROW.replace("demo        ", "demo-long-name", 1)
    assert cols.split_row(overflowing, columns) is None


def test_respaced_row_with_all_cells_is_accepted() -> None:
    columns = cols.header_columns(PODMAN_HEADER, STATS_LABELS)
    respaced = "4b4bf8ce84ed  demo  0.00%  0B / 0B  0.00%  0B / 0B  0B / 0B  0  0s  0.00%"
    assert cols.split_row(respaced, columns) == [
        "4b4bf8ce84ed",
        "demo",
        "0.00%",
        "0B / 0B",
        "0.00%",
        "0B / 0B",
        "0B / 0B",
        "0",
        "0s",
        "0.00%",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('time="2024-05-01T10:00:00Z" level=warning msg="x"', True),
        ('Error: no container with name or ID "quay" found: no such container', True),
        ("WARN[0000] The cgroupv2 manager is set to systemd", True),
        ("/bin/df: '/vobs/GEMS': No such file or directory", True),
        ("error: Metrics API not available", True),
        (PODMAN_ROW, False),
    ],
    ids=["logrus", "podman-error", "podman-warn", "df-error", "kubectl-error", "row"],
)
def test_tool_messages(line: str, expected: bool) -> None:
    assert cols.is_tool_message(line) is expected


def test_json_array_elements_with_lines() -> None:
    text = '[\n {\n  "id": "a"\n },\n {\n  "id": "b"\n }\n]\n'
    items = list(cols.iter_json_items(text))
    assert [(i.value["id"], i.line, i.document, i.in_array) for i in items] == [
        ("a", 2, 0, True),
        ("b", 5, 0, True),
    ]


def test_json_lines_and_concatenated_arrays() -> None:
    lines = list(cols.iter_json_items('{"ID":"a"}\n{"ID":"b"}\n'))
    assert [(i.line, i.document, i.in_array) for i in lines] == [(1, 0, False), (2, 1, False)]
    arrays = list(cols.iter_json_items('[{"id":"a"}]\n[{"id":"a"}, {"id":"b"}]'))
    assert [i.document for i in arrays] == [0, 1, 1]
    assert list(cols.iter_json_items("[]")) == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[\n {"a": 1},\n {"a": 2,}\n]', 3),
        ('[{"a": 1} {"a": 2}]', 1),
        ('{"a": 1}\nnot json', 2),
        ("[" * 300 + "]" * 300, None),
        ('[{"a": NaN}]', 1),
    ],
    ids=["trailing-comma", "missing-comma", "garbage-after", "too-deep", "nan"],
)
def test_json_errors_name_the_line(text: str, line: int | None) -> None:
    with pytest.raises(LoadError) as exc:
        list(cols.iter_json_items(text))
    assert exc.value.line == line


def test_json_key_lines() -> None:
    text = (
        '[\n  {\n    "Id": "x",\n    "State": {\n      "Status": "exited",\n'
        '      "Health": {"Log": [{"ExitCode": 1}]},\n      "ExitCode": 137\n    },\n'
        '    "Config": {\n      "Env": [\n        "A=1",\n        "B={not a key}"\n      ]\n    }\n  }\n]\n'
    )
    (item,) = cols.iter_json_items(text)
    lines = cols.json_key_lines(text, item.offset, item.line)
    assert lines["Id"] == 3
    assert lines["State.Status"] == 5 and lines["State.ExitCode"] == 7
    assert lines["State.Health"] == 6
    assert "State.Health.Log.0.ExitCode" not in lines  # deeper than max_depth
    assert lines["Config.Env.0"] == 11 and lines["Config.Env.1"] == 12


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_json_reader_raises_only_load_error(text: str) -> None:
    try:
        items = list(cols.iter_json_items(text))
    except LoadError:
        return
    for item in items:
        cols.json_key_lines(text, item.offset, item.line)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_table_helpers_never_raise(header: str, row: str) -> None:
    columns = cols.header_columns(cols.strip_escapes(header), STATS_LABELS)
    cols.split_row(row, columns)
