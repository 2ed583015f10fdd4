"""The log scan: every log record of the bundle is read once and tested against every log
condition of every rule; only counters, first/last matches and a capped sample are kept, so
memory does not grow with log size.

Semantics (the contract): a condition matches a parsed record (message plus continuation
lines) when the record passes the condition's filters (level, program, logger, SQLSTATE,
member path) and the regex finds a match in the record's text. The literal prefilter only
skips records that cannot match.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analyzer.artifacts.base import Record
from analyzer.engine.rules import Cond, Rule
from analyzer.model import Evidence, iso_utc

EXCERPT_MAX = 400


def _as_set(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


@dataclass(slots=True)
class LogLeaf:
    """One log condition of one rule, ready for the scan."""

    rule_id: str
    index: int
    kind: str
    regex: re.Pattern[str]
    literals: frozenset[str] | None
    ignore_case: bool
    levels: frozenset[str] | None
    programs: frozenset[str] | None
    loggers: frozenset[str] | None
    sqlstates: frozenset[str] | None
    path_re: re.Pattern[str] | None
    group_by: str | None
    min_count: int
    within_s: float | None
    max_evidence: int

    @classmethod
    def of(cls, rule: Rule, cond: Cond) -> LogLeaf:
        spec = cond.spec
        return cls(
            rule_id=rule.id,
            index=cond.index,
            kind=cond.artifact or "",
            regex=cond.regex,  # type: ignore[arg-type]
            literals=cond.literals,
            ignore_case=bool(cond.regex is not None and cond.regex.flags & re.IGNORECASE),
            levels=_as_set(spec.get("level")),
            programs=_as_set(spec.get("program")),
            loggers=_as_set(spec.get("logger")),
            sqlstates=_as_set(spec.get("sqlstate")),
            path_re=cond.path_re,
            group_by=spec.get("group_by"),
            min_count=int(spec.get("min_count", 1)),
            within_s=cond.within_s,
            max_evidence=rule.max_evidence,
        )

    def accepts(self, rec: Record) -> bool:
        if self.levels is not None and (rec.level or "") not in self.levels:
            return False
        if self.programs is not None and (rec.program or "") not in self.programs:
            return False
        if self.loggers is not None and (rec.logger or "") not in self.loggers:
            return False
        return not (self.sqlstates is not None and (rec.sqlstate or "") not in self.sqlstates)


@dataclass(slots=True)
class Hit:
    path: str
    line: int
    excerpt: str
    time: datetime | None
    groups: dict[str, str | None]

    def evidence(self) -> Evidence:
        return Evidence(path=self.path, line=self.line, key=None, excerpt=self.excerpt)


@dataclass(slots=True)
class Accumulator:
    """What the scan keeps for one (condition, group)."""

    count: int = 0
    first: Hit | None = None
    last: Hit | None = None
    samples: list[Hit] = field(default_factory=list)
    files: Counter[str] = field(default_factory=Counter)
    programs: Counter[str] = field(default_factory=Counter)
    seconds: Counter[int] = field(default_factory=Counter)
    first_time: datetime | None = None
    last_time: datetime | None = None

    def add(self, hit: Hit, program: str | None, cap: int, keep_seconds: bool) -> None:
        self.count += 1
        if self.first is None:
            self.first = hit
        self.last = hit
        if len(self.samples) < cap:
            self.samples.append(hit)
        self.files[hit.path] += 1
        if program:
            self.programs[program] += 1
        t = hit.time
        if t is not None:
            if self.first_time is None or t < self.first_time:
                self.first_time = t
            if self.last_time is None or t > self.last_time:
                self.last_time = t
            if keep_seconds:
                self.seconds[int(t.timestamp())] += 1

    def window_max(self, within_s: float) -> int:
        """Most matches inside any window of `within_s` seconds (timed matches only)."""
        if not self.seconds:
            return 0
        keys = sorted(self.seconds)
        best = total = 0
        lo = 0
        for hi, k in enumerate(keys):
            total += self.seconds[k]
            while k - keys[lo] >= within_s:
                total -= self.seconds[keys[lo]]
                lo += 1
            best = max(best, total)
            _ = hi
        return best


@dataclass(slots=True)
class FileStats:
    """What the scan learned about one log member, for facts and the environment header."""

    path: str
    kind: str
    records: int = 0
    first_time: datetime | None = None
    last_time: datetime | None = None
    levels: Counter[str] = field(default_factory=Counter)
    programs: Counter[str] = field(default_factory=Counter)
    versions: dict[str, str] = field(default_factory=dict)
    error: str | None = None


# Levels that count as errors on the report's timeline (Quay/Clair/Redis words and
# PostgreSQL's FATAL and PANIC, which end a session or the server).
ERROR_LEVELS = frozenset({"ERROR", "CRITICAL", "FATAL", "PANIC"})
# The component a record is charted under when its parser names no program.
DEFAULT_COMPONENT = {"quay_log": "quay", "pg_log": "postgresql", "redis_log": "redis", "clair_log": "clair"}
TIMELINE_MAX_KEYS = 200_000  # (minute, component) pairs; a week of logs of 20 components fits


_PG_VERSION = re.compile(r"starting PostgreSQL (\d+(?:\.\d+)?)")
_PG_EOL = re.compile(r"Your version of PostgreSQL \((\d+)\) is EOL")
_QUAY_VERSION = re.compile(r"(?:Quay|quay) (?:version|v)[: ]+v?(\d+\.\d+\.\d+)")


def _matched_line(text: str, start: int) -> tuple[int, str]:
    """(line offset inside the record, the line holding position start)."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", start)
    if le < 0:
        le = len(text)
    return text.count("\n", 0, ls), text[ls:le]


