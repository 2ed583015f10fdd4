"""Loading customer YAML and JSON without letting it construct objects or exhaust memory.

YAML: only the safe tags; aliases counted and their expansion bounded (a "billion laughs"
document is refused, not expanded); recursive aliases refused; every key's line recorded
under its dotted path; duplicate keys reported (the later value wins, as in Quay).
JSON: nesting depth bounded before parsing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from analyzer.model import Problem

MAX_ALIASES = 1_000
MAX_NODES = 2_000_000  # nodes after alias expansion
MAX_JSON_DEPTH = 200


class LoadError(Exception):
    """The text cannot be read as YAML/JSON (syntax) or breaks a safety limit."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that bounds alias use and expansion, and refuses recursive aliases."""

    def __init__(self, stream: str, max_aliases: int, max_nodes: int) -> None:
        super().__init__(stream)
        self._max_aliases = max_aliases
        self._max_nodes = max_nodes
        self._aliases = 0
        self._nodes = 0
        self._open: set[str] = set()
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            anchor = event.anchor
            if anchor in self._open:
                raise LoadError(
                    f"recursive alias *{anchor} is not allowed", event.start_mark.line + 1
                )
            self._aliases += 1
            if self._aliases > self._max_aliases:
                raise LoadError(
                    f"more than {self._max_aliases} aliases; refusing to expand",
                    event.start_mark.line + 1,
                )
            target = self.anchors.get(anchor)
            self._nodes += self._sizes.get(id(target), 1)
            self._check_nodes(event)
            return super().compose_node(parent, index)
        anchor = getattr(event, "anchor", None)
        start = self._nodes
        self._nodes += 1
        self._check_nodes(event)
        if anchor:
            self._open.add(anchor)
        node = super().compose_node(parent, index)
        if anchor:
            self._open.discard(anchor)
            self._sizes[id(node)] = self._nodes - start
        return node

    def _check_nodes(self, event: Any) -> None:
        if self._nodes > self._max_nodes:
            raise LoadError(
                f"document expands to more than {self._max_nodes} nodes (alias bomb?)",
                event.start_mark.line + 1,
            )


@dataclass
class YamlDoc:
    data: Any
    locations: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _scalar_key(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return str(node.value)
    return f"<{node.tag.rsplit(':', 1)[-1]}>"


def _walk(node: Node, prefix: str, doc: YamlDoc, seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = _scalar_key(key_node)
            if key == "<<" and key_node.tag.endswith(":merge"):
                _walk(value_node, prefix, doc, seen)
                continue
            path = f"{prefix}.{key}" if prefix else key
            line = key_node.start_mark.line + 1
            if key in first:
                doc.problems.append(
                    Problem(
                        f"duplicate key {path} (first on line {first[key]}); "
                        f"the value on line {line} is the one used",
                        line=line,
                        key=path,
                        code="duplicate-key",
                    )
                )
            first[key] = line
            doc.locations[path] = line
            _walk(value_node, path, doc, seen)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}.{i}" if prefix else str(i)
            doc.locations.setdefault(path, item.start_mark.line + 1)
            _walk(item, path, doc, seen)


def _mark_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def load_yaml_all(
    text: str, *, max_aliases: int | None = None, max_nodes: int | None = None
) -> list[YamlDoc]:
    """Every document of a YAML stream, each with key lines and duplicate-key problems."""
    # the limits are read at call time, so a run's --limit settings reach every parser
    max_aliases = MAX_ALIASES if max_aliases is None else max_aliases
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    docs: list[YamlDoc] = []
    try:
        loader = _BoundedLoader(text, max_aliases, max_nodes)
    except yaml.YAMLError as exc:
        detail = re.sub(r"\s+", " ", str(exc))
        raise LoadError(f"YAML cannot be read: {detail}", _mark_line(exc)) from None
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            doc = YamlDoc(data=data)
            _walk(node, "", doc, set())
            docs.append(doc)
    except LoadError:
        raise
    except yaml.YAMLError as exc:
        detail = str(exc).replace("\n", " ")
        detail = re.sub(r"\s+", " ", detail)
        raise LoadError(f"YAML syntax error: {detail}", _mark_line(exc)) from None
    except RecursionError:
        raise LoadError("YAML nesting is too deep") from None
    finally:
        loader.dispose()
    return docs


def load_yaml(text: str, **kw: Any) -> YamlDoc:
    """A single YAML document (an empty text gives data None)."""
    docs = load_yaml_all(text, **kw)
    if not docs:
        return YamlDoc(data=None)
    if len(docs) > 1:
        first = docs[0]
        first.problems.append(
            Problem(f"{len(docs)} YAML documents found; only the first is used", code="multiple-documents")
        )
        return first
    return docs[0]


_JSON_TOKENS = re.compile(r'["\\\[\]{}]')


def json_depth(text: str) -> int:
    """Deepest bracket nesting of a JSON text; brackets inside strings do not count."""
    depth = best = 0
    i = 0
    n = len(text)
    find = text.find
    while i < n:
        m = _JSON_TOKENS.search(text, i)
        if m is None:
            break
        ch = m.group()
        i = m.end()
        if ch == '"':
            # skip to the closing quote, honouring backslash escapes
            j = i
            while True:
                q = find('"', j)
                if q < 0:
                    return best
                k = q - 1
                slashes = 0
                while k >= i and text[k] == "\\":
                    slashes += 1
                    k -= 1
                if slashes % 2 == 0:
                    i = q + 1
                    break
                j = q + 1
        elif ch in "[{":
            depth += 1
            if depth > best:
                best = depth
        elif ch in "]}":
            depth -= 1
    return best


def load_json(text: str, *, max_depth: int | None = None) -> Any:
    """Parse JSON, refusing documents nested deeper than max_depth."""
    max_depth = MAX_JSON_DEPTH if max_depth is None else max_depth
    depth = json_depth(text)
    if depth > max_depth:
        raise LoadError(f"JSON nested {depth} levels deep (limit {max_depth})")
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise LoadError(f"JSON syntax error: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise LoadError("JSON nesting is too deep") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise LoadError(f"JSON value cannot be read: {exc}") from None


def _no_constants(name: str) -> Any:
    # NaN and Infinity are not JSON; accepting them would put infinite numbers into the data
    raise ValueError(f"{name} is not a JSON value")
