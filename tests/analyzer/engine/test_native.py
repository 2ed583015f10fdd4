"""The compiled classifier (quayscan.c) gives exactly what the array version and quay_log give.

Every test here compares the compiled code with the Python it replaces: the array classifier
(quaylines.Classifier.classify_arrays), quay_log's nginx access-line regex and
logtime.parse_clf. The library is the one built with the package; in a checkout without it,
it is compiled for the tests when a C compiler is present (CI installs one).
"""

from __future__ import annotations

import importlib.util
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_exactness import corpus, real_lines, rules, scan
from test_exactness import small_blocks as small_blocks  # a fixture used below

from analyzer.artifacts import quay_log
from analyzer.artifacts.logtime import parse_clf
from analyzer.engine import native
from analyzer.engine.quayfast import QuayBulk
from analyzer.engine.quaylines import OTHER, PAD, Classifier, Lines

ROOT = Path(__file__).resolve().parents[3]
PREFIXES = ("gunicorn-web stdout | ", "gunicorn-registry stdout | ", "gcworker stdout | ", "nginx stdout | ")


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The compiled library: the installed one, else one built here from the source."""
    native.reset()
    found = native.library()
    if found is not None:
        yield found
        return
    if not (shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")):
        pytest.skip(f"no C compiler and no built library ({native.status()})")
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    target = tmp_path_factory.mktemp("native") / native.LIBRARY.name
    built, why = hook.build_library(ROOT, target)
    assert built is not None, why
    mp = pytest.MonkeyPatch()
    mp.setenv("ANALYZER_NATIVE_LIB", str(built))
    native.reset()
    assert native.library() is not None, native.status()
    yield native.library()
    mp.undo()
    native.reset()


def classifier() -> Classifier:
    c = Classifier()
    for prefix in PREFIXES:
        program, stream = prefix.split()[:2]
        c.learn(prefix.encode(), program, stream)
    return c


def padded_of(lines: list[bytes]) -> tuple[bytes, bool]:
    buf = b"".join(line + b"\n" for line in lines)
    clean = buf.isascii() and b"\0" not in buf and b"\r" not in buf
    return buf + b"\0" * PAD, clean


def assert_same(a: Lines, b: Lines) -> None:
    for field in ("starts", "ends", "cls", "key", "level", "ms", "body"):
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype, field
        assert np.array_equal(x, y), (field, np.flatnonzero(x != y)[:5])
    none = np.zeros(len(a.cls), bool)
    xa = a.access if a.access is not None else none
    ya = b.access if b.access is not None else none
    assert np.array_equal(xa, ya), "access"


def both(lines: list[bytes], c: Classifier | None = None) -> tuple[Lines, Lines]:
    c = c or classifier()
    padded, clean = padded_of(lines)
    compiled = c.classify(padded, clean)
    arrays = c.classify_arrays(padded, clean)
    return compiled, arrays


def test_classify_real_logs(lib: object) -> None:
    lines = [line.encode("utf-8", "surrogateescape") for line in real_lines()]
    compiled, arrays = both(lines)
    assert_same(compiled, arrays)
    assert (compiled.cls == 0).sum() > 500  # the real logs hold many easy lines


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_classify_generated_corpus(lib: object, seed: int) -> None:
    data = corpus(seed, 4000, 0.3)
    lines = data.split(b"\n")[:-1]
    assert_same(*both(lines))
    # dirty blocks (a non-ASCII byte, a NUL, a CR somewhere) take the per-line checks
    dirty = list(lines)
    dirty[5] = dirty[5] + "é".encode()
    dirty[9] = b"gcworker stdout | 2026-11-26 00:10:18,452 [1] [INFO] [a] x\0"
    dirty[11] = b"gcworker stdout | 2026-11-26 00:10:18,452 [1] [INFO] [a] x\r"
    assert_same(*both(dirty))


def test_no_known_prefix_and_empty_block(lib: object) -> None:
    c = Classifier()
    padded, clean = padded_of([b"gcworker stdout | 2026-11-26 00:10:18,452 [1] [INFO] [a] x"])
    assert_same(c.classify(padded, clean), c.classify_arrays(padded, clean))
    assert_same(*both([]))


_BASES = [
    "gunicorn-web stdout | 2026-11-26 00:10:18,452 [15254] [DEBUG] [sentry_sdk.errors] x",
    "gcworker stdout | 2026-02-28 23:59:59,999 [1] [CRITICAL] [a] y",
    "nginx stdout | 2024-02-29 00:00:00,000 [123456] [WARNING] [n.x] [z]",
    "gunicorn-registry stdout | 2026-11-26 00:10:18,452 [7] [ERROR] [" + "l" * 70 + "] m",
    "gunicorn-registry stdout |   File \"x\", line 1",
    "gunicorn-web stdout | 2026-11-26 00:10:18,452 [15254] [INFO] [gunicorn.access] 10.0.0.1 - - x",
]
_CHARS = "0123456789-: ,[]/abcDEBUGINFOWARNERRCRITL|.\t\x1cé\0\r"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    picks=st.lists(st.sampled_from(_BASES), min_size=1, max_size=6),
    edits=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 130), st.sampled_from(_CHARS), st.integers(0, 2)),
        max_size=8,
    ),
)
def test_classify_edited_lines(lib: object, picks: list[str], edits: list[tuple[int, int, str, int]]) -> None:
    lines = list(picks)
    for which, pos, ch, how in edits:
        k = which % len(lines)
        line = lines[k]
        pos = min(pos, len(line))
        if how == 0:
            line = line[:pos] + ch + line[pos:]
        elif how == 1:
            line = line[:pos] + ch + line[pos + 1 :]
        else:
            line = line[:pos]  # cut
        lines[k] = line
    assert_same(*both([line.encode("utf-8") for line in lines]))


# -- nginx access lines ---------------------------------------------------------------------

_ACCESS = [
    '127.0.0.1 (-) - - [26/Nov/2026:00:08:36 +0000] "GET /v2/ HTTP/1.1" 502 446 "-" "curl/7.88.1" (0.000 81 0.000)',
    '10.88.0.1 (10.0.0.7) - - [5/Feb/2024:23:59:59 -0530] "PUT /v2/a/b/blobs/uploads/x?digest=sha256%3A1 HTTP/1.1" 201 0 "-" "containers/5.29.1 (github.com/containers/image)" (0.120 1024 0.118)',
    '127.0.0.1 (-) - - [26/Nov/2026:00:08:36 +0000] "GET /health/instance HTTP/1.1" 200 - "-" "kube-probe/1.27"',
    '1.2.3.4 (-) - user [26/nov/2026:00:08:36] "GET /\\"q\\" HTTP/1.1" 404 12 "ref" "ua" (- - -)  ',
]


def _nginx_lines(bodies: list[str]) -> list[bytes]:
    return [("nginx stdout | " + body).encode("utf-8") for body in bodies]


def nginx_both(lines: list[bytes], monkeypatch: pytest.MonkeyPatch) -> tuple[Lines, Lines]:
    """The block's lines after QuayBulk._nginx with the compiled matcher and without it."""
    c = classifier()
    padded, clean = padded_of(lines)
    results = []
    for setting in ("on", "off"):
        monkeypatch.setenv("ANALYZER_NATIVE", setting)
        native.reset()
        bulk = QuayBulk.__new__(QuayBulk)
        bulk._clf_times = {}
        out = c.classify_arrays(padded, clean)
        bulk._nginx_read(padded, out, bulk._nginx_candidates(padded, out))
        results.append(out)
    monkeypatch.delenv("ANALYZER_NATIVE")
    native.reset()
    return results[0], results[1]


