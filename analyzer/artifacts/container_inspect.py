"""`podman inspect` / `docker inspect` output for containers (kind container_inspect).

Both print a JSON array of objects (formats.md §2.2); a single object (one element saved on its
own, or the Docker API's response) is accepted too. From each container this keeps what explains
restarts, crashes and resource trouble: state (status, exit code, OOMKilled, start/finish
times, health), restart count and policy, the limits in HostConfig, the environment, the image
and mounts. Differences handled: docker prefixes `Name` with `/` and names the image in
`Config.Image` (its `Image` is the image ID), podman names it in `ImageName`; podman 3.x calls
the health block `State.Healthcheck`, later versions and docker `State.Health`.

Limits of 0 mean "no limit" in both tools and become null. Times become ISO 8601 UTC, and Go's
zero time (`0001-01-01T00:00:00Z`, "never") becomes null. Environment values are kept as found;
redaction is the output layer's job. `meta["images"]` lists the image names, from which the
Quay, Clair and PostgreSQL versions are derived.
"""

from __future__ import annotations

import math
import re
from typing import Any

from analyzer.artifacts import columns as cols
from analyzer.artifacts import quantities as q
from analyzer.artifacts.base import Parsed, TextSource, TooLarge
from analyzer.artifacts.safeload import LoadError
from analyzer.model import Problem

# Our field -> the inspect key path it comes from (for evidence lines).
SOURCE_KEYS: dict[str, str] = {
    "id": "Id",
    "name": "Name",
    "status": "State.Status",
    "running": "State.Running",
    "exit_code": "State.ExitCode",
    "oom_killed": "State.OOMKilled",
    "error": "State.Error",
    "started_at": "State.StartedAt",
    "finished_at": "State.FinishedAt",
    "restart_count": "RestartCount",
    "memory_limit_bytes": "HostConfig.Memory",
    "memory_reservation_bytes": "HostConfig.MemoryReservation",
    "memory_swap_bytes": "HostConfig.MemorySwap",
    "nano_cpus": "HostConfig.NanoCpus",
    "cpu_quota": "HostConfig.CpuQuota",
    "cpu_period": "HostConfig.CpuPeriod",
    "shm_size_bytes": "HostConfig.ShmSize",
    "pids_limit": "HostConfig.PidsLimit",
    "restart_policy": "HostConfig.RestartPolicy",
    "env": "Config.Env",
    "created": "Created",
}
_SNIFF_INSPECT = re.compile(r'"State"\s*:\s*\{|"HostConfig"\s*:|"GraphDriver"\s*:|"ImageName"\s*:')
_SNIFF_ID = re.compile(r'"(Id|ID)"\s*:')
_MAX_KEY_SCAN = 16 << 20  # beyond this, evidence points at the container, not the key


def sniff(head: str) -> bool:
    """True when the first KiB is JSON with an object that has `Id` and inspect-only keys."""
    text = head.lstrip("\ufeff").lstrip()
    if text[:1] not in "[{":
        return False
    return bool(_SNIFF_ID.search(text) and (_SNIFF_INSPECT.search(text) or '"Path"' in text))


def parse(src: TextSource, kind: str = "container_inspect") -> Parsed:
    """Parse inspect JSON into one normalized entry per container."""
    try:
        text = src.read_text()
    except TooLarge as exc:
        return _result(src, kind, [], {}, [Problem(str(exc), code="too-large")], True)
    if not text.strip():
        return _result(src, kind, [], {}, [Problem("empty output", code="empty")], True)
    if text.lstrip()[:1] not in "[{":
        first = next((i for i, ln in enumerate(text.splitlines(), 1) if ln.strip()), 1)
        return _result(
            src,
            kind,
            [],
            {},
            [Problem("not JSON: `inspect` output is a JSON array", line=first, code="syntax")],
            True,
        )
    try:
        items = list(cols.iter_json_items(text))
    except LoadError as exc:
        return _result(
            src, kind, [], {}, [Problem(exc.message, line=exc.line, code="syntax")], True
        )
    problems: list[Problem] = []
    containers: list[dict[str, Any]] = []
    locations: dict[str, int] = {}
    scan_keys = len(text) <= _MAX_KEY_SCAN
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
        if not _is_container(obj):
            what = (
                "a Kubernetes " + str(obj["kind"])
                if isinstance(obj.get("kind"), str)
                else ("not a container (no State/HostConfig; an image or volume?)")
            )
            problems.append(Problem(f"object skipped: {what}", line=item.line, code="type"))
            continue
        i = len(containers)
        container = _container(obj, item.line, problems)
        containers.append(container)
        locations[f"containers.{i}"] = item.line
        if scan_keys:
            lines = cols.json_key_lines(text, item.offset, item.line, max_depth=3)
            for field, path in SOURCE_KEYS.items():
                if path in lines:
                    locations[f"containers.{i}.{field}"] = lines[path]
            for name, index in container.pop("_env_index").items():
                if f"Config.Env.{index}" in lines:
                    locations[f"containers.{i}.env.{name}"] = lines[f"Config.Env.{index}"]
            health = "State.Health" if "State.Health" in lines else "State.Healthcheck"
            if health in lines:
                locations[f"containers.{i}.health_status"] = lines[health]
        else:
            container.pop("_env_index")
    invalid = not containers
    if invalid and not problems:
        problems.append(Problem("no containers in the output", code="empty"))
    return _result(src, kind, containers, locations, problems, invalid)


def _is_container(obj: dict[str, Any]) -> bool:
    """Container inspect objects have a State object or a HostConfig."""
    return isinstance(obj.get("State"), dict) or isinstance(obj.get("HostConfig"), dict)


