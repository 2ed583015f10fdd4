"""quantities: sizes, percentages, Kubernetes quantities, durations and times as tools print them.

Sample texts are the values quoted in formats.md §1 (go-units edge cases, podman/docker cells,
kubectl values), the guide's `300.4MiB / 7.795GiB`, and df cells from GNU df output.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import quantities as q


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0B", 0),
        ("916B", 916),
        ("1.024kB", 1024),
        ("1KiB", 1024),
        ("1000kB", 1_000_000),
        ("1e+03kB", 1_000_000),  # %g with precision 3 (docker NET I/O)
        ("3.092MB", 3_092_000),
        ("16.7GB", 16_700_000_000),
        ("17.18GB", 17_180_000_000),
        ("16GiB", 16 << 30),
        ("300.4MiB", round(300.4 * 2**20)),
        ("7.795GiB", round(7.795 * 2**30)),
        ("2.746 MB", 2_746_000),  # go-units before 2017 put a space before the unit
        ("1.617GB", 1_617_000_000),
        ("123", 123),
        ("--", None),
        ("", None),
    ],
)
def test_parse_size(text: str, expected: int | None) -> None:
    assert q.parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "12 parsecs", "iB", "1.2.3MB", "MB"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(q.QuantityError):
        q.parse_size(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("300.4MiB / 7.795GiB", (round(300.4 * 2**20), round(7.795 * 2**30))),
        ("3.092MB / 16.7GB", (3_092_000, 16_700_000_000)),
        ("1.204GB/ 16.7GB", (1_204_000_000, 16_700_000_000)),
        ("0B / 13.3kB", (0, 13_300)),
        ("-- / --", (None, None)),
        ("--", (None, None)),
        ("2.746MB / --", (2_746_000, None)),
    ],
)
def test_parse_size_pair(text: str, expected: tuple[int | None, int | None]) -> None:
    assert q.parse_size_pair(text) == expected


def test_parse_size_pair_needs_one_slash() -> None:
    with pytest.raises(q.QuantityError):
        q.parse_size_pair("1MB / 2MB / 3MB")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("62.50%", 62.5),
        ("0.00%", 0.0),
        ("187.25%", 187.25),
        ("12", 12.0),
        ("--", None),
        ("NaN%", None),
        ("+Inf%", None),
        ("22%", 22.0),
        ("-", None),
    ],
)
def test_parse_percent(text: str, expected: float | None) -> None:
    assert q.parse_percent(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0s", 0.0),
        ("0", 0.0),
        ("345.6ms", 0.3456),
        ("1.234567891s", 1.234567891),
        ("2m3.5s", 123.5),
        ("1h2m3.4s", 3723.4),
        ("1.5µs", 1.5e-6),  # U+00B5 as Go prints it
        ("1.5μs", 1.5e-6),  # U+03BC
        ("800ns", 8e-7),
        ("-1m", -60.0),
        ("--", None),
    ],
)
def test_parse_go_duration(text: str, expected: float | None) -> None:
    result = q.parse_go_duration(text)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("text", ["1d", "h", "1h2x", "5 minutes", "+"])
def test_parse_go_duration_rejects(text: str) -> None:
    with pytest.raises(q.QuantityError):
        q.parse_go_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Less than a second", 0),
        ("1 second", 1),
        ("23 seconds", 23),
        ("About a minute", 60),
        ("5 minutes", 300),
        ("About an hour", 3600),
        ("3 hours", 10800),
        ("5 days", 432000),
        ("2 weeks", 1209600),
        ("3 months", 7776000),
        ("2 years", 63072000),
    ],
)
def test_parse_human_duration(text: str, expected: int) -> None:
    assert q.parse_human_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "millicores"),
    [
        ("250m", 250.0),
        ("1500m", 1500.0),
        ("1.5", 1500.0),
        ("1", 1000.0),
        ("1534912340n", 1534.91234),
        ("500u", 0.5),
        ("<unknown>", None),
    ],
)
def test_k8s_millicores(text: str, millicores: float | None) -> None:
    assert q.k8s_millicores(text) == millicores


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512Mi", 512 << 20),
        ("2516582Ki", 2516582 << 10),
        ("3Gi", 3 << 30),
        ("1e3", 1000),
        ("1E3", 1000),
        ("1k", 1000),
        ("7654321", 7654321),
        ("1.5Gi", 3 << 29),
        ("2M", 2_000_000),
    ],
)
def test_k8s_bytes(text: str, expected: int) -> None:
    assert q.k8s_bytes(text) == expected


def test_k8s_quantity_is_exact() -> None:
    assert q.parse_k8s_quantity("100m") == Decimal("0.1")


@pytest.mark.parametrize("text", ["12 cores", "1Kb", "m", "1e"])
def test_k8s_rejects(text: str) -> None:
    with pytest.raises(q.QuantityError):
        q.parse_k8s_quantity(text)


@pytest.mark.parametrize(
    ("text", "si", "expected"),
    [
        ("252G", False, 252 << 30),
        ("4.0K", False, 4096),
        ("0", False, 0),
        ("1.5T", False, 3 << 39),
        ("4,0K", False, 4096),
        ("13G", True, 13 * 10**9),
        ("4.1k", False, 4100),
        ("-", False, None),
    ],
)
def test_parse_df_human(text: str, si: bool, expected: int | None) -> None:
    assert q.parse_df_human(text, si=si) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [
        ("1K-blocks", 1024),
        ("1024-blocks", 1024),
        ("512-blocks", 512),
        ("1M-blocks", 1 << 20),
        ("2MB-blocks", 2_000_000),
        ("1kB-blocks", 1000),
        ("1B-blocks", 1),
        ("Size", None),
    ],
)
def test_df_block_size(header: str, size: int | None) -> None:
    assert q.df_block_size(header) == size


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-09-16T06:09:09.033564436-04:00", "2021-09-16T10:09:09.033564Z"),
        ("2026-11-26T00:04:43.818123456Z", "2026-11-26T00:04:43.818123Z"),
        ("2026-11-25 22:18:36 +0000 UTC", "2026-11-25T22:18:36Z"),
        ("2024-05-01 10:00:00.123456789 +0000 UTC m=+0.01", "2024-05-01T10:00:00.123456Z"),
        ("0001-01-01T00:00:00Z", None),
        (1764115116, "2025-11-25T23:58:36Z"),
        (-62135596800, None),
        (0, None),
        ("", None),
    ],
)
def test_iso_utc(value: str | int, expected: str | None) -> None:
    assert q.iso_utc(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "2026-13-45T00:00:00Z", 1e30])
def test_iso_utc_rejects(value: str | float) -> None:
    with pytest.raises(q.QuantityError):
        q.iso_utc(value)


READERS = [
    q.parse_size,
    q.parse_size_pair,
    q.parse_percent,
    q.parse_go_duration,
    q.parse_human_duration,
    q.k8s_millicores,
    q.k8s_bytes,
    q.parse_df_human,
    q.parse_count,
    q.iso_utc,
    q.df_block_size,
]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40), st.sampled_from(READERS))
def test_readers_raise_only_quantity_error(text: str, reader) -> None:
    with contextlib.suppress(q.QuantityError):
        reader(text)
