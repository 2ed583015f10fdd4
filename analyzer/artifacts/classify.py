"""Decide what kind of artifact a bundle member is: by known layouts, by path, by content.

Customers name files anything, so a path alone is a hint: content (the first few KiB) is
checked too, and wins when the two disagree. Every decision carries a reason the report shows.
Only the head of a member is looked at here; nothing is read whole.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Classification:
    kind: str
    classified_by: str  # layout | path | content | none
    reason: str


# ---------------------------------------------------------------------------------------------
# Content sniffers: each returns a short reason when the head looks like its kind.

_M = re.MULTILINE
_COLLECTOR_TS = r"(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) )?"
_SUPERVISOR_PREFIX = re.compile(_COLLECTOR_TS + r"[a-z][a-z0-9_-]* (?:stdout|stderr) \| ", _M)
_QUAY_PY = re.compile(
    _COLLECTOR_TS
    + r"(?:[a-z0-9_-]+ (?:stdout|stderr) \| )?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[\d+\] \[(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\] \[[\w.-]+\] ",
    _M,
)
_SUPERVISORD = re.compile(
    _COLLECTOR_TS
    + r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?:INFO|CRIT|WARN|ERRO|DEBG|TRAC|BLAT) (?:spawned|success|exited|gave up|supervisord started|RPC interface|Supervisor is running|Set uid|waiting for|stopped|reaped)",
    _M,
)
_QUAY_INIT = re.compile(
    r"Running (?:all default registry services|init script '/quay-registry/conf/init/|services )"
    r"|Startup timestamp:|/quay-registry/|\[alembic\.runtime\.migration\]|Validating Configuration|quay-entrypoint",
    _M,
)
_QUAY_JSONLOG = re.compile(
    r'^\s*(?:[a-z0-9_-]+ (?:stdout|stderr) \| )?\{.*"(?:levelname|level)"\s*:.*"(?:name|logger)"\s*:.*"message"\s*:',
    _M,
)

_PG_LEVELS = r"(?:LOG|ERROR|FATAL|PANIC|WARNING|NOTICE|INFO|DEBUG[1-5]?|DETAIL|HINT|STATEMENT|CONTEXT|ログ|エラー|致命的エラー|警告|詳細|ヒント)"
_PG_TEXT = re.compile(
    _COLLECTOR_TS
    + r"(?:< ?)?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? ?(?:[A-Z]{2,5}|[+-]\d\d(?::?\d\d)?)? ?>? ?(?:\[\d+\](?:-\d+)?:? ?)?.{0,120}?"
    + _PG_LEVELS
    + r":  ",
    _M,
)
_PG_CSV = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [A-Z+\-0-9]+,(?:\"[^\"]*\")?,(?:\"[^\"]*\")?,\d+,", _M
)
_PG_JSON = re.compile(r'^\{"timestamp":"\d{4}-\d\d-\d\d [^"]+",.*"error_severity":"', _M)

_CLAIR_JSON = re.compile(
    r'\{[^\n]*"level"\s*:\s*"(?:debug|info|warn|warning|error|fatal|panic|trace)"[^\n]*"component"\s*:',
    _M | re.IGNORECASE,
)
_CLAIR_SLOG = re.compile(
    r'\{[^\n]*"level"\s*:\s*"(?:DEBUG|INFO|WARN|ERROR)"[^\n]*"msg"\s*:[^\n]*(?:clair|indexer|matcher|notifier|updater|libvuln|libindex)',
    _M | re.IGNORECASE,
)
_CLAIR_CONSOLE = re.compile(r"^\d{1,2}:\d\d(?:AM|PM) (?:DBG|INF|WRN|ERR|FTL) .*component=", _M)

_REDIS = re.compile(
    _COLLECTOR_TS + r"\d+:[XCSM] \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] ", _M
)
_REDIS_OLD = re.compile(r"^\[\d+\] \d{1,2} [A-Z][a-z]{2} \d\d:\d\d:\d\d(?:\.\d+)? [.\-*#] ", _M)
_REDIS_BANNER = re.compile(
    r"Redis version=\d|oO0OoO0OoO0Oo Redis is starting|Redis (?:server )?(?:version|v=)\d"
)

_QUAY_KEYS = (
    "SERVER_HOSTNAME",
    "DB_URI",
    "DISTRIBUTED_STORAGE_CONFIG",
    "DISTRIBUTED_STORAGE_PREFERENCE",
    "AUTHENTICATION_TYPE",
    "BUILDLOGS_REDIS",
    "USER_EVENTS_REDIS",
    "PREFERRED_URL_SCHEME",
    "DATABASE_SECRET_KEY",
    "SECRET_KEY",
    "SETUP_COMPLETE",
    "TAG_EXPIRATION_OPTIONS",
    "DEFAULT_TAG_EXPIRATION",
    "FEATURE_SECURITY_SCANNER",
    "SECURITY_SCANNER_V4_ENDPOINT",
    "SUPER_USERS",
    "REGISTRY_TITLE",
    "FEATURE_REPO_MIRROR",
    "DB_CONNECTION_ARGS",
)
_QUAY_KEY_RE = re.compile(r"^[ \t]*(" + "|".join(_QUAY_KEYS) + r")\s*:", _M)
_CLAIR_KEY_RE = re.compile(
    r"^(http_listen_addr|introspection_addr|log_level|indexer|matcher|matchers|notifier|updaters|auth|trace|metrics)\s*:",
    _M,
)
_CLAIR_SECTION_RE = re.compile(
    r"^\s+(connstring|indexer_addr|scanlock_retry|layer_scan_concurrency|migrations|psk|disable_updaters|webhook)\s*:",
    _M,
)

_HEALTH = re.compile(r'"services"\s*:\s*\{')
_HEALTH_INSTANCE_KEYS = re.compile(
    r'"(?:registry_gunicorn|web_gunicorn|service_key|disk_space)"\s*:'
)
_HEALTH_WARNING_KEYS = re.compile(r'"disk_space_warning"\s*:')
_HEALTH_E2E_KEYS = re.compile(r'"(?:redis|storage)"\s*:')

_ESC = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_STATS_HEADER = re.compile(
    r"^\s*(?:ID|CONTAINER(?: ID)?)\s+NAME\s+CPU %\s+MEM USAGE / LIMIT\s+MEM %", _M
)
_STATS_HEADER_ALT = re.compile(r"^\s*CONTAINER\s+CPU %\s+MEM USAGE / LIMIT\s+MEM %", _M)
_STATS_JSON = re.compile(r'"(?:cpu_percent|CPUPerc)"\s*:.*?"(?:mem_usage|MemUsage)"\s*:', re.DOTALL)
_POD_STATS_HEADER = re.compile(r"^\s*POD\s+CID\s+NAME\s+CPU %\s+MEM USAGE\s*/ LIMIT", _M)
_POD_STATS_JSON = re.compile(r'"Pod"\s*:.*"CID"\s*:', re.DOTALL)
_TOP_PODS = re.compile(r"^\s*(?:NAMESPACE\s+)?(?:POD\s+)?NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)", _M)
_DF = re.compile(
    r"^Filesystem\s+(?:Size|1K-blocks|1024-blocks|\d+[KMG]?-blocks|Type)\s+.*(?:Used)\s+Avail(?:able)?\s+(?:Use%|Capacity)\s+Mounted on",
    _M,
)
_PS_HEADER = re.compile(r"^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES", _M)
_PS_JSON = re.compile(r'"Names"\s*:\s*\[.*?"(?:State|Status)"\s*:', re.DOTALL)
_PS_JSON_ALT = re.compile(r'"Image"\s*:.*"(?:Names|Id)"\s*:.*"(?:State|Status)"\s*:', re.DOTALL)
_INSPECT_JSON = re.compile(
    r'"(?:State|HostConfig)"\s*:\s*\{.*?"(?:RestartCount|OOMKilled|HostConfig|Config)"', re.DOTALL
)

_PG_PARAMS = (
    "max_connections",
    "shared_buffers",
    "listen_addresses",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "max_wal_size",
    "min_wal_size",
    "log_line_prefix",
    "logging_collector",
    "log_directory",
    "log_filename",
    "superuser_reserved_connections",
    "port",
    "huge_pages",
    "checkpoint_completion_target",
    "wal_buffers",
    "random_page_cost",
    "log_timezone",
    "timezone",
    "datestyle",
    "lc_messages",
    "dynamic_shared_memory_type",
    "password_encryption",
    "ssl",
    "include_dir",
    "include",
    "include_if_exists",
    "autovacuum",
    "fsync",
    "unix_socket_directories",
    "log_rotation_age",
    "log_rotation_size",
    "log_truncate_on_rotation",
    "default_text_search_config",
)
_PG_CONF_LINE = re.compile(
    r"^[ \t]*#?[ \t]*(" + "|".join(_PG_PARAMS) + r")(?:[ \t]*=[ \t]*|[ \t]+)\S", _M | re.IGNORECASE
)
_PG_CONF_BANNER = re.compile(
    r"PostgreSQL configuration file|^# This file consists of lines of the form:", _M
)
_PG_SETTINGS = re.compile(r"^\s*name\s*\|\s*setting\s*\|", _M)

_K8S_KIND = re.compile(r'^(?:(?:- |\s+)?kind:\s*(\w+)|\s*"kind"\s*:\s*"(\w+)")', _M)
_K8S_API = re.compile(r'^(?:(?:- |\s+)?apiVersion:\s*\S+|\s*"apiVersion"\s*:)', _M)
_QUAYREGISTRY = re.compile(r'kind:\s*QuayRegistry\b|"kind"\s*:\s*"QuayRegistry"')

_PEM_CERT = re.compile(r"-----BEGIN (?:TRUSTED )?CERTIFICATE-----")
_PEM_KEY = re.compile(r"-----BEGIN (?:RSA |EC |ENCRYPTED |DSA )?PRIVATE KEY-----")

_S3_SUMMARY = re.compile(r"^\s*Total Objects:\s*\d+", _M)
_S3_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+(?:\.\d+)?\s*(?:[KMGT]i?B|Bytes)?\s+\S", _M
)
_S3_ERROR = re.compile(r"An error occurred \(\w+\) when calling the ListObjects(?:V2)? operation", _M)
_CURL_TELNET = re.compile(
    r"^\*\s+(?:Trying \S+|Connected to \S+|connect to \S+ port \d+ failed|Failed to connect to|Could not resolve host)"
    r"|\* Could not resolve host: |^curl: \((?:6|7|28)\) ",
    _M,
)
_HTTP_REQUEST = re.compile(r"^> [A-Z]+ \S+ HTTP/", _M)
_CURL_TARGET_DB = re.compile(r"telnet://|port (?:5432|6379|3306)|:5432|:6379")

_MANIFEST = re.compile(r'"collector_version"\s*:|"commands"\s*:\s*\[.*"exit_code"', re.DOTALL)


def _health_kind(head: str) -> str | None:
    if not _HEALTH.search(head) or '"status_code"' not in head and '"data"' not in head:
        return None
    if _HEALTH_WARNING_KEYS.search(head):
        return "health_warning"
    if _HEALTH_INSTANCE_KEYS.search(head):
        return "health_instance"
    if _HEALTH_E2E_KEYS.search(head):
        return "health_endtoend"
    return "health"  # only auth/database: the path decides which endpoint


def _parser_sniff(text: str) -> tuple[str, str] | None:
    """The PostgreSQL readers' own checks, for what the quick patterns above leave out
    (a single setting in an include fragment, psql's expanded or CSV SHOW ALL output)."""
    from analyzer.artifacts import pg_conf, pg_settings

    if pg_settings.sniff(text):
        return "pg_settings", "psql output with name and setting columns: SHOW ALL / pg_settings"
    if pg_conf.sniff(text) or _single_pg_setting(text):
        return "pg_conf", "PostgreSQL settings in postgresql.conf syntax"
    return None


def _single_pg_setting(text: str) -> bool:
    """One `name = value` line of a parameter PostgreSQL knows, nothing else but comments."""
    from analyzer.artifacts.pg_units import PARAMS

    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) != 1:
        return False
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*|\s+)\S", lines[0])
    return bool(m and m.group(1).lower() in PARAMS)


