"""Hostile bundles: every case ends with exit 0/1/2, a useful message, bounded memory, promptly.

Each case is built here (nothing big is committed) and analyzed in a fenced subprocess (see
hostile_tools): an address-space limit, its own empty cwd and TMPDIR, and a timeout that only
guards against a hang. Each asserts the exit code, no traceback, peak RSS well under 1 GB,
nothing left behind, and the `bundle` finding that says what happened.
"""

from __future__ import annotations

import gzip
import io
import lzma
import os
import tarfile
import uuid
import zipfile
from pathlib import Path

import pytest
from hostile_tools import (
    CONFIG,
    DATA,
    INSTANCE,
    LOG,
    LOG_LINES,
    alias_bomb,
    assert_sane,
    run_analyzer,
    special,
    tar_bytes,
    tgz_with_stream,
    zip_bytes,
)

JSON = ["--format", "json", "--fail-on", "never", "--no-progress"]


def _analyze(bundle: Path, tmp_path: Path, *extra: str) -> tuple:  # type: ignore[type-arg]
    run = run_analyzer([str(bundle), *JSON, *extra], tmp_path / "run")
    assert_sane(run)
    return run, run.report()


# -- members that lead outside the bundle ---------------------------------------------------


def test_path_escapes_links_and_devices_in_a_tar_are_skipped(tmp_path: Path) -> None:
    sentinel = f"analyze-hostile-{uuid.uuid4().hex}"
    bundle = tmp_path / "in" / "bundle.tar"
    bundle.parent.mkdir()
    bundle.write_bytes(
        tar_bytes(
            [
                ("quay/config.yaml", CONFIG),
                (f"../../{sentinel}", b"escaped\n"),
                (f"/tmp/{sentinel}", b"absolute\n"),
                special("quay/shadow", tarfile.SYMTYPE, "/etc/shadow"),
                special("quay/up", tarfile.SYMTYPE, "../../../../etc/passwd"),
                special("quay/passwd", tarfile.LNKTYPE, "/etc/passwd"),
                special("quay/inside", tarfile.SYMTYPE, "config.yaml"),
                special("dev/fifo", tarfile.FIFOTYPE),
                special("dev/null", tarfile.CHRTYPE),
                special("dev/sda", tarfile.BLKTYPE),
            ]
        )
    )
    run, report = _analyze(bundle, tmp_path)
    (finding,) = run.findings("BND020")
    assert finding["message"].startswith("8 members of the bundle were not read, for safety:")
    statuses = {a["path"]: a["status"] for a in report["bundle"]["artifacts"]}
    assert statuses["quay/config.yaml"] == "parsed"
    assert not (Path("/tmp") / sentinel).exists()
    assert not (tmp_path / sentinel).exists() and not (tmp_path.parent / sentinel).exists()


def test_directory_links_loops_and_fifos_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("password=outside-canary-7Qx\n")
    bundle = tmp_path / "bundle"
    (bundle / "quay").mkdir(parents=True)
    (bundle / "quay" / "config.yaml").write_bytes(CONFIG)
    os.symlink(outside, bundle / "quay" / "escape.txt")
    os.symlink(bundle, bundle / "quay" / "loop")  # a directory link back to the root
    os.symlink("/etc", bundle / "etc")
    os.mkfifo(bundle / "quay" / "pipe")  # reading it would block forever
    run, _ = _analyze(bundle, tmp_path)
    assert "BND020" in run.fired()
    assert "outside-canary-7Qx" not in run.stdout


def test_zip_escapes_links_and_encrypted_members(tmp_path: Path) -> None:
    data = bytearray(
        zip_bytes(
            {
                "quay/config.yaml": CONFIG,
                "../evil.txt": b"x\n",
                "/abs.txt": b"y\n",
                "secret.txt": b"z\n",
            },
            symlinks={"quay/link": "/etc/shadow"},
        )
    )
    # mark secret.txt as password-protected: bit 0 of its local and central flags
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = -1
        while (at := data.find(sig, at + 1)) >= 0:
            name_len = int.from_bytes(
                data[at + (26 if sig == b"PK\x03\x04" else 28) :][:2], "little"
            )
            start = at + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(data[start : start + name_len]) == b"secret.txt":
                data[at + off] |= 1
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(bytes(data))
    run, _ = _analyze(bundle, tmp_path)
    assert {"BND020", "BND026"} <= run.fired()


