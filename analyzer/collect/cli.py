"""`analyze collect`: gather a complete bundle from a live podman or OpenShift deployment.

Runs the troubleshooting guide's commands (see `podman` and `oc`), each with a timeout, into a
private temporary directory laid out as the collection layout contract says, writes
`manifest.json` (every command with exit code, duration and output; every failed step with why),
then writes the archive redacted by the same engine as `analyze redact`. The temporary
directory, which holds the unredacted outputs, is always removed.

Exit codes: 0 bundle written (failed steps are in its manifest); 1 the re-scan after redaction
found secret-looking text, so no bundle was kept (`--force` keeps it); 2 usage error or nothing
could be collected.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analyzer import __version__
from analyzer.collect.options import Options, Outcome

EXIT_OK, EXIT_LEFT, EXIT_USAGE = 0, 1, 2
DEFAULT_TIMEOUT = 120.0
# Go durations, which both `podman logs --since` and `oc logs --since` take; days are added
# for convenience and passed on as hours
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:h|m|s|ms))+$")
_DAYS = re.compile(r"^(\d+)d$")


class Usage(Exception):
    """A problem with the command line: one line on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise Usage(f"{message} (see 'analyze collect --help')")


def _parser() -> argparse.ArgumentParser:
    """The argument parser of `analyze collect`."""
    p = _Parser(
        prog="analyze collect",
        description=(
            "Collect a support bundle from a running Red Hat Quay deployment: container logs with "
            "timestamps, config.yaml and public certificates, PostgreSQL settings, logs and disk "
            "usage, Clair config and logs, resource usage, the health endpoints, and (on "
            "OpenShift) the QuayRegistry, pods and events. Secrets are redacted in the bundle; "
            "check it with 'analyze BUNDLE' before you upload it."
        ),
        epilog=(
            "Exit status: 0 bundle written (steps that failed are listed in its manifest.json), "
            "1 secret-looking text left after redaction so nothing was kept (see --force), "
            "2 usage error or nothing could be collected."
        ),
    )
    p.add_argument(
        "--runtime",
        required=True,
        choices=("podman", "oc"),
        help="podman for a standalone deployment, oc for the Quay Operator on OpenShift",
    )
    p.add_argument(
        "--namespace", "-n", metavar="NS", help="(oc) the Quay namespace (default: current project)"
    )
    p.add_argument(
        "--quay-url",
        metavar="URL",
        help="base URL for the health endpoints (default: SERVER_HOSTNAME of config.yaml, or "
        "the QuayRegistry's registryEndpoint)",
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="the bundle to write (.tgz; default: quay-bundle-<time>.tgz)",
    )
    p.add_argument(
        "--since",
        metavar="DURATION",
        help="only log lines of the last DURATION (e.g. 30m, 24h, 2d); server log files are whole",
    )
    p.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"longest any one step may run (default {DEFAULT_TIMEOUT:g}); health requests wait at most 30",
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="do not verify the TLS certificate of the health endpoints",
    )
    p.add_argument(
        "--no-redact",
        action="store_true",
        help="DO NOT redact secrets: the bundle keeps passwords and keys (local use only; never upload it)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="keep the redacted bundle even if its re-scan finds secret-looking text",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary line")
    p.add_argument("--version", action="version", version=f"analyze {__version__}")
    return p


def since_value(text: str | None) -> str | None:
    """A --since DURATION as podman and oc take it (days become hours)."""
    if text is None:
        return None
    raw = text.strip()
    m = _DAYS.match(raw)
    if m:
        return f"{int(m.group(1)) * 24}h"
    if not _DURATION.match(raw):
        raise Usage(f"--since {text!r} is not a duration; use e.g. 30m, 24h, 1h30m or 2d")
    return raw


def _options(ns: argparse.Namespace) -> Options:
    """Check the command line and turn it into Options."""
    from analyzer.collect.health import valid_url

    if ns.runtime == "podman" and ns.namespace:
        raise Usage("--namespace is for --runtime oc")
    if ns.quay_url and not valid_url(ns.quay_url):
        raise Usage(f"--quay-url {ns.quay_url!r} is not an http:// or https:// URL")
    if not (math.isfinite(ns.timeout) and ns.timeout > 0):
        raise Usage("--timeout must be a positive number of seconds")
    return Options(
        runtime=ns.runtime,
        namespace=ns.namespace,
        quay_url=ns.quay_url.rstrip("/") if ns.quay_url else None,
        since=since_value(ns.since),
        insecure=ns.insecure,
        timeout=ns.timeout,
    )


def _output(ns: argparse.Namespace, started: datetime) -> Path:
    """The archive to write: a .tgz that does not exist yet, in an existing folder."""
    if ns.output:
        dest = Path(ns.output)
    else:
        dest = Path(f"quay-bundle-{started.strftime('%Y%m%dT%H%M%SZ')}.tgz")
    if not dest.name.endswith((".tgz", ".tar.gz")):
        raise Usage(
            f"--output {dest}: the bundle is a gzip-compressed tar; name it .tgz or .tar.gz"
        )
    if dest.exists():
        raise Usage(f"--output {dest}: already exists; remove it or choose another name")
    if not dest.parent.is_dir():
        raise Usage(f"--output {dest}: directory {dest.parent} does not exist")
    return dest


