"""The pg_settings kind: the server's own view of its settings, as psql printed it.

Two queries are read: `SHOW ALL` (columns name, setting, description; the setting shown
with a unit, "128MB", "5min") and `select * from pg_settings` (or a subset of its columns
that includes name and setting; the setting in the base unit named by the unit column). Four
psql output formats are recognised: aligned (the default table, `-[ RECORD n ]` expanded
form included), unaligned `-A` (`|` separated), and `--csv`.

This module owns the table readers and the normalisation into the same `settings` shape as
pg_conf, so that rules can read either: `value` in the base unit (integers and reals as
numbers, booleans as true/false), `bytes` and `ms` where the unit is a size or a time.
Values come from the server itself, so they need no re-validation; only `SHOW ALL` text with
units is converted (with the server's own arithmetic, pg_units.convert_to_base).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

from analyzer.artifacts import pg_units
from analyzer.artifacts.base import Parsed, TextSource, TooLarge
from analyzer.artifacts.pg_conf import measures, read_value
from analyzer.model import Problem

_FOOTER = re.compile(r"^\(\d+ rows?\)$")
_RECORD = re.compile(r"^-\[ RECORD \d+ \]-*\+?-*$")
_ALIGNED_RULE = re.compile(r"^-+(?:\+-+)*$")

# pg_settings columns kept beside the value, under these names
_EXTRA = {
    "context": "context",
    "source": "source",
    "sourcefile": "sourcefile",
    "sourceline": "sourceline",
    "pending_restart": "pending_restart",
    "boot_val": "boot_val",
    "reset_val": "reset_val",
}


def _width(ch: str) -> int:
    """Display columns of one character in a terminal (psql pads by these)."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _split_aligned(line: str, bars: list[int]) -> list[str] | None:
    """Cut an aligned row at the display columns where the header rule has `+`."""
    cells: list[str] = []
    col = 0
    start = 0
    pending = list(bars)
    for i, ch in enumerate(line):
        if pending and col == pending[0]:
            if ch != "|":
                return None
            cells.append(line[start:i])
            start = i + 1
            pending.pop(0)
        col += _width(ch)
    if pending:
        # a short row: trailing empty cells may have been trimmed by an editor
        cells.append(line[start:])
        cells.extend("" for _ in pending)
        return [c.strip() for c in cells]
    cells.append(line[start:])
    return [c.strip() for c in cells]


def _rows_aligned(
    lines: list[tuple[int, str]],
) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header and rows of an aligned psql table (the header is followed by a `---+---` rule)."""
    for idx in range(len(lines) - 1):
        rule = lines[idx + 1][1].rstrip()
        if not _ALIGNED_RULE.match(rule) or "|" not in lines[idx][1]:
            continue
        bars = [i for i, ch in enumerate(rule) if ch == "+"]
        header = [h.strip() for h in lines[idx][1].split("|")]
        rows: list[tuple[int, list[str]]] = []
        for number, text in lines[idx + 2 :]:
            stripped = text.strip()
            if not stripped or _FOOTER.match(stripped):
                continue
            cells = _split_aligned(text, bars)
            if cells is None or len(cells) != len(header):
                cells = [c.strip() for c in text.split(" | ")]
            if len(cells) == len(header):
                rows.append((number, cells))
        return header, rows
    return None


def _rows_expanded(
    lines: list[tuple[int, str]],
) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Records of psql's expanded output (`-[ RECORD 1 ]---`, then `column | value` lines)."""
    if not any(_RECORD.match(t.strip()) for _, t in lines):
        return None
    header: list[str] = []
    records: list[tuple[int, dict[str, str]]] = []
    current: dict[str, str] | None = None
    last_key = None
    for number, text in lines:
        if _RECORD.match(text.strip()):
            current = {}
            records.append((number, current))
            last_key = None
            continue
        if current is None or " | " not in text and not text.rstrip().endswith(" |"):
            continue
        key, _, value = text.partition("|")
        key = key.strip()
        value = value[1:] if value.startswith(" ") else value
        if not key and last_key is not None:
            # a value that spans lines: psql marks the break with a trailing `+`
            current[last_key] = current[last_key].rstrip("+").rstrip() + "\n" + value.rstrip()
            continue
        current[key] = value.rstrip()
        last_key = key
        if key not in header:
            header.append(key)
    rows = [(n, [rec.get(h, "").rstrip("+").rstrip() for h in header]) for n, rec in records]
    return header, rows


