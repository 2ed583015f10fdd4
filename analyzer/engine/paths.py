"""Dotted paths into artifact data: 'services.*', 'containers.*.mem_percent', 'a.0.b'.

`*` matches every key of a mapping or every item of a list; a final `#` gives the number of
items (or keys) of what the path reached ('DISTRIBUTED_STORAGE_CONFIG.#'). A path that does
not exist yields nothing (the `missing` operator turns that into a match).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def split(path: str) -> list[str]:
    return [p for p in path.split(".") if p != ""] if path not in ("", ".") else []


def walk(data: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(dotted key, value, parent container) for each location the path reaches."""
    yield from _walk(data, split(path), "", None)


def _walk(node: Any, parts: list[str], prefix: str, parent: Any) -> Iterator[tuple[str, Any, Any]]:
    if not parts:
        yield prefix, node, parent
        return
    head, rest = parts[0], parts[1:]
    if head == "#":
        # the number of items (or keys) of the container reached so far
        if isinstance(node, dict | list | str) and not rest:
            yield _join(prefix, "#"), len(node), parent
        return
    if head == "*":
        if isinstance(node, dict):
            for k, v in node.items():
                yield from _walk(v, rest, _join(prefix, str(k)), node)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from _walk(v, rest, _join(prefix, str(i)), node)
        return
    if isinstance(node, dict):
        if head in node:
            yield from _walk(node[head], rest, _join(prefix, head), node)
            return
        # keys that contain dots themselves (PostgreSQL custom settings: pg_stat_statements.max)
        for n in range(2, len(parts) + 1):
            joined = ".".join(parts[:n])
            if joined in node:
                yield from _walk(node[joined], parts[n:], _join(prefix, joined), node)
                return
    elif isinstance(node, list) and head.isdigit():
        i = int(head)
        if i < len(node):
            yield from _walk(node[i], rest, _join(prefix, head), node)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def has_wildcard(path: str) -> bool:
    return "*" in split(path)


def get(data: Any, path: str, default: Any = None) -> Any:
    for _key, value, _parent in walk(data, path):
        return value
    return default
