"""Collection from a standalone (podman) deployment.

The guide's commands, in order: `podman ps -a --format json` to find the containers (by name and
image, see `targets`), `podman stats --no-stream --format json` and, when pods exist,
`podman pod stats --no-stream --format json`; then for each Quay, mirror, PostgreSQL, Redis and
Clair container `podman inspect` (restart count, OOMKilled, limits, environment such as DEBUGLOG)
and `podman logs -t` (stdout and stderr together, as `podman logs ... > file 2>&1` gives them).
podman keeps one log for all runs of a container, so there is no separate "previous" log.
Then the files inside the containers (`gather`), the connectivity test and the health endpoints.
"""

from __future__ import annotations

import json
import socket
from typing import Any

from analyzer.collect import gather, health
from analyzer.collect.options import Options, Outcome
from analyzer.collect.runner import Runner
from analyzer.collect.targets import COMPONENTS, Access, Target, component_of, safe_name

PODMAN = "podman"


def json_list(data: bytes) -> str | None:
    """Why an output is not a JSON array (podman's --format json prints one)."""
    try:
        obj = json.loads(data)
    except ValueError as exc:
        return f"not JSON: {exc}"
    if obj is not None and not isinstance(obj, list):
        return "not a JSON array"
    return None


def json_value(data: bytes) -> str | None:
    """Why an output is not JSON at all."""
    try:
        json.loads(data)
    except ValueError as exc:
        return f"not JSON: {exc}"
    return None


def _env(inspect: Any) -> dict[str, str]:
    """Config.Env of an inspect output as a mapping (values stay in memory only)."""
    env: dict[str, str] = {}
    first = inspect[0] if isinstance(inspect, list) and inspect else inspect
    items = ((first or {}).get("Config") or {}).get("Env") if isinstance(first, dict) else None
    for item in items or []:
        if isinstance(item, str) and "=" in item:
            k, _, v = item.partition("=")
            env[k] = v
    return env


def discover(entries: Any) -> list[Target]:
    """The deployment's containers from `podman ps -a --format json`, Quay first."""
    targets: list[Target] = []
    used: set[str] = set()
    for e in entries if isinstance(entries, list) else []:
        if not isinstance(e, dict) or e.get("IsInfra"):
            continue
        names = e.get("Names")
        name = names[0] if isinstance(names, list) and names else e.get("Names") or e.get("Id")
        if not isinstance(name, str) or not name:
            continue
        command = e.get("Command")
        command_text = " ".join(command) if isinstance(command, list) else str(command or "")
        comp = component_of(name, str(e.get("Image") or ""), command_text)
        if comp is None:
            continue
        dirname = safe_name(name)
        while f"{comp}/{dirname}" in used:
            dirname += "_"
        used.add(f"{comp}/{dirname}")
        state = str(e.get("State") or "").lower()
        running = state == "running"
        targets.append(
            Target(
                component=comp,
                name=name,
                dirname=dirname,
                running=running,
                image=str(e.get("Image") or ""),
                exec_prefix=[PODMAN, "exec", name],
                copy_prog=PODMAN,
                restarts=int(e.get("Restarts") or 0)
                if str(e.get("Restarts", "0")).isdigit()
                else 0,
                state="" if running else (str(e.get("Status") or state)),
            )
        )
    order = {c: i for i, c in enumerate(COMPONENTS)}
    targets.sort(key=lambda t: (order[t.component], not t.running))
    return targets


def collect(runner: Runner, opts: Options) -> Outcome:
    """Run the standalone collection into the runner's bundle directory."""
    outcome = Outcome(host=socket.gethostname())
    ps = runner.run(
        [PODMAN, "ps", "-a", "--format", "json"],
        output="runtime/ps.json",
        read=True,
        check=json_list,
    )
    entries = json.loads(ps.data) if ps.ok and ps.data else []
    targets = discover(entries)
    if ps.ok and not targets:
        runner.fail(
            ps.cmd,
            "no Quay, PostgreSQL, Redis or Clair container found among the containers listed",
        )
    runner.run(
        [PODMAN, "stats", "--no-stream", "--format", "json"],
        output="runtime/stats.json",
        check=json_value,
    )
    if any(isinstance(e, dict) and e.get("Pod") for e in entries or []):
        runner.run(
            [PODMAN, "pod", "stats", "--no-stream", "--format", "json"],
            output="runtime/pod-stats.json",
            check=json_value,
        )

    for t in targets:
        step = runner.run(
            [PODMAN, "inspect", t.name],
            output=f"{t.base}/inspect.json",
            read=True,
            check=json_value,
        )
        if step.ok and step.data:
            t.env = _env(json.loads(step.data))
        argv = [PODMAN, "logs", "-t"]
        if opts.since:
            argv += ["--since", opts.since]
        runner.run(
            [*argv, t.name],
            output=f"{t.base}/logs/current.log",
            merge_stderr=True,
            keep_partial=True,
            empty_ok=True,
        )

    config = None
    quay = next((t for t in targets if t.component == "quay"), None)
    if quay is not None:
        config = gather.quay_config(runner, Access(runner, quay))
        gather.db_connectivity(runner, quay, config)
    for t in targets:
        if t.component == "postgres":
            gather.postgres(runner, Access(runner, t))
        elif t.component == "clair":
            gather.clair(runner, Access(runner, t))

    outcome.quay_url = opts.quay_url or health.base_url_from_config(config)
    health.fetch_or_say(
        runner,
        outcome.quay_url,
        insecure=opts.insecure,
        timeout=opts.timeout,
        missing="no SERVER_HOSTNAME in config.yaml",
    )
    return outcome
