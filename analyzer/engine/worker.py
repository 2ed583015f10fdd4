"""The per-block work of a big Quay log that needs no state, done beside the bulk reader in a
forked process.

The bulk reader (quayfast.py) spends a large part of its time on work that depends only on
the block's bytes: the literal prefilter (hyperscan's scan holds the GIL) and, with the
compiled classifier, the line classification and the nginx access-line matcher. On a machine
with a second core that work can overlap with the rest. The reader copies each block into a
slot of memory shared with a child forked for the member and goes on with the blocks before
it; the child scans and classifies the block with the very same matcher and library
(inherited through fork) and leaves the arrays in the slot; the reader takes them when it
reaches that block. The classification uses the program prefixes the reader knew when it
handed the block over; a block whose prefixes changed meanwhile is classified again.

Whatever goes wrong with the child (it cannot be started, dies, answers nonsense, a block has
more lines than a slot holds) the reader does the affected blocks itself, so the results are
the same with or without it. Linux only (fork is cheap and safe there);
ANALYZER_WORKER=off turns it off.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
import signal
import struct
import sys
import warnings
from collections import deque
from dataclasses import dataclass

import numpy as np

from analyzer.engine import native
from analyzer.engine.quaylines import PAD, Lines

SLOTS = 3  # blocks in flight: the one being read, the one being worked on, one queued
SLOT_BYTES = 4 << 20  # a block is about 1 MiB; longer ones (long lines carried over) go inline
MAX_LINES = 1 << 16  # lines of a block the child classifies (Quay lines: ~3,500 per MiB)
# per line in a slot's output area: starts, ends, key, ms, body (int64), cls, level, access,
# nginx state (int8)
_LINE_BYTES = 5 * 8 + 4
_OUT_BYTES = MAX_LINES * _LINE_BYTES
_SLOT_TOTAL = SLOT_BYTES + _OUT_BYTES
# request: slot, length, bytes of new prefixes (-1: unchanged), their number
_REQUEST = struct.Struct("<iqqq")
# answer: slot, matches (-1: no scan), lines (-1: not classified), clean, prefixes used
_ANSWER = struct.Struct("<iqqiq")
_NO = -1


def available() -> bool:
    """Whether a worker may be forked here."""
    if os.environ.get("ANALYZER_WORKER", "").strip().lower() in ("off", "0", "no", "false"):
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork") and (os.cpu_count() or 1) > 1


def _max_fd() -> int:
    """One past the highest descriptor the child may have inherited (Linux: resource exists)."""
    import resource

    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return 65536 if soft == resource.RLIM_INFINITY or soft > 65536 else soft


def _read_exact(fd: int, size: int) -> bytes:
    out = bytearray()
    while len(out) < size:
        chunk = os.read(fd, size - len(out))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _arrays(shm: mmap.mmap, slot: int) -> tuple[np.ndarray, ...]:
    """The output arrays of a slot, MAX_LINES entries each (views on the shared memory)."""
    at = slot * _SLOT_TOTAL + SLOT_BYTES
    out = []
    for dtype in (np.int64,) * 5 + (np.int8, np.int8, np.bool_, np.int8):
        arr = np.frombuffer(shm, dtype, MAX_LINES, at)
        out.append(arr)
        at += arr.nbytes
    return tuple(out)


@dataclass(slots=True)
class Answer:
    """What the child made of one block."""

    found: list[tuple[int, int]] | None  # (literal, offset) matches; None: not scanned
    lines: Lines | None  # the classification (copied out of the slot); None: not classified
    clean: bool
    keys: int  # program prefixes the classification used
    nginx: np.ndarray | None  # lines the nginx matcher left to the reader


class _Child:
    """The child's state: the prefixes it was last sent, the library, the matcher."""

    def __init__(self, matcher: object | None, classify: bool, shm: mmap.mmap) -> None:
        self.matcher = matcher
        self.lib = native.library() if classify else None
        self.shm = shm
        self.view = memoryview(shm)
        self.base = ctypes.addressof(ctypes.c_char.from_buffer(shm)) if self.lib is not None else 0
        self.packed: tuple[bytes, np.ndarray, int] = (b"\0", np.zeros(1, np.int64), 0)

    def serve(self, requests: int, answers: int) -> None:
        while True:
            head = _read_exact(requests, _REQUEST.size)
            if len(head) < _REQUEST.size:
                return
            slot, length, key_bytes, key_count = _REQUEST.unpack(head)
            if length < 0:
                return
            if key_bytes >= 0:
                blob = _read_exact(requests, key_bytes)
                offsets = np.frombuffer(_read_exact(requests, 8 * (key_count + 1)), np.int64).copy()
                self.packed = (blob or b"\0", offsets, key_count)
            try:
                answer = self.work(slot, length)
            except Exception:  # noqa: BLE001 - the parent does the block itself
                answer = _ANSWER.pack(slot, _NO, _NO, 0, 0)
            _write_all(answers, answer)

    def work(self, slot: int, length: int) -> bytes:
        start = slot * _SLOT_TOTAL
        lines_n, clean, keys = _NO, 0, 0
        if self.lib is not None:
            lib, ptr, size = self.lib, self.base + start, length - PAD
            clean = int(lib.qs_clean(ptr, size))
            starts, ends, key, ms, body, cls, level, access, state = _arrays(self.shm, slot)
            cr = ctypes.c_int32()  # known from `clean` already
            n = lib.qs_newlines_cr(ptr, size, ends.ctypes.data, MAX_LINES, ctypes.byref(cr))
            if n <= MAX_LINES:
                blob, offsets, keys = self.packed
                lib.qs_classify(
                    ptr, ends.ctypes.data, n, clean, blob, offsets.ctypes.data, keys,
                    starts.ctypes.data, cls.ctypes.data, key.ctypes.data, level.ctypes.data,
                    ms.ctypes.data, body.ctypes.data,
                )  # fmt: skip
                access[:n] = False
                lib.qs_nginx(
                    ptr, ends.ctypes.data, n, body.ctypes.data, key.ctypes.data, cls.ctypes.data,
                    level.ctypes.data, ms.ctypes.data, access.ctypes.data, state.ctypes.data,
                )  # fmt: skip
                lines_n = n
        pairs = b""
        found = _NO
        if self.matcher is not None:
            hits = self.matcher.positions(self.view[start : start + length])  # type: ignore[attr-defined]
            found = len(hits)
            pairs = np.array(hits, np.int64).reshape(-1).tobytes()
        return _ANSWER.pack(slot, found, lines_n, clean, keys) + pairs


