"""`analyze redact`: reserved; writing a redacted copy is not available in this version yet."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    sys.stderr.write("analyze: error: 'analyze redact' is not available in this version yet\n")
    return 2
