"""The fast log scan gives exactly what the reference gives: a plain record-by-record `re` search.

The corpus is made of real lines (tests/data and the sample bundles), shuffled and interleaved
the way supervisord interleaves programs, with tracebacks split across other programs' lines,
blank and unprefixed lines, collector timestamps and cut lines. Every statistic, timeline
entry, accumulator field and evidence line of every condition must be equal, for the built-in
rules and for test rules that reach the bulk reader's special cases (conditions that match
every record, grouping, windows, case folding, patterns across lines, no literal at all).
"""

from __future__ import annotations

import random
import re
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.artifacts import base, quay_log
from analyzer.artifacts.base import TextSource
from analyzer.engine import blocks as blocks_mod
from analyzer.engine import matchers, quayfast
from analyzer.engine import scanner as scanner_mod
from analyzer.engine.blocks import blocks
from analyzer.engine.quaylines import CONT, EASY, LEVEL_NAMES, PAD, Classifier
from analyzer.engine.rules import load_rules
from analyzer.engine.scanner import LogScanner

ROOT = Path(__file__).resolve().parents[3]
QUAY = ROOT / "tests/data/quay"
SOURCES = [
    QUAY / "healthy-push-pull/quay-container.log",
    QUAY / "bad-manifest-push/quay-container.log",
    QUAY / "startup-without-service-key/quay-container.log",
    QUAY / "init-and-migration/runmigration.log",
    ROOT / "sample_bundles/standalone-db-outage/quay-logs.txt",
]
MUST_GATHER = sorted((ROOT / "sample_bundles/openshift-must-gather").rglob("quay-app/logs/current.log"))


def real_lines() -> list[str]:
    out: list[str] = []
    for path in [*SOURCES, *MUST_GATHER]:
        out.extend(path.read_text(encoding="utf-8").splitlines())
    return out


def records_of(lines: list[str]) -> list[list[str]]:
    """Real records (head line and its continuation lines) of the real logs."""
    text = "\n".join(lines) + "\n"
    split = text.split("\n")
    return [split[r.line - 1 : r.end_line] for r in quay_log.iter_records(TextSource.from_text("x", text))]


def corpus(seed: int, size: int, spread: float = 0.6) -> bytes:
    """Real records, reordered and interleaved: a traceback's lines may be far apart.

    `spread` is how often a waiting continuation line comes next; a low one gives long runs
    of single-line records, which the bulk reader steps over whole.
    """
    rnd = random.Random(seed)
    recs = records_of(real_lines())
    plain = [r for r in recs if len(r) == 1 and re.match(r"[\w-]+ stdout \| \d{4}-", r[0])]
    out: list[str] = []
    pending: list[list[str]] = []
    while len(out) < size:
        if pending and rnd.random() < spread:
            item = rnd.choice(pending)
            out.append(item.pop(0))
            if not item:
                pending.remove(item)
            continue
        rec = list(rnd.choice(recs))
        if spread < 0.5 and rnd.random() < 0.97:
            rec = list(rnd.choice(plain))  # mostly Python logging lines, as in a busy log
        if rnd.random() < 0.05 * spread:
            out.append("")  # a blank line
        out.append(rec.pop(0))
        if rec:
            if rnd.random() < 0.5:
                pending.append(rec)  # its continuation lines come later, between others
            else:
                out.extend(rec)
        if rnd.random() < 0.01 * spread:
            # a long stretch of one program's continuation lines: the gap bound
            out.extend(["gunicorn-web stdout |     at frame"] * rnd.randint(5, 80))
    return ("\n".join(out) + "\n").encode("utf-8")


EXTRA = """
id: {rid}
title: A test condition of the log scan
severity: warning
category: logs
artifact: quay_log
condition:
{cond}
message: "{{{{ count }}}} {{{{ first }}}} {{{{ last }}}}"
remediation:
  - Look.
references: [logs]
"""

