"""`analyze rules list|explain ID|test [DIR]`: the rule catalogue for people."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analyzer.cli import UsageError, _Parser, _ruleset


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="analyze rules", description="Work with the analyzer's rules.")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    for name, help_text in (
        ("list", "list the rules (id, severity, category, title)"),
        ("explain", "show one rule: what it checks, why, how to fix, references, an example"),
        ("test", "run the rule cases (built-in, or those of DIR/cases with the rules of DIR)"),
    ):
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument(
            "--rules",
            action="append",
            default=[],
            metavar="DIR",
            type=Path,
            help="also load rules from DIR; repeatable",
        )
        if name == "list":
            sp.add_argument("--format", choices=("text", "json", "markdown"), default="text")
        if name == "explain":
            sp.add_argument("rule_id", metavar="ID")
        if name == "test":
            sp.add_argument(
                "dir",
                metavar="DIR",
                nargs="?",
                type=Path,
                help="a directory of rules (<ID>-<slug>.yaml) with their cases in DIR/cases/",
            )
            sp.add_argument(
                "--select",
                action="append",
                default=[],
                metavar="IDS",
                help="run only the cases of these rule ids (comma-separated)",
            )
    return p


def main(argv: list[str]) -> int:
    p = _parser()
    if not argv:
        raise UsageError("missing ACTION: list, explain or test (see 'analyze rules --help')")
    ns = p.parse_args(argv)
    dirs = list(ns.rules)
    if ns.action == "test" and ns.dir is not None:
        dirs.append(ns.dir)
    rs = _ruleset(dirs, [], [])
    if ns.action == "list":
        return _list(rs, ns.format)
    if ns.action == "explain":
        return _explain(rs, ns.rule_id)
    return _test(rs, ns)


def _list(rs, fmt: str) -> int:  # type: ignore[no-untyped-def]
    rules = sorted(rs.rules, key=lambda r: r.id)
    if fmt == "json":
        out = [
            {
                "id": r.id,
                "severity": r.severity.label,
                "category": r.category,
                "title": r.title,
                "artifact": r.artifact,
                "fact": r.fact,
                "file": r.file,
            }
            for r in rules
        ]
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    elif fmt == "markdown":
        from analyzer.docs import rules_markdown

        sys.stdout.write(rules_markdown(rs))
    else:
        for r in rules:
            sys.stdout.write(f"{r.id:8} {r.severity.label:9} {r.category:15} {r.title}\n")
        sys.stdout.write(f"{len(rules)} rules\n")
    return 0


def _explain(rs, rule_id: str) -> int:  # type: ignore[no-untyped-def]
    from analyzer.docs import explain_text

    rule = rs.by_id().get(rule_id.upper())
    if rule is None:
        raise UsageError(f"no rule {rule_id}; 'analyze rules list' shows them")
    sys.stdout.write(explain_text(rs, rule))
    return 0


def _test(rs, ns) -> int:  # type: ignore[no-untyped-def]
    from analyzer.cli import _names
    from analyzer.rulecases import run_all

    if ns.dir is not None:
        dirs = [ns.dir / "cases"]
        only = {
            r.id
            for r in rs.rules
            if not r.builtin and Path(r.file).resolve().is_relative_to(ns.dir.resolve())
        }
        if not dirs[0].is_dir():
            raise UsageError(f"{ns.dir}: no cases/ directory with <ID>.yaml case files")
    else:
        dirs = rs.cases_dirs[:1]
        only = None
    sel = set(_names(ns.select))
    if sel:
        only = (only or {r.id for r in rs.rules}) & sel
    results = run_all(rs, dirs, only)
    failed = [r for r in results if not r.ok]
    for r in results:
        mark = "PASS" if r.ok else "FAIL"
        sys.stdout.write(f"{mark} {r.rule_id}::{r.name}\n")
        if not r.ok:
            for line in r.detail.splitlines():
                sys.stdout.write(f"    {line}\n")
    covered = {r.rule_id for r in results}
    tested = only if only is not None else {r.id for r in rs.rules}
    untested = sorted(tested - covered)
    for rid in untested:
        sys.stdout.write(f"FAIL {rid}: no case file\n")
    sys.stdout.write(
        f"{len(results) - len(failed)} passed, {len(failed)} failed, {len(untested)} rules without cases\n"
    )
    if not results and not untested:
        raise UsageError("no rule cases found")
    return 1 if failed or untested else 0
