"""The `clair_config` kind: Clair v4's `config.yaml`, as loaded, with the checks Clair itself makes.

`data` is the mapping exactly as loaded (rules read `indexer.connstring`, `auth.psk.iss`...).
`problems` carries what Clair would refuse or warn about (quay-facts §5.1/§5.2): unknown keys
(fatal since Clair 4.7, which decodes with DisallowUnknownFields), a bad `log_level`, listen
addresses that are not host:port, unparsable durations, a PSK that is not base64, connection
strings Clair's linter flags, and the addresses a split (matcher/notifier) deployment needs.
`meta` carries derived facts: `psk_present`, `mode` when the file names it, durations in seconds.
Problem messages name keys, never values: this file holds database passwords and the PSK.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import yaml

from analyzer.artifacts.base import Parsed, TextSource, TooLarge
from analyzer.artifacts.quantities import QuantityError, parse_go_duration
from analyzer.artifacts.safeload import LoadError, load_yaml
from analyzer.model import Problem

# Keys Clair's config structs accept (clair config/*.go, v4.5 through HEAD; `database` is the
# newer replacement for `connstring`). Maps whose keys are free-form are marked None.
_SCHEMA: dict[str, Any] = {
    "http_listen_addr": None,
    "introspection_addr": None,
    "log_level": None,
    "tls": {"root_ca": None, "cert": None, "key": None},
    "indexer": {
        "connstring": None,
        "database": None,
        "scanlock_retry": None,
        "layer_scan_concurrency": None,
        "index_report_request_concurrency": None,
        "migrations": None,
        "airgap": None,
        "scanner": {"package": None, "dist": None, "repo": None},
    },
    "matcher": {
        "connstring": None,
        "database": None,
        "indexer_addr": None,
        "period": None,
        "update_retention": None,
        "max_conn_pool": None,
        "cache_age": None,
        "migrations": None,
        "disable_updaters": None,
    },
    "matchers": {"config": None, "names": None},
    "updaters": {"filter": None, "config": None, "sets": None},
    "notifier": {
        "connstring": None,
        "database": None,
        "indexer_addr": None,
        "matcher_addr": None,
        "poll_interval": None,
        "delivery_interval": None,
        "disable_summary": None,
        "migrations": None,
        "webhook": {"target": None, "callback": None, "headers": None, "signed": None},
        "amqp": None,
        "stomp": None,
    },
    "auth": {"psk": {"key": None, "iss": None}, "keyserver": {"api": None, "intraservice": None}},
    "trace": {"name": None, "probability": None, "jaeger": None, "otlp": None, "sentry": None},
    "metrics": {"name": None, "prometheus": {"endpoint": None}, "otlp": None},
}

LOG_LEVELS = ("debug-color", "debug", "info", "warn", "error", "fatal", "panic")
MODES = ("combo", "indexer", "matcher", "notifier")
_DURATIONS = (
    "matcher.period",
    "matcher.cache_age",
    "notifier.poll_interval",
    "notifier.delivery_interval",
)
_INTS = (
    "indexer.scanlock_retry",
    "indexer.layer_scan_concurrency",
    "indexer.index_report_request_concurrency",
    "matcher.update_retention",
    "matcher.max_conn_pool",
)
_BOOLS = (
    "indexer.migrations",
    "indexer.airgap",
    "matcher.migrations",
    "matcher.disable_updaters",
    "notifier.migrations",
    "notifier.disable_summary",
)

_MODE_HINT = re.compile(
    r"(?:CLAIR_MODE\s*[=:]\s*|-mode[= ]\s*)[\"']?(combo|indexer|matcher|notifier)\b", re.I
)


def go_duration(value: Any) -> float | None:
    """Seconds from a Go duration string ("6h", "1m30s", "500ms"); None when Go would refuse it."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_go_duration(value)
    except QuantityError:
        return None


def _host_port(value: str) -> bool:
    """What Go's net.SplitHostPort accepts: "host:port", ":port", "[v6]:port"."""
    if value.startswith("["):
        return bool(re.fullmatch(r"\[[^\]]*\]:[^:]*", value))
    return value.count(":") == 1