def sniff(head: str) -> tuple[str, str] | None:
    """(kind, reason) for a member's first KiB, or None."""
    text = _ESC.sub("", head)
    stripped = text.lstrip()
    if _PEM_CERT.search(text):
        return "tls_cert", "contains a PEM certificate"
    if _PEM_KEY.search(text):
        return "tls_key", "contains a PEM private key"
    hk = _health_kind(text)
    if hk:
        return hk, "JSON body with data.services, the shape of a Quay health endpoint response"
    if stripped.startswith(("{", "[")) and _MANIFEST.search(text) and '"collector_version"' in text:
        return "manifest", "JSON with collector_version and commands: an analyze collect manifest"
    if _PG_JSON.search(text):
        return "pg_log", "JSON lines with timestamp and error_severity: PostgreSQL jsonlog"
    if _CLAIR_JSON.search(text) or _CLAIR_SLOG.search(text) or _CLAIR_CONSOLE.search(text):
        return "clair_log", "structured lines with level and component: Clair log"
    if stripped.startswith(("{", "[")):
        if _POD_STATS_JSON.search(text):
            return "pod_stats", "JSON with Pod and CID keys: podman pod stats --format json"
        if _STATS_JSON.search(text):
            return (
                "podman_stats",
                "JSON with cpu_percent and mem_usage: podman/docker stats --format json",
            )
        if _INSPECT_JSON.search(text):
            return "container_inspect", "JSON with State/HostConfig: podman inspect output"
        if _PS_JSON.search(text) or _PS_JSON_ALT.search(text):
            return "container_list", "JSON with Names, Image and State: podman ps --format json"
    if _QUAY_PY.search(text) or _SUPERVISOR_PREFIX.search(text):
        return (
            "quay_log",
            "lines in Quay's log format (<program> stdout | YYYY-MM-DD HH:MM:SS,mmm [pid] [LEVEL] [logger])",
        )
    if _SUPERVISORD.search(text) or _QUAY_INIT.search(text) or _QUAY_JSONLOG.search(text):
        return "quay_log", "Quay container start-up or supervisord lines"
    if _PG_CSV.search(text):
        return "pg_log", "CSV lines starting with a timestamp and pid: PostgreSQL csvlog"
    if _PG_TEXT.search(text):
        return (
            "pg_log",
            "lines with a timestamp prefix and 'SEVERITY:  message': PostgreSQL server log",
        )
    if _REDIS.search(text) or _REDIS_OLD.search(text) or _REDIS_BANNER.search(text):
        return "redis_log", "lines in Redis server log format (pid:role date level message)"
    if _POD_STATS_HEADER.search(text):
        return "pod_stats", "table header POD CID NAME CPU % MEM USAGE/ LIMIT: podman pod stats"
    if _STATS_HEADER.search(text) or _STATS_HEADER_ALT.search(text):
        return "podman_stats", "table header NAME CPU % MEM USAGE / LIMIT: podman/docker stats"
    if _TOP_PODS.search(text):
        return "top_pods", "table header NAME CPU(cores) MEMORY(bytes): oc adm top pods"
    if _DF.search(text):
        return "df", "table header Filesystem Size Used Avail Use% Mounted on: df output"
    if _PS_HEADER.search(text):
        return "container_list", "table header CONTAINER ID IMAGE COMMAND CREATED STATUS: podman ps"
    if _QUAYREGISTRY.search(text):
        return "quayregistry_cr", "YAML/JSON with kind: QuayRegistry"
    if _K8S_API.search(text) and _K8S_KIND.search(text):
        return "k8s_resource", "YAML/JSON with apiVersion and kind: a Kubernetes resource"
    quay_keys = set(_QUAY_KEY_RE.findall(text))
    if len(quay_keys) >= 2:
        return "quay_config", f"YAML with Quay config keys ({', '.join(sorted(quay_keys)[:3])}…)"
    clair_keys = set(_CLAIR_KEY_RE.findall(text))
    if len(clair_keys) >= 2 and (
        _CLAIR_SECTION_RE.search(text) or "http_listen_addr" in clair_keys
    ):
        return (
            "clair_config",
            f"YAML with Clair config sections ({', '.join(sorted(clair_keys)[:3])}…)",
        )
    if _PG_SETTINGS.search(text):
        return "pg_settings", "psql table with name | setting columns: SHOW ALL / pg_settings"
    pg_params = {m.lower() for m in _PG_CONF_LINE.findall(text)}
    if len(pg_params) >= 2 or (_PG_CONF_BANNER.search(text) and pg_params):
        return "pg_conf", f"PostgreSQL settings ({', '.join(sorted(pg_params)[:3])}…)"
    if _S3_SUMMARY.search(text) or len(_S3_LINE.findall(text)) >= 3 or _S3_ERROR.search(text):
        return "storage_listing", "aws s3 ls listing with Total Objects / Total Size"
    if _CURL_TELNET.search(text) and (_CURL_TARGET_DB.search(text) or not _HTTP_REQUEST.search(text)):
        return "connectivity", "curl -v connection test output"
    more = _parser_sniff(text)
    if more:
        return more
    if len(quay_keys) == 1:
        return "quay_config", f"YAML with a Quay config key ({next(iter(quay_keys))})"
    if len(pg_params) == 1 and "=" in text:
        return "pg_conf", f"a PostgreSQL setting ({next(iter(pg_params))})"
    return None