EXTRA_RULES = {
    "TST001": "log: {pattern: '^'}",
    "TST002": "log: {pattern: '^', level: [ERROR, CRITICAL], group_by: program}",
    "TST003": "log: {pattern: '.*', group_by: level}",
    "TST004": "log: {pattern: 'connection refused|timed out', ignore_case: true, group_by: program}",
    "TST005": "log: {pattern: 'Traceback \\(most recent call last\\):\\n', min_count: 2, within: 10m}",
    "TST006": "log: {pattern: '\\S', program: [nginx]}",
    "TST007": "log: {pattern: '(?P<code>5\\d\\d) \\d+ \"', group_by: code}",
    "TST008": "log: {pattern: '^', program: [gcworker], within: 1m}",
    "TST009": "log: {pattern: 'lines omitted|characters cut'}",
    "TST010": "log: {pattern: '^', logger: [gunicorn.access]}",
}


def rules(tmp: Path) -> list[Any]:
    d = tmp / "extra"
    d.mkdir(exist_ok=True)
    for rid, cond in EXTRA_RULES.items():
        text = EXTRA.format(rid=rid, cond=textwrap.indent(cond, "  "))
        (d / f"{rid}-test.yaml").write_text(text, encoding="utf-8")
    return load_rules([d]).rules


def snapshot(sc: LogScanner) -> dict[str, Any]:
    """Everything a scan leaves behind, in a comparable form (order included)."""
    files = [
        (
            f.path,
            f.records,
            f.first_time,
            f.last_time,
            list(f.levels.items()),
            list(f.programs.items()),
            dict(f.versions),
        )
        for f in sc.files
    ]
    results = {
        key: [
            (
                group,
                acc.count,
                acc.first and (acc.first.line, acc.first.excerpt, acc.first.time, acc.first.groups),
                acc.last and (acc.last.line, acc.last.excerpt, acc.last.time, acc.last.groups),
                [(h.path, h.line, h.excerpt, h.time, h.groups) for h in acc.samples],
                dict(acc.files),
                dict(acc.programs),
                dict(acc.seconds),
                acc.first_time,
                acc.last_time,
            )
            for group, acc in per.items()
        ]
        for key, per in sc.results.items()
    }
    return {
        "files": files,
        "results": results,
        "timeline": list(sc.error_minutes.items()),
        "dropped": sc.error_minutes_dropped,
    }


def scan(
    engine: str,
    data: bytes,
    rule_list: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    since: datetime | None = None,
    until: datetime | None = None,
    max_line: int = 1 << 20,
) -> tuple[dict[str, Any], LogScanner, TextSource]:
    monkeypatch.setenv(matchers.ENGINE_ENV, engine)
    sc = LogScanner(rule_list, since, until)
    src = TextSource.from_bytes("quay/quay/logs/current.log", data, max_line_bytes=max_line)
    sc.feed("quay_log", src.path, quay_log.iter_records(src))
    return snapshot(sc), sc, src


ENGINES = ["hyperscan", "re2", "re"]


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bulk reading even for small inputs, in small blocks (block edges inside records)."""
    monkeypatch.setattr(quayfast, "SMALL", 0)
    monkeypatch.setattr(scanner_mod, "SMALL_MEMBER", 0)
    monkeypatch.setattr(base, "CHUNK", 16 << 10)
    monkeypatch.setattr(blocks_mod, "CHUNK", 16 << 10)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "seed,spread", [(1, 0.6), (2, 0.6), (3, 0.02)], ids=["interleaved1", "interleaved2", "calm"]
)
def test_fast_scan_equals_reference(
    engine: str,
    seed: int,
    spread: float,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    small_blocks: None,
) -> None:
    data = corpus(seed, 6000, spread)
    rule_list = rules(tmp_path)
    ref, _, ref_src = scan("reference", data, rule_list, monkeypatch)
    got, sc, src = scan(engine, data, rule_list, monkeypatch)
    assert "bulk" in sc.engine
    assert got == ref
    assert [(n.message, n.line) for n in src.notes] == [(n.message, n.line) for n in ref_src.notes]
    assert ref["files"][0][1] > 1000  # the corpus is not trivial
    assert any(per for per in ref["results"].values())


@pytest.mark.parametrize(
    "pending,gap", [(3, 40), (8, 10), (64, 2000), (5, 3)], ids=["p3g40", "p8g10", "default", "gap<pending"]
)
def test_queue_bounds(
    pending: int, gap: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_blocks: None
) -> None:
    """The reader's MAX_PENDING/MAX_GAP bounds, stepped over in runs, keep every record the same."""
    monkeypatch.setattr(quay_log, "MAX_PENDING", pending)
    monkeypatch.setattr(quay_log, "MAX_GAP", gap)
    rule_list = rules(tmp_path)
    for spread in (0.6, 0.02):
        data = corpus(7, 4000, spread)
        ref, _, _ = scan("reference", data, rule_list, monkeypatch)
        got, _, _ = scan("auto", data, rule_list, monkeypatch)
        assert got == ref


