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


def _containers(
    parsed: dict[str, list[Parsed]],
    field_sources: dict[str, dict[str, tuple[str, int | None]]] | None = None,
) -> list[dict[str, Any]]:
    """One row per container/pod container, merged from inspect, ps, pod YAML and stats.

    `field_sources`, when given, is filled with {row name: {field: (path, line)}}: where each
    field of a row was read, so findings on a row cite that line (the stats line of a MEM %).
    """
    rows: dict[str, dict[str, Any]] = {}

    def row(name: str, source: str) -> dict[str, Any]:
        r = rows.setdefault(name, {"name": name, "sources": []})
        if source not in r["sources"]:
            r["sources"].append(source)
        return r

    def note(name: str, fields: Any, p: Parsed, key: str) -> None:
        if field_sources is None:
            return
        at = field_sources.setdefault(name, {})
        for f in fields:
            at[f] = (p.path, p.line_of(f"{key}.{f}") or p.line_of(key))

    for p in parsed.get("container_inspect", []):
        for idx, c in enumerate(
            (p.data or {}).get("containers", []) if isinstance(p.data, dict) else []
        ):
            r = row(str(c.get("name") or c.get("id") or "?"), p.path)
            if "memory_limit_bytes" in c:
                # HostConfig.Memory: 0 (read as null) means the container has no memory limit
                r["memory_limited"] = bool(c.get("memory_limit_bytes"))
                note(r["name"], ["memory_limited"], p, f"containers.{idx}.memory_limit_bytes")
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
                "cpu_limit_cores",
                "env",
                "started_at",
                "finished_at",
            ):
                if c.get(k) is not None:
                    r[k] = c[k]
                    note(r["name"], [k], p, f"containers.{idx}")
    for p in parsed.get("container_list", []):
        for idx, c in enumerate(
            (p.data or {}).get("containers", []) if isinstance(p.data, dict) else []
        ):
            r = row(str(c.get("name") or c.get("id") or "?"), p.path)
            for k in ("image", "state", "status", "exit_code"):
                if c.get(k) is not None and k not in r:
                    r[k] = c[k]
                    note(r["name"], [k], p, f"containers.{idx}")
            if c.get("restarts") is not None and "restart_count" not in r:
                r["restart_count"] = c["restarts"]
                note(r["name"], ["restart_count"], p, f"containers.{idx}")
    for p in parsed.get("k8s_resource", []):
        for idx, item in enumerate(
            (p.data or {}).get("items", []) if isinstance(p.data, dict) else []
        ):
            if item.get("kind") != "Pod":
                continue
            for cidx, c in enumerate(item.get("containers", [])):
                r = row(f"{item.get('name')}/{c.get('name')}", p.path)
                r["pod"] = item.get("name")
                key = f"items.{idx}.containers.{cidx}"
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
                        note(r["name"], [k], p, key)
                limits = c.get("limits") or {}
                if limits.get("memory_bytes"):
                    r["memory_limit_bytes"] = limits["memory_bytes"]
                    note(r["name"], ["memory_limit_bytes"], p, key)
                # a pod container without resources.limits.memory may use all of the node's memory
                r["memory_limited"] = bool(limits.get("memory_bytes"))
                note(r["name"], ["memory_limited"], p, key)
                last = c.get("last_terminated") or {}
                if last.get("reason") == "OOMKilled" or c.get("state_reason") == "OOMKilled":
                    r["oom_killed"] = True
                    note(r["name"], ["oom_killed"], p, f"{key}.last_terminated")
                if limits.get("cpu_millicores"):
                    r["cpu_limit_cores"] = limits["cpu_millicores"] / 1000
                    note(r["name"], ["cpu_limit_cores"], p, key)
    for p in parsed.get("podman_stats", []) + parsed.get("pod_stats", []):
        for idx, c in enumerate(
            (p.data or {}).get("containers", []) if isinstance(p.data, dict) else []
        ):
            r = row(str(c.get("name") or c.get("id") or "?"), p.path)
            for k in ("cpu_percent", "mem_usage_bytes", "mem_percent", "mem_limit_is_host_ram"):
                if c.get(k) is not None:
                    r[k] = c[k]
                    note(r["name"], [k], p, f"containers.{idx}")
            if c.get("mem_usage_raw") is not None:
                r.setdefault("mem_usage_raw", c["mem_usage_raw"])
            if c.get("mem_limit_bytes") is not None:
                r.setdefault("stats_mem_limit_bytes", c["mem_limit_bytes"])
                note(r["name"], ["stats_mem_limit_bytes", "cpu_percent_of_limit"], p, f"containers.{idx}")
    for p in parsed.get("top_pods", []):
        for idx, c in enumerate(
            (p.data or {}).get("pods", []) if isinstance(p.data, dict) else []
        ):
            name = c.get("pod") or c.get("name")
            if c.get("container"):
                name = f"{name}/{c['container']}"
            r = row(str(name), p.path)
            for k in ("cpu_millicores", "memory_bytes"):
                if c.get(k) is not None:
                    r[k] = c[k]
                    note(r["name"], [k, "cpu_percent_of_limit"], p, f"pods.{idx}")
    for r in rows.values():
        r["component"] = _component(r["name"], str(r.get("image", "")))
        if r.get("cpu_limit_cores") is None and r.get("nano_cpus"):
            r["cpu_limit_cores"] = float(r["nano_cpus"]) / 1e9
        cores = r.get("cpu_limit_cores")
        if cores and r.get("cpu_percent") is not None:
            # podman's CPU % is of one core: relative to the limit it is cpu% / cores
            r["cpu_percent_of_limit"] = round(float(r["cpu_percent"]) / float(cores), 1)
        if r.get("cpu_millicores") is not None and cores:
            r["cpu_percent_of_limit"] = round(float(r["cpu_millicores"]) / (10 * float(cores)), 1)
        if "memory_limited" not in r:
            # Only podman stats said something: its LIMIT is the host's RAM when the container
            # has no limit (formats.md 1.1); null when that cannot be told from the table.
            host = r.get("mem_limit_is_host_ram")
            r["memory_limited"] = None if host is None else not host
        elif r["memory_limited"] is False and r.get("memory_limit_bytes"):
            r["memory_limited"] = True
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


