"""The Kubernetes kinds: the QuayRegistry custom resource and generic resources (pods, workloads, events).

Inputs are what `oc get ... -o yaml|json` prints (one object, a `List`/`PodList` with `items`, or a
multi-document stream) and what `oc adm inspect`/must-gather writes (`core/pods.yaml`,
`pods/<pod>/<pod>.yaml`, `quay.redhat.com/quayregistries/<name>.yaml`). This module reduces them to
what rules ask about: operator components and env overrides (DEBUGLOG), registry conditions and
version; per container restarts, waiting reasons (CrashLoopBackOff), the last termination
(OOMKilled), resource limits in bytes and millicores, env; and events.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime
from typing import Any

import yaml

from analyzer.artifacts.base import Parsed, TextSource, TooLarge
from analyzer.artifacts.quantities import QuantityError, iso_utc, k8s_bytes, k8s_millicores
from analyzer.artifacts.safeload import LoadError, load_json, load_yaml_all
from analyzer.model import Problem

# Kinds whose pod template sits at spec.template (or spec.jobTemplate.spec.template for CronJob).
_WORKLOADS = {
    "Deployment",
    "DeploymentConfig",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "ReplicationController",
}


# --- quantities -------------------------------------------------------------------------------
def _qty(reader: Any, value: Any) -> Any:
    """A quantity through a quantities reader; None when absent or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return reader(str(value))
    except QuantityError:
        return None


def _resources(raw: Any) -> dict[str, Any]:
    """requests/limits map -> cpu_millicores, memory_bytes and their raw text."""
    raw = raw if isinstance(raw, dict) else {}
    cpu, mem = raw.get("cpu"), raw.get("memory")
    millicores = _qty(k8s_millicores, cpu)
    if isinstance(millicores, float) and millicores.is_integer():
        millicores = int(millicores)
    return {
        "cpu_millicores": millicores,
        "memory_bytes": _qty(k8s_bytes, mem),
        "cpu_raw": None if cpu is None else str(cpu),
        "memory_raw": None if mem is None else str(mem),
    }


# --- helpers ----------------------------------------------------------------------------------
def _jsonable(v: Any) -> Any:
    """YAML-loaded values made JSON-like (timestamps to ISO text, binary to base64)."""
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, datetime | date):
        return _iso(v)
    if isinstance(v, bytes):
        return base64.b64encode(v).decode("ascii")
    if isinstance(v, float) and v != v:  # NaN is not JSON
        return None
    return v


def _iso(v: Any) -> str | None:
    """A Kubernetes timestamp (text or YAML-constructed) as ISO 8601 UTC, else None."""
    if isinstance(v, datetime):
        v = (v if v.tzinfo else v.replace(tzinfo=UTC)).isoformat()
    elif isinstance(v, date):
        v = v.isoformat() + "T00:00:00+00:00"
    if not isinstance(v, str):
        return None
    try:
        return iso_utc(v)
    except QuantityError:
        return None


def _str(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(_jsonable(v))


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"-?\d+", v.strip()):
        return int(v)
    return None