# ---------------------------------------------------------------------------------------------
# Layouts and paths.

_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_COMPONENT_LOG = {
    "quay": "quay_log",
    "mirror": "quay_log",
    "postgres": "pg_log",
    "redis": "redis_log",
    "clair": "clair_log",
}


def _container_log_kind(container: str) -> str | None:
    """The log kind a container name suggests (operator and standalone naming)."""
    name = container.lower()
    if "postgres" in name or "database" in name or name.endswith("-db") or name.startswith(("pg-", "pgsql")):
        return "pg_log"
    if "redis" in name:
        return "redis_log"
    if "clair" in name:
        return "clair_log"
    if "quay" in name or "mirror" in name:
        return "quay_log"
    return None


LayoutRule = tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, str] | None]]

_LAYOUT: list[LayoutRule] = [
    # must-gather / oc adm inspect
    (
        re.compile(
            r"(?:^|/)namespaces/([^/]+)/pods/([^/]+)/([^/]+)/\3/logs/(current|previous)(?:\.insecure)?\.log$"
        ),
        lambda m: (
            (
                k,
                f"must-gather layout: {m.group(4)} log of container {m.group(3)} in pod {m.group(2)}",
            )
            if (k := _container_log_kind(m.group(3)) or _container_log_kind(m.group(2)))
            else None
        ),
    ),
    (
        re.compile(r"(?:^|/)namespaces/([^/]+)/pods/([^/]+)/\2\.ya?ml$"),
        lambda m: ("k8s_resource", f"must-gather layout: pod {m.group(2)} definition"),
    ),
    (
        re.compile(r"(?:^|/)namespaces/([^/]+)/quay\.redhat\.com/quayregistries/[^/]+\.ya?ml$"),
        lambda m: ("quayregistry_cr", "must-gather layout: QuayRegistry resource"),
    ),
    (
        re.compile(r"(?:^|/)namespaces/([^/]+)/(?:core|apps|batch)/([a-z]+)\.ya?ml$"),
        lambda m: ("k8s_resource", f"must-gather layout: {m.group(2)} of namespace {m.group(1)}"),
    ),
    # analyze collect: <component>/<name>/logs/...
    (
        re.compile(r"(?:^|/)(quay|mirror|postgres|redis|clair)/([^/]+)/logs/([^/]+)$"),
        lambda m: (
            _COMPONENT_LOG[m.group(1)],
            f"collection layout: {m.group(1)} container {m.group(2)} log",
        ),
    ),
    (
        re.compile(r"(?:^|/)(quay|mirror|postgres|redis|clair)/([^/]+)/inspect\.json$"),
        lambda m: ("container_inspect", f"collection layout: inspect of {m.group(1)} container {m.group(2)}"),
    ),
    (
        re.compile(r"(?:^|/)quay/health/(instance|endtoend|warning)\.json$"),
        lambda m: (f"health_{m.group(1)}", f"collection layout: /health/{m.group(1)} response"),
    ),
    (
        re.compile(r"(?:^|/)quay/([^/]+)/config\.yaml$"),
        lambda m: ("quay_config", f"collection layout: Quay container {m.group(1)} config.yaml"),
    ),
    (
        re.compile(r"(?:^|/)clair/([^/]+)/config\.yaml$"),
        lambda m: ("clair_config", f"collection layout: Clair container {m.group(1)} config.yaml"),
    ),
    (
        re.compile(r"(?:^|/)postgres/([^/]+)/postgresql(?:\.auto)?\.conf$"),
        lambda m: ("pg_conf", f"collection layout: PostgreSQL container {m.group(1)} settings"),
    ),
    (
        re.compile(r"(?:^|/)postgres/([^/]+)/df\.txt$"),
        lambda m: ("df", f"collection layout: df -ah in PostgreSQL container {m.group(1)}"),
    ),
    (
        re.compile(r"(?:^|/)postgres/([^/]+)/settings\.txt$"),
        lambda m: (
            "pg_settings",
            f"collection layout: SHOW ALL of PostgreSQL container {m.group(1)}",
        ),
    ),
    (
        re.compile(r"(?:^|/)runtime/ps\.json$"),
        lambda m: ("container_list", "collection layout: podman ps -a"),
    ),
    (
        re.compile(r"(?:^|/)runtime/stats\.json$"),
        lambda m: ("podman_stats", "collection layout: podman stats"),
    ),
    (
        re.compile(r"(?:^|/)runtime/pod-stats\.json$"),
        lambda m: ("pod_stats", "collection layout: podman pod stats"),
    ),
    (
        re.compile(r"(?:^|/)runtime/top-pods\.txt$"),
        lambda m: ("top_pods", "collection layout: oc adm top pods"),
    ),
    (
        re.compile(r"(?:^|/)runtime/quayregistry\.yaml$"),
        lambda m: ("quayregistry_cr", "collection layout: QuayRegistry resource"),
    ),
    (
        re.compile(r"(?:^|/)runtime/(pods|events)\.yaml$"),
        lambda m: ("k8s_resource", f"collection layout: {m.group(1)} of the namespace"),
    ),
    # sosreport command outputs
    (
        re.compile(r"(?:^|/)sos_commands/podman/podman_stats[^/]*$"),
        lambda m: ("podman_stats", "sosreport: podman stats output"),
    ),
    (
        re.compile(r"(?:^|/)sos_commands/podman/podman_pod_stats[^/]*$"),
        lambda m: ("pod_stats", "sosreport: podman pod stats output"),
    ),
    (
        re.compile(r"(?:^|/)sos_commands/podman/podman_ps[^/]*$"),
        lambda m: ("container_list", "sosreport: podman ps output"),
    ),
    (
        re.compile(r"(?:^|/)sos_commands/podman/containers/podman_inspect_[^/]+$"),
        lambda m: ("container_inspect", "sosreport: podman inspect of a container"),
    ),
    (
        re.compile(r"(?:^|/)sos_commands/filesys/df_[^/]*$"),
        lambda m: ("df", "sosreport: df output"),
    ),
]

