"""Which lines of a block of raw log bytes hold one of a set of literals: the bulk prefilter.

One compiled database per log kind holds every literal the scan looks for (the required
literals of the log conditions, plus probes for version lines and for records the redactor
must see). A block of about a MiB is scanned once, and the answer is, per literal id, the
lines that hold it. The engine is the fastest available:

* hyperscan (x86-64 wheels): all literals in one multi-literal automaton;
* google-re2 (most platforms): one alternation, the literal found told by its group;
* the standard library, last: the literals one after the other with `bytes.find`.

Each gives the same answer for the lines (a line is reported for a literal when the literal
occurs in it), so which one ran never changes a result; only the speed differs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

ENGINE_ENV = "ANALYZER_SCAN_ENGINE"  # auto (default) | hyperscan | re2 | re | reference


@dataclass(frozen=True, slots=True)
class Literal:
    """One string to find in raw lines; `caseless` folds ASCII letters."""

    text: bytes
    caseless: bool = False


def _hyperscan() -> object | None:
    try:
        import hyperscan
    except ImportError:
        return None
    return hyperscan


def _re2() -> object | None:
    try:
        import re2
    except ImportError:
        return None
    return re2


def wanted() -> str:
    """The engine asked for in the environment (auto when unset or unknown)."""
    value = os.environ.get(ENGINE_ENV, "auto").strip().lower()
    return value if value in ("auto", "hyperscan", "re2", "re", "reference") else "auto"


def available() -> str:
    """The bulk engine this run uses: hyperscan, re2 or re."""
    want = wanted()
    if want in ("hyperscan", "auto") and _hyperscan() is not None:
        return "hyperscan"
    if want in ("re2", "auto", "hyperscan") and _re2() is not None:
        return "re2"
    return "re"


class Matcher:
    """Finds, in a block of whole lines, which lines hold which literals."""

    name = "re"

    def __init__(self, literals: Sequence[Literal]) -> None:
        self.literals = list(literals)

    def hits(self, buf: bytes, ends: np.ndarray) -> list[tuple[int, int]]:
        """(literal id, line index) pairs, each at least once per line holding the literal."""
        offsets: list[tuple[int, int]] = []
        for i, lit in enumerate(self.literals):
            if lit.caseless:
                hay = buf.lower()
                needle = lit.text.lower()
            else:
                hay, needle = buf, lit.text
            pos = hay.find(needle)
            while pos >= 0:
                offsets.append((i, pos))
                line_end = buf.find(b"\n", pos)
                pos = hay.find(needle, line_end + 1) if line_end >= 0 else -1
        return to_lines(offsets, ends)


def to_lines(offsets: list[tuple[int, int]], ends: np.ndarray) -> list[tuple[int, int]]:
    """Byte offsets (of any byte of a match) as line indices."""
    if not offsets:
        return []
    import numpy as np

    ids = np.fromiter((o[0] for o in offsets), np.int64, len(offsets))
    pos = np.fromiter((o[1] for o in offsets), np.int64, len(offsets))
    lines = np.searchsorted(ends, pos)
    return list(zip(ids.tolist(), lines.tolist(), strict=True))


class HyperscanMatcher(Matcher):
    """All literals in one hyperscan database (pure-literal mode)."""

    name = "hyperscan"

    def __init__(self, literals: Sequence[Literal]) -> None:
        super().__init__(literals)
        import hyperscan

        self.hs = hyperscan
        self.db = None
        if literals:
            db = hyperscan.Database()
            db.compile(
                expressions=[lit.text for lit in literals],
                ids=list(range(len(literals))),
                elements=len(literals),
                flags=[hyperscan.HS_FLAG_CASELESS if lit.caseless else 0 for lit in literals],
                literal=True,
            )
            self.db = db
            self.scratch = hyperscan.Scratch(db)

    def hits(self, buf: bytes, ends: np.ndarray) -> list[tuple[int, int]]:
        return to_lines(self.positions(buf), ends)

    def positions(self, buf: bytes | memoryview) -> list[tuple[int, int]]:
        """(literal, offset of the match's last byte) of every match in buf."""
        if self.db is None:
            return []
        found: list[tuple[int, int]] = []
        add = found.append

        def on_match(ident: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            add((ident, to - 1))  # the last byte of the match: on the line that holds it

        self.db.scan(buf, match_event_handler=on_match, scratch=self.scratch)
        return found


class Re2Matcher(Matcher):
    """One RE2 alternation of the literals; a line it hits is then asked for all of them at once."""

    name = "re2"

    def __init__(self, literals: Sequence[Literal]) -> None:
        super().__init__(literals)
        import re2

        self.re2 = re2
        parts = []
        for lit in literals:
            escaped = re2.escape(lit.text)
            parts.append(b"(?i:" + escaped + b")" if lit.caseless else escaped)
        options = re2.Options()
        options.encoding = re2.Options.Encoding.LATIN1
        options.max_mem = 64 << 20
        self.any = re2.compile(b"|".join(parts), options) if parts else None
        # every literal a line holds in one call (the alternation reports one literal where
        # several overlap); Latin-1 case folding of ASCII literals is ASCII folding
        self.set = None
        if parts and getattr(re2, "Set", None) is not None:
            found = re2.Set.SearchSet(options)
            for part in parts:
                found.Add(part)
            found.Compile()
            self.set = found

    def hits(self, buf: bytes, ends: np.ndarray) -> list[tuple[int, int]]:
        if self.any is None:
            return []
        import numpy as np

        # candidate lines first (one pass), then the literals of each of those lines
        starts = [m.start() for m in self.any.finditer(buf)]
        if not starts:
            return []
        lines = np.unique(np.searchsorted(ends, starts)).tolist()
        out: list[tuple[int, int]] = []
        for li in lines:
            start = int(ends[li - 1]) + 1 if li else 0
            line = buf[start : int(ends[li]) + 1]  # with its newline: a literal may end there
            if self.set is not None:
                out.extend((i, li) for i in self.set.Match(line) or ())
                continue
            low = None
            for i, lit in enumerate(self.literals):
                if lit.caseless:
                    if low is None:
                        low = line.lower()
                    if lit.text.lower() in low:
                        out.append((i, li))
                elif lit.text in line:
                    out.append((i, li))
        return out


def make_matcher(literals: Sequence[Literal], engine: str) -> Matcher:
    """A matcher of the named engine."""
    if engine == "hyperscan":
        return HyperscanMatcher(literals)
    if engine == "re2":
        return Re2Matcher(literals)
    return Matcher(literals)
