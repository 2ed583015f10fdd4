"""Command output read as rows: text tables cut at their header's column offsets, and JSON
documents holding one row per element.

Text tables. podman, docker and kubectl print tables through Go's `text/tabwriter`: every cell
of a column starts at the offset of its header label, cells are separated by at least two
spaces (the writer's padding), and single spaces occur inside cells (`MEM USAGE / LIMIT`,
`1.164GiB / 15.55GiB`, `Up 3 hours (healthy)`) or cells are empty (a container without
ports). Splitting on whitespace therefore breaks rows; splitting at the header's offsets does
not. Output captured from a terminal, or from podman before 5.5 even when written to a file,
carries screen-control escapes (`ESC[2J ESC[1;1H` before each table, `ESC[K` at line ends);
`strip_escapes` removes them first.

JSON. podman prints one array (several when streaming), docker one object per line; both are
read by `iter_json_items`, which also reports the line each element starts on.
`json_key_lines` maps the keys of one element to their lines, for evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from analyzer.artifacts.safeload import MAX_JSON_DEPTH, LoadError, json_depth

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), charset selection (ESC ( B) and the
# two-character escapes (ESC 7, ESC c...).
_ESCAPE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[()*+][0-9A-Za-z]|[0-~])?"
)


def strip_escapes(text: str) -> str:
    """The text without terminal control sequences (screen clears, cursor moves, colours)."""
    if "\x1b" not in text:
        return text
    return _ESCAPE.sub("", text)


@dataclass(frozen=True, slots=True)
class Column:
    """One header label: what it says, what the parser calls it (None if unknown), where it starts."""

    label: str
    key: str | None
    start: int


def _norm_label(label: str) -> str:
    """Header labels compare upper-case with single spaces."""
    return " ".join(label.split()).upper()


_TABLES: dict[int, tuple[Mapping[str, str], dict[str, str], int]] = {}


def _label_table(labels: Mapping[str, str]) -> tuple[dict[str, str], int]:
    """The normalized label table and its longest label in words (cached per mapping)."""
    cached = _TABLES.get(id(labels))
    if cached is not None and cached[0] is labels:
        return cached[1], cached[2]
    table = {_norm_label(k): v for k, v in labels.items()}
    longest = max((len(k.split()) for k in table), default=1)
    if len(_TABLES) < 64:
        _TABLES[id(labels)] = (labels, table, longest)
    return table, longest


def header_columns(line: str, labels: Mapping[str, str]) -> list[Column]:
    """The columns of a tabwriter header line; `labels` maps upper-case label -> key.

    Labels are separated by two or more spaces. A run of words separated by single spaces
    that is not a known label is split into known labels where possible (a header typed or
    re-spaced by hand).
    """
    table, longest = _label_table(labels)
    columns: list[Column] = []
    for m in re.finditer(r"\S+(?: \S+)*", line):
        label = m.group()
        key = table.get(_norm_label(label))
        if key is not None or " " not in label:
            columns.append(Column(label, key, m.start()))
            continue
        words = [(w.start() + m.start(), w.group()) for w in re.finditer(r"\S+", label)]
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                candidate = " ".join(w for _, w in words[i : i + n])
                if _norm_label(candidate) in table or n == 1:
                    columns.append(
                        Column(candidate, table.get(_norm_label(candidate)), words[i][0])
                    )
                    i += n
                    break
    return columns


def split_row(line: str, columns: list[Column]) -> list[str] | None:
    """The cells of a table row, cut at the header's offsets (None if the row does not fit).

    A row fits when the character before each column's offset is a space (no cell runs into
    the next column). A row that does not fit but splits on runs of two or more spaces into
    exactly as many cells as there are columns is accepted too (re-spaced output).
    """
    if not columns:
        return None
    text = line.rstrip()
    fits = columns[0].start == 0 or not text[: columns[0].start].strip()
    if fits:
        for col in columns[1:]:
            if col.start < len(text) and not text[col.start - 1].isspace():
                fits = False
                break
    if fits:
        cells = []
        for i, col in enumerate(columns):
            end = columns[i + 1].start if i + 1 < len(columns) else len(text)
            cells.append(text[col.start : end].strip())
        return cells
    loose = re.split(r"\s{2,}|\t", text.strip())
    if len(loose) == len(columns):
        return loose
    return None


def is_blank(line: str) -> bool:
    """True for a line with nothing but whitespace."""
    return not line.strip()


# Lines a tool writes to stderr, which collection scripts often capture with stdout.
_TOOL_MESSAGE = re.compile(
    r"^\s*(?:Error|Warning|WARN\[|ERRO\[|INFO\[|time=\"|error:|warning:|E\d{4} |W\d{4} |"
    r"(?:\S*/)?df: |[a-z]+: cannot )",
    re.IGNORECASE,
)


def is_tool_message(line: str) -> bool:
    """True for an error/warning line a CLI printed among its output (podman, docker, oc, df)."""
    return bool(_TOOL_MESSAGE.match(line))


# --- JSON -----------------------------------------------------------------------------------


@dataclass(slots=True)
class JsonItem:
    """One row of a JSON output: the value, where it starts, and which top-level document held it."""

    value: Any
    line: int  # 1-based line of the element's first character
    offset: int  # character offset of the element in the text
    document: int  # 0-based index of the top-level JSON value it came from
    in_array: bool  # True when the element came out of a top-level array


class _LineCounter:
    """Line numbers of increasing offsets in one text, counted incrementally."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.pos:
            self.pos, self.line = 0, 1
        self.line += self.text.count("\n", self.pos, offset)
        self.pos = offset
        return self.line


