"""Every safety limit of bundle intake, in one place.

A customer upload is untrusted: it may be enormous, deeply nested, a compression bomb, or
crafted. Each limit here is enforced by the reader (or, for YAML/JSON, by the safe loaders);
crossing one never crashes the run: the member is cut or skipped and a `bundle` finding says so.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True, slots=True)
class Limits:
    max_total_bytes: int = 64 * GiB  # decompressed bytes read from the whole bundle
    max_member_bytes: int = 16 * GiB  # decompressed bytes read from one member
    max_members: int = (
        100_000  # files in the bundle, nested archives included (~3 KB each in memory)
    )
    max_depth: int = 3  # archives inside archives
    max_ratio: int = 200  # decompressed:compressed bytes of one compressed stream...
    ratio_floor: int = 256 * MiB  # ...checked once that stream has produced this much
    max_line_bytes: int = 1 * MiB  # a longer line is cut; the rest of it is skipped
    max_structured_bytes: int = 32 * MiB  # a config/JSON/YAML member larger than this is not parsed
    max_structured_total: int = 192 * MiB  # structured members kept for parsing, all together
    max_yaml_aliases: int = 1_000
    # PyYAML holds about 1 KB per node while composing: 200k nodes stay near 200 MB and
    # 15 seconds; real configs and `oc get -o yaml` outputs have far fewer
    max_yaml_nodes: int = 200_000
    max_json_depth: int = 200
    # JSON values (estimated by counting commas and brackets) one document may hold
    max_json_values: int = 1_000_000

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    def with_overrides(self, items: list[str]) -> Limits:
        """Apply `name=value` overrides (sizes may carry K, M, G suffixes; ratios are plain)."""
        changes: dict[str, int] = {}
        for item in items:
            name, sep, value = item.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in self.names():
                allowed = ", ".join(self.names())
                raise ValueError(
                    f"unknown limit {item!r}; use NAME=VALUE with NAME one of: {allowed}"
                )
            changes[name] = parse_size(value)
        return dataclasses.replace(self, **changes)


_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_MULT = {"": 1, "b": 1, "k": KiB, "m": MiB, "g": GiB, "t": GiB * 1024}


def parse_size(text: str) -> int:
    """'512', '64M', '2GiB', '1g' -> bytes (binary multiples)."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"not a size: {text!r} (use e.g. 512, 64M, 2G)")
    unit = (m.group(2) or "").lower()[:1]
    return int(m.group(1)) * _MULT[unit]


_LEADING = re.compile(rb"(?:\xef\xbb\xbf)?\s*")


def structure_problem(data: bytes, limits: Limits) -> str | None:
    """Why a JSON text would expand beyond the limits once loaded (None when it would not).

    Python objects take 30-200 bytes per JSON value, so a 30 MB document of empty arrays
    becomes gigabytes. Counting commas and opening brackets (strings included, so it can only
    overestimate) is fast and refuses such a document before it is loaded.
    """
    m = _LEADING.match(data)
    first = data[m.end() : m.end() + 1] if m else data[:1]
    if first not in (b"[", b"{"):
        return None
    values = data.count(b",") + data.count(b"[") + data.count(b"{")
    if values > limits.max_json_values:
        return (
            f"JSON with about {values} values, more than the limit of {limits.max_json_values} "
            "(max_json_values); not parsed"
        )
    return None
