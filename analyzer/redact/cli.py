"""`analyze redact BUNDLE -o CLEAN.tgz`: the customer's "safe to upload" step.

Writes a sanitized copy of the bundle (same layout, secrets replaced by consistent tokens),
prints what it replaced per file (counts by kind, never values), then re-scans the copy.
Exit codes (contract): 0 written and the re-scan is clean; 1 the re-scan found secret-looking
text left (the copy is removed unless --force); 2 usage error or unreadable bundle.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from analyzer import __version__

EXIT_OK, EXIT_LEFT, EXIT_USAGE = 0, 1, 2


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Usage(f"{message} (see 'analyze redact --help')")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="analyze redact",
        description=(
            "Write a copy of BUNDLE with every secret (passwords, keys, tokens, PSKs, private "
            "keys, bcrypt hashes...) replaced by a token such as <secret:db-password:1>. The "
            "same value gets the same token everywhere, so the copy can still be analyzed. The "
            "copy is re-scanned; it is kept only when nothing secret-looking is left."
        ),
        epilog=(
            "Exit status: 0 written and clean, 1 secret-looking text left (the copy is removed "
            "unless --force), 2 usage error or unreadable bundle."
        ),
    )
    p.add_argument("bundle", metavar="BUNDLE", help="the bundle: a directory, archive or file")
    p.add_argument(
        "--output", "-o", metavar="CLEAN.tgz", required=True, help="where to write the copy (.tgz)"
    )
    p.add_argument(
        "--map",
        metavar="FILE",
        type=Path,
        help="also write the token -> secret map to FILE (private: for the bundle's owner only)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="keep the copy even if the re-scan finds secret-looking text; overwrite CLEAN.tgz",
    )
    p.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change a safety limit, as for 'analyze' (see docs/security.md)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary")
    p.add_argument("--version", action="version", version=f"analyze {__version__}")
    return p


def _say(text: str, stream: object = None) -> None:
    from analyzer.redact import Redactor

    out = stream if stream is not None else sys.stdout
    # even our own lines pass the patterns: a path or message could carry a credential
    out.write(Redactor().text(text) + "\n")  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    try:
        return _run(argv)
    except _Usage as exc:
        _say(f"analyze: error: {exc}", sys.stderr)
        return EXIT_USAGE


def _run(argv: list[str]) -> int:
    ns = _parser().parse_args(argv)
    from analyzer.bundle import BundleError, Limits
    from analyzer.redact.bundle import redact_bundle

    try:
        limits = Limits().with_overrides(ns.limit)
    except ValueError as exc:
        raise _Usage(str(exc)) from None
    src = Path(ns.bundle)
    dest = Path(ns.output)
    if not dest.name.endswith((".tgz", ".tar.gz")):
        raise _Usage(
            f"--output {dest}: the copy is a gzip-compressed tar; name it *.tgz or *.tar.gz"
        )
    if dest.is_dir():
        raise _Usage(f"--output {dest}: is a directory")
    if src.exists() and src.resolve() == dest.resolve():
        raise _Usage("--output must not be the bundle itself")
    if src.is_dir() and dest.resolve().is_relative_to(src.resolve()):
        raise _Usage("--output must not be inside the bundle directory")
    if dest.exists() and not ns.force:
        raise _Usage(f"--output {dest} exists; remove it or add --force to overwrite it")
    if ns.map is not None:
        if ns.map.resolve() == dest.resolve() or (
            src.exists() and ns.map.resolve() == src.resolve()
        ):
            raise _Usage("--map must name a file of its own")
        _say(
            f"analyze: WARNING: --map writes every secret of the bundle, in clear, to {ns.map}. "
            "Keep that file private; never upload it with the bundle.",
            sys.stderr,
        )
    try:
        report = redact_bundle(src, dest, map_file=ns.map, limits=limits)
    except BundleError as exc:
        raise _Usage(str(exc)) from None
    except OSError as exc:
        raise _Usage(f"{exc.filename or dest}: {exc.strerror or exc}") from None

    if not ns.quiet:
        for f in report.files:
            if f.dropped:
                _say(f"  {f.path}: not copied ({f.dropped})")
            elif f.replaced or f.note:
                counts = ", ".join(f"{n} {label}" for label, n in sorted(f.replaced.items()))
                extra = f" [{f.note}]" if f.note else ""
                _say(f"  {f.path}: {counts or 'nothing replaced'}{extra}")
        for issue in report.issues:
            _say(f"  reader: {issue}")
    totals = report.totals()
    changed = sum(1 for f in report.files if f.replaced)
    dropped = sum(1 for f in report.files if f.dropped)
    n = sum(totals.values())
    extra = f"; {dropped} not copied" if dropped else ""
    if report.issues:
        extra += f"; {len(report.issues)} reading {'problem' if len(report.issues) == 1 else 'problems'} (listed above unless --quiet)"
    _say(
        f"analyze redact: {n} {'replacement' if n == 1 else 'replacements'} "
        f"({report.tokens} distinct {'secret' if report.tokens == 1 else 'secrets'}) in {changed} "
        f"of {len(report.files)} files{extra}; written to {dest}"
    )
    if report.map_file:
        _say(f"analyze redact: the token map is in {report.map_file} (private)")
    if report.clean:
        _say("analyze redact: re-scan of the copy: nothing secret-looking left")
        return EXIT_OK
    where = ", ".join(
        f"{x.path}{':' + str(x.line) if x.line else ''} ({x.label})" for x in report.leftovers[:20]
    )
    more = f" and {len(report.leftovers) - 20} more" if len(report.leftovers) > 20 else ""
    _say(
        f"analyze redact: re-scan found {len(report.leftovers)} secret-looking "
        f"{'value' if len(report.leftovers) == 1 else 'values'} left: {where}{more}",
        sys.stderr,
    )
    if ns.force:
        _say(
            f"analyze redact: kept {dest} anyway (--force); check those places before sharing it",
            sys.stderr,
        )
    else:
        with contextlib.suppress(OSError):
            os.unlink(dest)
        _say(f"analyze redact: {dest} removed; use --force to keep it", sys.stderr)
    return EXIT_LEFT
