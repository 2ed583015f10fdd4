"""Fixtures of the report tests (the data itself is in report_fixtures.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_fixtures import ROOT, RULES, build_bundle, make_result

from analyzer.model import Result


@pytest.fixture
def result() -> Result:
    """A fresh hand-written Result (tests may change it)."""
    return make_result()


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle in the collection layout, built from tests/data."""
    return build_bundle(tmp_path_factory.mktemp("report") / "bundle")


@pytest.fixture(scope="session")
def pipeline_result(bundle_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Result:
    """One real run of the engine; every format of the tests renders this same Result.

    Only the test rules run (with the real link and artifact tables), so that what the
    reports show does not change whenever a built-in rule is added.
    """
    from analyzer.engine.rules import load_rules
    from analyzer.pipeline import Options, analyze

    base = tmp_path_factory.mktemp("rule-base")
    for name in ("_links.yaml", "_artifacts.yaml"):
        shutil.copy(ROOT / "rules" / name, base / name)
    return analyze(bundle_dir, Options(), load_rules([RULES], builtin_dir=base))
