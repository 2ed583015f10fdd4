"""Inputs for the report tests: a Result written out by hand (stable, for the golden files)
and one produced by a real run of the pipeline over a bundle built from tests/data.

The hand-written Result quotes real text only: log lines from tests/data (Quay 3.11-era
container log, PostgreSQL 15 server log), the config.yaml kept there (with its password as
the redactor writes it), the collect commands of rules/_artifacts.yaml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from analyzer.model import (
    ArtifactEntry,
    CheckResult,
    Environment,
    Evidence,
    Finding,
    Problem,
    Reference,
    Result,
    Severity,
)

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"
RULES = Path(__file__).resolve().parent / "rules"
GOLDEN = ROOT / "tests" / "golden"
ARTIFACTS_DIR = ROOT / "test-artifacts"

DB_ISSUES = Reference(
    "Troubleshooting Red Hat Quay 3.11, 6.1: Database issues",
    "https://docs.redhat.com/en/documentation/red_hat_quay/3.11/html/troubleshooting_red_hat_quay/troubleshooting-components#database-troubleshooting-issues",
)
PG_CONN = Reference(
    "PostgreSQL: max_connections",
    "https://www.postgresql.org/docs/current/runtime-config-connection.html",
)
HEALTH = Reference(
    "Troubleshooting Red Hat Quay 3.11, 5.2: Navigating to the health check endpoints",
    "https://docs.redhat.com/en/documentation/red_hat_quay/3.11/html/troubleshooting_red_hat_quay/health-check-quay#instance-endpoint-quay",
)
CONFIG = Reference(
    "Troubleshooting Red Hat Quay 3.11, ch. 4: Obtaining configuration information",
    "https://docs.redhat.com/en/documentation/red_hat_quay/3.11/html/troubleshooting_red_hat_quay/obtaining-quay-config-information#obtaining-configuration-information-quay",
)
CONFIG_DB = Reference(
    "Troubleshooting Red Hat Quay 3.11, 4.1: Obtaining database configuration information",
    "https://docs.redhat.com/en/documentation/red_hat_quay/3.11/html/troubleshooting_red_hat_quay/obtaining-quay-config-information#obtaining-db-config-info",
)
LOGS = Reference(
    "Troubleshooting Red Hat Quay 3.11, ch. 3: Obtaining log information",
    "https://docs.redhat.com/en/documentation/red_hat_quay/3.11/html/troubleshooting_red_hat_quay/obtaining-quay-logs#obtaining-log-information-quay",
)

PG_LOG = "postgres/postgres-quay/logs/postgresql-Thu.log"
QUAY_LOG = "quay/quay-app/logs/current.log"
QUAY_CONFIG = "quay/quay-app/config.yaml"


def make_result() -> Result:
    """A Result with every shape a report must handle, built by hand so goldens stay put."""
    findings = [
        Finding(
            rule_id="TST001",
            title="PostgreSQL refused connections because all slots were in use",
            severity=Severity.CRITICAL,
            category="database",
            message="PostgreSQL refused 2 connection(s) for lack of free slots between "
            "2026-11-26T00:04:45.911Z and 2026-11-26T00:04:46.903Z.",
            evidence=[
                Evidence(
                    PG_LOG,
                    38,
                    None,
                    "2026-11-26 00:04:45.911 UTC [6846] FATAL:  remaining connection slots are reserved for non-replication superuser connections",
                ),
                Evidence(
                    PG_LOG,
                    39,
                    None,
                    "2026-11-26 00:04:46.903 UTC [6895] FATAL:  sorry, too many clients already",
                ),
            ],
            remediation=[
                "Count the connections Quay opens (workers × replicas) against `max_connections`.",
                "Raise `max_connections` in postgresql.conf, or set POSTGRESQL_MAX_CONNECTIONS on the database container.",
                "Restart the database, e.g. `podman restart postgresql-quay` or `oc rollout restart deployment/<registry>-quay-database`.",
                "Collect a new bundle and run the analyzer again; this finding should be gone.",
            ],
            references=[DB_ISSUES, PG_CONN],
            explains=["TST002"],
            why="Quay processes that cannot get a connection fail requests and health checks.",
        ),
        Finding(
            rule_id="TST002",
            title="Quay could not reach its own workers' health endpoints",
            severity=Severity.ERROR,
            category="health",
            message="gunicorn-web failed 6 worker health check(s), first for http://localhost:8080/v1/_internal_ping.",
            evidence=[
                Evidence(
                    QUAY_LOG,
                    33,
                    None,
                    "gunicorn-web stdout | 2026-11-26 00:03:32,856 [32136] [ERROR] [health.services] Exception when checking worker health: http://localhost:8080/v1/_internal_ping",
                ),
                Evidence(
                    QUAY_LOG,
                    97,
                    None,
                    "gunicorn-web stdout | 2026-11-26 00:03:32,865 [32136] [ERROR] [health.services] Exception when checking worker health: http://localhost:8080/_internal_ping",
                ),
            ],
            remediation=[
                "Look at the traceback under the first error to see why the worker did not answer.",
                "Restart the Quay container, e.g. `podman restart quay` or `oc delete pod <quay_pod>`.",
            ],
            references=[HEALTH],
            explained_by="TST001",
            evidence_total=6,
        ),
        Finding(
            rule_id="TST004",
            title="Security scanning is turned off",
            severity=Severity.WARNING,
            category="config",
            message="FEATURE_SECURITY_SCANNER is False: images pushed to this registry are not scanned.",
            evidence=[
                Evidence(
                    QUAY_CONFIG, 20, "FEATURE_SECURITY_SCANNER", "FEATURE_SECURITY_SCANNER: false"
                )
            ],
            remediation=[
                "Set `FEATURE_SECURITY_SCANNER: true` in config.yaml and configure Clair."
            ],
            references=[CONFIG],
        ),
        Finding(
            rule_id="TST006",
            title="Quay reaches PostgreSQL on the loopback address",
            severity=Severity.WARNING,
            category="config",
            message="DB_URI points at 127.0.0.1: the database must run in the same network namespace as Quay.",
            evidence=[
                Evidence(
                    QUAY_CONFIG,
                    7,
                    "DB_URI",
                    "DB_URI: postgresql://quay:<secret:db-password:1>@127.0.0.1:5432/quay",
                )
            ],
            remediation=[
                "Point DB_URI at the database's service name or address, e.g. `postgresql://quay:<password>@postgresql-quay:5432/quay`."
            ],
            references=[CONFIG_DB],
        ),
        Finding(
            rule_id="TST003",
            title="Quay logs model in use",
            severity=Severity.INFO,
            category="logs",
            message="gunicorn-registry uses the logs model <data.logs_model.table_logs_model.TableLogsModel object at 0x7f48a4db43e0>.",
            evidence=[
                Evidence(
                    QUAY_LOG,
                    31,
                    None,
                    "gunicorn-registry stdout | 2026-11-26 00:03:10,526 [32026] [INFO] [data.logs_model] Using logs model `<data.logs_model.table_logs_model.TableLogsModel object at 0x7f48a4db43e0>`",
                ),
            ],
            remediation=["Nothing to do; this is informational."],
            references=[LOGS],
        ),
        Finding(
            rule_id="BND007",
            title="PostgreSQL postgresql.conf missing from the bundle",
            severity=Severity.INFO,
            category="bundle",
            message="The bundle has no PostgreSQL postgresql.conf.",
            remediation=[
                "On a standalone (podman) host, collect it with: podman exec -it <database_container> cat /var/lib/pgsql/data/userdata/postgresql.conf > postgresql.conf",
                "On OpenShift (Operator), collect it with: oc exec -it <database_pod> -- cat /var/lib/pgsql/data/userdata/postgresql.conf > postgresql.conf",
                "Add the file to the bundle and run the analyzer again; the checks that need it will then run.",
            ],
            references=[CONFIG_DB],
            why="The server's settings (max_connections, memory) explain many database failures.",
        ),
    ]
    findings.sort(key=lambda f: (-f.severity, f.rule_id))
    base = {"severity": "", "category": ""}
    checks = [
        CheckResult(
            "BND001",
            "passed",
            "checked 1 quay_config",
            "Quay config.yaml missing from the bundle",
            "warning",
            "bundle",
        ),
        CheckResult(
            "BND007",
            "fired",
            "1 finding",
            "PostgreSQL postgresql.conf missing from the bundle",
            "info",
            "bundle",
        ),
        CheckResult(
            "BND008",
            "passed",
            "checked 1 pg_log",
            "PostgreSQL server logs missing from the bundle",
            "info",
            "bundle",
        ),
        CheckResult("TST001", "fired", "1 finding", findings[0].title, "critical", "database"),
        CheckResult(
            "TST002",
            "fired",
            "1 finding",
            "Quay could not reach its own workers' health endpoints",
            "error",
            "health",
        ),
        CheckResult("TST003", "fired", "1 finding", "Quay logs model in use", "info", "logs"),
        CheckResult(
            "TST004", "fired", "1 finding", "Security scanning is turned off", "warning", "config"
        ),
        CheckResult(
            "TST005",
            "not_evaluable",
            "no clair_config in the bundle",
            "Clair indexer connection string missing",
            "error",
            "clair",
            collect=[
                "Clair config.yaml (podman): podman exec -it <clair_container> cat /clair/config.yaml > clair-config.yaml",
                "Clair config.yaml (oc): oc exec -it <clair_pod> -- cat /clair/config.yaml > clair-config.yaml",
            ],
        ),
        CheckResult(
            "TST006",
            "fired",
            "1 finding",
            "Quay reaches PostgreSQL on the loopback address",
            "warning",
            "config",
        ),
        CheckResult(
            "TST007",
            "not_applicable",
            "applies to operator deployments; this one is standalone",
            "Operator-managed database is not ready",
            "error",
            "database",
        ),
        CheckResult(
            "TST008",
            "error",
            "message template: 'port' is undefined",
            "PostgreSQL listens on an unexpected port",
            **base,
        ),
    ]
    artifacts = [
        ArtifactEntry(
            PG_LOG,
            "pg_log",
            "parsed",
            "layout",
            "collection layout: postgres container postgres-quay log",
            10469,
        ),
        ArtifactEntry(
            QUAY_CONFIG,
            "quay_config",
            "parsed",
            "layout",
            "collection layout: Quay container quay-app config.yaml",
            1049,
        ),
        ArtifactEntry(
            QUAY_LOG,
            "quay_log",
            "parsed",
            "layout",
            "collection layout: quay container quay-app log",
            85911,
            [Problem("line longer than 1048576 bytes was cut", line=412)],
        ),
        ArtifactEntry(
            "quay/health/instance.json",
            "health_instance",
            "parsed",
            "layout",
            "collection layout: /health/instance response",
            152,
        ),
        ArtifactEntry(
            "notes/push-client.txt",
            "unrecognized",
            "unrecognized",
            "none",
            "no path hint and no known content",
            762,
        ),
    ]
    return Result(
        bundle_path="bundle.tgz",
        analyzer_version="0.1.0",
        rules_version="11 rules, 0123456789ab",
        scan_engine="python-re; gzip: zlib",
        environment=Environment(
            deployment="standalone",
            quay_version=None,
            postgres_version="15.20",
            clair_version=None,
            log_span_start="2026-11-26T00:03:05.790Z",
            log_span_end="2026-11-26T00:07:06.370Z",
            timezone_assumption="UTC (Quay log times carry no zone and are read as UTC)",
        ),
        artifacts=artifacts,
        findings=findings,
        checks=checks,
        window={"since": None, "until": None},
        stats={"members": len(artifacts), "log_records": 812},
        timeline=[
            {"minute": "2026-11-26T00:03:00.000Z", "component": "gunicorn-web", "errors": 15},
            {"minute": "2026-11-26T00:03:00.000Z", "component": "supervisord", "errors": 2},
            {"minute": "2026-11-26T00:04:00.000Z", "component": "postgresql", "errors": 11},
            {"minute": "2026-11-26T00:05:00.000Z", "component": "postgresql", "errors": 15},
        ],
    )


def build_bundle(dest: Path) -> Path:
    """A small bundle in our collection layout from the real files in tests/data."""
    quay = dest / "quay" / "quay-app"
    (quay / "logs").mkdir(parents=True)
    shutil.copy(
        DATA / "quay/startup-without-service-key/quay-container.log", quay / "logs/current.log"
    )
    shutil.copy(DATA / "quay/bad-manifest-push/config.yaml", quay / "config.yaml")
    health = dest / "quay" / "health"
    health.mkdir(parents=True)
    for name in ("instance", "endtoend", "warning"):
        shutil.copy(DATA / f"quay/bad-manifest-push/health-{name}.json", health / f"{name}.json")
    pg = dest / "postgres" / "postgres-quay" / "logs"
    pg.mkdir(parents=True)
    shutil.copy(DATA / "postgres/log-samples/postgresql-Thu.log", pg / "postgresql-Thu.log")
    return dest
