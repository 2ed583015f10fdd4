"""Turning the collected directory into the bundle archive: redacted by default.

The collection is written to a private temporary directory first; only what leaves it is the
archive. By default it is written by the same engine as `analyze redact` (consistent tokens,
then a re-scan). `--no-redact` packs the directory as it is, readable by its owner only.
Members are stored relative to the bundle root (`manifest.json` at the top), as the collection
layout says.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tarfile
from pathlib import Path
from typing import Any

GiB = 1 << 30


def pack(root: Path, dest: Path) -> None:
    """Write `root` as a gzip-compressed tar at `dest` (atomically, mode 0600)."""
    tmp = dest.with_name(f".{dest.name}.part{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:
            for path in sorted(root.rglob("*")):
                if not path.is_file() or path.is_symlink():
                    continue
                rel = path.relative_to(root).as_posix()
                info = tar.gettarinfo(str(path), arcname=rel)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o644
                with open(path, "rb") as src:
                    tar.addfile(info, src)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def redact(root: Path, dest: Path) -> Any:
    """Write the redacted archive with `analyze redact`'s engine; returns its report."""
    from analyzer.bundle import Limits
    from analyzer.redact.bundle import redact_bundle

    # the input is our own collection, not an upload: size limits that protect against
    # hostile archives would only cut large logs here
    limits = dataclasses.replace(Limits(), max_total_bytes=1 << 50, max_member_bytes=1 << 50)
    return redact_bundle(root, dest, limits=limits)
