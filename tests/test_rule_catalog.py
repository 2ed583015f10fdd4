"""House rules of the catalogue: cases for every rule, docs in step with the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.docs import rules_markdown
from analyzer.engine.rules import load_rules
from analyzer.rulecases import load_case_file

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "rule_cases"
RULES = load_rules().rules


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_has_firing_and_silent_cases(rule) -> None:  # type: ignore[no-untyped-def]
    f = CASES / f"{rule.id}.yaml"
    assert f.is_file(), f"{rule.id}: add tests/rule_cases/{rule.id}.yaml"
    names = [n for n in load_case_file(f) if n != "rule"]
    assert any(n.startswith("fires_") for n in names), f"{rule.id}: add a fires_… case"
    assert any(n.startswith("silent_") for n in names), f"{rule.id}: add a silent_… case"


def test_every_case_file_has_its_rule() -> None:
    ids = {r.id for r in RULES}
    orphans = [p.stem for p in CASES.glob("*.yaml") if p.stem not in ids]
    assert not orphans, f"case files without a rule: {orphans}"


def test_rule_files_live_under_an_area_folder() -> None:
    for r in RULES:
        parts = Path(r.file).relative_to(ROOT / "rules").parts
        assert len(parts) == 2, f"{r.file}: rules live in rules/<area>/<ID>-<slug>.yaml"


def test_docs_rules_md_is_current() -> None:
    from analyzer.engine.rules import load_rules as lr

    expected = rules_markdown(lr())
    actual = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/rules.md is stale: run `analyze rules list --format markdown > docs/rules.md`"
