"""`podman stats` / `docker stats` output (kind podman_stats), and the reader `podman pod stats`
(kind pod_stats, see pod_stats.py) shares.

Accepted forms, each as its tool wrote it (formats.md §1.1-1.4):
- podman tables: 1.x-3.2 (8 columns), 3.3+ (adds `CPU TIME`, `AVG CPU %`); `--` and `-- / --`
  where older versions print nothing measurable; screen-clear escapes before each table;
- docker tables (`CONTAINER ID`, `NET I/O`, `BLOCK I/O`, memory in MiB/GiB), including the
  streaming form with `ESC[H` / `ESC[K` / `ESC[J`;
- podman `--format json` (one array of all-string objects; key set by version), docker
  `--format json` (JSON Lines with Go field names), pod stats JSON (Go field names).

Streaming output (no `--no-stream`) holds several tables or arrays: each is one sample, and the
last sample seen for each container is kept. Values are normalized: sizes in bytes (go-units
sizes keep four significant digits, so bytes are approximate), CPU in percent of one core,
CPU time in seconds; `--` becomes null, never 0.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from analyzer.artifacts import columns as cols
from analyzer.artifacts import quantities as q
from analyzer.artifacts.base import Parsed, TextSource
from analyzer.artifacts.safeload import LoadError
from analyzer.model import Problem

# Header label -> internal column key. Labels are matched upper-case.
LABELS: dict[str, str] = {
    "ID": "id",
    "CONTAINER ID": "id",
    "CONTAINER": "container",  # docker before 1.13 printed the ID or name under CONTAINER
    "NAME": "name",
    "POD": "pod",
    "CID": "cid",
    "CPU %": "cpu",
    "CPU": "cpu",
    "AVG CPU %": "avg_cpu",
    "CPU TIME": "cpu_time",
    "MEM USAGE / LIMIT": "mem",
    "MEM USAGE/ LIMIT": "mem",  # podman pod stats (no space before the slash)
    "MEM USAGE/LIMIT": "mem",
    "MEM USAGE": "mem",
    "PRIV WORKING SET": "priv_ws",  # docker on a Windows daemon: no limit is reported
    "MEM %": "mem_percent",
    "NET IO": "net",
    "NET I/O": "net",
    "BLOCK IO": "block",
    "BLOCK I/O": "block",
    "PIDS": "pids",
}
_IDENTITY = {"id", "name", "container", "cid"}
_METRICS = {"cpu", "avg_cpu", "cpu_time", "mem", "priv_ws", "mem_percent", "net", "block", "pids"}
_METRIC_WORDS = ("CPU", "MEM", "PIDS", "NET", "BLOCK", "PRIV")

# JSON keys, lower-cased without underscores -> internal column key. podman uses snake_case
# (with the 1.x `netio`/`blocki`), docker and pod stats use Go field names.
JSON_KEYS: dict[str, str] = {
    "id": "id",
    "containerid": "id",
    "cid": "cid",
    "pod": "pod",
    "name": "name",
    "container": "container",
    "cpupercent": "cpu",
    "cpuperc": "cpu",
    "cpu": "cpu",
    "avgcpu": "avg_cpu",
    "cputime": "cpu_time",
    "memusage": "mem",
    "memusagebytes": "mem_iec",
    "mempercent": "mem_percent",
    "memperc": "mem_percent",
    "mem": "mem_percent",
    "netio": "net",
    "blockio": "block",
    "blocki": "block",
    "pids": "pids",
}

# Container fields every row has, in output order (schema: podman_stats.schema.json).
FIELDS = (
    "id",
    "name",
    "cpu_percent",
    "avg_cpu_percent",
    "cpu_time_seconds",
    "mem_usage_bytes",
    "mem_limit_bytes",
    "mem_percent",
    "net_rx_bytes",
    "net_tx_bytes",
    "block_read_bytes",
    "block_write_bytes",
    "pids",
    "mem_usage_raw",
    "net_io_raw",
    "block_io_raw",
    "cpu_time_raw",
)

_HEX_ID = re.compile(r"^[0-9a-f]{12,64}$")
_JSON_SNIFF = re.compile(r'"(cpu_percent|CPUPerc|cpu_perc|CPU)"\s*:')
_JSON_MEM_SNIFF = re.compile(r'"(mem_usage|MemUsage|MemPerc|mem_percent)"\s*:')
_POD_JSON_SNIFF = re.compile(r'"CID"\s*:')


@dataclass
class _State:
    """What the reader has collected so far."""

    kind: str
    tool: str = "podman"
    fmt: str = "table"
    samples: int = 0
    rows: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    invalid: bool = False

    def problem(self, message: str, line: int | None, code: str, key: str | None = None) -> None:
        if len(self.problems) < 200:
            self.problems.append(Problem(message, line=line, key=key, code=code))


def parse(src: TextSource, kind: str = "podman_stats") -> Parsed:
    """Parse `podman stats` / `docker stats` output (table or JSON) into containers."""
    return parse_stats(src, kind)


def sniff(head: str) -> bool:
    """True when the first KiB looks like container stats (not pod stats)."""
    return _sniff(head, pod=False)


def sniff_pod(head: str) -> bool:
    """True when the first KiB looks like `podman pod stats` output."""
    return _sniff(head, pod=True)


def _sniff(head: str, *, pod: bool) -> bool:
    """Shared header/JSON-key check for container and pod stats."""
    text = cols.strip_escapes(head).lstrip("\ufeff")
    stripped = text.lstrip()
    if stripped[:1] in "[{":
        if not (_JSON_SNIFF.search(text) and _JSON_MEM_SNIFF.search(text)):
            return False
        return bool(_POD_JSON_SNIFF.search(text)) == pod
    for line in text.splitlines()[:8]:
        if cols.is_blank(line):
            continue
        keys = _header_keys(line)
        if keys is not None:
            return ("pod" in keys or "cid" in keys) == pod
    return False


def _header_keys(line: str) -> set[str] | None:
    """The keys of a stats header line, or None if the line is not one."""
    upper = line.upper()
    if not any(word in upper for word in _METRIC_WORDS):
        return None  # a quick no for data rows
    columns = cols.header_columns(line, LABELS)
    keys = {c.key for c in columns if c.key}
    known = sum(1 for c in columns if c.key)
    if not (keys & _IDENTITY) or not (keys & _METRICS):
        return None
    if known * 2 < len(columns) or known < 2:
        return None
    return keys  # type: ignore[return-value]


def parse_stats(src: TextSource, kind: str) -> Parsed:
    """Read stats output of either form; the shared body of podman_stats and pod_stats."""
    state = _State(kind=kind)
    lines = _clean_lines(src)
    first: tuple[int, str] | None = None
    for n, line in lines:
        if not cols.is_blank(line):
            first = (n, line)
            break
    if first is None:
        return _result(src, state, empty=True)
    if first[1].lstrip()[:1] in "[{":
        _read_json(src, state, first, lines)
    else:
        _read_table(state, first, lines)
    return _result(src, state)


def _clean_lines(src: TextSource) -> Iterator[tuple[int, str]]:
    """Lines without terminal escapes (and without a leading byte-order mark)."""
    for n, line in src.lines():
        if n == 1:
            line = line.lstrip("\ufeff")
        yield n, cols.strip_escapes(line)


# --- tables ---------------------------------------------------------------------------------


def _read_table(state: _State, first: tuple[int, str], lines: Iterator[tuple[int, str]]) -> None:
    """Tables: every header line starts a sample; rows below it are read at its offsets."""
    columns: list[cols.Column] | None = None
    pending_bad: tuple[int, str] | None = None  # a row that did not fit; fatal unless last line
    skipped_before_header = 0
    first_skipped: int | None = None

    def rows() -> Iterator[tuple[int, str]]:
        yield first
        yield from lines

    for n, line in rows():
        if cols.is_blank(line):
            continue
        if pending_bad is not None:
            _ragged(state, *pending_bad)
            pending_bad = None
        if _header_keys(line) is not None:
            columns = cols.header_columns(line, LABELS)
            state.samples += 1
            labels = {c.label.upper() for c in columns}
            if labels & {"CONTAINER ID", "NET I/O", "BLOCK I/O", "PRIV WORKING SET"}:
                state.tool = "docker"  # podman says ID, NET IO, BLOCK IO
            continue
        if cols.is_tool_message(line):
            state.problem(f"message from the tool: {line.strip()[:200]}", n, "message")
            continue
        if columns is None:
            skipped_before_header += 1
            first_skipped = first_skipped or n
            continue
        cells = cols.split_row(line, columns)
        if cells is None or not all(cells):
            # stats tables print every cell (`--` at least): an empty one means a broken row
            pending_bad = (n, line)
            continue
        row = {c.key: v for c, v in zip(columns, cells, strict=True) if c.key}
        _add_row(state, n, row)
    if pending_bad is not None:
        # The last line of a stream cut by a timeout or Ctrl-C is often incomplete.
        state.problem(
            f"last line is incomplete (output cut off?) and was ignored: {pending_bad[1].strip()[:120]}",
            pending_bad[0],
            "truncated",
        )
    if state.samples == 0:
        state.invalid = True
        state.problem(
            "no stats header line (ID/CONTAINER ID/POD, NAME, CPU %, MEM USAGE / LIMIT...) found",
            first[0],
            "syntax",
        )
    elif skipped_before_header:
        state.problem(
            f"{skipped_before_header} line(s) before the first header were ignored",
            first_skipped,
            "ignored",
        )


def _ragged(state: _State, n: int, line: str) -> None:
    """A row that does not line up with its header: the output is not a readable table."""
    state.invalid = True
    state.problem(
        f"row does not line up with the header columns: {line.strip()[:120]}", n, "syntax"
    )


# --- JSON -----------------------------------------------------------------------------------


def _read_json(
    src: TextSource, state: _State, first: tuple[int, str], lines: Iterator[tuple[int, str]]
) -> None:
    """JSON: podman arrays (one per sample), docker JSON Lines, pod stats arrays."""
    state.fmt = "json"
    limit = src.max_text_bytes
    parts = ["\n" * (first[0] - 1), first[1]]
    size = len(first[1])
    for _, line in lines:
        size += len(line) + 1
        if size > limit:
            state.invalid = True
            state.problem(f"JSON output larger than {limit} bytes", None, "too-large")
            return
        parts.append("\n" + line)
    text = "".join(parts)
    documents: set[int] = set()
    seen: Counter[str] = Counter()
    arrays = False
    try:
        for item in cols.iter_json_items(text):
            documents.add(item.document)
            arrays = arrays or item.in_array
            if not isinstance(item.value, dict):
                state.problem(
                    f"expected an object per container, found {type(item.value).__name__}",
                    item.line,
                    "type",
                )
                continue
            row, tool = _json_row(item.value)
            if tool == "docker":
                state.tool = "docker"
            if not row:
                state.problem("object has no stats keys", item.line, "type")
                continue
            key = _add_row(state, item.line, row)
            if key:
                seen[key] += 1
    except LoadError as exc:
        state.invalid = True
        state.problem(exc.message, exc.line, "syntax")
        return
    # podman prints one array per sample; docker's JSON Lines repeat each container per sample
    state.samples = len(documents) if arrays else max(seen.values(), default=len(documents))
    if not state.rows and not state.problems:
        state.problem("no containers in the output", None, "empty")


def _json_row(obj: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """An object's stats keys mapped to column keys; also which tool's key style it uses."""
    row: dict[str, Any] = {}
    tool = "podman"
    for k, v in obj.items():
        norm = str(k).lower().replace("_", "")
        key = JSON_KEYS.get(norm)
        if key is None:
            continue
        if k in {"CPUPerc", "MemPerc", "PIDs", "Container"}:
            tool = "docker"
        row[key] = v
    if "mem" not in row and "mem_iec" in row:
        row["mem"] = row["mem_iec"]
    row.pop("mem_iec", None)
    return row, tool


# --- rows -----------------------------------------------------------------------------------


_IDENT_KEYS = ("pod", "cid", "id", "name", "container")


def _add_row(state: _State, line: int, row: dict[str, Any]) -> str | None:
    """Keep a row as the latest sample of its container (converted once, at the end)."""
    ident = [_text(row.get(k)) for k in _IDENT_KEYS]
    if not any(ident):
        return None  # `podman pod stats` prints one all-`--` row when there are no pods
    key = "\x00".join(v or "" for v in ident)
    state.rows.pop(key, None)  # re-insert so the order is that of the last sample
    state.rows[key] = (line, row)
    return key


def _convert(state: _State, line: int, row: dict[str, Any]) -> dict[str, Any]:
    """One container's cells as normalized values."""
    ident = {k: _text(row.get(k)) for k in _IDENT_KEYS}
    out: dict[str, Any] = dict.fromkeys(FIELDS)
    container = ident["container"]
    out["id"] = ident["id"] or ident["cid"]
    out["name"] = ident["name"]
    if container and not out["id"] and _HEX_ID.match(container):
        out["id"] = container
    elif container and not out["name"]:
        out["name"] = container
    if state.kind == "pod_stats" or ident["pod"] is not None or ident["cid"] is not None:
        out["pod"] = ident["pod"]
        out["cid"] = ident["cid"]

    def conv(name: str, raw: Any, fn: Callable[[Any], Any]) -> Any:
        if raw is None or isinstance(raw, dict | list):
            return None
        if isinstance(raw, bool):
            raw = str(raw)
        if isinstance(raw, int | float):
            # numbers (not the usual strings) come from the libpod API
            if not math.isfinite(raw):
                return None
            if fn is q.parse_count:
                return int(raw) if float(raw).is_integer() and raw >= 0 else None
            return float(raw)
        try:
            return fn(str(raw))
        except q.QuantityError as exc:
            state.problem(f"{name}: {exc}", line, "type", key=name)
            return None

    out["cpu_percent"] = conv("cpu_percent", row.get("cpu"), q.parse_percent)
    out["avg_cpu_percent"] = conv("avg_cpu_percent", row.get("avg_cpu"), q.parse_percent)
    out["mem_percent"] = conv("mem_percent", row.get("mem_percent"), q.parse_percent)
    out["pids"] = conv("pids", row.get("pids"), q.parse_count)
    cpu_time = row.get("cpu_time")
    out["cpu_time_raw"] = _raw(cpu_time)
    if isinstance(cpu_time, int | float) and not isinstance(cpu_time, bool):
        # the libpod API reports nanoseconds
        out["cpu_time_seconds"] = cpu_time / 1e9 if math.isfinite(cpu_time) else None
    else:
        out["cpu_time_seconds"] = conv("cpu_time_seconds", cpu_time, q.parse_go_duration)

    mem = row.get("mem", row.get("priv_ws"))
    out["mem_usage_raw"] = _raw(mem)
    if "priv_ws" in row and "mem" not in row:
        out["mem_usage_bytes"] = conv("mem_usage_bytes", mem, q.parse_size)
    else:
        out["mem_usage_bytes"], out["mem_limit_bytes"] = _pair(state, line, "mem_usage", mem)
    net = row.get("net")
    out["net_io_raw"] = _raw(net)
    out["net_rx_bytes"], out["net_tx_bytes"] = _pair(state, line, "net_io", net)
    block = row.get("block")
    out["block_io_raw"] = _raw(block)
    out["block_read_bytes"], out["block_write_bytes"] = _pair(state, line, "block_io", block)
    return out


