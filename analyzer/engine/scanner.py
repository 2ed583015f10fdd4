"""The log scan: every log record of the bundle is read once and tested against every log
condition of every rule; only counters, first/last matches and a capped sample are kept, so
memory does not grow with log size.

Semantics (the contract): a condition matches a parsed record (message plus continuation
lines) when the record passes the condition's filters (level, program, logger, SQLSTATE,
member path) and the regex finds a match in the record's text. The literal prefilter only
skips records that cannot match.

Two engines give the same results:

* the reference: every record of every member, every condition, `re.search` on the text,
  nothing skipped (ANALYZER_SCAN_ENGINE=reference);
* the fast path (the default): a literal prefilter on each record's text, and for the kinds
  that have a bulk reader (quay_log, see quayfast.py) the member's raw bytes scanned in
  blocks, records built and searched only where a literal or a filter says they may match.

`engine` names the one that ran, for the report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analyzer.artifacts.base import Record, TextSource, claiming
from analyzer.engine import literals as lit
from analyzer.engine import matchers
from analyzer.engine.rules import Cond, Rule
from analyzer.model import Evidence, iso_utc

EXCERPT_MAX = 400


def _as_set(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)



def widen(span: Any, t: datetime) -> None:
    """Stretch the first/last time of a file's statistics or of a condition's matches to t."""
    if span.first_time is None or t < span.first_time:
        span.first_time = t
    if span.last_time is None or t > span.last_time:
        span.last_time = t

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
    universal: bool = False  # the pattern matches every text at its start, with no named group

    @classmethod
    def of(cls, rule: Rule, cond: Cond) -> LogLeaf:
        spec = cond.spec
        regex = cond.regex
        literals = cond.literals
        ignore_case = cond.ignore_case
        if literals is not None and ignore_case and not all(s.isascii() for s in literals):
            literals = None  # str.lower() and re fold some letters differently
        return cls(
            rule_id=rule.id,
            index=cond.index,
            kind=cond.artifact or "",
            regex=regex,  # type: ignore[arg-type]
            literals=literals,
            ignore_case=ignore_case,
            levels=_as_set(spec.get("level")),
            programs=_as_set(spec.get("program")),
            loggers=_as_set(spec.get("logger")),
            sqlstates=_as_set(spec.get("sqlstate")),
            path_re=cond.path_re,
            group_by=spec.get("group_by"),
            min_count=int(spec.get("min_count", 1)),
            within_s=cond.within_s,
            max_evidence=rule.max_evidence,
            universal=cond.universal,
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


# Distinct seconds a condition with `within` keeps in a dict; past this they are packed into
# sorted arrays (16 bytes a second instead of about 100), so a match every second for weeks
# stays in a few MB.
SECONDS_DICT_MAX = 1 << 16


@dataclass(slots=True)
class Accumulator:
    """What the scan keeps for one (condition, group)."""

    count: int = 0
    first: Hit | None = None
    last: Hit | None = None
    samples: list[Hit] = field(default_factory=list)
    files: Counter[str] = field(default_factory=Counter)
    programs: Counter[str] = field(default_factory=Counter)
    recent_seconds: Counter[int] = field(default_factory=Counter)
    packed_seconds: tuple[Any, Any] | None = None  # sorted seconds and their counts (numpy)
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
            widen(self, t)
            if keep_seconds:
                self.count_second(int(t.timestamp()))

    def count_second(self, second: int, n: int = 1) -> None:
        """Count n timed matches in this second since the epoch (for `within`)."""
        recent = self.recent_seconds
        recent[second] += n
        if len(recent) > SECONDS_DICT_MAX:
            self._pack_seconds()

    def _pack_seconds(self) -> None:
        import numpy as np

        recent = self.recent_seconds
        keys = np.fromiter(recent.keys(), np.int64, len(recent))
        counts = np.fromiter(recent.values(), np.int64, len(recent))
        if self.packed_seconds is not None:
            keys = np.concatenate((self.packed_seconds[0], keys))
            counts = np.concatenate((self.packed_seconds[1], counts))
        uniq, inverse = np.unique(keys, return_inverse=True)
        summed = np.zeros(len(uniq), np.int64)
        np.add.at(summed, inverse.reshape(-1), counts)
        self.packed_seconds = (uniq, summed)
        recent.clear()

    @property
    def seconds(self) -> Counter[int]:
        """Timed matches per second since the epoch, packed ones included."""
        out: Counter[int] = Counter()
        if self.packed_seconds is not None:
            keys, counts = self.packed_seconds
            out.update(dict(zip(keys.tolist(), counts.tolist(), strict=True)))
        out.update(self.recent_seconds)
        return out

    def window_max(self, within_s: float) -> int:
        """Most matches inside any window of `within_s` seconds (timed matches only)."""
        if self.packed_seconds is not None:
            return self._packed_window_max(within_s)
        seconds = self.recent_seconds
        if not seconds:
            return 0
        keys = sorted(seconds)
        best = total = 0
        lo = 0
        for hi, k in enumerate(keys):
            total += seconds[k]
            while k - keys[lo] >= within_s:
                total -= seconds[keys[lo]]
                lo += 1
            best = max(best, total)
            _ = hi
        return best

    def _packed_window_max(self, within_s: float) -> int:
        """window_max over the packed seconds, with the same windows, on arrays."""
        import numpy as np

        self._pack_seconds()  # the recent ones join the packed ones
        assert self.packed_seconds is not None
        keys, counts = self.packed_seconds
        # a window ends at each second k and starts at the first second above k - within_s
        lo = np.searchsorted(keys, keys - within_s, side="right")
        sums = np.concatenate(([0], np.cumsum(counts)))
        return int((sums[1:] - sums[lo]).max())


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
GROUPS_MAX = 200  # groups kept per condition; later ones are counted as "(other)"
BULK_KINDS = frozenset({"quay_log"})  # kinds with a bulk reader (quayfast.py)
SMALL_MEMBER = 4 << 20  # members up to this size are read record by record


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
        self.reference = matchers.wanted() == "reference"
        self.bulk_engine = matchers.available()
        self._bulk_kinds: set[str] = set()  # kinds whose members the bulk reader took
        self._plans: dict[tuple[str, tuple[int, ...]], Any] = {}
        # called once per block of a bulk scan (the record-by-record path reports per record)
        self.on_block: Callable[[], None] | None = None
        # error records per (minute since the epoch, component): the report's timeline
        self.error_minutes: Counter[tuple[int, str]] = Counter()
        self.error_minutes_dropped = 0

    @property
    def engine(self) -> str:
        """Which engine ran, for `analyzer.scan_engine` and --verbose."""
        if self.reference:
            return "reference (python re, every record)"
        if self._bulk_kinds:
            from analyzer.engine import native

            lines = "compiled" if native.library() is not None else f"arrays: {native.status()}"
            return (
                f"{self.bulk_engine} bulk ({', '.join(sorted(self._bulk_kinds))}; line classifier "
                f"{lines}) + python re"
            )
        return "python re + literal prefilter"

    def member_leaves(self, kind: str, path: str) -> list[LogLeaf]:
        """The log conditions that read this member."""
        return [
            lf for lf in self.leaves.get(kind, []) if lf.path_re is None or lf.path_re.search(path)
        ]

    def feed(self, kind: str, path: str, records: Iterator[Record]) -> FileStats:
        stats = FileStats(path=path, kind=kind)
        self.files.append(stats)
        leaves = self.member_leaves(kind, path)
        if self.reference or kind not in BULK_KINDS:
            for rec in records:
                self.take(kind, path, rec, stats, leaves)
            return stats
        taken: list[bool] = []

        def claimant(src: TextSource, claimed_kind: str) -> Iterator[Record] | None:
            if claimed_kind != kind or taken:
                return None
            taken.append(True)
            return self.bulk(kind, path, src, stats, leaves)

        with claiming(claimant):
            for rec in records:
                if not taken:  # a reader without a bulk path: record by record
                    self.take(kind, path, rec, stats, leaves)
                # records the bulk reader passes on were counted and searched already; they
                # go through so that the wrappers around the reader see them
        return stats

    def feed_source(self, kind: str, path: str, src: TextSource) -> FileStats:
        """Scan a member from its raw bytes (the bulk path; record by record where there is none)."""
        from analyzer.artifacts.registry import ARTIFACTS

        spec = ARTIFACTS[kind]
        return self.feed(kind, path, spec.iter_records(src))

    def bulk(
        self, kind: str, path: str, src: TextSource, stats: FileStats, leaves: list[LogLeaf]
    ) -> Iterator[Record]:
        """The bulk reader of a kind over a member; yields the records the redactor must see.

        Small members are read record by record here, so the bulk machinery (numpy and the
        compiled scan) is only loaded for logs big enough to pay for it.
        """
        fh = src.opener()
        head = fh.read(SMALL_MEMBER + 1)
        if len(head) <= SMALL_MEMBER:
            fh.close()
            return self._small_member(kind, path, src, head, stats, leaves)
        from analyzer.engine import quayfast

        # the bulk reader goes on from the bytes read here: no second look at the member
        return quayfast.QuayBulk(self, None, path, src, stats, leaves).run(head, fh)

    def _small_member(
        self, kind: str, path: str, src: TextSource, head: bytes, stats: FileStats, leaves: list[LogLeaf]
    ) -> Iterator[Record]:
        from analyzer.artifacts.registry import ARTIFACTS

        copy = TextSource.from_bytes(src.path, head, max_line_bytes=src.max_line_bytes)
        try:
            for rec in ARTIFACTS[kind].iter_records(copy):
                self.take(kind, path, rec, stats, leaves)
                yield rec
        finally:
            src.notes.extend(copy.notes)
            src.long_lines += copy.long_lines

    def plan(self, kind: str, leaves: list[LogLeaf]) -> Any:
        """The bulk reader's compiled form of these conditions (kept for members alike)."""
        from analyzer.engine import quayfast

        key = (kind, tuple(id(lf) for lf in leaves))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = quayfast.Plan(leaves, self.bulk_engine)
        return plan

    def in_window(self, t: datetime | None) -> bool:
        """Whether a record of this time is inside --since/--until (always, without them)."""
        since, until = self.since, self.until
        if since is None and until is None:
            return True
        return not (
            t is None or (since is not None and t < since) or (until is not None and t > until)
        )

    def count(self, kind: str, rec: Record, stats: FileStats) -> None:
        """What every record adds to its file's statistics, the timeline and the versions."""
        stats.records += 1
        t = rec.time
        if t is not None:
            widen(stats, t)
        if rec.level:
            stats.levels[rec.level] += 1
        if rec.program:
            stats.programs[rec.program] += 1
        if t is not None and rec.level in ERROR_LEVELS:
            self._count_error(t, rec.program or DEFAULT_COMPONENT.get(kind, kind))
        self._versions(kind, rec, stats)

    def take(
        self, kind: str, path: str, rec: Record, stats: FileStats, leaves: list[LogLeaf]
    ) -> None:
        """One record, start to end: statistics, then every condition."""
        self.count(kind, rec, stats)
        if self.in_window(rec.time):
            self.search(leaves, rec, path)

    def search(self, leaves: Iterable[LogLeaf], rec: Record, path: str) -> None:
        """Test one record against conditions (the window is the caller's business)."""
        text = rec.text
        folded: str | None = None
        prefilter = not self.reference
        for leaf in leaves:
            lits = leaf.literals
            if prefilter and lits is not None:
                if leaf.ignore_case:
                    if folded is None:
                        folded = lit.fold(text)
                    hay = folded
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
            if len(per) >= GROUPS_MAX:
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
        if kind == "pg_log" and "postgres" not in stats.versions and "PostgreSQL" in rec.message:
            m = _PG_VERSION.search(rec.message)
            if m:
                stats.versions["postgres"] = m.group(1)
        elif (
            kind == "clair_log"
            and "clair" not in stats.versions
            and rec.fields
            and (rec.message in ("starting", "ready") or rec.logger == "main")
        ):
            # only Clair's own start-up records carry its version (updaters log theirs)
            v = rec.fields.get("version")
            if isinstance(v, str) and v:
                stats.versions["clair"] = v.lstrip("v")
        elif kind == "quay_log" and "postgres_eol" not in stats.versions and "EOL" in rec.message:
            m = _PG_EOL.search(rec.message)
            if m:
                stats.versions["postgres_eol"] = m.group(1)

    def leaf_result(self, rule_id: str, index: int) -> dict[str, Accumulator]:
        return self.results.get((rule_id, index), {})
