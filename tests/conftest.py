"""Shared test helpers: the repository root, sample bundles packed as archives."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_bundles"
DATA = ROOT / "tests" / "data"


def pack(src: Path, dest: Path) -> Path:
    """Pack a folder as .tgz/.tar/.tar.xz/.zip according to dest's name."""
    name = dest.name
    if name.endswith(".zip"):
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(src.rglob("*")):
                if p.is_file():
                    z.write(p, f"{src.name}/{p.relative_to(src)}")
        return dest
    mode = "w:gz" if name.endswith((".tgz", ".tar.gz")) else "w:xz" if name.endswith(".tar.xz") else "w"
    with tarfile.open(dest, mode) as t:
        t.add(src, arcname=src.name)
    return dest


def tar_of(files: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def root() -> Path:
    return ROOT
