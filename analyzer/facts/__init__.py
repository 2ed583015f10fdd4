"""Derived facts: what several artifacts say together, computed once per bundle.

Rules read facts with `fact: <name>`. A fact that cannot be derived is None, and
`reasons[name]` says what is missing, so rules reading it are reported not evaluable with
that reason. Every fact dict may carry `_sources` ({key: evidence dict}) so findings on a
fact cite the artifact lines it came from.
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.artifacts.base import Parsed
from analyzer.engine.scanner import FileStats
from analyzer.model import ArtifactEntry, iso_utc

_IMAGE_TAG = re.compile(r"[:@]v?(\d+\.\d+(?:\.\d+)?)")
_PG_IMAGE = re.compile(r"postgresql-?(\d{2})(?:-|$|:|/|\b)")
_PG_MEMORY_PARAMS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "temp_buffers",
)


def _component(name: str, image: str = "") -> str:
    text = f"{name} {image}".lower()
    if "postgres" in text:
        return "clair-postgres" if "clair" in text else "postgres"
    if "redis" in text:
        return "redis"
    if "clair" in text:
        return "clair"
    if "mirror" in text:
        return "mirror"
    if "quay" in text:
        return "quay"
    return "other"


def _data(items: list[Parsed]) -> list[Any]:
    return [p.data for p in items if p.status in ("parsed", "truncated") and p.data is not None]


def _iso(t: Any) -> str | None:
    return iso_utc(t)


def _containers(parsed: dict[str, list[Parsed]]) -> list[dict[str, Any]]:
    """One row per container/pod container, merged from inspect, ps, pod YAML and stats."""
    rows: dict[str, dict[str, Any]] = {}

    def row(name: str, source: str) -> dict[str, Any]:
        r = rows.setdefault(name, {"name": name, "sources": []})
        if source not in r["sources"]:
            r["sources"].append(source)
        return r

    for p in parsed.get("container_inspect", []):
        for c in (p.data or {}).get("containers", []) if isinstance(p.data, dict) else []:
            r = row(str(c.get("name") or c.get("id") or "?"), p.path)
            for k in (
                "image",
                "status",
                "running",
                "exit_code",
                "oom_killed",
                "restart_count",
                "memory_limit_bytes",
                "shm_size_bytes",
                "nano_cpus",
                "env",
                "started_at",
                "finished_at",
            ):
                if c.get(k) is not None:
                    r[k] = c[k]
    for p in parsed.get("container_list", []):
        for c in (p.data or {}).get("containers", []) if isinstance(p.data, dict) else []:
            r = row(str(c.get("name") or c.get("id") or "?"), p.path)
            for k in ("image", "state", "status", "exit_code"):
                if c.get(k) is not None:
                    r.setdefault(k, c[k])
            if c.get("restarts") is not None:
                r.setdefault("restart_count", c["restarts"])
    for p in parsed.get("k8s_resource", []):
        for item in (p.data or {}).get("items", []) if isinstance(p.data, dict) else []:
            if item.get("kind") != "Pod":
                continue
            for c in item.get("containers", []):
                r = row(f"{item.get('name')}/{c.get('name')}", p.path)
                r["pod"] = item.get("name")
                for k in (
                    "image",
                    "restart_count",
                    "state",
                    "state_reason",
                    "last_terminated",
                    "env",
                ):
                    if c.get(k) is not None:
                        r[k] = c[k]
                limits = c.get("limits") or {}
                if limits.get("memory_bytes"):
                    r["memory_limit_bytes"] = limits["memory_bytes"]
                last = c.get("last_terminated") or {}
                if last.get("reason") == "OOMKilled":
                    r["oom_killed"] = True
    for p in parsed.get("podman_stats", []) + parsed.get("pod_stats", []):
        for c in (p.data or {}).get("containers", []) if isinstance(p.data, dict) else []:
            r = row(str(c.get("name") or c.get("id") or "?"), p.path)
            for k in ("cpu_percent", "mem_usage_bytes", "mem_percent"):
                if c.get(k) is not None:
                    r[k] = c[k]
            if c.get("mem_limit_bytes") is not None:
                r.setdefault("stats_mem_limit_bytes", c["mem_limit_bytes"])
    for p in parsed.get("top_pods", []):
        for c in (p.data or {}).get("pods", []) if isinstance(p.data, dict) else []:
            name = c.get("pod") or c.get("name")
            if c.get("container"):
                name = f"{name}/{c['container']}"
            r = row(str(name), p.path)
            for k in ("cpu_millicores", "memory_bytes"):
                if c.get(k) is not None:
                    r[k] = c[k]
    for r in rows.values():
        r["component"] = _component(r["name"], str(r.get("image", "")))
    return sorted(rows.values(), key=lambda r: r["name"])


def _version_from_images(
    containers: list[dict[str, Any]], component: str
) -> tuple[str | None, str | None]:
    for c in containers:
        if c["component"] != component:
            continue
        env = c.get("env") or {}
        if component == "quay" and isinstance(env, dict) and env.get("QUAY_VERSION"):
            return str(env["QUAY_VERSION"]).lstrip("v"), f"QUAY_VERSION of {c['name']}"
        image = str(c.get("image") or "")
        if component == "quay" and ("quay" in image.lower()):
            m = _IMAGE_TAG.search(image.rsplit("/", 1)[-1])
            if m:
                return m.group(1), f"image {image}"
    return None, None


def _pg_settings(parsed: dict[str, list[Parsed]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Effective PostgreSQL settings: SHOW ALL output wins over postgresql.conf."""
    settings: dict[str, Any] = {}
    sources: dict[str, Any] = {}
    for kind in ("pg_conf", "pg_settings"):  # later kinds override earlier ones
        for p in parsed.get(kind, []):
            if p.status not in ("parsed", "truncated") or not isinstance(p.data, dict):
                continue
            if p.meta.get("included_by"):
                continue
            for name, s in (p.data.get("settings") or {}).items():
                if not isinstance(s, dict):
                    continue
                settings[name] = s
                line = s.get("line")
                sources[name] = {
                    "path": s.get("file") or p.path,
                    "line": line,
                    "key": name,
                    "excerpt": f"{name} = {s.get('raw', s.get('value'))}",
                }
    return settings, sources


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or x is None:
        return None
    if isinstance(x, int | float):
        return float(x)
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def derive(
    entries: list[ArtifactEntry], parsed: dict[str, list[Parsed]], log_files: list[FileStats]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(facts, reasons for the facts that are None)."""
    facts: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    kinds = sorted({e.kind for e in entries if e.status in ("parsed", "truncated")})
    containers = _containers(parsed)

    # -- bundle ---------------------------------------------------------------------------
    collected_at = None
    for p in parsed.get("manifest", []):
        collected_at = collected_at or (p.meta or {}).get("collected_at")
    facts["bundle"] = {"kinds": kinds, "artifacts": len(entries), "collected_at": collected_at}

    # -- logs -----------------------------------------------------------------------------
    times = [t for fs in log_files for t in (fs.first_time, fs.last_time) if t is not None]
    quay_files = [fs for fs in log_files if fs.kind == "quay_log"]
    facts["logs"] = {
        "span_start": _iso(min(times)) if times else None,
        "span_end": _iso(max(times)) if times else None,
        "files": [
            {
                "path": fs.path,
                "kind": fs.kind,
                "records": fs.records,
                "first": _iso(fs.first_time),
                "last": _iso(fs.last_time),
                "levels": dict(fs.levels),
            }
            for fs in log_files
        ],
        "quay_records": sum(fs.records for fs in quay_files),
        "quay_debug_records": sum(fs.levels.get("DEBUG", 0) for fs in quay_files),
        "quay_files": len(quay_files),
        "has_previous": any(re.search(r"previous", fs.path) for fs in quay_files),
        "_sources": {},
    }

    # -- quay -------------------------------------------------------------------------------
    deployment = "unknown"
    if "quayregistry_cr" in kinds or any(
        "namespaces/" in e.path and "/pods/" in e.path for e in entries
    ):
        deployment = "operator"
    elif any(
        k in kinds for k in ("container_inspect", "container_list", "podman_stats", "pod_stats")
    ):
        deployment = "standalone"
    elif "k8s_resource" in kinds or "top_pods" in kinds:
        deployment = "operator"
    version, vsource = _version_from_images(containers, "quay")
    for p in parsed.get("quayregistry_cr", []):
        if isinstance(p.data, dict) and p.data.get("current_version") and not version:
            version, vsource = str(p.data["current_version"]).lstrip("v"), f"QuayRegistry {p.path}"
    config = next(
        (p for p in parsed.get("quay_config", []) if p.status in ("parsed", "truncated")), None
    )
    debuglog = None
    if quay_files:
        debuglog = facts["logs"]["quay_debug_records"] > 0
    debug_env = None
    for c in containers:
        env = c.get("env") or {}
        if c["component"] == "quay" and isinstance(env, dict) and "DEBUGLOG" in env:
            debug_env = str(env["DEBUGLOG"]).lower() == "true"
    for p in parsed.get("quayregistry_cr", []):
        overrides = (p.data or {}).get("env_overrides") if isinstance(p.data, dict) else None
        for comp_env in (overrides or {}).values():
            if isinstance(comp_env, dict) and "DEBUGLOG" in comp_env:
                debug_env = str(comp_env["DEBUGLOG"]).lower() == "true"
    quay_containers = [c for c in containers if c["component"] == "quay"]
    restarts = max((int(c.get("restart_count") or 0) for c in quay_containers), default=None)
    replicas = None
    if deployment == "operator":
        pods = {c.get("pod") for c in quay_containers if c.get("pod")}
        replicas = len(pods) or None
    elif quay_containers:
        replicas = len(quay_containers)
    facts["quay"] = {
        "version": version,
        "version_source": vsource,
        "deployment": deployment,
        "debuglog": debuglog,
        "debuglog_env": debug_env,
        "restarts": restarts,
        "replicas": replicas,
        "config_path": config.path if config else None,
        "_sources": {},
    }

    # -- config (derived from config.yaml) ---------------------------------------------------
    if config is not None and isinstance(config.data, dict):
        cfg = config.data
        storage = (
            cfg.get("DISTRIBUTED_STORAGE_CONFIG")
            if isinstance(cfg.get("DISTRIBUTED_STORAGE_CONFIG"), dict)
            else {}
        )
        drivers = {
            loc: (v[0] if isinstance(v, list) and v else None) for loc, v in (storage or {}).items()
        }
        certs = [e.path.rsplit("/", 1)[-1] for e in entries if e.kind in ("tls_cert", "tls_key")]
        facts["config"] = {
            "path": config.path,
            "scheme": cfg.get("PREFERRED_URL_SCHEME"),
            "external_tls": bool(cfg.get("EXTERNAL_TLS_TERMINATION", False)),
            "storage_locations": sorted(drivers),
            "storage_drivers": sorted({d for d in drivers.values() if d}),
            "replication": bool(cfg.get("FEATURE_STORAGE_REPLICATION", False)),
            "ssl_cert_present": any(c in ("ssl.cert", "ssl.crt") for c in certs),
            "ssl_key_present": "ssl.key" in certs,
            "security_scanner": bool(cfg.get("FEATURE_SECURITY_SCANNER", False)),
            "_sources": {},
        }
    else:
        facts["config"] = None
        reasons["config"] = "no readable Quay config.yaml in the bundle"

    # -- postgres ---------------------------------------------------------------------------
    settings, sources = _pg_settings(parsed)
    pg_version = None
    pg_vsource = None
    for fs in log_files:
        if fs.versions.get("postgres"):
            pg_version, pg_vsource = fs.versions["postgres"], f"server log {fs.path}"
            break
    if not pg_version and "server_version" in settings:
        pg_version, pg_vsource = (
            str(settings["server_version"].get("value")),
            "SHOW ALL server_version",
        )
    pg_containers = [c for c in containers if c["component"] == "postgres"]
    if not pg_version:
        for c in pg_containers:
            m = _PG_IMAGE.search(str(c.get("image") or ""))
            if m:
                pg_version, pg_vsource = m.group(1), f"image {c.get('image')}"
                break
    if not pg_version:
        for fs in log_files:
            if fs.versions.get("postgres_eol"):
                pg_version, pg_vsource = (
                    fs.versions["postgres_eol"],
                    f"config-tool warning in {fs.path}",
                )
                break
    env_max = None
    pg_env: dict[str, Any] = {}
    for c in pg_containers:
        env = c.get("env") or {}
        if isinstance(env, dict):
            pg_env.update({k: v for k, v in env.items() if k.startswith("POSTGRESQL_")})
    if pg_env.get("POSTGRESQL_MAX_CONNECTIONS"):
        env_max = _num(pg_env["POSTGRESQL_MAX_CONNECTIONS"])

    def setting(name: str) -> Any:
        s = settings.get(name)
        return s.get("value") if isinstance(s, dict) else None

    max_conn = _num(setting("max_connections"))
    max_conn_source = "postgresql settings" if max_conn is not None else None
    if max_conn is None and env_max is not None:
        max_conn, max_conn_source = env_max, "POSTGRESQL_MAX_CONNECTIONS"
        sources["max_connections"] = {
            "path": "(container environment)",
            "line": None,
            "key": "POSTGRESQL_MAX_CONNECTIONS",
            "excerpt": f"POSTGRESQL_MAX_CONNECTIONS={pg_env['POSTGRESQL_MAX_CONNECTIONS']}",
        }
    reserved = _num(setting("superuser_reserved_connections"))
    reserved2 = _num(setting("reserved_connections")) or 0
    mem_limit = next(
        (c.get("memory_limit_bytes") for c in pg_containers if c.get("memory_limit_bytes")), None
    )
    shm = next((c.get("shm_size_bytes") for c in pg_containers if c.get("shm_size_bytes")), None)
    pg_present = (
        bool(settings) or pg_version is not None or "pg_log" in kinds or bool(pg_containers)
    )
    if pg_present:
        major = None
        if pg_version:
            m = re.match(r"(\d+)", pg_version)
            major = int(m.group(1)) if m else None
        facts["postgres"] = {
            "version": pg_version,
            "version_source": pg_vsource,
            "major": major,
            "settings_known": bool(settings),
            "max_connections": max_conn,
            "max_connections_source": max_conn_source,
            "superuser_reserved_connections": reserved
            if reserved is not None
            else (3 if max_conn is not None else None),
            "reserved_connections": reserved2,
            "memory_limit_bytes": mem_limit,
            "shm_size_bytes": shm,
            "env": pg_env,
            "_sources": sources,
        }
        for name in _PG_MEMORY_PARAMS:
            s = settings.get(name)
            facts["postgres"][f"{name}_bytes"] = s.get("bytes") if isinstance(s, dict) else None
        if mem_limit and facts["postgres"].get("shared_buffers_bytes"):
            facts["postgres"]["shared_buffers_fraction"] = (
                facts["postgres"]["shared_buffers_bytes"] / mem_limit
            )
    else:
        facts["postgres"] = None
        reasons["postgres"] = "no PostgreSQL configuration, log or container in the bundle"

    # -- clair ------------------------------------------------------------------------------
    clair_version = next(
        (fs.versions["clair"] for fs in log_files if fs.versions.get("clair")), None
    )
    facts["clair"] = (
        {"version": clair_version, "_sources": {}}
        if clair_version or "clair_config" in kinds or "clair_log" in kinds
        else None
    )
    if facts["clair"] is None:
        reasons["clair"] = "no Clair configuration or log in the bundle"

    # -- connections (code-derived estimate of what Quay opens vs what PostgreSQL allows) ----
    facts["connections"] = _connections(facts, containers)
    if facts["connections"] is None:
        reasons["connections"] = (
            "needs PostgreSQL max_connections (postgresql.conf, SHOW ALL or POSTGRESQL_MAX_CONNECTIONS)"
        )
    facts["containers"] = {"items": containers, "count": len(containers)} if containers else None
    if not containers:
        reasons["containers"] = (
            "no container or pod status in the bundle (podman inspect / ps, pod YAML, stats)"
        )
    return facts, reasons


def _workers(cpus: float | None, env: dict[str, Any]) -> dict[str, int]:
    """gunicorn worker processes per Quay container (util/workers.py formula, env overrides)."""
    c = cpus or 2.0

    def count(kind: str, mult: int, lo: int, hi: int) -> int:
        override = env.get(f"WORKER_COUNT_{kind.upper()}") or env.get("WORKER_COUNT")
        if override is not None and _num(override) is not None:
            return max(int(_num(override) or 0), lo)
        return int(min(max(c * mult, lo), hi))

    return {
        "registry": count("registry", 4, 8, 64),
        "web": count("web", 2, 2, 32),
        "secscan": count("secscan", 2, 2, 4),
    }


BACKGROUND_WORKERS = 30  # supervisord background programs, one connection each (quay-facts §6)
GEVENT_CONNECTIONS = (
    50  # worker_connections per gunicorn worker (worst case without pooling limits)
)


def _connections(facts: dict[str, Any], containers: list[dict[str, Any]]) -> dict[str, Any] | None:
    pg = facts.get("postgres") or {}
    quay = facts.get("quay") or {}
    max_conn = pg.get("max_connections")
    if max_conn is None:
        return None
    quay_c = [c for c in containers if c["component"] == "quay"]
    env: dict[str, Any] = {}
    cpus = None
    for c in quay_c:
        e = c.get("env") or {}
        if isinstance(e, dict):
            env.update(e)
        if c.get("nano_cpus"):
            cpus = float(c["nano_cpus"]) / 1e9
    operator = quay.get("deployment") == "operator"
    if operator and not any(k.startswith("WORKER_COUNT") for k in env):
        env.update({"WORKER_COUNT_WEB": 4, "WORKER_COUNT_SECSCAN": 2, "WORKER_COUNT_REGISTRY": 8})
    workers = _workers(cpus, env)
    replicas = quay.get("replicas") or (2 if operator else 1)
    per_replica = sum(workers.values()) + BACKGROUND_WORKERS
    worst_per_replica = sum(workers.values()) * GEVENT_CONNECTIONS + BACKGROUND_WORKERS
    reserved = (pg.get("superuser_reserved_connections") or 0) + (
        pg.get("reserved_connections") or 0
    )
    available = int(max_conn - reserved)
    demand = per_replica * replicas
    return {
        "max_connections": int(max_conn),
        "reserved": int(reserved),
        "available": available,
        "replicas": replicas,
        "replicas_assumed": quay.get("replicas") is None,
        "workers": workers,
        "cpus_assumed": cpus is None,
        "background_workers": BACKGROUND_WORKERS,
        "estimate": demand,
        "per_replica": per_replica,
        "worst_case": worst_per_replica * replicas,
        "headroom": available - demand,
        "_sources": dict(pg.get("_sources") or {}),
    }
