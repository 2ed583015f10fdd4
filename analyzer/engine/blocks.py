"""A log member's lines in large batches, exactly as `TextSource.raw_lines` gives them one by one.

The bulk scan works on blocks of about 1 MiB: the bytes of whole lines, each ended by a
newline, with the same line numbers, the same cut of over-long lines (and the same notes on
the source), and the same trailing carriage return removed as `raw_lines`. Reading follows
`raw_lines` step by step (the same read size, so a line is cut at the same place); only the
common case, a read holding nothing but ordinary lines, is done without a loop over lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from analyzer.artifacts.base import CHUNK, TextSource


@dataclass(slots=True)
class Block:
    """Whole lines: `buf` holds `count` lines, each followed by a newline; the first is line `first`."""

    first: int
    buf: bytes
    count: int


def _ordinary(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n"


def blocks(src: TextSource) -> Iterator[Block]:
    """The member as blocks of lines (see the module docstring for the guarantees)."""
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
                head = carry + chunk[:first_nl] if carry else chunk[:first_nl]
                body = chunk[first_nl + 1 : last_nl + 1]
                if len(head) > cap:
                    fast = False
                elif len(body) > cap:
                    ends = np.flatnonzero(np.frombuffer(body, np.uint8) == 10)
                    if len(ends) and int(np.max(np.diff(ends, prepend=-1))) - 1 > cap:
                        fast = False
            if fast:
                buf = head + b"\n" + body
                if b"\r" in buf:
                    # raw_lines drops one carriage return at the end of each line
                    buf = buf.replace(b"\r\n", b"\n")
                count = 1 + body.count(b"\n")
                out = Block(lineno + 1, buf, count)
                lineno += count
                carry = b""
                rest = chunk[last_nl + 1 :]
                if len(rest) > cap:
                    lineno += 1
                    out = Block(out.first, out.buf + rest[:cap] + b"\n", out.count + 1)
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
        yield Block(lineno, (carry[:-1] if carry.endswith(b"\r") else carry) + b"\n", 1)
