"""Generate a benchmark bundle: realistic Quay container logs of any size, in the collect layout.

Every line comes from a real capture in tests/data (or the sample bundles): the records of a
healthy Quay in debug logging (Python logging lines of gunicorn-web, gunicorn-registry and
gcworker, nginx access lines) make up the bulk, and a small share of real error records
(tracebacks of failed health checks and metric pushes, PostgreSQL connection failures seen by
Quay, nginx upstream errors) is mixed in. The template is repeated one day after another, so
times keep moving forward. The bundle also holds the sample config.yaml, so the analyzer
does its full job (rules for config, health, logs).

    python benchmarks/corpus.py OUT.tgz --mib 1024 [--error-share 0.01]   (share of lines)
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tarfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyzer.artifacts import quay_log  # noqa: E402
from analyzer.artifacts.base import TextSource  # noqa: E402

HEALTHY = ROOT / "tests/data/quay/healthy-push-pull/quay-container.log"
ERRORS = [
    ROOT / "tests/data/quay/startup-without-service-key/quay-container.log",
    ROOT / "tests/data/quay/bad-manifest-push/quay-container.log",
    ROOT / "sample_bundles/standalone-db-outage/quay-logs.txt",
    HEALTHY,
]
CONFIG = ROOT / "sample_bundles/standalone-healthy/quay/quay/config.yaml"
BASE_DAY = date(2026, 11, 26)


def _records(path: Path) -> list[tuple[str | None, list[str]]]:
    """(level, raw lines) of each record of a real log, as quay_log reads it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for rec in quay_log.iter_records(TextSource.from_text(str(path), "\n".join(lines) + "\n")):
        out.append((rec.level, lines[rec.line - 1 : rec.end_line]))
    return out


def template(error_share: float, size: int = 100_000, seed: int = 8) -> list[str]:
    """One day of log: healthy records, and real error records for `error_share` of the lines."""
    rnd = random.Random(seed)
    normal = [
        lines
        for level, lines in _records(HEALTHY)
        if level in ("DEBUG", "INFO") and len(lines) == 1 and " stdout | " in lines[0]
    ]
    errors = []
    for path in ERRORS:
        for level, lines in _records(path):
            if level in ("ERROR", "CRITICAL", "WARNING") and " | " in lines[0]:
                errors.append(lines)
    out: list[str] = []
    error_lines = 0
    while len(out) < size:
        # an error record whenever the errors' share of lines falls below the target
        if error_lines < error_share * len(out) and rnd.random() < 0.5:
            lines = rnd.choice(errors)
            error_lines += len(lines)
        else:
            lines = rnd.choice(normal)
        out.extend(lines)
    return out


def _day_text(lines: list[str], day: date) -> str:
    """The template with its dates moved to `day` (Python, nginx access and error stamps)."""
    text = "\n".join(lines) + "\n"
    src = BASE_DAY
    return (
        text.replace(src.isoformat(), day.isoformat())
        .replace(src.strftime("%d/%b/%Y"), day.strftime("%d/%b/%Y"))
        .replace(src.strftime("%Y/%m/%d"), day.strftime("%Y/%m/%d"))
    )


def write_log(out: io.BufferedIOBase, mib: int, error_share: float) -> int:
    """Write about `mib` MiB of log; returns the bytes written."""
    lines = template(error_share)
    want = mib << 20
    written = 0
    day = BASE_DAY
    while written < want:
        data = _day_text(lines, day).encode("utf-8")
        if written + len(data) > want:
            cut = data.rfind(b"\n", 0, want - written) + 1
            if cut <= 0:
                break  # not one more whole line fits
            data = data[:cut]
        out.write(data)
        written += len(data)
        day += timedelta(days=1)
    return written


def make_bundle(path: Path, mib: int, error_share: float = 0.01) -> int:
    """A .tgz in the collect layout holding the generated log; returns the log's size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.with_suffix(".log.tmp")
    with log.open("wb") as fh:
        size = write_log(fh, mib, error_share)
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        tar.add(CONFIG, arcname="quay/quay/config.yaml")
        tar.add(log, arcname="quay/quay/logs/current.log")
    log.unlink()
    return size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--error-share", type=float, default=0.01)
    args = ap.parse_args()
    t = time.perf_counter()
    size = make_bundle(args.out, args.mib, args.error_share)
    print(f"{args.out}: {size / 2**20:.0f} MiB of Quay log, {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