def _rows_unaligned(
    lines: list[tuple[int, str]],
) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header and rows of `psql -A` output (`|` between fields, `(N rows)` footer)."""
    first = next(((n, t) for n, t in lines if t.strip()), None)
    if first is None or "|" not in first[1]:
        return None
    header = first[1].split("|")
    if "name" not in header or "setting" not in header:
        return None
    width = len(header)
    rows: list[tuple[int, list[str]]] = []
    for number, text in lines:
        if number <= first[0] or not text.strip() or _FOOTER.match(text.strip()):
            continue
        parts = text.split("|")
        if len(parts) > width:
            # a `|` inside a value: the setting is the likeliest place (log_line_prefix...)
            tail = width - 2
            parts = [parts[0], "|".join(parts[1 : len(parts) - tail]), *parts[len(parts) - tail :]]
        if len(parts) == width:
            rows.append((number, parts))
    return header, rows


def _rows_csv(text: str) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header and rows of `psql --csv` output."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return None
    if "name" not in header or "setting" not in header:
        return None
    rows: list[tuple[int, list[str]]] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if len(cells) == len(header):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error:
        return header, rows
    return header, rows


def _typed(raw: str, vartype: str | None) -> Any:
    """A pg_settings `setting` in its type: the server already wrote it in the base unit."""
    if vartype == "bool":
        return {"on": True, "off": False}.get(raw, raw)
    if vartype == "integer":
        if re.fullmatch(r"0[0-7]+", raw):
            return int(raw, 8)  # file modes are shown in octal (0600, 0700, 0777)
        try:
            return int(raw)
        except ValueError:
            return raw
    if vartype == "real":
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def _guess(raw: str) -> tuple[Any, str | None]:
    """A value of a parameter this reader does not know (another version's): its evident type."""
    if raw in ("on", "off"):
        return raw == "on", "bool"
    if re.fullmatch(r"-?\d+", raw):
        return int(raw), "integer"
    if re.fullmatch(r"-?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?", raw):
        return float(raw), "real"
    return raw, None


def _setting(header: list[str], cells: list[str], query: str) -> tuple[str, dict[str, Any]]:
    """One row as (name, setting dict)."""
    row = dict(zip(header, cells, strict=False))
    name = row["name"]
    raw = row["setting"]
    known = pg_units.lookup(name)
    vartype = row.get("vartype") or (known[1].vartype if known else None)
    out: dict[str, Any] = {"name": name, "raw": raw}
    if query == "pg_settings" and "unit" in row:
        unit = row["unit"] or None
        value = _typed(raw, vartype) if vartype else _guess(raw)[0]
        error = None
    elif known is not None:
        # SHOW ALL prints sizes and times with a unit: convert as the server would read it
        parsed = read_value(name, raw, from_file=False)
        value, unit, error = parsed.value, parsed.unit, parsed.error
        if error is not None:
            value = raw  # a display the server accepts but PG15 rules do not (another version)
    else:
        value, vartype = _guess(raw)
        unit, error = None, None
    bytes_, ms = measures(value, unit)
    out.update(
        {
            "value": value,
            "unit": unit,
            "bytes": bytes_,
            "ms": ms,
            "type": vartype,
        }
    )
    for column, key in _EXTRA.items():
        if column in row:
            cell = row[column]
            if column == "sourceline":
                out[key] = int(cell) if cell.isdigit() else None
            elif column == "pending_restart":
                out[key] = {"t": True, "f": False, "true": True, "false": False}.get(cell)
            else:
                out[key] = cell if cell != "" else None
    return name, out


def parse(src: TextSource, kind: str = "pg_settings") -> Parsed:
    """Read a SHOW ALL or pg_settings dump into name -> setting in base units."""
    try:
        text = src.read_text()
    except TooLarge as exc:
        return Parsed(
            kind=kind,
            path=src.path,
            status="invalid",
            problems=[Problem(str(exc), code="too-large")],
        )
    lines = list(enumerate(text.split("\n"), 1))
    table = None
    fmt = None
    readers = (
        ("expanded", lambda: _rows_expanded(lines)),
        ("aligned", lambda: _rows_aligned(lines)),
        ("unaligned", lambda: _rows_unaligned(lines)),
        ("csv", lambda: _rows_csv(text)),
    )
    for name, reader in readers:
        found = reader()
        if found is not None and "name" in found[0] and "setting" in found[0]:
            table, fmt = found, name
            break
    if table is None:
        return Parsed(
            kind=kind,
            path=src.path,
            status="invalid",
            problems=[
                Problem(
                    "no psql table with name and setting columns (SHOW ALL or pg_settings) found",
                    line=1,
                    code="syntax",
                )
            ],
        )
    header, rows = table
    query = "pg_settings" if "unit" in header or "vartype" in header else "show_all"
    settings: dict[str, dict[str, Any]] = {}
    locations: dict[str, int] = {}
    problems: list[Problem] = list(src.notes)
    for number, cells in rows:
        name, setting = _setting(header, cells, query)
        if not name:
            continue
        if name in settings:
            problems.append(
                Problem(
                    f"parameter {name} is listed twice; the later row is used",
                    line=number,
                    key=f"settings.{name}",
                    code="duplicate-key",
                )
            )
        settings[name] = setting
        locations[f"settings.{name}"] = number
    if not settings:
        problems.append(Problem("the table has no rows", line=1, code="required"))
    meta: dict[str, Any] = {"source": "server", "format": fmt, "query": query}
    version = settings.get("server_version", {}).get("raw")
    if version:
        meta["postgres_version"] = version
    return Parsed(
        kind=kind,
        path=src.path,
        data={"settings": settings, "query": query, "format": fmt},
        problems=problems,
        locations=locations,
        meta=meta,
    )


def sniff(head: str) -> bool:
    """True when the head looks like SHOW ALL / pg_settings output from psql."""
    first = head.lstrip().split("\n", 1)[0]
    cols = [c.strip() for c in re.split(r"[|,]", first)]
    if cols[:2] == ["name", "setting"]:
        return True
    return bool(re.search(r"^name\s+\| ", head, re.MULTILINE) and "setting" in head)
