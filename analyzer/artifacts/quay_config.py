"""Parser for the quay_config kind: Quay's config.yaml, read safely and checked against our schema.

This module owns three things:

* `parse(src)`: the YAML mapping as data (JSON-like), the line of every dotted key, and the
  problems a support engineer would point at: schema violations (code = the JSON-Schema keyword),
  top-level keys Quay does not know (`unknown-key`, with a "did you mean"), lower-case top-level
  keys Quay silently skips (`ignored-key`), duplicate keys and extra YAML documents.
* `version_problems(data, version)`: what is wrong only for one Quay release (keys it does not
  know yet or no longer knows, storage drivers and driver parameters it does not take).
* `load_schema()`: our own schema of config.yaml, `schemas/quay-config.schema.json`, which also
  carries the version annotations (`x-since`, `x-removed`, ...) that `version_problems` reads.

Quay itself never validates config.yaml against a schema at runtime; config-tool does a subset at
container start. So every message here says what Quay would actually do with the value.
"""

from __future__ import annotations

import base64
import difflib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from analyzer.artifacts.base import Parsed, TextSource, TooLarge
from analyzer.artifacts.safeload import LoadError, load_yaml_all
from analyzer.model import Problem

KIND = "quay_config"
SCHEMA_FILE = "quay-config.schema.json"
STORAGE_KEY = "DISTRIBUTED_STORAGE_CONFIG"

# Values of these keys are credentials: messages say what type was found, never the value.
_SECRET_NAME = re.compile(r"(?i)(passw|secret|token|psk|credential|dsn|(^|_)key$)")
_SECRET_ROOTS = frozenset({"DB_URI"})

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true/false)",
    "null": "null",
}


# --------------------------------------------------------------------------- schema


def _schema_path() -> Path:
    """Where quay-config.schema.json is (packaged data or the source tree)."""
    from analyzer.resources import schemas_dir

    return schemas_dir() / SCHEMA_FILE


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """Our JSON Schema of config.yaml (read once per process)."""
    with _schema_path().open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The compiled validator, built once per process (jsonschema is imported only here)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema())


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local `#/$defs/...` reference (the only kind our schema uses)."""
    seen = 0
    while "$ref" in schema and seen < 8:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            break
        schema = load_schema()["$defs"].get(ref[len("#/$defs/") :], {})
        seen += 1
    return schema


@lru_cache(maxsize=1)
def _known_keys() -> frozenset[str]:
    """Every top-level key name our schema knows, plus the allow-listed extras."""
    schema = load_schema()
    return frozenset(schema.get("properties", {})) | frozenset(schema.get("x-known-extra-keys", {}))


@lru_cache(maxsize=1)
def _key_patterns() -> tuple[re.Pattern[str], ...]:
    """Name patterns of legitimate keys (OIDC providers, KEYSTONE_* settings)."""
    schema = load_schema()
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    patterns += [re.compile("^" + re.escape(p)) for p in schema.get("x-known-extra-prefixes", {})]
    return tuple(patterns)


def _is_known(key: str) -> bool:
    """Whether a top-level key is one Quay (or config-tool) reads."""
    return key in _known_keys() or any(p.search(key) for p in _key_patterns())


# --------------------------------------------------------------------------- parse


def parse(src: TextSource, kind: str = KIND) -> Parsed:
    """Read config.yaml into data, locations and problems; never raises on bad input."""
    out = Parsed(kind=kind, path=src.path)
    try:
        text = src.read_text()
    except TooLarge as exc:
        return _invalid(out, str(exc), None, "too-large")
    try:
        docs = load_yaml_all(text)
    except LoadError as exc:
        return _invalid(out, exc.message, exc.line, _load_error_code(exc.message))

    if not docs or docs[0].data is None:
        return _invalid(
            out,
            "config.yaml is empty: Quay finds no settings at all and does not boot",
            None,
            "empty",
        )
    doc = docs[0]
    if not isinstance(doc.data, dict):
        found = _type_word(doc.data)
        return _invalid(
            out,
            f"config.yaml must be a mapping of settings at the top level; found {found}",
            _first_content_line(text),
            "type",
        )

    try:
        data = _plain(doc.data)
        out.data = data
        out.locations = dict(doc.locations)
        out.problems.extend(doc.problems)
        if len(docs) > 1:
            out.problems.append(
                Problem(
                    f"config.yaml holds {len(docs)} YAML documents; Quay loads it as a single document "
                    "and fails to start (only the first document is analysed here)",
                    line=_second_document_line(text),
                    code="multiple-documents",
                )
            )
        out.problems.extend(_key_problems(data, out.locations))
        out.problems.extend(_schema_problems(data, out.locations))
    except RecursionError:
        return _invalid(out, "config.yaml is nested too deeply to analyse", None, "limit")
    except (OSError, ValueError) as exc:
        # The schema file is part of the analyzer; without it only the YAML itself is checked.
        out.problems.append(Problem(f"schema checks skipped: {exc}", code="schema-unavailable"))

    out.problems.sort(key=lambda p: (p.line is None, p.line or 0, p.key or ""))
    out.meta["storage"] = storage_drivers(out.data)
    return out


def storage_drivers(data: Any) -> dict[str, str | None]:
    """Configured storage locations and their driver names (None when the entry is malformed)."""
    config = data.get(STORAGE_KEY) if isinstance(data, dict) else None
    if not isinstance(config, dict):
        return {}
    drivers: dict[str, str | None] = {}
    for location, entry in config.items():
        name = entry[0] if isinstance(entry, list) and entry else None
        drivers[location] = name if isinstance(name, str) else None
    return drivers


def _invalid(out: Parsed, message: str, line: int | None, code: str) -> Parsed:
    """Mark the artifact unreadable as config.yaml, with the one reason why."""
    out.status = "invalid"
    out.data = None
    out.problems = [Problem(message, line=line, code=code)]
    return out


def _load_error_code(message: str) -> str:
    """Classify a safeload refusal: unsafe tag, size/alias limit, or plain syntax."""
    if "constructor" in message:
        return "tag"  # e.g. !!python/object: the safe loader refuses to build objects
    if message.startswith("YAML syntax error"):
        return "syntax"
    return "limit"


def _first_content_line(text: str) -> int | None:
    """Line of the first thing that is not blank, a comment or a document marker."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            return number
    return None