def excerpt(line: str) -> str:
    line = line.rstrip()
    return line if len(line) <= EXCERPT_MAX else line[: EXCERPT_MAX - 1] + "…"


class LogScanner:
    """Feeds every record of every log member through the log conditions of the rules."""

    def __init__(
        self, rules: Iterable[Rule], since: datetime | None = None, until: datetime | None = None
    ) -> None:
        self.leaves: dict[str, list[LogLeaf]] = {}
        for rule in rules:
            for cond in rule.condition.leaves():
                if cond.kind == "log":
                    leaf = LogLeaf.of(rule, cond)
                    self.leaves.setdefault(leaf.kind, []).append(leaf)
        self.results: dict[tuple[str, int], dict[str, Accumulator]] = {}
        self.files: list[FileStats] = []
        self.since = since
        self.until = until
        self.engine = "python-re"
        # error records per (minute since the epoch, component): the report's timeline
        self.error_minutes: Counter[tuple[int, str]] = Counter()
        self.error_minutes_dropped = 0

    def feed(self, kind: str, path: str, records: Iterator[Record]) -> FileStats:
        stats = FileStats(path=path, kind=kind)
        self.files.append(stats)
        leaves = [
            lf for lf in self.leaves.get(kind, []) if lf.path_re is None or lf.path_re.search(path)
        ]
        since, until = self.since, self.until
        windowed = since is not None or until is not None
        for rec in records:
            stats.records += 1
            t = rec.time
            if t is not None:
                if stats.first_time is None or t < stats.first_time:
                    stats.first_time = t
                if stats.last_time is None or t > stats.last_time:
                    stats.last_time = t
            if rec.level:
                stats.levels[rec.level] += 1
            if rec.program:
                stats.programs[rec.program] += 1
            if t is not None and rec.level in ERROR_LEVELS:
                self._count_error(t, rec.program or DEFAULT_COMPONENT.get(kind, kind))
            self._versions(kind, rec, stats)
            if windowed and (
                t is None or (since is not None and t < since) or (until is not None and t > until)
            ):
                continue
            text = rec.text
            lowered: str | None = None
            for leaf in leaves:
                lits = leaf.literals
                if lits is not None:
                    if leaf.ignore_case:
                        if lowered is None:
                            lowered = text.lower()
                        hay = lowered
                    else:
                        hay = text
                    for s in lits:
                        if s in hay:
                            break
                    else:
                        continue
                if not leaf.accepts(rec):
                    continue
                m = leaf.regex.search(text)
                if m is None:
                    continue
                self._record_hit(leaf, rec, path, m)
        return stats

    def _record_hit(self, leaf: LogLeaf, rec: Record, path: str, m: re.Match[str]) -> None:
        offset, line_text = _matched_line(rec.text, m.start())
        span = rec.end_line - rec.line
        line = rec.line + offset if offset <= span else rec.line
        groups = m.groupdict()
        hit = Hit(path=path, line=line, excerpt=excerpt(line_text), time=rec.time, groups=groups)
        gb = leaf.group_by
        if gb is None:
            group = ""
        elif gb == "path":
            group = path
        elif gb in ("program", "logger", "level", "sqlstate"):
            group = getattr(rec, gb) or "(none)"
        else:
            group = groups.get(gb) or "(none)"
        per = self.results.setdefault((leaf.rule_id, leaf.index), {})
        acc = per.get(group)
        if acc is None:
            if len(per) >= 200:
                group = "(other)"
                acc = per.setdefault(group, Accumulator())
            else:
                acc = per[group] = Accumulator()
        acc.add(hit, rec.program, leaf.max_evidence, leaf.within_s is not None)

    def _count_error(self, t: datetime, component: str) -> None:
        """Count one timed error record in its minute (bounded: new pairs stop at the cap)."""
        key = (int(t.timestamp()) // 60, component)
        if key in self.error_minutes or len(self.error_minutes) < TIMELINE_MAX_KEYS:
            self.error_minutes[key] += 1
        else:
            self.error_minutes_dropped += 1

    def error_timeline(self) -> list[dict[str, Any]]:
        """Error records per minute and component, oldest first, as the report's timeline."""
        return [
            {"minute": iso_utc(datetime.fromtimestamp(m * 60, UTC)), "component": c, "errors": n}
            for (m, c), n in sorted(self.error_minutes.items())
        ]

    def _versions(self, kind: str, rec: Record, stats: FileStats) -> None:
        if kind == "pg_log" and "pg" not in stats.versions and "PostgreSQL" in rec.message:
            m = _PG_VERSION.search(rec.message)
            if m:
                stats.versions["postgres"] = m.group(1)
        elif kind == "clair_log" and "clair" not in stats.versions and rec.fields:
            v = rec.fields.get("version")
            if isinstance(v, str) and v:
                stats.versions["clair"] = v.lstrip("v")
        elif kind == "quay_log" and "postgres_eol" not in stats.versions and "EOL" in rec.message:
            m = _PG_EOL.search(rec.message)
            if m:
                stats.versions["postgres_eol"] = m.group(1)

    def leaf_result(self, rule_id: str, index: int) -> dict[str, Accumulator]:
        return self.results.get((rule_id, index), {})
