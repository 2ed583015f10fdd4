"""Bulk classification of Quay container log lines, proved equal to what quay_log reads line by line.

Most lines of a Quay log are Python logging records behind the supervisord prefix:
`gunicorn-web stdout | 2026-11-26 00:10:18,452 [15254] [DEBUG] [data.model] message`.
For a block of lines this module tells, with array operations and no loop over lines:

* EASY lines: the prefix of a known program and stream (learned from lines quay_log itself
  read) followed by a body that `quay_log._python` accepts, with one of the five level words
  and a valid timestamp (so its level and time are known exactly);
* CONT lines: a known prefix followed by a body that starts with a blank or a tab, which
  `quay_log._start` never takes for a record start (traceback frames, `^^^` markers);
* OTHER lines: everything else, which the caller reads with quay_log's own code.

Words of 8 bytes are read at any offset through an unaligned view of the block, and byte
classes are tested on them in SIMD-within-a-register style, so the cost is a few dozen array
operations per block. A line with a byte outside printable ASCII (or a NUL or CR) is OTHER.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EASY, CONT, OTHER = 0, 1, 2
PAD = 192  # zero bytes after a block, so that words can be read past its last line
LEVEL_NAMES = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_KEYS = 64  # distinct program prefixes recognised in bulk; others are read line by line

U64 = np.uint64
_ONES = U64(0x0101010101010101)
_HIGH = U64(0x8080808080808080)
_LOW7 = U64(0x7F7F7F7F7F7F7F7F)
_SIX = U64(0x7676767676767676)  # 0x76 + a byte below 10 stays below 0x80
_ZEROS = U64(0x3030303030303030)


def _word(text: bytes) -> tuple[np.uint64, np.uint64]:
    """(value, mask) of up to 8 bytes as a little-endian word."""
    raw = text.ljust(8, b"\0")
    mask = (b"\xff" * len(text)).ljust(8, b"\0")
    return U64(int.from_bytes(raw, "little")), U64(int.from_bytes(mask, "little"))


def _bytes_mask(positions: tuple[int, ...], byte: int = 0x80) -> np.uint64:
    return U64(sum(byte << (8 * p) for p in positions))


def _not_digits(w: np.ndarray) -> np.ndarray:
    """Per byte of each word, the high bit set where the byte is not an ASCII digit."""
    x = w ^ _ZEROS
    return (((x & _LOW7) + _SIX) | x) & _HIGH


def _first_byte(w: np.ndarray, byte: int) -> np.ndarray:
    """Index (0..7) of the first byte equal to `byte` in each word, 8 where there is none."""
    x = w ^ U64(byte * 0x0101010101010101)
    z = (x - _ONES) & ~x & _HIGH  # the lowest flagged byte is exact
    low = z & (~z + U64(1))
    idx = np.full(len(w), 8, np.int64)
    nz = low != 0
    idx[nz] = (np.log2(low[nz].astype(np.float64)).astype(np.int64) - 7) // 8
    return idx


_W0_DIGITS = _bytes_mask((0, 1, 2, 3, 5, 6))
_W0_SEP = _word(b"\0\0\0\0-\0\0-")
_W0_SEPMASK = _bytes_mask((4, 7), 0xFF)
_W1_DIGITS = _bytes_mask((0, 1, 3, 4, 6, 7))
_W1_SEP = _word(b"\0\0 \0\0:\0\0")
_W1_SEPMASK = _bytes_mask((2, 5), 0xFF)
_W2_DIGITS = _bytes_mask((1, 2, 4, 5, 6))
_W2_SEP = _word(b":\0\0,\0\0\0 ")
_W2_SEPMASK = _bytes_mask((0, 3, 7), 0xFF)
_PID_DIGITS = np.array(
    [_bytes_mask(tuple(range(1, p))) if p >= 2 else U64(0) for p in range(9)], dtype=np.uint64
)
# level words after `] [`: (value, mask, bytes to the logger's `[` + 1, follow-up word)
_LEVELS = (
    (_word(b"DEBUG] ["), 8, None),
    (_word(b"INFO] ["), 7, None),
    (_word(b"WARNING]"), 10, _word(b" [")),
    (_word(b"ERROR] ["), 8, None),
    (_word(b"CRITICAL"), 11, _word(b"] [")),
)
_SPACE_BRACKET = _word(b" [")
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


def _at(win: np.ndarray, rows: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """The 8 bytes at `offset` (0..56) of each row's 64-byte window, as a word."""
    col = offset >> 3
    shift = ((offset & 7) * 8).astype(np.uint64)
    lo = win[rows, col] >> shift
    hi = win[rows, np.minimum(col + 1, 7)]
    spill = shift != 0
    lo[spill] |= hi[spill] << (U64(64) - shift[spill])
    return lo


