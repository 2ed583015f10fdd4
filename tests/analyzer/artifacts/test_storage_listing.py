"""Tests for the storage_listing parser (`aws s3 ls --recursive --summarize`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from analyzer.artifacts import storage_listing
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]

# Real output of aws-cli 1.46.3 (`TZ=UTC aws --endpoint-url http://127.0.0.1:18768 s3 ls
# s3://<bucket> --recursive --summarize [--human-readable]`) against a local ListObjectsV2
# responder holding three Quay-style blob keys.
PLAIN = """\
2023-05-01 10:00:00      12345 datastorage/registry/sha256/1a/1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809
2023-05-02 11:30:15  734003200 datastorage/registry/sha256/9f/9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0
2023-05-03 08:05:59          1 datastorage/registry/sha256/c0/c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00

Total Objects: 3
   Total Size: 734015546
"""
HUMAN = """\
2023-05-01 10:00:00   12.1 KiB datastorage/registry/sha256/1a/1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809
2023-05-02 11:30:15  700.0 MiB datastorage/registry/sha256/9f/9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0
2023-05-03 08:05:59     1 Byte datastorage/registry/sha256/c0/c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00

Total Objects: 3
   Total Size: 700.0 MiB
"""
DR_HUMAN = """\
2023-05-01 10:00:05   12.1 KiB datastorage/registry/sha256/1a/1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809

Total Objects: 1
   Total Size: 12.1 KiB
"""
EMPTY = "\nTotal Objects: 0\n   Total Size: 0\n"
NO_BUCKET = ("\nAn error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: "
             "The specified bucket does not exist\n")


def _parse(text: str, path: str = "storage/s3-ls.txt") -> Parsed:
    return storage_listing.parse(TextSource.from_text(path, text))


def _valid(data: Any) -> None:
    schema = json.loads((ROOT / "schemas" / "artifacts" / "storage_listing.schema.json").read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


def test_plain_listing_with_summary() -> None:
    p = _parse(PLAIN, "s3-quay-storage.txt")
    assert p.status == "parsed"
    assert p.problems == []
    (b,) = p.data["buckets"]
    assert b["bucket"] == "quay-storage"  # from the file name
    assert (b["total_objects"], b["total_size_bytes"], b["objects_listed"]) == (3, 734015546, 3)
    assert b["size_exact"] is True and b["summarized"] is True
    assert b["oldest_modified_local"] == "2023-05-01T10:00:00"
    assert b["newest_modified_local"] == "2023-05-03T08:05:59"
    assert p.locations["buckets.0.total_objects"] == 5
    assert p.locations["buckets.0.total_size_bytes"] == 6
    _valid(p.data)


def test_human_readable_sizes() -> None:
    (b,) = _parse(HUMAN).data["buckets"]
    assert b["total_size_raw"] == "700.0 MiB"
    assert b["total_size_bytes"] == 700 * 1024**2
    assert b["size_exact"] is False
    assert b["bucket"] is None


def test_concatenated_listings_named_by_their_commands() -> None:
    # an engineer's paste of three commands and their outputs, one per geo-replicated location
    text = ("$ aws s3 ls s3://quay-storage --recursive --summarize\n" + PLAIN
            + "$ aws s3 ls s3://quay-storage-dr --recursive --summarize --human-readable\n"
            + DR_HUMAN
            + "$ aws s3 ls s3://no-such-bucket --recursive --summarize\n" + NO_BUCKET)
    p = _parse(text)
    assert p.status == "parsed"
    got = [(b["bucket"], b["total_objects"], b["error_code"]) for b in p.data["buckets"]]
    assert got == [("quay-storage", 3, None), ("quay-storage-dr", 1, None),
                   ("no-such-bucket", None, "NoSuchBucket")]
    assert p.data["buckets"][1]["total_size_bytes"] == round(12.1 * 1024)
    assert p.locations["buckets.1"] == 9
    _valid(p.data)


def test_empty_bucket() -> None:
    (b,) = _parse(EMPTY).data["buckets"]
    assert (b["total_objects"], b["total_size_bytes"], b["objects_listed"]) == (0, 0, 0)


def test_listing_without_summary_is_counted() -> None:
    text = PLAIN.split("\n\n")[0] + "\n"
    p = _parse(text)
    (b,) = p.data["buckets"]
    assert (b["total_objects"], b["total_size_bytes"], b["summarized"]) == (3, 734015546, False)
    assert [x.code for x in p.problems] == ["required"]
    _valid(p.data)


def test_cut_listing_is_flagged() -> None:
    lines = PLAIN.splitlines(keepends=True)
    p = _parse("".join(lines[:2] + lines[3:]))
    assert [x.code for x in p.problems] == ["truncated"]


@pytest.mark.parametrize("text", ["", "hello\n"], ids=["empty", "unrelated"])
def test_no_listing_is_invalid(text: str) -> None:
    assert _parse(text).status == "invalid"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", (1, True)), ("12 Bytes", (12, True)), ("1 Byte", (1, True)),
     ("12.1 KiB", (12390, False)), ("1.2 GiB", (round(1.2 * 1024**3), False)), ("x", (None, False))],
    ids=["bare", "bytes", "byte", "kib", "gib", "junk"],
)
def test_size_bytes(text: str, expected: tuple[int | None, bool]) -> None:
    assert storage_listing.size_bytes(text) == expected


def test_sniff() -> None:
    assert storage_listing.sniff(PLAIN[:1024])
    assert storage_listing.sniff(EMPTY)
    assert not storage_listing.sniff("2023-05-01 10:00:00,123 [45] [INFO] [app] started\n")
