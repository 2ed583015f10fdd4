"""One analysis from bundle to Result: inventory, parse, one log scan, facts, rules.

The bundle is read in a single pass: each member is classified from its first KiB, log
members are streamed straight through the log scan, small structured members are kept
(bounded) and parsed after the pass, when every member is known (postgresql.conf includes
are resolved inside the bundle).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from analyzer import __version__
from analyzer.artifacts import safeload
from analyzer.artifacts.base import Parsed, TextSource, TooLarge, head_then_rest
from analyzer.artifacts.classify import SNIFF_BYTES, Classification, classify
from analyzer.artifacts.registry import ARTIFACTS
from analyzer.bundle import Bundle, Limits, Member, gzip_engine, structure_problem
from analyzer.engine.conditions import Context
from analyzer.engine.rules import RuleSet, load_rules
from analyzer.engine.runner import run_rules
from analyzer.engine.scanner import LogScanner
from analyzer.facts import derive
from analyzer.model import ArtifactEntry, Environment, Problem, Result, iso_utc
from analyzer.redact import Redactor, from_parsed, learn_from_records, redact_result
from analyzer.resources import artifact_validator

KEEP_UNRECOGNIZED = 256 * 1024  # small unrecognized text is kept: it may be an include target
KEEP_UNRECOGNIZED_TOTAL = 32 << 20

Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class Options:
    limits: Limits = field(default_factory=Limits)
    rules_dirs: list[Path] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    progress: Progress | None = None
    show_secrets: bool = False
    force_kinds: dict[str, str] = field(default_factory=dict)  # member path -> kind (rule cases)


def select_rules(ruleset: RuleSet, select: list[str], ignore: list[str]) -> RuleSet:
    """Keep rules named (by id or category) in select, drop those named in ignore."""

    def named(rule_id: str, category: str, names: list[str]) -> bool:
        return rule_id in names or category in names

    rules = ruleset.rules
    if select:
        rules = [r for r in rules if named(r.id, r.category, select)]
    if ignore:
        rules = [r for r in rules if not named(r.id, r.category, ignore)]
    return RuleSet(
        rules=rules, links=ruleset.links, artifacts=ruleset.artifacts, cases_dirs=ruleset.cases_dirs
    )


class _Store:
    """Bytes of the small members kept for parsing after the pass, by bundle path."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.paths: set[str] = set()
        self.unrecognized_bytes = 0
        self.structured_bytes = 0

    def resolver(self, limits: Limits) -> Callable[[str, str], TextSource | None]:
        def resolve(from_path: str, rel: str) -> TextSource | None:
            target = self.locate(from_path, rel)
            if target is None:
                return None
            return TextSource.from_bytes(
                target,
                self.data[target],
                max_line_bytes=limits.max_line_bytes,
                resolver=resolve,
                lister=self.lister(),
            )

        return resolve

    def locate(self, from_path: str, rel: str) -> str | None:
        prefix, _, inner = from_path.rpartition("!")
        base = posixpath.dirname(inner)
        if rel.startswith("/"):
            # an absolute path inside the container: find the member whose path ends with it
            tail = rel.lstrip("/")
            candidates = [p for p in self.data if p.endswith("/" + tail) or p == tail]
            if not candidates:
                name = posixpath.basename(rel)
                candidates = [
                    p
                    for p in self.data
                    if posixpath.basename(p) == name and posixpath.dirname(p) == base
                ]
            return min(candidates, key=len) if candidates else None
        joined = posixpath.normpath(posixpath.join(base, rel))
        if joined.startswith(".."):
            return None
        full = f"{prefix}!{joined}" if prefix else joined
        return full if full in self.data else None

    def lister(self) -> Callable[[str, str], list[str] | None]:
        def listdir(from_path: str, rel: str) -> list[str] | None:
            prefix, _, inner = from_path.rpartition("!")
            base = posixpath.dirname(inner)
            d = (
                posixpath.normpath(posixpath.join(base, rel))
                if not rel.startswith("/")
                else rel.lstrip("/")
            )
            full = f"{prefix}!{d}" if prefix else d
            names = sorted(
                posixpath.basename(p) for p in self.paths if posixpath.dirname(p) == full
            )
            exists = any(p.startswith(full + "/") for p in self.paths)
            return names if exists else None

        return listdir