def test_window_and_cut_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_blocks: None) -> None:
    data = corpus(3, 5000, 0.1)
    rule_list = rules(tmp_path)
    since = datetime(2026, 11, 26, 0, 10, 20, tzinfo=UTC)
    until = datetime(2026, 11, 26, 0, 12, 0, tzinfo=UTC)
    ref, _, ref_src = scan("reference", data, rule_list, monkeypatch, since, until, max_line=300)
    got, _, src = scan("auto", data, rule_list, monkeypatch, since, until, max_line=300)
    assert got == ref
    assert src.long_lines == ref_src.long_lines > 0


def test_built_in_rules_on_sample_logs(monkeypatch: pytest.MonkeyPatch, small_blocks: None) -> None:
    rule_list = load_rules().rules
    for path in [*SOURCES, *MUST_GATHER]:
        data = path.read_bytes()
        ref, _, _ = scan("reference", data, rule_list, monkeypatch)
        got, _, _ = scan("auto", data, rule_list, monkeypatch)
        assert got == ref, path


def test_non_ascii_and_odd_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_blocks: None) -> None:
    """Lines the bulk classifier must leave to quay_log: NUL, CR, invalid UTF-8, letters re folds."""
    lines = corpus(5, 3000).split(b"\n")
    rnd = random.Random(5)
    odd = [b"\x00", b"\r", b"\xff", "\u212a".encode(), "\u017f".encode(), "é".encode()]
    for _ in range(200):
        i = rnd.randrange(len(lines))
        j = rnd.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:j] + rnd.choice(odd) + lines[i][j:]
    data = b"\n".join(lines)
    rule_list = rules(tmp_path)
    ref, _, _ = scan("reference", data, rule_list, monkeypatch)
    got, _, _ = scan("auto", data, rule_list, monkeypatch)
    assert got == ref


def test_small_members_are_read_record_by_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (QUAY / "healthy-push-pull/quay-container.log").read_bytes()
    rule_list = rules(tmp_path)
    ref, _, _ = scan("reference", data, rule_list, monkeypatch)
    got, sc, _ = scan("auto", data, rule_list, monkeypatch)
    assert got == ref
    assert "bulk" not in sc.engine


def test_redactor_sees_the_records_it_learns_from(monkeypatch: pytest.MonkeyPatch, small_blocks: None) -> None:
    """Records that learn_from_records looks at are passed on through the bulk reader."""
    from analyzer.redact import learn_from_records

    seen: list[str] = []

    class Spy:
        def learn(self, text: str) -> None:
            seen.append(text)

    head = "gunicorn-web stdout | 2026-11-26 00:03:32,856 [32136] [DEBUG] [ldap] binding"
    trace = "gunicorn-web stdout |   *** <ldap.ldapobject.SimpleLDAPObject object at 0x7f> ldap://x - SimpleLDAPObject.simple_bind"
    data = ("\n".join([head, trace] + [head] * 300) + "\n").encode()
    for engine in ("reference", "auto"):
        seen.clear()
        monkeypatch.setenv(matchers.ENGINE_ENV, engine)
        sc = LogScanner([])
        src = TextSource.from_bytes("q.log", data)
        sc.feed("quay_log", "q.log", learn_from_records(quay_log.iter_records(src), Spy()))  # type: ignore[arg-type]
        assert len(seen) == 1 and "simple_bind" in seen[0], engine