def _pair(state: _State, line: int, name: str, raw: Any) -> tuple[int | None, int | None]:
    """An `a / b` size cell, with a problem instead of an exception."""
    if raw is None or isinstance(raw, dict | list):
        return None, None
    try:
        return q.parse_size_pair(str(raw))
    except q.QuantityError as exc:
        state.problem(f"{name}: {exc}", line, "type", key=name)
        return None, None


def _raw(value: Any) -> str | None:
    """A cell exactly as printed (`-- / --` included); only an empty cell is None."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _text(value: Any) -> str | None:
    """A cell as text; empty cells and `--` are None."""
    if value is None:
        return None
    text = str(value).strip()
    return None if q.is_unknown(text) else text


# --- result ---------------------------------------------------------------------------------


def _result(src: TextSource, state: _State, *, empty: bool = False) -> Parsed:
    """The Parsed value: data, locations, problems, meta."""
    if empty:
        state.invalid = True
        state.problem("empty output", None, "empty")
    containers: list[dict[str, Any]] = []
    locations: dict[str, int] = {}
    for i, (line, cells) in enumerate(state.rows.values()):
        row = _convert(state, line, cells)
        if state.kind == "pod_stats":
            row.setdefault("pod", None)
            row.setdefault("cid", None)
        containers.append(row)
        locations[f"containers.{i}"] = line
    data = {
        "tool": state.tool,
        "format": state.fmt,
        "samples": state.samples,
        "containers": containers,
    }
    meta: dict[str, Any] = {}
    host = _host_memory_guess(containers)
    if host is not None:
        meta["host_memory_bytes"] = host
    for row in containers:
        # podman and docker print the host's RAM as LIMIT when no limit is set
        limit = row.get("mem_limit_bytes")
        row["mem_limit_is_host_ram"] = None if host is None or limit is None else limit == host
    return Parsed(
        kind=state.kind,
        path=src.path,
        data=data,
        status="invalid" if state.invalid else "parsed",
        problems=state.problems,
        locations=locations,
        meta=meta,
    )


def _host_memory_guess(containers: list[dict[str, Any]]) -> int | None:
    """The host's RAM, when it is evident from the memory LIMIT column.

    podman and docker report the host's total RAM as the LIMIT of a container without a
    memory limit. When at least two containers, and more than half of those with a limit,
    share one LIMIT value, that value is taken as the host's RAM (containers given the same
    explicit limit would look the same, so this stays a guess).
    """
    limits = [c["mem_limit_bytes"] for c in containers if c.get("mem_limit_bytes")]
    if len(limits) < 2:
        return None
    value, count = Counter(limits).most_common(1)[0]
    if count >= 2 and count * 2 > len(limits):
        return int(value)
    return None