def _validate_data(parsed: Parsed) -> None:
    """Check parsed data against its kind's schema; what does not fit becomes problems."""
    if parsed.status not in ("parsed", "truncated"):
        return
    validator = artifact_validator(parsed.kind)
    if validator is None:
        return
    for err in list(validator.iter_errors(parsed.data))[:20]:
        key = ".".join(str(p) for p in err.absolute_path) or None
        parsed.problems.append(
            Problem(f"parsed data does not fit the {parsed.kind} schema: {err.message}", key=key, code="schema")
        )


def _entry(member: Member, kind: str, status: str, by: str, reason: str) -> ArtifactEntry:
    return ArtifactEntry(
        path=member.path,
        kind=kind,
        status=status,
        classified_by=by,
        reason=reason,
        size=member.size,
    )


def analyze(path: str | Path, options: Options, ruleset: RuleSet | None = None) -> Result:
    """Analyze one bundle. Raises BundleError when it cannot be read at all."""
    limits = options.limits
    _apply_load_limits(limits)
    redactor = Redactor(show_secrets=options.show_secrets)
    if ruleset is None:
        ruleset = select_rules(load_rules(options.rules_dirs), options.select, options.ignore)
    scanner = LogScanner(ruleset.rules, options.since, options.until)
    entries: list[ArtifactEntry] = []
    deferred: list[tuple[ArtifactEntry, str]] = []
    store = _Store()
    progress = options.progress

    with Bundle(path, limits) as bundle:
        for member in bundle.members():
            store.paths.add(member.path)
            if progress:
                progress(bundle.budget.input_read, bundle.input_size, member.path)
            entry = _take(
                member,
                bundle,
                scanner,
                store,
                deferred,
                limits,
                progress,
                options.force_kinds,
                redactor,
            )
            entries.append(entry)
        issues = list(bundle.issues)
        readable = bundle.readable_members
        bundle_kind = bundle.kind
    if readable == 0:
        from analyzer.bundle import BundleError

        why = issues[0].message if issues else "it holds no files"
        raise BundleError(f"{path}: no member could be read ({why})")

    parsed = _parse_deferred(deferred, store, limits)
    if bundle_kind == "file" and len(entries) == 1 and entries[0].kind == "unrecognized":
        from analyzer.bundle import BundleError

        raise BundleError(
            f"{path}: not a bundle: neither an archive (tar, tgz, zip, gz), a directory, nor a file the analyzer recognizes"
        )

    facts, reasons = derive(entries, parsed, scanner.files, {"since": options.since, "until": options.until})
    # the limits in force, so intake findings can name the one to raise
    facts["bundle"]["limits"] = {name: getattr(limits, name) for name in Limits.names()}
    facts["bundle"]["issues"] = [
        {"code": i.code, "path": i.path, "message": i.message} for i in issues
    ] + _entry_issues(entries)
    facts["bundle"]["invalid"] = [
        {
            "path": e.path,
            "kind": e.kind,
            "message": e.problems[0].message if e.problems else e.reason,
        }
        for e in entries
        if e.status == "invalid"
    ]
    facts["bundle"]["_sources"] = {
        f"issues.{i}": {"path": it["path"], "line": None, "key": None, "excerpt": it["message"]}
        for i, it in enumerate(facts["bundle"]["issues"])
    } | {
        f"invalid.{i}": {"path": it["path"], "line": None, "key": None, "excerpt": it["message"]}
        for i, it in enumerate(facts["bundle"]["invalid"])
    }
    _refine(parsed, facts, entries)
    usable = {k: [p for p in v if not p.meta.get("included_by")] for k, v in parsed.items()}
    ctx = Context(
        entries=entries, parsed=usable, scanner=scanner, facts=facts, fact_reasons=reasons
    )
    findings, checks = run_rules(ruleset, ctx)

    quay = facts.get("quay") or {}
    logs = facts.get("logs") or {}
    env = Environment(
        deployment=quay.get("deployment") or "unknown",
        quay_version=quay.get("version"),
        postgres_version=(facts.get("postgres") or {}).get("version"),
        clair_version=(facts.get("clair") or {}).get("version"),
        log_span_start=logs.get("span_start"),
        log_span_end=logs.get("span_end"),
        timezone_assumption="UTC (Quay log times carry no zone and are read as UTC)",
        collected_at=facts["bundle"].get("collected_at"),
    )
    window = {
        "since": iso_utc(options.since),
        "until": iso_utc(options.until),
    }
    result = Result(
        bundle_path=str(path),
        analyzer_version=__version__,
        rules_version=ruleset.version,
        scan_engine=f"{scanner.engine}; gzip: {gzip_engine()}",
        environment=env,
        artifacts=entries,
        findings=findings,
        checks=checks,
        window=window,
        stats={"members": len(entries), "log_records": sum(f.records for f in scanner.files)},
        timeline=scanner.error_timeline(),
    )
    if scanner.error_minutes_dropped:
        result.stats["timeline_dropped"] = scanner.error_minutes_dropped
    return redact_result(result, from_parsed(parsed, options.show_secrets, redactor))


