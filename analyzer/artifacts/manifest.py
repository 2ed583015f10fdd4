"""The `manifest` kind: the `manifest.json` that `analyze collect` writes at the top of a bundle.

It records who collected the bundle, when (UTC), from which runtime (podman, oc...) and host,
every command run with its exit code, duration and output file, and the steps that failed. The
collection time is the reference "now" for age checks (certificate expiry, log freshness), so
it is also exported as `meta["collected_at"]`.
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.artifacts.base import Parsed, TextSource, TooLarge
from analyzer.artifacts.quantities import QuantityError, iso_utc
from analyzer.artifacts.safeload import LoadError, load_json
from analyzer.model import Problem

REQUIRED = ("collector_version", "time", "commands")


def _line(text: str, key: str) -> int | None:
    """Line of the first `"key":` in the JSON text."""
    m = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _str(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v)


def _command(raw: Any, i: int, problems: list[Problem], line: int | None) -> dict[str, Any]:
    """One commands[] entry; a bare string is a command with nothing else known."""
    if isinstance(raw, str):
        return {"cmd": raw, "exit_code": None, "seconds": None, "output": None, "ok": None}
    if not isinstance(raw, dict):
        problems.append(
            Problem(f"commands[{i}] is not an object", line=line, key=f"commands.{i}", code="type")
        )
        return {"cmd": None, "exit_code": None, "seconds": None, "output": None, "ok": None}
    cmd = raw.get("cmd")
    if isinstance(cmd, list):  # an argv list
        cmd = " ".join(str(c) for c in cmd)
    code = raw.get("exit_code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
        problems.append(
            Problem(
                f"commands[{i}].exit_code is not an integer",
                line=line,
                key=f"commands.{i}.exit_code",
                code="type",
            )
        )
        code = None
    if cmd is None:
        problems.append(
            Problem(
                f"commands[{i}] has no cmd", line=line, key=f"commands.{i}.cmd", code="required"
            )
        )
    return {
        "cmd": _str(cmd),
        "exit_code": code,
        "seconds": _num(raw.get("seconds")),
        "output": _str(raw.get("output")),
        "ok": None if code is None else code == 0,
    }


def _failure(raw: Any) -> dict[str, Any]:
    """One failures[] entry, as text or as an object naming the step and the reason."""
    if isinstance(raw, dict):
        cmd = raw.get("cmd") or raw.get("step") or raw.get("command")
        msg = raw.get("error") or raw.get("reason") or raw.get("message")
        return {"cmd": _str(cmd), "message": _str(msg)}
    return {"cmd": None, "message": _str(raw)}


def parse(src: TextSource) -> Parsed:
    """Parse the collection manifest."""
    out = Parsed(kind="manifest", path=src.path, problems=list(src.notes))
    try:
        text = src.read_text()
        obj = load_json(text)
    except TooLarge as exc:
        out.status = "invalid"
        out.problems.append(Problem(str(exc)))
        return out
    except LoadError as exc:
        out.status = "invalid"
        out.problems.append(Problem(exc.message, line=exc.line, code="syntax"))
        return out
    if not isinstance(obj, dict):
        out.status = "invalid"
        out.problems.append(Problem("the manifest is not a JSON object", line=1, code="type"))
        return out
    problems, locs = out.problems, out.locations
    for key in ("collector_version", "time", "runtime", "host", "commands", "failures"):
        line = _line(text, key)
        if line is not None:
            locs[key] = line
    for key in REQUIRED:
        if key not in obj:
            problems.append(Problem(f"manifest has no {key!r}", line=1, key=key, code="required"))

    time_raw = obj.get("time")
    collected: str | None = None
    if time_raw is not None:
        try:
            collected = iso_utc(time_raw) if isinstance(time_raw, str | int | float) else None
        except QuantityError:
            collected = None
        if collected is None:
            problems.append(
                Problem(
                    f"time {time_raw!r} is not an ISO 8601 timestamp",
                    line=locs.get("time"),
                    key="time",
                    code="type",
                )
            )

    commands_raw = obj.get("commands")
    commands: list[dict[str, Any]] = []
    if commands_raw is not None and not isinstance(commands_raw, list):
        problems.append(
            Problem(
                "commands is not a list", line=locs.get("commands"), key="commands", code="type"
            )
        )
    elif isinstance(commands_raw, list):
        commands = [
            _command(c, i, problems, locs.get("commands")) for i, c in enumerate(commands_raw)
        ]
    failures_raw = obj.get("failures")
    if failures_raw is not None and not isinstance(failures_raw, list):
        problems.append(
            Problem(
                "failures is not a list", line=locs.get("failures"), key="failures", code="type"
            )
        )
        failures_raw = [failures_raw]
    failures = [_failure(f) for f in failures_raw or []]

    out.data = {
        "collector_version": _str(obj.get("collector_version")),
        "time": collected,
        "time_raw": _str(time_raw),
        "runtime": _str(obj.get("runtime")),
        "host": _str(obj.get("host")),
        "commands": commands,
        "failures": failures,
        "failed_commands": [c["cmd"] for c in commands if c["ok"] is False and c["cmd"]],
        # files the collector saw but deliberately did not copy (private keys), and whether
        # the written bundle was redacted
        "withheld": [str(w) for w in obj.get("withheld") or [] if isinstance(w, str | int)]
        if isinstance(obj.get("withheld"), list)
        else [],
        "redacted": obj.get("redacted") if isinstance(obj.get("redacted"), bool) else None,
        "namespace": _str(obj.get("namespace")),
    }
    out.meta["collected_at"] = collected
    if out.data["runtime"]:
        out.meta["runtime"] = out.data["runtime"]
    return out


def sniff(head: str) -> bool:
    """True when the head is a JSON object with the manifest's own keys."""
    return '"collector_version"' in head and '"commands"' in head