def test_nginx_real_access_lines(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [line.encode("utf-8", "surrogateescape") for line in real_lines()]
    compiled, reference = nginx_both(lines, monkeypatch)
    assert_same(compiled, reference)
    assert compiled.access is not None and compiled.access.sum() > 50


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    base=st.sampled_from(_ACCESS),
    edits=st.lists(
        st.tuples(st.integers(0, 200), st.sampled_from('0123456789 ()[]"\\-/:+.aZ\t\x1c\x1f\x0b'), st.booleans()),
        max_size=4,
    ),
)
def test_nginx_edited_lines(
    lib: object, monkeypatch: pytest.MonkeyPatch, base: str, edits: list[tuple[int, str, bool]]
) -> None:
    line = base
    for pos, ch, insert in edits:
        pos = min(pos, len(line))
        line = line[:pos] + ch + line[pos + (0 if insert else 1) :]
    expected = quay_log._NGINX_ACCESS.match(line) is not None
    compiled, reference = nginx_both(_nginx_lines([line, base]), monkeypatch)
    assert_same(compiled, reference)
    if expected and line[:1].isdigit() and parse_clf(quay_log._NGINX_ACCESS.match(line).group(4)):
        assert compiled.access is not None and compiled.access[0]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.integers(0, 35),
    month=st.sampled_from(["Jan", "feb", "MAR", "Xyz", "Dec", "Fe"]),
    year=st.integers(0, 9999),
    hms=st.tuples(st.integers(0, 61), st.integers(0, 61), st.integers(0, 61)),
    zone=st.sampled_from(["", " +0000", " -0530", " +2400", " +0061", " +12", "Z", " -2359"]),
)
def test_access_stamps_read_like_parse_clf(
    lib: object, monkeypatch: pytest.MonkeyPatch, day: int, month: str, year: int, hms: tuple[int, int, int], zone: str
) -> None:
    stamp = f"{day}/{month}/{year:04d}:{hms[0]:02d}:{hms[1]:02d}:{hms[2]:02d}{zone}"
    body = f'127.0.0.1 (-) - - [{stamp}] "GET / HTTP/1.1" 200 1 "-" "x"'
    compiled, reference = nginx_both(_nginx_lines([body]), monkeypatch)
    assert_same(compiled, reference)
    t = parse_clf(stamp)
    assert bool(compiled.access is not None and compiled.access[0]) == (t is not None)
    if t is not None:
        assert compiled.ms[0] == (t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    else:
        assert compiled.cls[0] == OTHER


@pytest.mark.parametrize("setting", ["on", "off"])
def test_bulk_scan_equals_reference_with_and_without_the_library(
    lib: object, setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_blocks: None  # noqa: F811
) -> None:
    data = corpus(4, 5000, 0.3)
    rule_list = rules(tmp_path)
    ref, _, _ = scan("reference", data, rule_list, monkeypatch)
    monkeypatch.setenv("ANALYZER_NATIVE", setting)
    native.reset()
    try:
        got, sc, _ = scan("hyperscan" if importlib.util.find_spec("hyperscan") else "re", data, rule_list, monkeypatch)
    finally:
        monkeypatch.delenv("ANALYZER_NATIVE")
        native.reset()
    assert "bulk" in sc.engine
    assert got == ref


# -- loading ----------------------------------------------------------------------------------


def test_turned_off_and_stale(lib: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANALYZER_NATIVE", "off")
    native.reset()
    assert native.library() is None and "turned off" in native.status()
    monkeypatch.delenv("ANALYZER_NATIVE")
    # a library built from another text of quayscan.c is not used
    monkeypatch.setattr(native, "source_hash", lambda: "0" * 64)
    native.reset()
    assert native.library() is None and "another version" in native.status()
    monkeypatch.undo()
    monkeypatch.setenv("ANALYZER_NATIVE_LIB", str(tmp_path / "missing.so"))
    native.reset()
    assert native.library() is None and "not built" in native.status()
    monkeypatch.undo()
    native.reset()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=80), pad=st.sampled_from([b"", b"A" * 7, b"\x7f" * 9]))
def test_clean_is_the_python_test(lib: object, data: bytes, pad: bytes) -> None:
    """qs_clean: no byte >= 0x80, no NUL, no CR (what quayfast tests with bytes methods)."""
    text = pad + data + pad
    expected = text.isascii() and b"\0" not in text and b"\r" not in text
    assert bool(lib.qs_clean(text, len(text))) == expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.sampled_from([b"a", b"\n", b"\r", b"\r\n", b"x" * 15, b"\n" * 17, b"\0"]), max_size=60))
def test_newlines_and_cr_in_one_pass(lib: object, data: list[bytes]) -> None:
    text = b"".join(data)
    found = native.newlines_cr(text + b"\0" * PAD, len(text))
    assert found is not None
    ends, has_cr = found
    assert ends.tolist() == [i for i, c in enumerate(text) if c == 10]
    assert has_cr == (b"\r" in text)
    assert native.newlines(text + b"\0" * PAD, len(text)).tolist() == ends.tolist()
    assert native.count_cr(text + b"\0" * PAD, len(text)) == (len(ends), has_cr)