# --- the pieces -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a", b"b", b"\n", b"\r", b"\r\n", b"xyz" * 7]), max_size=300).map(b"".join),
    cap=st.sampled_from([1, 3, 8, 50, 1000]),
    chunk=st.sampled_from([4, 7, 64, 1 << 20]),
)
def test_blocks_are_raw_lines(data: bytes, cap: int, chunk: int) -> None:
    old = base.CHUNK, blocks_mod.CHUNK
    base.CHUNK = blocks_mod.CHUNK = chunk
    try:
        ref_src = TextSource.from_bytes("x", data, max_line_bytes=cap)
        ref = list(ref_src.raw_lines())
        src = TextSource.from_bytes("x", data, max_line_bytes=cap)
        got: list[tuple[int, bytes]] = []
        for block in blocks(src):
            parts = block.buf.split(b"\n")[:-1]
            assert len(parts) == block.count
            got.extend((block.first + i, line) for i, line in enumerate(parts))
    finally:
        base.CHUNK, blocks_mod.CHUNK = old
    assert got == ref
    assert [(n.message, n.line) for n in src.notes] == [(n.message, n.line) for n in ref_src.notes]


def _classified(lines: list[str]) -> tuple[Classifier, Any, bytes]:
    c = Classifier()
    for prefix in ("gunicorn-web stdout | ", "gunicorn-registry stdout | ", "gcworker stdout | ", "nginx stdout | "):
        program, stream = prefix.split()[:2]
        c.learn(prefix.encode(), program, stream)
    buf = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
    clean = buf.isascii() and b"\x00" not in buf and b"\r" not in buf
    return c, c.classify(buf + b"\0" * PAD, clean), buf


def _check_classes(lines: list[str]) -> None:
    c, out, _buf = _classified(lines)
    for i, text in enumerate(lines):
        info = quay_log.read_line(i + 2, text)  # not line 1: no byte-order mark handling
        if out.cls[i] == EASY:
            assert info.started is not None, text
            rec = info.started[0]
            assert rec.level == LEVEL_NAMES[out.level[i]], text
            assert rec.time is not None
            assert int(rec.time.timestamp() * 1000) == out.ms[i], text
            assert info.key == c.key_tuples[out.key[i]], text
            assert rec.fields is not None and rec.fields.get("format") in ("python", "gunicorn_access")
        elif out.cls[i] == CONT:
            assert info.started is None and info.key == c.key_tuples[out.key[i]], text


def test_classifier_on_real_lines() -> None:
    _check_classes(real_lines())


_ALPHABET = "0123456789-: ,[]/abcDEBUGINFOWARNERRCRITL|.\t"


@settings(max_examples=400, deadline=None)
@given(
    base_line=st.sampled_from(
        [
            "gunicorn-web stdout | 2026-11-26 00:10:18,452 [15254] [DEBUG] [sentry_sdk.errors] x",
            "gcworker stdout | 2026-02-29 23:59:59,999 [1] [CRITICAL] [a] y",
            "nginx stdout | 2024-02-29 00:00:00,000 [1234567] [WARNING] [n.x] [z]",
            "gunicorn-registry stdout |   File \"x\", line 1",
        ]
    ),
    edits=st.lists(st.tuples(st.integers(0, 120), st.sampled_from(_ALPHABET), st.booleans()), max_size=4),
)
def test_classifier_never_claims_a_line_quay_log_reads_otherwise(base_line: str, edits: list[tuple[int, str, bool]]) -> None:
    line = base_line
    for pos, ch, insert in edits:
        pos = min(pos, len(line))
        line = line[:pos] + ch + line[pos + (0 if insert else 1) :]
    _check_classes([line, line.replace("2026", "1999")])


def test_engines_agree_on_matches() -> None:
    lits = [matchers.Literal(b"Traceback"), matchers.Literal(b"connection REFUSED", True), matchers.Literal(b"|")]
    data = b"".join((real_line + "\n").encode() for real_line in real_lines()[:3000])
    import numpy as np

    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)

    def norm(hits: list[tuple[int, int]]) -> set[tuple[int, int]]:
        return set(hits)

    expected = set()
    for li, line in enumerate(data.split(b"\n")[:-1]):
        for i, lit in enumerate(lits):
            hay = line.lower() if lit.caseless else line
            if (lit.text.lower() if lit.caseless else lit.text) in hay:
                expected.add((i, li))
    import importlib.util

    modules = {"hyperscan": "hyperscan", "re2": "re2", "re": "re"}
    for engine in ENGINES:
        if importlib.util.find_spec(modules[engine]) is None:
            continue  # that engine's package is installed only on the platforms that use it
        assert norm(matchers.make_matcher(lits, engine).hits(data, ends)) == expected, engine


