"""Bundle intake: every archive format, nesting, layouts of links and limits."""

from __future__ import annotations

import gzip
import io
import lzma
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from analyzer.bundle import Bundle, BundleError, Limits

CONFIG = b"SERVER_HOSTNAME: quay.example.com\nDB_URI: postgresql://quay:pw@db/quay\n"
LOG = b"gunicorn-web stdout | 2026-11-26 00:10:18,452 [15254] [INFO] [app] hello\n"


def tar_bytes(files: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def read_all(path: Path, limits: Limits | None = None) -> tuple[dict[str, bytes | None], Bundle]:
    out: dict[str, bytes | None] = {}
    with Bundle(path, limits) as b:
        for m in b.members():
            out[m.path] = None if m.skipped else m.open().read()
    return out, b


FILES = {"case/config.yaml": CONFIG, "case/logs/current.log": LOG}


@pytest.mark.parametrize(
    "name,payload",
    [
        ("b.tar", tar_bytes(FILES)),
        ("b.tgz", tar_bytes(FILES, "w:gz")),
        ("b.tar.gz", tar_bytes(FILES, "w:gz")),
        ("b.tar.xz", tar_bytes(FILES, "w:xz")),
        ("b.tar.bz2", tar_bytes(FILES, "w:bz2")),
        ("b.zip", zip_bytes(FILES)),
        ("renamed-tgz.dat", tar_bytes(FILES, "w:gz")),  # format is found by content, not by name
    ],
    ids=["tar", "tgz", "tar.gz", "tar.xz", "tar.bz2", "zip", "renamed"],
)
def test_archive_formats(tmp_path: Path, name: str, payload: bytes) -> None:
    p = tmp_path / name
    p.write_bytes(payload)
    members, b = read_all(p)
    assert members == FILES
    assert b.issues == []


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "case" / "logs").mkdir(parents=True)
    (tmp_path / "case" / "config.yaml").write_bytes(CONFIG)
    (tmp_path / "case" / "logs" / "current.log").write_bytes(LOG)
    members, b = read_all(tmp_path)
    assert members == FILES
    assert b.kind == "directory"


def test_single_gz_file_is_named_without_gz(tmp_path: Path) -> None:
    p = tmp_path / "quay.log.gz"
    p.write_bytes(gzip.compress(LOG))
    members, b = read_all(p)
    assert members == {"quay.log": LOG}
    assert b.kind == "compressed-file"


def test_single_plain_file(tmp_path: Path) -> None:
    p = tmp_path / "config.yaml"
    p.write_bytes(CONFIG)
    members, b = read_all(p)
    assert members == {"config.yaml": CONFIG}
    assert b.kind == "file"


def test_nested_archives_are_opened_with_bang_paths(tmp_path: Path) -> None:
    inner_tgz = tar_bytes({"pg/postgresql.conf": b"max_connections = 100\n"}, "w:gz")
    inner_zip = zip_bytes({"health/instance.json": b'{"data":{"services":{}},"status_code":200}'})
    outer = tar_bytes(
        {
            "case/db.tgz": inner_tgz,
            "case/more.zip": inner_zip,
            "case/rotated/1.log.gz": gzip.compress(LOG),
            "case/x.log.xz": lzma.compress(LOG),
        },
        "w:gz",
    )
    p = tmp_path / "outer.tgz"
    p.write_bytes(outer)
    members, _b = read_all(p)
    assert members["case/db.tgz!pg/postgresql.conf"] == b"max_connections = 100\n"
    assert members["case/more.zip!health/instance.json"].startswith(b'{"data"')
    assert members["case/rotated/1.log.gz"] == LOG  # compressed single files are read decompressed
    assert members["case/x.log.xz"] == LOG
    assert members["case/db.tgz"] is None  # listed, as the archive it is


def test_nesting_deeper_than_the_limit_is_not_opened(tmp_path: Path) -> None:
    data = tar_bytes({"deep.txt": b"x\n"}, "w:gz")
    for i in range(4):
        data = tar_bytes({f"level{i}.tgz": data}, "w:gz")
    p = tmp_path / "deep.tgz"
    p.write_bytes(data)
    _members, b = read_all(p, Limits(max_depth=2))
    assert any(i.code == "depth-limit" for i in b.issues)


