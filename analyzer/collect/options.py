"""What a collection was asked to do, and what it learned that the manifest records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Options:
    """The command line of `analyze collect`, checked."""

    runtime: str  # podman | oc
    namespace: str | None = None
    quay_url: str | None = None
    since: str | None = None  # a Go duration both podman and oc accept (e.g. 24h, 90m)
    insecure: bool = False
    timeout: float = 120.0


@dataclass(slots=True)
class Outcome:
    """Facts about the deployment learned while collecting."""

    host: str | None = None
    namespace: str | None = None
    quay_url: str | None = None
