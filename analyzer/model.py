"""The shared vocabulary: severities, categories, artifact kinds, findings and the result.

Everything here is plain data. The report contract (schemas/report.schema.json) is the
JSON form of `Result`; field names here are the contract's names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any


def iso_utc(t: datetime | None) -> str | None:
    """A UTC time as ISO 8601 with milliseconds and a Z, as the report writes times."""
    if t is None:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(UTC)
    return t.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


class Severity(IntEnum):
    """Finding severity, ordered so that `max()` gives the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, name: str) -> Severity:
        try:
            return cls[name.upper()]
        except KeyError:
            allowed = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {name!r}; allowed: {allowed}") from None

    @property
    def label(self) -> str:
        return self.name.lower()


CATEGORIES: tuple[str, ...] = (
    "bundle",
    "config",
    "database",
    "storage",
    "redis",
    "auth",
    "tls",
    "health",
    "resources",
    "clair",
    "mirroring",
    "georeplication",
    "network",
    "version",
    "logs",
)

# Contract kinds first; kinds added later are appended, never renamed.
ARTIFACT_KINDS: tuple[str, ...] = (
    "quay_config",
    "quay_log",
    "health_instance",
    "health_endtoend",
    "health_warning",
    "podman_stats",
    "pod_stats",
    "top_pods",
    "df",
    "container_list",
    "container_inspect",
    "pg_conf",
    "pg_settings",
    "pg_log",
    "redis_log",
    "clair_config",
    "clair_log",
    "quayregistry_cr",
    "k8s_resource",
    "tls_cert",
    "storage_listing",
    "connectivity",
    "manifest",
    "unrecognized",
    # additions
    "tls_key",
    "archive",
)

LOG_KINDS: frozenset[str] = frozenset({"quay_log", "pg_log", "clair_log", "redis_log"})

ARTIFACT_STATUSES: tuple[str, ...] = ("parsed", "invalid", "unrecognized", "truncated", "skipped")
CLASSIFIED_BY: tuple[str, ...] = ("path", "content", "layout", "none")
CHECK_STATUSES: tuple[str, ...] = ("fired", "passed", "not_evaluable", "not_applicable", "error")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one artifact: where (line or key) and what."""

    message: str
    line: int | None = None
    key: str | None = None
    path: str | None = None  # set when the problem is in another file (an include)
    code: str | None = None  # machine-readable class: required, type, enum, unknown-key...

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "line": self.line, "key": self.key}
        if self.path is not None:
            out["path"] = self.path
        if self.code is not None:
            out["code"] = self.code
        return out


@dataclass(slots=True)
class ArtifactEntry:
    """One member of the bundle as the inventory sees it."""

    path: str
    kind: str
    status: str
    classified_by: str
    reason: str
    size: int | None = None
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "status": self.status,
            "classified_by": self.classified_by,
            "reason": self.reason,
            "size": self.size,
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    path: str
    line: int | None = None
    key: str | None = None
    excerpt: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "key": self.key, "excerpt": self.excerpt}


@dataclass(frozen=True, slots=True)
class Reference:
    title: str
    url: str

    def to_json(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url}


@dataclass(slots=True)
class Finding:
    rule_id: str
    title: str
    severity: Severity
    category: str
    message: str
    evidence: list[Evidence] = field(default_factory=list)
    remediation: list[str] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    explains: list[str] = field(default_factory=list)
    explained_by: str | None = None
    why: str | None = None
    evidence_total: int | None = None  # matches found, when more than the evidence shown

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity.label,
            "category": self.category,
            "message": self.message,
            "evidence": [e.to_json() for e in self.evidence],
            "remediation": list(self.remediation),
            "references": [r.to_json() for r in self.references],
            "explains": list(self.explains),
            "explained_by": self.explained_by,
        }
        if self.why:
            out["why"] = self.why
        if self.evidence_total is not None:
            out["evidence_total"] = self.evidence_total
        return out


@dataclass(slots=True)
class CheckResult:
    rule_id: str
    status: str
    reason: str = ""
    title: str = ""
    severity: str = ""
    category: str = ""
    collect: list[str] = field(default_factory=list)  # commands that would make it evaluable

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "status": self.status,
            "reason": self.reason,
        }
        if self.title:
            out["title"] = self.title
        if self.severity:
            out["severity"] = self.severity
        if self.category:
            out["category"] = self.category
        if self.collect:
            out["collect"] = list(self.collect)
        return out


@dataclass(slots=True)
class Environment:
    deployment: str = "unknown"  # standalone | operator | unknown
    quay_version: str | None = None
    postgres_version: str | None = None
    clair_version: str | None = None
    log_span_start: str | None = None
    log_span_end: str | None = None
    timezone_assumption: str = "UTC"
    collected_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "quay_version": self.quay_version,
            "postgres_version": self.postgres_version,
            "clair_version": self.clair_version,
            "log_span": {"start": self.log_span_start, "end": self.log_span_end},
            "timezone_assumption": self.timezone_assumption,
            "collected_at": self.collected_at,
        }


@dataclass(slots=True)
class Result:
    """Everything one analysis produced; every renderer formats this and nothing else."""

    bundle_path: str
    analyzer_version: str
    rules_version: str
    scan_engine: str
    environment: Environment
    artifacts: list[ArtifactEntry]
    findings: list[Finding]
    checks: list[CheckResult]
    window: dict[str, str | None] = field(default_factory=dict)  # --since/--until as given
    stats: dict[str, Any] = field(default_factory=dict)
    # error records per minute and component from the log scan, for the HTML timeline:
    # [{minute: ISO 8601 UTC, component, errors}], oldest first (not in the JSON contract)
    timeline: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            counts[f.severity.label] += 1
        return counts

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)
