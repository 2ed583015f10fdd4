"""The bulk reader of Quay container logs: the same records, statistics and hits as
`quay_log.iter_records` followed by the record-by-record scan, at the speed of a block scan.

How it stays exact:

* Lines are classified in blocks (quaylines.py). A Python logging line of a known program is
  a record start whose level, time and program are known without building it; a known
  program's line whose body starts with a blank continues a record; every other line is read
  with quay_log's own functions (`read_line`, `new_record`, `continues`).
* The records are assembled by the same state machine as `iter_records` (one open record per
  program and stream, a queue in first-line order, the MAX_PENDING and MAX_GAP bounds), with
  light entries for records nobody needs to see. A run of more than MAX_PENDING consecutive
  record starts leaves a state that depends on that run alone (every older record is closed,
  no gap can have closed one inside it), so such runs are stepped over as a whole; the closed
  records such a run leaves queued are only counted (`_Dead`), since closing them does nothing.
* What a record adds to the statistics, the timeline, the versions and to the conditions
  that match every text (`^`) depends only on its first line: for easy lines this is
  computed on arrays, merged with the other records of the block in line order where the
  order matters (first samples, last match, first version, timeline cap).
* Any other condition can only match a record whose text holds one of its literals; each text
  line is a piece of a raw line (or the record is marked `unsafe` and always searched), so a
  record is built and searched when one of its raw lines holds a literal (one scan of the
  block, matchers.py), when a condition without a literal may take it by its filters, or
  when it is unsafe. A one-line record whose line holds none of the whole literals (a
  literal across a line break has only a piece on one line) is not built at all. Records are
  searched when they close, in first-line order, like the reader yields them; the record of
  an easy Python logging line is built from what the classifier read of it (`_light_record`,
  field for field what quay_log builds).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from analyzer.artifacts import quay_log
from analyzer.artifacts.base import Record, TextSource, decode, head_then_rest
from analyzer.engine import literals as lit
from analyzer.engine import native, worker
from analyzer.engine.blocks import Block, blocks
from analyzer.engine.matchers import Literal, make_matcher, to_lines
from analyzer.engine.quaylines import CONT, EASY, LEVEL_NAMES, OTHER, PAD, Classifier, Lines
from analyzer.engine.scanner import DEFAULT_COMPONENT, GROUPS_MAX, Accumulator, widen
from analyzer.engine.worker import BlockWorker

if TYPE_CHECKING:
    from analyzer.engine.scanner import FileStats, LogLeaf, LogScanner

KIND = "quay_log"
# Strings the redactor learns secrets from (redact.learn_from_records): a record holding one
# is passed on through the reader so that the redactor sees it.
WATCH = ("simple_bind", "serPassword")
_WATCH_BYTES = tuple(w.encode() for w in WATCH)
VERSION_PROBE = "EOL"  # scanner._versions looks for Quay's PostgreSQL end-of-life warning
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
NOTHING: frozenset[int] = frozenset()
_PREFIXES = re.compile(rb"(?m)^([A-Za-z][A-Za-z0-9_.:-]*) (stdout|stderr) \| ")
SMALL = 4 << 20  # members up to this size are read record by record
WORKER_AFTER = 2  # blocks read before the worker is forked (one block stays in process)
_ERROR_LEVELS = frozenset({3, 4})  # ERROR, CRITICAL: what scanner.ERROR_LEVELS holds for Quay


def _time(ms: int) -> datetime:
    """A time of milliseconds since the epoch, as make_time builds it."""
    return _EPOCH + timedelta(milliseconds=ms)


def _seconds(ms: np.ndarray) -> np.ndarray:
    """int(t.timestamp()) of times in milliseconds (truncated toward zero, as int() does)."""
    q = ms // 1000
    return q + ((ms % 1000 != 0) & (ms < 0))


def _micros(t: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    d = t - _EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def _raw_literal(text: str, caseless: bool) -> bytes | None:
    """The piece of a required literal that must sit on one raw line, as bytes.

    A piece followed by a line break in the literal keeps it: a record's text line ends
    where its raw line ends (a line cut for length, or text quay_log makes up, marks the
    record as always searched), so `_health\n` in a text is `_health` at the end of a raw
    line, which is much rarer than `_health` anywhere.
    """
    if "\ufffd" in text or (caseless and not text.isascii()):
        return None
    parts = text.split("\n")
    pieces = [part + "\n" for part in parts[:-1] if part] + [parts[-1]]
    piece = max(pieces, key=len)
    return piece.encode("utf-8") if piece else None


class Plan:
    """The conditions of one member, sorted by how the bulk reader serves them."""

    def __init__(self, leaves: list[LogLeaf], engine: str) -> None:
        self.leaves = leaves
        self.universal: list[LogLeaf] = []  # served from arrays at the record's start
        self.searched: list[LogLeaf] = []  # searched on built records when they close
        self.free: list[LogLeaf] = []  # searched ones with no literal: chosen by filters
        literals: list[Literal] = []
        roles: list[str] = []
        owners: list[int] = []  # position in `searched` of the condition a literal serves
        # per searched condition, its whole literals as bytes (caseless ones folded), or None
        self.full: list[tuple[bytes, ...] | None] = []
        self.caseless = False
        for leaf in leaves:
            if (
                leaf.universal
                and leaf.loggers is None
                and leaf.group_by in (None, "path", "program", "level")
            ):
                self.universal.append(leaf)
                continue
            self.searched.append(leaf)
            raw: list[bytes] = []
            pieces = leaf.literals
            if pieces is None:
                pieces = lit.raw_literals(leaf.regex.pattern, leaf.ignore_case)
            for text in pieces or ():
                piece = _raw_literal(text, leaf.ignore_case)
                if piece is None:
                    raw = []
                    break
                raw.append(piece)
            if not raw:
                self.free.append(leaf)
                self.full.append(None)
                continue
            self.full.append(tuple(text.encode("utf-8") for text in pieces or ()))
            self.caseless |= leaf.ignore_case
            for piece in raw:
                literals.append(Literal(piece, leaf.ignore_case))
                roles.append("leaf")
                owners.append(len(self.searched) - 1)
        literals.append(Literal(VERSION_PROBE.encode()))
        roles.append("version")
        owners.append(-1)
        for probe in WATCH:
            literals.append(Literal(probe.encode()))
            roles.append("watch")
            owners.append(-1)
        self.roles = roles
        self.owners = owners
        free_ids = {id(leaf) for leaf in self.free}
        self.free_pos = frozenset(i for i, leaf in enumerate(self.searched) if id(leaf) in free_ids)
        self.matcher = make_matcher(literals, engine)


class _View:
    """Lines lo..hi-1 of a classified block as Python lists, for the lines read one by one."""

    __slots__ = ("lo", "starts", "ends", "cls", "key", "body", "cand", "want", "level", "ms", "access")

    def __init__(
        self, lines: Lines, cand: np.ndarray, want: dict[int, set[int] | None], lo: int, hi: int
    ) -> None:
        self.lo = lo
        self.want = want
        self.starts = lines.starts[lo:hi].tolist()
        self.ends = lines.ends[lo:hi].tolist()
        self.cls = lines.cls[lo:hi].tolist()
        self.key = lines.key[lo:hi].tolist()
        self.body = lines.body[lo:hi].tolist()
        self.cand = cand[lo:hi].tolist()
        self.level = lines.level[lo:hi].tolist()
        self.ms = lines.ms[lo:hi].tolist()
        self.access = lines.access[lo:hi].tolist() if lines.access is not None else None


class _Dead:
    """Consecutive queued records nobody will build, search or pass on: only their number counts.

    They are closed records of runs stepped over; the reader's queue still holds them (its
    MAX_PENDING bound counts them) and drops them, without effect, when they reach its head.
    """

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count


class Entry:
    """A record in the reader's queue: built (`pending`) or only known by its first line (`raw`)."""

    __slots__ = ("line", "key", "last", "closed", "pending", "raw", "cand", "unsafe", "want", "light")

    def __init__(
        self,
        line: int,
        key: tuple[str | None, str | None],
        raw: bytes | None = None,
        pending: quay_log._Pending | None = None,
        cand: bool = False,
        unsafe: bool = False,
        want: set[int] | None = NOTHING,
        light: tuple[int, int, int] | None = None,
    ) -> None:
        self.want = set(want) if want is not None else None  # conditions its lines' literals name
        # a Python logging line's level code, time in ms and body offset: enough to build
        # its record without quay_log's regexes
        self.light = light
        self.line = line
        self.key = key
        self.last = line
        self.closed = False
        self.pending = pending
        self.raw = raw
        self.cand = cand
        self.unsafe = unsafe


