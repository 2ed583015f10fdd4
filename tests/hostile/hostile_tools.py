"""Helpers of the hostile-bundle suite: build crafted bundles, run the analyzer fenced in.

Every bundle is built by the tests themselves (nothing big is committed). The analyzer runs in
a subprocess with an address-space limit (a runaway allocation fails fast instead of eating
the machine), its own empty working directory and TMPDIR (so anything it writes shows), and a
timeout that only guards against a hang. The child reports its own peak RSS.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tarfile
import time
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
HEALTHY = DATA / "quay" / "healthy-push-pull"

ADDRESS_SPACE = 1 << 30  # hard fence (virtual memory): a MemoryError past this fails the case
PEAK_RSS_MAX = 512 << 20  # what the tests assert: well under 1 GB
HANG_GUARD = 300  # seconds; only a hang ever gets near it

CONFIG = (HEALTHY / "config.yaml").read_bytes()
LOG_LINES = (HEALTHY / "quay-container.log").read_bytes().splitlines(keepends=True)
LOG = b"".join(LOG_LINES[:200])
INSTANCE = (HEALTHY / "health-instance.json").read_bytes()

_WRAPPER = """
import os, resource, sys
from analyzer.cli import main
try:
    rc = main(sys.argv[1:])
finally:
    with open(os.environ["HOSTILE_RSS_FILE"], "w") as fh:
        fh.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
sys.exit(rc)
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int
    seconds: float
    written: list[str]  # files left in the working directory or TMPDIR

    def report(self) -> dict[str, Any]:
        return json.loads(self.stdout)

    def fired(self) -> set[str]:
        return {f["rule_id"] for f in self.report()["findings"]}

    def findings(self, rule_id: str) -> list[dict[str, Any]]:
        return [f for f in self.report()["findings"] if f["rule_id"] == rule_id]


def _fence() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_analyzer(args: Iterable[str], workdir: Path, timeout: float = HANG_GUARD) -> Run:
    """Run `analyze ARGS` fenced in; `workdir` holds its cwd and TMPDIR (both start empty)."""
    cwd = workdir / "cwd"
    tmp = workdir / "tmp"
    cwd.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    rss_file = workdir / "peak-rss"
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "HOSTILE_RSS_FILE": str(rss_file),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("ANALYZE_DEBUG", None)
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_fence,  # noqa: PLW1509 - no threads in the test process at this point
    )
    seconds = time.monotonic() - start
    peak = int(rss_file.read_text()) if rss_file.exists() else -1
    written = [str(p.relative_to(workdir)) for d in (cwd, tmp) for p in d.rglob("*")]
    return Run(proc.returncode, proc.stdout, proc.stderr, peak, seconds, written)


def assert_sane(run: Run, codes: tuple[int, ...] = (0, 1)) -> None:
    """What every hostile case must show: an allowed exit code, no traceback, bounded memory."""
    assert run.returncode in codes, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert "internal error" not in run.stderr, run.stderr[-2000:]
    assert 0 < run.peak_rss < PEAK_RSS_MAX, f"peak RSS {run.peak_rss >> 20} MiB"
    assert run.written == [], f"the analyzer left files behind: {run.written}"
    if run.returncode == 2:
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("analyze: error: "), run.stderr


# -- builders ---------------------------------------------------------------------------------


def tar_bytes(entries: Iterable[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w") -> bytes:
    """A tar of (name, data) files and ready-made TarInfo entries (links, devices...)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for e in entries:
            if isinstance(e, tarfile.TarInfo):
                t.addfile(e)
            else:
                name, data = e
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = 1795651824
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def special(name: str, kind: bytes, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        info.devmajor, info.devminor = 1, 3
    return info


def zip_bytes(files: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16  # S_IFLNK
            z.writestr(info, target)
    return buf.getvalue()


def gzip_stream(chunks: Iterable[bytes]) -> bytes:
    """gzip of a stream of chunks (a bomb is built without holding it in memory)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [z.compress(c) for c in chunks]
    out.append(z.flush())
    return b"".join(out)


def tgz_with_stream(name: str, size: int, chunk: bytes, extra: list[tuple[str, bytes]]) -> bytes:
    """A tgz whose first member is `size` bytes of `chunk` repeated, streamed through gzip."""

    class Repeat(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, b: bytearray) -> int:  # type: ignore[override]
            n = min(len(b), self.left)
            reps = chunk * (n // len(chunk) + 1)
            b[:n] = reps[:n]
            self.left -= n
            return n

    raw = io.BytesIO()
    z = zlib.compressobj(9, zlib.DEFLATED, 31)

    class GzOut(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            raw.write(z.compress(bytes(b)))
            return len(b)

    with tarfile.open(fileobj=GzOut(), mode="w|") as t:  # type: ignore[arg-type]
        info = tarfile.TarInfo(name)
        info.size = size
        t.addfile(info, io.BufferedReader(Repeat(), 1 << 20))
        for n, data in extra:
            i = tarfile.TarInfo(n)
            i.size = len(data)
            t.addfile(i, io.BytesIO(data))
    raw.write(z.flush())
    return raw.getvalue()


def alias_bomb(levels: int = 9) -> bytes:
    lines = [
        "SERVER_HOSTNAME: quay.example.com\n",
        'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
    ]
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]\n")
    return "".join(lines).encode()
