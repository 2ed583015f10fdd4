"""The literal prefilter of a big Quay log, run beside the bulk reader in a forked process.

The bulk reader (quayfast.py) spends about a fifth of its time in hyperscan's scan of each
block, which holds the GIL; on a machine with a second core that time can overlap with the
rest of the work. The reader copies each block into a slot of memory shared with a child
forked for the member, asks the child for the block's matches, and goes on with the blocks
before it; it collects the answer when it reaches that block. The child runs the very same
matcher (inherited through fork) on the very same bytes and returns every (literal, offset)
pair, so the hits are those the reader would have found itself.

Whatever goes wrong with the child (it cannot be started, dies, answers nonsense) the reader
scans the affected blocks itself; a block larger than a slot is scanned in place too. Linux
only (fork is cheap and safe there); ANALYZER_WORKER=off turns it off.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import signal
import struct
import sys
import warnings
from collections import deque

import numpy as np

SLOTS = 3  # blocks in flight: the one being read, the one being scanned, one queued
SLOT_BYTES = 4 << 20  # a block is about 1 MiB; longer ones (long lines carried over) go inline
_REQUEST = struct.Struct("<iq")  # slot, length (-1: stop)
_ANSWER = struct.Struct("<iq")  # slot, matches (-1: the scan failed)


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


def _serve(matcher: object, shm: mmap.mmap, requests: int, answers: int) -> None:
    """The child: scan each requested slot and answer with its matches, until told to stop."""
    view = memoryview(shm)
    while True:
        head = _read_exact(requests, _REQUEST.size)
        if len(head) < _REQUEST.size:
            return
        slot, length = _REQUEST.unpack(head)
        if length < 0:
            return
        start = slot * SLOT_BYTES
        try:
            found = matcher.positions(view[start : start + length])  # type: ignore[attr-defined]
            pairs = np.array(found, np.int64).reshape(-1)
            _write_all(answers, _ANSWER.pack(slot, len(found)) + pairs.tobytes())
        except Exception:  # noqa: BLE001 - the parent scans the block itself
            _write_all(answers, _ANSWER.pack(slot, -1))


class PrefilterWorker:
    """A forked child that runs `matcher.positions` on blocks handed over in shared memory."""

    def __init__(self, matcher: object) -> None:
        self.matcher = matcher
        self.shm = mmap.mmap(-1, SLOTS * SLOT_BYTES)  # anonymous and shared with the child
        self.free = deque(range(SLOTS))
        self.alive = True
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
                _serve(matcher, self.shm, req_r, ans_w)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        os.close(req_r)
        os.close(ans_w)
        self.pid = pid
        self._requests = req_w
        self._answers = ans_r

    def submit(self, padded: bytes) -> int | None:
        """Hand a block over; its ticket (a slot), or None when it must be scanned in place."""
        if not self.alive or not self.free or len(padded) > SLOT_BYTES:
            return None
        slot = self.free.popleft()
        start = slot * SLOT_BYTES
        self.shm[start : start + len(padded)] = padded
        try:
            _write_all(self._requests, _REQUEST.pack(slot, len(padded)))
        except OSError:
            self.alive = False
            self.free.append(slot)
            return None
        return slot

    def collect(self, ticket: int) -> list[tuple[int, int]] | None:
        """The (literal, offset) matches of a submitted block; None if the child failed it.

        Answers come in the order of the requests, and tickets are collected in that order.
        """
        self.free.append(ticket)
        if not self.alive:
            return None
        try:
            head = _read_exact(self._answers, _ANSWER.size)
            if len(head) < _ANSWER.size:
                raise OSError("the prefilter process ended")
            slot, count = _ANSWER.unpack(head)
            if slot != ticket:
                raise OSError("the prefilter process answered out of order")
            if count < 0:
                return None
            body = _read_exact(self._answers, 16 * count)
            if len(body) < 16 * count:
                raise OSError("the prefilter process ended mid-answer")
        except OSError:
            self.alive = False
            return None
        pairs = np.frombuffer(body, np.int64).reshape(-1, 2)
        return list(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))

    def close(self) -> None:
        """Stop the child and wait for it."""
        if self.pid:
            pid, self.pid = self.pid, 0
            with contextlib.suppress(OSError):
                _write_all(self._requests, _REQUEST.pack(0, -1))
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