_WS = re.compile(r"\s*")


def iter_json_items(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Iterator[JsonItem]:
    """The elements of a JSON output: each element of every top-level array, and every
    top-level object or scalar (JSON Lines, concatenated documents).

    Raises LoadError (with the line) for text that is not a sequence of JSON values.
    """
    depth = json_depth(text)
    if depth > max_depth:
        raise LoadError(f"JSON nested {depth} levels deep (limit {max_depth})")
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    lines = _LineCounter(text)
    n = len(text)
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    document = 0
    while pos < n:
        if text[pos] == "[":
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            if pos < n and text[pos] == "]":
                pos += 1
            else:
                while True:
                    value, end = _decode(decoder, text, pos, lines)
                    yield JsonItem(value, lines.at(pos), pos, document, True)
                    pos = _WS.match(text, end).end()  # type: ignore[union-attr]
                    if pos < n and text[pos] == ",":
                        pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                        continue
                    if pos < n and text[pos] == "]":
                        pos += 1
                        break
                    raise LoadError(
                        "JSON syntax error: expected ',' or ']' after an array element",
                        lines.at(min(pos, n)),
                    )
        else:
            value, end = _decode(decoder, text, pos, lines)
            yield JsonItem(value, lines.at(pos), pos, document, False)
            pos = end
        document += 1
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]


def _reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON; Python's reader would accept them."""
    raise ValueError(f"{name} is not a JSON value")


def _decode(decoder: json.JSONDecoder, text: str, pos: int, lines: _LineCounter) -> tuple[Any, int]:
    """One JSON value at pos, or LoadError naming the line of the fault."""
    try:
        return decoder.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise LoadError(f"JSON syntax error: {exc.msg}", lines.at(exc.pos)) from None
    except RecursionError:
        raise LoadError("JSON nesting is too deep", lines.at(pos)) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise LoadError(f"JSON value cannot be read: {exc}", lines.at(pos)) from None


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\],\n]')


def json_key_lines(text: str, offset: int, line: int, *, max_depth: int = 3) -> dict[str, int]:
    """Dotted key paths (`State.OOMKilled`, `Config.Env.3`) of the JSON value at `offset`,
    mapped to their 1-based lines; `line` is the line of `offset`. Paths deeper than
    `max_depth` are left out.
    """
    out: dict[str, int] = {}
    # one frame per open container: [is_object, path, expecting_key, current_key, index]
    stack: list[list[Any]] = []
    for m in _JSON_TOKEN.finditer(text, offset):
        tok = m.group()
        if tok == "\n":
            line += 1
            continue
        first = tok[0]
        if first == '"':
            if not stack:
                break  # a scalar string value: no keys
            top = stack[-1]
            if top[0] and top[2]:
                try:
                    key = json.loads(tok)
                except ValueError:
                    key = tok[1:-1]
                top[3] = str(key)
                top[2] = False
                if len(stack) <= max_depth:
                    out.setdefault(_join(top[1], top[3]), line)
            elif not top[0] and len(stack) <= max_depth:
                out.setdefault(_join(top[1], str(top[4])), line)
        elif first in "{[":
            if stack:
                top = stack[-1]
                path = _join(top[1], top[3] if top[0] else str(top[4]))
                if not top[0] and len(stack) <= max_depth:
                    out.setdefault(path, line)
            else:
                path = ""
            stack.append([first == "{", path, first == "{", "", 0])
        elif first in "}]":
            if stack:
                stack.pop()
            if not stack:
                break
        elif first == "," and stack:
            top = stack[-1]
            if top[0]:
                top[2] = True
            else:
                top[4] += 1
    return out


def _join(prefix: str, key: str) -> str:
    """A dotted path."""
    return f"{prefix}.{key}" if prefix else key
