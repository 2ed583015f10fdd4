"""A log member's lines in large batches, exactly as `TextSource.raw_lines` gives them one by one.

The bulk scan works on blocks of about 1 MiB: the bytes of whole lines, each ended by a
newline, with the same line numbers, the same cut of over-long lines (and the same notes on
the source), and the same trailing carriage return removed as `raw_lines`. Reading follows
`raw_lines` step by step (the same read size, so a line is cut at the same place); only the
common case, a read holding nothing but ordinary lines, is done without a loop over lines.
Each block comes with PAD zero bytes after its lines (the classifier reads words past a
line's end), added in the copy that cuts the block out of its read, so no second copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from analyzer.artifacts.base import CHUNK, TextSource
from analyzer.engine import native
from analyzer.engine.quaylines import PAD

_PADDING = b"\0" * PAD


@dataclass(slots=True)
class Block:
    """Whole lines: `buf` holds `count` lines, each followed by a newline; the first is line `first`.

    `padded` is `buf` followed by PAD zero bytes (what the bulk scan reads).
    """

    first: int
    padded: bytes
    count: int
    ends: np.ndarray | None = None  # offsets of the newlines in buf, when already found

    @property
    def buf(self) -> bytes:
        """The lines alone (a copy; the scan reads `padded`)."""
        return self.padded[:-PAD]


def _ordinary(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n" + _PADDING


def _lines_of(buf: bytes, size: int, want_ends: bool) -> tuple[np.ndarray | None, int, bool]:
    """(newline offsets or None when not wanted, their number, whether a CR occurs) of
    buf[:size], in one compiled pass when the library is there."""
    if not want_ends:
        counted = native.count_cr(buf, size)
        if counted is not None:
            return None, counted[0], counted[1]
    found = native.newlines_cr(buf, size)
    if found is not None:
        ends, has_cr = found
    else:
        ends = np.flatnonzero(np.frombuffer(buf, np.uint8, size) == 10)
        has_cr = buf.find(b"\r", 0, size) >= 0
    return ends, len(ends), has_cr


def blocks(src: TextSource, need_ends: Callable[[], bool] | None = None) -> Iterator[Block]:
    """The member as blocks of lines (see the module docstring for the guarantees).

    `need_ends` says, before each block is cut, whether its newlines are wanted (a reader
    whose blocks are classified elsewhere only needs their number, which is cheaper).
    """
    cap = src.max_line_bytes
    lineno = 0
    carry = b""
    skipping = False
    with src.opener() as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            first_nl = chunk.find(b"\n")
            last_nl = chunk.rfind(b"\n")
            fast = first_nl >= 0 and not skipping
            if fast:
                # the first line (with what the last read left over) and the whole lines after it
                if len(carry) + first_nl > cap:
                    fast = False
                elif last_nl - first_nl > cap:
                    body = np.frombuffer(chunk, np.uint8, last_nl - first_nl, first_nl + 1)
                    ends = np.flatnonzero(body == 10)
                    if len(ends) and int(np.max(np.diff(ends, prepend=-1))) - 1 > cap:
                        fast = False
            if fast:
                # one copy cuts the whole lines out of the read and pads them
                mark = len(carry) + last_nl + 1
                if carry:
                    buf = b"".join((carry, memoryview(chunk)[: last_nl + 1], _PADDING))
                else:
                    buf = b"".join((memoryview(chunk)[: last_nl + 1], _PADDING))
                ends, count, has_cr = _lines_of(buf, mark, need_ends is None or need_ends())
                if has_cr:
                    # raw_lines drops one carriage return at the end of each line
                    buf = buf[:mark].replace(b"\r\n", b"\n") + _PADDING
                    ends = None
                out = Block(lineno + 1, buf, count, ends)
                lineno += count
                carry = b""
                rest = chunk[last_nl + 1 :]
                if len(rest) > cap:
                    lineno += 1
                    cut = out.buf + rest[:cap] + b"\n" + _PADDING
                    out = Block(out.first, cut, out.count + 1)  # ends unknown
                    src._long(lineno)
                    skipping = True
                else:
                    carry = rest
                yield out
                continue
            # the general case, line by line as raw_lines does it
            lines: list[bytes] = []
            first = lineno + 1
            start = 0
            while True:
                nl = chunk.find(b"\n", start)
                if nl < 0:
                    rest = chunk[start:]
                    if skipping:
                        break
                    if len(carry) + len(rest) > cap:
                        lineno += 1
                        lines.append((carry + rest)[:cap])
                        src._long(lineno)
                        carry = b""
                        skipping = True
                    else:
                        carry += rest
                    break
                piece = chunk[start:nl]
                start = nl + 1
                if skipping:
                    skipping = False
                    continue
                line = carry + piece if carry else piece
                carry = b""
                lineno += 1
                if len(line) > cap:
                    src._long(lineno)
                    line = line[:cap]
                lines.append(line[:-1] if line.endswith(b"\r") else line)
            if lines:
                yield Block(first, _ordinary(lines), len(lines))
    if carry and not skipping:
        lineno += 1
        last = carry[:-1] if carry.endswith(b"\r") else carry
        yield Block(lineno, last + b"\n" + _PADDING, 1)
