"""Command line: argument parsing, output and exit codes only.

`analyze BUNDLE` analyzes; `rules`, `collect`, `redact` (and later `batch`, `diff`) are
subcommand words. Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 usage error, invalid rule, or a bundle that cannot be read (one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from analyzer import __version__

SUBCOMMANDS = ("rules", "collect", "redact", "batch", "diff")
RESERVED_LATER = ("batch", "diff")
FORMATS = ("text", "json", "markdown", "html", "sarif", "junit")
FAIL_ON = ("info", "warning", "error", "critical", "never")

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _analyze_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="analyze",
        description=(
            "Analyze a Red Hat Quay support bundle offline: find what is wrong, cite the evidence, "
            "say how to fix it. BUNDLE is a directory, a .tar/.tgz/.tar.gz/.tar.xz/.zip archive, a "
            "single .gz file, or a single artifact file."
        ),
        epilog=(
            "subcommands: 'analyze rules list|explain ID|test [DIR]' works with the rules; "
            "'analyze collect' gathers a bundle from a live deployment; 'analyze redact' writes a "
            "copy of a bundle with secrets replaced. To analyze a path named like a subcommand, "
            "write ./rules. Exit status: 0 no finding at or above --fail-on, 1 findings at or above "
            "it, 2 usage error, invalid rule or unreadable bundle."
        ),
    )
    p.add_argument("bundle", metavar="BUNDLE", help="the bundle to analyze")
    add_common(p)
    p.add_argument(
        "--format", "-f", choices=FORMATS, default="text", help="report format (default: text)"
    )
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output"
    )
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="exit 1 when a finding has this severity or worse (default: error; 'never' always exits 0)",
    )
    p.add_argument(
        "--since",
        metavar="TIME",
        help="analyze only log records at or after TIME (ISO 8601, UTC if no zone)",
    )
    p.add_argument("--until", metavar="TIME", help="analyze only log records at or before TIME")
    p.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="also list passed and not-evaluable checks with reasons",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary line")
    p.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change a safety limit, e.g. max_member_bytes=32G (names and defaults: docs/security.md)",
    )
    p.add_argument(
        "--show-secrets",
        action="store_true",
        help="DO NOT redact secrets in the output (local debugging only; never share the result)",
    )
    p.add_argument(
        "--no-progress", action="store_true", help="no progress display on standard error"
    )
    return p


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--version", action="version", version=f"analyze {__version__}")
    p.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        type=Path,
        help="also load rules from DIR (DIR/<ID>-<slug>.yaml; cases in DIR/cases/); repeatable",
    )
    p.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="IDS",
        help="run only these rule ids or categories (comma-separated; repeatable)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="IDS",
        help="skip these rule ids or categories (comma-separated; repeatable)",
    )


def _names(values: list[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def parse_time(text: str | None, what: str) -> datetime | None:
    if text is None:
        return None
    raw = text.strip()
    try:
        t = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        raise UsageError(
            f"{what} {text!r} is not a time; use ISO 8601, e.g. 2024-05-01T10:00:00Z"
        ) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC)


def _err(message: str) -> None:
    from analyzer.redact import Redactor

    sys.stderr.write(f"analyze: error: {Redactor().text(message)}\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            return _subcommand(args[0], args[1:])
        return _analyze(args)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("analyze: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never a traceback for the user
        _err(
            f"internal error: {type(exc).__name__}: {exc} (please report this with the command line used)"
        )
        if os.environ.get("ANALYZE_DEBUG"):
            raise
        return EXIT_USAGE


def _ruleset(rule_dirs: list[Path], select: list[str], ignore: list[str]):  # type: ignore[no-untyped-def]
    from analyzer.engine.rules import RuleError, load_rules
    from analyzer.pipeline import select_rules

    try:
        rs = load_rules(rule_dirs)
    except RuleError as exc:
        raise UsageError(str(exc)) from None
    sel, ign = _names(select), _names(ignore)
    known = {r.id for r in rs.rules} | {r.category for r in rs.rules}
    from analyzer.model import CATEGORIES

    for name in sel + ign:
        if name not in known and name not in CATEGORIES:
            raise UsageError(f"--select/--ignore: {name!r} is neither a rule id nor a category")
    return select_rules(rs, sel, ign)


def _analyze(argv: list[str]) -> int:
    parser = _analyze_parser()
    if not argv:
        raise UsageError("missing BUNDLE (see 'analyze --help')")
    ns = parser.parse_args(argv)
    if ns.quiet and ns.verbose:
        raise UsageError("--quiet and --verbose cannot be combined")
    from analyzer.bundle import BundleError, Limits
    from analyzer.pipeline import Options, analyze

    try:
        limits = Limits().with_overrides(ns.limit)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    since = parse_time(ns.since, "--since")
    until = parse_time(ns.until, "--until")
    if since and until and since > until:
        raise UsageError("--since is later than --until")
    ruleset = _ruleset(ns.rules, ns.select, ns.ignore)
    if ns.show_secrets:
        sys.stderr.write(
            "analyze: WARNING: --show-secrets is on: this report contains passwords, keys and tokens "
            "from the bundle. Use it only locally and never attach it to a case.\n"
        )
    options = Options(limits=limits, since=since, until=until, show_secrets=ns.show_secrets)
    progress = None
    if not ns.no_progress and not ns.quiet and sys.stderr.isatty():
        from analyzer.report.progress import ProgressDisplay

        progress = ProgressDisplay()
        options.progress = progress.update
    try:
        result = analyze(ns.bundle, options, ruleset)
    except BundleError as exc:
        raise UsageError(str(exc)) from None
    finally:
        if progress is not None:
            progress.close()
    from analyzer.report import RENDERERS

    if ns.format not in RENDERERS:
        raise UsageError(f"--format {ns.format} is not available in this version")
    text = RENDERERS[ns.format](result, render_options(ns.verbose, ns.quiet, ns.output))
    _write(text, ns.output)
    return exit_code(result, ns.fail_on)


def render_options(verbose: bool, quiet: bool, output: str | None) -> dict[str, object]:
    """Renderer options: the rich layout only on a terminal, colour unless NO_COLOR is set."""
    tty = not output and sys.stdout.isatty()
    color = tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    return {"verbose": verbose, "quiet": quiet, "tty": tty, "color": color}


def exit_code(result, fail_on: str) -> int:  # type: ignore[no-untyped-def]
    from analyzer.model import Severity

    if fail_on == "never":
        return EXIT_OK
    worst = result.worst()
    return EXIT_FINDINGS if worst is not None and worst >= Severity.parse(fail_on) else EXIT_OK


def _write(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(output)
    if target.is_dir():
        raise UsageError(f"--output {output}: is a directory")
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise UsageError(f"--output {output}: {exc.strerror or exc}") from None


# -- subcommands ---------------------------------------------------------------------------


def _subcommand(name: str, argv: list[str]) -> int:
    if name == "rules":
        from analyzer.cli_rules import main as rules_main

        return rules_main(argv)
    if name == "collect":
        from analyzer.collect.cli import main as collect_main

        return collect_main(argv)
    if name == "redact":
        from analyzer.redact.cli import main as redact_main

        return redact_main(argv)
    raise UsageError(
        f"'analyze {name}' is reserved for a later version; to analyze a path named {name}, write ./{name}"
    )
