"""The forked prefilter worker and the classifying thread change nothing in what a scan finds.

Each test scans the same generated corpus (real lines, see test_exactness.py) in small blocks,
so that the worker starts after a few blocks, and compares the result with the reference
record-by-record scan, while the worker is healthy, fails a block, dies, or gets blocks
larger than its slots.
"""

from __future__ import annotations

import importlib.util
import mmap
import os
from pathlib import Path

import pytest
from test_exactness import corpus, rules, scan
from test_exactness import small_blocks as small_blocks  # a fixture used below

from analyzer.engine import native, quayfast, worker

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("hyperscan") is None or not worker.available(),
    reason="the worker runs the hyperscan prefilter on Linux with more than one core",
)


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list, dict]:
    data = corpus(7, 5000, 0.3)
    rule_list = rules(tmp_path_factory.mktemp("rules"))
    mp = pytest.MonkeyPatch()
    try:
        ref, _, _ = scan("reference", data, rule_list, mp)
    finally:
        mp.undo()
    return data, rule_list, ref


def _count_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    started: list[int] = []
    real = worker.BlockWorker.__init__

    def spy(self: worker.BlockWorker, matcher: object, classify: bool) -> None:
        real(self, matcher, classify)
        started.append(self.pid)

    monkeypatch.setattr(worker.BlockWorker, "__init__", spy)
    return started


@pytest.mark.parametrize("after", [1, 8])
def test_worker_scan_equals_reference(
    expected: tuple, monkeypatch: pytest.MonkeyPatch, small_blocks: None, after: int  # noqa: F811
) -> None:
    data, rule_list, ref = expected
    started = _count_workers(monkeypatch)
    monkeypatch.setattr(quayfast, "WORKER_AFTER", after)
    inline: list[int] = []
    real_prepare = quayfast.QuayBulk._prepare

    def prepare(self: quayfast.QuayBulk, first: int, padded: bytes, ends: object) -> object:
        inline.append(first)
        return real_prepare(self, first, padded, ends)

    monkeypatch.setattr(quayfast.QuayBulk, "_prepare", prepare)
    got, sc, _ = scan("hyperscan", data, rule_list, monkeypatch)
    assert started, "the corpus is long enough for the worker to start"
    assert got == ref
    if native.library() is None:
        return  # without the compiled classifier the worker only runs the prefilter
    blocks = len(data) // (16 << 10)
    assert len(inline) < blocks // 2, "the worker classified most blocks"
    if after == 1:
        # blocks handed over before the first block taught the program prefixes were
        # classified with none: the reader classified them again
        assert any(first != 1 for first in inline)


def test_worker_failing_a_block(
    expected: tuple, monkeypatch: pytest.MonkeyPatch, small_blocks: None  # noqa: F811
) -> None:
    data, rule_list, ref = expected
    from analyzer.engine import matchers

    real = matchers.HyperscanMatcher.positions
    calls = {"n": 0}

    def flaky(self: matchers.HyperscanMatcher, buf: object) -> list[tuple[int, int]]:
        # runs in the child: every third block fails there and is scanned by the parent
        calls["n"] += 1
        if os.getpid() != parent and calls["n"] % 3 == 0:
            raise RuntimeError("scan failed")
        return real(self, buf)

    parent = os.getpid()
    monkeypatch.setattr(matchers.HyperscanMatcher, "positions", flaky)
    got, _, _ = scan("hyperscan", data, rule_list, monkeypatch)
    assert got == ref