def _second_document_line(text: str) -> int | None:
    """Line of the document marker that ends the first document."""
    seen_content = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(("---", "...")):
            if seen_content:
                return number
            continue
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            seen_content = True
    return None


def _plain_key(key: Any) -> str:
    """A mapping key as text, spelled the way YAML spells scalars."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def _plain(value: Any) -> Any:
    """YAML-loaded value -> JSON-like value (timestamps as ISO 8601 UTC, bytes as base64)."""
    if isinstance(value, dict):
        return {_plain_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        # YAML timestamps without an offset are UTC by the YAML spec.
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (set, frozenset)):
        return sorted(_plain_key(v) for v in value)
    return str(value)


# --------------------------------------------------------------------------- key names


def _key_problems(data: dict[str, Any], locations: Mapping[str, int]) -> Iterator[Problem]:
    """Top-level keys Quay skips (not upper-case) or does not know (typos)."""
    for key in data:
        line = locations.get(key)
        if not key.isupper():
            # Quay copies only keys for which str.isupper() is true; the rest vanish silently.
            hint = ""
            if key.upper() in _known_keys():
                hint = f"; did you mean {key.upper()}?"
            yield Problem(
                f"{key} is ignored: Quay reads only upper-case top-level keys{hint}",
                line=line,
                key=key,
                code="ignored-key",
            )
        elif not _is_known(key):
            guess = difflib.get_close_matches(key, sorted(_known_keys()), n=1, cutoff=0.8)
            hint = f"; did you mean {guess[0]}?" if guess else ""
            yield Problem(
                f"{key} is not a setting any Quay release from 3.8 on knows, so Quay ignores it{hint}",
                line=line,
                key=key,
                code="unknown-key",
            )


# --------------------------------------------------------------------------- schema problems


def _schema_problems(data: dict[str, Any], locations: Mapping[str, int]) -> list[Problem]:
    """Every violation of quay-config.schema.json, as problems with key, line and keyword."""
    problems: list[Problem] = []
    done: set[tuple[Any, ...]] = set()
    for error in _validator().iter_errors(data):
        # jsonschema reports one error per missing key; the first one describes them all.
        mark = (tuple(error.absolute_path), tuple(error.absolute_schema_path))
        if mark in done:
            continue
        done.add(mark)
        problems.extend(_describe(error, data, locations))
    return problems


def _describe(error: Any, data: Any, locations: Mapping[str, int]) -> Iterator[Problem]:
    """Turn one jsonschema error into problems a person can act on."""
    path = [str(p) for p in error.absolute_path]
    key = ".".join(path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    value = error.instance
    secret = _is_secret(path, schema)

    if kind == "required":
        phrase = schema.get("x-required-when") or _driver_phrase(path, data)
        when = f" {phrase}" if phrase else ""
        present = value if isinstance(value, dict) else {}
        for name in error.validator_value:
            if name in present:
                continue
            full = ".".join([*path, name])
            yield Problem(
                f"{full} is required{when} but missing",
                line=_line(locations, path) if path else None,
                key=full,
                code="required",
            )
        return

    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        owner = schema.get("title") or key
        for name in sorted(set(value) - set(allowed)) if isinstance(value, dict) else []:
            full = ".".join([*path, name])
            guess = difflib.get_close_matches(name, allowed, n=1, cutoff=0.7)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            consequence = schema.get("x-unknown-hint")
            tail = f"; {consequence} '{name}'" if consequence else ""
            yield Problem(
                f"{full}: {owner} has no parameter {name}{hint}{tail}; "
                f"it takes: {', '.join(allowed)}",
                line=_line(locations, [*path, name]),
                key=full,
                code="additionalProperties",
            )
        return

    line = _line(locations, path)
    found = _shown(value, secret)
    if kind == "type":
        expected = schema.get("type")
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in _as_list(expected))
        message = f"{key} is {_with_type(value, secret)}; expected {words}"
    elif kind == "enum":
        options = error.validator_value
        message = f"{key} is {found}; allowed: {_list_values(options)}"
        if isinstance(value, str) and not secret:
            texts = [o for o in options if isinstance(o, str)]
            guess = difflib.get_close_matches(value, texts, n=1, cutoff=0.6)
            if guess:
                message += f"; did you mean {guess[0]}?"
        if schema.get("x-error-hint"):
            message += f" ({schema['x-error-hint']})"
    elif kind == "const":
        message = f"{key} is {found}; it must be {json.dumps(error.validator_value)}"
    elif kind == "pattern":
        hint = schema.get("x-pattern-hint") or f"text matching {error.validator_value}"
        message = f"{key} is {found}; expected {hint}"
    elif kind in ("minItems", "maxItems"):
        count = len(value) if isinstance(value, list) else 0
        shape = schema.get("x-shape-hint") or (
            f"at least {error.validator_value}"
            if kind == "minItems"
            else f"at most {error.validator_value}"
        )
        message = f"{key} has {count} element{'s' if count != 1 else ''}; expected {shape}"
    elif kind == "minProperties":
        what = "storage location" if key == STORAGE_KEY else "entry"
        message = f"{key} is empty; it needs at least one {what}"
    elif kind == "uniqueItems":
        message = f"{key} lists the same entry more than once"
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = "at least" if "inimum" in kind else "at most"
        message = f"{key} is {found}; it must be {bound} {error.validator_value}"
    elif kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        message = f"{key} must be {bound} {error.validator_value} characters long"
    else:
        detail = f"does not satisfy '{kind}'" if secret else error.message
        message = f"{key or 'config.yaml'}: {detail}"
    yield Problem(message, line=line, key=key or None, code=str(kind))


def _driver_phrase(path: list[str], data: Any) -> str | None:
    """'by the S3Storage driver' for a path inside a storage location's parameters."""
    if len(path) >= 3 and path[0] == STORAGE_KEY and path[2] == "1":
        name = storage_drivers(data).get(path[1])
        if name:
            return f"by the {name} driver"
    return None