def _apply_load_limits(limits: Limits) -> None:
    """Make the YAML/JSON loaders use this run's limits (they read them at call time)."""
    safeload.MAX_ALIASES = limits.max_yaml_aliases
    safeload.MAX_NODES = limits.max_yaml_nodes
    safeload.MAX_JSON_DEPTH = limits.max_json_depth


# Problem codes of members that a limit cut, skipped or refused: each becomes a bundle issue.
_LIMIT_CODES = ("member-limit", "total-limit", "ratio-limit", "corrupt", "too-large", "long-line")


def _entry_issues(entries: list[ArtifactEntry]) -> list[dict[str, Any]]:
    """Members cut or refused while read or parsed, as `bundle.issues` (one per member)."""
    out: list[dict[str, Any]] = []
    for e in entries:
        if e.status == "truncated":
            first = e.problems[0] if e.problems else None
            code = first.code if first is not None and first.code in _LIMIT_CODES else "cut"
            out.append({"code": code, "path": e.path, "message": first.message if first else e.reason})
            continue
        for p in e.problems:
            if p.code == "long-line" or (p.code == "too-large" and e.status == "skipped"):
                out.append({"code": p.code, "path": e.path, "message": p.message})
                break
    return out


def _take(
    member: Member,
    bundle: Bundle,
    scanner: LogScanner,
    store: _Store,
    deferred: list[tuple[ArtifactEntry, str]],
    limits: Limits,
    progress: Progress | None,
    force_kinds: dict[str, str],
    redactor: Redactor | None = None,
) -> ArtifactEntry:
    """Classify one member and read it as its kind (logs: through the scan)."""
    if member.skipped is not None:
        if member.skipped_code == "archive":
            return _entry(member, "archive", "parsed", "content", member.skipped)
        e = _entry(member, "unrecognized", "skipped", "none", member.skipped)
        if member.skipped_code != "link-inside":
            e.problems.append(Problem(member.skipped, code=member.skipped_code))
        return e
    stream = member.open()
    try:
        head = stream.read(SNIFF_BYTES)
    except OSError as exc:
        return _entry(member, "unrecognized", "invalid", "none", f"cannot be read: {exc}")
    c = classify(member.path, head)
    if member.path in force_kinds:
        c = Classification(force_kinds[member.path], "path", "given as this kind")
    spec = ARTIFACTS.get(c.kind)
    entry = _entry(member, c.kind, "parsed", c.classified_by, c.reason)
    if spec is None:
        entry.status = "unrecognized"
        if (
            c.kind == "unrecognized"
            and len(head) < SNIFF_BYTES
            or member.size
            and member.size <= KEEP_UNRECOGNIZED
        ):
            rest = stream.read(KEEP_UNRECOGNIZED + 1 - len(head))
            data = head + rest
            if (
                len(data) <= KEEP_UNRECOGNIZED
                and b"\x00" not in data[:4096]
                and (store.unrecognized_bytes + len(data) <= KEEP_UNRECOGNIZED_TOTAL)
            ):
                store.data[member.path] = data
                store.unrecognized_bytes += len(data)
        return entry
    if spec.is_log:
        src = TextSource(
            path=member.path,
            opener=lambda: head_then_rest(head, stream),
            max_line_bytes=limits.max_line_bytes,
        )
        records = spec.iter_records(src)
        if redactor is not None and c.kind == "quay_log":
            # USERS_DEBUG traces print LDAP passwords on lines of their own: learn them here
            records = learn_from_records(records, redactor)
        if progress is not None:
            path = member.path
            scanner.on_block = lambda: progress(bundle.budget.input_read, bundle.input_size, path)
        try:
            scanner.feed(
                c.kind,
                member.path,
                _with_progress(records, bundle, member.path, progress),
            )
        except Exception as exc:  # a parser bug must not lose the rest of the bundle
            entry.status = "invalid"
            entry.problems.append(
                Problem(
                    f"could not be read as {c.kind}: {type(exc).__name__}: {exc}", code="parser"
                )
            )
        entry.problems.extend(
            Problem(n.message, line=n.line, key=n.key, path=n.path, code=n.code or "long-line")
            for n in src.notes
        )
        if src.long_lines > len(src.notes):
            entry.problems.append(
                Problem(
                    f"{src.long_lines} lines in all were longer than {limits.max_line_bytes} bytes and were cut",
                    code="long-line",
                )
            )
    else:
        cap = min(spec.max_bytes, limits.max_structured_bytes)
        data = head + stream.read(max(cap + 1 - len(head), 0))
        if len(data) > cap:
            entry.status = "skipped"
            why = (
                f"which no {spec.title} is"
                if cap == spec.max_bytes
                else "the max_structured_bytes limit"
            )
            entry.problems.append(
                Problem(f"larger than {cap} bytes, {why}; not parsed", code="too-large")
            )
            return entry
        if store.structured_bytes + len(data) > limits.max_structured_total:
            entry.status = "skipped"
            entry.problems.append(
                Problem(
                    f"the bundle's structured files exceed {limits.max_structured_total} bytes "
                    "in all (max_structured_total); not parsed",
                    code="too-large",
                )
            )
            return entry
        refused = structure_problem(data, limits)
        if refused is not None:
            entry.status = "invalid"
            entry.problems.append(Problem(refused, code="json-values"))
            return entry
        store.data[member.path] = data
        store.structured_bytes += len(data)
        deferred.append((entry, c.kind))
    if member.cut:
        entry.status = "truncated"
        entry.problems.insert(0, Problem(member.cut, code=member.cut_code))
    return entry