@dataclass(slots=True)
class Lines:
    """A classified block: per line its start and end offsets, class, key, level and time."""

    starts: np.ndarray  # offset of each line
    ends: np.ndarray  # offset of each line's newline
    cls: np.ndarray  # EASY / CONT / OTHER
    key: np.ndarray  # index into Classifier.keys, -1 for OTHER
    level: np.ndarray  # index into LEVEL_NAMES (EASY lines)
    ms: np.ndarray  # milliseconds since the epoch (EASY lines)
    body: np.ndarray  # offset of the body after the prefix (EASY and CONT lines)


class Classifier:
    """Knows the program prefixes seen so far and classifies blocks of lines."""

    def __init__(self) -> None:
        self.keys: list[bytes] = []  # `gunicorn-web stdout | `
        self.key_tuples: list[tuple[str, str]] = []
        self.programs: list[str] = []
        self._index: dict[bytes, int] = {}
        self._eq: np.ndarray | None = None  # reused comparison buffer

    def learn(self, prefix: bytes, program: str, stream: str) -> None:
        """Recognise lines starting with this exact prefix from now on."""
        if prefix in self._index or len(self.keys) >= MAX_KEYS or not prefix.isascii():
            return
        if not prefix[:1].isalpha():
            return  # a leading digit could be read as a collector's timestamp
        self._index[prefix] = len(self.keys)
        self.keys.append(prefix)
        self.key_tuples.append((program, stream))
        self.programs.append(program)

    def classify(self, padded: bytes, clean: bool) -> Lines:
        """Classify the lines of `padded` (every line ends with a newline; PAD zero bytes follow)."""
        size = len(padded) - PAD
        a = np.frombuffer(padded, np.uint8)
        if self._eq is None or len(self._eq) < size:
            self._eq = np.empty(max(size, 1 << 20), bool)
        eq = self._eq[:size]
        np.equal(a[:size], 10, out=eq)
        ends = np.flatnonzero(eq)
        n = len(ends)
        starts = np.empty(n, np.int64)
        if n:
            starts[0] = 0
            starts[1:] = ends[:-1] + 1
        cls = np.full(n, OTHER, np.int8)
        key = np.full(n, -1, np.int64)
        level = np.zeros(n, np.int8)
        ms = np.zeros(n, np.int64)
        body = np.zeros(n, np.int64)
        out = Lines(starts, ends, cls, key, level, ms, body)
        if not n or not self.keys:
            return out
        words = np.ndarray((size + PAD - 7,), dtype="<u8", buffer=padded, strides=(1,))
        ok_line = np.ones(n, bool)
        if not clean:
            body_bytes = a[:size]
            bad = np.flatnonzero((body_bytes >= 0x80) | (body_bytes == 0) | (body_bytes == 13))
            ok_line[np.unique(np.searchsorted(ends, bad))] = False
        lengths = ends - starts
        first = words[starts]
        for k, prefix in enumerate(self.keys):
            value, mask = _word(prefix[:8])
            cand = np.flatnonzero(((first & mask) == value) & ok_line & (lengths >= len(prefix)))
            for off in range(8, len(prefix), 8):
                if not len(cand):
                    break
                value, mask = _word(prefix[off : off + 8])
                cand = cand[(words[starts[cand] + off] & mask) == value]
            if len(cand):
                key[cand] = k
                body[cand] = starts[cand] + len(prefix)
        known = np.flatnonzero(key >= 0)
        if not len(known):
            return out
        b = body[known]
        e = ends[known]
        empty = b >= e
        first_byte = a[b]
        blank = ~empty & ((first_byte == 32) | (first_byte == 9))
        cls[known[blank]] = CONT
        cand = known[~empty & ~blank & (e - b >= 34)]
        if not len(cand):
            return out
        b = body[cand]
        # the first 64 bytes of each body in one gather: timestamp, pid, level, logger start
        win = np.ndarray((size + PAD - 63, 8), dtype="<u8", buffer=padded, strides=(1, 8))[b]
        w0, w1, w2, w3 = win[:, 0], win[:, 1], win[:, 2], win[:, 3]
        good = (
            ((_not_digits(w0) & _W0_DIGITS) == 0)
            & ((w0 & _W0_SEPMASK) == _W0_SEP[0])
            & ((_not_digits(w1) & _W1_DIGITS) == 0)
            & ((w1 & _W1_SEPMASK) == _W1_SEP[0])
            & ((_not_digits(w2) & _W2_DIGITS) == 0)
            & ((w2 & _W2_SEPMASK) == _W2_SEP[0])
            & ((w3 & U64(0xFF)) == U64(0x5B))
        )
        p = _first_byte(w3, 0x5D)  # `]` closing the pid
        good &= (p >= 2) & (p <= 7)
        p = np.where(good, p, 2)
        good &= (_not_digits(w3) & _PID_DIGITS[p]) == 0
        rows = np.arange(len(cand))
        after = 24 + p + 1  # ` [` then the level word, as offsets into the body
        good &= (_at(win, rows, after) & _SPACE_BRACKET[1]) == _SPACE_BRACKET[0]
        lw = _at(win, rows, after + 2)
        lw2 = _at(win, rows, after + 10)
        lev = np.full(len(cand), -1, np.int64)
        logger = np.zeros(len(cand), np.int64)
        for i, ((value, mask), skip, follow) in enumerate(_LEVELS):
            hit = (lw & mask) == value
            if follow is not None:
                hit &= (lw2 & follow[1]) == follow[0]
            lev[hit] = i
            logger[hit] = after[hit] + 2 + skip
        good &= lev >= 0
        # the logger's `]` must come before the end of the line (`[^\]]*\]`): looked for in
        # the gathered window first, then further on for the few long logger names
        close = np.full(len(cand), -1, np.int64)
        todo = np.flatnonzero(good)
        for off in range(0, 72, 8):
            if not len(todo):
                break
            at = logger[todo] + off
            inside = at <= 56
            word = np.empty(len(todo), np.uint64)
            word[inside] = _at(win, todo[inside], at[inside])
            word[~inside] = words[b[todo[~inside]] + at[~inside]]
            q = _first_byte(word, 0x5D)
            found = q < 8
            close[todo[found]] = b[todo[found]] + at[found] + q[found]
            todo = todo[~found]
        good &= (close >= 0) & (close < ends[cand])
        # the timestamp, exactly as make_time reads it (an invalid date is left to quay_log)
        def digit(w: np.ndarray, i: int) -> np.ndarray:
            return ((w >> U64(8 * i)) & U64(0xFF)).astype(np.int64) - 48

        year = digit(w0, 0) * 1000 + digit(w0, 1) * 100 + digit(w0, 2) * 10 + digit(w0, 3)
        month = digit(w0, 5) * 10 + digit(w0, 6)
        day = digit(w1, 0) * 10 + digit(w1, 1)
        hour = digit(w1, 3) * 10 + digit(w1, 4)
        minute = digit(w1, 6) * 10 + digit(w1, 7)
        second = digit(w2, 1) * 10 + digit(w2, 2)
        milli = digit(w2, 4) * 100 + digit(w2, 5) * 10 + digit(w2, 6)
        good &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
        good &= (hour <= 23) & (minute <= 59) & (second <= 59)
        safe_month = np.where(good, month, 1)
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        dim = _DAYS[safe_month] + ((safe_month == 2) & leap)
        good &= day <= dim
        # days since the epoch of a proleptic Gregorian date (the civil-from-days inverse)
        y = year - (month <= 2)
        era = y // 400
        yoe = y - era * 400
        mp = (month + 9) % 12
        doy = (153 * mp + 2) // 5 + day - 1
        doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
        days = era * 146097 + doe - 719468
        stamp = ((days * 24 + hour) * 60 + minute) * 60 + second
        sel = cand[good]
        cls[sel] = EASY
        level[sel] = lev[good]
        ms[sel] = stamp[good] * 1000 + milli[good]
        return out