def _container(obj: dict[str, Any], line: int, problems: list[Problem]) -> dict[str, Any]:
    """One inspect object, normalized."""
    state = _dict(obj.get("State"))
    host = _dict(obj.get("HostConfig"))
    config = _dict(obj.get("Config"))
    health = _dict(state.get("Health")) or _dict(state.get("Healthcheck"))
    policy = _dict(host.get("RestartPolicy"))

    image_name = _str(obj.get("ImageName")) or _str(config.get("Image"))
    image_ref = _str(obj.get("Image"))
    if image_name is None and image_ref and not _looks_like_id(image_ref):
        image_name = image_ref

    env, env_index = _env(config.get("Env"))
    name = _str(obj.get("Name"))
    nano_cpus = _int(host.get("NanoCpus"))
    quota, period = _int(host.get("CpuQuota")), _int(host.get("CpuPeriod"))
    return {
        "id": _str(obj.get("Id")) or _str(obj.get("ID")),
        "name": name.lstrip("/") if name else None,
        "image": image_name,
        "image_id": image_ref if image_ref and _looks_like_id(image_ref) else None,
        "pod": _str(obj.get("Pod")),
        "created": _time(obj.get("Created"), "created", line, problems),
        "status": (_str(state.get("Status")) or "").lower() or None,
        "running": _bool(state.get("Running")),
        "exit_code": _int(state.get("ExitCode")),
        "oom_killed": _bool(state.get("OOMKilled")),
        "error": _str(state.get("Error")),
        "started_at": _time(state.get("StartedAt"), "started_at", line, problems),
        "finished_at": _time(state.get("FinishedAt"), "finished_at", line, problems),
        "health_status": _str(health.get("Status")),
        "health_failing_streak": _int(health.get("FailingStreak")),
        "restart_count": _int(obj.get("RestartCount")),
        "restart_policy": _restart_policy(policy),
        "restart_max_retries": _int(policy.get("MaximumRetryCount")),
        "memory_limit_bytes": _limit(host.get("Memory")),
        "memory_reservation_bytes": _limit(host.get("MemoryReservation")),
        "memory_swap_bytes": _limit(host.get("MemorySwap")),
        "nano_cpus": nano_cpus,
        "cpu_quota": quota,
        "cpu_period": period,
        "cpu_limit_cores": _cpu_cores(nano_cpus, quota, period),
        "shm_size_bytes": _limit(host.get("ShmSize")),
        "pids_limit": _limit(host.get("PidsLimit")),
        "oom_kill_disable": _bool(host.get("OomKillDisable")),
        "network_mode": _str(host.get("NetworkMode")),
        "env": env,
        "mounts": _mounts(obj.get("Mounts")),
        "_env_index": env_index,
    }


def _restart_policy(policy: dict[str, Any]) -> str | None:
    """The restart policy name; podman's empty name means the same as docker's "no"."""
    if not policy:
        return None
    name = policy.get("Name")
    if name is None:
        return None
    return str(name) or "no"


def _cpu_cores(nano: int | None, quota: int | None, period: int | None) -> float | None:
    """The CPU limit in cores: `--cpus` (NanoCpus) or CpuQuota / CpuPeriod; None when unlimited."""
    if nano and nano > 0:
        return nano / 1e9
    if quota and quota > 0:
        # the kernel's default CFS period is 100 ms when none is set
        return quota / (period if period and period > 0 else 100_000)
    return None


def _env(value: Any) -> tuple[dict[str, str], dict[str, int]]:
    """`["K=V", ...]` as {K: V} (a later duplicate wins, as in the process) and K -> index."""
    env: dict[str, str] = {}
    index: dict[str, int] = {}
    if not isinstance(value, list):
        return env, index
    for i, item in enumerate(value):
        if not isinstance(item, str):
            continue
        key, _, val = item.partition("=")
        if key:
            env[key] = val
            index[key] = i
    return env, index


def _mounts(value: Any) -> list[dict[str, Any]]:
    """Mounts as {type, source, destination, rw}."""
    out: list[dict[str, Any]] = []
    if not isinstance(value, list):
        return out
    for m in value:
        if isinstance(m, dict):
            out.append(
                {
                    "type": _str(m.get("Type")),
                    "source": _str(m.get("Source")),
                    "destination": _str(m.get("Destination")),
                    "rw": _bool(m.get("RW")),
                }
            )
    return out


def _looks_like_id(text: str) -> bool:
    """An image ID (`sha256:<hex>` or 64 hex digits) rather than a name."""
    return bool(re.match(r"^(sha256:)?[0-9a-f]{64}$", text))


def _dict(value: Any) -> dict[str, Any]:
    """The value if it is an object, else {}."""
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    """Non-empty text, else None."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value)
    return text if text else None


def _int(value: Any) -> int | None:
    """An integer (JSON numbers only), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value)


def _bool(value: Any) -> bool | None:
    """A boolean (JSON true/false or the strings podman templates print), else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None


def _limit(value: Any) -> int | None:
    """A limit in its unit; 0 and negatives (both tools' "unlimited") are None."""
    n = _int(value)
    return n if n is not None and n > 0 else None


def _time(value: Any, field: str, line: int, problems: list[Problem]) -> str | None:
    """A time as ISO 8601 UTC, with a problem when it cannot be read."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
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
) -> Parsed:
    """The Parsed value, with the image names in meta."""
    images: list[str] = []
    for c in containers:
        if c["image"] and c["image"] not in images:
            images.append(c["image"])
    return Parsed(
        kind=kind,
        path=src.path,
        data={"containers": containers},
        status="invalid" if invalid else "parsed",
        problems=problems,
        locations=locations,
        meta={"images": images},
    )
