"""The reader's copy-sparing shortcuts give what tarfile and io give, read for read.

`reader.DIRECT_READS` switches them off: then every tar member goes through
`tarfile.extractfile` and every layer copies as `io.BufferedReader` does. Each test here reads
the same input both ways (or against tarfile itself) and compares everything the reader lets
be seen: each read's bytes or error, cuts, issues and the byte counters between reads.
"""

from __future__ import annotations

import gzip
import io
import lzma
import os
import random
import shutil
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.bundle import Bundle, Limits
from analyzer.bundle import reader as reader_mod

LINE = b"gunicorn-web stdout | 2026-11-26 00:10:18,452 [15254] [INFO] [app] request %d done\n"
# sizes around the steps of the layers: tar blocks, tarfile's 10 KiB reads, 64 KiB passes
SIZES = [0, 1, 511, 512, 513, 10239, 10240, 10241, 65535, 65536, 65537, 100_000, 300_000]
READS = [1, 100, 512, 4096, 8192, 10240, 65536, 100_000, 1 << 20, (1 << 20) + 1, 3 << 20, -1]


def content(rnd: random.Random, size: int) -> bytes:
    """Log lines, zeros or noise: text compresses well, noise not at all."""
    kind = rnd.random()
    if kind < 0.4:
        return b"".join(LINE % i for i in range(size // 60 + 1))[:size]
    if kind < 0.6:
        return b"\0" * size
    return rnd.randbytes(size)


def add(tar: tarfile.TarFile, name: str, data: bytes, **pax: str) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    if pax:
        info.pax_headers = pax
    tar.addfile(info, io.BytesIO(data))


def random_tar(rnd: random.Random, depth: int = 0) -> bytes:
    """A tar of random entries: files of awkward sizes, long names, pax records, links,
    special files and archives inside it."""
    fmt = rnd.choice([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT])
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for i in range(rnd.randint(0, 6)):
            name = f"{i}-" + rnd.choice(["a.log", "dir/b.txt", "x" * rnd.randint(90, 250), "c.txt"])
            if fmt == tarfile.USTAR_FORMAT:
                name = name[:90]  # room for a suffix below
            kind = rnd.random()
            info = tarfile.TarInfo(name)
            if kind < 0.06:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind < 0.12:
                info.type = rnd.choice([tarfile.SYMTYPE, tarfile.LNKTYPE])
                info.linkname = rnd.choice(["0-a.log", "../../outside"])
                tar.addfile(info)
            elif kind < 0.15:
                info.type = tarfile.FIFOTYPE
                tar.addfile(info)
            elif kind < 0.25 and depth < 2:
                inner = random_tar(rnd, depth + 1)
                add(tar, name + ".tgz", gzip.compress(inner, compresslevel=1))
            elif kind < 0.29:
                zbuf = io.BytesIO()
                with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
                    z.writestr("in.txt", content(rnd, rnd.choice(SIZES)))
                add(tar, name + ".zip", zbuf.getvalue())
            elif kind < 0.34:
                add(tar, name + ".gz", gzip.compress(content(rnd, rnd.choice(SIZES)), 1))
            else:
                pax = {"comment": "c" * rnd.randint(1, 3000)} if fmt == tarfile.PAX_FORMAT else {}
                add(tar, name, content(rnd, rnd.choice([*SIZES, 1 << 20, 2_500_000])), **pax)
    return buf.getvalue()


def random_bundle(rnd: random.Random) -> bytes:
    """A random tar, compressed or not, intact, cut, damaged or with junk after it."""
    raw = random_tar(rnd)
    wrap = rnd.random()
    if wrap < 0.5:
        raw = gzip.compress(raw, compresslevel=rnd.choice([1, 6]))
    elif wrap < 0.6:
        raw = lzma.compress(raw)
    damage = rnd.random()
    if damage < 0.3:
        raw = raw[: rnd.randint(len(raw) // 4, len(raw))]
    elif damage < 0.4 and len(raw) > 200:
        flipped = bytearray(raw)
        at = rnd.randint(0, len(flipped) - 60)
        for k in range(rnd.randint(1, 50)):
            flipped[at + k] ^= 0x5A
        raw = bytes(flipped)
    elif damage < 0.45:
        raw += b"\0" * rnd.randint(0, 3000) + b"junk"
    return raw or b"x"


def random_limits(rnd: random.Random) -> Limits:
    if rnd.random() < 0.4:
        return Limits()
    return Limits(
        max_total_bytes=rnd.choice([1 << 40, rnd.randint(1, 6 << 20)]),
        max_member_bytes=rnd.choice([1 << 40, rnd.randint(1, 3 << 20)]),
        max_members=rnd.choice([100_000, rnd.randint(1, 10)]),
        max_depth=rnd.choice([3, 0, 1]),
        max_ratio=rnd.choice([200, 2, 10, 50]),
        ratio_floor=rnd.choice([256 << 20, 0, 64 << 10, 1 << 20]),
    )


def observe(path: Path, limits: Limits, seed: int, direct: bool, forked: bool) -> list[Any]:
    """Everything a reader of the bundle can see, read with a random but repeatable pattern:
    members skipped, not read, read partly or fully, by read, read1 and peek of any size."""
    rnd = random.Random(seed)
    old = reader_mod.DIRECT_READS, reader_mod.THREADED_MIN
    reader_mod.DIRECT_READS = direct
    reader_mod.THREADED_MIN = 0 if forked else 1 << 62
    seen: list[Any] = []
    try:
        with Bundle(path, limits) as b:
            counters = lambda: (b.budget.total, b.budget.scanned, b.budget.input_read)  # noqa: E731
            for m in b.members():
                seen.append((m.path, m.size, m.skipped, m.skipped_code, counters()))
                how = rnd.random()
                if m.skipped is not None or how < 0.15:
                    continue
                fh = m.open()
                for _ in range(rnd.randint(1, 40) if how < 0.4 else 100_000):
                    op = rnd.random()
                    size = rnd.choice(READS)
                    try:
                        if op < 0.1:
                            got: Any = ("peek", len(fh.peek(max(size, 0))))
                        elif op < 0.2:
                            got = ("read1", fh.read1(size))
                        else:
                            got = ("read", fh.read(size))
                    except Exception as exc:  # noqa: BLE001 - what the caller would meet
                        got = ("error", type(exc).__name__, str(exc))
                    seen.append((got, m.cut, m.cut_code, counters()))
                    if got[0] != "peek" and got[1] == b"":
                        break
            seen.append(([(i.code, i.path, i.message) for i in b.issues], counters(), b.kind))
    except reader_mod.BundleError as exc:
        seen.append(("bundle-error", str(exc)))
    finally:
        reader_mod.DIRECT_READS, reader_mod.THREADED_MIN = old
    return seen


@pytest.mark.parametrize("seed", range(40))
def test_random_bundles_read_the_same_with_and_without_the_shortcuts(
    seed: int, tmp_path: Path
) -> None:
    rnd = random.Random(seed)
    path = tmp_path / "bundle.tgz"
    path.write_bytes(random_bundle(rnd))
    limits = random_limits(rnd)
    plain = observe(path, limits, seed, direct=False, forked=False)
    assert observe(path, limits, seed, direct=True, forked=False) == plain
    if reader_mod._can_fork() and seed % 4 == 0:
        assert observe(path, limits, seed, direct=True, forked=True) == plain


def big_member_bundle(rnd: random.Random) -> bytes:
    """One to three large members, the archive cut somewhere inside them."""
    buf = io.BytesIO()
    with tarfile.open(
        fileobj=buf, mode="w", format=rnd.choice([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
    ) as tar:
        for i in range(rnd.randint(1, 3)):
            name = f"m{i}.log" if rnd.random() < 0.7 else "y" * 150 + str(i)
            add(tar, name, content(rnd, rnd.randint(0, 3_000_000)))
    raw = buf.getvalue()
    raw = raw[: rnd.randint(len(raw) // 3, len(raw))]
    if rnd.random() < 0.6:
        raw = gzip.compress(raw, compresslevel=1)
        if rnd.random() < 0.3:
            raw = raw[: rnd.randint(len(raw) // 2, len(raw))]
    return raw


@pytest.mark.parametrize("seed", range(16))
def test_cut_members_fail_at_the_same_read(seed: int, tmp_path: Path) -> None:
    """Where a truncated member stops depends on how far ahead each layer reads."""
    rnd = random.Random(1000 + seed)
    path = tmp_path / "cut.tgz"
    path.write_bytes(big_member_bundle(rnd))
    limits = random_limits(rnd)
    plain = observe(path, limits, seed, direct=False, forked=False)
    assert observe(path, limits, seed, direct=True, forked=False) == plain


# --- tar members read directly, against tarfile ------------------------------------------


class LoggedSource(io.RawIOBase):
    """The decompressed side of a tar: gives its bytes in steps and logs each request."""

    def __init__(self, data: bytes, steps: list[int]) -> None:
        self.data = data
        self.at = 0
        self.steps = steps
        self.log: list[int] = []

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        self.log.append(len(b))
        step = self.steps[len(self.log) % len(self.steps)]
        chunk = self.data[self.at : self.at + min(len(b), step)]
        b[: len(chunk)] = chunk
        self.at += len(chunk)
        return len(chunk)


def walk_tar(data: bytes, steps: list[int], plan: list[list[int]], direct: bool) -> list[Any]:
    """Open `data` as a streamed tar and read each member as `plan` says (a list of request
    sizes per member); record each answer, the source's requests and tarfile's state."""
    source = LoggedSource(data, steps)
    try:
        tar = tarfile.open(fileobj=io.BufferedReader(source, reader_mod.CHUNK), mode="r|")  # noqa: SIM115 - closed below
    except tarfile.TarError as exc:
        return [("open", str(exc))]
    with tar:
        return walk_members(tar, source, plan, direct)


def walk_members(
    tar: tarfile.TarFile, source: LoggedSource, plan: list[list[int]], direct: bool
) -> list[Any]:
    seen: list[Any] = []
    for k in range(len(plan) + 1):
        try:
            info = tar.next()
        except tarfile.TarError as exc:
            seen.append(("next", type(exc).__name__, str(exc)))
            return seen
        if info is None:
            seen.append(("end", tar.fileobj.pos))
            return seen
        seen.append(("member", info.name, info.size, info.type))
        if not info.isreg() or k == len(plan):
            continue
        member: Any = reader_mod._direct_member(tar, info) if direct else tar.extractfile(info)
        assert member is not None
        for size in plan[k]:
            try:
                if direct:
                    out = bytearray(size)
                    n = member.readinto(out)
                    got: Any = bytes(out[:n])
                else:
                    got = member.read1(size)
            except tarfile.TarError as exc:
                got = (type(exc).__name__, str(exc))
            seen.append((got, len(source.log), tar.fileobj.pos, tar.fileobj.buf))
    return seen


@st.composite
def tars_and_plans(draw: st.DrawFn) -> tuple[bytes, list[int], list[list[int]]]:
    fmt = draw(st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT]))
    buf = io.BytesIO()
    count = draw(st.integers(1, 4))
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for i in range(count):
            long = draw(st.booleans()) and fmt != tarfile.USTAR_FORMAT
            name = ("n" * 120 if long else "m") + str(i)
            size = draw(st.sampled_from(SIZES))
            pax = {"comment": "p" * draw(st.integers(1, 2000))} if fmt == tarfile.PAX_FORMAT else {}
            add(tar, name, bytes([i + 1]) * size, **pax)
    data = buf.getvalue()
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    steps = draw(st.lists(st.sampled_from([1, 700, 10240, 65536, 70000]), min_size=1, max_size=4))
    plan = draw(
        st.lists(
            st.lists(st.sampled_from([0, 1, 300, 8192, 10240, 65536, 100_000]), max_size=6),
            min_size=count,
            max_size=count,
        )
    )
    return data, steps, plan


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=tars_and_plans())
def test_direct_members_read_like_tarfile(case: tuple[bytes, list[int], list[list[int]]]) -> None:
    """Same bytes, same errors, same requests to the source, same _Stream state after each
    read; members read fully, partly or not at all; cut archives included."""
    data, steps, plan = case
    assert walk_tar(data, steps, plan, direct=True) == walk_tar(data, steps, plan, direct=False)


def test_unusual_members_go_through_tarfile() -> None:
    """A sparse entry or a stream that is not tarfile's own is left to extractfile."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        add(tar, "plain.txt", b"plain\n")
    with tarfile.open(fileobj=io.BufferedReader(io.BytesIO(buf.getvalue())), mode="r|") as tar:
        info = tar.next()
        assert info is not None
        assert reader_mod._direct_member(tar, info) is not None
        info.sparse = [(0, 3)]
        assert reader_mod._direct_member(tar, info) is None
    with tarfile.open(fileobj=io.BytesIO(buf.getvalue()), mode="r:") as seekable:
        assert reader_mod._direct_member(seekable, seekable.getmembers()[0]) is None


@pytest.mark.skipif(shutil.which("tar") is None, reason="no tar program")
def test_sparse_entries_are_skipped_either_way(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    with open(src / "holes.bin", "wb") as fh:
        fh.seek(5 << 20)
        fh.write(b"end\n")
    (src / "after.log").write_bytes(LINE % 1)
    archive = tmp_path / "sparse.tar"
    done = subprocess.run(
        [
            "tar",
            "--sparse",
            "--format=gnu",
            "-cf",
            str(archive),
            "-C",
            str(src),
            "holes.bin",
            "after.log",
        ],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip("this tar cannot write sparse entries")
    plain = observe(archive, Limits(), 1, direct=False, forked=False)
    assert observe(archive, Limits(), 1, direct=True, forked=False) == plain
    with Bundle(archive) as b:
        members = {m.path: m for m in b.members()}
        assert members["holes.bin"].skipped_code == "special-file"
        assert members["after.log"].open().read() == LINE % 1


def test_a_member_read_partly_then_the_next(tmp_path: Path) -> None:
    first, second = os.urandom(300_000), b"second\n" * 5000
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        add(tar, "first.bin", first, comment="x" * 700)
        add(tar, "z" * 140 + "/second.log", second)
    path = tmp_path / "b.tgz"
    path.write_bytes(buf.getvalue())
    with Bundle(path) as b:
        it = b.members()
        m = next(it)
        assert m.open().read(70_000) == first[:70_000]
        m = next(it)
        assert m.path == "z" * 140 + "/second.log"
        assert m.open().read() == second
        assert list(it) == []
    assert b.issues == []


def test_a_member_not_read_at_all(tmp_path: Path) -> None:
    path = tmp_path / "b.tar"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        add(tar, "skip.bin", os.urandom(200_000))
        add(tar, "read.log", b"kept\n")
    path.write_bytes(buf.getvalue())
    with Bundle(path) as b:
        got = {m.path: m.open().read() for m in b.members() if m.path == "read.log"}
    assert got == {"read.log": b"kept\n"}


def test_member_bytes_equal_tarfile_on_the_test_data(tmp_path: Path) -> None:
    """Every member of a tgz of the repository's test data, as tarfile extracts it."""
    data_dir = Path(__file__).resolve().parents[2] / "data"
    path = tmp_path / "data.tgz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(data_dir, arcname="data")
    expected: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as tar:
        for info in tar:
            fh = tar.extractfile(info) if info.isreg() else None
            if fh is not None:
                expected[info.name] = fh.read()
    old = reader_mod.ARCHIVE_SEP
    got: dict[str, bytes] = {}
    with Bundle(path) as b:
        for m in b.members():
            if m.skipped is None and old not in m.path:
                got[m.path] = m.open().read()
    assert got == {k: v for k, v in expected.items() if k in got}
    assert len(got) >= len(expected) // 2


# --- the buffer stand-in of plain members -------------------------------------------------


class FakeMember:
    """A member's data as _TarMember gives it: whole requests, or an error where it is cut."""

    def __init__(self, size: int, cut: int | None) -> None:
        self.size = size
        self.cut = cut
        self.position = 0
        self.log: list[int] = []

    def readinto(self, b: Any) -> int:
        self.log.append(len(b))
        n = min(len(b), self.size - self.position)
        if n <= 0:
            return 0
        if self.cut is not None and self.position + n > self.cut:
            raise tarfile.ReadError("unexpected end of data")
        b[:n] = bytes((self.position + i) % 251 for i in range(n))
        self.position += n
        return n

    def read1(self, n: int) -> bytes:
        out = bytearray(n)
        return bytes(out[: self.readinto(out)])

    read = read1


@settings(max_examples=300, deadline=None)
@given(
    size=st.integers(0, 40_000),
    cut=st.one_of(st.none(), st.integers(0, 40_000)),
    wants=st.lists(st.integers(1, 12_000), max_size=25),
)
def test_rebuffer_asks_what_a_buffer_asks(size: int, cut: int | None, wants: list[int]) -> None:
    """Small stand-ins for CHUNK and PASS_CHUNK, so fills near a buffer's end come often."""

    def run(stand_in: bool) -> Iterator[Any]:
        member = FakeMember(size, cut)
        buffered = io.BufferedReader(reader_mod._Passthrough(member), 4096)  # type: ignore[arg-type]
        try:
            head = buffered.peek(512)
        except tarfile.ReadError:
            yield "cut at once"
            return
        stream: Any = reader_mod._Rebuffer(member, head) if stand_in else buffered  # type: ignore[arg-type]
        for want in wants:
            out = bytearray(want)
            try:
                n = stream.readinto(out)
                yield bytes(out[:n]), list(member.log)
            except tarfile.ReadError:
                yield "error", list(member.log)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reader_mod, "CHUNK", 4096)
        mp.setattr(reader_mod, "PASS_CHUNK", 512)
        assert list(run(True)) == list(run(False))


# --- the decompressing child -----------------------------------------------------------


@pytest.mark.skipif(not reader_mod._can_fork(), reason="no fork")
def test_a_child_waiting_for_a_slot_stops_with_the_reader(tmp_path: Path) -> None:
    """The reader leaves after a few bytes while the child has filled every slot."""
    path = tmp_path / "big.tgz"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        add(tar, "a.log", b"".join(LINE % i for i in range(200_000)))
    path.write_bytes(buf.getvalue())
    old = reader_mod.THREADED_MIN
    reader_mod.THREADED_MIN = 0
    try:
        start = time.monotonic()
        with Bundle(path) as b:
            members = b.members()
            m = next(members)
            assert m.open().read(100) == (LINE % 0 + LINE % 1)[:100]
            time.sleep(0.2)  # the child fills the ring meanwhile
            members.close()
        assert time.monotonic() - start < 10
    finally:
        reader_mod.THREADED_MIN = old
