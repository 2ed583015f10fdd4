"""Numbers with units as rules write them: '90%', '128MB', '2GiB', '5min', '1.5s', '500m'.

Memory units in rules follow PostgreSQL and most Quay documentation: kB/MB/GB are powers of
1024 (as PostgreSQL reads them); KiB/MiB/GiB are accepted too. Durations are returned in
seconds or milliseconds as asked; percentages as plain numbers (90% -> 90.0).
"""

from __future__ import annotations

import re

_NUM = r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
_SIZE = re.compile(rf"^\s*{_NUM}\s*(B|kB|KB|K|KiB|MB|M|MiB|GB|G|GiB|TB|T|TiB)?\s*$")
_TIME = re.compile(rf"^\s*{_NUM}\s*(us|µs|ms|s|sec|m|min|h|d|w)?\s*$")
_PCT = re.compile(rf"^\s*{_NUM}\s*%?\s*$")
_MILLI = re.compile(rf"^\s*{_NUM}\s*(m)?\s*$")

_BYTES = {
    None: 1,
    "B": 1,
    "kB": 1024,
    "KB": 1024,
    "K": 1024,
    "KiB": 1024,
    "MB": 1024**2,
    "M": 1024**2,
    "MiB": 1024**2,
    "GB": 1024**3,
    "G": 1024**3,
    "GiB": 1024**3,
    "TB": 1024**4,
    "T": 1024**4,
    "TiB": 1024**4,
}
_SECONDS = {
    None: 1.0,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}
# PostgreSQL bare numbers: the parameter's own unit
BARE_UNITS = {
    "B": ("bytes", 1),
    "kB": ("bytes", 1024),
    "8kB": ("bytes", 8192),
    "MB": ("bytes", 1024**2),
    "GB": ("bytes", 1024**3),
    "ms": ("ms", 1),
    "s": ("ms", 1000),
    "min": ("ms", 60_000),
    "h": ("ms", 3_600_000),
    "d": ("ms", 86_400_000),
}


def parse_bytes(text: str | int | float) -> float | None:
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    m = _SIZE.match(text)
    if not m:
        return None
    return float(m.group(1)) * _BYTES[m.group(2)]


def parse_seconds(text: str | int | float) -> float | None:
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    m = _TIME.match(text)
    if not m:
        return None
    return float(m.group(1)) * _SECONDS[m.group(2)]


def parse_percent(text: str | int | float) -> float | None:
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    m = _PCT.match(text)
    return float(m.group(1)) if m else None


def parse_millicores(text: str | int | float) -> float | None:
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    m = _MILLI.match(text)
    if not m:
        return None
    return float(m.group(1)) * (1 if m.group(2) else 1000)


def parse_in_unit(value: object, unit: str | None) -> float | None:
    """A rule's or an artifact's value as a number in the rule's unit family."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    if unit == "bytes":
        return parse_bytes(value)
    if unit == "s":
        return parse_seconds(value)
    if unit == "ms":
        secs = parse_seconds(value)
        if secs is None:
            return None
        # a bare number meant for a millisecond setting is already in ms
        return float(value) if _is_bare(value) else secs * 1000
    if unit == "percent":
        return parse_percent(value)
    if unit == "millicores":
        return parse_millicores(value)
    if unit == "cores":
        mc = parse_millicores(value)
        return None if mc is None else mc / 1000
    try:
        return float(value)
    except ValueError:
        return None


def _is_bare(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def human_bytes(n: float | int | None) -> str:
    """1536 -> '1.5 KiB'; keeps integers for exact multiples."""
    if n is None:
        return "unknown"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            if unit == "B":
                return f"{int(value)} B"
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
        value /= 1024
    return f"{value} TiB"


def human_duration(seconds: float | int | None) -> str:
    if seconds is None:
        return "unknown"
    s = float(seconds)
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.0f} s" if s == int(s) else f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h".replace(".0 h", " h")
    return f"{s / 86400:.1f} days".replace(".0 days", " days")
