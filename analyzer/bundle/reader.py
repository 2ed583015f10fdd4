"""Open a bundle (directory, tar/tgz/txz, zip, single .gz, single file) and stream its members.

The reader never extracts anything and never follows a link: each regular file is offered
once, as a stream, in archive order (one pass; a tar member's stream is valid only until the
next member is requested). Archives inside the bundle are opened in place, up to
`Limits.max_depth`. Everything the reader refuses or cuts is recorded in `Bundle.issues` and,
for members, on the member itself, so the report can say so.
"""

from __future__ import annotations

import bz2
import contextlib
import io
import lzma
import mmap
import os
import posixpath
import signal
import stat
import struct
import sys
import tarfile
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from analyzer.bundle.limits import Limits

CHUNK = 1 << 20
# Compressed inputs larger than this are decompressed by a child process (_Forked), beside
# the scan; it gives exactly the same bytes, errors and counts, so only the cost of forking
# keeps small inputs without it.
THREADED_MIN = 8 << 20
# Decompressed bytes asked for at a time: what a damaged stream can lose at its end.
PASS_CHUNK = 64 << 10
ARCHIVE_SEP = "!"
# The shortcuts that spare copies of the decompressed bytes (_TarMember, _Rebuffer, the
# straight reads of _StreamGuard and _Passthrough). They change no byte, count or error;
# off, every layer reads as tarfile and io do, which the tests compare them with.
DIRECT_READS = True


class BundleError(Exception):
    """The input cannot be read as a bundle at all (exit code 2)."""


class _LimitHit(Exception):
    """A whole-stream limit was reached while reading (raised through tarfile, caught here)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Issue:
    """Something the reader refused, cut or could not read; becomes a `bundle` finding."""

    code: str  # path-escape, link, special-file, member-limit, total-limit, member-count,
    # depth-limit, ratio-limit, corrupt, encrypted, unreadable
    path: str
    message: str


class _Budget:
    """Byte counters shared by every stream of one bundle."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0  # decompressed bytes handed to readers of members
        self.scanned = 0  # decompressed bytes of the top-level archive stream, skipped ones too
        self.exhausted = False
        self.input_read = 0  # bytes of the input file(s) consumed, for progress


class _Counting(io.RawIOBase):
    """Counts the bytes read through it (the compressed side of a stream)."""

    def __init__(self, inner: BinaryIO, budget: _Budget | None = None) -> None:
        self.inner = inner
        self.count = 0
        self.budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        data = self.read(len(b))
        n = len(data)
        b[:n] = data
        return n

    def read(self, size: int = -1) -> bytes:
        """The inner stream's own read (what readinto would copy), counted."""
        if size is None or size < 0:
            return self.readall()
        data = self.inner.read(size)
        self.count += len(data)
        if self.budget is not None:
            self.budget.input_read += len(data)
        return data


class _RatioGuard:
    """Stops a decompressed stream whose output outgrows its compressed input (a bomb)."""

    def __init__(self, compressed: Callable[[], int], limits: Limits) -> None:
        self.compressed = compressed
        self.produced = 0
        self.limits = limits

    def over(self, n: int) -> bool:
        self.produced += n
        if self.produced < self.limits.ratio_floor:
            return False
        return self.produced > self.limits.max_ratio * max(self.compressed(), 1)


class _StreamGuard(io.RawIOBase):
    """The decompressed stream a tar is read from: every byte passes here, read or skipped.

    A member nobody reads is still decompressed to skip it, so a bomb hidden in a member the
    analyzer does not care about would cost unbounded time without this guard. It enforces the
    compression-ratio guard of its stream and, at the top level, the bundle's total.
    """

    def __init__(
        self, inner: BinaryIO, budget: _Budget, ratio: _RatioGuard | None, top: bool
    ) -> None:
        self.inner = inner
        self.budget = budget
        self.ratio = ratio
        self.top = top
        # one step at a time, so what came before a damaged spot is delivered first
        self._read = getattr(inner, "read1", inner.read)
        # The stream is a buffer over a _Passthrough, read by nothing else, into which the
        # caller has just peeked (the tar's head): once what that peek buffered is taken,
        # read1 would make one read of the _Passthrough of the same size, so that read goes
        # straight into our buffer instead.
        self._direct: Callable[[memoryview], int] | None = None
        self._buffered = 0
        raw = getattr(inner, "raw", None)
        if DIRECT_READS and type(inner) is io.BufferedReader and isinstance(raw, _Passthrough):
            self._buffered = len(inner.peek())  # what it holds (peek reads nothing then)
            self._direct = raw.readinto
        self.error: BaseException | None = None  # why the stream ended early
        self.tripped: _LimitHit | None = None  # raised on the read after the one that crossed

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        limits = self.budget.limits
        if self.top and self.budget.scanned >= limits.max_total_bytes:
            raise _LimitHit(
                "total-limit",
                f"the bundle's total limit of {limits.max_total_bytes} decompressed bytes was "
                "reached; the rest was not read",
            )
        if self.tripped is not None:
            raise self.tripped
        if self.error is not None:
            return 0
        try:
            if self._direct is not None and not self._buffered:
                n = self._direct(b)
            else:
                data = self._read(len(b))
                n = len(data)
                b[:n] = data
                self._buffered = max(self._buffered - n, 0)
        except _READ_ERRORS as exc:
            # end the stream here: tarfile then reports a cut archive after what it has read,
            # instead of the buffered bytes before the damage being dropped with the error
            self.error = exc
            return 0
        if self.top:
            self.budget.scanned += n
        if self.ratio is not None and n and self.ratio.over(n):
            # this step's bytes (at most a few dozen KiB) are still delivered
            self.tripped = _LimitHit(
                "ratio-limit",
                f"decompressed data grew past {limits.max_ratio}:1 of its compressed size "
                f"(a compression bomb?); reading stopped after {self.ratio.produced} bytes",
            )
        return n


