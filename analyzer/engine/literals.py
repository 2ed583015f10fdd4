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


def _seq(items: Any) -> frozenset[str] | None:
    """Best required-literal set of a sequence of parsed items."""
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(cand: frozenset[str] | None) -> None:
        nonlocal best
        if cand is None or not cand:
            return
        if best is None or min(map(len, cand)) > min(map(len, best)):
            best = cand

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        if run:
            consider(frozenset({"".join(run)}))
            run = []
        if op is C.SUBPATTERN:
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
    """Strings of which every match contains at least one, or None when unknown."""
    flags = re.IGNORECASE if ignore_case else 0
    try:
        parsed = P.parse(pattern, flags)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        ignore_case = True
    found = _seq(list(parsed))
    if not found or min(map(len, found)) < MIN_USEFUL:
        return None
    if ignore_case:
        return frozenset(s.lower() for s in found)
    return found


def implied(user: list[str], derived: frozenset[str] | None, ignore_case: bool) -> bool:
    """True when a rule's own `literal` list is implied by its pattern (safe as a prefilter)."""
    if derived is None:
        return False
    probe = [u.lower() for u in user] if ignore_case else user
    return all(any(u in d for u in probe) for d in derived)