def _is_secret(path: list[str], schema: Mapping[str, Any]) -> bool:
    """Whether the value at this path is a credential that must not be quoted."""
    if schema.get("x-secret"):
        return True
    if path and path[0] in _SECRET_ROOTS:
        return True
    return bool(path) and bool(_SECRET_NAME.search(path[-1]))


def _line(locations: Mapping[str, int], path: list[str]) -> int | None:
    """Line of the nearest key on the path that has one."""
    probe = list(path)
    while probe:
        line = locations.get(".".join(probe))
        if line is not None:
            return line
        probe.pop()
    return None


def _as_list(value: Any) -> list[Any]:
    """A JSON-Schema 'type' (one name or a list) as a list."""
    return list(value) if isinstance(value, list) else [value]


def _type_name(value: Any) -> str:
    """The JSON-Schema type name of a loaded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _type_word(value: Any) -> str:
    """The type of a value in words ('a string', 'a mapping')."""
    name = _type_name(value)
    return _TYPE_WORDS.get(name, name)


def _shown(value: Any, secret: bool) -> str:
    """A short rendering of a found value (secrets are never shown)."""
    if secret:
        return f"{_type_word(value)} (value hidden)"
    if isinstance(value, (dict, list)):
        return _type_word(value)
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + '..."'


def _with_type(value: Any, secret: bool) -> str:
    """A found value with its type, e.g. '"6379" (a string)'."""
    if secret:
        return f"{_type_word(value)} (value hidden)"
    if isinstance(value, (dict, list)) or value is None:
        return _type_word(value)
    return f"{_shown(value, False)} ({_type_word(value)})"


def _list_values(options: Iterable[Any]) -> str:
    """Allowed values for a message: bare words when all are strings, JSON otherwise."""
    items = list(options)
    if all(isinstance(o, str) for o in items):
        return ", ".join(items)
    return ", ".join(json.dumps(o) for o in items)


# --------------------------------------------------------------------------- versions


def _minor(text: str) -> tuple[int, int] | None:
    """(major, minor) of '3.12', '3.12.4' or 'v3.12.4'; None when there is none."""
    match = re.match(r"\s*v?(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _since_text(schema: Mapping[str, Any]) -> str:
    """'it appeared in 3.N', or the wording for keys only on the main branch."""
    since = str(schema.get("x-since"))
    if since == "3.19":
        return "it appears only after 3.18"
    return f"it appeared in {since}"


def version_problems(
    data: Any, version: str, *, locations: Mapping[str, int] | None = None
) -> list[Problem]:
    """What in this config a given Quay release ("3.N" or "3.N.z") ignores, lacks or rejects.

    An unparseable version gives no problems: nothing can be said without one.
    """
    target = _minor(version)
    if target is None or not isinstance(data, dict):
        return []
    where = locations or {}
    label = f"{target[0]}.{target[1]}"
    properties = load_schema().get("properties", {})
    problems: list[Problem] = []
    for key, value in data.items():
        if key in properties:
            problems.extend(_version_walk(properties[key], [key], value, target, label, where))
    problems.extend(_storage_version_problems(data.get(STORAGE_KEY), target, label, where))
    problems.sort(key=lambda p: (p.line is None, p.line or 0, p.key or ""))
    return problems


def _version_walk(
    schema: Mapping[str, Any],
    path: list[str],
    value: Any,
    target: tuple[int, int],
    label: str,
    where: Mapping[str, int],
) -> Iterator[Problem]:
    """Version annotations of one value and, below it, of the nested keys the schema names."""
    key = ".".join(path)
    line = _line(where, path)
    schema_here = _resolve(schema)
    since = schema.get("x-since") or schema_here.get("x-since")
    removed = schema.get("x-removed") or schema_here.get("x-removed")
    since_v = _minor(str(since)) if since else None
    if since_v and since_v > target and since != "3.8":
        yield Problem(
            f"{key} has no effect on Quay {label}, {_since_text({'x-since': since})}",
            line=line,
            key=key,
            code="not-in-version",
        )
        return  # the whole block is unknown there: nothing below it needs a word
    removed_v = _minor(str(removed)) if removed else None
    if removed_v and removed_v <= target:
        yield Problem(
            f"{key} was removed in Quay {removed}; it has no effect on Quay {label}",
            line=line,
            key=key,
            code="removed-in-version",
        )
        return

    by_value = schema.get("x-enum-since") or schema_here.get("x-enum-since") or {}
    if isinstance(value, str) and value in by_value:
        value_since = _minor(str(by_value[value]))
        if value_since and value_since > target:
            yield Problem(
                f"{key} is {json.dumps(value)}, which Quay {label} does not accept "
                f"(it appeared in {by_value[value]})",
                line=line,
                key=key,
                code="value-not-in-version",
            )

    by_type = schema.get("x-types-by-version") or {}
    applicable = [(v, types) for v, types in by_type.items() if (_minor(v) or (99, 99)) <= target]
    if applicable:
        _, types = max(applicable, key=lambda item: _minor(item[0]) or (0, 0))
        if _type_name(value) not in types:
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
            yield Problem(
                f"{key} is {_type_word(value)}; Quay {label} expects {words}",
                line=line,
                key=key,
                code="value-not-in-version",
            )

    nested = schema_here.get("properties")
    if isinstance(nested, dict) and isinstance(value, dict) and path[0] != STORAGE_KEY:
        for name, item in value.items():
            if name in nested:
                yield from _version_walk(nested[name], [*path, name], item, target, label, where)


def _storage_version_problems(
    config: Any, target: tuple[int, int], label: str, where: Mapping[str, int]
) -> Iterator[Problem]:
    """Drivers a release does not have, and driver parameters it does not take."""
    if not isinstance(config, dict):
        return
    defs = load_schema().get("$defs", {})
    for location, entry in config.items():
        if not (isinstance(entry, list) and entry and isinstance(entry[0], str)):
            continue
        name = entry[0]
        driver = defs.get(f"driver.{name}")
        if not isinstance(driver, dict):
            continue  # unknown drivers are reported by parse()
        base = [STORAGE_KEY, str(location)]
        since = str(driver.get("x-since", "3.8"))
        since_v = _minor(since)
        if since_v and since_v > target:
            yield Problem(
                f"{'.'.join(base)}: Quay {label} has no {name} driver (it appeared in {since}); "
                "it would silently use FakeStorage, which stores nothing",
                line=_line(where, [*base, "0"]),
                key=".".join([*base, "0"]),
                code="driver-not-in-version",
            )
            continue
        if driver.get("x-config-tool-rejects"):
            yield Problem(
                f"{'.'.join(base)}: Quay {label} runs {name}, but config-tool does not know it "
                f"('{name} is not a valid storage type.') and stops the container at start-up "
                "unless IGNORE_VALIDATION is set",
                line=_line(where, [*base, "0"]),
                key=".".join([*base, "0"]),
                code="config-tool-rejects",
            )
        params = entry[1] if len(entry) > 1 else None
        if not isinstance(params, dict):
            continue
        known = driver.get("properties", {})
        for param in params:
            param_schema = known.get(param)
            if not isinstance(param_schema, dict) or "x-since" not in param_schema:
                continue
            param_since = _minor(str(param_schema["x-since"]))
            if param_since and param_since > target:
                path = [*base, "1", str(param)]
                note = " (not taken by 3.8.0; taken by 3.15.0)" if target == (3, 8) else ""
                yield Problem(
                    f"{'.'.join(path)}: {name} on Quay {label} does not take parameter {param}"
                    f"{note}; the driver would fail with TypeError: __init__() got an unexpected "
                    f"keyword argument '{param}'",
                    line=_line(where, path),
                    key=".".join(path),
                    code="param-not-in-version",
                )


def refine(parsed: Parsed, facts: Mapping[str, Any]) -> list[Problem]:
    """Problems that need the derived facts: what the detected Quay version does not accept."""
    version = (facts.get("quay") or {}).get("version")
    if not version or parsed.status not in ("parsed", "truncated"):
        return []
    return version_problems(parsed.data, str(version), locations=parsed.locations)