def test_scan_engine_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(matchers.ENGINE_ENV, "reference")
    assert LogScanner([]).engine.startswith("reference")
    monkeypatch.setenv(matchers.ENGINE_ENV, "auto")
    assert not LogScanner([]).engine.startswith("reference")


def test_match_everything_detection() -> None:
    from analyzer.engine.literals import matches_everything

    for pattern in ("^", "", ".*", "(?:x)?", "a*|b"):
        assert matches_everything(pattern), pattern
        assert re.search(pattern, "anything").start() == 0  # type: ignore[union-attr]
    for pattern in (r"\S", ".", "$", r"\b", "(?=a)", "x"):
        assert not matches_everything(pattern), pattern


# --- cases added with the second round of speed work --------------------------------------


def test_long_python_line_is_searched_like_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_blocks: None
) -> None:
    """A logging line whose message is longer than MAX_CHARS gets a cut note in its text."""
    lines = corpus(1, 3000, 0.02).split(b"\n")
    long = b"gunicorn-web stdout | 2026-11-26 00:10:18,452 [15254] [DEBUG] [data.model] "
    long += b"x" * (quay_log.MAX_CHARS + 10)
    data = b"\n".join(lines[:1500] + [long] + lines[1500:])
    rule_list = rules(tmp_path)
    ref, _, _ = scan("reference", data, rule_list, monkeypatch)
    got, _, _ = scan("auto", data, rule_list, monkeypatch)
    assert got == ref
    assert ref["results"][("TST009", 0)]  # the note is what TST009 finds


def test_one_line_records_with_a_piece_of_a_literal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_blocks: None
) -> None:
    """Lines that hold the line-sized piece of a literal spanning lines are not searched in
    bulk; lines that hold a whole literal in their logging header still are."""
    head = "gunicorn-web stdout | 2026-11-26 00:10:18,452 [15254] [DEBUG] [app] "
    body = [
        head + "Ending request: (/health/instance) {'endpoint': 'web.instance_health'}",
        head.replace("[app]", "[Skopeo [STDERR]:]") + "no literal in the message",
        head + "Traceback (most recent call last):",
        head.replace("[DEBUG]", "[ERROR]") + "Security scanner endpoint responded with 404",
    ]
    data = ("\n".join(body * 400) + "\n").encode()
    rule_list = rules(tmp_path)  # the built-in rules and the test rules
    ref, _, _ = scan("reference", data, rule_list, monkeypatch)
    got, _, _ = scan("auto", data, rule_list, monkeypatch)
    assert got == ref


_OLD_QUOTED = r'"((?:[^"\\]|\\.)*)"'


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='ab "\\\n', max_size=30))
def test_quoted_fields_read_as_before(text: str) -> None:
    """quay_log's quoted-field pattern (a run between escapes) takes what the branch form took."""
    for tail in ("", ' 200 5 "-" "x"'):
        s = '"' + text + tail
        old = re.match(_OLD_QUOTED + " ?", s)
        new = re.match(quay_log._QUOTED + " ?", s)
        assert (old and old.groups()) == (new and new.groups())
        assert (old and old.end()) == (new and new.end())


def _read_members(path: Path, threaded_min: int, limits: Any = None) -> Any:
    """What the reader gives for a bundle: members' bytes, cuts, issues."""
    from analyzer.bundle import Bundle, Limits
    from analyzer.bundle import reader as reader_mod

    old = reader_mod.THREADED_MIN
    reader_mod.THREADED_MIN = threaded_min
    try:
        with Bundle(path, limits or Limits()) as b:
            got = []
            for m in b.members():
                data = m.open().read() if m.skipped is None else None
                got.append((m.path, m.skipped_code, data, m.cut, m.cut_code))
            return got, [(i.code, i.path, i.message) for i in b.issues], b.budget.input_read
    finally:
        reader_mod.THREADED_MIN = old