class BlockWorker:
    """A forked child that prefilters and classifies blocks handed over in shared memory.

    `matcher` (one with `positions`, or None) is run on every block; `classify` asks for the
    compiled classification and nginx matching too (native.py's library must be loaded).
    """

    def __init__(self, matcher: object | None, classify: bool) -> None:
        self.matcher = matcher
        self.classify = classify
        self.shm = mmap.mmap(-1, SLOTS * _SLOT_TOTAL)  # anonymous and shared with the child
        self.free = deque(range(SLOTS))
        self.alive = True
        self._sent_keys: int | None = None
        req_r, req_w = os.pipe()
        ans_r, ans_w = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads alive
            pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
                # keep only the standard streams and its two pipe ends: an inherited end of
                # another pipe (the decompressing child's) must not outlive the parent's use
                keep = sorted((req_r, ans_w))
                os.closerange(3, keep[0])
                os.closerange(keep[0] + 1, keep[1])
                os.closerange(keep[1] + 1, _max_fd())
                _serve(matcher, classify, self.shm, req_r, ans_w)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        os.close(req_r)
        os.close(ans_w)
        self.pid = pid
        self._requests = req_w
        self._answers = ans_r

    def submit(self, padded: bytes, keys: tuple[bytes, np.ndarray, int] | None = None) -> int | None:
        """Hand a block over (with the classifier's prefixes); its ticket, or None when the
        reader must do it in place."""
        if not self.alive or not self.free or len(padded) > SLOT_BYTES:
            return None
        slot = self.free.popleft()
        start = slot * _SLOT_TOTAL
        self.shm[start : start + len(padded)] = padded
        extra = b""
        key_bytes = key_count = _NO
        if keys is not None and keys[2] != self._sent_keys:
            blob, offsets, key_count = keys
            extra = blob + offsets.astype(np.int64).tobytes()
            key_bytes = len(blob)
            self._sent_keys = key_count
        try:
            _write_all(self._requests, _REQUEST.pack(slot, len(padded), key_bytes, key_count) + extra)
        except OSError:
            self.alive = False
            self.free.append(slot)
            return None
        return slot

    def collect(self, ticket: int) -> Answer | None:
        """What the child made of a submitted block; None if it failed it.

        Answers come in the order of the requests, and tickets are collected in that order.
        """
        self.free.append(ticket)
        if not self.alive:
            return None
        try:
            head = _read_exact(self._answers, _ANSWER.size)
            if len(head) < _ANSWER.size:
                raise OSError("the worker process ended")
            slot, count, n, clean, keys = _ANSWER.unpack(head)
            if slot != ticket:
                raise OSError("the worker process answered out of order")
            body = _read_exact(self._answers, 16 * max(count, 0))
            if len(body) < 16 * max(count, 0):
                raise OSError("the worker process ended mid-answer")
        except OSError:
            self.alive = False
            return None
        found = None
        if count >= 0:
            pairs = np.frombuffer(body, np.int64).reshape(-1, 2)
            found = list(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))
        lines = nginx = None
        if n >= 0:
            starts, ends, key, ms, body_at, cls, level, access, state = (
                a[:n].copy() for a in _arrays(self.shm, slot)
            )
            lines = Lines(starts, ends, cls, key, level, ms, body_at, access if access.any() else None)
            nginx = np.flatnonzero(state == 2)
        return Answer(found, lines, bool(clean), keys, nginx)

    def close(self) -> None:
        """Stop the child and wait for it."""
        if self.pid:
            pid, self.pid = self.pid, 0
            with contextlib.suppress(OSError):
                _write_all(self._requests, _REQUEST.pack(0, -1, _NO, _NO))
            for fd in (self._requests, self._answers):
                with contextlib.suppress(OSError):
                    os.close(fd)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
        self.alive = False
        with contextlib.suppress(BufferError, ValueError):
            self.shm.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def _serve(matcher: object | None, classify: bool, shm: mmap.mmap, requests: int, answers: int) -> None:
    """The child's whole life: answer requests until told to stop or the parent goes away."""
    _Child(matcher, classify, shm).serve(requests, answers)
