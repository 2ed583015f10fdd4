"""GNU `df` output (kind df): `df -h`, `df -ah`, `df -k`, `df -P`, `df -T`, `df -i`, `df -H`.

The header names the columns: `Filesystem [Type] Size|1K-blocks|1024-blocks Used
Avail|Available Use%|Capacity Mounted on` (`-i`: `Inodes IUsed IFree IUse%`). `df` right-aligns
numbers with single spaces between columns, so it is read by fields, not by offsets: the leading
fields are the filesystem and numbers, and the rest of the line is the mount point (which may
hold spaces). `-a` adds pseudo filesystems whose values are `0` and whose Use% is `-`; `-`
becomes null, a printed `0` stays 0. Old coreutils (before 8.11, without `-P`) wrap a row whose
filesystem name is too long onto a second line; the two lines are joined.

Sizes are bytes: `-h` suffixes are powers of 1024 (`-H`, which prints the same header, uses
powers of 1000 and is recognized only by a lower-case `k`), block counts are multiplied by the
block size the header names.
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.artifacts import columns as cols
from analyzer.artifacts import quantities as q
from analyzer.artifacts.base import Parsed, TextSource
from analyzer.model import Problem

# Header word -> column key; a `<N>-blocks` header is the size column in blocks.
_LABELS: dict[str, str] = {
    "FILESYSTEM": "filesystem",
    "TYPE": "type",
    "SIZE": "size",
    "USED": "used",
    "AVAIL": "avail",
    "AVAILABLE": "avail",
    "USE%": "use_percent",
    "CAPACITY": "use_percent",
    "INODES": "inodes",
    "IUSED": "inodes_used",
    "IFREE": "inodes_free",
    "IUSE%": "inodes_use_percent",
    "FILE": "file",
    "MOUNTED ON": "mounted_on",
}
_SIZE_KEYS = ("size", "used", "avail")
_INODE_KEYS = ("inodes", "inodes_used", "inodes_free")
_PERCENT_KEYS = ("use_percent", "inodes_use_percent")


def sniff(head: str) -> bool:
    """True when the first KiB starts with a df header line."""
    for line in cols.strip_escapes(head).splitlines()[:8]:
        if cols.is_blank(line) or cols.is_tool_message(line):
            continue
        return _header(line) is not None
    return False


def _header(line: str) -> tuple[list[str], int | None] | None:
    """The column keys of a df header and the block size it names (None for `-h` sizes)."""
    text = re.sub(r"\bMounted\s+on\b", "Mounted_on", line.strip())
    words = text.split()
    if not words or words[0].upper() != "FILESYSTEM":
        return None
    keys: list[str] = []
    block: int | None = None
    for word in words:
        label = word.replace("_", " ").upper()
        key = _LABELS.get(label)
        if key is None:
            size = q.df_block_size(word)
            if size is None or "size" in keys:
                return None
            key, block = "size", size
        keys.append(key)
    if "mounted_on" not in keys:
        return None
    if not (("size" in keys and "used" in keys) or "inodes" in keys):
        return None
    return keys, block


def parse(src: TextSource, kind: str = "df") -> Parsed:
    """Parse df output into filesystems with sizes in bytes and Use% as a number."""
    problems: list[Problem] = []
    filesystems: list[dict[str, Any]] = []
    locations: dict[str, int] = {}
    keys: list[str] | None = None
    block: int | None = None
    invalid = False
    wrapped: tuple[int, str] | None = None  # a filesystem name alone on its line
    first_line: int | None = None
    si = False

    def problem(message: str, line: int | None, code: str, key: str | None = None) -> None:
        if len(problems) < 200:
            problems.append(Problem(message, line=line, key=key, code=code))

    rows: list[tuple[int, list[str], str]] = []
    for n, raw in src.lines():
        line = cols.strip_escapes(raw.lstrip("\ufeff") if n == 1 else raw)
        if cols.is_blank(line):
            continue
        first_line = first_line or n
        header = _header(line)
        if header is not None:
            if keys is not None and header[0] != keys:
                problem("a second df header with other columns; later rows use it", n, "syntax")
            keys, block = header
            continue
        if cols.is_tool_message(line):
            problem(f"message from df: {line.strip()[:200]}", n, "message")
            continue
        if keys is None:
            invalid = True
            problem("no df header line (Filesystem ... Mounted on) found", n, "syntax")
            break
        fields = line.split()
        if wrapped is not None:
            if line[:1].isspace():
                rows.append((wrapped[0], [wrapped[1], *fields], f"{wrapped[1]} {line.strip()}"))
                wrapped = None
                continue
            invalid = True
            problem(f"row has too few fields: {wrapped[1][:120]}", wrapped[0], "syntax")
            wrapped = None
        if len(fields) == 1 and not line[:1].isspace():
            wrapped = (n, fields[0])
            continue
        rows.append((n, fields, line))
        if any(
            f.endswith("k") and f[:-1].replace(".", "").replace(",", "").isdigit() for f in fields
        ):
            si = True
    if wrapped is not None:
        problem(
            f"last line is incomplete (output cut off?) and was ignored: {wrapped[1][:120]}",
            wrapped[0],
            "truncated",
        )
    if first_line is None:
        invalid = True
        problem("empty output", None, "empty")
    elif keys is None and not invalid:
        invalid = True
        problem("no df header line (Filesystem ... Mounted on) found", first_line, "syntax")

    for n, fields, line in rows if keys is not None else []:
        row = _row(fields, line, keys, block, si, n, problem)
        if row is None:
            invalid = True
            continue
        locations[f"filesystems.{len(filesystems)}"] = n
        filesystems.append(row)

    data = {
        "units": "blocks" if block else ("inodes" if keys and "size" not in keys else "human"),
        "block_size": block,
        "filesystems": filesystems,
    }
    return Parsed(
        kind=kind,
        path=src.path,
        data=data,
        status="invalid" if invalid else "parsed",
        problems=problems,
        locations=locations,
    )


def _row(
    fields: list[str],
    line: str,
    keys: list[str],
    block: int | None,
    si: bool,
    n: int,
    problem: Any,
) -> dict[str, Any] | None:
    """One filesystem; None (with a problem) if its fields do not match the header."""
    width = len(keys)
    last_is_mount = keys[-1] == "mounted_on"
    if len(fields) < width:
        problem(
            f"row has {len(fields)} fields, the header {width}: {line.strip()[:120]}", n, "syntax"
        )
        return None
    # A filesystem name with spaces pushes the numbers right: try the narrowest name first
    # whose following fields all read as numbers.
    extra = len(fields) - width
    for name_width in range(1, extra + 2):
        cells = [" ".join(fields[:name_width]), *fields[name_width:]]
        if last_is_mount:
            head = cells[: width - 1]
            mount = _rest_after(line, len(fields) - len(cells[width - 1 :]))
            cells = [*head, mount]
        elif len(cells) != width:
            continue
        row = _convert(dict(zip(keys, cells, strict=True)), block, si)
        if row is not None:
            return row
        if not last_is_mount:
            break
    problem(f"row does not match the df header: {line.strip()[:120]}", n, "syntax")
    return None


def _rest_after(line: str, skip: int) -> str:
    """The line from its (skip+1)-th whitespace-separated field to the end, spaces kept."""
    matches = list(re.finditer(r"\S+", line))
    return line[matches[skip].start() :].rstrip() if skip < len(matches) else ""


def _convert(cells: dict[str, str], block: int | None, si: bool) -> dict[str, Any] | None:
    """Cells to typed values; None when a number column does not hold a number."""
    out: dict[str, Any] = {}
    try:
        for key in ("filesystem", "type", "mounted_on"):
            value = cells.get(key)
            out[key] = value if value not in {None, "", "-"} else None
        for key in _SIZE_KEYS:
            raw = cells.get(key)
            out[f"{key}_raw"] = raw
            if raw is None:
                out[f"{key}_bytes"] = None
            elif block:
                count = q.parse_count(raw)
                out[f"{key}_bytes"] = None if count is None else count * block
            else:
                out[f"{key}_bytes"] = q.parse_df_human(raw, si=si)
        for key in _PERCENT_KEYS:
            out[key] = q.parse_percent(cells.get(key))
        for key in _INODE_KEYS:
            out[key] = _inode_count(cells.get(key))
    except q.QuantityError:
        return None
    return out


def _inode_count(text: str | None) -> int | None:
    """An inode count, plain or with a `-ih` suffix."""
    if text is None:
        return None
    try:
        return q.parse_count(text)
    except q.QuantityError:
        return q.parse_df_human(text)