def test_path_escapes_and_links_are_skipped_and_reported(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name in ("../evil.txt", "/etc/passwd-copy"):
            info = tarfile.TarInfo(name)
            info.size = 1
            t.addfile(info, io.BytesIO(b"x"))
        link = tarfile.TarInfo("case/link-out")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../../etc/shadow"
        t.addfile(link)
        inside = tarfile.TarInfo("case/link-in")
        inside.type = tarfile.SYMTYPE
        inside.linkname = "config.yaml"
        t.addfile(inside)
        fifo = tarfile.TarInfo("case/fifo")
        fifo.type = tarfile.FIFOTYPE
        t.addfile(fifo)
        ok = tarfile.TarInfo("case/config.yaml")
        ok.size = len(CONFIG)
        t.addfile(ok, io.BytesIO(CONFIG))
    p = tmp_path / "evil.tar"
    p.write_bytes(buf.getvalue())
    members, b = read_all(p)
    assert members["case/config.yaml"] == CONFIG
    codes = {i.path: i.code for i in b.issues}
    assert codes["../evil.txt"] == "path-escape"
    assert codes["/etc/passwd-copy"] == "path-escape"
    assert codes["case/link-out"] == "link"
    assert codes["case/fifo"] == "special-file"
    assert "case/link-in" not in codes  # a link inside the bundle is no incident
    assert not (tmp_path.parent / "evil.txt").exists()


def test_directory_symlink_outside_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("secret\n")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "config.yaml").write_bytes(CONFIG)
    os.symlink(secret, bundle / "escape.txt")
    os.mkfifo(bundle / "pipe")
    members, b = read_all(bundle)
    assert members["escape.txt"] is None
    assert members["pipe"] is None
    assert {i.code for i in b.issues} == {"link", "special-file"}


def test_member_limit_cuts_and_says_so(tmp_path: Path) -> None:
    big = b"x" * 10_000 + b"\n"
    p = tmp_path / "b.tar"
    p.write_bytes(tar_bytes({"big.log": big, "small.txt": b"ok\n"}))
    with Bundle(p, Limits(max_member_bytes=1000)) as b:
        seen = {}
        for m in b.members():
            data = m.open().read()
            seen[m.path] = (len(data), m.cut_code)
    assert seen["big.log"] == (1000, "member-limit")
    assert seen["small.txt"] == (3, None)


def test_total_limit_stops_reading(tmp_path: Path) -> None:
    p = tmp_path / "b.tar"
    p.write_bytes(tar_bytes({f"f{i}.txt": b"y" * 600 for i in range(5)}))
    with Bundle(p, Limits(max_total_bytes=1000)) as b:
        names = []
        for m in b.members():
            m.open().read()
            names.append(m.path)
    assert len(names) < 5
    assert any(i.code == "total-limit" for i in b.issues)


def test_compression_bomb_is_stopped(tmp_path: Path) -> None:
    p = tmp_path / "bomb.tgz"
    p.write_bytes(tar_bytes({"zeros.log": b"\0" * (8 << 20)}, "w:gz"))
    with Bundle(p, Limits(max_ratio=50, ratio_floor=1 << 20)) as b:
        for m in b.members():
            data = m.open().read()
            assert len(data) < 8 << 20
            assert m.cut_code == "ratio-limit"


def test_member_count_limit(tmp_path: Path) -> None:
    p = tmp_path / "many.tar"
    p.write_bytes(tar_bytes({f"f{i}": b"x" for i in range(20)}))
    _members, b = read_all(p, Limits(max_members=5))
    assert len(_members) == 5
    assert any(i.code == "member-count" for i in b.issues)


def test_truncated_archive_keeps_what_was_read(tmp_path: Path) -> None:
    data = tar_bytes({"a.txt": b"first\n" * 100, "b.txt": os.urandom(200_000)}, "w:gz")
    p = tmp_path / "cut.tgz"
    p.write_bytes(data[: len(data) // 2])
    with Bundle(p) as b:
        got = {}
        cuts = {}
        for m in b.members():
            if m.skipped:
                continue
            got[m.path] = m.open().read()
            cuts[m.path] = m.cut_code
    assert got["a.txt"] == b"first\n" * 100
    # the damaged member is either cut (and says so) or reported by the reader
    assert cuts.get("b.txt") == "corrupt" or any(i.code == "corrupt" for i in b.issues)


@pytest.mark.parametrize(
    "setup,message",
    [
        (lambda d: d / "missing.tgz", "no such file"),
        (lambda d: (d / "empty.tgz").write_bytes(b"") and d / "empty.tgz" or d / "empty.tgz", "empty"),
    ],
    ids=["missing", "empty"],
)
def test_unreadable_inputs_raise_bundle_error(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    path = setup(tmp_path)
    with pytest.raises(BundleError, match=message):
        Bundle(path)


def test_garbage_gzip_raises_bundle_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.tgz"
    p.write_bytes(b"\x1f\x8b\x08\x00" + b"garbage" * 10)
    with pytest.raises(BundleError), Bundle(p) as b:
        for m in b.members():
            m.open().read()
