"""Golden-file comparison: refresh deliberately with UPDATE_GOLDEN=1, then review the diff."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[2] / "golden"


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/<name>; with UPDATE_GOLDEN=1 write it instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), (
        f"no golden file {path}: run the tests once with UPDATE_GOLDEN=1 and review it"
    )
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                f"golden/{name}",
                "rendered",
            )
        )
        raise AssertionError(
            f"{name} differs from its golden file (if the change is intended, refresh with "
            f"UPDATE_GOLDEN=1 and review the diff):\n{diff}"
        )
