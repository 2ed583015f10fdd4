"""`oc adm top pods` / `kubectl top pods` output (kind top_pods).

kubectl prints `NAME  CPU(cores)  MEMORY(bytes)`, with `NAMESPACE` first under `-A`, `POD`
before `NAME` under `--containers` (NAME is then the container), `SWAP(bytes)` last under
`--show-swap`, and with `--sum` a row of `________` under the value columns followed by a totals
row whose leading cells are empty. CPU is always whole millicores (`250m`) and memory whole MiB
(`512Mi`, truncated), taken from the metrics API: a window average of the working set, so not
directly comparable with `podman stats` (formats.md §1.5). `--no-headers` output is read when
its rows have exactly three cells (NAME CPU MEMORY); wider headerless rows are ambiguous.
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.artifacts import columns as cols
from analyzer.artifacts import quantities as q
from analyzer.artifacts.base import Parsed, TextSource
from analyzer.model import Problem

LABELS: dict[str, str] = {
    "NAMESPACE": "namespace",
    "POD": "pod",
    "NAME": "name",
    "CPU(CORES)": "cpu",
    "MEMORY(BYTES)": "memory",
    "SWAP(BYTES)": "swap",
    # `top nodes` columns: recognized so that node output is refused with a clear message
    "CPU(%)": "cpu_pct",
    "MEMORY(%)": "memory_pct",
}
_SUM_RULE = re.compile(r"^_+$")
_HEADERLESS = re.compile(r"^(\S+)\s+(\S+m|\d+|<unknown>)\s+(\S+i|\d+|<unknown>)\s*$")


def sniff(head: str) -> bool:
    """True when the first KiB holds a `top pods` header line."""
    for line in cols.strip_escapes(head).splitlines()[:8]:
        if cols.is_blank(line) or cols.is_tool_message(line):
            continue
        keys = {c.key for c in cols.header_columns(line, LABELS)}
        return {"name", "cpu", "memory"} <= keys and "cpu_pct" not in keys
    return False


def parse(src: TextSource, kind: str = "top_pods") -> Parsed:
    """Parse `top pods` output into per-pod (or per-container) usage and the `--sum` totals."""
    problems: list[Problem] = []
    rows: dict[tuple[str, str, str], tuple[int, dict[str, Any]]] = {}
    total: tuple[int, dict[str, Any]] | None = None
    columns: list[cols.Column] | None = None
    keys: set[str] = set()
    samples = 0
    invalid = False
    after_rule = False
    headerless = False
    first_line: int | None = None
    pending_bad: tuple[int, str] | None = None

    def problem(message: str, line: int | None, code: str, key: str | None = None) -> None:
        if len(problems) < 200:
            problems.append(Problem(message, line=line, key=key, code=code))

    for n, raw in src.lines():
        line = cols.strip_escapes(raw.lstrip("\ufeff") if n == 1 else raw)
        if cols.is_blank(line):
            continue
        if pending_bad is not None:
            invalid = True
            problem(
                f"row does not line up with the header: {pending_bad[1].strip()[:120]}",
                pending_bad[0],
                "syntax",
            )
            pending_bad = None
        first_line = first_line or n
        found = cols.header_columns(line, LABELS)
        found_keys = {c.key for c in found if c.key}
        if {"name", "cpu", "memory"} <= found_keys or {"name", "cpu_pct"} <= found_keys:
            if "cpu_pct" in found_keys or "memory_pct" in found_keys:
                invalid = True
                problem(
                    "this is `top nodes` output (CPU(%) / MEMORY(%) columns), not `top pods`",
                    n,
                    "syntax",
                )
                break
            columns, keys = found, found_keys  # type: ignore[assignment]
            samples += 1
            after_rule = False
            continue
        if cols.is_tool_message(line):
            problem(f"message from the tool: {line.strip()[:200]}", n, "message")
            continue
        if columns is None:
            m = _HEADERLESS.match(line)
            if m and (samples == 0):
                headerless = True
                cells = dict(zip(("name", "cpu", "memory"), m.groups(), strict=True))
                _add(rows, n, cells, set(cells), problems)
                continue
            invalid = True
            problem("no `top pods` header line (NAME CPU(cores) MEMORY(bytes)) found", n, "syntax")
            break
        cells_list = cols.split_row(line, columns)
        if cells_list is None:
            pending_bad = (n, line)
            continue
        cells = {c.key: v for c, v in zip(columns, cells_list, strict=True) if c.key}
        if not cells.get("cpu") or not cells.get("memory"):
            pending_bad = (n, line)  # kubectl prints both values on every row
            continue
        if _SUM_RULE.match(cells["cpu"]):
            after_rule = True
            continue
        if after_rule or not cells.get("name"):
            total = (n, _usage(cells, n, problems))
            after_rule = False
            continue
        _add(rows, n, cells, keys, problems)
    if pending_bad is not None:
        problem(
            f"last line is incomplete (output cut off?) and was ignored: "
            f"{pending_bad[1].strip()[:120]}",
            pending_bad[0],
            "truncated",
        )
    if first_line is None:
        invalid = True
        problem("empty output", None, "empty")
    elif columns is None and not headerless and not invalid:
        invalid = True
        problem(
            "no `top pods` header line (NAME CPU(cores) MEMORY(bytes)) found", first_line, "syntax"
        )

    pods: list[dict[str, Any]] = []
    locations: dict[str, int] = {}
    for i, (line, row) in enumerate(rows.values()):
        pods.append(row)
        locations[f"pods.{i}"] = line
    data: dict[str, Any] = {
        "per_container": "pod" in keys,
        "all_namespaces": "namespace" in keys,
        "samples": samples,
        "pods": pods,
        "sum": total[1] if total else None,
    }
    if total:
        locations["sum"] = total[0]
    return Parsed(
        kind=kind,
        path=src.path,
        data=data,
        status="invalid" if invalid else "parsed",
        problems=problems,
        locations=locations,
    )


def _add(
    rows: dict[tuple[str, str, str], tuple[int, dict[str, Any]]],
    line: int,
    cells: dict[str, str],
    keys: set[str],
    problems: list[Problem],
) -> None:
    """One pod (or container) row; a later sample of the same one replaces it."""
    name = cells.get("name") or None
    per_container = "pod" in keys
    row: dict[str, Any] = {
        "namespace": cells.get("namespace") or None,
        "pod": (cells.get("pod") or None) if per_container else name,
        "container": name if per_container else None,
        "name": name,
    }
    row.update(_usage(cells, line, problems))
    key = (row["namespace"] or "", row["pod"] or "", row["container"] or "")
    rows.pop(key, None)
    rows[key] = (line, row)


def _usage(cells: dict[str, str], line: int, problems: list[Problem]) -> dict[str, Any]:
    """CPU in millicores and memory/swap in bytes, with the printed text beside them."""
    out: dict[str, Any] = {}
    for field, raw_key, fn in (
        ("cpu_millicores", "cpu", q.k8s_millicores),
        ("memory_bytes", "memory", q.k8s_bytes),
        ("swap_bytes", "swap", q.k8s_bytes),
    ):
        raw = cells.get(raw_key)
        out[f"{raw_key}_raw"] = raw or None
        try:
            out[field] = fn(raw)
        except q.QuantityError as exc:
            out[field] = None
            if len(problems) < 200:
                problems.append(Problem(f"{field}: {exc}", line=line, key=field, code="type"))
    return out
