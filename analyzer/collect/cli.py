"""`analyze collect`: reserved; collection is not available in this version yet."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    sys.stderr.write(
        "analyze: error: 'analyze collect' is not available in this version yet; collect the artifacts "
        "with the commands that 'analyze BUNDLE' lists as missing\n"
    )
    return 2
