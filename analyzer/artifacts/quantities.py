"""Reading the quantities that command outputs print: sizes, percentages, durations, times.

Owns the text forms, not the tables around them:
- go-units sizes as podman and docker print them (`HumanSize`: decimal `kB MB GB`, `BytesSize`:
  binary `KiB MiB GiB`), including `%g` exponent forms such as `1e+03kB` and the pre-2017 space
  before the unit (`2.746 MB`);
- `df` sizes (`-h`: 1024-based `K M G T` with decimals; `-H`: 1000-based) and block counts;
- Kubernetes quantities (`250m`, `1534912340n`, `512Mi`, `1e3`);
- percentages (`62.50%`), Go `time.Duration` strings (`1h2m3.4s`, `345.6ms`, `1.5µs`),
  go-units `HumanDuration` phrases (`About an hour`), and timestamps turned into ISO 8601 UTC.

Every reader returns None for the markers tools print when a value is unknown (`--`, `-`,
`<unknown>`, an empty cell) and raises QuantityError for text that is not a quantity at all;
callers turn that into a Problem.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

UNKNOWN_MARKERS = frozenset({"", "--", "-", "<unknown>", "n/a"})


class QuantityError(ValueError):
    """The text is not a quantity of the expected form."""


def is_unknown(text: str | None) -> bool:
    """True for None, an empty cell or a marker a tool prints for an unavailable value."""
    return text is None or text.strip().lower() in UNKNOWN_MARKERS


# --- go-units sizes -------------------------------------------------------------------------

# HumanSize divides by 1000 (lower-case k), BytesSize by 1024 (KiB...). Upper-case "KB" is not
# printed by go-units but appears in hand-edited output; it is read as decimal like kB.
_DECIMAL_PREFIX = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6, "z": 7, "y": 8}
_SIZE = re.compile(
    r"^\s*([0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+)\s*"
    r"(?:([kKmMgGtTpPeEzZyY]?)(i?)([bB]))?\s*$"
)


def parse_size(text: str | None) -> int | None:
    """A go-units size (`3.092MB`, `300.4MiB`, `1e+03kB`, `2.746 MB`, `0B`) in bytes."""
    if is_unknown(text):
        return None
    assert text is not None
    m = _SIZE.match(text)
    if not m:
        raise QuantityError(f"not a size: {text!r}")
    number, prefix, binary, unit = m.groups()
    if unit is None:
        # a bare number: go-units always prints a unit, but a hand-made value may omit it
        return _to_int(_bounded(Decimal(number), text))
    power = _DECIMAL_PREFIX[prefix.lower()]
    if binary and not prefix:
        raise QuantityError(f"not a size: {text!r}")
    base = 1024 if binary else 1000
    return _to_int(_bounded(Decimal(number) * (base**power), text))


def parse_size_pair(text: str | None) -> tuple[int | None, int | None]:
    """`<a> / <b>` (memory usage / limit, rx / tx, read / write) as two byte counts."""
    if is_unknown(text):
        return None, None
    assert text is not None
    parts = text.split("/")
    if len(parts) != 2:
        raise QuantityError(f"not a pair of sizes: {text!r}")
    return parse_size(parts[0]), parse_size(parts[1])


# No byte count, core count or duration a tool prints comes near 10**24 (a yottabyte); larger
# numbers are garbage and would make Decimal-to-int conversions slow or fail.
_MAX_EXPONENT = 24


def _bounded(value: Decimal, text: str) -> Decimal:
    """The value, unless it is absurdly large for a quantity (QuantityError)."""
    if not value.is_finite() or value.adjusted() > _MAX_EXPONENT:
        raise QuantityError(f"quantity out of range: {text[:40]!r}")
    return value


def _to_int(value: Decimal) -> int:
    """A Decimal rounded to the nearest integer (half away from zero)."""
    return int(value.to_integral_value(rounding="ROUND_HALF_UP"))


# --- df sizes -------------------------------------------------------------------------------

_DF_HUMAN = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([kKMGTPEZY]?)\s*$")
_DF_POWER = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6, "Z": 7, "Y": 8}


def parse_df_human(text: str | None, *, si: bool = False) -> int | None:
    """A `df -h` cell (`252G`, `4.0K`, `0`; a comma decimal from some locales) in bytes.

    `df -h` uses powers of 1024 and upper-case `K`; `df -H` uses powers of 1000 and prints
    `k`, so a lower-case `k` is always read as 1000.
    """
    if is_unknown(text):
        return None
    assert text is not None
    m = _DF_HUMAN.match(text)
    if not m:
        raise QuantityError(f"not a df size: {text!r}")
    number, suffix = m.groups()
    base = 1000 if (si or suffix == "k") else 1024
    value = Decimal(number.replace(",", ".")) * (base ** _DF_POWER[suffix.upper()])
    return _to_int(_bounded(value, text))


def parse_count(text: str | None) -> int | None:
    """A plain non-negative integer cell (`0`, `264212084`); `-` and `--` are None."""
    if is_unknown(text):
        return None
    assert text is not None
    t = text.strip()
    if not (t.isascii() and t.isdigit()) or len(t) > _MAX_EXPONENT:
        raise QuantityError(f"not a count: {text!r}")
    return int(t)


_BLOCKS_HEADER = re.compile(r"^([0-9]*)([KMGTPEZY]?)(iB|B)?-blocks$", re.IGNORECASE)


def df_block_size(header: str) -> int | None:
    """Bytes per block from a df size header (`1K-blocks`, `1024-blocks`, `1MB-blocks`)."""
    m = _BLOCKS_HEADER.match(header.strip())
    if not m:
        return None
    count, prefix, unit = m.groups()
    n = int(count) if count else 1
    if not prefix:
        return n
    # coreutils: `K`/`KiB` are powers of 1024, `KB`/`kB` powers of 1000
    base = 1000 if unit and unit.upper() == "B" else 1024
    return n * base ** _DF_POWER[prefix.upper()]


# --- percentages ----------------------------------------------------------------------------

_PERCENT = re.compile(r"^\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*%?\s*$")


def parse_percent(text: str | None) -> float | None:
    """`62.50%` (or `62.50`) as 62.5; NaN and infinities, which Go prints on a zero interval, are None."""
    if is_unknown(text):
        return None
    assert text is not None
    stripped = text.strip().rstrip("%").strip().lower()
    if stripped in {"nan", "+inf", "-inf", "inf"}:
        return None
    m = _PERCENT.match(text)
    if not m:
        raise QuantityError(f"not a percentage: {text!r}")
    value = float(m.group(1))
    return value if math.isfinite(value) else None


# --- Kubernetes quantities ------------------------------------------------------------------

_K8S = re.compile(
    r"^\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|n|u|µ|m|k|M|G|T|P|E)?\s*$"
)
_K8S_FACTOR = {
    None: Decimal(1),
    "Ki": Decimal(1024),
    "Mi": Decimal(1024) ** 2,
    "Gi": Decimal(1024) ** 3,
    "Ti": Decimal(1024) ** 4,
    "Pi": Decimal(1024) ** 5,
    "Ei": Decimal(1024) ** 6,
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "µ": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}


def parse_k8s_quantity(text: str | None) -> Decimal | None:
    """A Kubernetes resource quantity in base units (cores or bytes), exact."""
    if is_unknown(text):
        return None
    assert text is not None
    m = _K8S.match(text)
    if not m:
        raise QuantityError(f"not a Kubernetes quantity: {text!r}")
    number, suffix = m.groups()
    try:
        value = Decimal(number)
        if suffix and suffix[0] in "eE":
            exponent = int(suffix[1:])
            if abs(exponent) > 4 * _MAX_EXPONENT:
                raise QuantityError(f"quantity out of range: {text[:40]!r}")
            return _bounded(value * (Decimal(10) ** exponent), text)
        return _bounded(value * _K8S_FACTOR[suffix], text)
    except (InvalidOperation, OverflowError, ValueError):
        raise QuantityError(f"not a Kubernetes quantity: {text!r}") from None


def k8s_millicores(text: str | None) -> float | None:
    """A CPU quantity (`250m`, `1.5`, `1534912340n`) in millicores (1000 = one core)."""
    value = parse_k8s_quantity(text)
    if value is None:
        return None
    return float(round(value * 1000, 6))


def k8s_bytes(text: str | None) -> int | None:
    """A memory quantity (`512Mi`, `2516582Ki`, `1e9`, `7654321`) in bytes."""
    value = parse_k8s_quantity(text)
    if value is None:
        return None
    return _to_int(value)


# --- durations ------------------------------------------------------------------------------

_GO_UNIT_SECONDS = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),  # U+00B5, what Go prints
    "μs": Decimal("1e-6"),  # U+03BC, accepted by Go's parser too
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}
_GO_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)")


def parse_go_duration(text: str | None) -> float | None:
    """A Go `time.Duration` string (`0s`, `345.6ms`, `2m3.5s`, `1h2m3.4s`) in seconds."""
    if is_unknown(text):
        return None
    assert text is not None
    t = text.strip()
    sign = 1
    if t[:1] in "+-":
        sign = -1 if t[0] == "-" else 1
        t = t[1:]
    if t == "0":
        return 0.0
    total = Decimal(0)
    pos = 0
    while pos < len(t):
        m = _GO_PART.match(t, pos)
        if not m:
            raise QuantityError(f"not a Go duration: {text!r}")
        total += Decimal(m.group(1)) * _GO_UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise QuantityError(f"not a Go duration: {text!r}")
    return sign * float(_bounded(total, text))


_HUMAN_UNIT_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 30 * 86400,  # go-units HumanDuration counts months as 30 days
    "year": 365 * 86400,
}
_HUMAN_DURATION = re.compile(
    r"^(?:(less than a second)|(?:about )?(an?|[0-9]+) (second|minute|hour|day|week|month|year)s?)$",
    re.IGNORECASE,
)


def parse_human_duration(text: str | None) -> int | None:
    """A go-units `HumanDuration` phrase (`Less than a second`, `About an hour`, `3 days`) in seconds.

    The phrase is coarse by design (`5 weeks` covers 35 to 41 days); the result is its lower bound.
    """
    if is_unknown(text):
        return None
    assert text is not None
    m = _HUMAN_DURATION.match(text.strip())
    if not m:
        raise QuantityError(f"not a human duration: {text!r}")
    if m.group(1):
        return 0
    count = m.group(2).lower()
    n = 1 if count in {"a", "an"} else int(count)
    return n * _HUMAN_UNIT_SECONDS[m.group(3).lower()]


# --- times ----------------------------------------------------------------------------------

# Go's time.Time.String(): "2026-11-25 22:18:36 +0000 UTC" (docker ps CreatedAt, must-gather
# timestamps), possibly with a monotonic suffix "m=+0.01".
_GO_TIME_STRING = re.compile(
    r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-]\d{4})(?: [A-Za-z0-9+-]+)?(?: m=[+-][0-9.]+)?$"
)


def iso_utc(value: str | int | float | None) -> str | None:
    """A timestamp (RFC 3339 with any fraction, Go time String, or Unix seconds) as ISO 8601 UTC.

    Go's zero time (`0001-01-01T00:00:00Z`, printed for "never") and non-positive Unix times
    are None.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value) or value <= 0:
            return None
        try:
            dt = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise QuantityError(f"not a Unix time: {value!r}") from None
        return _format_utc(dt)
    text = value.strip()
    if is_unknown(text):
        return None
    m = _GO_TIME_STRING.match(text)
    if m:
        text = f"{m.group(1)}T{m.group(2)}{m.group(3)[:3]}:{m.group(3)[3:]}"
    # Python keeps six fraction digits; Go prints up to nine.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise QuantityError(f"not a timestamp: {value!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)  # the bundle's timezone assumption is UTC
    if dt.year <= 1:
        return None
    return _format_utc(dt)


def _format_utc(dt: datetime) -> str:
    """`2026-11-26T00:04:43.818123Z` (fraction only when there is one)."""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
