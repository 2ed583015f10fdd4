"""Literal text every match of a regex must contain: the cheap prefilter of the log scan.

From the parsed pattern we derive a set of strings such that any match contains at least
one of them (one per top-level alternative). A record that contains none of them cannot
match, so the scan skips the regex for it. When nothing can be derived the set is None and
every record is tried.
"""

from __future__ import annotations

import re
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

MIN_USEFUL = 3  # shorter literals filter too little to be worth it

# Characters outside ASCII that `re.IGNORECASE` takes for an ASCII letter (İ ı for i, ſ for s,
# the Kelvin sign for k): folded to that letter before a case-insensitive literal test.
_FOLDS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def fold(text: str) -> str:
    """Text as a case-insensitive literal test must see it (lower case, re's extra folds)."""
    return text.translate(_FOLDS).lower() if not text.isascii() else text.lower()


def _size(text: str) -> int:
    # UTF-8 length: a rarer, longer byte string filters raw bytes better
    return len(text.encode("utf-8", "surrogatepass"))


def _seq(items: Any) -> frozenset[str] | None:
    """Best required-literal set of a sequence of parsed items."""
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(cand: frozenset[str] | None) -> None:
        nonlocal best
        if cand is None or not cand:
            return
        if best is None or min(map(_size, cand)) > min(map(_size, best)):
            best = cand

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        if run:
            consider(frozenset({"".join(run)}))
            run = []
        if op is C.SUBPATTERN:
            # a group that turns on case folding of its own (`(?i:...)`) requires no exact text
            if not (av[1] & re.IGNORECASE):
                consider(_seq(av[-1]))
        elif op is C.BRANCH:
            alts = [_seq(branch) for branch in av[1]]
            if all(a is not None for a in alts):
                consider(frozenset().union(*alts))  # type: ignore[arg-type]
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            lo, _hi, sub = av
            if lo >= 1:
                consider(_seq(sub))
        elif op is getattr(C, "ATOMIC_GROUP", None):
            consider(_seq(av))
    if run:
        consider(frozenset({"".join(run)}))
    return best


def required_literals(pattern: str, ignore_case: bool = False) -> frozenset[str] | None:
    """Strings of which every match contains at least one, or None when unknown or too short
    to be worth testing (the record-by-record prefilter)."""
    found = raw_literals(pattern, ignore_case)
    if not found or min(map(len, found)) < MIN_USEFUL:
        return None
    return found


def raw_literals(pattern: str, ignore_case: bool = False) -> frozenset[str] | None:
    """Required literals of any length (the bulk scan's own prefilter), or None when unknown."""
    flags = re.IGNORECASE if ignore_case else 0
    try:
        parsed = P.parse(pattern, flags)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        ignore_case = True
    found = _seq(list(parsed))
    if not found or (ignore_case and not all(s.isascii() for s in found)):
        return None
    return frozenset(s.lower() for s in found) if ignore_case else found


def _nullable(items: Any) -> bool:
    """Whether a parsed sequence matches the empty string at the start of any text."""
    for op, av in items:
        if op is C.AT and av in (C.AT_BEGINNING, C.AT_BEGINNING_STRING):
            continue
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            if av[0] == 0:
                continue
            if _nullable(av[2]):
                continue
            return False
        if op is C.SUBPATTERN:
            if _nullable(av[-1]):
                continue
            return False
        if op is C.BRANCH:
            if any(_nullable(b) for b in av[1]):
                continue
            return False
        return False
    return True


def matches_everything(pattern: str, flags: int = 0) -> bool:
    """True when the pattern matches every text at its very start (`^`, `.*`, the empty pattern)."""
    try:
        return _nullable(list(P.parse(pattern, flags)))
    except re.error:
        return False


def implied(user: list[str], derived: frozenset[str] | None, ignore_case: bool) -> bool:
    """True when a rule's own `literal` list is implied by its pattern (safe as a prefilter)."""
    if derived is None:
        return False
    probe = [u.lower() for u in user] if ignore_case else user
    return all(any(u in d for u in probe) for d in derived)