# -- bombs and limits -----------------------------------------------------------------------


def test_gzip_bomb_in_a_member_nobody_reads_is_stopped(tmp_path: Path) -> None:
    # 300 MiB of zeros behind a tiny header: the reader would decompress it all just to skip it
    bundle = tmp_path / "bomb.tgz"
    bundle.write_bytes(
        tgz_with_stream("junk.bin", 300 << 20, b"\0" * 4096, [("quay/config.yaml", CONFIG)])
    )
    assert bundle.stat().st_size < 1 << 20
    run, _ = _analyze(bundle, tmp_path)
    (finding,) = run.findings("BND021")
    assert "junk.bin" in finding["message"]
    assert run.seconds < 60


def test_gzip_bomb_in_a_log_is_stopped(tmp_path: Path) -> None:
    line = LOG_LINES[20]
    bundle = tmp_path / "bomb.tgz"
    bundle.write_bytes(
        tgz_with_stream("quay/logs/current.log", 64 << 20, line, [("quay/config.yaml", CONFIG)])
    )
    run, _ = _analyze(bundle, tmp_path, "--limit", "ratio_floor=8M")
    assert "BND021" in run.fired()


@pytest.mark.parametrize("codec", ["gz", "xz", "zip"])
def test_nested_bombs_are_stopped(tmp_path: Path, codec: str) -> None:
    # a log (read through the scan) of one line repeated: packs far beyond the ratio
    zeros = LOG_LINES[20] * ((48 << 20) // len(LOG_LINES[20]))
    if codec == "gz":
        inner_name, inner = "quay/logs/previous.log.gz", gzip.compress(zeros, 9)
    elif codec == "xz":
        inner_name, inner = "quay/logs/previous.log.xz", lzma.compress(zeros, preset=1)
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("quay/logs/current.log", zeros)
        inner_name, inner = "attach/more.zip", buf.getvalue()
    bundle = tmp_path / "outer.tar"
    bundle.write_bytes(tar_bytes([("quay/config.yaml", CONFIG), (inner_name, inner)]))
    run, _ = _analyze(bundle, tmp_path, "--limit", "ratio_floor=4M")
    assert "BND021" in run.fired()


@pytest.mark.parametrize(
    "limit,rule",
    [
        ("max_total_bytes=64K", "BND022"),
        ("max_members=3", "BND022"),
        ("max_member_bytes=10K", "BND023"),
        ("max_line_bytes=100", "BND028"),
    ],
    ids=["total-bytes", "member-count", "member-bytes", "line-bytes"],
)
def test_limits_cut_and_say_so(tmp_path: Path, limit: str, rule: str) -> None:
    bundle = tmp_path / "bundle.tgz"
    files = [("quay/config.yaml", CONFIG), ("quay/logs/current.log", b"".join(LOG_LINES))]
    files += [(f"notes/{i}.txt", b"note\n") for i in range(5)]
    bundle.write_bytes(tar_bytes(files, "w:gz"))
    run, _ = _analyze(bundle, tmp_path, "--limit", limit)
    assert rule in run.fired()


def test_zip_announcing_too_many_entries_is_not_opened(tmp_path: Path) -> None:
    bundle = tmp_path / "many.zip"
    bundle.write_bytes(
        zip_bytes({f"f{i}.txt": b"x\n" for i in range(300)} | {"quay/config.yaml": CONFIG})
    )
    run = run_analyzer([str(bundle), *JSON, "--limit", "max_members=100"], tmp_path / "run")
    # not one member could be read: the contract's exit 2, with the reason
    assert_sane(run, (2,))
    assert "more than the limit of 100" in run.stderr


def test_archives_nested_too_deep_are_not_opened(tmp_path: Path) -> None:
    data = tar_bytes([("postgresql.conf", b"max_connections = 100\n")], "w:gz")
    for level in range(5):
        data = tar_bytes([(f"level{level}.tgz", data)], "w:gz")
    bundle = tmp_path / "deep.tgz"
    bundle.write_bytes(tar_bytes([("quay/config.yaml", CONFIG), ("nested.tgz", data)], "w:gz"))
    run, _ = _analyze(bundle, tmp_path)
    assert "BND025" in run.fired()


def test_many_refused_members_make_one_bounded_finding(tmp_path: Path) -> None:
    bundle = tmp_path / "many.tar"
    bundle.write_bytes(
        tar_bytes([("quay/config.yaml", CONFIG)] + [(f"../x{i}", b"") for i in range(3000)])
    )
    run, _ = _analyze(bundle, tmp_path)
    (finding,) = run.findings("BND020")
    assert finding["message"].startswith("3000 members")
    assert finding["message"].endswith("and 2995 more.")
    assert len(finding["evidence"]) <= 10


# -- one line of 300 MB, huge documents -----------------------------------------------------


def _big_file(path: Path, head: bytes, fill: bytes, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    block = fill * ((1 << 20) // len(fill))
    with open(path, "wb") as fh:
        fh.write(head)
        written = 0
        while written < size:
            fh.write(block)
            written += len(block)


def test_a_300_mb_line_without_newline_is_not_held_in_memory(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    prefix = LOG_LINES[30]
    _big_file(
        bundle / "quay" / "logs" / "current.log",
        prefix + b"gunicorn-web stdout | ",
        b"A",
        300 << 20,
    )
    _big_file(bundle / "quay" / "config.yaml", CONFIG, b"B", 300 << 20)
    _big_file(bundle / "notes" / "blob.txt", b"", b"C", 300 << 20)
    run, report = _analyze(bundle, tmp_path)
    assert {"BND028", "BND023"} <= run.fired()  # the log line was cut; the config too big to parse
    log = next(a for a in report["bundle"]["artifacts"] if a["path"] == "quay/logs/current.log")
    assert log["kind"] == "quay_log"


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle" / "quay" / "config.yaml"
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(alias_bomb())
    run, _ = _analyze(bundle.parents[1], tmp_path)
    (finding,) = run.findings("BND027")
    assert "alias bomb" in finding["message"]


def test_yaml_tags_that_construct_objects_are_refused(tmp_path: Path) -> None:
    sentinel = tmp_path / f"pwned-{uuid.uuid4().hex}"
    text = f'SERVER_HOSTNAME: quay.example.com\nDB_URI: !!python/object/apply:os.system ["touch {sentinel}"]\n'
    bundle = tmp_path / "bundle" / "quay" / "config.yaml"
    bundle.parent.mkdir(parents=True)
    bundle.write_text(text)
    run, _ = _analyze(bundle.parents[1], tmp_path)
    assert "BND027" in run.fired()
    assert not sentinel.exists()


def test_yaml_with_too_many_nodes_is_refused_promptly(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle" / "quay" / "config.yaml"
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(CONFIG + b"EXTRA:\n" + b"- 1\n" * 1_500_000)
    run, _ = _analyze(bundle.parents[1], tmp_path)
    (finding,) = run.findings("BND027")
    assert "200000 nodes" in finding["message"]


@pytest.mark.parametrize(
    "name,data,words",
    [
        (
            "quay/health/instance.json",
            b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "nested",
        ),
        (
            "quay/quay-app/inspect.json",
            b'[{"Id":"x","State":{"Status":"running"},"HostConfig":{},"Config":{"Env":[]},"Junk":['
            + b",".join([b"[]"] * 3_000_000)
            + b"]}]",
            "values",
        ),
    ],
    ids=["deep", "many-values"],
)
def test_json_that_would_explode_is_refused(
    tmp_path: Path, name: str, data: bytes, words: str
) -> None:
    bundle = tmp_path / "bundle.tgz"
    bundle.write_bytes(tar_bytes([("quay/config.yaml", CONFIG), (name, data)], "w:gz"))
    run, _ = _analyze(bundle, tmp_path)
    (finding,) = run.findings("BND027")
    assert words in finding["message"]


def test_invalid_utf8_and_nul_bytes_are_read(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "quay" / "logs").mkdir(parents=True)
    (bundle / "quay" / "config.yaml").write_bytes(
        CONFIG + b"REGISTRY_TITLE: caf\xe9 \xff\xfe quay\n"
    )
    # NULs and broken UTF-8 past the first KiBs (NULs at the very start read as binary)
    (bundle / "quay" / "logs" / "current.log").write_bytes(
        LOG[:8192] + LOG[8192:].replace(b"Loading", b"Lo\x00\x00ad\xc3\x28ing\xff")
    )
    run, report = _analyze(bundle, tmp_path)
    kinds = {a["path"]: (a["kind"], a["status"]) for a in report["bundle"]["artifacts"]}
    assert kinds["quay/logs/current.log"] == ("quay_log", "parsed")
    assert kinds["quay/config.yaml"][0] == "quay_config"


# -- damaged and unreadable inputs ----------------------------------------------------------


def _healthy_tgz() -> bytes:
    files = [
        (f"quay/{p.name}", p.read_bytes())
        for p in sorted((DATA / "quay" / "healthy-push-pull").iterdir())
    ]
    return tar_bytes(files, "w:gz")


def test_truncated_bundle_gives_what_could_be_read(tmp_path: Path) -> None:
    data = _healthy_tgz()
    bundle = tmp_path / "cut.tgz"
    bundle.write_bytes(data[: len(data) * 2 // 3])
    run, report = _analyze(bundle, tmp_path)
    assert "BND024" in run.fired()
    assert any(a["status"] == "parsed" for a in report["bundle"]["artifacts"])


def test_corruption_in_the_middle_gives_what_came_before(tmp_path: Path) -> None:
    data = bytearray(_healthy_tgz())
    mid = len(data) // 2
    data[mid : mid + 64] = os.urandom(64)
    bundle = tmp_path / "corrupt.tgz"
    bundle.write_bytes(bytes(data))
    run, _ = _analyze(bundle, tmp_path)
    assert "BND024" in run.fired()


@pytest.mark.parametrize(
    "make,words",
    [
        (lambda d: (d / "empty.tgz", b""), "empty"),
        (lambda d: (d / "garbage.tgz", os.urandom(4096)), "not a bundle"),
        (
            lambda d: (d / "bad.tgz", b"\x1f\x8b\x08\x00" + os.urandom(2048)),
            "not a readable gzip file",
        ),
        (lambda d: (d / "empty.tar", tar_bytes([])), "not a bundle"),
        (
            lambda d: (
                d / "dirs.tar",
                tar_bytes([special("a/", tarfile.DIRTYPE), special("a/b/", tarfile.DIRTYPE)]),
            ),
            "no member could be read",
        ),
        (
            lambda d: (d / "cut.zip", zip_bytes({"quay/config.yaml": CONFIG})[:40]),
            "not a readable zip archive",
        ),
        (
            lambda d: (d / "links.tar", tar_bytes([special("x", tarfile.SYMTYPE, "/etc/passwd")])),
            "no member could be read",
        ),
    ],
    ids=[
        "empty-file",
        "random-bytes",
        "bad-gzip",
        "empty-tar",
        "only-directories",
        "cut-zip",
        "only-links",
    ],
)
def test_unreadable_inputs_exit_2_with_one_line(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    path, data = make(tmp_path)
    path.write_bytes(data)
    run = run_analyzer([str(path), *JSON], tmp_path / "run")
    assert_sane(run, (2,))
    assert words in run.stderr, run.stderr


def test_empty_directory_and_fifo_inputs_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_analyzer([str(empty), *JSON], tmp_path / "run1")
    assert_sane(run, (2,))
    fifo = tmp_path / "bundle.fifo"
    os.mkfifo(fifo)
    run = run_analyzer([str(fifo), *JSON], tmp_path / "run2", timeout=60)
    assert_sane(run, (2,))
    assert "not a regular file" in run.stderr


def test_a_healthy_bundle_stays_quiet_about_intake(tmp_path: Path) -> None:
    bundle = tmp_path / "healthy.tgz"
    bundle.write_bytes(_healthy_tgz())
    run, _ = _analyze(bundle, tmp_path)
    assert not {f"BND02{i}" for i in range(10)} & run.fired()
    assert INSTANCE  # the health file is part of the bundle and parsed
