"""Bundle intake: open any supported bundle safely and stream its members."""

from analyzer.bundle.limits import Limits, parse_size, structure_problem
from analyzer.bundle.reader import (
    ARCHIVE_SEP,
    Bundle,
    BundleError,
    Issue,
    Member,
    gzip_engine,
    open_bundle,
)

__all__ = [
    "ARCHIVE_SEP",
    "Bundle",
    "BundleError",
    "Issue",
    "Limits",
    "Member",
    "gzip_engine",
    "open_bundle",
    "parse_size",
    "structure_problem",
]
