"""Running collection steps and recording them for manifest.json.

A step is one command, always an argv list (no shell anywhere), bounded by a timeout. Its stdout
goes straight to a file, never through memory, so a multi-GB container log costs disk, not RAM;
stderr goes to a scratch file whose last lines explain a failure. Each command runs in a session
of its own so that a timeout stops it together with whatever it started (podman's exec helpers,
oc's streams), and an interrupt of the collector stops it too.

The runner owns two directories: the bundle (what is archived) and a scratch directory for
outputs the collector only reads (listings, secrets it decodes, tar streams of `podman cp`).
Every command is recorded (`commands[]`) and every step that did not give what it should is
recorded with why (`failures[]`); collection always goes on.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

MAX_READ = 64 << 20  # outputs the collector reads back (ps JSON, pod lists, secrets)
_TAIL_BYTES = 4096
_STOP_GRACE = 3.0  # seconds between SIGTERM and SIGKILL for a command that overran

# A check looks at an output's bytes and says why it is not what was expected (None: fine).
Check = Callable[[bytes], str | None]


@dataclass
class Step:
    """What one command did, as the caller needs it."""

    cmd: str
    exit_code: int | None
    seconds: float
    output: str | None = None  # the bundle path kept, if any
    message: str = ""  # why it failed; empty when it did not
    data: bytes | None = None  # stdout, when the caller asked to read it
    scratch: Path | None = None  # stdout left in the scratch directory (keep_scratch=True)

    @property
    def ok(self) -> bool:
        return not self.message


def bundle_path(rel: str) -> str:
    """A relative POSIX path that stays inside the bundle (no absolute part, no `..`)."""
    p = PurePosixPath(rel)
    if p.is_absolute() or any(part in ("", ".", "..") for part in p.parts) or not p.parts:
        raise ValueError(f"not a bundle path: {rel!r}")
    return p.as_posix()


def tail_text(data: bytes, lines: int = 3, limit: int = 400) -> str:
    """The last non-empty lines of an output, on one line, for a failure message."""
    text = data[-_TAIL_BYTES:].decode("utf-8", errors="replace")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    picked = [ln.strip() for ln in text.splitlines() if ln.strip()][-lines:]
    out = " / ".join(picked)
    return out if len(out) <= limit else "…" + out[-limit:]


class Runner:
    """Runs steps into a bundle directory and keeps the manifest's records."""

    def __init__(self, root: Path, scratch: Path, timeout: float) -> None:
        self.root = root
        self.scratch = scratch
        self.timeout = timeout
        self.commands: list[dict[str, Any]] = []
        self.failures: list[dict[str, Any]] = []
        self.withheld: list[dict[str, str]] = []
        self.files: set[str] = set()
        self._n = 0
        root.mkdir(parents=True, exist_ok=True)
        scratch.mkdir(parents=True, exist_ok=True)

    # -- records -----------------------------------------------------------------------------

    def record(
        self, cmd: str, exit_code: int | None, seconds: float, output: str | None
    ) -> dict[str, Any]:
        """Add one entry to commands[] (in the manifest's own shape)."""
        entry = {"cmd": cmd, "exit_code": exit_code, "seconds": seconds, "output": output}
        self.commands.append(entry)
        if output:
            self.files.add(output)
        return entry

    def fail(self, cmd: str | None, message: str) -> None:
        """Add one entry to failures[]: a step that did not give what it should, and why."""
        self.failures.append({"cmd": cmd, "message": message})

    def withhold(self, path: str, reason: str) -> None:
        """Note a file that exists on the deployment but is deliberately not collected."""
        self.withheld.append({"path": path, "reason": reason})

    # -- files ---------------------------------------------------------------------------------

    def put(self, rel: str, data: bytes, entry: dict[str, Any] | None = None) -> str:
        """Write a file the collector derived itself (a decoded secret) into the bundle."""
        rel = bundle_path(rel)
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.files.add(rel)
        if entry is not None and not entry.get("output"):
            entry["output"] = rel
        return rel

    def drop(self, rel: str) -> None:
        """Remove a file from the bundle (it turned out not to be what was expected)."""
        with contextlib.suppress(OSError):
            (self.root / rel).unlink()
        self.files.discard(rel)
        for entry in self.commands:
            if entry.get("output") == rel:
                entry["output"] = None

    def _scratch_file(self, what: str) -> Path:
        """A new file name in the scratch directory."""
        self._n += 1
        return self.scratch / f"{self._n:04d}-{what}"

    # -- running -----------------------------------------------------------------------------

    def run(
        self,
        argv: Sequence[str],
        *,
        output: str | None = None,
        read: bool = False,
        merge_stderr: bool = False,
        keep_partial: bool = False,
        empty_ok: bool = False,
        expected: Sequence[int] = (0,),
        quiet: bool = False,
        check: Check | None = None,
        keep_scratch: bool = False,
        timeout: float | None = None,
    ) -> Step:
        """Run one command; its stdout becomes `output` in the bundle (or stays in scratch).

        A failed step keeps no output (a half-written JSON file would only confuse the
        analysis), except a log cut by the timeout with `keep_partial`: what was read is still
        evidence, and the failure says it is incomplete. `quiet` leaves failures out of the
        manifest's failures[] for probes whose caller reports the overall outcome.
        """
        argv = [str(a) for a in argv]
        cmd = shlex.join(argv)
        limit = self.timeout if timeout is None else timeout
        rel = bundle_path(output) if output else None
        target = self.root / rel if rel else self._scratch_file("out")
        target.parent.mkdir(parents=True, exist_ok=True)
        errpath = self._scratch_file("err")
        code: int | None = None
        message = ""
        timed_out = False
        start = time.monotonic()
        try:
            with open(target, "wb") as out, open(errpath, "wb") as err:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT if merge_stderr else err,
                    start_new_session=True,
                )
                try:
                    code = proc.wait(timeout=limit)
                except subprocess.TimeoutExpired:
                    _stop(proc)
                    timed_out = True
                    message = f"timed out after {limit:g} s and was stopped"
                except BaseException:
                    _stop(proc)
                    raise
        except FileNotFoundError:
            message = f"{argv[0]}: command not found"
        except PermissionError:
            message = f"{argv[0]}: permission denied"
        except OSError as exc:
            message = f"{argv[0]}: cannot run: {exc.strerror or exc}"
        seconds = round(time.monotonic() - start, 3)

        size = target.stat().st_size if target.exists() else 0
        if not message and code not in expected:
            why = tail_text(_read_tail(target if merge_stderr else errpath))
            message = f"exit code {code}" + (f": {why}" if why else "")
        kept: str | None = rel
        if message:
            if timed_out and keep_partial and rel and size > 0:
                message += "; the output kept is incomplete"
            else:
                kept = None
        elif size == 0:
            kept = None
            if not empty_ok:
                message = "no output"
        data: bytes | None = None
        if (read or check) and (kept or (not rel and not message)):
            with open(target, "rb") as fh:
                data = fh.read(MAX_READ + 1)
            if len(data) > MAX_READ:
                if read:
                    message = message or f"output larger than {MAX_READ >> 20} MiB; not read"
                    kept = None
                data = data[:MAX_READ]
            if check and not message:
                problem = check(data)
                if problem:
                    message, kept = problem, None
        if rel and not kept:
            with contextlib.suppress(OSError):
                target.unlink()
        scratch: Path | None = None
        if not rel:
            if keep_scratch and not message:
                scratch = target
            else:
                with contextlib.suppress(OSError):
                    target.unlink()
        with contextlib.suppress(OSError):
            errpath.unlink()
        self.record(cmd, code, seconds, kept)
        if message and not quiet:
            self.fail(cmd, message)
        return Step(cmd, code, seconds, kept, message, data if read else None, scratch)


def _read_tail(path: Path) -> bytes:
    """The last few KiB of a file (for failure messages)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - _TAIL_BYTES))
            return fh.read()
    except OSError:
        return b""


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a command and everything it started (its session), politely first."""
    for sig, wait in ((signal.SIGTERM, _STOP_GRACE), (signal.SIGKILL, _STOP_GRACE)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
