"""The JSON report: the contract other tools read (schemas/report.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from analyzer.model import Result

SCHEMA_VERSION = "1"


def to_dict(result: Result) -> dict[str, Any]:
    """The report document as the contract names it."""
    return {
        "schema_version": SCHEMA_VERSION,
        "analyzer": {
            "version": result.analyzer_version,
            "rules_version": result.rules_version,
            "scan_engine": result.scan_engine,
        },
        "bundle": {
            "path": result.bundle_path,
            "artifacts": [a.to_json() for a in result.artifacts],
        },
        "environment": result.environment.to_json(),
        "window": dict(result.window),
        "findings": [f.to_json() for f in result.findings],
        "checks": [c.to_json() for c in result.checks],
        "summary": result.summary(),
        "timeline": list(result.timeline),
        "stats": dict(result.stats),
    }


def render(result: Result, opts: dict[str, object]) -> str:
    """The report as indented JSON (options do not change the document)."""
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