def _get(data: dict[str, Any], dotted: str) -> tuple[bool, Any]:
    cur: Any = data
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False, None
        cur = cur[part]
    return True, cur


def _unknown(
    node: Any, schema: dict[str, Any], prefix: str, locs: dict[str, int], problems: list[Problem]
) -> None:
    """Report keys Clair's decoder does not know, descending into known sections."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key not in schema:
            problems.append(
                Problem(
                    f"unknown key {path!r}: Clair 4.7 and later refuse to start "
                    f'(unknown field "{key}"), older releases ignore it',
                    line=locs.get(path),
                    key=path,
                    code="unknown-key",
                )
            )
        elif isinstance(schema[key], dict):
            _unknown(value, schema[key], path, locs, problems)


def _jsonable(v: Any) -> Any:
    """YAML scalars Clair would read as text (timestamps) made JSON-like."""
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, bytes):
        return base64.b64encode(v).decode("ascii")
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def parse(src: TextSource) -> Parsed:
    """Parse Clair's config.yaml and report what Clair would reject or lint."""
    out = Parsed(kind="clair_config", path=src.path, problems=list(src.notes))
    try:
        text = src.read_text()
        doc = load_yaml(text)
    except TooLarge as exc:
        out.status = "invalid"
        out.problems.append(Problem(str(exc)))
        return out
    except LoadError as exc:
        out.status = "invalid"
        out.problems.append(Problem(exc.message, line=exc.line, code="syntax"))
        return out
    except yaml.YAMLError as exc:
        # safeload builds its loader outside its own error handling, so a reader error
        # (a control character in the text) arrives here unconverted
        out.status = "invalid"
        out.problems.append(Problem(f"YAML syntax error: {' '.join(str(exc).split())}",
                                    code="syntax"))
        return out
    if doc.data is None:
        out.status = "invalid"
        out.problems.append(Problem("the file is empty", code="required"))
        return out
    if not isinstance(doc.data, dict):
        out.status = "invalid"
        out.problems.append(Problem("the top level is not a mapping", line=1, code="type"))
        return out
    data: dict[str, Any] = _jsonable(doc.data)
    out.data = data
    out.locations = dict(doc.locations)
    out.problems.extend(doc.problems)
    locs, problems = out.locations, out.problems

    def report(key: str, message: str, code: str) -> None:
        problems.append(Problem(message, line=locs.get(key), key=key, code=code))

    _unknown(data, _SCHEMA, "", locs, problems)
    for section in (
        "indexer",
        "matcher",
        "matchers",
        "updaters",
        "notifier",
        "auth",
        "trace",
        "metrics",
        "tls",
    ):
        if section in data and data[section] is not None and not isinstance(data[section], dict):
            report(section, f"{section} must be a mapping", "type")

    for key in ("http_listen_addr", "introspection_addr"):
        present, value = _get(data, key)
        if not present or value in (None, ""):
            continue
        if not isinstance(value, str) or not _host_port(value):
            report(key, f'{key} must be host:port (e.g. ":8080"), got {value!r}', "type")

    present, level = _get(data, "log_level")
    if present and (not isinstance(level, str) or level.lower() not in LOG_LEVELS):
        report("log_level", f"log_level {level!r} is not one of {', '.join(LOG_LEVELS)}", "enum")

    seconds: dict[str, float] = {}
    for key in _DURATIONS:
        present, value = _get(data, key)
        if not present or value is None:
            continue
        secs = go_duration(value)
        if secs is None:
            report(key, f'{key} {value!r} is not a Go duration such as "6h" or "5m"', "type")
        else:
            seconds[key] = secs
    for key in _INTS:
        present, value = _get(data, key)
        if (
            present
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, int))
        ):
            report(key, f"{key} must be an integer", "type")
    for key in _BOOLS:
        present, value = _get(data, key)
        if present and value is not None and not isinstance(value, bool):
            report(key, f"{key} must be true or false", "type")

    for section in ("indexer", "matcher", "notifier"):
        present, dsn = _get(data, f"{section}.connstring")
        if present and isinstance(dsn, str) and dsn:
            key = f"{section}.connstring"
            if "://" in dsn and not dsn.startswith("postgresql://"):
                report(
                    key,
                    f"{key} looks like a URL but its scheme is not postgresql:// "
                    "(Clair's linter flags it)",
                    "lint",
                )
            elif "://" not in dsn and "=" not in dsn:
                report(key, f"{key} is neither a URL nor key=value pairs", "lint")

    psk_present = False
    present, psk = _get(data, "auth.psk")
    if present and isinstance(psk, dict):
        key = psk.get("key")
        psk_present = isinstance(key, str) and bool(key.strip())
        if not psk_present:
            report("auth.psk.key", "auth.psk.key is empty", "required")
        elif key.startswith("<secret:"):
            pass  # a redaction token: the real value's shape is unknown here
        else:
            try:
                base64.b64decode(key.strip(), validate=True)
            except (binascii.Error, ValueError):
                report(
                    "auth.psk.key",
                    "auth.psk.key is not valid base64 (Clair cannot decode it)",
                    "type",
                )
        iss = psk.get("iss")
        if iss is not None and not isinstance(iss, list):
            report("auth.psk.iss", "auth.psk.iss must be a list", "type")
        elif isinstance(iss, list) and iss and "quay" not in iss:
            report(
                "auth.psk.iss",
                'auth.psk.iss does not contain "quay": Quay\'s requests will be refused',
                "value",
            )

    # Clair's own linter warnings (config/*.go lint()), worded as Clair words them
    if seconds.get("matcher.period", 6 * 3600) < 6 * 3600:
        report(
            "matcher.period",
            "matcher.period: updater period is very aggressive: most sources are updated daily",
            "lint",
        )
    present, retention = _get(data, "matcher.update_retention")
    if isinstance(retention, int) and not isinstance(retention, bool) and retention < 0:
        report(
            "matcher.update_retention",
            "matcher.update_retention: update garbage collection is off",
            "lint",
        )
    if _get(data, "matcher.max_conn_pool")[1]:
        report(
            "matcher.max_conn_pool",
            "matcher.max_conn_pool is deprecated: this parameter "
            "will be ignored in a future release (set pool_max_conns in the connstring)",
            "lint",
        )

    present, trace = _get(data, "trace.name")
    if trace == "jaeger":
        report("trace.name", 'trace provider "jaeger" is deprecated; migrate to "otlp"', "lint")
    elif present and trace not in (None, "", "otlp", "sentry"):
        report("trace.name", f"unrecognized trace provider {trace!r}", "enum")
    present, metrics = _get(data, "metrics.name")
    if present and metrics not in (None, "", "prometheus", "otlp"):
        report("metrics.name", f"unrecognized metrics provider {metrics!r}", "enum")

    mode_hint = _MODE_HINT.search(text)
    mode = mode_hint[1].lower() if mode_hint else None
    if mode == "matcher" and not _get(data, "matcher.indexer_addr")[1]:
        report(
            "matcher",
            "matcher mode requires a remote Indexer address (matcher.indexer_addr)",
            "required",
        )
    if mode == "notifier":
        for need in ("indexer_addr", "matcher_addr"):
            if not _get(data, f"notifier.{need}")[1]:
                report("notifier", f"notifier mode requires notifier.{need}", "required")

    out.meta["psk_present"] = psk_present
    out.meta["mode"] = mode
    out.meta["durations_s"] = seconds
    lvl = data.get("log_level")
    out.meta["log_level"] = lvl.lower() if isinstance(lvl, str) else None
    return out


def sniff(head: str) -> bool:
    """True when the head looks like a Clair v4 config (Clair-only keys at the top level)."""
    keys = set(re.findall(r"^([a-z_]+)\s*:", head, re.M))
    clair_only = {
        "http_listen_addr",
        "introspection_addr",
        "indexer",
        "matcher",
        "notifier",
        "updaters",
        "matchers",
    }
    return len(keys & clair_only) >= 2