class _TarMember(io.RawIOBase):
    """A regular tar member's data, read straight from the archive's stream.

    tarfile hands a member out through three layers (ExFileObject, _FileInFile, and _Stream,
    which reads its source 10 KiB at a time and joins and slices the pieces): several copies
    of every byte and a Python step per 10 KiB. This reads the same bytes into the caller's
    buffer and leaves tarfile's _Stream (`pos`, `buf`) as its own read would have left it, so
    `tar.next()` carries on exactly as before. It asks its source for exactly what _Stream
    would have asked (the leftover first, then whole `bufsize` steps, the excess kept in
    `buf`), so the decompressing side, and with it every limit, count and error, sees the
    same demands at the same moments. `readinto` behaves as ExFileObject.read1 does on its
    empty buffer (one _FileInFile read): the whole request or, when the archive ends first,
    tarfile's ReadError.
    """

    def __init__(self, stream: tarfile._Stream, offset: int, size: int) -> None:  # type: ignore[name-defined]
        self.stream = stream
        self.source: io.BufferedReader = stream.fileobj
        self.offset = offset
        self.size = size
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        n = min(len(b), self.size - self.position)
        if n <= 0:
            return 0
        stream = self.stream
        start = self.offset + self.position
        if stream.pos != start:
            stream.seek(start)  # tarfile's own skip forward (or its error for a step back)
        with memoryview(b) as view:
            self._read(view, n)
        self.position += n
        return n

    def _read(self, view: memoryview, n: int) -> None:
        """_Stream.read(n) into `view`, raising tarfile's error when the stream ends first."""
        stream = self.stream
        left = stream.buf
        have = len(left)
        if have >= n:
            view[:n] = memoryview(left)[:n]
            stream.buf = left[n:]
            stream.pos += n
            return
        view[:have] = left
        need = n - have
        step = stream.bufsize
        into = self.source.readinto1  # buffered bytes, or one read of the source: never more
        got = 0
        with view[have:n] as part:
            while got < need:
                k = into(part[got:])
                if not k:
                    break
                got += k
        if got == need:
            extra = -need % step  # the rest of _Stream's last step
            stream.buf = self.source.read(extra) if extra else b""
            stream.pos += n
            return
        self._ended(view, have + got, got % step != 0, n)

    def _ended(self, view: memoryview, c: int, short: bool, n: int) -> None:
        """The source ran dry after `c` bytes: what _Stream's loop does from there."""
        stream = self.stream
        pieces = [bytes(view[:c])]
        if short:  # the short step did not stop _Stream's loop; an empty one does
            while c < n:
                chunk = self.source.read(stream.bufsize)
                if not chunk:
                    break
                pieces.append(chunk)
                c += len(chunk)
        data = b"".join(pieces)
        stream.buf = data[n:]
        stream.pos += min(len(data), n)
        if len(data) < n:
            raise tarfile.ReadError("unexpected end of data")
        view[:n] = memoryview(data)[:n]


class _Rebuffer(io.RawIOBase):
    """What io.BufferedReader(_Passthrough(member), CHUNK).readinto gives, without the copy.

    A plain tar member's stream is buffered to sniff its head; after that only the member's
    LimitedStream reads it. The sizes that buffer asks of the member (fills of what is left of
    the buffer, at most PASS_CHUNK; straight reads while more than a buffer is wanted) decide
    where a truncated member fails and when its archive is read further, so they must stay.
    This makes exactly those requests, in the same order, but into the caller's buffer
    wherever the bytes end up there anyway: only a fill that goes past the request is kept
    aside, as the buffer would have kept it.
    """

    def __init__(self, raw: _TarMember, head: bytes) -> None:
        self.raw = raw
        self._ahead = head  # what the buffer holds and has not handed out: from `_at` on
        self._at = 0
        self._end = len(head) if head else -1  # the buffer's fill mark (-1: none)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        with memoryview(b) as view:
            return self._readinto(view)

    def _readinto(self, view: memoryview) -> int:
        want = len(view)
        written = 0
        have = len(self._ahead) - self._at
        if have > 0:
            at = self._at
            with memoryview(self._ahead) as ahead:
                if have >= want:
                    view[:] = ahead[at : at + want]
                    self._at = at + want
                    return want
                view[:have] = ahead[at:]
            written = have
        self._ahead, self._at, self._end = b"", 0, -1  # the buffer starts over here
        remaining = want - written
        into = self.raw.readinto
        while remaining > 0:
            if remaining > CHUNK:  # the buffer reads straight into the caller's memory
                n = into(view[written : written + PASS_CHUNK])
                if not n:
                    break
                written += n
                remaining -= n
                continue
            start = max(self._end, 0)
            size = min(CHUNK - start, PASS_CHUNK)
            if size <= remaining:
                n = into(view[written : written + size])
                if not n:
                    break
                self._end = start + n
                written += n
                remaining -= n
                continue
            extra = bytearray(size)  # the one fill that reads further than asked
            n = into(extra)
            if not n:
                break
            self._end = start + n
            take = min(n, remaining)
            view[written : written + take] = extra[:take]
            written += take
            remaining -= take
            if n > take:
                self._ahead = bytes(extra[take:n])
        return written


def _direct_member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> _TarMember | None:
    """The direct reader for a plain member of a streamed tar, or None to use extractfile."""
    stream = getattr(tar, "fileobj", None)
    stream_class = getattr(tarfile, "_Stream", None)
    if (
        not DIRECT_READS
        or stream_class is None
        or type(stream) is not stream_class
        or getattr(stream, "comptype", None) != "tar"
        or type(getattr(stream, "buf", None)) is not bytes
        or type(getattr(stream, "pos", None)) is not int
        or type(getattr(stream, "bufsize", None)) is not int
        or stream.bufsize <= 0
        or not isinstance(getattr(stream, "fileobj", None), io.BufferedReader)
        or getattr(tar, "fileobject", None) is not tarfile.ExFileObject
    ):
        return None
    if info.type not in tarfile.REGULAR_TYPES or info.sparse is not None or info.size < 0:
        return None
    return _TarMember(stream, info.offset_data, info.size)