@dataclass(slots=True)
class _Prepared:
    """A block's classification, done ahead (see QuayBulk._prepare)."""

    keys: int  # program prefixes known when it was classified
    clean: bool  # printable ASCII only (no NUL, no CR)
    lines: Lines
    nginx: np.ndarray  # lines _nginx_read must still look at


class QuayBulk:
    """Reads one Quay log member in blocks and feeds the scanner's statistics and conditions."""

    def __init__(
        self,
        scanner: LogScanner,
        plan: Plan | None,
        path: str,
        src: TextSource,
        stats: FileStats,
        leaves: list[LogLeaf],
    ) -> None:
        self.scanner = scanner
        self.plan_leaves = leaves
        self._plan = plan
        self.path = path
        self.src = src
        self.stats = stats
        self.classifier = Classifier()
        self.queue: deque[Entry | _Dead] = deque()
        self.qlen = 0  # records in the queue, the dead ones included
        self.open: dict[tuple[str | None, str | None], Entry] = {}
        self.out: list[Record] = []
        self.max_pending = quay_log.MAX_PENDING
        self.max_gap = quay_log.MAX_GAP
        # a run of starts longer than MAX_PENDING is stepped over only when no gap can close
        # a record inside it
        self.run_min = self.max_pending + 1 if self.max_pending < self.max_gap else 1 << 62
        self._clf_times: dict[str, int] = {}
        self._pool: BlockWorker | None = None  # the member's block worker, once forked
        # the last hit of each group of a match-everything condition, kept unbuilt until a
        # later block shows whether it stays the last (see _group)
        self._lasts: dict[tuple[str, int, str], tuple[LogLeaf, int, bytes, int, int]] = {}
        s, u = scanner.since, scanner.until
        self.windowed = s is not None or u is not None
        self.since_us = _micros(s) if s is not None else None
        self.until_us = _micros(u) if u is not None else None

    @property
    def plan(self) -> Plan:
        """The conditions compiled for bulk reading (built on first need: small members skip it)."""
        if self._plan is None:
            self._plan = self.scanner.plan(KIND, self.plan_leaves)
        return self._plan

    # -- the walk ------------------------------------------------------------------------

    def run(self, head: bytes | None = None, rest: BinaryIO | None = None) -> Iterator[Record]:
        """Read the member; yield the records the redactor must see.

        `head` is the member's first bytes when the caller has read them already (and `rest`
        the stream they came from). A small member is read record by record (the bulk
        machinery would cost more than it saves): its first bytes tell.
        """
        src = self.src
        fh = src.opener() if rest is None else rest
        if head is None:
            head = b""
        if len(head) <= SMALL:
            head += fh.read(SMALL + 1 - len(head))
        if len(head) <= SMALL:
            fh.close()
            yield from self._small(head)
            return
        first = head
        chained = TextSource(
            path=src.path,
            opener=lambda: head_then_rest(first, fh),
            max_line_bytes=src.max_line_bytes,
            max_text_bytes=src.max_text_bytes,
        )
        try:
            yield from self._blocks(chained)
        finally:
            src.notes.extend(chained.notes)
            src.long_lines += chained.long_lines

    def _small(self, data: bytes) -> Iterator[Record]:
        src = self.src
        copy = TextSource.from_bytes(src.path, data, max_line_bytes=src.max_line_bytes)
        scanner, stats, leaves = self.scanner, self.stats, self.plan_leaves
        try:
            for rec in quay_log.iter_records(copy):
                scanner.take(KIND, self.path, rec, stats, leaves)
                yield rec
        finally:
            src.notes.extend(copy.notes)
            src.long_lines += copy.long_lines

    def _blocks(self, src: TextSource) -> Iterator[Record]:
        self.scanner._bulk_kinds.add(KIND)
        # past a few blocks, the work that depends only on a block's bytes (the literal
        # prefilter, the compiled classification) moves to a forked worker (worker.py): each
        # block is handed over when it is read and the results taken when its turn comes
        pool: BlockWorker | None = None
        inflight: deque[tuple[Block, int | None]] = deque()
        count = 0
        try:
            for block in blocks(src, self._needs_ends):
                # a block of about 1 MiB is read at a time: large enough for array operations
                # to pay, small enough to stay in the caches
                count += 1
                if block.first == 1:
                    self._prelearn(block.padded)  # now, so that the worker has the prefixes
                if pool is None and count == WORKER_AFTER:
                    pool = self._pool = self._worker()
                ticket = None
                if pool is not None:
                    ticket = pool.submit(block.padded, self.classifier.packed if pool.classify else None)
                inflight.append((block, ticket))
                if len(inflight) < worker.SLOTS:
                    continue
                yield from self._finish(pool, *inflight.popleft())
            while inflight:
                yield from self._finish(pool, *inflight.popleft())
        finally:
            if pool is not None:
                pool.close()
        self._flush_lasts()
        for entry in self.queue:
            if type(entry) is Entry:
                entry.closed = True
        self._ready(0)
        yield from self.out
        self.out = []

    def _needs_ends(self) -> bool:
        """Whether the next block's newlines are wanted here: not while a worker classifies
        (the reader then only counts them; a block it does itself finds them again)."""
        pool = self._pool
        return pool is None or not pool.classify or not pool.alive

    def _worker(self) -> BlockWorker | None:
        """A worker for this member, when one can help here."""
        if not worker.available():
            return None
        matcher = self.plan.matcher if hasattr(self.plan.matcher, "positions") else None
        classify = native.library() is not None
        if matcher is None and not classify:
            return None
        return BlockWorker(matcher, classify)

    def _finish(self, pool: BlockWorker | None, block: Block, ticket: int | None) -> Iterator[Record]:
        """Read one block (with what the worker made of it, if anything) and pass records on."""
        answer = pool.collect(ticket) if pool is not None and ticket is not None else None
        found = prepared = None
        if answer is not None:
            found = answer.found
            if answer.lines is not None and answer.nginx is not None and block.first != 1:
                prepared = _Prepared(answer.keys, answer.clean, answer.lines, answer.nginx)
        self._block(block.first, block.padded, block.ends, found, prepared)
        if self.scanner.on_block is not None:
            self.scanner.on_block()
        if self.out:
            yield from self.out
            self.out = []

    def _block(
        self,
        first: int,
        padded: bytes,
        ends: np.ndarray | None = None,
        found: list[tuple[int, int]] | None = None,
        prepared: _Prepared | None = None,
    ) -> None:
        """One batch of whole lines (followed by PAD zero bytes), and its newlines if known.

        `found` are the prefilter's (literal, offset) matches when a worker computed them,
        `prepared` the block's classification when the worker did it.
        """
        buf = padded  # line slices never reach the padding
        if prepared is None or prepared.keys != self.classifier.known:
            prepared = self._prepare(first, padded, ends)
        clean, lines = prepared.clean, prepared.lines
        n = len(lines.ends)
        self._nginx_read(buf, lines, prepared.nginx)
        # a message longer than MAX_CHARS is cut in the record's text with a note the line
        # does not hold: such records are built and searched whatever their literals
        long = (lines.ends - lines.starts) > quay_log.MAX_CHARS
        if long.any():
            lines.cls[long & (lines.cls == EASY)] = OTHER
        cand = np.zeros(n, bool)
        versions: set[int] = set()
        want: dict[int, set[int] | None] = {}
        roles, owners = self.plan.roles, self.plan.owners
        if found is not None:
            hits = to_lines(found, lines.ends)
        else:
            hits = self.plan.matcher.hits(buf, lines.ends)
        for ident, li in hits:
            role = roles[ident]
            if role == "version":
                versions.add(li)
                continue
            cand[li] = True
            got = want.setdefault(li, set())
            if got is not None and role == "leaf":
                got.add(owners[ident])
        if not clean and self.plan.caseless:
            # re folds a few non-ASCII letters to ASCII ones: such lines are always searched
            a = np.frombuffer(buf, np.uint8)
            for li in np.unique(np.searchsorted(lines.ends, np.flatnonzero(a >= 0x80))).tolist():
                cand[li] = True
                want[li] = None
        easy = lines.cls == EASY
        if self.plan.free and easy.any():
            # a condition without literal may take these by its filters: they name it
            free = easy & self._filter_mask(self.plan.free, lines)
            cand |= free
            free_pos = self.plan.free_pos
            for li in np.flatnonzero(free).tolist():
                got = want.setdefault(li, set())
                if got is not None:
                    got |= free_pos
        starts: list[tuple[int, Record]] = []  # records built at their first line, by line index
        self._walk(first, buf, lines, cand, want, starts)
        self._at_start(first, buf, lines, versions, starts)

    def _prepare(self, first: int, padded: bytes, ends: np.ndarray | None) -> _Prepared:
        """What a block's lines are (quaylines.py), its nginx access lines read as far as the
        compiled matcher reads them, and the lines left for `_nginx_read`."""
        size = len(padded) - PAD
        keys = self.classifier.known
        clean = padded.isascii() and padded.find(b"\x00", 0, size) < 0 and b"\r" not in padded
        lines = self.classifier.classify(padded, clean, ends)
        if first == 1 and len(lines.ends):
            lines.cls[0] = OTHER  # a byte-order mark on line 1 is quay_log's business
            lines.key[0] = -1
        return _Prepared(keys, clean, lines, self._nginx_candidates(padded, lines))

    def _nginx_candidates(self, buf: bytes, lines: Lines) -> np.ndarray:
        """The lines `_nginx_read` must look at: those the compiled matcher leaves, or every
        OTHER line of a known program without it."""
        lib = native.library()
        if lib is not None:
            return self._nginx_compiled(lib, buf, lines)
        return np.flatnonzero((lines.cls == OTHER) & (lines.key >= 0))

    def _nginx_read(self, buf: bytes, lines: Lines, idx: np.ndarray) -> None:
        """nginx access lines of a known program are record starts too, read with quay_log's regex.

        A body that starts with a digit but not with `dddd-` or `dddd/` is none of the formats
        quay_log tries before the access log, so `_NGINX_ACCESS` decides, as in `_start`.
        `idx` are the lines still to decide (all candidates, or those the compiled matcher
        left: a stamp it does not read).
        """
        if not len(idx):
            return
        a = np.frombuffer(buf, np.uint8)  # the padding after the last line keeps b + 4 inside
        b = lines.body[idx]
        e = lines.ends[idx]
        digit = (a[b] >= 48) & (a[b] <= 57) & (b < e)
        idx, b, e = idx[digit], b[digit], e[digit]
        if not len(idx):
            return
        dated = e - b >= 5
        for k in (1, 2, 3):
            dated &= (a[b + k] >= 48) & (a[b + k] <= 57)
        dated &= (a[b + 4] == 45) | (a[b + 4] == 47)
        keep = ~dated
        idx, b, e = idx[keep], b[keep], e[keep]
        if not len(idx):
            return
        match = quay_log._NGINX_ACCESS.match
        clf = quay_log.parse_clf
        times = self._clf_times  # many requests share a second: parse each stamp once
        if len(times) > 4096:
            times.clear()
        hits: list[int] = []
        stamps: list[int] = []
        for i, start, end in zip(idx.tolist(), b.tolist(), e.tolist(), strict=True):
            m = match(buf[start:end].decode("ascii"))  # a known program's lines are ASCII
            if m is None:
                continue
            stamp = m.group(4)
            ms = times.get(stamp)
            if ms is None:
                t = clf(stamp)
                ms = times[stamp] = -1 if t is None else (t - _EPOCH) // _MS
            if ms == -1 and clf(stamp) is None:
                continue
            hits.append(i)
            stamps.append(ms)
        if hits:
            at = np.array(hits, np.int64)
            if lines.access is None:
                lines.access = np.zeros(len(lines.cls), bool)
            lines.access[at] = True
            lines.cls[at] = EASY
            lines.level[at] = 1  # access lines are INFO whatever their status
            lines.ms[at] = np.array(stamps, np.int64)

    @staticmethod
    def _nginx_compiled(lib: object, buf: bytes, lines: Lines) -> np.ndarray:
        """The compiled matcher on every candidate line; the lines whose time stamp it leaves
        to logtime.parse_clf (a leap second, an odd zone...) are returned for the loop above."""
        n = len(lines.cls)
        access = np.zeros(n, bool)
        state = np.empty(n, np.int8)
        found = lib.qs_nginx(  # type: ignore[attr-defined]
            buf,
            lines.ends.ctypes.data,
            n,
            lines.body.ctypes.data,
            lines.key.ctypes.data,
            lines.cls.ctypes.data,
            lines.level.ctypes.data,
            lines.ms.ctypes.data,
            access.ctypes.data,
            state.ctypes.data,
        )
        if not found:
            return np.zeros(0, np.int64)
        lines.access = access if access.any() else None
        return np.flatnonzero(state == 2)

    def _walk(
        self,
        first: int,
        buf: bytes,
        lines: Lines,
        cand: np.ndarray,
        want: dict[int, set[int] | None],
        starts: list[tuple[int, Record]],
    ) -> None:
        """Every line through the reader's state machine, runs of easy starts in one step."""
        cls = lines.cls
        n = len(cls)
        easy = cls == EASY
        # boundaries of runs of easy lines long enough to step over
        edges = np.flatnonzero(np.diff(np.concatenate(([0], easy.view(np.int8), [0]))))
        runs = [
            (int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= self.run_min
        ]
        i = 0
        for a, b in runs + [(n, n)]:
            if i < a:
                view = _View(lines, cand, want, i, a)
                for j in range(i, a):
                    self._line(first, buf, view, starts, j)
                i = a
            if a < b:
                self._step_over(first, buf, lines, cand, want, a, b)
                i = b

    def _line(
        self,
        first: int,
        buf: bytes,
        view: _View,
        starts: list[tuple[int, Record]],
        i: int,
    ) -> None:
        n = first + i
        k = i - view.lo
        s, e = view.starts[k], view.ends[k]
        c = view.cls[k]
        hit = view.cand[k]
        wanted = view.want.get(i, NOTHING)
        if c == EASY:
            light = None
            if view.access is None or not view.access[k]:
                light = (view.level[k], view.ms[k], view.body[k] - s)
            entry = Entry(
                n,
                self.classifier.key_tuples[view.key[k]],
                raw=buf[s:e],
                cand=hit,
                want=wanted,
                light=light,
            )
            self._begin(entry)
            self._ready(n)
            return
        if c == CONT:
            key = self.classifier.key_tuples[view.key[k]]
            body = decode(buf[view.body[k] : e])
            target = self.open.get(key)
            if target is not None:  # a prefixed line continues whatever is open for its key
                self._attach(target, n, body, hit, wanted)
                self._ready(n)
                return
            if not body.strip():
                self._ready(n)
                return
        raw = buf[s:e]
        info = quay_log.read_line(n, decode(raw))
        if c == OTHER:
            self._learn(raw, info)
        if info.started is None:
            target = self.open.get(info.key)
            if target is not None and (
                info.program is not None or quay_log.continues(info, self._built(target))
            ):
                self._attach(target, n, info.body, hit, wanted)
                self._ready(n)
                return
            if not info.body.strip():
                self._ready(n)
                return
        rec, extra = quay_log.new_record(info, n)
        fmt = (rec.fields or {}).get("format")
        entry = Entry(
            n,
            info.key,
            pending=quay_log._Pending(rec=rec, key=info.key, last=n),
            cand=hit,
            want=wanted,
            unsafe=fmt == "json" or bool(extra) or len(raw) > quay_log.MAX_CHARS,
        )
        self._begin(entry)
        for text in extra:
            entry.pending.add(n, text)  # type: ignore[union-attr]
        starts.append((i, rec))
        self._ready(n)

    def _prelearn(self, buf: bytes) -> None:
        """The program prefixes of the member's first lines, so its first block is read in bulk too.

        A line that starts with a letter has no collector timestamp, so `_PREFIX` alone
        decides its program and stream: the prefix found here is the one quay_log reads.
        """
        for m in _PREFIXES.finditer(buf, 0, min(len(buf), 256 << 10)):
            prefix = m.group(0)
            if prefix not in self.classifier._index:
                self.classifier.learn(prefix, m.group(1).decode(), m.group(2).decode())

    def _learn(self, raw: bytes, info: quay_log.LineHead) -> None:
        """Recognise a program's prefix in bulk from now on, once quay_log has read it."""
        if (
            info.program is None
            or info.stream not in ("stdout", "stderr")
            or info.collected is not None
            or info.started is None
            or not raw.isascii()
        ):
            return
        body = info.body.encode("ascii", "replace")
        if not raw.endswith(body):
            return
        prefix = raw[: len(raw) - len(body)]
        if prefix == f"{info.program} {info.stream} | ".encode():
            self.classifier.learn(prefix, info.program, info.stream)

    # -- the state machine (quay_log.iter_records, entry for entry) ------------------------

    def _begin(self, entry: Entry) -> None:
        old = self.open.get(entry.key)
        if old is not None:
            old.closed = True
        self.open[entry.key] = entry
        self.queue.append(entry)
        self.qlen += 1

    def _ready(self, n: int) -> None:
        queue = self.queue
        while queue:
            head = queue[0]
            if type(head) is _Dead:
                queue.popleft()
                self.qlen -= head.count
                continue
            if not head.closed:
                if self.qlen <= self.max_pending and n - head.last <= self.max_gap:
                    break
                head.closed = True
                if self.open.get(head.key) is head:
                    del self.open[head.key]
            queue.popleft()
            self.qlen -= 1
            self._close(head)

    def _built(self, entry: Entry) -> quay_log._Pending:
        """The entry's record, built from its first line if it was not yet."""
        if entry.pending is None:
            rec = self._light_record(entry) if entry.light is not None else None
            if rec is None:
                info = quay_log.read_line(entry.line, decode(entry.raw or b""))
                rec, _extra = quay_log.new_record(info, entry.line)
            entry.pending = quay_log._Pending(rec=rec, key=entry.key, last=entry.last)
            entry.raw = None
        return entry.pending

    @staticmethod
    def _light_of(lines: Lines, i: int) -> tuple[int, int, int] | None:
        """What _light_record needs of an easy line, None for an nginx access line."""
        if lines.access is not None and lines.access[i]:
            return None
        return int(lines.level[i]), int(lines.ms[i]), int(lines.body[i] - lines.starts[i])

    @staticmethod
    def _light_record(entry: Entry) -> Record | None:
        """The record quay_log builds for an easy Python logging line, from what the classifier
        checked: `YYYY-MM-DD HH:MM:SS,mmm [pid] [LEVEL] [logger] message` behind the prefix.

        gunicorn.access lines (quay_log reads their message further) are left to quay_log.
        """
        assert entry.light is not None
        code, ms, at = entry.light
        body = (entry.raw or b"")[at:]
        pid_end = body.find(b"]", 25)
        level = LEVEL_NAMES[code]
        start = pid_end + 6 + len(level)  # after `] [LEVEL] [`
        close = body.find(b"]", start)
        logger = body[start:close].decode("ascii")
        if logger == "gunicorn.access":
            return None
        message_at = close + 2 if body[close + 1 : close + 2] == b" " else close + 1
        program, stream = entry.key
        rec = Record(
            line=0,  # as quay_log makes it (its end line is set when the record closes)
            message=body[message_at:].decode("ascii"),
            time=_time(ms),
            program=program,
            stream=stream,
            level=level,
            logger=logger or None,
            pid=int(body[25:pid_end]),
            fields={"format": "python"},
        )
        rec.line = entry.line
        return rec

    def _attach(
        self, entry: Entry, n: int, body: str, hit: bool, wanted: set[int] | None
    ) -> None:
        pending = self._built(entry)
        pending.add(n, body)
        entry.last = n
        entry.cand |= hit
        if wanted is None:
            entry.want = None
        elif wanted and entry.want is not None:
            entry.want |= wanted
        if len(body) > quay_log.MAX_CHARS // 4:
            entry.unsafe = True  # BoundedLines cuts such a line and says so in the text

    def _close(self, entry: Entry) -> None:
        """A record is complete: search it if it may match, pass it on if the redactor wants it."""
        plan = self.plan
        if entry.pending is None:
            if not entry.cand:
                return
            if entry.want is not None and not entry.want & plan.free_pos and self._inert(entry):
                return
            self._built(entry)
        pending = entry.pending
        assert pending is not None
        rec = pending.finish()
        if not self.scanner.in_window(rec.time):
            leaves: list[LogLeaf] = []
        elif entry.unsafe or pending.body.omitted or entry.want is None:
            leaves = plan.searched
        elif entry.want:
            leaves = [plan.searched[k] for k in sorted(entry.want | plan.free_pos)]
        else:
            leaves = plan.free
        if leaves:
            self.scanner.search(leaves, rec, self.path)
        text = rec.text
        if any(w in text for w in WATCH):
            self.out.append(rec)

    def _inert(self, entry: Entry) -> bool:
        """Whether a one-line record read in bulk can be left unbuilt: no literal of a condition
        its line named, and no word the redactor watches, is on the line.

        Its text is a piece of that line (the message after the logging header; over-long lines
        are never read in bulk), so a literal missing from the line is missing from the text:
        one the line holds only across a line break (`_health\n`) is such a case.
        """
        raw = entry.raw or b""
        low: bytes | None = None
        full = self.plan.full
        for k in entry.want or ():
            for text in full[k] or ():
                if self.plan.searched[k].ignore_case:
                    if low is None:
                        low = raw.lower()
                    if text in low:
                        return False
                elif text in raw:
                    return False
        return not any(w in raw for w in _WATCH_BYTES)

    def _step_over(
        self,
        first: int,
        buf: bytes,
        lines: Lines,
        cand: np.ndarray,
        want: dict[int, set[int] | None],
        a: int,
        b: int,
    ) -> None:
        """Lines a..b-1 are all easy record starts, more than MAX_PENDING of them."""
        # every record queued before the run closes during it (its program starts again, or
        # MAX_PENDING newer records push it out), oldest first, before any record of the run
        old = list(self.queue)
        self.queue.clear()
        self.qlen = 0
        for entry in old:
            if type(entry) is Entry:
                entry.closed = True
                self._close(entry)
        self.open.clear()
        keys = lines.key[a:b]
        # the last record of each program in the run stays open; so does the queue from the
        # oldest of those among the last MAX_PENDING starts
        last_of_key = np.zeros(b - a, bool)
        # keys are small: the last line of each is found per key present, without a sort
        rev = keys[::-1]
        for k in np.flatnonzero(np.bincount(keys)).tolist():
            last_of_key[(b - a - 1) - int(np.argmax(rev == k))] = True
        window = max(0, (b - a) - self.max_pending)
        front = window + int(np.argmax(last_of_key[window:]))
        key_tuples = self.classifier.key_tuples
        starts, ends = lines.starts, lines.ends
        for j in np.flatnonzero(cand[a : a + front]).tolist():
            i = a + j
            s, e = int(starts[i]), int(ends[i])
            entry = Entry(
                first + i,
                key_tuples[int(keys[j])],
                raw=buf[s:e],
                cand=True,
                want=want.get(i, NOTHING),
                light=self._light_of(lines, i),
            )
            entry.closed = True
            self._close(entry)
        # the records left queued: the open ones and the candidates as entries, the closed
        # others (which closing would not touch) only counted
        queue = self.queue
        tail = last_of_key[front:] | cand[a + front : b]
        prev = front
        for j in (front + np.flatnonzero(tail)).tolist():
            if j > prev:
                queue.append(_Dead(j - prev))
            i = a + j
            s, e = int(starts[i]), int(ends[i])
            entry = Entry(
                first + i,
                key_tuples[int(keys[j])],
                raw=buf[s:e],
                cand=bool(cand[i]),
                want=want.get(i, NOTHING),
                light=self._light_of(lines, i),
            )
            if last_of_key[j]:
                self.open[entry.key] = entry
            else:
                entry.closed = True
            queue.append(entry)
            prev = j + 1
        if b - a > prev:
            queue.append(_Dead(b - a - prev))
        self.qlen = b - a - front

    # -- what records add at their first line ----------------------------------------------

    def _filter_mask(self, leaves: list[LogLeaf], lines: Lines) -> np.ndarray:
        """Easy lines that pass the level and program filters of any of these conditions."""
        out = np.zeros(len(lines.cls), bool)
        for leaf in leaves:
            out |= self._leaf_mask(leaf, lines)
        return out

    def _leaf_mask(self, leaf: LogLeaf, lines: Lines) -> np.ndarray:
        mask = lines.cls == EASY
        if leaf.levels is not None:
            ok = np.array([name in leaf.levels for name in LEVEL_NAMES])
            mask &= ok[lines.level]
        if leaf.programs is not None:
            names = self.classifier.programs
            ok = np.array([p in leaf.programs for p in names] + [False])
            mask &= ok[lines.key]
        if leaf.sqlstates is not None and "" not in leaf.sqlstates:
            mask &= False  # a Quay record has no SQLSTATE
        return mask

    def _at_start(
        self,
        first: int,
        buf: bytes,
        lines: Lines,
        versions: set[int],
        starts: list[tuple[int, Record]],
    ) -> None:
        """Statistics, timeline, versions and match-everything conditions, in line order."""
        scanner, stats = self.scanner, self.stats
        easy = np.flatnonzero(lines.cls == EASY)
        lvl = lines.level[easy]
        key = lines.key[easy]
        ms = lines.ms[easy]
        programs = self.classifier.programs
        # counts: the Counters keep the order in which levels and programs first appear
        stats.records += len(easy) + len(starts)
        firsts: dict[tuple[str, str], int] = {}
        counts: Counter[tuple[str, str]] = Counter()
        if len(easy):
            # where a name first appears matters only for names the Counter does not hold yet
            for what, codes, names, known in (
                ("level", lvl, LEVEL_NAMES, stats.levels),
                ("program", key, programs, stats.programs),
            ):
                per_code = np.bincount(codes.astype(np.intp))
                for code in np.flatnonzero(per_code).tolist():
                    name = names[code]
                    counts[(what, name)] += int(per_code[code])
                    firsts[(what, name)] = (
                        -1 if name in known else int(easy[int(np.argmax(codes == code))])
                    )
            lo, hi = int(ms.min()), int(ms.max())
            widen(stats, _time(lo))
            widen(stats, _time(hi))
        for i, rec in starts:
            t = rec.time
            if t is not None:
                widen(stats, t)
            for what, name in (("level", rec.level), ("program", rec.program)):
                if name:
                    prev = firsts.get((what, name))
                    if prev is None or i < prev:
                        firsts[(what, name)] = i
                    counts[(what, name)] += 1
        for (what, name), _i in sorted(firsts.items(), key=lambda kv: kv[1]):
            target = stats.levels if what == "level" else stats.programs
            target[name] += counts[(what, name)]
        # the timeline and the versions, record by record in line order (both are order-bound)
        events: list[tuple[int, int, Record | None]] = []
        err = easy[lvl >= min(_ERROR_LEVELS)] if len(easy) else easy  # ERROR, CRITICAL: the top codes
        events.extend((int(i), 0, None) for i in err)
        ver = sorted(i for i in versions if lines.cls[i] == EASY)
        events.extend((i, 1, None) for i in ver)
        events.extend((i, 2, rec) for i, rec in starts)
        events.sort(key=lambda ev: (ev[0], ev[1]))
        for i, what, rec in events:
            if what == 0:
                t = _time(int(lines.ms[i]))
                scanner._count_error(t, programs[int(lines.key[i])])
            elif what == 1:
                if "postgres_eol" not in stats.versions:
                    scanner._versions(KIND, self._easy_record(first, buf, lines, i), stats)
            else:
                assert rec is not None
                if rec.time is not None and rec.level in ("ERROR", "CRITICAL", "FATAL", "PANIC"):
                    scanner._count_error(rec.time, rec.program or DEFAULT_COMPONENT[KIND])
                scanner._versions(KIND, rec, stats)
        for leaf in self.plan.universal:
            self._universal(leaf, first, buf, lines, starts)

    def _easy_record(self, first: int, buf: bytes, lines: Lines, i: int) -> Record:
        """The record an easy line starts, as quay_log builds it (single-line)."""
        s, e = int(lines.starts[i]), int(lines.ends[i])
        info = quay_log.read_line(first + i, decode(buf[s:e]))
        rec, _extra = quay_log.new_record(info, first + i)
        return rec

    def _universal(
        self,
        leaf: LogLeaf,
        first: int,
        buf: bytes,
        lines: Lines,
        starts: list[tuple[int, Record]],
    ) -> None:
        """A condition that matches every text: its hits are the records its filters take."""
        scanner = self.scanner
        mask = self._leaf_mask(leaf, lines)
        if self.windowed:
            us = lines.ms * 1000
            if self.since_us is not None:
                mask &= us >= self.since_us
            if self.until_us is not None:
                mask &= us <= self.until_us
        idx = np.flatnonzero(mask)
        built = [
            (i, rec)
            for i, rec in starts
            if scanner.in_window(rec.time) and leaf.accepts(rec)
        ]
        if not len(idx) and not built:
            return
        # group of each hit
        gb = leaf.group_by
        programs = self.classifier.programs

        def easy_group(i: int) -> str:
            if gb is None:
                return ""
            if gb == "path":
                return self.path
            if gb == "program":
                return programs[int(lines.key[i])]
            return LEVEL_NAMES[int(lines.level[i])]

        def built_group(rec: Record) -> str:
            if gb is None:
                return ""
            if gb == "path":
                return self.path
            return getattr(rec, gb) or "(none)"

        if gb in ("program", "level") and len(idx):
            codes = lines.key[idx] if gb == "program" else lines.level[idx]
            uniq = np.flatnonzero(np.bincount(codes))
            easy_groups = {
                (programs[int(c)] if gb == "program" else LEVEL_NAMES[int(c)]): idx[codes == c]
                for c in uniq
            }
        else:
            easy_groups = {easy_group(int(idx[0])): idx} if len(idx) else {}
        built_groups: dict[str, list[tuple[int, Record]]] = {}
        for i, rec in built:
            built_groups.setdefault(built_group(rec), []).append((i, rec))
        order = sorted(
            set(easy_groups) | set(built_groups),
            key=lambda g: min(
                int(easy_groups[g][0]) if g in easy_groups else 1 << 62,
                built_groups[g][0][0] if g in built_groups else 1 << 62,
            ),
        )
        per = scanner.results.get((leaf.rule_id, leaf.index), {})
        if len(set(per) | set(order)) > GROUPS_MAX:
            # groups would spill into "(other)": take every hit one by one, in line order
            self._flush_lasts(leaf)
            merged = sorted(
                [(int(i), None) for i in idx] + [(i, rec) for i, rec in built],
                key=lambda x: x[0],
            )
            for i, rec in merged:
                r = rec if rec is not None else self._easy_record(first, buf, lines, i)
                self._hit(leaf, r)
            return
        for g in order:
            e_idx = easy_groups.get(g, np.zeros(0, np.int64))
            b_list = built_groups.get(g, [])
            self._group(leaf, g, first, buf, lines, e_idx, b_list)

    def _hit(self, leaf: LogLeaf, rec: Record) -> None:
        m = leaf.regex.search(rec.text)
        if m is not None:
            self.scanner._record_hit(leaf, rec, self.path, m)

    def _group(
        self,
        leaf: LogLeaf,
        group: str,
        first: int,
        buf: bytes,
        lines: Lines,
        e_idx: np.ndarray,
        b_list: list[tuple[int, Record]],
    ) -> None:
        """The hits of one group in one block: the order-bound ones one by one, the rest summed."""
        scanner = self.scanner
        per = scanner.results.setdefault((leaf.rule_id, leaf.index), {})
        pending = self._lasts.pop((leaf.rule_id, leaf.index, group), None)
        if pending is not None:
            # an earlier block's last hit is followed by these: it only adds to the sums when
            # the samples are full (they were when it was kept), else it is recorded in full
            acc = per.get(group)
            if acc is not None and len(acc.samples) >= leaf.max_evidence:
                _leaf, _n, _raw, key, ms = pending
                self._count_middle(leaf, acc, np.array([key]), np.array([ms], np.int64))
            else:
                self._flush_one(pending)
        acc = per.get(group)
        kept = len(acc.samples) if acc is not None else 0
        need = max(0, leaf.max_evidence - kept)
        if acc is None:
            need = max(need, 1)  # the first hit creates the group
        total = len(e_idx) + len(b_list)
        # the first `need` hits and the last one, in line order, are taken one by one
        heads: list[tuple[int, Record | None]] = []
        ei = bi = 0
        while len(heads) < need and (ei < len(e_idx) or bi < len(b_list)):
            if bi >= len(b_list) or (ei < len(e_idx) and int(e_idx[ei]) < b_list[bi][0]):
                heads.append((int(e_idx[ei]), None))
                ei += 1
            else:
                heads.append(b_list[bi])
                bi += 1
        for i, rec in heads:
            self._hit(leaf, rec if rec is not None else self._easy_record(first, buf, lines, i))
        if len(heads) == total:
            return
        last_e = int(e_idx[-1]) if ei < len(e_idx) else -1
        last_b = b_list[-1][0] if bi < len(b_list) else -1
        middle_e = e_idx[ei:]
        middle_b = b_list[bi:]
        if last_e > last_b:
            middle_e = middle_e[:-1]
        else:
            middle_b = middle_b[:-1]
        acc = per.get(group)
        assert isinstance(acc, Accumulator)
        for _i, rec in middle_b:
            self._hit(leaf, rec)
        if len(middle_e):
            self._count_middle(leaf, acc, lines.key[middle_e], lines.ms[middle_e])
        if last_e > last_b:
            # the last easy hit is built only if no later block has one for this group
            s, e = int(lines.starts[last_e]), int(lines.ends[last_e])
            self._lasts[(leaf.rule_id, leaf.index, group)] = (
                leaf,
                first + last_e,
                buf[s:e],
                int(lines.key[last_e]),
                int(lines.ms[last_e]),
            )
        else:
            self._hit(leaf, b_list[-1][1])

    def _count_middle(self, leaf: LogLeaf, acc: Accumulator, keys: np.ndarray, ms: np.ndarray) -> None:
        """Hits of easy lines that are neither samples nor the last: what they add to the sums."""
        k = len(keys)
        acc.count += k
        acc.files[self.path] += k
        per_key = np.bincount(keys)  # keys are small: no sort needed
        for c in np.flatnonzero(per_key).tolist():
            acc.programs[self.classifier.programs[c]] += int(per_key[c])
        widen(acc, _time(int(ms.min())))
        widen(acc, _time(int(ms.max())))
        if leaf.within_s is not None:
            secs, cnts = np.unique(_seconds(ms), return_counts=True)
            for sec, cnt in zip(secs.tolist(), cnts.tolist(), strict=True):
                acc.count_second(sec, cnt)

    def _flush_one(self, pending: tuple[LogLeaf, int, bytes, int, int]) -> None:
        leaf, n, raw, _key, _ms = pending
        info = quay_log.read_line(n, decode(raw))
        rec, _extra = quay_log.new_record(info, n)
        self._hit(leaf, rec)

    def _flush_lasts(self, leaf: LogLeaf | None = None) -> None:
        """Record the kept last hits (of one condition, or all at the member's end) in full."""
        for key in list(self._lasts):
            if leaf is None or self._lasts[key][0] is leaf:
                self._flush_one(self._lasts.pop(key))

