"""Every artifact kind the analyzer knows, and the module that parses it.

One line per kind. Structured kinds have a `parse(TextSource) -> Parsed`; log kinds have an
`iter_records(TextSource) -> Iterator[Record]`. Modules are imported only when a member of
that kind is found, which keeps start-up fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from analyzer.artifacts.base import Parsed, Record, TextSource
from analyzer.model import LOG_KINDS, Problem

MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class ArtifactSpec:
    kind: str
    title: str
    module: str
    max_bytes: int = 32 * MiB  # structured kinds only: bigger members are refused

    @property
    def is_log(self) -> bool:
        return self.kind in LOG_KINDS

    def _mod(self) -> Any:
        return importlib.import_module(f"analyzer.artifacts.{self.module}")

    @property
    def parse(self) -> Callable[[TextSource], Parsed]:
        mod = self._mod()
        fn = getattr(mod, f"parse_{self.kind}", None) or mod.parse
        return fn  # type: ignore[no-any-return]

    @property
    def iter_records(self) -> Callable[[TextSource], Iterator[Record]]:
        return self._mod().iter_records  # type: ignore[no-any-return]

    @property
    def refine(self) -> Callable[[Parsed, dict[str, Any]], list[Problem]] | None:
        """Optional second look once facts are known (e.g. what the detected version rejects)."""
        return getattr(self._mod(), "refine", None)


_SPECS = [
    ArtifactSpec("quay_config", "Quay config.yaml", "quay_config", 8 * MiB),
    ArtifactSpec("quay_log", "Quay container log", "quay_log"),
    ArtifactSpec("health_instance", "Quay /health/instance response", "health", MiB),
    ArtifactSpec("health_endtoend", "Quay /health/endtoend response", "health", MiB),
    ArtifactSpec("health_warning", "Quay /health/warning response", "health", MiB),
    ArtifactSpec("podman_stats", "podman/docker stats output", "podman_stats", 16 * MiB),
    ArtifactSpec("pod_stats", "podman pod stats output", "pod_stats", 16 * MiB),
    ArtifactSpec("top_pods", "oc adm top pods output", "top_pods", 16 * MiB),
    ArtifactSpec("df", "df -ah output", "df", 16 * MiB),
    ArtifactSpec("container_list", "podman ps -a output", "container_list", 16 * MiB),
    ArtifactSpec("container_inspect", "podman inspect output", "container_inspect", 64 * MiB),
    ArtifactSpec("pg_conf", "PostgreSQL postgresql.conf", "pg_conf", 8 * MiB),
    ArtifactSpec("pg_settings", "PostgreSQL SHOW ALL / pg_settings dump", "pg_settings", 8 * MiB),
    ArtifactSpec("pg_log", "PostgreSQL server log", "pg_log"),
    ArtifactSpec("redis_log", "Redis server log", "redis_log"),
    ArtifactSpec("clair_config", "Clair config.yaml", "clair_config", 8 * MiB),
    ArtifactSpec("clair_log", "Clair log", "clair_log"),
    ArtifactSpec("quayregistry_cr", "QuayRegistry custom resource", "k8s", 64 * MiB),
    ArtifactSpec("k8s_resource", "Kubernetes/OpenShift resource YAML", "k8s", 256 * MiB),
    ArtifactSpec("tls_cert", "TLS certificate (PEM)", "tls", 4 * MiB),
    ArtifactSpec("tls_key", "TLS private key (PEM)", "tls", MiB),
    ArtifactSpec("storage_listing", "aws s3 ls --summarize output", "storage_listing", 256 * MiB),
    ArtifactSpec("connectivity", "curl -v telnet:// connectivity test", "connectivity", MiB),
    ArtifactSpec("manifest", "collection manifest.json", "manifest", 16 * MiB),
]

ARTIFACTS: dict[str, ArtifactSpec] = {s.kind: s for s in _SPECS}


def spec(kind: str) -> ArtifactSpec | None:
    return ARTIFACTS.get(kind)