class LimitedStream(io.RawIOBase):
    """A member's content: enforces the per-member, whole-bundle and ratio limits.

    When a limit is reached the stream ends early and `cut` says why; read errors of a corrupt
    archive also end the stream, with `cut` set.
    """

    def __init__(
        self,
        inner: BinaryIO,
        budget: _Budget,
        guards: list[_RatioGuard],
        on_input: Callable[[int], None] | None = None,
    ) -> None:
        self.inner = inner
        self.budget = budget
        self.guards = guards
        self.read_bytes = 0
        self.cut: str | None = None
        self.cut_code: str | None = None
        self.on_input = on_input
        self._into = getattr(inner, "readinto", None)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        if self.cut:
            return 0
        limits = self.budget.limits
        want = len(b)
        room = min(
            limits.max_member_bytes - self.read_bytes, limits.max_total_bytes - self.budget.total
        )
        if room <= 0:
            self._stop_for_limit()
            return 0
        try:
            if self._into is not None:
                # straight into the caller's buffer (what read() would return, one copy fewer)
                n = self._into(memoryview(b)[: min(want, room)]) or 0
            else:
                data = self.inner.read(min(want, room))
                n = len(data)
                b[:n] = data
        except _LimitHit as hit:
            self.cut = f"{hit.message} (inside this member, after {self.read_bytes} bytes of it)"
            self.cut_code = hit.code
            self.budget.exhausted = True
            return 0
        except _READ_ERRORS as exc:
            self.cut = f"the archive is damaged here ({_describe(exc)}); only the first {self.read_bytes} bytes could be read"
            self.cut_code = "corrupt"
            return 0
        if not n:
            return 0
        self.read_bytes += n
        self.budget.total += n
        if self.on_input is not None:
            self.on_input(n)
        for g in self.guards:
            if g.over(n):
                self.cut = (
                    f"decompressed data grew past {self.budget.limits.max_ratio}:1 of its compressed size "
                    f"(a compression bomb?); stopped after {self.read_bytes} bytes"
                )
                self.cut_code = "ratio-limit"
                self.budget.exhausted = True
                break
        return n

    def _stop_for_limit(self) -> None:
        limits = self.budget.limits
        if self.read_bytes >= limits.max_member_bytes:
            self.cut = f"member is larger than the per-member limit of {limits.max_member_bytes} bytes; the rest was not read"
            self.cut_code = "member-limit"
        else:
            self.cut = f"the bundle's total limit of {limits.max_total_bytes} decompressed bytes was reached; the rest was not read"
            self.cut_code = "total-limit"
            self.budget.exhausted = True


@dataclass(slots=True)
class Member:
    """One file of the bundle. `open()` may be called once; the stream ends with the member."""

    path: str
    size: int | None = None
    skipped: str | None = None  # reason when the reader refused the member
    skipped_code: str | None = None
    compressed: bool = False  # a single .gz/.xz/.bz2 file, shown decompressed
    _stream: LimitedStream | None = None
    _opener: Callable[[], LimitedStream] | None = None
    _opened: list[LimitedStream] = field(default_factory=list)

    def open(self) -> BinaryIO:
        if self._stream is not None:
            stream, self._stream = self._stream, None
        elif self._opener is not None:
            stream = self._opener()
        else:
            raise BundleError(f"{self.path} has no content to read")
        self._opened.append(stream)
        return io.BufferedReader(stream, CHUNK)  # type: ignore[arg-type]

    @property
    def cut(self) -> str | None:
        for s in self._opened:
            if s.cut:
                return s.cut
        return None

    @property
    def cut_code(self) -> str | None:
        for s in self._opened:
            if s.cut_code:
                return s.cut_code
        return None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def normalize(name: str) -> str | None:
    """An archive member name as a bundle path, or None when it points outside the bundle."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def _inside(base_dir: str, target: str) -> str | None:
    """Where a link target lands, relative to the bundle root, or None when outside."""
    if target.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(base_dir, target))
    if joined.startswith("../") or joined == "..":
        return None
    return joined


_GZIP = b"\x1f\x8b"
_XZ = b"\xfd7zXZ\x00"
_BZ2 = b"BZh"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


def _is_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def _compression(head: bytes) -> str | None:
    if head.startswith(_GZIP):
        return "gzip"
    if head.startswith(_XZ):
        return "xz"
    if head.startswith(_BZ2) and len(head) > 3 and head[3:4].isdigit():
        return "bz2"
    return None


def _decompressor(kind: str, raw: BinaryIO) -> BinaryIO:
    """A decompressing reader: python-isal when present (much faster), else zlib-ng, else stdlib."""
    if kind == "gzip":
        return _GzipStream(raw)  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(raw, "rb")  # type: ignore[return-value]
    return bz2.BZ2File(raw, "rb")  # type: ignore[return-value]


# What a decompressing child process sends per step: the step's length, the compressed
# bytes read until then, the input file's bytes read until then. A step of at most
# PASS_CHUNK bytes (all of them, in practice) travels in the next slot of a ring of shared
# memory, which the parent hands back once it has read it; a longer one follows its header in
# the pipe.
_STEP = struct.Struct("<iqq")
_FAILED = -1  # a step length that says: an error message follows
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux fcntl command
_SLOTS = 32  # slots of the ring (PASS_CHUNK each)
_HEADS = 16  # steps the child announces per write: the parent, faster, then wakes less often
_GIVE_BACK = 8  # slots the parent hands back per write, unless it is about to wait


def _child_decompress(
    read: Callable[[int], bytes],
    counting: _Counting,
    input_read: Callable[[], int],
    out: int,
    ring: memoryview,
    freed: int,
) -> None:
    """The child's whole life: the same reads as in place, each sent with its counts."""
    parts: list[bytes] = []
    free = _SLOTS
    slot = 0

    def send() -> None:
        done = os.writev(out, parts)
        total = sum(map(len, parts))
        if done < total:  # the rest of a write the pipe took only in part
            rest = b"".join(parts)[done:]
            while rest:
                rest = rest[os.write(out, rest) :]
        parts.clear()

    while True:
        try:
            data = read(PASS_CHUNK)
        except BaseException as exc:  # sent to the parent, raised there at the same point
            message = f"{type(exc).__name__}\0{exc}".encode("utf-8", "replace")
            parts.extend(
                (
                    _STEP.pack(_FAILED, counting.count, input_read()),
                    _STEP.pack(len(message), 0, 0),
                    message,
                )
            )
            send()
            os.close(out)
            return
        n = len(data)
        head = _STEP.pack(n, counting.count, input_read())
        if not n:
            parts.append(head)
            send()
            os.close(out)
            return
        if n > PASS_CHUNK:  # no read gives more than asked; still, it would not fit a slot
            parts.extend((head, data))
            send()
            continue
        if not free:
            if parts:
                send()  # what the parent must read before it can give a slot back
            got = os.read(freed, _SLOTS)
            if not got:  # the parent stopped reading
                os.close(out)
                return
            free += len(got)
        start = slot * PASS_CHUNK
        ring[start : start + n] = data
        slot = (slot + 1) % _SLOTS
        free -= 1
        parts.append(head)  # after the bytes are in their slot
        if len(parts) >= _HEADS:
            send()


