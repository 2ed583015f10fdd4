"""`podman ps -a` / `docker ps -a` output (kind container_list), as a table or JSON.

Table (formats.md §2.1): `CONTAINER ID  IMAGE  COMMAND  CREATED  STATUS  PORTS  NAMES`, plus
`POD ID  PODNAME` (`--pod`) and `SIZE` (`--size`); cut at the header's offsets because PORTS,
IMAGE and COMMAND may be empty. The STATUS text carries the state (`Up 3 hours (healthy)`,
`Exited (137) 2 hours ago`, `Restarting (1) 5 seconds ago`, `Created`...), from which the state,
exit code and health are read. CREATED and the STATUS age are go-units HumanDuration phrases,
relative to when the command ran; they are kept as text, with a coarse age in seconds.

JSON: podman's array of `ListContainer` objects (`Names` a list, `Created` Unix seconds,
`Ports` objects, `Restarts` since 4.6), and docker's JSON Lines (`Names` and `Ports` strings,
`CreatedAt` in Go's time format).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from analyzer.artifacts import columns as cols
from analyzer.artifacts import quantities as q
from analyzer.artifacts.base import Parsed, TextSource, TooLarge
from analyzer.artifacts.safeload import LoadError
from analyzer.model import Problem

LABELS: dict[str, str] = {
    "CONTAINER ID": "id",
    "ID": "id",
    "IMAGE": "image",
    "COMMAND": "command",
    "CREATED": "created",
    "CREATED AT": "created_at",
    "RUNNING FOR": "running_for",
    "STATUS": "status",
    "STATE": "state",
    "PORTS": "ports",
    "NAMES": "names",
    "POD ID": "pod",
    "PODNAME": "pod_name",
    "SIZE": "size",
    "RESTARTS": "restarts",
}

_STATUS = re.compile(
    r"^(?P<word>Up|Exited|Restarting|Created|Paused|Stopping|Stopped|Removing|Removal In Progress|"
    r"Initialized|Unknown|Dead|Configured|storage|buildah)"
    r"(?: \((?P<code>-?[0-9]{1,10})\))?"
    r"(?: (?P<age>.+?))?"
    r"(?: ago)?"
    r"(?: \((?P<health>healthy|unhealthy|starting|health: starting|Paused)\))?$",
    re.IGNORECASE,
)
_STATE_OF_WORD = {
    "up": "running",
    "removal in progress": "removing",
    "storage": "external",
    "buildah": "external",
}
_EXITED_STATES = {"exited", "stopped", "dead"}
_ALWAYS_PRINTED = {"id", "status", "names"}
_HEX_ID = re.compile(r"^[0-9a-f]{12,64}$")

FIELDS = (
    "id",
    "image",
    "command",
    "name",
    "names",
    "state",
    "status",
    "health",
    "exit_code",
    "restarts",
    "created",
    "created_raw",
    "status_age_seconds",
    "started_at",
    "exited_at",
    "ports",
    "pod",
    "pod_name",
)


def sniff(head: str) -> bool:
    """True when the first KiB is a `ps` table header or `ps` JSON (not `inspect` JSON)."""
    text = cols.strip_escapes(head).lstrip("\ufeff")
    if text.lstrip()[:1] in "[{":
        if re.search(r'"State"\s*:\s*\{|"HostConfig"\s*:|"GraphDriver"\s*:', text):
            return False
        hits = sum(
            1
            for k in (
                "Names",
                "ExitedAt",
                "IsInfra",
                "RunningFor",
                "CreatedAt",
                "AutoRemove",
                "Exited",
                "PodName",
                "LocalVolumes",
            )
            if re.search(rf'"{k}"\s*:', text)
        )
        return hits >= 2
    for line in text.splitlines()[:8]:
        if cols.is_blank(line) or cols.is_tool_message(line):
            continue
        return _is_header(line)
    return False


def _is_header(line: str) -> bool:
    """A ps header: an ID column and at least two of image, status, names."""
    keys = {c.key for c in cols.header_columns(line, LABELS)}
    return "id" in keys and len(keys & {"image", "status", "names", "command", "created"}) >= 2


def parse(src: TextSource, kind: str = "container_list") -> Parsed:
    """Parse `ps -a` output (table or JSON) into containers with state, exit code and health."""
    problems: list[Problem] = []
    try:
        text = src.read_text()
    except TooLarge as exc:
        return _result(src, kind, [], {}, [Problem(str(exc), code="too-large")], True, "table")
    text = cols.strip_escapes(text)
    if not text.strip():
        return _result(src, kind, [], {}, [Problem("empty output", code="empty")], True, "table")
    if text.lstrip()[:1] in "[{":
        return _parse_json(src, kind, text)
    containers: list[dict[str, Any]] = []
    locations: dict[str, int] = {}
    columns: list[cols.Column] | None = None
    invalid = False
    lines = text.splitlines()
    for n, line in enumerate(lines, start=1):
        if cols.is_blank(line):
            continue
        if _is_header(line):
            columns = cols.header_columns(line, LABELS)
            continue
        if cols.is_tool_message(line):
            problems.append(
                Problem(f"message from the tool: {line.strip()[:200]}", line=n, code="message")
            )
            continue
        if columns is None:
            invalid = True
            problems.append(
                Problem(
                    "no `ps` header line (CONTAINER ID  IMAGE ... NAMES) found",
                    line=n,
                    code="syntax",
                )
            )
            break
        cells = cols.split_row(line, columns)
        if cells is not None and not all(
            v for c, v in zip(columns, cells, strict=True) if c.key in _ALWAYS_PRINTED
        ):
            cells = None  # ID, STATUS and NAMES are never empty in real output
        if cells is None:
            invalid = True
            problems.append(
                Problem(
                    f"row does not line up with the header columns: {line.strip()[:120]}",
                    line=n,
                    code="syntax",
                )
            )
            continue
        row = {c.key: v for c, v in zip(columns, cells, strict=True) if c.key}
        locations[f"containers.{len(containers)}"] = n
        containers.append(_table_row(row, n, problems))
    return _result(src, kind, containers, locations, problems, invalid, "table")


def _table_row(cells: dict[str, str], line: int, problems: list[Problem]) -> dict[str, Any]:
    """One table row as a container."""
    out: dict[str, Any] = dict.fromkeys(FIELDS)
    out["id"] = cells.get("id") or None
    out["image"] = cells.get("image") or None
    out["command"] = cells.get("command") or None
    names = [n.strip() for n in (cells.get("names") or "").split(",") if n.strip()]
    out["names"] = names
    out["name"] = names[0] if names else None
    out["created_raw"] = cells.get("created") or cells.get("created_at") or None
    if cells.get("created_at"):
        out["created"] = _time(cells["created_at"], "created", line, problems)
    out["ports"] = _split_ports(cells.get("ports"))
    out["pod"] = cells.get("pod") or None
    out["pod_name"] = cells.get("pod_name") or None
    if cells.get("restarts"):
        out["restarts"] = _int(cells["restarts"])
    _apply_status(out, cells.get("status"), cells.get("state"), line, problems)
    return out


def _apply_status(
    out: dict[str, Any], status: str | None, state: str | None, line: int, problems: list[Problem]
) -> None:
    """State, exit code, health and age from the human STATUS text (and a STATE column)."""
    out["status"] = status or None
    if state:
        out["state"] = state.strip().lower()
    if not status:
        return
    m = _STATUS.match(status.strip())
    if not m:
        problems.append(
            Problem(f"status not understood: {status[:80]}", line=line, key="status", code="enum")
        )
        return
    word = m.group("word").lower()
    if out["state"] is None:
        out["state"] = _STATE_OF_WORD.get(word, word)
    if m.group("code") is not None:
        out["exit_code"] = int(m.group("code"))
    health = m.group("health")
    if health:
        health = health.lower().replace("health: ", "")
        if health == "paused":
            out["state"] = "paused"  # docker shows a paused container as "Up ... (Paused)"
        else:
            out["health"] = health
    age = m.group("age")
    if age:
        with contextlib.suppress(q.QuantityError):  # an age we cannot read stays null
            out["status_age_seconds"] = q.parse_human_duration(age)


def _split_ports(text: str | None) -> list[str]:
    """`0.0.0.0:8080->8080/tcp, 6379/tcp` as a list of mappings."""
    return [p.strip() for p in (text or "").split(",") if p.strip()]


# --- JSON -----------------------------------------------------------------------------------


def _parse_json(src: TextSource, kind: str, text: str) -> Parsed:
    """podman's ps array or docker's ps JSON Lines."""
    problems: list[Problem] = []
    containers: list[dict[str, Any]] = []
    locations: dict[str, int] = {}
    try:
        items = list(cols.iter_json_items(text))
    except LoadError as exc:
        return _result(
            src, kind, [], {}, [Problem(exc.message, line=exc.line, code="syntax")], True, "json"
        )
    for item in items:
        obj = item.value
        if not isinstance(obj, dict):
            problems.append(
                Problem(
                    f"expected an object per container, found {type(obj).__name__}",
                    line=item.line,
                    code="type",
                )
            )
            continue
        low = {str(k).lower(): v for k, v in obj.items()}
        if isinstance(low.get("state"), dict) or "hostconfig" in low:
            return _result(
                src,
                kind,
                [],
                {},
                [
                    Problem(
                        "this is `inspect` output (State object, HostConfig), not `ps`",
                        line=item.line,
                        code="type",
                    )
                ],
                True,
                "json",
            )
        locations[f"containers.{len(containers)}"] = item.line
        containers.append(_json_row(low, item.line, problems))
    invalid = not containers and bool(problems)
    return _result(src, kind, containers, locations, problems, invalid, "json")


def _json_row(obj: dict[str, Any], line: int, problems: list[Problem]) -> dict[str, Any]:
    """One ps JSON object (keys lower-cased) as a container."""
    out: dict[str, Any] = dict.fromkeys(FIELDS)
    out["id"] = _str(obj.get("id"))
    out["image"] = _str(obj.get("image"))
    command = obj.get("command")
    out["command"] = " ".join(map(str, command)) if isinstance(command, list) else _str(command)
    names = obj.get("names")
    if isinstance(names, list):
        out["names"] = [str(n).lstrip("/") for n in names]
    else:
        out["names"] = [n.strip().lstrip("/") for n in str(names or "").split(",") if n.strip()]
    out["name"] = out["names"][0] if out["names"] else None
    created = obj.get("created")
    created_at = obj.get("createdat")
    # podman: Created = Unix seconds, CreatedAt = "2 hours ago"; docker: CreatedAt = Go time
    if isinstance(created, int | float) and not isinstance(created, bool):
        out["created"] = _time(created, "created", line, problems)
        out["created_raw"] = _str(created_at) if isinstance(created_at, str) else str(created)
    elif isinstance(created_at, str):
        out["created_raw"] = created_at
        if re.match(r"^\d{4}-\d{2}-\d{2}", created_at):
            out["created"] = _time(created_at, "created", line, problems)
        elif isinstance(created, str) and re.match(r"^\d{4}-\d{2}-\d{2}", created):
            out["created"] = _time(created, "created", line, problems)
    for field, key in (("started_at", "startedat"), ("exited_at", "exitedat")):
        value = obj.get(key)
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            out[field] = _time(value, field, line, problems)
    out["ports"] = _json_ports(obj.get("ports"))
    out["pod"] = _str(obj.get("pod"))
    out["pod_name"] = _str(obj.get("podname"))
    restarts = obj.get("restarts")
    out["restarts"] = (
        restarts if isinstance(restarts, int) and not isinstance(restarts, bool) else None
    )
    status = _str(obj.get("status"))
    state = obj.get("state")
    _apply_status(out, status, state if isinstance(state, str) else None, line, problems)
    exit_code = obj.get("exitcode")
    exited = obj.get("exited") is True or out["state"] in _EXITED_STATES
    if isinstance(exit_code, int) and not isinstance(exit_code, bool) and exited:
        out["exit_code"] = exit_code
    return out


def _json_ports(value: Any) -> list[str]:
    """podman port objects or docker's port string, as `host_ip:host_port->port/proto` strings."""
    if isinstance(value, str):
        return _split_ports(value)
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for p in value:
        if not isinstance(p, dict):
            continue
        proto = p.get("protocol") or "tcp"
        span = p.get("range") if isinstance(p.get("range"), int) else 1
        cport, hport = p.get("container_port"), p.get("host_port")
        if isinstance(cport, int) and span and span > 1:
            ctext = f"{cport}-{cport + span - 1}"
            htext = f"{hport}-{hport + span - 1}" if isinstance(hport, int) else str(hport)
        else:
            ctext, htext = str(cport), str(hport)
        if hport in (None, 0, ""):
            out.append(f"{ctext}/{proto}")
        else:
            # podman prints an unset host IP as 0.0.0.0
            out.append(f"{p.get('host_ip') or '0.0.0.0'}:{htext}->{ctext}/{proto}")
    return out


# --- helpers --------------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    """A JSON value as text; empty is None."""
    if value is None or value == "":
        return None
    return str(value)


def _int(text: str) -> int | None:
    """An integer cell, or None."""
    t = text.strip()
    digits = t.removeprefix("-")
    return int(t) if digits.isascii() and digits.isdigit() and len(digits) < 19 else None


def _time(value: Any, field: str, line: int, problems: list[Problem]) -> str | None:
    """A time as ISO 8601 UTC, with a problem when it cannot be read."""
    try:
        return q.iso_utc(value)
    except q.QuantityError as exc:
        problems.append(Problem(f"{field}: {exc}", line=line, key=field, code="type"))
        return None


def _result(
    src: TextSource,
    kind: str,
    containers: list[dict[str, Any]],
    locations: dict[str, int],
    problems: list[Problem],
    invalid: bool,
    fmt: str,
) -> Parsed:
    """The Parsed value."""
    return Parsed(
        kind=kind,
        path=src.path,
        data={"format": fmt, "containers": containers},
        status="invalid" if invalid else "parsed",
        problems=problems,
        locations=locations,
    )