# Path hints: (pattern, kind, reason). Content confirms or overrides them.
_PATHS: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"(?:^|/)conf/stack/config\.ya?ml$"),
        "quay_config",
        "path /conf/stack/config.yaml (Quay config bundle)",
    ),
    (re.compile(r"(?:^|/)(?:quay-)?config\.ya?ml$"), "quay_config", "file name config.yaml"),
    (
        re.compile(r"(?:^|/)clair[^/]*\.ya?ml$|(?:^|/)clair[^/]*/config\.ya?ml$"),
        "clair_config",
        "Clair config file name",
    ),
    (re.compile(r"(?:^|/)postgresql(?:\.auto)?\.conf$"), "pg_conf", "file name postgresql.conf"),
    (
        re.compile(r"(?:^|/)postgresql-(?:" + _DAYS + r")\.(?:log|csv|json)$"),
        "pg_log",
        "PostgreSQL log file name (postgresql-<weekday>)",
    ),
    (
        re.compile(r"(?:^|/)(?:userdata/)?(?:log|pg_log|postgresql/logs)/[^/]+\.(?:log|csv|json)$"),
        "pg_log",
        "PostgreSQL log directory",
    ),
    (
        re.compile(r"(?:^|/)(?:[^/]*health[^/]*instance[^/]*|instance\.(?:json|txt|out))$"),
        "health_instance",
        "file name of a /health/instance response",
    ),
    (
        re.compile(r"(?:^|/)[^/]*health[^/]*(?:endtoend|end-to-end|e2e)[^/]*$|(?:^|/)(?:endtoend|e2e)\.(?:json|txt|out)$"),
        "health_endtoend",
        "file name of a /health/endtoend response",
    ),
    (
        re.compile(r"(?:^|/)[^/]*instance[^/]*$"),
        "health_instance",
        "file name mentions instance",
    ),
    (
        re.compile(r"(?:^|/)[^/]*(?:endtoend|end-to-end|e2e)[^/]*$"),
        "health_endtoend",
        "file name mentions endtoend",
    ),
    (
        re.compile(r"(?:^|/)[^/]*health[^/]*warning[^/]*$|(?:^|/)warning\.json$"),
        "health_warning",
        "file name of a /health/warning response",
    ),
    (
        re.compile(r"(?:^|/)ssl\.(?:cert|crt)$|(?:^|/)extra_ca_certs/|\.(?:crt|cert|pem)$"),
        "tls_cert",
        "certificate file name",
    ),
    (re.compile(r"(?:^|/)ssl\.key$|\.key$"), "tls_key", "private key file name"),
    (re.compile(r"(?:^|/)manifest\.json$"), "manifest", "file name manifest.json"),
    (re.compile(r"(?:^|/)[^/]*stats[^/]*$"), "podman_stats", "file name mentions stats"),
    (re.compile(r"(?:^|/)[^/]*quay[^/]*\.log$"), "quay_log", "file name mentions quay and log"),
]