@pytest.mark.parametrize("answered", [0, 3, 11])
def test_worker_dying(
    expected: tuple, monkeypatch: pytest.MonkeyPatch, small_blocks: None, answered: int  # noqa: F811
) -> None:
    data, rule_list, ref = expected
    real_serve = worker._serve

    def short_lived(matcher: object, classify: bool, shm: mmap.mmap, requests: int, answers: int) -> None:
        # the child answers a few requests, then stops answering (its answer pipe closed)
        # while it still takes requests: the parent reads the end of the answers, and scans
        # the blocks it had handed over, and every later one, in place
        counted = {"n": 0}
        real_read = worker._read_exact

        def read(fd: int, size: int) -> bytes:
            counted["n"] += 1
            if counted["n"] > answered + 1:
                os.close(answers)
                while real_read(fd, size):
                    pass
                os._exit(0)
            return real_read(fd, size)

        worker._read_exact = read  # the child's own copy of the module
        real_serve(matcher, classify, shm, requests, answers)

    # every answer is either the block's exact matches or None (scan it yourself): never a
    # wrong or partial list; and the test must have lost blocks that held matches
    lost: list[int] = []
    sizes: dict[int, int] = {}
    real_submit = worker.BlockWorker.submit
    real_collect = worker.BlockWorker.collect

    def submit(self: worker.BlockWorker, padded: bytes, keys: object = None) -> int | None:
        ticket = real_submit(self, padded, keys)
        if ticket is not None:
            sizes[ticket] = len(padded)
        return ticket

    def collect(self: worker.BlockWorker, ticket: int) -> worker.Answer | None:
        start = ticket * worker._SLOT_TOTAL
        truth = self.matcher.positions(bytes(self.shm[start : start + sizes[ticket]]))
        got = real_collect(self, ticket)
        if got is None:
            lost.append(len(truth))
        else:
            assert sorted(got.found or []) == sorted(truth)
        return got

    monkeypatch.setattr(worker, "_serve", short_lived)
    monkeypatch.setattr(worker.BlockWorker, "submit", submit)
    monkeypatch.setattr(worker.BlockWorker, "collect", collect)
    monkeypatch.setattr(quayfast, "WORKER_AFTER", 1)
    got, _, _ = scan("hyperscan", data, rule_list, monkeypatch)
    assert got == ref
    assert sum(lost) > 0, "blocks with matches were in the child's hands when it died"


def test_blocks_larger_than_a_slot(
    expected: tuple, monkeypatch: pytest.MonkeyPatch, small_blocks: None  # noqa: F811
) -> None:
    data, rule_list, ref = expected
    monkeypatch.setattr(worker, "SLOT_BYTES", 16 << 10)  # blocks of 16 KiB and a bit more
    got, _, _ = scan("hyperscan", data, rule_list, monkeypatch)
    assert got == ref


def test_turned_off(expected: tuple, monkeypatch: pytest.MonkeyPatch, small_blocks: None) -> None:  # noqa: F811
    data, rule_list, ref = expected
    monkeypatch.setenv("ANALYZER_WORKER", "off")
    started = _count_workers(monkeypatch)
    got, _, _ = scan("hyperscan", data, rule_list, monkeypatch)
    assert not started
    assert got == ref


def test_worker_classification_is_the_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The arrays the child leaves in a slot are those the reader would compute itself."""
    from analyzer.engine.quaylines import Classifier

    if native.library() is None:
        pytest.skip(f"no compiled classifier ({native.status()})")
    data = corpus(9, 3000, 0.3)
    pieces = [data[i : i + (64 << 10)] for i in range(0, len(data), 64 << 10)]
    assert len(pieces) >= 4
    clf = Classifier()
    pool = worker.BlockWorker(None, classify=True)
    try:
        for k, piece in enumerate(pieces):
            piece = piece[: piece.rfind(b"\n") + 1]
            if k == 1:
                clf.learn(b"gcworker stdout | ", "gcworker", "stdout")
            if k == 2:
                for prefix in ("gunicorn-web", "gunicorn-registry", "nginx"):
                    clf.learn(f"{prefix} stdout | ".encode(), prefix, "stdout")
            padded = piece + b"\0" * quayfast.PAD
            ticket = pool.submit(padded, clf.packed)
            assert ticket is not None
            answer = pool.collect(ticket)
            assert answer is not None and answer.lines is not None and answer.found is None
            bulk = quayfast.QuayBulk.__new__(quayfast.QuayBulk)
            bulk._clf_times = {}
            bulk.classifier = clf
            mine = bulk._prepare(2, padded, None)
            assert answer.keys == mine.keys == clf.known
            assert answer.clean == mine.clean
            for field in ("starts", "ends", "cls", "key", "level", "ms", "body"):
                assert (getattr(answer.lines, field) == getattr(mine.lines, field)).all(), field
            assert (answer.lines.access is None) == (mine.lines.access is None)
            if mine.lines.access is not None:
                assert (answer.lines.access == mine.lines.access).all()
            assert (answer.nginx == mine.nginx).all()
    finally:
        pool.close()


def test_no_child_left_behind(tmp_path: Path) -> None:
    """A worker closed early (the scan stopped) leaves no process behind."""
    from analyzer.engine.matchers import Literal, make_matcher

    pool = worker.BlockWorker(make_matcher([Literal(b"needle")], "hyperscan"), classify=False)
    ticket = pool.submit(b"hay needle hay\n" + b"\0" * quayfast.PAD)
    assert ticket is not None
    answer = pool.collect(ticket)
    assert answer is not None and answer.found == [(0, 9)] and answer.lines is None
    pid = pool.pid
    pool.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
