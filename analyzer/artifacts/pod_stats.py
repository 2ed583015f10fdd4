"""`podman pod stats` output (kind pod_stats): one row per container of each pod.

The table differs from `podman stats` in its `POD` and `CID` columns and its
`MEM USAGE/ LIMIT` label; its JSON uses Go field names (`Pod`, `CID`, `Name`, `CPU`,
`MemUsage`, `MemUsageBytes`, `Mem`, `NetIO`, `BlockIO`, `PIDS`). The reading itself is shared
with podman_stats.py; each row here also carries `pod` (pod ID) and `cid` (container ID, also
copied to `id`). With no pods, podman prints a single row of `--`, which yields no containers.
"""

from __future__ import annotations

from analyzer.artifacts import podman_stats
from analyzer.artifacts.base import Parsed, TextSource


def parse(src: TextSource, kind: str = "pod_stats") -> Parsed:
    """Parse `podman pod stats` output (table or JSON) into containers with their pods."""
    return podman_stats.parse_stats(src, kind)


def sniff(head: str) -> bool:
    """True when the first KiB looks like `podman pod stats` output (POD and CID columns/keys)."""
    return podman_stats.sniff_pod(head)
