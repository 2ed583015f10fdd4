"""The compiled line classifier (quayscan.c), when the package was built with a C compiler.

The wheel build (hatch_build.py) compiles quayscan.c into a small shared library beside this
module; it has no Python headers and is loaded with ctypes, which releases the GIL during a
call. Everything it does has an array version in quaylines.py, which stays the reference and
the fallback: a library that is missing, cannot be loaded, was built for another version of
its source (its embedded SHA-256 differs from the source beside it) or is turned off with
ANALYZER_NATIVE=off is simply not used. `status()` says which and why, for --verbose and the
JSON report.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
from functools import cache
from pathlib import Path

import numpy as np

ABI = 1
SOURCE = Path(__file__).with_name("quayscan.c")
LIBRARY = Path(__file__).with_name("_quayscan.dll" if sys.platform == "win32" else "_quayscan.so")

_i64 = ctypes.c_int64
_ptr = ctypes.c_void_p


def source_hash() -> str | None:
    """SHA-256 of the C source beside this module (None when it is not shipped)."""
    try:
        return hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    except OSError:
        return None


@cache
def _load() -> tuple[ctypes.CDLL | None, str]:
    if os.environ.get("ANALYZER_NATIVE", "").strip().lower() in ("off", "0", "no", "false"):
        return None, "turned off (ANALYZER_NATIVE=off)"
    path = Path(os.environ.get("ANALYZER_NATIVE_LIB") or LIBRARY)
    if not path.is_file():
        return None, "not built (no C compiler, or ANALYZER_BUILD_NATIVE=0, when the package was installed)"
    try:
        lib = ctypes.CDLL(str(path))
        lib.qs_abi.restype = _i64
        lib.qs_source_hash.restype = ctypes.c_char_p
        abi = lib.qs_abi()
        built_from = (lib.qs_source_hash() or b"").decode("ascii", "replace")
    except (OSError, AttributeError) as exc:
        return None, f"cannot be loaded ({exc})"
    if abi != ABI:
        return None, f"built for another interface ({abi}, expected {ABI})"
    expected = source_hash()
    if expected is not None and built_from != expected:
        return None, "built from another version of quayscan.c; reinstall the package"
    lib.qs_classify.restype = None
    lib.qs_classify.argtypes = [_ptr, _ptr, _i64, ctypes.c_int32, _ptr, _ptr, _i64] + [_ptr] * 6
    lib.qs_newlines_cr.restype = _i64
    lib.qs_newlines_cr.argtypes = [_ptr, _i64, _ptr, _i64, ctypes.POINTER(ctypes.c_int32)]
    lib.qs_count_cr.restype = _i64
    lib.qs_count_cr.argtypes = [_ptr, _i64, ctypes.POINTER(ctypes.c_int32)]
    lib.qs_clean.restype = ctypes.c_int32
    lib.qs_clean.argtypes = [_ptr, _i64]
    lib.qs_nginx.restype = _i64
    lib.qs_nginx.argtypes = [_ptr] * 2 + [_i64] + [_ptr] * 7
    return lib, "compiled"


def library() -> ctypes.CDLL | None:
    """The loaded library, or None (see status())."""
    return _load()[0]


def newlines(buf: bytes, size: int) -> np.ndarray | None:
    """Offsets of the newlines in buf[:size] (None without the library)."""
    found = newlines_cr(buf, size)
    return None if found is None else found[0]


def newlines_cr(buf: bytes, size: int) -> tuple[np.ndarray, bool] | None:
    """Offsets of the newlines in buf[:size] and whether a CR occurs there (one pass), or
    None without the library."""
    lib = _load()[0]
    if lib is None:
        return None
    guess = size // 64 + 16
    ends = np.empty(guess, np.int64)
    cr = ctypes.c_int32(0)
    n = lib.qs_newlines_cr(buf, size, ends.ctypes.data, guess, ctypes.byref(cr))
    if n > guess:
        ends = np.empty(n, np.int64)
        lib.qs_newlines_cr(buf, size, ends.ctypes.data, n, ctypes.byref(cr))
        return ends, bool(cr.value)
    return ends[:n], bool(cr.value)


def count_cr(buf: bytes, size: int) -> tuple[int, bool] | None:
    """How many newlines buf[:size] holds and whether a CR occurs there (one pass), or None
    without the library."""
    lib = _load()[0]
    if lib is None:
        return None
    cr = ctypes.c_int32(0)
    n = lib.qs_count_cr(buf, size, ctypes.byref(cr))
    return int(n), bool(cr.value)


def status() -> str:
    """`compiled`, or why the array version runs instead."""
    return _load()[1]


def reset() -> None:
    """Forget what was loaded (tests switch ANALYZER_NATIVE on and off)."""
    _load.cache_clear()