def _one_line(exc: Exception) -> str:
    return re.sub(r"\s+", " ", str(exc)).strip()


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _l(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


class _Obj:
    """One Kubernetes object and where its keys are in the file."""

    def __init__(self, body: dict[str, Any], prefix: str, locations: dict[str, int]) -> None:
        self.body = body
        self.prefix = prefix
        self._locs = locations

    @property
    def kind(self) -> str | None:
        return _str(self.body.get("kind"))

    def line(self, rel: str = "") -> int | None:
        """Line of a key path inside this object (the object's first key when rel is empty)."""
        if rel:
            path = f"{self.prefix}.{rel}" if self.prefix else rel
            return self._locs.get(path)
        if self.prefix:
            return self._locs.get(self.prefix)
        lines = [self._locs[k] for k in self.body if isinstance(k, str) and k in self._locs]
        return min(lines) if lines else None


def _load(src: TextSource, kind: str) -> tuple[list[_Obj], Parsed]:
    """Read YAML or JSON and flatten Lists: every object with its location prefix."""
    out = Parsed(kind=kind, path=src.path, problems=list(src.notes))
    try:
        text = src.read_text()
    except TooLarge as exc:
        out.status = "invalid"
        out.problems.append(Problem(str(exc)))
        return [], out
    docs: list[tuple[Any, dict[str, int]]] = []
    try:
        if text.lstrip().startswith(("{", "[")):
            docs.append((load_json(text), {}))
        else:
            for doc in load_yaml_all(text):
                out.problems.extend(doc.problems)
                docs.append((doc.data, doc.locations))
    except LoadError as exc:
        out.status = "invalid"
        out.problems.append(Problem(exc.message, line=exc.line, code="syntax"))
        return [], out
    except yaml.YAMLError as exc:
        # safeload builds its loader outside its own error handling, so a reader error
        # (a control character in the text) arrives here unconverted
        out.status = "invalid"
        out.problems.append(Problem(f"YAML syntax error: {_one_line(exc)}", code="syntax"))
        return [], out
    objs: list[_Obj] = []
    for data, locs in docs:
        if data is None:
            continue
        if isinstance(data, list):  # a bare JSON array of objects
            objs.extend(_Obj(x, str(i), locs) for i, x in enumerate(data) if isinstance(x, dict))
        elif isinstance(data, dict) and isinstance(data.get("items"), list):
            objs.extend(
                _Obj(x, f"items.{i}", locs)
                for i, x in enumerate(data["items"])
                if isinstance(x, dict)
            )
        elif isinstance(data, dict):
            objs.append(_Obj(data, "", locs))
    if not objs:
        out.status = "invalid"
        out.problems.append(
            Problem("no Kubernetes object found (expected a mapping with kind)", code="type")
        )
    return objs, out


# --- QuayRegistry -----------------------------------------------------------------------------
def parse_quayregistry_cr(src: TextSource) -> Parsed:
    """Parse a QuayRegistry custom resource (single object or list)."""
    objs, out = _load(src, "quayregistry_cr")
    if out.status == "invalid":
        return out
    regs = [o for o in objs if o.kind == "QuayRegistry"]
    if not regs:
        kinds = sorted({o.kind or "?" for o in objs})
        out.status = "invalid"
        out.problems.append(
            Problem(f"no QuayRegistry object found (kinds: {', '.join(kinds)})", code="type")
        )
        return out
    if len(regs) > 1:
        names = [_str(_d(o.body.get("metadata")).get("name")) for o in regs]
        out.problems.append(
            Problem(
                f"{len(regs)} QuayRegistry objects found ({', '.join(n or '?' for n in names)}); "
                "only the first is used",
                line=regs[1].line(),
                code="multiple",
            )
        )
        out.meta["registries"] = names
    reg = regs[0]
    body = reg.body
    meta, spec, status = _d(body.get("metadata")), _d(body.get("spec")), _d(body.get("status"))
    locs = out.locations

    components: list[dict[str, Any]] = []
    env_overrides: dict[str, dict[str, str | None]] = {}
    for i, comp in enumerate(_l(spec.get("components"))):
        if not isinstance(comp, dict):
            out.problems.append(
                Problem(
                    f"spec.components[{i}] is not a mapping",
                    line=reg.line(f"spec.components.{i}"),
                    code="type",
                )
            )
            continue
        ckind = _str(comp.get("kind"))
        managed = comp.get("managed")
        if not isinstance(managed, bool):
            out.problems.append(
                Problem(
                    f"spec.components[{i}] ({ckind}) has no true/false `managed`",
                    line=reg.line(f"spec.components.{i}"),
                    key=f"components.{i}.managed",
                    code="required" if managed is None else "type",
                )
            )
            managed = None
        overrides = comp.get("overrides")
        components.append(
            {
                "kind": ckind,
                "managed": managed,
                "overrides": _jsonable(overrides) if isinstance(overrides, dict) else None,
            }
        )
        _put(locs, f"components.{len(components) - 1}", reg.line(f"spec.components.{i}"))
        env = _d(overrides).get("env")
        if ckind and isinstance(env, list):
            values = env_overrides.setdefault(ckind, {})
            for j, item in enumerate(env):
                if isinstance(item, dict) and item.get("name"):
                    name = str(item["name"])
                    # valueFrom (a Secret or ConfigMap) cannot be known from the CR
                    values[name] = _str(item.get("value")) if "value" in item else None
                    _put(
                        locs,
                        f"env_overrides.{ckind}.{name}",
                        reg.line(f"spec.components.{i}.overrides.env.{j}"),
                    )

    conditions: list[dict[str, Any]] = []
    for i, cond in enumerate(_l(status.get("conditions"))):
        if not isinstance(cond, dict):
            continue
        conditions.append(
            {
                "type": _str(cond.get("type")),
                "status": _str(cond.get("status")),
                "reason": _str(cond.get("reason")),
                "message": _str(cond.get("message")),
                "last_update": _iso(cond.get("lastUpdateTime"))
                or _iso(cond.get("lastTransitionTime")),
                "last_transition": _iso(cond.get("lastTransitionTime")),
            }
        )
        _put(locs, f"conditions.{len(conditions) - 1}", reg.line(f"status.conditions.{i}"))

    debug = _d(env_overrides.get("quay")).get("DEBUGLOG")
    out.data = {
        "name": _str(meta.get("name")),
        "namespace": _str(meta.get("namespace")),
        "components": components,
        "env_overrides": env_overrides,
        "conditions": conditions,
        "current_version": _str(status.get("currentVersion")),
        "config_bundle_secret": _str(spec.get("configBundleSecret")),
        "registry_endpoint": _str(status.get("registryEndpoint")),
        "last_updated": _str(status.get("lastUpdated")),
        "unmanaged": [c["kind"] for c in components if c["managed"] is False and c["kind"]],
        "debuglog": None if debug is None else debug.strip().lower() == "true",
    }
    for key, rel in (
        ("name", "metadata.name"),
        ("namespace", "metadata.namespace"),
        ("current_version", "status.currentVersion"),
        ("config_bundle_secret", "spec.configBundleSecret"),
        ("registry_endpoint", "status.registryEndpoint"),
        ("components", "spec.components"),
        ("conditions", "status.conditions"),
    ):
        _put(locs, key, reg.line(rel))
    if out.data["current_version"]:
        out.meta["quay_version"] = out.data["current_version"]
    out.meta["deployment"] = "operator"
    return out


def _put(locs: dict[str, int], key: str, line: int | None) -> None:
    if line is not None:
        locs[key] = line


# --- generic resources ------------------------------------------------------------------------
def _state(raw: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """containerStatus.state -> (state, reason, message, started_at)."""
    raw = _d(raw)
    for name in ("waiting", "running", "terminated"):
        if name in raw:
            s = _d(raw[name])
            return name, _str(s.get("reason")), _str(s.get("message")), _iso(s.get("startedAt"))
    return None, None, None, None


def _terminated(raw: Any) -> dict[str, Any] | None:
    t = _d(_d(raw).get("terminated"))
    if not t:
        return None
    return {
        "reason": _str(t.get("reason")),
        "exit_code": _int(t.get("exitCode")),
        "signal": _int(t.get("signal")),
        "started_at": _iso(t.get("startedAt")),
        "finished_at": _iso(t.get("finishedAt")),
        "message": _str(t.get("message")),
    }


def _env(raw: Any) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for item in _l(raw):
        if isinstance(item, dict) and item.get("name"):
            out[str(item["name"])] = _str(item.get("value")) if "value" in item else None
    return out


def _containers(
    obj: _Obj,
    pod_spec: dict[str, Any],
    spec_rel: str,
    status: dict[str, Any] | None,
    item_key: str,
    locs: dict[str, int],
) -> list[dict[str, Any]]:
    """Spec containers joined with their statuses (pods); spec only for workload templates."""
    out: list[dict[str, Any]] = []
    for group, status_key, init in (
        ("containers", "containerStatuses", False),
        ("initContainers", "initContainerStatuses", True),
    ):
        statuses = {
            str(s.get("name")): (j, s)
            for j, s in enumerate(_l(_d(status).get(status_key)))
            if isinstance(s, dict)
        }
        seen: set[str] = set()
        for i, c in enumerate(_l(pod_spec.get(group))):
            if not isinstance(c, dict):
                continue
            name = _str(c.get("name")) or ""
            seen.add(name)
            j, st = statuses.get(name, (None, None))
            out.append(_container(c, st, init))
            at = obj.line(f"status.{status_key}.{j}") if j is not None else None
            _put(
                locs,
                f"{item_key}.containers.{len(out) - 1}",
                at or obj.line(f"{spec_rel}.{group}.{i}"),
            )
            if j is not None:
                _put(
                    locs,
                    f"{item_key}.containers.{len(out) - 1}.last_terminated",
                    obj.line(f"status.{status_key}.{j}.lastState"),
                )
                _put(
                    locs,
                    f"{item_key}.containers.{len(out) - 1}.state",
                    obj.line(f"status.{status_key}.{j}.state"),
                )
        # statuses without a spec entry (a trimmed pod dump) still carry restarts and OOMs
        for name, (j, st) in statuses.items():
            if name not in seen:
                out.append(_container({"name": name}, st, init))
                _put(
                    locs,
                    f"{item_key}.containers.{len(out) - 1}",
                    obj.line(f"status.{status_key}.{j}"),
                )
    return out


def _container(spec: dict[str, Any], st: dict[str, Any] | None, init: bool) -> dict[str, Any]:
    res = _d(spec.get("resources"))
    state, reason, message, started = _state(_d(st).get("state")) if st else (None,) * 4
    return {
        "name": _str(spec.get("name")),
        "image": _str(spec.get("image")) or (_str(st.get("image")) if st else None),
        "init": init,
        "ready": st.get("ready") if st and isinstance(st.get("ready"), bool) else None,
        "restart_count": _int(st.get("restartCount")) if st else None,
        "state": state,
        "state_reason": reason,
        "state_message": message,
        "started_at": started,
        "last_terminated": _terminated(st.get("lastState")) if st else None,
        "limits": _resources(res.get("limits")),
        "requests": _resources(res.get("requests")),
        "env": _env(spec.get("env")),
    }


def _event(obj: _Obj) -> dict[str, Any]:
    """core/v1 and events.k8s.io/v1 Event -> one flat record."""
    b = obj.body
    meta = _d(b.get("metadata"))
    regarding = _d(b.get("involvedObject")) or _d(b.get("regarding"))
    series = _d(b.get("series"))
    count = _int(b.get("count")) or _int(b.get("deprecatedCount")) or _int(series.get("count"))
    last = (
        _iso(b.get("lastTimestamp"))
        or _iso(series.get("lastObservedTime"))
        or _iso(b.get("deprecatedLastTimestamp"))
        or _iso(b.get("eventTime"))
        or _iso(b.get("firstTimestamp"))
        or _iso(meta.get("creationTimestamp"))
    )
    okind, oname = _str(regarding.get("kind")), _str(regarding.get("name"))
    return {
        "type": _str(b.get("type")),
        "reason": _str(b.get("reason")),
        "message": _str(b.get("message")) or _str(b.get("note")),
        "object": f"{okind}/{oname}" if okind and oname else oname,
        "namespace": _str(regarding.get("namespace")) or _str(meta.get("namespace")),
        "count": count,
        "first_timestamp": _iso(b.get("firstTimestamp")) or _iso(b.get("eventTime")),
        "last_timestamp": last,
    }


def parse_k8s_resource(src: TextSource) -> Parsed:
    """Parse pods, workloads, events and other resources from oc/kubectl YAML or JSON."""
    objs, out = _load(src, "k8s_resource")
    if out.status == "invalid":
        return out
    items: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    locs = out.locations
    for obj in objs:
        b = obj.body
        kind = obj.kind
        if kind == "Event":
            events.append(_event(obj))
            _put(locs, f"events.{len(events) - 1}", obj.line())
            continue
        meta, spec, status = _d(b.get("metadata")), _d(b.get("spec")), _d(b.get("status"))
        key = f"items.{len(items)}"
        owners = [o for o in _l(meta.get("ownerReferences")) if isinstance(o, dict)]
        item: dict[str, Any] = {
            "kind": kind,
            "name": _str(meta.get("name")),
            "namespace": _str(meta.get("namespace")),
            "labels": {str(k): _str(v) for k, v in _d(meta.get("labels")).items()},
            "owner": f"{_str(owners[0].get('kind'))}/{_str(owners[0].get('name'))}"
            if owners
            else None,
            "phase": _str(status.get("phase")),
            "node": _str(spec.get("nodeName")),
            "replicas": None,
            "ready_replicas": None,
            "containers": [],
        }
        if kind == "Pod":
            item["containers"] = _containers(obj, spec, "spec", status, key, locs)
        elif kind in _WORKLOADS or kind == "CronJob":
            rel = (
                "spec.jobTemplate.spec.template.spec" if kind == "CronJob" else "spec.template.spec"
            )
            tmpl = b
            for part in rel.split("."):
                tmpl = _d(tmpl.get(part))
            item["containers"] = _containers(obj, tmpl, rel, None, key, locs)
            item["replicas"] = _int(spec.get("replicas"))
            item["ready_replicas"] = _int(status.get("readyReplicas"))
        items.append(item)
        _put(locs, key, obj.line())
    out.data = {"items": items, "events": events}
    kinds: dict[str, int] = {}
    for it in items:
        kinds[it["kind"] or "?"] = kinds.get(it["kind"] or "?", 0) + 1
    if events:
        kinds["Event"] = len(events)
    out.meta["kinds"] = kinds
    return out


def sniff_quayregistry_cr(head: str) -> bool:
    """True when the head shows a QuayRegistry object."""
    return bool(re.search(r"""kind["']?\s*:\s*["']?QuayRegistry\b""", head))


def sniff_k8s_resource(head: str) -> bool:
    """True when the head shows a Kubernetes object or list (apiVersion + kind)."""
    return bool(re.search(r"""^\s*["']?apiVersion["']?\s*:""", head, re.M)) and bool(
        re.search(r"""^\s*["']?kind["']?\s*:""", head, re.M)
    )