def _say(text: str) -> None:
    """One line on stderr, through the redactor: command errors may quote anything."""
    from analyzer.redact import Redactor

    sys.stderr.write(Redactor().text(text) + "\n")


def main(argv: list[str]) -> int:
    """`analyze collect ARGV` -> exit code."""
    try:
        return _main(argv)
    except Usage as exc:
        _say(f"analyze collect: error: {exc}")
        return EXIT_USAGE


def _main(argv: list[str]) -> int:
    """Parse, check, collect into a private directory, and always remove that directory."""
    ns = _parser().parse_args(argv)
    started = datetime.now(UTC).replace(microsecond=0)
    opts = _options(ns)
    dest = _output(ns, started)
    if ns.no_redact:
        sys.stderr.write(
            "analyze collect: WARNING: --no-redact is on: the bundle will contain passwords, "
            "secret keys, PSKs and other secrets of this deployment as they are. Keep it local, "
            "never attach it to a support case; 'analyze redact' makes a shareable copy.\n"
        )
    if shutil.which(opts.runtime) is None:
        raise Usage(f"{opts.runtime} is not on PATH; run this where '{opts.runtime}' works")

    work = Path(tempfile.mkdtemp(prefix=".analyze-collect-", dir=dest.parent))
    try:
        return _collect(opts, ns, dest, work, started)
    finally:
        # the working copy holds every secret unredacted: it never outlives the run
        shutil.rmtree(work, ignore_errors=True)


def _collect(
    opts: Options, ns: argparse.Namespace, dest: Path, work: Path, started: datetime
) -> int:
    """Run the runtime's plan, write the manifest and the archive; the exit code."""
    from analyzer.collect import archive
    from analyzer.collect.runner import Runner

    root = work / "bundle"
    runner = Runner(root, work / "scratch", opts.timeout)
    if not ns.quiet:
        sys.stderr.write(f"analyze collect: collecting from {opts.runtime}...\n")
    if opts.runtime == "podman":
        from analyzer.collect import podman

        outcome = podman.collect(runner, opts)
    else:
        from analyzer.collect import oc

        outcome = oc.collect(runner, opts)

    if not runner.files:
        why = "; ".join(f"{f['cmd'] or 'step'}: {f['message']}" for f in runner.failures[:3])
        _say(f"analyze collect: error: nothing could be collected ({why or 'no output'})")
        return EXIT_USAGE
    _write_manifest(runner, opts, outcome, started, redacted=not ns.no_redact)

    if ns.no_redact:
        archive.pack(root, dest)
        _summary(runner, dest, ns.quiet, None)
        return EXIT_OK
    try:
        report = archive.redact(root, dest)
    except Exception as exc:  # the engine refused our own directory: say why, keep nothing
        with contextlib.suppress(OSError):
            dest.unlink()
        _say(
            f"analyze collect: error: redaction failed ({type(exc).__name__}: {exc}); "
            "no bundle was written"
        )
        return EXIT_USAGE
    if not report.clean:
        where = ", ".join(f"{x.path}:{x.line} ({x.label})" for x in report.leftovers[:10])
        if not ns.force:
            with contextlib.suppress(OSError):
                dest.unlink()
            _say(
                "analyze collect: the re-scan after redaction still found secret-looking text in "
                f"{where}; no bundle was kept. Re-run with --force to keep it after checking those "
                "places, or report this."
            )
            return EXIT_LEFT
        _say(f"analyze collect: WARNING: secret-looking text left after redaction in {where}")
    _summary(runner, dest, ns.quiet, report)
    return EXIT_OK


def _write_manifest(
    runner: Any, opts: Options, outcome: Outcome, started: datetime, *, redacted: bool
) -> None:
    """manifest.json at the bundle root, in the shape analyzer/artifacts/manifest.py reads."""
    manifest: dict[str, Any] = {
        "collector_version": __version__,
        "time": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "runtime": opts.runtime,
        "host": outcome.host,
        "commands": runner.commands,
        "failures": runner.failures,
        # not read by the analyzer yet; for the reader of the bundle
        "namespace": outcome.namespace,
        "quay_url": outcome.quay_url,
        "since": opts.since,
        "redacted": redacted,
        "withheld": runner.withheld,
        "finished": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    (runner.root / "manifest.json").write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
    )


def _summary(runner: Any, dest: Path, quiet: bool, report: Any) -> None:
    """What was written and what failed, on stderr."""
    failed = len(runner.failures)
    line = (
        f"analyze collect: wrote {dest} ({len(runner.files)} files from {len(runner.commands)} "
        f"commands; {failed} {'step' if failed == 1 else 'steps'} failed"
        + (", listed in manifest.json" if failed else "")
        + (
            f"; {sum(report.totals().values())} secret values replaced by tokens"
            if report is not None
            else "; NOT redacted"
        )
        + ")"
    )
    if not quiet:
        for f in runner.failures:
            _say(f"  failed: {f['cmd'] or 'step'}: {f['message']}")
        if report is not None:
            sys.stderr.write(f"Check it before you upload it: analyze {dest}\n")
    _say(line)