_HEALTH_KINDS = ("health_instance", "health_endtoend", "health_warning")


def _path_hint(path: str) -> tuple[str, str] | None:
    inner = path.rsplit("!", 1)[-1]
    for pattern, kind, reason in _PATHS:
        if pattern.search(inner):
            return kind, reason
    return None


def _layout(path: str) -> tuple[str, str] | None:
    inner = path.rsplit("!", 1)[-1]
    for pattern, decide in _LAYOUT:
        m = pattern.search(inner)
        if m:
            return decide(m)
    return None


_LOG_KINDS = {"quay_log", "pg_log", "clair_log", "redis_log"}


def classify(path: str, head: bytes) -> Classification:
    """Classify one member from its bundle path and its first bytes."""
    if b"\x00" in head[:SNIFF_BYTES] and not head.startswith(b"\xef\xbb\xbf"):
        # UTF-16 text would also carry NULs; customers' tools rarely write it, binary is likelier
        lay = _layout(path)
        return Classification(
            "unrecognized", "none", "binary content (NUL bytes)" + (f"; {lay[1]}" if lay else "")
        )
    text = head[:SNIFF_BYTES].decode("utf-8", errors="replace")
    content = sniff(text) if text.strip() else None
    lay = _layout(path)
    if lay is not None:
        kind, reason = lay
        # a layout names the container; content may still disagree (e.g. inspect.json holding
        # pod YAML on OpenShift): content wins between comparable kinds
        if content and content[0] != kind:
            comparable = kind in _LOG_KINDS and content[0] in _LOG_KINDS
            if comparable or content[0] in ("k8s_resource", "container_inspect", "quayregistry_cr"):
                return Classification(content[0], "content", f"{content[1]} ({reason})")
        return Classification(kind, "layout", reason)
    hint = _path_hint(path)
    if content:
        kind, reason = content
        if kind == "health":
            if hint and hint[0] in _HEALTH_KINDS:
                return Classification(hint[0], "path", f"{hint[1]}; {reason}")
            return Classification(
                "health_instance", "content", reason + " (services fit /health/instance)"
            )
        if hint and hint[0] == kind:
            return Classification(kind, "path", f"{hint[1]}; {reason}")
        return Classification(kind, "content", reason)
    if hint:
        kind, reason = hint
        if not text.strip():
            return Classification(kind, "path", f"{reason} (empty)")
        strong_health = kind in _HEALTH_KINDS and "response" in reason
        if strong_health:
            # a health response saved under its own name but holding no JSON (a redirect page,
            # curl's HTTP 000, an error page): read it as that response, so the report says why
            return Classification(kind, "path", f"{reason}; the content is not a health JSON body")
        if (
            kind in ("tls_cert", "tls_key", "podman_stats", "quay_log", "manifest")
            or kind in _HEALTH_KINDS
        ):
            # weak hints: a name alone is not enough for these
            return Classification(
                "unrecognized", "none", f"{reason}, but the content does not match"
            )
        return Classification(kind, "path", reason)
    if not text.strip():
        return Classification("unrecognized", "none", "empty file")
    ext = posixpath.splitext(path)[1].lower()
    what = f"{ext} file" if ext else "file"
    return Classification("unrecognized", "none", f"{what} whose content matches no known artifact")
