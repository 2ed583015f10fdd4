"""What every artifact parser receives (a TextSource) and returns (Parsed, or Records for logs).

A parser never opens files itself: it reads lines from the TextSource it is given, which
applies the bundle's limits (line-length cap, size cap) and decodes bytes safely.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from analyzer.model import Problem

CHUNK = 1 << 20  # read members in 1 MiB chunks
DEFAULT_MAX_LINE = 1 << 20  # a longer line is cut and the rest of it skipped
DEFAULT_MAX_TEXT = 32 << 20  # structured artifacts (configs, JSON) larger than this are refused


class TooLarge(Exception):
    """A structured artifact is larger than its kind can reasonably be."""


# A consumer that reads a log member's raw bytes itself (the log scan's bulk path) may claim
# the source a record reader was given: the reader then yields what the claimant yields
# instead of parsing every line. Nothing claims outside `claiming`, so every other caller
# of a reader gets its records as always.
Claimant = Callable[["TextSource", str], "Iterator[Record] | None"]
_CLAIMANT: ContextVar[Claimant | None] = ContextVar("analyzer_source_claimant", default=None)


def claim(src: TextSource, kind: str) -> Iterator[Record] | None:
    """What the active claimant yields for this source, or None to read it record by record."""
    claimant = _CLAIMANT.get()
    return None if claimant is None else claimant(src, kind)


@contextmanager
def claiming(claimant: Claimant) -> Iterator[None]:
    """Let `claimant` take the sources that record readers open inside this block."""
    token = _CLAIMANT.set(claimant)
    try:
        yield
    finally:
        _CLAIMANT.reset(token)


class HeadThenRest(io.RawIOBase):
    """The bytes already read from a stream (to sniff or size it), then the rest of it."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head = memoryview(head)
        self.rest = rest
        # straight into the caller's buffer where the stream can (one copy fewer per read)
        self._into = getattr(rest, "readinto", None)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        if self.head:
            n = min(len(b), len(self.head))
            b[:n] = self.head[:n]
            self.head = self.head[n:]
            if not self.head:
                self.head = memoryview(b"")  # let go of the head's bytes
            return n
        if self._into is not None:
            return self._into(b) or 0
        data = self.rest.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.rest.close()
        finally:
            super().close()


def head_then_rest(head: bytes, rest: BinaryIO) -> BinaryIO:
    """A buffered stream of `head` followed by what is left of `rest`."""
    return io.BufferedReader(HeadThenRest(head, rest), CHUNK)  # type: ignore[return-value]


def decode(raw: bytes) -> str:
    """Bytes from a bundle to text: UTF-8, invalid bytes replaced, NUL bytes made visible."""
    text = raw.decode("utf-8", errors="replace")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return text


@dataclass
class TextSource:
    """One member's content, as lines or (bounded) whole text.

    `opener` returns a fresh binary stream; for members of a streamed tar it may be called
    only once, so a parser that needs two passes must ask for `read_text()` once.
    `resolver(relpath)` finds another member relative to this one (postgresql.conf includes);
    `lister(reldir)` lists a directory of the bundle relative to this member.
    """

    path: str
    opener: Callable[[], BinaryIO]
    max_line_bytes: int = DEFAULT_MAX_LINE
    max_text_bytes: int = DEFAULT_MAX_TEXT
    resolver: Callable[[str, str], TextSource | None] | None = None
    lister: Callable[[str, str], list[str] | None] | None = None
    notes: list[Problem] = field(default_factory=list)
    long_lines: int = 0

    @classmethod
    def from_bytes(cls, path: str, data: bytes, **kw: Any) -> TextSource:
        return cls(path=path, opener=lambda: io.BytesIO(data), **kw)

    @classmethod
    def from_text(cls, path: str, text: str, **kw: Any) -> TextSource:
        return cls.from_bytes(path, text.encode("utf-8"), **kw)

    def raw_lines(self) -> Iterator[tuple[int, bytes]]:
        """(1-based line number, line bytes without the newline); long lines are cut."""
        cap = self.max_line_bytes
        lineno = 0
        carry = b""
        skipping = False  # inside the rest of an over-long line
        with self.opener() as fh:
            while True:
                chunk = fh.read(CHUNK)
                if not chunk:
                    break
                start = 0
                while True:
                    nl = chunk.find(b"\n", start)
                    if nl < 0:
                        rest = chunk[start:]
                        if skipping:
                            break
                        if len(carry) + len(rest) > cap:
                            lineno += 1
                            yield lineno, (carry + rest)[:cap]
                            self._long(lineno)
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
                        self._long(lineno)
                        line = line[:cap]
                    yield lineno, line[:-1] if line.endswith(b"\r") else line
        if carry and not skipping:
            lineno += 1
            yield lineno, carry[:-1] if carry.endswith(b"\r") else carry

    def lines(self) -> Iterator[tuple[int, str]]:
        """(1-based line number, decoded line without the newline)."""
        for n, raw in self.raw_lines():
            yield n, decode(raw)

    def read_bytes(self) -> bytes:
        with self.opener() as fh:
            data = fh.read(self.max_text_bytes + 1)
        if len(data) > self.max_text_bytes:
            raise TooLarge(f"{self.path} is larger than {self.max_text_bytes} bytes")
        return data

    def read_text(self) -> str:
        """The whole member as text (bounded by max_text_bytes, else TooLarge)."""
        data = self.read_bytes()
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        return decode(data)

    def resolve(self, relpath: str) -> TextSource | None:
        return self.resolver(self.path, relpath) if self.resolver else None

    def listdir(self, reldir: str) -> list[str] | None:
        return self.lister(self.path, reldir) if self.lister else None

    def _long(self, lineno: int) -> None:
        self.long_lines += 1
        if self.long_lines <= 3:
            self.notes.append(
                Problem(f"line longer than {self.max_line_bytes} bytes was cut", line=lineno)
            )


@dataclass(slots=True)
class Parsed:
    """A structured artifact after parsing.

    `data` is JSON-like (dicts, lists, str, int, float, bool, None): what rule conditions read
    by path. `locations` maps a dotted key (as rules name it) to its 1-based line, for evidence.
    `meta` carries hints for derived facts (versions found, memory limits...).
    """

    kind: str
    path: str
    data: Any = None
    status: str = "parsed"  # parsed | invalid | truncated
    problems: list[Problem] = field(default_factory=list)
    locations: dict[str, int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def line_of(self, key: str | None) -> int | None:
        if not key:
            return None
        probe = key
        while probe:
            if probe in self.locations:
                return self.locations[probe]
            probe = probe.rpartition(".")[0]
        return None


@dataclass(slots=True)
class Record:
    """One log record: a head line plus its continuation lines (traceback, DETAIL/HINT...).

    `level` is upper-case (DEBUG, INFO, WARNING, ERROR, CRITICAL for Quay; LOG, FATAL, PANIC
    and the rest for PostgreSQL). `time` is timezone-aware UTC or None.
    `text` is the message with continuation lines joined by newlines: what log rules match.
    """

    line: int
    message: str
    end_line: int = 0
    time: datetime | None = None
    program: str | None = None
    stream: str | None = None
    level: str | None = None
    logger: str | None = None
    sqlstate: str | None = None
    pid: int | None = None
    text: str = ""
    fields: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not self.end_line:
            self.end_line = self.line
        if not self.text:
            self.text = self.message