def _refine(parsed: dict[str, list[Parsed]], facts: dict[str, Any], entries: list[ArtifactEntry]) -> None:
    """Let parsers add the problems that need facts (e.g. keys the detected version ignores)."""
    by_path = {e.path: e for e in entries}
    for kind, items in parsed.items():
        refine = ARTIFACTS[kind].refine
        if refine is None:
            continue
        for p in items:
            try:
                extra = refine(p, facts)
            except Exception as exc:  # a parser bug must not lose the analysis
                extra = [Problem(f"second look failed: {type(exc).__name__}: {exc}", code="parser")]
            p.problems.extend(extra)
            if p.path in by_path:
                by_path[p.path].problems.extend(extra)


def _with_progress(records: Any, bundle: Bundle, path: str, progress: Progress | None) -> Any:
    if progress is None:
        yield from records
        return
    for n, rec in enumerate(records, 1):
        if n & 0xFFFF == 0:
            progress(bundle.budget.input_read, bundle.input_size, path)
        yield rec


def _parse_deferred(
    deferred: list[tuple[ArtifactEntry, str]], store: _Store, limits: Limits
) -> dict[str, list[Parsed]]:
    parsed: dict[str, list[Parsed]] = {}
    resolver = store.resolver(limits)
    lister = store.lister()
    by_path: dict[str, ArtifactEntry] = {}
    for entry, kind in deferred:
        spec = ARTIFACTS[kind]
        src = TextSource.from_bytes(
            entry.path,
            store.data[entry.path],
            max_line_bytes=limits.max_line_bytes,
            max_text_bytes=spec.max_bytes,
            resolver=resolver,
            lister=lister,
        )
        try:
            result = spec.parse(src)
        except TooLarge as exc:
            result = Parsed(
                kind=kind,
                path=entry.path,
                status="invalid",
                problems=[Problem(str(exc), code="too-large")],
            )
        except Exception as exc:  # a parser bug must not lose the rest of the bundle
            result = Parsed(
                kind=kind,
                path=entry.path,
                status="invalid",
                problems=[
                    Problem(
                        f"could not be read as {kind}: {type(exc).__name__}: {exc}", code="parser"
                    )
                ],
            )
        result.kind = kind
        result.path = entry.path
        if entry.status == "truncated" and result.status == "parsed":
            result.status = "truncated"
        if result.status == "invalid":
            entry.status = "invalid"
        _validate_data(result)
        entry.problems.extend(result.problems)
        entry.problems.extend(src.notes)
        parsed.setdefault(kind, []).append(result)
        by_path[entry.path] = entry
    # a postgresql.conf fragment read through another file's include is part of that file
    for p in parsed.get("pg_conf", []):
        files = (p.data or {}).get("files", []) if isinstance(p.data, dict) else []
        for inc in files[1:]:
            if inc == p.path:
                continue
            for other in parsed.get("pg_conf", []):
                if other.path == inc and not other.meta.get("included_by"):
                    other.meta["included_by"] = p.path
                    if inc in by_path:
                        by_path[inc].reason += f"; included by {p.path}"
    return parsed
