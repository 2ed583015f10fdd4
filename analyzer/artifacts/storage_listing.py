"""The `storage_listing` kind: `aws s3 ls --recursive --summarize` output, one entry per bucket listed.

Geo-replication troubleshooting compares object counts and sizes across the buckets of every
storage location (guide ch. 6.4). aws-cli prints one line per object (`<date> <time> <size>
<key>`, the size human-readable with `--human-readable`), then a blank line, `Total Objects: N`
and `   Total Size: N`. Several listings may be concatenated in one file; a listing ends at its
`Total Size` line. The bucket name comes from an `s3://` URL in the text before the listing,
else from the file name. Object lines are counted, never kept: a bucket can hold millions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from analyzer.artifacts.base import Parsed, TextSource
from analyzer.model import Problem

# aws-cli prints sizes with human_readable_size(): "1 Byte", "12 Bytes", "12.1 KiB" ... powers of 1024
_UNITS = {
    "byte": 1,
    "bytes": 1,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
    "pib": 1 << 50,
    "eib": 1 << 60,
}
_SIZE = r"(?P<size>\d+(?:\.\d+)?(?:\s+(?:Bytes?|[KMGTPE]iB))?)"
_OBJECT = re.compile(rf"^(?P<date>\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d)\s+{_SIZE}\s(?P<key>.*)$")
_PREFIX = re.compile(r"^\s+PRE (?P<key>.+)$")
_TOTAL_OBJECTS = re.compile(r"^\s*Total Objects:\s*(?P<n>\d+)\s*$")
_TOTAL_SIZE = re.compile(
    r"^\s*Total Size:\s*(?P<size>\d+(?:\.\d+)?(?:\s+(?:Bytes?|[KMGTPE]iB))?)\s*$"
)
_BUCKET = re.compile(r"s3://(?P<bucket>[A-Za-z0-9.\-_]+)")
_ERROR = re.compile(
    r"^An error occurred \((?P<code>[^)]+)\) when calling the (?P<op>\S+) operation: ?(?P<msg>.*)$"
)


def size_bytes(text: str) -> tuple[int | None, bool]:
    """(bytes, exact) from "734015546" or "700.0 MiB"; human-readable sizes are rounded."""
    parts = text.split()
    try:
        number = float(parts[0])
    except (ValueError, IndexError):
        return None, False
    if len(parts) == 1:
        return int(number), True
    unit = _UNITS.get(parts[1].lower())
    if unit is None:
        return None, False
    return round(number * unit), unit == 1


@dataclass
class _Listing:
    line: int
    bucket: str | None = None
    objects: int = 0
    listed_bytes: int = 0
    listed_exact: bool = True
    prefixes: int = 0
    total_objects: int | None = None
    total_size: int | None = None
    total_size_raw: str | None = None
    size_exact: bool = True
    error: str | None = None
    error_code: str | None = None
    closed: bool = False
    newest: str | None = None
    oldest: str | None = None

    def active(self) -> bool:
        return bool(self.objects or self.prefixes or self.total_objects is not None or self.error)

    def to_json(self) -> dict[str, Any]:
        summarized = self.total_objects is not None
        if self.total_size is not None:
            size, exact = self.total_size, self.size_exact
        elif self.objects or summarized:
            size, exact = self.listed_bytes, self.listed_exact
        else:
            size, exact = None, False
        return {
            "bucket": self.bucket,
            "total_objects": self.total_objects if summarized else (self.objects or None),
            "total_size_bytes": size,
            "total_size_raw": self.total_size_raw,
            "size_exact": exact,
            "objects_listed": self.objects,
            "prefixes_listed": self.prefixes,
            "summarized": summarized,
            "oldest_modified_local": self.oldest,
            "newest_modified_local": self.newest,
            "error": self.error,
            "error_code": self.error_code,
        }


def parse(src: TextSource) -> Parsed:
    """Parse one or more `aws s3 ls --recursive --summarize` outputs."""
    out = Parsed(kind="storage_listing", path=src.path, problems=list(src.notes))
    listings: list[_Listing] = []
    pending_bucket: str | None = None
    cur: _Listing | None = None

    def current(lineno: int) -> _Listing:
        nonlocal cur, pending_bucket
        if cur is None or cur.closed:
            cur = _Listing(line=lineno, bucket=pending_bucket)
            pending_bucket = None
            listings.append(cur)
        return cur

    for lineno, line in src.lines():
        if m := _OBJECT.match(line):
            lst = current(lineno)
            lst.objects += 1
            size, exact = size_bytes(m["size"])
            lst.listed_bytes += size or 0
            lst.listed_exact = lst.listed_exact and exact and size is not None
            # aws-cli prints times in the collector's local zone, so they stay as printed
            stamp = m["date"].replace(" ", "T")
            if lst.newest is None or stamp > lst.newest:
                lst.newest = stamp
            if lst.oldest is None or stamp < lst.oldest:
                lst.oldest = stamp
        elif _PREFIX.match(line):
            current(lineno).prefixes += 1
        elif m := _TOTAL_OBJECTS.match(line):
            lst = current(lineno)
            lst.total_objects = int(m["n"])
            out.locations[f"buckets.{listings.index(lst)}.total_objects"] = lineno
        elif m := _TOTAL_SIZE.match(line):
            lst = current(lineno)
            lst.total_size, lst.size_exact = size_bytes(m["size"])
            lst.total_size_raw = m["size"]
            out.locations[f"buckets.{listings.index(lst)}.total_size_bytes"] = lineno
            lst.closed = True
        elif m := _ERROR.match(line.strip()):
            lst = current(lineno)
            lst.error, lst.error_code = line.strip(), m["code"]
            lst.closed = True
        elif m := _BUCKET.search(line):
            # a command line or heading naming the bucket of the listing that follows
            if cur is not None:
                cur.closed = True
            pending_bucket = m["bucket"]
    listings = [lst for lst in listings if lst.active()]
    if not listings:
        out.status = "invalid"
        out.problems.append(
            Problem("no `aws s3 ls` object lines or `Total Objects:` summary found", code="syntax")
        )
        return out
    if len(listings) == 1 and listings[0].bucket is None:
        listings[0].bucket = _bucket_from_name(src.path)
    buckets = []
    for i, lst in enumerate(listings):
        out.locations.setdefault(f"buckets.{i}", lst.line)
        if lst.total_objects is None and not lst.error:
            out.problems.append(
                Problem(
                    "listing has no `Total Objects:` summary (run with --summarize); totals are "
                    "counted from the object lines",
                    line=lst.line,
                    key=f"buckets.{i}",
                    code="required",
                )
            )
        elif lst.total_objects is not None and lst.objects and lst.objects != lst.total_objects:
            out.problems.append(
                Problem(
                    f"{lst.objects} object lines but Total Objects says {lst.total_objects}; "
                    "the listing was cut",
                    line=lst.line,
                    key=f"buckets.{i}",
                    code="truncated",
                )
            )
        buckets.append(lst.to_json())
    out.data = {"buckets": buckets}
    return out


def _bucket_from_name(path: str) -> str | None:
    """A bucket name from a file named like `s3-<bucket>.txt` or `<bucket>.ls.txt`, if any."""
    stem = PurePosixPath(path).name.split(".")[0]
    # S3 bucket naming rules: 3-63 lower-case letters, digits, dots and hyphens
    valid = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
    for prefix in ("s3-ls-", "s3_ls_", "s3-", "s3_", "bucket-"):
        name = stem[len(prefix) :]
        if stem.startswith(prefix) and re.fullmatch(valid, name):
            return name
    # `analyze collect` and the documented command write <bucket>-listing.txt
    for suffix in ("-listing", "_listing"):
        name = stem[: -len(suffix)]
        if stem.endswith(suffix) and re.fullmatch(valid, name):
            return name
    return None


def sniff(head: str) -> bool:
    """True when the head shows aws s3 ls object lines or its summary."""
    if re.search(r"^\s*Total Objects:\s*\d+", head, re.M):
        return True
    return len(re.findall(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s+{_SIZE}\s\S", head, re.M)) >= 2
