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

`Classifier.classify` uses the compiled version of the same classification (quayscan.c, see
native.py) when it was built; `classify_arrays` is this module's own, the reference the
compiled one is tested against and the fallback without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from analyzer.engine import native

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


_INDEX_OF_LOW = U64(0x0001020304050607)  # byte j holds 7 - j: see _first_byte


def _first_byte(w: np.ndarray, byte: int) -> np.ndarray:
    """Index (0..7) of the first byte equal to `byte` in each word, 8 where there is none."""
    x = w ^ U64(byte * 0x0101010101010101)
    z = (x - _ONES) & ~x & _HIGH  # the lowest flagged byte is exact
    low = z & (~z + U64(1))  # 0x80 << 8k for the first such byte k
    # (1 << 8k) * _INDEX_OF_LOW has byte 7 - k of it in its top byte, which is k
    idx = ((low >> U64(7)) * _INDEX_OF_LOW) >> U64(56)
    return np.where(z == 0, 8, idx.astype(np.int64))


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
# the level words looked up by their first letter (index 5: no level word starts so)
_LEVEL_OF_BYTE = np.full(256, 5, np.int64)
for _i, _w in enumerate((b"D", b"I", b"W", b"E", b"C")):
    _LEVEL_OF_BYTE[_w[0]] = _i
_LEVEL_VALUE = np.array([lv[0][0] for lv in _LEVELS] + [U64(1)], np.uint64)
_LEVEL_MASK = np.array([lv[0][1] for lv in _LEVELS] + [U64(0)], np.uint64)  # never matches
_FOLLOW_VALUE = np.array([lv[2][0] if lv[2] else U64(0) for lv in _LEVELS] + [U64(0)], np.uint64)
_FOLLOW_MASK = np.array([lv[2][1] if lv[2] else U64(0) for lv in _LEVELS] + [U64(0)], np.uint64)
_LEVEL_SKIP = np.array([lv[1] for lv in _LEVELS] + [0], np.int64)
_LOW_NIBBLES = U64(0x0F0F0F0F0F0F0F0F)
_BYTE = U64(0xFF)


def _pairs(w: np.ndarray) -> np.ndarray:
    """Each byte i of the word becomes 10 * digit(i) + digit(i + 1) (digits checked before).

    A byte's low nibble is its digit; times ten it stays below 256 and so does the sum with the
    next byte's nibble, so no byte carries into another.
    """
    x = w & _LOW_NIBBLES
    return x * U64(10) + (x >> U64(8))


def _field(t: np.ndarray, i: int) -> np.ndarray:
    return ((t >> U64(8 * i)) & _BYTE).astype(np.int64)


_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