def _is_clair_db(path: str) -> bool:
    """A member of Clair's own database (operator: <r>-clair-postgres; standalone: clair-db...)."""
    low = path.lower()
    return "clair" in low and ("postgres" in low or "-db" in low or "pgsql" in low)


def _quay_db_first(items: list[Parsed]) -> list[Parsed]:
    """The settings of Quay's database: Clair's database is left out when Quay's is there."""
    quay = [p for p in items if not _is_clair_db(p.path)]
    return quay if quay else items


def _pg_settings(parsed: dict[str, list[Parsed]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Effective PostgreSQL settings: SHOW ALL output wins over postgresql.conf."""
    settings: dict[str, Any] = {}
    sources: dict[str, Any] = {}
    for kind in ("pg_conf", "pg_settings"):  # later kinds override earlier ones
        # postgresql.auto.conf (ALTER SYSTEM) is read after postgresql.conf by the server
        items = sorted(
            _quay_db_first(parsed.get(kind, [])), key=lambda p: p.path.endswith("postgresql.auto.conf")
        )
        for p in items:
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
    entries: list[ArtifactEntry],
    parsed: dict[str, list[Parsed]],
    log_files: list[FileStats],
    window: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(facts, reasons for the facts that are None)."""
    facts: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    kinds = sorted({e.kind for e in entries if e.status in ("parsed", "truncated")})
    field_sources: dict[str, dict[str, tuple[str, int | None]]] = {}
    containers = _containers(parsed, field_sources)

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
        "window": _window(window, times),
        "_sources": _log_sources(log_files, quay_files, window),
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
    quay_sources: dict[str, Any] = {}
    version_row = next(
        (c for c in quay_containers if vsource and vsource.endswith(f"of {c['name']}")), None
    ) or next((c for c in quay_containers if vsource and str(c.get("image")) in vsource), None)
    if version_row is not None:
        quay_sources["version"] = _row_source(version_row, field_sources, "image", vsource)
    elif vsource and vsource.startswith("QuayRegistry "):
        quay_sources["version"] = {
            "path": vsource.split(" ", 1)[1], "line": None, "key": "status.currentVersion",
            "excerpt": f"currentVersion: {version}",
        }
    restarted = max(quay_containers, key=lambda c: int(c.get("restart_count") or 0), default=None)
    if restarted is not None and restarts is not None:
        quay_sources["restarts"] = _row_source(
            restarted, field_sources, "restart_count",
            f"{restarted['name']}: restarted {restarted.get('restart_count') or 0} time(s)",
        )
    facts["quay"] = {
        "version": version,
        "version_source": vsource,
        "deployment": deployment,
        "debuglog": debuglog,
        "debuglog_env": debug_env,
        "restarts": restarts,
        "replicas": replicas,
        "config_path": config.path if config else None,
        "_sources": quay_sources,
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
            "ssl_key_present": "ssl.key" in certs or _withheld(parsed, "ssl.key"),
            "security_scanner": bool(cfg.get("FEATURE_SECURITY_SCANNER", False)),
            "_sources": _config_sources(config, certs),
        }
    else:
        facts["config"] = None
        reasons["config"] = "no readable Quay config.yaml in the bundle"

    # -- postgres ---------------------------------------------------------------------------
    settings, sources = _pg_settings(parsed)
    pg_version = None
    pg_vsource = None
    for fs in sorted(log_files, key=lambda f: _is_clair_db(f.path)):
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
    if max_conn is None and settings:
        # the configuration is in the bundle and does not set it: the server's default applies
        max_conn, max_conn_source = 100.0, "PostgreSQL default (not set in the configuration)"
        first_conf = next((p.path for p in parsed.get("pg_conf", []) + parsed.get("pg_settings", [])), None)
        sources["max_connections"] = {
            "path": first_conf or "(derived from the bundle)",
            "line": None,
            "key": "max_connections",
            "excerpt": "max_connections is not set (PostgreSQL's default is 100)",
        }
    reserved = _num(setting("superuser_reserved_connections"))
    reserved2 = _num(setting("reserved_connections")) or 0
    mem_limit = next(
        (c.get("memory_limit_bytes") for c in pg_containers if c.get("memory_limit_bytes")), None
    )
    if mem_limit is None:
        # podman stats prints a LIMIT; it is a real limit unless it is only the host's RAM
        mem_limit = next(
            (
                c.get("stats_mem_limit_bytes")
                for c in pg_containers
                if c.get("stats_mem_limit_bytes") and c.get("mem_limit_is_host_ram") is False
            ),
            None,
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
            if name in sources:
                sources[f"{name}_bytes"] = sources[name]
        # every effective setting by name, as the server reads it (base units), for rules
        facts["postgres"]["settings"] = {
            name: (s.get("value") if isinstance(s, dict) else None) for name, s in settings.items()
        }
        for name in settings:
            if name in sources:
                sources[f"settings.{name}"] = sources[name]
        facts["postgres"].update(_worst_case_memory(facts["postgres"], settings))
        if mem_limit and facts["postgres"].get("shared_buffers_bytes"):
            facts["postgres"]["shared_buffers_fraction"] = (
                facts["postgres"]["shared_buffers_bytes"] / mem_limit
            )
        _postgres_sources(sources, pg_version, pg_vsource, pg_containers, field_sources, log_files)
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
    facts["tls"] = _tls(parsed, facts)
    if facts["tls"] is None:
        reasons["tls"] = "no TLS certificate (ssl.cert, extra_ca_certs) in the bundle"
    facts["storage"] = _storage(parsed)
    if facts["storage"] is None:
        reasons["storage"] = "no bucket listing (aws s3 ls --recursive --summarize) in the bundle"
    if facts["clair"] is not None:
        facts["clair"].update(_psk(parsed))
    facts["containers"] = (
        {
            "items": containers,
            "count": len(containers),
            "_sources": _container_sources(containers, field_sources),
        }
        if containers
        else None
    )
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
        "_sources": _connection_sources(pg),
    }


def _window(window: dict[str, Any] | None, times: list[Any]) -> dict[str, Any]:
    """The incident window given on the command line, and whether the logs overlap it."""
    since = (window or {}).get("since")
    until = (window or {}).get("until")
    out: dict[str, Any] = {"since": _iso(since), "until": _iso(until), "given": bool(since or until)}
    if not times or not out["given"]:
        # without a window (or without timed records) nothing starts late or ends early
        out["covered"] = None
        out["starts_late"] = False
        out["ends_early"] = False
        return out
    start, end = min(times), max(times)
    overlap = (since is None or end >= since) and (until is None or start <= until)
    out["covered"] = bool(overlap)
    out["starts_late"] = bool(since is not None and start > since)
    out["ends_early"] = bool(until is not None and end < until)
    return out


def _reference_time(facts: dict[str, Any]) -> tuple[str | None, str]:
    """The bundle's own 'now': collection time, else the newest log time. Never the machine's clock."""
    collected = (facts.get("bundle") or {}).get("collected_at")
    if collected:
        return str(collected), "the bundle's collection time"
    end = (facts.get("logs") or {}).get("span_end")
    if end:
        return str(end), "the newest log record"
    return None, "unknown (no collection time and no log times in the bundle)"


def _parse_time(text: str | None) -> Any:
    from datetime import UTC, datetime

    if not text:
        return None
    try:
        t = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _host_matches(host: str, name: str) -> bool:
    host, name = host.lower().rstrip("."), name.lower().rstrip(".")
    if name.startswith("*."):
        # a wildcard covers exactly one label
        rest = name[2:]
        return host.endswith("." + rest) and "." not in host[: -len(rest) - 1]
    return host == name


def _tls(parsed: dict[str, list[Parsed]], facts: dict[str, Any]) -> dict[str, Any] | None:
    certs: list[dict[str, Any]] = []
    sources: dict[str, Any] = {}
    key_prints = {
        k.get("public_key_sha256"): p.path
        for p in parsed.get("tls_key", [])
        if isinstance(p.data, dict)
        for k in p.data.get("keys", [])
        if k.get("public_key_sha256")
    }
    config = next((p for p in parsed.get("quay_config", []) if isinstance(p.data, dict)), None)
    hostname = str(config.data.get("SERVER_HOSTNAME") or "") if config else ""
    host = hostname.rsplit(":", 1)[0] if hostname.count(":") == 1 else hostname
    ref_text, ref_source = _reference_time(facts)
    ref = _parse_time(ref_text)
    for p in parsed.get("tls_cert", []):
        if not isinstance(p.data, dict):
            continue
        for i, c in enumerate(p.data.get("certificates", [])):
            name = p.path.rsplit("/", 1)[-1]
            # the server certificate is the first one of ssl.cert; other files hold CAs
            server = name in ("ssl.cert", "ssl.crt") and i == 0
            not_after = _parse_time(c.get("not_after"))
            days_left = None
            if ref is not None and not_after is not None:
                days_left = round((not_after - ref).total_seconds() / 86400, 1)
            names = [n for n in (c.get("sans") or [])] or ([c["common_name"]] if c.get("common_name") else [])
            covers = any(_host_matches(host, n) for n in names) if host and server else None
            entry = {
                "path": p.path,
                "index": i,
                "server": server,
                "subject": c.get("subject"),
                "common_name": c.get("common_name"),
                "sans": c.get("sans") or [],
                "not_after": c.get("not_after"),
                "days_left": days_left,
                "expired": None if days_left is None else days_left < 0,
                "is_ca": c.get("is_ca"),
                "self_signed": c.get("self_signed"),
                "covers_server_hostname": covers,
                "key_matches": (
                    (c.get("public_key_sha256") in key_prints) if server and key_prints else None
                ),
            }
            sources[f"certificates.{len(certs)}"] = {
                "path": p.path, "line": None, "key": None,
                "excerpt": f"{c.get('subject')} valid until {c.get('not_after')}",
            }
            certs.append(entry)
    if not certs:
        return None
    return {
        "certificates": certs,
        "server_hostname": host or None,
        "reference_time": ref_text,
        "reference_source": ref_source,
        "key_present": bool(key_prints),
        "_sources": sources,
    }


def _storage(parsed: dict[str, list[Parsed]]) -> dict[str, Any] | None:
    buckets: list[dict[str, Any]] = []
    sources: dict[str, Any] = {}
    for p in parsed.get("storage_listing", []):
        if not isinstance(p.data, dict):
            continue
        for i, b in enumerate(p.data.get("buckets", [])):
            sources[f"buckets.{len(buckets)}"] = {
                "path": p.path, "line": p.line_of(f"buckets.{i}"), "key": None,
                "excerpt": f"{b.get('bucket') or '(bucket)'}: {b.get('total_objects')} objects, {b.get('total_size_bytes')} bytes",
            }
            buckets.append({**{k: b.get(k) for k in ("bucket", "total_objects", "total_size_bytes")}, "path": p.path})
    if not buckets:
        return None
    counts = [b["total_objects"] for b in buckets if isinstance(b.get("total_objects"), int)]
    sizes = [b["total_size_bytes"] for b in buckets if isinstance(b.get("total_size_bytes"), int)]
    if len(buckets) > 1:
        # the verdict is cited at the first listing; the other listings are cited per bucket
        sources["objects_differ"] = dict(sources["buckets.0"])
    return {
        "buckets": buckets,
        "count": len(buckets),
        "objects_min": min(counts) if counts else None,
        "objects_max": max(counts) if counts else None,
        "objects_differ": len(set(counts)) > 1 if len(counts) > 1 else None,
        "objects_difference": (max(counts) - min(counts)) if len(counts) > 1 else None,
        "size_differ": len(set(sizes)) > 1 if len(sizes) > 1 else None,
        "_sources": sources,
    }


def _is_token(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("<secret:")


def _psk(parsed: dict[str, list[Parsed]]) -> dict[str, Any]:
    """Whether Quay's and Clair's PSKs agree; only the verdict is kept, never the value."""
    quay = next((p for p in parsed.get("quay_config", []) if isinstance(p.data, dict)), None)
    clair = next((p for p in parsed.get("clair_config", []) if isinstance(p.data, dict)), None)
    q = quay.data.get("SECURITY_SCANNER_V4_PSK") if quay else None
    auth = (clair.data.get("auth") or {}) if clair else {}
    psk = auth.get("psk") if isinstance(auth, dict) else None
    c = psk.get("key") if isinstance(psk, dict) else None
    known = isinstance(q, str) and isinstance(c, str) and not _is_token(q) and not _is_token(c)
    out: dict[str, Any] = {
        "psk_compared": known,
        "psk_match": (q == c) if known else None,
        "quay_psk_present": q is not None,
        "clair_psk_present": c is not None,
    }
    srcs = {}
    if quay is not None and q is not None:
        srcs["psk_match"] = {"path": quay.path, "line": quay.line_of("SECURITY_SCANNER_V4_PSK"),
                             "key": "SECURITY_SCANNER_V4_PSK", "excerpt": "SECURITY_SCANNER_V4_PSK (value hidden)"}
    out["_sources"] = srcs
    return out


_CONFIG_FACT_KEYS = {
    "scheme": "PREFERRED_URL_SCHEME",
    "external_tls": "EXTERNAL_TLS_TERMINATION",
    "storage_locations": "DISTRIBUTED_STORAGE_CONFIG",
    "storage_drivers": "DISTRIBUTED_STORAGE_CONFIG",
    "replication": "FEATURE_STORAGE_REPLICATION",
    "security_scanner": "FEATURE_SECURITY_SCANNER",
}


def _config_sources(config: Parsed, certs: list[str] | None = None) -> dict[str, Any]:
    """Evidence for config facts: the config.yaml line of the key each one comes from."""
    out: dict[str, Any] = {}
    names = set(certs or [])
    for fact_key, files in (("ssl_cert_present", ("ssl.cert", "ssl.crt")), ("ssl_key_present", ("ssl.key",))):
        found = sorted(names.intersection(files))
        out[fact_key] = {
            "path": config.path,
            "line": None,
            "key": None,
            "excerpt": f"{found[0]} is in the bundle" if found else f"no {files[0]} in the bundle",
        }
    data = config.data if isinstance(config.data, dict) else {}
    for fact_key, key in _CONFIG_FACT_KEYS.items():
        value = data.get(key)
        shown = str(value).lower() if isinstance(value, bool) else value
        out[fact_key] = {
            "path": config.path,
            "line": config.line_of(key),
            "key": key,
            "excerpt": f"{key}: {shown}" if key in data else f"{key} is not set",
        }
    return out


def _container_sources(
    containers: list[dict[str, Any]],
    field_sources: dict[str, dict[str, tuple[str, int | None]]] | None = None,
) -> dict[str, Any]:
    """Evidence for container rows: the file each row was read from first, and for each field
    the file and line it was read from (a finding on `mem_percent` cites the stats line)."""
    out: dict[str, Any] = {}
    for i, c in enumerate(containers):
        srcs = c.get("sources") or []
        if srcs:
            out[f"items.{i}"] = {"path": srcs[0], "line": None, "key": None, "excerpt": f"container {c['name']}"}
        fields = dict((field_sources or {}).get(c["name"]) or {})
        if "memory_limited" not in fields and "mem_limit_is_host_ram" in fields:
            # the verdict came from the stats LIMIT: cite that line
            fields["memory_limited"] = fields["mem_limit_is_host_ram"]
        for field, (path, line) in fields.items():
            out[f"items.{i}.{field}"] = {
                "path": path,
                "line": line,
                "key": None,
                "excerpt": _row_excerpt(c, field),
            }
    return out


def _row_excerpt(c: dict[str, Any], field: str) -> str:
    """What a container row says about one field, in words an engineer recognises."""
    name = c["name"]
    if field in ("mem_percent", "mem_usage_bytes", "stats_mem_limit_bytes", "mem_limit_is_host_ram"):
        usage = c.get("mem_usage_raw") or c.get("mem_usage_bytes")
        return f"{name}: MEM USAGE / LIMIT {usage}, MEM % {c.get('mem_percent')}%"
    if field in ("cpu_percent", "cpu_percent_of_limit", "cpu_millicores"):
        used = f"{c['cpu_millicores']}m" if c.get("cpu_millicores") is not None else f"{c.get('cpu_percent')}%"
        limit = c.get("cpu_limit_cores")
        return f"{name}: CPU {used}" + (f" of a {limit:g}-core limit" if limit else "")
    if field in ("memory_limited", "memory_limit_bytes"):
        limit = c.get("memory_limit_bytes")
        if limit:
            return f"{name}: memory limit {limit} bytes"
        if c.get("mem_limit_is_host_ram") and c.get("mem_usage_raw"):
            return f"{name}: MEM USAGE / LIMIT {c['mem_usage_raw']} (the LIMIT is the host's RAM)"
        return f"{name}: no memory limit"
    return f"{name}: {field} {_excerpt_value(c.get(field))}"


def _excerpt_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items() if v is not None)
    return str(value)


def _worst_case_memory(pg: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """Memory PostgreSQL may use at most, the postgresqltuner way (formats.md 6.7).

    shared_buffers + max_connections x work_mem x 1.5 + autovacuum_max_workers x
    (autovacuum_work_mem or maintenance_work_mem); unset settings take PostgreSQL's defaults.
    """

    def b(name: str, default: int) -> int:
        s = settings.get(name)
        v = s.get("bytes") if isinstance(s, dict) else None
        return int(v) if isinstance(v, int | float) and v >= 0 else default

    max_conn = pg.get("max_connections")
    if max_conn is None:
        return {"worst_case_memory_bytes": None}
    shared = b("shared_buffers", 128 << 20)
    work = b("work_mem", 4 << 20)
    maint = b("maintenance_work_mem", 64 << 20)
    av_mem = b("autovacuum_work_mem", -1) if isinstance((settings.get("autovacuum_work_mem") or {}).get("bytes"), int) else maint
    workers_setting = settings.get("autovacuum_max_workers")
    workers = workers_setting.get("value") if isinstance(workers_setting, dict) else None
    workers = int(workers) if isinstance(workers, int | float) else 3
    total = int(shared + max_conn * work * 1.5 + workers * (av_mem if av_mem > 0 else maint))
    limit = pg.get("memory_limit_bytes")
    return {
        "worst_case_memory_bytes": total,
        "worst_case_memory_inputs": {
            "shared_buffers_bytes": shared,
            "max_connections": int(max_conn),
            "work_mem_bytes": work,
            "autovacuum_max_workers": workers,
            "maintenance_work_mem_bytes": av_mem if av_mem > 0 else maint,
        },
        "worst_case_memory_fraction": (total / limit) if limit else None,
    }


def _connection_sources(pg: dict[str, Any]) -> dict[str, Any]:
    """The connection budget is cited by the max_connections setting it is measured against."""
    srcs = dict(pg.get("_sources") or {})
    base = srcs.get("max_connections")
    if base:
        for key in ("headroom", "available", "estimate", "worst_case", "max_connections"):
            srcs.setdefault(key, base)
    return srcs

def _row_source(
    row: dict[str, Any],
    field_sources: dict[str, dict[str, tuple[str, int | None]]],
    field: str,
    excerpt: str | None,
) -> dict[str, Any]:
    """Evidence for a fact taken from one container row: the file and line of that field."""
    path, line = (field_sources.get(row["name"]) or {}).get(field) or (
        (row.get("sources") or ["(container list)"])[0],
        None,
    )
    return {"path": path, "line": line, "key": None, "excerpt": excerpt or f"container {row['name']}"}


def _log_sources(
    log_files: list[FileStats], quay_files: list[FileStats], window: dict[str, Any] | None
) -> dict[str, Any]:
    """Evidence for the logs fact: the Quay log files with their record counts and spans."""
    out: dict[str, Any] = {}

    def levels(fs: FileStats) -> str:
        return ", ".join(f"{n} {lv}" for lv, n in sorted(fs.levels.items())) or "no levels"

    if quay_files:
        first = quay_files[0]
        summary = "; ".join(
            f"{fs.path}: {fs.records} records ({levels(fs)})" for fs in quay_files[:3]
        )
        for key in ("quay_debug_records", "quay_records", "quay_files"):
            out[key] = {"path": first.path, "line": None, "key": None, "excerpt": summary}
        out["has_previous"] = {
            "path": first.path,
            "line": None,
            "key": None,
            "excerpt": "Quay log files: " + ", ".join(fs.path for fs in quay_files[:5]),
        }
    timed = [fs for fs in log_files if fs.first_time is not None]
    if timed:
        early = min(timed, key=lambda fs: fs.first_time)
        late = max(timed, key=lambda fs: fs.last_time or fs.first_time)
        out["span_start"] = {
            "path": early.path, "line": None, "key": None,
            "excerpt": f"first record at {_iso(early.first_time)}",
        }
        out["span_end"] = {
            "path": late.path, "line": None, "key": None,
            "excerpt": f"last record at {_iso(late.last_time or late.first_time)}",
        }
        # keyed apart, so a finding citing both ends shows both
        out["window.starts_late"] = {**out["span_start"], "key": "span_start"}
        out["window.ends_early"] = {**out["span_end"], "key": "span_end"}
        out["window.covered"] = out["window.starts_late"]
    return out


def _postgres_sources(
    sources: dict[str, Any],
    version: str | None,
    vsource: str | None,
    pg_containers: list[dict[str, Any]],
    field_sources: dict[str, dict[str, tuple[str, int | None]]],
    log_files: list[FileStats],
) -> None:
    """Evidence for the derived PostgreSQL facts: version, memory limit and the memory model."""
    if version and vsource:
        ev: dict[str, Any] | None = None
        if vsource.startswith(("server log ", "config-tool warning in ")):
            path = vsource.rsplit(" ", 1)[1]
            ev = {"path": path, "line": None, "key": None, "excerpt": f"PostgreSQL {version} ({vsource})"}
        elif vsource.startswith("image "):
            row = next((c for c in pg_containers if vsource == f"image {c.get('image')}"), None)
            if row is not None:
                ev = _row_source(row, field_sources, "image", f"{row['name']}: image {row.get('image')}")
        elif "server_version" in sources:
            ev = sources["server_version"]
        if ev is not None:
            sources.setdefault("version", ev)
            sources.setdefault("major", ev)
    limited = next((c for c in pg_containers if c.get("memory_limit_bytes")), None)
    if limited is not None:
        sources.setdefault(
            "memory_limit_bytes",
            _row_source(
                limited, field_sources, "memory_limit_bytes",
                f"{limited['name']}: memory limit {limited['memory_limit_bytes']} bytes",
            ),
        )
    if "shared_buffers" in sources:
        sources.setdefault("shared_buffers_fraction", sources["shared_buffers"])
    if "max_connections" in sources:
        # the worst case is dominated by max_connections x work_mem: cite that line
        for key in ("worst_case_memory_bytes", "worst_case_memory_fraction", "worst_case_memory_inputs"):
            sources.setdefault(key, sources["max_connections"])


def _withheld(parsed: dict[str, list[Parsed]], name: str) -> bool:
    """True when a collection manifest says the collector saw a file of that name but left it out."""
    for p in parsed.get("manifest", []):
        data = p.data if isinstance(p.data, dict) else {}
        if any(str(w).rsplit("/", 1)[-1] == name for w in data.get("withheld") or []):
            return True
    return False