def _error_named(name: str, message: str) -> BaseException:
    """An exception of the class a child reported (those the reader knows how to take)."""
    for cls in (*_READ_ERRORS, EOFError, OSError):
        if cls.__name__ == name:
            try:
                return cls(message)
            except TypeError:
                break
    return OSError(f"{name}: {message}")


class _Forked(io.RawIOBase):
    """Decompression in a forked child process, giving exactly what reading it in place gives.

    Decompressing is about a sixth of the work of analyzing a big compressed bundle; a thread
    would wait for the GIL between its small steps, a child process does not. The child makes the
    same reads (PASS_CHUNK at a time, `read1` where the decompressor has it, as _Passthrough
    does) on its copy of the stream and sends each result with the counts taken after it;
    an error travels after the bytes that came before it and is raised on the read that
    reaches it, so the ratio guard, the progress and a damaged input see what they would
    see without the child. The bytes themselves go through shared memory (a pipe would copy
    them twice more and wake the parent for every step), the counts through a pipe.
    """

    def __init__(self, inner: BinaryIO, counting: _Counting, budget: _Budget) -> None:
        self.inner = inner
        self.counting = counting
        self.budget = budget
        self._count = counting.count
        self._buf = bytearray(2 * _PIPE_SIZE)  # read from the pipe into this, in place
        self._pos = self._end = 0
        self._left = 0  # bytes of the current step not handed out yet
        self._from = -1  # where they are in the ring (-1: in the buffer)
        self._slot = 0  # the ring's slot of the next step
        self._freed = 0  # slots read and not handed back yet
        self._ended = False
        self.pid = 0
        read = getattr(inner, "read1", inner.read)
        self._ring = mmap.mmap(-1, _SLOTS * PASS_CHUNK)  # shared with the child
        self._view = memoryview(self._ring)
        fds: list[int] = []
        try:
            rfd, wfd = os.pipe()
            fds += (rfd, wfd)
            back_r, back_w = os.pipe()  # freed slots, one byte each
            fds += (back_r, back_w)
            with contextlib.suppress(OSError):
                import fcntl

                fcntl.fcntl(wfd, _F_SETPIPE_SZ, _PIPE_SIZE)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads alive
                pid = os.fork()
        except OSError:  # the caller decompresses in place instead
            for fd in fds:
                os.close(fd)
            self._view.release()
            self._ring.close()
            raise
        if pid == 0:  # the child: decompress, send, and leave without any cleanup of the parent's
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
                os.close(rfd)
                os.close(back_w)
                _child_decompress(
                    read, counting, lambda: budget.input_read, wfd, self._view, back_r
                )
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(wfd)
        os.close(back_r)
        self.pid = pid
        self._pipe = io.FileIO(rfd, "rb")
        self._back = back_w

    def consumed(self) -> int:
        """Compressed bytes read to produce what this stream has handed out."""
        return self._count

    def readable(self) -> bool:
        return True

    def _give_back(self) -> None:
        """Tell the child which slots it may fill again."""
        freed, self._freed = self._freed, 0
        with contextlib.suppress(OSError):  # a child that has ended needs none
            os.write(self._back, bytes(freed))

    def _fill(self, need: int) -> bool:
        """At least `need` unread bytes in the buffer; False when the child ended first."""
        buf = self._buf
        while self._end - self._pos < need:
            if self._freed:  # before waiting: the child may be waiting for a slot
                self._give_back()
            if self._pos:  # the unread bytes to the front, in place (no new allocation)
                left = self._end - self._pos
                buf[:left] = buf[self._pos : self._end]
                self._pos, self._end = 0, left
            if len(buf) - self._end < _PIPE_SIZE:
                buf.extend(bytes(max(need, 2 * _PIPE_SIZE)))  # a step longer than usual
            with memoryview(buf) as view:
                got = self._pipe.readinto(view[self._end :])
            if not got:
                return False
            self._end += got
        return True

    def _take(self, n: int) -> bytes:
        with memoryview(self._buf) as view:
            data = bytes(view[self._pos : self._pos + n])
        self._pos += n
        return data

    def _next(self) -> int:
        """Start the next step: its counts, its error, or its length (0 at the end)."""
        if self._ended:
            return 0
        if not self._fill(_STEP.size):
            self._ended = True
            raise EOFError("the decompressing process ended before the end of the stream")
        length, count, input_read = _STEP.unpack_from(self._buf, self._pos)
        self._pos += _STEP.size
        self._count = count
        self.counting.count = count
        self.budget.input_read = input_read
        if length == _FAILED:
            self._ended = True
            if not self._fill(_STEP.size):
                raise EOFError("the decompressing process ended before the end of the stream")
            size = _STEP.unpack_from(self._buf, self._pos)[0]
            self._pos += _STEP.size
            text = self._take(size).decode("utf-8", "replace") if self._fill(size) else ""
            name, _, message = text.partition("\0")
            raise _error_named(name, message)
        if 0 < length <= PASS_CHUNK:
            self._from = self._slot * PASS_CHUNK
            self._slot = (self._slot + 1) % _SLOTS
            return length
        self._from = -1
        # the whole step is waited for, so a child that dies in its middle gives none of it
        if not self._fill(length):
            self._ended = True
            raise EOFError("the decompressing process ended before the end of the stream")
        if not length:
            self._ended = True
        return length

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        """One step's bytes (those reading in place would have given), or the rest of one."""
        if not self._left:
            self._left = self._next()
            if not self._left:
                return 0
        n = min(len(b), self._left)
        at = self._from
        if at >= 0:
            b[:n] = self._view[at : at + n]
            self._from = at + n
        else:
            pos = self._pos
            with memoryview(self._buf) as view:
                b[:n] = view[pos : pos + n]
            self._pos = pos + n
        self._left -= n
        if not self._left and at >= 0:
            self._freed += 1
            if self._freed >= _GIVE_BACK:
                self._give_back()
        return n

    def read1(self, size: int = -1) -> bytes:
        """What `readinto` gives, as bytes (a whole step, or its rest, when size is negative)."""
        if not self._left:
            self._left = self._next()
        n = self._left if size < 0 else min(size, self._left)
        out = bytearray(n)
        got = self.readinto(out) if n else 0
        return bytes(out[:got])

    def close(self) -> None:
        if self.pid:
            pid, self.pid = self.pid, 0
            self._pipe.close()  # a child still writing stops on the broken pipe
            os.close(self._back)  # and one waiting for a slot on the end of this one
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
            with contextlib.suppress(BufferError):  # a slice still alive keeps it mapped
                self._view.release()
                self._ring.close()
        super().close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def _can_fork() -> bool:
    """Whether a decompressing child can be forked here (Linux: fork is safe and cheap)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def _zlib_module() -> object:
    """The fastest zlib-compatible module installed (isal, zlib-ng, then the stdlib's)."""
    try:
        from isal import isal_zlib

        return isal_zlib
    except ImportError:
        pass
    try:
        from zlib_ng import zlib_ng

        return zlib_ng
    except ImportError:
        return zlib


class _GzipStream(io.RawIOBase):
    """gzip decompression that hands over everything before a damaged or missing end.

    The file readers of the gzip libraries may decompress a small input in one call and then
    raise on its cut end, losing what they had decoded; a truncated upload must still give
    its first members. Concatenated gzip members are read one after the other.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.zlib = _zlib_module()
        self.d = self.zlib.decompressobj(31)  # type: ignore[attr-defined]
        self.pending = b""  # compressed input not yet given to the decompressor
        self.started = False  # this gzip member has consumed input
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        out = self._decompress(len(b))
        n = len(out)
        b[:n] = out
        return n

    def read1(self, size: int = -1) -> bytes:
        """What `readinto` would give for `size` bytes, without copying it (a negative size
        reads everything, as `read` does)."""
        if size < 0:
            return self.readall()
        return self._decompress(size)

    def _decompress(self, want: int) -> bytes:
        """The next decompressed bytes, at most `want` of them; empty at the end."""
        while not self.done:
            data = self.d.unconsumed_tail or self.pending
            self.pending = b""
            if not data:
                data = self.raw.read(PASS_CHUNK)
                if not data:
                    self.done = True
                    if self.started and not self.d.eof:
                        raise EOFError(
                            "compressed file ended before the end-of-stream marker was reached"
                        )
                    return b""
            self.started = True
            out = self.d.decompress(data, want)
            if self.d.eof:
                rest = self.d.unused_data
                if rest.lstrip(b"\0").startswith(_GZIP):  # another gzip member follows
                    self.pending = rest.lstrip(b"\0")
                    self.d = self.zlib.decompressobj(31)  # type: ignore[attr-defined]
                    self.started = False
                elif not rest and not self.d.unconsumed_tail:
                    nxt = self.raw.read(PASS_CHUNK)
                    if nxt.lstrip(b"\0").startswith(_GZIP):
                        self.pending = nxt.lstrip(b"\0")
                        self.d = self.zlib.decompressobj(31)  # type: ignore[attr-defined]
                        self.started = False
                    else:
                        self.done = True  # trailing padding or garbage after the last member
                else:
                    self.done = True
            if out:
                return out
        return b""

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            super().close()


def gzip_engine() -> str:
    """Which gzip implementation this installation uses."""
    try:
        import isal  # noqa: F401

        return "isal"
    except ImportError:
        pass
    try:
        import zlib_ng  # noqa: F401

        return "zlib-ng"
    except ImportError:
        return "zlib"


class Bundle:
    """A bundle on disk. Iterate `members()` once; read `issues` afterwards."""

    def __init__(self, path: str | os.PathLike[str], limits: Limits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or Limits()
        self.issues: list[Issue] = []
        self.budget = _Budget(self.limits)
        self.member_count = 0
        self.readable_members = 0
        self.current: str | None = None
        self.kind = "unknown"  # directory | tar | zip | compressed-file | file
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        if not self.path.exists():
            raise BundleError(f"{path}: no such file or directory")
        st = self.path.stat()
        if stat.S_ISDIR(st.st_mode):
            self.kind = "directory"
            self.input_size = _dir_size(self.path)
        elif stat.S_ISREG(st.st_mode):
            self.input_size = st.st_size
            if st.st_size == 0:
                raise BundleError(f"{path}: the file is empty")
        else:
            raise BundleError(f"{path}: not a regular file or directory")
        if not os.access(self.path, os.R_OK):
            raise BundleError(f"{path}: permission denied")

    @property
    def name(self) -> str:
        return self.path.name

    def close(self) -> None:
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- iteration -------------------------------------------------------------------------

    def members(self) -> Iterator[Member]:
        try:
            if self.kind == "directory":
                yield from self._counted(self._dir_members())
            else:
                yield from self._counted(self._file_members())
        finally:
            self.current = None

    def _counted(self, it: Iterator[Member]) -> Iterator[Member]:
        for m in it:
            self.member_count += 1
            if self.member_count > self.limits.max_members:
                self.issues.append(
                    Issue(
                        "member-count",
                        m.path,
                        f"the bundle has more than {self.limits.max_members} files; the rest were not read",
                    )
                )
                return
            if m.skipped is None:
                self.readable_members += 1
            self.current = m.path
            yield m
            if self.budget.exhausted:
                if not any(i.code in ("total-limit", "ratio-limit") for i in self.issues):
                    code = m.cut_code if m.cut_code in ("total-limit", "ratio-limit") else "total-limit"
                    why = (
                        "decompressed data grew far beyond its compressed size (a compression bomb?)"
                        if code == "ratio-limit"
                        else f"the total limit of {self.limits.max_total_bytes} decompressed bytes was reached"
                    )
                    self.issues.append(
                        Issue(code, m.path, f"reading stopped at this member: {why}; later members were not read")
                    )
                return

    def _issue(self, code: str, path: str, message: str) -> None:
        self.issues.append(Issue(code, path, message))

    def _stop(self, hit: _LimitHit, path: str) -> None:
        """A whole-stream limit ended the reading of an archive."""
        self.budget.exhausted = True
        if not any(i.code in ("total-limit", "ratio-limit") for i in self.issues):
            self._issue(hit.code, self.current or path, hit.message)

    def _skip(self, path: str, code: str, reason: str) -> Member:
        self._issue(code, path, reason)
        return Member(path=path, skipped=reason, skipped_code=code)

    def _dir_members(self) -> Iterator[Member]:
        root = self.path
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, root)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
            # directory symlinks are listed by os.walk among dirnames but not entered
            names = sorted(
                filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
            )
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
            for fname in names:
                full = os.path.join(dirpath, fname)
                rel = f"{rel_dir}/{fname}" if rel_dir else fname
                try:
                    st = os.lstat(full)
                except OSError as exc:
                    yield self._skip(rel, "unreadable", f"cannot be read: {_describe(exc)}")
                    continue
                if stat.S_ISLNK(st.st_mode):
                    yield self._link_member(rel, os.readlink(full), rel_dir, symbolic=True)
                    continue
                if not stat.S_ISREG(st.st_mode):
                    yield self._skip(
                        rel, "special-file", "not a regular file (device, FIFO or socket); skipped"
                    )
                    continue
                yield from self._from_opener(rel, st.st_size, _file_opener(full), depth=0)

    def _link_member(self, rel: str, target: str, rel_dir: str, *, symbolic: bool) -> Member:
        where = _inside(rel_dir, target) if symbolic else normalize(target)
        what = "symbolic link" if symbolic else "hard link"
        if where is None:
            return self._skip(
                rel, "link", f"{what} pointing outside the bundle ({target}); not followed"
            )
        # links inside the bundle are not an incident: the target is read where it is
        return Member(
            path=rel, skipped=f"{what} to {where}; read there", skipped_code="link-inside"
        )

    def _file_members(self) -> Iterator[Member]:
        with open(self.path, "rb") as raw_file:
            counting = _Counting(raw_file, self.budget)  # type: ignore[arg-type]
            yield from self._from_stream(
                self.path.name,
                self.input_size,
                counting,
                depth=0,
                guards=[],
                top=True,  # type: ignore[arg-type]
            )

    # -- archives ---------------------------------------------------------------------------

    def _tar_members(
        self,
        stream: BinaryIO,
        prefix: str,
        depth: int,
        guards: list[_RatioGuard],
        ratio: _RatioGuard | None = None,
        top: bool = False,
    ) -> Iterator[Member]:
        label = prefix.rstrip(ARCHIVE_SEP) or self.path.name
        guard = _StreamGuard(stream, self.budget, ratio, top)
        guarded = io.BufferedReader(guard, CHUNK)  # type: ignore[arg-type]
        try:
            tar = tarfile.open(fileobj=guarded, mode="r|")  # noqa: SIM115 - streamed, closed with the bundle
        except _LimitHit as hit:
            self._stop(hit, label)
            return
        except _READ_ERRORS as exc:
            self._issue("corrupt", label, f"not a readable tar archive ({_describe(guard.error or exc)})")
            return
        count = 0
        while True:
            try:
                info = tar.next()
            except _LimitHit as hit:
                self._stop(hit, label)
                return
            except _READ_ERRORS as exc:
                self._issue(
                    "corrupt",
                    label,
                    f"the archive is damaged or truncated after {count} entries "
                    f"({_describe(guard.error or exc)}); what came before was read",
                )
                return
            if info is None and guard.error is None and ratio is not None:
                # a compressed stream ends with a checksum: read the padding up to it, so damage
                # inside member data (which inflates to garbage without an error) shows too
                with contextlib.suppress(_LimitHit, *_READ_ERRORS):
                    guarded.read(4 << 20)
            if info is None and guard.error is not None:
                # tarfile may take an early end for the end of the archive
                self._issue(
                    "corrupt",
                    label,
                    f"the archive is damaged or truncated after {count} entries "
                    f"({_describe(guard.error)}); what came before was read",
                )
                return
            if info is None:
                return
            count += 1
            path = normalize(info.name)
            shown = prefix + (path if path is not None else info.name)
            if path is None:
                yield self._skip(
                    shown,
                    "path-escape",
                    "member path leaves the bundle (absolute or '..'); skipped",
                )
                continue
            if info.isdir():
                continue
            if info.issym() or info.islnk():
                base = posixpath.dirname(path)
                m = self._link_member(shown, info.linkname, base, symbolic=info.issym())
                yield m
                continue
            if not info.isfile():
                yield self._skip(
                    shown, "special-file", "not a regular file (device, FIFO or other); skipped"
                )
                continue
            if info.issparse():
                # a sparse entry expands its holes to zeros: a tiny archive could claim terabytes
                yield self._skip(shown, "special-file", "sparse file entry; not read")
                continue
            try:
                fobj = _direct_member(tar, info) or tar.extractfile(info)
            except (tarfile.TarError, OSError) as exc:
                yield self._skip(shown, "unreadable", f"cannot be read: {_describe(exc)}")
                continue
            if fobj is None:
                continue
            yield from self._from_stream(shown, info.size, fobj, depth, guards)  # type: ignore[arg-type]
            if self.budget.exhausted:
                return

    def _zip_members(self, zpath: str, prefix: str, depth: int) -> Iterator[Member]:
        label = prefix.rstrip(ARCHIVE_SEP) or self.path.name
        entries = _zip_entry_count(zpath)
        if entries is not None and entries > self.limits.max_members:
            # the central directory is read whole: refuse it before it fills memory
            self._issue(
                "member-count",
                label,
                f"the zip lists {entries} files, more than the limit of {self.limits.max_members}; not opened",
            )
            return
        try:
            zf = zipfile.ZipFile(zpath)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            self._issue("corrupt", label, f"not a readable zip archive ({_describe(exc)})")
            return
        with zf:
            for info in zf.infolist():
                path = normalize(info.filename)
                shown = prefix + (path if path is not None else info.filename)
                if path is None:
                    yield self._skip(
                        shown,
                        "path-escape",
                        "member path leaves the bundle (absolute or '..'); skipped",
                    )
                    continue
                if info.is_dir():
                    continue
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    yield self._skip(shown, "link", "symbolic link inside a zip; not followed")
                    continue
                if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                    yield self._skip(shown, "special-file", "not a regular file; skipped")
                    continue
                if info.flag_bits & 0x1:
                    yield self._skip(shown, "encrypted", "encrypted zip member; cannot be read")
                    continue
                try:
                    fobj = zf.open(info)
                except (
                    zipfile.BadZipFile,
                    OSError,
                    NotImplementedError,
                    RuntimeError,
                    ValueError,
                    EOFError,
                ) as exc:
                    yield self._skip(shown, "unreadable", f"cannot be read: {_describe(exc)}")
                    continue
                guard = _RatioGuard(lambda size=info.compress_size: size, self.limits)
                with fobj:
                    yield from self._from_stream(shown, info.file_size, fobj, depth, [guard])  # type: ignore[arg-type]
                if self.budget.exhausted:
                    return

    def _from_opener(
        self, path: str, size: int, opener: Callable[[], BinaryIO], depth: int
    ) -> Iterator[Member]:
        try:
            fobj = opener()
        except OSError as exc:
            yield self._skip(path, "unreadable", f"cannot be read: {_describe(exc)}")
            return
        with fobj:
            counting = _Counting(fobj, self.budget)
            yield from self._from_stream(path, size, counting, depth, [])  # type: ignore[arg-type]

    def _from_stream(
        self,
        path: str,
        size: int | None,
        fobj: BinaryIO,
        depth: int,
        guards: list[_RatioGuard],
        top: bool = False,
    ) -> Iterator[Member]:
        """Offer one file, or open it as an archive when it is one.

        `top` is the bundle file itself: an archive there is the bundle (its members have no
        prefix) and anything else is a one-member bundle.
        """
        buffered = io.BufferedReader(_Passthrough(fobj), CHUNK)  # type: ignore[arg-type]
        try:
            peeked = buffered.peek(512)  # all the buffer holds, which a plain member hands on
            head = peeked[:512]
        except _LimitHit as hit:
            self._stop(hit, path)
            return
        except _READ_ERRORS as exc:
            if top:
                raise BundleError(f"{self.path}: cannot be read ({_describe(exc)})") from None
            yield self._skip(path, "corrupt", f"cannot be read ({_describe(exc)})")
            return
        comp = _compression(head)
        is_zip = head.startswith(_ZIP)
        is_tar = _is_tar(head)
        child_depth = depth if top else depth + 1
        if (is_zip or is_tar) and child_depth > self.limits.max_depth:
            yield self._skip(
                path,
                "depth-limit",
                f"archive nested more than {self.limits.max_depth} levels deep; not opened",
            )
            return
        prefix = "" if top else path + ARCHIVE_SEP
        if is_zip:
            if top:
                self.kind = "zip"
                yield from self._zip_members(str(self.path), prefix="", depth=0)
            else:
                yield from self._nested_zip(path, buffered, child_depth)
            return
        if is_tar:
            if top:
                self.kind = "tar"
            else:
                yield _archive_member(path, size)
            yield from self._tar_members(
                buffered, prefix=prefix, depth=child_depth, guards=guards, top=top
            )
            return
        if comp:
            opened: list[_Forked] = []
            try:
                yield from self._compressed(
                    comp, buffered, path, size, child_depth, guards, top, prefix, opened
                )
            finally:
                for forked in opened:  # the child stops before the input is closed
                    forked.close()
            return
        if top:
            self.kind = "file"
        content: BinaryIO = buffered
        if isinstance(fobj, _TarMember):
            content = _Rebuffer(fobj, peeked)  # type: ignore[assignment]
        yield Member(path=path, size=size, _stream=LimitedStream(content, self.budget, guards))  # type: ignore[arg-type]

    def _compressed(
        self,
        comp: str,
        buffered: BinaryIO,
        path: str,
        size: int | None,
        child_depth: int,
        guards: list[_RatioGuard],
        top: bool,
        prefix: str,
        opened: list[_Forked],
    ) -> Iterator[Member]:
        """A gzip/xz/bz2 stream: a tar inside it, or one compressed file."""
        counting = _Counting(buffered)  # type: ignore[arg-type]
        # the compressed bytes behind what the reader has been handed, for the ratio guard
        consumed: Callable[[], int] = lambda: counting.count  # noqa: E731
        try:
            inner = _decompressor(comp, counting)  # type: ignore[arg-type]
            if top and (self.input_size or 0) > THREADED_MIN and _can_fork():
                try:
                    forked: _Forked | None = _Forked(inner, counting, self.budget)
                except OSError:  # no process, pipe or shared memory to spare: read in place
                    forked = None
                if forked is not None:
                    opened.append(forked)
                    inner, consumed = forked, forked.consumed  # type: ignore[assignment]
            ibuf = io.BufferedReader(_Passthrough(inner), CHUNK)  # type: ignore[arg-type]
            ihead = ibuf.peek(512)[:512]
        except _LimitHit as hit:
            self._stop(hit, path)
            return
        except _READ_ERRORS as exc:
            if top:
                raise BundleError(
                    f"{self.path}: not a readable {comp} file ({_describe(exc)})"
                ) from None
            yield self._skip(
                path,
                "corrupt",
                f"looks {comp}-compressed but cannot be decompressed ({_describe(exc)})",
            )
            return
        guard = _RatioGuard(consumed, self.limits)
        if _is_tar(ihead):
            if child_depth > self.limits.max_depth:
                yield self._skip(
                    path,
                    "depth-limit",
                    f"archive nested more than {self.limits.max_depth} levels deep; not opened",
                )
                return
            if top:
                self.kind = "tar"
            else:
                yield _archive_member(path, size)
            # the ratio guard watches every byte of this stream, read or skipped
            yield from self._tar_members(
                ibuf, prefix=prefix, depth=child_depth, guards=guards, ratio=guard, top=top
            )
            return
        if top:
            self.kind = "compressed-file"
            path = _strip_compression_suffix(path)
        yield Member(
            path=path,
            size=None,
            compressed=True,
            _stream=LimitedStream(ibuf, self.budget, [*guards, guard]),
        )  # type: ignore[arg-type]
        return

    def _nested_zip(self, path: str, buffered: BinaryIO, depth: int) -> Iterator[Member]:
        """A zip needs random access: copy it (within the member limit) to a private temp file."""
        if self._tmpdir is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="analyze-")
        fd, tmp = tempfile.mkstemp(dir=self._tmpdir.name, suffix=".zip")
        try:
            written = 0
            with os.fdopen(fd, "wb") as out:
                while True:
                    try:
                        chunk = buffered.read(CHUNK)
                    except _LimitHit as hit:
                        self._stop(hit, path)
                        return
                    except _READ_ERRORS as exc:
                        yield self._skip(path, "corrupt", f"cannot be read ({_describe(exc)})")
                        return
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > self.limits.max_member_bytes:
                        yield self._skip(
                            path,
                            "member-limit",
                            "nested zip larger than the per-member limit; not opened",
                        )
                        return
                    out.write(chunk)
            yield _archive_member(path, written)
            yield from self._zip_members(tmp, prefix=path + ARCHIVE_SEP, depth=depth)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _read_errors() -> tuple[type[BaseException], ...]:
    """Every error a damaged archive can raise while read (the fast decoders have their own)."""
    errors: list[type[BaseException]] = [
        OSError,
        EOFError,
        zlib.error,
        lzma.LZMAError,
        tarfile.TarError,
        zipfile.BadZipFile,
        ValueError,
    ]
    try:
        from isal.igzip_lib import IsalError

        errors.append(IsalError)
    except ImportError:
        pass
    return tuple(errors)


_READ_ERRORS = _read_errors()


def _zip_entry_count(zpath: str) -> int | None:
    """How many entries a zip's end record announces (None when it cannot be told)."""
    try:
        with open(zpath, "rb") as fh:
            record = zipfile._EndRecData(fh)  # type: ignore[attr-defined]  # stable since Python 2
    except (OSError, AttributeError, ValueError, EOFError, struct.error):
        return None
    if not record:
        return None
    try:
        return int(record[zipfile._ECD_ENTRIES_TOTAL])  # type: ignore[attr-defined]
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _archive_member(path: str, size: int | None) -> Member:
    return Member(
        path=path,
        size=size,
        skipped=f"nested archive; its members are listed as {path}{ARCHIVE_SEP}…",
        skipped_code="archive",
    )


def _strip_compression_suffix(name: str) -> str:
    low = name.lower()
    for suffix in (".gz", ".xz", ".bz2"):
        if low.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class _Passthrough(io.RawIOBase):
    """Adapts a decompressor (whose errors may be any of several types) to a raw stream."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        # read1 hands over what one decompression step produced, so the data before a
        # damaged spot is delivered before the error is raised
        self._read = getattr(inner, "read1", inner.read)
        # where the inner stream's readinto gives exactly what its read1 (or read) would,
        # straight into the buffer
        exact = DIRECT_READS and isinstance(inner, (_TarMember, _Forked, _GzipStream))
        self._into = inner.readinto if exact else None

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        if self._into is not None:
            if len(b) <= PASS_CHUNK:
                return self._into(b)
            with memoryview(b) as view:
                return self._into(view[:PASS_CHUNK])
        data = self._read(min(len(b), PASS_CHUNK))
        n = len(data)
        b[:n] = data
        return n

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()


def _file_opener(full: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(full, flags)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise OSError("not a regular file")
        return os.fdopen(fd, "rb", buffering=0)

    return opener


def _dir_size(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        for f in files:
            try:
                st = os.lstat(os.path.join(dirpath, f))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total


def open_bundle(path: str | os.PathLike[str], limits: Limits | None = None) -> Bundle:
    return Bundle(path, limits)