def _days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since the epoch of each date, -1 where it is no valid date (as datetime() judges)."""
    packed = (year << 11) | (month << 7) | day  # day has two digits: up to 99
    if len(packed) and (packed == packed[0]).all():  # the usual block: one day
        uniq, inverse = packed[:1], np.zeros(len(packed), np.intp)
    else:
        uniq, inverse = np.unique(packed, return_inverse=True)
    out = np.empty(len(uniq), np.int64)
    for k, v in enumerate(uniq.tolist()):  # a block spans few days: one Python call per day
        try:
            out[k] = date(v >> 11, (v >> 7) & 15, v & 127).toordinal() - _EPOCH_ORDINAL
        except ValueError:
            out[k] = -1
    return out[inverse.reshape(-1)]


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
    access: np.ndarray | None = None  # EASY lines that are nginx access lines (set by the caller)


class Classifier:
    """Knows the program prefixes seen so far and classifies blocks of lines."""

    def __init__(self) -> None:
        self.keys: list[bytes] = []  # `gunicorn-web stdout | `
        self.key_tuples: list[tuple[str, str]] = []
        self.programs: list[str] = []
        self._index: dict[bytes, int] = {}
        self._words: list[list[tuple[int, np.uint64, np.uint64]]] = []  # each key as (offset, word, mask)
        self._eq: np.ndarray | None = None  # reused comparison buffer
        # the prefixes back to back, their offsets and their number, for the compiled
        # classifier (replaced as a whole when a prefix is learnt)
        self._packed: tuple[bytes, np.ndarray, int] = (b"\0", np.zeros(1, np.int64), 0)

    @property
    def known(self) -> int:
        """How many prefixes the compiled classifier uses from now on."""
        return self._packed[2]

    @property
    def packed(self) -> tuple[bytes, np.ndarray, int]:
        """The prefixes back to back, their offsets and their number (for a worker process)."""
        return self._packed

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
        self._words.append([(off, *_word(prefix[off : off + 8])) for off in range(0, len(prefix), 8)])
        blob = b"".join(self.keys)
        offsets = np.cumsum([0] + [len(k) for k in self.keys], dtype=np.int64)
        self._packed = (blob, offsets, len(self.keys))

    def classify(self, padded: bytes, clean: bool, ends: np.ndarray | None = None) -> Lines:
        """Classify the lines of `padded` (every line ends with a newline; PAD zero bytes follow).

        `ends` are the offsets of its newlines when the caller has found them already. The
        compiled classifier does it when it is there (native.py), the array version otherwise;
        both give the same arrays.
        """
        lib = native.library()
        if lib is not None:
            return self._compiled(lib, padded, clean, ends)
        return self.classify_arrays(padded, clean, ends)

    def _compiled(self, lib: object, padded: bytes, clean: bool, ends: np.ndarray | None) -> Lines:
        size = len(padded) - PAD
        if ends is None:
            ends = native.newlines(padded, size)
            assert ends is not None
        else:
            ends = np.ascontiguousarray(ends, np.int64)
        n = len(ends)
        out = Lines(
            np.empty(n, np.int64),
            ends,
            np.empty(n, np.int8),
            np.empty(n, np.int64),
            np.empty(n, np.int8),
            np.empty(n, np.int64),
            np.empty(n, np.int64),
        )
        blob, offsets, keys = self._packed
        if n:
            lib.qs_classify(  # type: ignore[attr-defined]
                padded,
                ends.ctypes.data,
                n,
                1 if clean else 0,
                blob or b"\0",
                offsets.ctypes.data,
                keys,
                out.starts.ctypes.data,
                out.cls.ctypes.data,
                out.key.ctypes.data,
                out.level.ctypes.data,
                out.ms.ctypes.data,
                out.body.ctypes.data,
            )
        return out

    def classify_arrays(self, padded: bytes, clean: bool, ends: np.ndarray | None = None) -> Lines:
        """The array version of `classify` (the reference the compiled one is tested against)."""
        size = len(padded) - PAD
        a = np.frombuffer(padded, np.uint8)
        if ends is None:
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
        first = words[starts]
        if not clean:
            body_bytes = a[:size]
            bad = np.flatnonzero((body_bytes >= 0x80) | (body_bytes == 0) | (body_bytes == 13))
            # a first word of zero matches no prefix (every prefix starts with a letter)
            first[np.unique(np.searchsorted(ends, bad))] = 0
        lengths = ends - starts
        found: list[np.ndarray] = []
        bodies: list[np.ndarray] = []
        for k, parts in enumerate(self._words):
            # every byte of the prefix is compared, so a shorter line (its newline inside the
            # prefix) never matches; only a prefix longer than the padding needs a length test
            size_k = len(self.keys[k])
            _off, value, mask = parts[0]
            cand = np.flatnonzero((first & mask) == value if size_k < 8 else first == value)
            if not len(cand):
                continue
            if size_k > PAD - 16:
                cand = cand[lengths[cand] >= size_k]
            at = starts[cand]
            for off, value, mask in parts[1:]:
                ok = (words[at + off] & mask) == value
                cand, at = cand[ok], at[ok]
            if len(cand):
                key[cand] = k
                found.append(cand)
                bodies.append(at + size_k)
        if not found:
            return out
        known = np.concatenate(found)
        b = np.concatenate(bodies)
        body[known] = b
        e = ends[known]
        empty = b >= e
        first_byte = a[b]
        blank = ~empty & ((first_byte == 32) | (first_byte == 9))
        cls[known[blank]] = CONT
        keep = ~empty & (first_byte >= 48) & (first_byte <= 57) & (e - b >= 34)
        cand, b, e = known[keep], b[keep], e[keep]
        if not len(cand):
            return out
        # the timestamp, pid, level and logger of `_PYTHON`, as words read at the body's offsets
        w0, w1, w2, w3 = words[b], words[b + 8], words[b + 16], words[b + 24]
        good = (
            ((_not_digits(w0) & _W0_DIGITS) == 0)
            & ((w0 & _W0_SEPMASK) == _W0_SEP[0])
            & ((_not_digits(w1) & _W1_DIGITS) == 0)
            & ((w1 & _W1_SEPMASK) == _W1_SEP[0])
            & ((_not_digits(w2) & _W2_DIGITS) == 0)
            & ((w2 & _W2_SEPMASK) == _W2_SEP[0])
            & ((w3 & _BYTE) == U64(0x5B))
        )
        p = _first_byte(w3, 0x5D)  # `]` closing the pid
        good &= (p >= 2) & (p <= 7)
        p = np.where(good, p, 2)
        good &= (_not_digits(w3) & _PID_DIGITS[p]) == 0
        at = b + 24 + p + 1  # ` [` then the level word
        good &= (words[at] & _SPACE_BRACKET[1]) == _SPACE_BRACKET[0]
        lw = words[at + 2]
        lev = _LEVEL_OF_BYTE[(lw & _BYTE).astype(np.int64)]
        good &= (lw & _LEVEL_MASK[lev]) == _LEVEL_VALUE[lev]
        good &= (words[at + 10] & _FOLLOW_MASK[lev]) == _FOLLOW_VALUE[lev]
        logger = at + 2 + _LEVEL_SKIP[lev]
        # the logger's `]` must come before the end of the line (`[^\]]*\]`); few logger
        # names are longer than the 72 bytes looked at
        found_close = np.zeros(len(cand), bool)
        todo = np.flatnonzero(good)
        for off in range(0, 72, 8):
            if not len(todo):
                break
            pos = logger[todo] + off
            word = words[pos]
            end = e[todo]
            x = word ^ U64(0x5D5D5D5D5D5D5D5D)
            has = ((x - _ONES) & ~x & _HIGH) != 0  # some byte of the word is `]`
            inside = pos + 8 <= end  # the whole word lies on the line
            found_close[todo[has & inside]] = True
            edge = np.flatnonzero(has & ~inside)
            if len(edge):  # a word across the line's end: is its first `]` before the end?
                q = _first_byte(word[edge], 0x5D)
                found_close[todo[edge]] = pos[edge] + q < end[edge]
            todo = todo[~has & inside]  # the others are decided
        good &= found_close
        sel = np.flatnonzero(good)
        if not len(sel):
            return out
        # the time, as make_time reads it (a second of 60 or an invalid date is left to quay_log)
        t0, t1, t2 = _pairs(w0[sel]), _pairs(w1[sel]), _pairs(w2[sel])
        year = _field(t0, 0) * 100 + _field(t0, 2)
        month = _field(t0, 5)
        day, hour, minute = _field(t1, 0), _field(t1, 3), _field(t1, 6)
        second = _field(t2, 1)
        milli = _field(t2, 4) * 10 + ((w2[sel] >> U64(48)) & U64(15)).astype(np.int64)
        ok = (hour <= 23) & (minute <= 59) & (second <= 59) & (month <= 12)
        days = np.full(len(sel), -1, np.int64)
        days[ok] = _days(year[ok], month[ok], day[ok])
        ok &= days >= 0
        rows = cand[sel[ok]]
        cls[rows] = EASY
        level[rows] = lev[sel[ok]]
        ms[rows] = (((days * 24 + hour) * 60 + minute) * 60 + second)[ok] * 1000 + milli[ok]
        return out
