"""The cache directory: validated rules and compiled message templates.

A cached entry must never change what a run says: a changed rule is checked again in full,
a cached template renders what a freshly compiled one renders, a damaged cache file is
ignored, and ANALYZER_RULE_CACHE=off writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.engine import rules as rules_mod
from analyzer.engine.rules import RuleError, load_rules

RULE = """
id: TST900
title: A test rule
severity: warning
category: logs
artifact: quay_log
condition:
  log:
    pattern: '{pattern}'
message: "{{{{ count }}}} {{{{ count | plural('time') }}}}"
remediation:
  - Look.
references: [logs]
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(rules_mod.CACHE_ENV, str(where))
    rules_mod._compiled.cache_clear()
    yield where
    rules_mod._compiled.cache_clear()


def _user_rule(tmp_path: Path, pattern: str) -> Path:
    folder = tmp_path / "extra"
    folder.mkdir(exist_ok=True)
    (folder / "TST900-test.yaml").write_text(RULE.format(pattern=pattern), encoding="utf-8")
    return folder


def test_validated_rules_are_kept_and_a_changed_rule_is_checked_again(
    cache_dir: Path, tmp_path: Path
) -> None:
    folder = _user_rule(tmp_path, "timed out")
    first = load_rules([folder])
    stored = json.loads((cache_dir / "validated-rules.json").read_text(encoding="utf-8"))
    assert len(stored["rules"]) >= len(first.rules)
    again = load_rules([folder])
    assert [r.id for r in again.rules] == [r.id for r in first.rules]
    # the same file name with a broken pattern: not served from the cache
    _user_rule(tmp_path, "unclosed (group")
    with pytest.raises(RuleError):
        load_rules([folder])


def test_cached_templates_render_what_compiled_ones_render(cache_dir: Path) -> None:
    template = "{{ count }} {{ count | plural('retry', 'retries') }} of {{ size | bytes }}"
    values = {"count": 3, "size": 5 << 20}
    fresh = rules_mod._compiled(template).render(**values)
    files = list((cache_dir / "templates").glob("*.code"))
    assert len(files) == 1
    rules_mod._compiled.cache_clear()  # a later run: from the file
    assert rules_mod._compiled(template).render(**values) == fresh
    files[0].write_bytes(b"\x00not marshal data")  # damaged: compiled again
    rules_mod._compiled.cache_clear()
    assert rules_mod._compiled(template).render(**values) == fresh


def test_cache_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(rules_mod.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    rules_mod._compiled.cache_clear()
    try:
        assert rules_mod.cache_directory() is None
        load_rules([_user_rule(tmp_path, "timed out")])
        assert rules_mod._compiled("{{ 1 + 1 }}").render() == "2"
    finally:
        rules_mod._compiled.cache_clear()
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()