def _tgz(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.skipif(not __import__("analyzer.bundle.reader", fromlist=["x"])._can_fork(), reason="no fork")
@pytest.mark.parametrize(
    "case",
    ["intact", "truncated", "flipped", "bomb", "total-limit", "gz-file", "xz", "garbage-after"],
)
def test_forked_decompression_reads_what_reading_in_place_reads(case: str, tmp_path: Path) -> None:
    """The child process that decompresses big inputs changes no byte, cut, count or issue."""
    from analyzer.bundle import Limits

    rnd = random.Random(8)
    log = corpus(2, 4000, 0.6)
    noise = bytes(rnd.getrandbits(8) for _ in range(300_000))
    limits = None
    if case == "intact":
        data = _tgz({"quay/logs/current.log": log, "noise.bin": noise})
    elif case == "truncated":
        full = _tgz({"a.log": log, "noise.bin": noise})
        data = full[: len(full) * 2 // 3]
    elif case == "flipped":
        full = bytearray(_tgz({"a.log": log * 3, "noise.bin": noise}))
        for k in range(200, 260):
            full[len(full) // 3 + k] ^= 0x5A
        data = bytes(full)
    elif case == "bomb":
        data = _tgz({"zeros.log": b"\0" * (24 << 20), "after.log": log})
        limits = Limits(max_ratio=50, ratio_floor=1 << 20)
    elif case == "total-limit":
        data = _tgz({"a.log": log, "b.log": log, "c.log": log})
        limits = Limits(max_total_bytes=len(log) * 2 - 12345)
    elif case == "gz-file":
        import gzip

        data = gzip.compress(log)
    elif case == "xz":
        data = _tgz({"a.log": log, "noise.bin": noise}, "w:xz")
    else:
        data = _tgz({"a.log": log}) + b"\0" * 1000 + b"not gzip at all"
    name = "bundle.gz" if case == "gz-file" else "bundle.tgz"
    path = tmp_path / name
    path.write_bytes(data)
    in_place = _read_members(path, 1 << 62, limits)
    forked = _read_members(path, 0, limits)
    assert forked == in_place


@settings(max_examples=200, deadline=None)
@given(
    seconds=st.lists(st.tuples(st.integers(-50, 400), st.integers(1, 3)), max_size=200),
    within=st.sampled_from([0.5, 1.0, 7.0, 60.0, 600.0]),
)
def test_packed_seconds_give_the_same_windows(seconds: list[tuple[int, int]], within: float) -> None:
    """Seconds packed into arrays (a condition matching in very many seconds) count the same."""
    plain, packed = scanner_mod.Accumulator(), scanner_mod.Accumulator()
    old = scanner_mod.SECONDS_DICT_MAX
    for sec, n in seconds:
        plain.count_second(sec, n)
    scanner_mod.SECONDS_DICT_MAX = 4
    try:
        for sec, n in seconds:
            packed.count_second(sec, n)
        assert packed.seconds == plain.seconds
        assert packed.window_max(within) == plain.window_max(within)
    finally:
        scanner_mod.SECONDS_DICT_MAX = old


def test_light_records_are_quay_log_records() -> None:
    """The records the bulk reader builds itself for easy lines equal quay_log's, field for field."""
    lines = real_lines()
    lines += [
        "gcworker stdout | 2024-02-29 23:59:59,999 [7] [CRITICAL] [] no logger, no space",
        "gcworker stdout | 2024-02-29 23:59:59,999 [7] [WARNING] [a.b]",
        "gcworker stdout | 2024-02-29 23:59:59,999 [7] [ERROR] [a.b]  two spaces",
    ]
    c, out, buf = _classified(lines)
    checked = 0
    for i, text in enumerate(lines):
        if out.cls[i] != EASY:
            continue
        s, e = int(out.starts[i]), int(out.ends[i])
        light = quayfast.QuayBulk._light_of(out, i)
        if light is None:
            continue
        entry = quayfast.Entry(i + 2, c.key_tuples[out.key[i]], raw=buf[s:e], light=light)
        got = quayfast.QuayBulk._light_record(entry)
        if got is None:
            continue  # gunicorn.access: left to quay_log
        want, _ = quay_log.new_record(quay_log.read_line(i + 2, text), i + 2)
        assert got == want, text
        checked += 1
    assert checked > 500
