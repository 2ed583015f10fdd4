"""Benchmark: `analyze BUNDLE --format json` side by side with `gzip -dc BUNDLE | grep -c -E -f patterns.txt`.

Generates the corpus (benchmarks/corpus.py) into benchmarks/out/ (git-ignored) unless a
bundle is given, then runs the baseline and the analyzer alternately, several rounds, and
prints per round and as medians: wall seconds, CPU seconds (user + system, every process of
the run: the analyzer's decompressing child, gzip and grep), MB/s of log, peak RSS (from the
resource module: the largest resident set among the processes of a run), and the ratio
analyzer / baseline.

    python benchmarks/run.py                       # 1 GiB corpus, 3 rounds
    python benchmarks/run.py --mib 200 --rounds 5
    python benchmarks/run.py --bundle some.tgz
    python benchmarks/run.py --rules-scale 300     # also time with 300 log rules (scaling)
    ANALYZER_SCAN_ENGINE=re2 python benchmarks/run.py   # the portable engine

Only public tools: gzip, grep (LC_ALL=C), the analyzer's own command line and Python's
resource module.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PATTERNS = HERE / "patterns.txt"
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402


def _run(cmd: list[str] | str, shell: bool = False, env: dict[str, str] | None = None) -> tuple[float, int, str, float]:
    """(wall seconds, peak RSS in KiB, stdout, CPU seconds) of one run in a fresh process."""
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(json.loads(sys.argv[1]), shell=sys.argv[2] == '1', capture_output=True)\n"
        "dt = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "sys.stdout.write(json.dumps([dt, u.ru_maxrss, p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')[-2000:], u.ru_utime + u.ru_stime]))\n"
    )
    arg = json.dumps(cmd)
    out = subprocess.run(
        [sys.executable, "-c", wrapper, arg, "1" if shell else "0"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    dt, rss, rc, stdout, stderr, cpu = json.loads(out.stdout)
    if rc not in (0, 1):
        raise SystemExit(f"{cmd!r} failed ({rc}): {stderr}")
    _ = resource
    return dt, rss, stdout, cpu


def baseline(bundle: Path) -> tuple[float, int, str, float]:
    cmd = f"gzip -dc '{bundle}' | LC_ALL=C grep -c -E -f '{PATTERNS}'"
    return _run(cmd, shell=True)


def analyzer(bundle: Path, extra: list[str], env: dict[str, str]) -> tuple[float, int, str, float]:
    cmd = [sys.executable, "-m", "analyzer", str(bundle), "--format", "json", *extra]
    return _run(cmd, env=env)


def synthetic_rules(directory: Path, count: int) -> None:
    """`count` extra log rules for the scaling measure (a temp --rules dir; never shipped)."""
    directory.mkdir(parents=True, exist_ok=True)
    words = [w for w in PATTERNS.read_text().splitlines() if w.strip()]
    for i in range(count):
        pattern = f"{words[i % len(words)]}.*synthetic check {i}"
        text = textwrap.dedent(
            f"""\
            id: SYN{i:03d}
            title: Synthetic log rule {i} for the benchmark
            severity: info
            category: logs
            artifact: quay_log
            condition:
              log:
                pattern: {json.dumps(pattern)}
            message: "{{{{ count }}}} matches"
            remediation:
              - Nothing; this rule exists only to measure scaling.
            references: [logs]
            """
        )
        (directory / f"SYN{i:03d}-synthetic.yaml").write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path)
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--error-share", type=float, default=0.01)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rules-scale", type=int, default=0, help="total log rules for a scaling run")
    args = ap.parse_args()

    bundle = args.bundle
    size = None
    if bundle is None:
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        bundle = out / f"quay-{args.mib}mib.tgz"
        if not bundle.exists():
            size = corpus.make_bundle(bundle, args.mib, args.error_share)
    if size is None:
        size = args.mib << 20
    env = dict(os.environ)
    mb = size / 1e6
    print(f"bundle {bundle} ({bundle.stat().st_size / 1e6:.0f} MB compressed, {mb:.0f} MB of log)")
    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}, load {os.getloadavg()[0]:.1f}")

    extra_runs: list[tuple[str, list[str]]] = [("analyzer", [])]
    tmp = None
    if args.rules_scale:
        from analyzer.engine.rules import load_rules

        builtin = sum(
            1 for r in load_rules().rules for c in r.condition.leaves() if c.kind == "log"
        )
        tmp = Path(tempfile.mkdtemp(prefix="bench-rules-"))
        synthetic_rules(tmp, max(0, args.rules_scale - builtin))
        extra_runs.append((f"analyzer+{args.rules_scale}rules", ["--rules", str(tmp)]))

    rows: dict[str, list[tuple[float, int, float]]] = {"baseline": []}
    for name, _ in extra_runs:
        rows[name] = []
    engine = "?"
    for r in range(args.rounds):
        dt, rss, out, cpu = baseline(bundle)
        rows["baseline"].append((dt, rss, cpu))
        print(f"round {r + 1}: baseline {dt:6.2f} s  cpu {cpu:6.2f} s  {mb / dt:6.0f} MB/s  rss {rss / 1024:5.0f} MB  (grep count {out.strip()})")
        for name, extra in extra_runs:
            dt, rss, out, cpu = analyzer(bundle, extra, env)
            rows[name].append((dt, rss, cpu))
            with contextlib.suppress(ValueError):
                engine = json.loads(out or "{}").get("analyzer", {}).get("scan_engine", engine)
            print(f"round {r + 1}: {name:9s} {dt:6.2f} s  cpu {cpu:6.2f} s  {mb / dt:6.0f} MB/s  rss {rss / 1024:5.0f} MB")
    base = statistics.median(dt for dt, _, _ in rows["baseline"])
    print(f"\nscan engine: {engine}")
    print(f"{'':24s} {'median s':>9s} {'cpu s':>7s} {'MB/s':>7s} {'peak RSS MB':>12s} {'ratio':>6s}")
    for name, values in rows.items():
        med = statistics.median(dt for dt, _, _ in values)
        cpu = statistics.median(c for _, _, c in values)
        rss = max(r for _, r, _ in values) / 1024
        print(f"{name:24s} {med:9.2f} {cpu:7.2f} {mb / med:7.0f} {rss:12.0f} {med / base:6.2f}")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    _ = time


if __name__ == "__main__":
    main()
