"""Every rule case of tests/rule_cases/ (one pytest id per case)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from analyzer.engine.rules import RuleSet, load_rules
from analyzer.rulecases import case_files, load_case_file, run_case

CASES_DIR = Path(__file__).resolve().parent / "rule_cases"


@cache
def ruleset() -> RuleSet:
    return load_rules()


def _cases() -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    out = []
    for f in case_files(CASES_DIR):
        data = load_case_file(f)
        for name, case in data.items():
            if name != "rule":
                out.append((data["rule"], name, case))
    return out


@pytest.mark.parametrize("rule_id,name,case", _cases(), ids=[f"{r}::{n}" for r, n, _c in _cases()])
def test_rule_case(rule_id: str, name: str, case: dict) -> None:  # type: ignore[type-arg]
    result = run_case(ruleset(), rule_id, name, case)
    assert result.ok, result.detail
