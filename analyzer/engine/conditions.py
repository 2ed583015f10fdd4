"""Condition kinds: one function each, one registry entry each.

A condition evaluates to an Outcome: `true` (the problem is there) with its matches, `false`,
or `unknown` when the artifact or fact it reads is absent or unreadable (the rule is then
not evaluable, and the report says what would make it evaluable).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analyzer.artifacts.base import Parsed
from analyzer.engine import paths
from analyzer.engine.rules import Cond, Rule
from analyzer.engine.scanner import Accumulator, LogScanner
from analyzer.engine.units import BARE_UNITS, human_bytes, human_duration, parse_in_unit
from analyzer.model import ArtifactEntry, Evidence, iso_utc

VALUE_EXCERPT_MAX = 200
_ABSENT = object()


@dataclass(slots=True)
class Match:
    values: dict[str, Any]
    evidence: list[Evidence] = field(default_factory=list)
    total: int = 1  # how many matching items this match stands for (log counts)


@dataclass(slots=True)
class Outcome:
    state: str  # true | false | unknown
    matches: list[Match] = field(default_factory=list)
    reason: str = ""
    missing: list[str] = field(default_factory=list)  # kinds whose absence made it unknown


@dataclass(slots=True)
class Context:
    """What conditions read: the inventory, parsed artifacts, the log scan and the facts."""

    entries: list[ArtifactEntry]
    parsed: dict[str, list[Parsed]]
    scanner: LogScanner
    facts: dict[str, Any]
    fact_reasons: dict[str, str] = field(default_factory=dict)

    def entries_of(self, kind: str) -> list[ArtifactEntry]:
        return [e for e in self.entries if e.kind == kind]

    def usable(self, kind: str) -> tuple[list[Parsed], Outcome | None]:
        """Parsed artifacts of a kind, or the unknown outcome that explains their absence."""
        items = [p for p in self.parsed.get(kind, []) if p.status in ("parsed", "truncated")]
        if items:
            return items, None
        entries = self.entries_of(kind)
        if not entries:
            return [], Outcome("unknown", reason=f"no {kind} in the bundle", missing=[kind])
        bad = entries[0]
        why = bad.problems[0].message if bad.problems else bad.status
        return [], Outcome(
            "unknown", reason=f"{kind} {bad.path} could not be read ({why})", missing=[kind]
        )

    def log_present(self, kind: str) -> Outcome | None:
        entries = [e for e in self.entries_of(kind) if e.status in ("parsed", "truncated")]
        if entries:
            return None
        if self.entries_of(kind):
            return Outcome(
                "unknown", reason=f"the {kind} members could not be read", missing=[kind]
            )
        return Outcome("unknown", reason=f"no {kind} in the bundle", missing=[kind])


def _short(value: Any) -> str:
    """A value as it reads in a config file: strings bare, everything else as JSON (true, null)."""
    text = value if isinstance(value, str) else _compact(value)
    return text if len(text) <= VALUE_EXCERPT_MAX else text[: VALUE_EXCERPT_MAX - 1] + "…"


def _compact(value: Any) -> str:
    import json

    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _sources(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        src = data.get("_sources")
        if isinstance(src, dict):
            return src
    return {}


def _evidence_for(item: Parsed | None, fact_data: Any, key: str, value: Any, parent: Any = None) -> Evidence:
    if isinstance(parent, dict) and isinstance(parent.get("file"), str) and isinstance(parent.get("line"), int):
        # the value sits in a record that says where it was read (a setting from an included file)
        name = parent.get("name") or key.rsplit(".", 2)[-2] if "." in key else key
        shown = parent.get("raw", value)
        return Evidence(path=parent["file"], line=parent["line"], key=key, excerpt=f"{name} = {_short(shown)}")
    if item is not None:
        return Evidence(
            path=item.path, line=item.line_of(key), key=key, excerpt=f"{key}: {_short(value)}"
        )
    src = _sources(fact_data)
    probe = key
    while probe:
        if probe in src:
            s = src[probe]
            return Evidence(
                path=s.get("path", "(derived)"),
                line=s.get("line"),
                key=s.get("key", probe),
                excerpt=s.get("excerpt") or f"{probe}: {_short(value)}",
            )
        probe = probe.rpartition(".")[0]
    return Evidence(
        path="(derived from the bundle)", line=None, key=key, excerpt=f"{key}: {_short(value)}"
    )


def _targets(cond: Cond, ctx: Context) -> tuple[list[tuple[Parsed | None, Any]], Outcome | None]:
    """(artifact or None, data) pairs the path-based conditions read."""
    if cond.fact:
        data = ctx.facts.get(cond.fact)
        if data is None:
            reason = ctx.fact_reasons.get(
                cond.fact, f"fact {cond.fact} could not be derived from this bundle"
            )
            return [], Outcome("unknown", reason=reason, missing=[])
        return [(None, data)], None
    items, unknown = ctx.usable(cond.artifact or "")
    if unknown:
        return [], unknown
    return [(p, p.data) for p in items], None


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def _compare(op: str, actual: Any, expected: Any, regex: re.Pattern[str] | None) -> bool:
    if op == "exists":
        return True
    if op == "matches":
        return (
            isinstance(actual, str | int | float)
            and not isinstance(actual, bool)
            and regex is not None
            and regex.search(str(actual)) is not None
        )
    try:
        return bool(_OPS[op](actual, expected))
    except TypeError:
        return False  # values of other types never satisfy an ordering


def _where(spec: dict[str, Any], parent: Any) -> bool:
    """The `where` tests on the item that holds a matched value (all must hold)."""
    tests = spec.get("where")
    if not tests:
        return True
    if not isinstance(parent, dict):
        return False
    for t in tests:
        found = list(paths.walk(parent, t["path"]))
        op = t["op"]
        if op == "missing":
            if found:
                return False
            continue
        if not found:
            return False
        regex = re.compile(str(t.get("value"))) if op == "matches" else None
        if not any(_compare(op, v, t.get("value"), regex) for _k, v, _p in found):
            return False
    return True


def _aggregate(matches: list[Match], names: tuple[str, ...]) -> list[Match]:
    if not matches:
        return matches
    first = dict(matches[0].values)
    first["matches"] = [m.values for m in matches]
    for name in names:
        first[name + "s"] = [m.values.get(name) for m in matches]
    first["count"] = len(matches)
    evidence = [e for m in matches for e in m.evidence]
    return [Match(first, evidence, total=len(matches))]


def eval_value(cond: Cond, ctx: Context, rule: Rule) -> Outcome:
    targets, unknown = _targets(cond, ctx)
    if unknown:
        return unknown
    spec = cond.spec
    op = spec["op"]
    matches: list[Match] = []
    for item, data in targets:
        expected = spec.get("value")
        if spec.get("ref"):
            ref = paths.get(data, spec["ref"], _ABSENT)
            if ref is _ABSENT:
                continue  # nothing to compare with in this artifact
            expected = list(ref) if isinstance(ref, dict) else ref
        found = False
        for key, value, parent in paths.walk(data, spec["path"]):
            found = True
            if op == "missing":
                continue
            if _compare(op, value, expected, cond.regex) and _where(spec, parent):
                values = {
                    "path": item.path if item else cond.source,
                    "key": key,
                    "value": value,
                    "item": parent if isinstance(parent, dict) else {},
                }
                matches.append(Match(values, [_evidence_for(item, data, key, value, parent)]))
        if op == "missing" and not found:
            values = {
                "path": item.path if item else cond.source,
                "key": spec["path"],
                "value": None,
                "item": {},
            }
            ev = Evidence(
                path=item.path if item else "(derived from the bundle)",
                line=None,
                key=spec["path"],
                excerpt=f"{spec['path']} is not set",
            )
            matches.append(Match(values, [ev]))
    if not matches and cond.fact and op not in ("exists", "missing") and _all_unknown(targets, spec["path"]):
        # a fact is null when the bundle cannot tell it (e.g. a redacted secret): not evaluable
        return Outcome("unknown", reason=f"{cond.fact}.{spec['path']} cannot be told from this bundle", missing=[])
    if spec.get("aggregate"):
        matches = _aggregate(matches, ("key", "value"))
    return Outcome("true" if matches else "false", matches)


def _all_unknown(targets: list[tuple[Parsed | None, Any]], path: str) -> bool:
    values = [v for _item, data in targets for _k, v, _p in paths.walk(data, path)]
    # nothing reached (an empty list) is an answer; only values that are all null are unknown
    return bool(values) and all(v is None for v in values)


def eval_threshold(cond: Cond, ctx: Context, rule: Rule) -> Outcome:
    targets, unknown = _targets(cond, ctx)
    if unknown:
        return unknown
    spec = cond.spec
    unit = spec.get("unit")
    limit = parse_in_unit(spec["value"], unit)
    bare = BARE_UNITS.get(spec.get("bare_unit", ""), None)
    op = spec["op"]
    matches: list[Match] = []
    seen_number = False
    for item, data in targets:
        for key, raw, parent in paths.walk(data, spec["path"]):
            if isinstance(raw, int | float) and not isinstance(raw, bool) and bare is not None:
                actual: float | None = float(raw) * bare[1]
            else:
                actual = parse_in_unit(raw, unit)
            if actual is None:
                continue  # not a number (e.g. '--'): skipped, never read as 0
            seen_number = True
            if _OPS[op](actual, limit) and _where(spec, parent):
                values = {
                    "path": item.path if item else cond.source,
                    "key": key,
                    "value": raw,
                    "actual": actual,
                    "limit": limit,
                    "limit_text": str(spec["value"]),
                    "unit": unit or "",
                    "item": parent if isinstance(parent, dict) else {},
                    "human": _human(actual, unit),
                    "limit_human": _human(limit, unit),
                }
                matches.append(Match(values, [_evidence_for(item, data, key, raw, parent)]))
    if not seen_number and not matches:
        where = spec["path"]
        return Outcome(
            "unknown", reason=f"no numeric value at {where} in {cond.source}", missing=[]
        )
    if spec.get("aggregate"):
        matches = _aggregate(matches, ("key", "value"))
    return Outcome("true" if matches else "false", matches)


def _human(n: float | None, unit: str | None) -> str:
    if n is None:
        return "unknown"
    if unit == "bytes":
        return human_bytes(n)
    if unit == "percent":
        return f"{n:.1f}%".replace(".0%", "%")
    if unit == "s":
        return human_duration(n)
    if unit == "ms":
        return human_duration(n / 1000)
    if unit == "millicores":
        return f"{n:.0f}m"
    return f"{n:g}"


def eval_problems(cond: Cond, ctx: Context, rule: Rule) -> Outcome:
    items, unknown = ctx.usable(cond.artifact or "")
    if unknown:
        return unknown
    spec = cond.spec or {}
    codes = spec.get("code")
    codes = {codes} if isinstance(codes, str) else set(codes) if codes else None
    key_re = re.compile(spec["key"]) if spec.get("key") else None
    msg_re = re.compile(spec["message"]) if spec.get("message") else None
    matches: list[Match] = []
    for item in items:
        for p in item.problems:
            if codes is not None and p.code not in codes:
                continue
            if key_re is not None and not (p.key and key_re.search(p.key)):
                continue
            if msg_re is not None and not msg_re.search(p.message):
                continue
            values = {
                "message": p.message,
                "key": p.key,
                "line": p.line,
                "code": p.code,
                "path": item.path,
            }
            line = p.line if p.line is not None else item.line_of(p.key)
            ev = Evidence(path=p.path or item.path, line=line, key=p.key, excerpt=p.message)
            matches.append(Match(values, [ev]))
    if spec.get("aggregate"):
        matches = _aggregate(matches, ("message", "key"))
        if matches:
            matches[0].values["problems"] = matches[0].values["matches"]
    return Outcome("true" if matches else "false", matches)


def eval_schema(cond: Cond, ctx: Context, rule: Rule) -> Outcome:
    items, unknown = ctx.usable(cond.artifact or "")
    if unknown:
        return unknown
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(cond.spec)
    matches: list[Match] = []
    for item in items:
        for err in sorted(
            validator.iter_errors(item.data), key=lambda e: list(map(str, e.absolute_path))
        ):
            key = ".".join(str(p) for p in err.absolute_path) or None
            values = {"message": err.message, "key": key, "path": item.path, "value": err.instance}
            # show the offending value as it reads in the artifact; the validator's wording is
            # for the message template
            shown = f"{key}: {_short(err.instance)}" if key else err.message
            ev = Evidence(path=item.path, line=item.line_of(key), key=key, excerpt=shown)
            matches.append(Match(values, [ev]))
    if matches and any(m.values for m in matches):
        first = matches[0].values
        first["messages"] = [m.values["message"] for m in matches]
    return Outcome("true" if matches else "false", matches)


def eval_status(cond: Cond, ctx: Context, rule: Rule) -> Outcome:
    wanted = set(cond.spec["in"])
    entries = ctx.entries_of(cond.artifact or "")
    if not entries:
        return Outcome(
            "unknown", reason=f"no {cond.artifact} in the bundle", missing=[cond.artifact or ""]
        )
    matches = []
    for e in entries:
        if e.status in wanted:
            reason = e.problems[0].message if e.problems else e.reason
            values = {"path": e.path, "status": e.status, "reason": reason}
            line = e.problems[0].line if e.problems else None
            matches.append(
                Match(values, [Evidence(path=e.path, line=line, key=None, excerpt=reason)])
            )
    if matches:
        matches = _aggregate(matches, ("path",))
    return Outcome("true" if matches else "false", matches)


def eval_missing(
    cond: Cond, ctx: Context, rule: Rule, artifacts_info: dict[str, Any] | None = None
) -> Outcome:
    spec = cond.spec or {}
    kinds = spec.get("kinds") or [cond.artifact]
    path_re = re.compile(spec["path"]) if spec.get("path") else None

    def present(kind: str) -> bool:
        return any(path_re is None or path_re.search(e.path) for e in ctx.entries_of(kind))

    if any(present(k) for k in kinds) or any(present(k) for k in spec.get("unless_any", [])):
        return Outcome("false")
    info = artifacts_info or {}
    titles = [getattr(info.get(k), "title", k) for k in kinds]
    commands: list[str] = []
    podman: list[str] = []
    oc: list[str] = []
    for k in kinds:
        a = info.get(k)
        if a is None:
            continue
        commands.extend(a.command_lines())
        if "podman" in a.commands:
            podman.append(a.commands["podman"])
        if "oc" in a.commands:
            oc.append(a.commands["oc"])
    values = {"kinds": kinds, "titles": titles, "commands": commands, "podman": podman, "oc": oc}
    return Outcome("true", [Match(values, [])])


def eval_log(cond: Cond, ctx: Context, rule: Rule) -> Outcome:
    absent = ctx.log_present(cond.artifact or "")
    if absent:
        return absent
    spec = cond.spec
    groups = ctx.scanner.leaf_result(rule.id, cond.index)
    min_count = int(spec.get("min_count", 1))
    within = cond.within_s
    matches: list[Match] = []
    for group, acc in sorted(
        groups.items(), key=lambda kv: (kv[1].first_time is None, kv[1].first_time or 0, kv[0])
    ):
        if within is not None:
            wmax = acc.window_max(within)
            if wmax < min_count:
                continue
        else:
            wmax = acc.count
            if acc.count < min_count:
                continue
        matches.append(
            Match(
                _log_values(acc, group, wmax, spec),
                [h.evidence() for h in acc.samples],
                total=acc.count,
            )
        )
    return Outcome("true" if matches else "false", matches)


def _iso(t: Any) -> str | None:
    return iso_utc(t)


def _log_values(acc: Accumulator, group: str, wmax: int, spec: dict[str, Any]) -> dict[str, Any]:
    first = acc.first
    groups = dict(first.groups) if first else {}
    span = None
    if acc.first_time and acc.last_time:
        span = human_duration((acc.last_time - acc.first_time).total_seconds())
    values: dict[str, Any] = {
        "count": acc.count,
        "first_seen": _iso(acc.first_time) or "(no timestamp)",
        "last_seen": _iso(acc.last_time) or "(no timestamp)",
        "first": first.excerpt if first else "",
        "last": acc.last.excerpt if acc.last else "",
        "files": sorted(acc.files),
        "programs": sorted(acc.programs),
        "groups": groups,
        "group": group,
        "window_count": wmax,
        "within": spec.get("within", ""),
        "min_count": int(spec.get("min_count", 1)),
        "matches": [
            {"path": h.path, "line": h.line, "excerpt": h.excerpt, "time": _iso(h.time)}
            for h in acc.samples
        ],
        "span": span or "",
    }
    for name, val in groups.items():
        values.setdefault(name, val)
    return values


EVALUATORS: dict[str, Callable[..., Outcome]] = {
    "log": eval_log,
    "value": eval_value,
    "threshold": eval_threshold,
    "problems": eval_problems,
    "schema": eval_schema,
    "status": eval_status,
    "missing": eval_missing,
}


def _combined(children: list[tuple[Cond, Outcome]], only_true: bool) -> Match:
    values: dict[str, Any] = {}
    evidence: list[Evidence] = []
    total = 0
    for child, out in children:
        if only_true and out.state != "true":
            continue  # inside `any`, only the true children have values
        if out.matches:
            first = dict(out.matches[0].values)
            first.setdefault("count", sum(m.total for m in out.matches))
            first["matches"] = (
                [m.values for m in out.matches] if child.kind != "log" else first.get("matches", [])
            )
            if child.id:
                values[child.id] = first
            for m in out.matches:
                evidence.extend(m.evidence)
            if any(m.evidence for m in out.matches):
                # a `not` child stands for no item; items of the children are counted once below
                total = max(total, sum(m.total for m in out.matches))
        elif child.id:
            values[child.id] = {"count": 0}
    # one record can satisfy two children (its message and its SQLSTATE): cite it once
    seen: set[tuple[str, int | None, str | None]] = set()
    unique = []
    for e in evidence:
        k = (e.path, e.line, e.key)
        if k not in seen:
            seen.add(k)
            unique.append(e)
    # the most items any one child stands for (children often see the same records), and at
    # least every distinct item cited
    total = max(total, len(unique))
    values["count"] = total
    return Match(values, unique, total=max(total, 1))


def evaluate(cond: Cond, ctx: Context, rule: Rule, artifacts_info: dict[str, Any]) -> Outcome:
    """Evaluate a condition tree."""
    if cond.kind == "missing":
        return eval_missing(cond, ctx, rule, artifacts_info)
    if cond.kind in EVALUATORS:
        return EVALUATORS[cond.kind](cond, ctx, rule)
    results = [(c, evaluate(c, ctx, rule, artifacts_info)) for c in cond.children]
    if cond.kind == "not":
        _child, out = results[0]
        if out.state == "unknown":
            return out
        return (
            Outcome("false") if out.state == "true" else Outcome("true", [Match({"count": 0}, [])])
        )
    unknown = [o for _c, o in results if o.state == "unknown"]
    if cond.kind == "all":
        if any(o.state == "false" for _c, o in results):
            return Outcome("false")
        if unknown:
            return Outcome(
                "unknown",
                reason="; ".join(o.reason for o in unknown),
                missing=[k for o in unknown for k in o.missing],
            )
        return Outcome("true", [_combined(results, only_true=False)])
    # any
    if any(o.state == "true" for _c, o in results):
        return Outcome("true", [_combined(results, only_true=True)])
    if unknown:
        return Outcome(
            "unknown",
            reason="; ".join(o.reason for o in unknown),
            missing=[k for o in unknown for k in o.missing],
        )
    return Outcome("false")
