"""Where the built-in data lives: rules/, schemas/ and the rule cases.

An installed wheel carries them under analyzer/_data/; a source checkout (or an editable
install) reads them from the repository root.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PKG = Path(__file__).resolve().parent


def _pick(packaged: str, source: str) -> Path:
    inside = _PKG / "_data" / packaged
    if inside.is_dir():
        return inside
    return _PKG.parent / source


def rules_dir() -> Path:
    return _pick("rules", "rules")


def schemas_dir() -> Path:
    return _pick("schemas", "schemas")


def rule_cases_dir() -> Path:
    return _pick("rule_cases", "tests/rule_cases")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON schema shipped with the analyzer, by relative path (e.g. 'rule.schema.json')."""
    with open(schemas_dir() / name, encoding="utf-8") as fh:
        return json.load(fh)  # type: ignore[no-any-return]


def artifact_schema(kind: str) -> dict[str, Any] | None:
    path = schemas_dir() / "artifacts" / f"{kind}.schema.json"
    if not path.is_file():
        return None
    return load_schema(f"artifacts/{kind}.schema.json")


@cache
def _artifact_registry() -> Any:
    """Every artifact schema, so relative $refs between them resolve."""
    from referencing import Registry, Resource

    pairs = []
    for path in sorted((schemas_dir() / "artifacts").glob("*.schema.json")):
        schema = load_schema(f"artifacts/{path.name}")
        resource = Resource.from_contents(schema)
        pairs.append((schema.get("$id", path.name), resource))
        pairs.append((path.name, resource))
    return Registry().with_resources(pairs)


@cache
def artifact_validator(kind: str) -> Any:
    """A compiled validator for a kind's parsed data, or None when the kind has no schema."""
    schema = artifact_schema(kind)
    if schema is None:
        return None
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema, registry=_artifact_registry())
