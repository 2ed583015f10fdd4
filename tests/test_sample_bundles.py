"""The sample bundles under sample_bundles/, analyzed as a user runs them.

Each sample is analyzed as a folder and packed as .tgz, .zip and .tar.xz; every packing must
give the same member kinds and the same findings. Every member's kind is pinned here, so a
classifier change that moves one shows up by name. Which rules must fire is listed per
sample in EXPECTED_RULES: add a rule id there when a catalogue rule is written for what a
sample shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES, pack

HEALTHY = "standalone-healthy"
OUTAGE = "standalone-db-outage"
MUST_GATHER = "openshift-must-gather"

_MG = (
    "must-gather.local.5012893147461034556/"
    "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-"
    "5014ef5ed72014e90b82285ea7888b4a091409ecfcd6a6536fc62d5dcf3e1fd3/namespaces/quay-enterprise"
)
_APP = f"{_MG}/pods/registry-quay-app-6d8f7b9c5d-4xkqp"
_DB = f"{_MG}/pods/registry-quay-database-5b7c9d4f8-q2lzx"

# Every member of every sample and the kind it must be given (paths as in the folder report).
MEMBERS: dict[str, dict[str, str]] = {
    HEALTHY: {
        "manifest.json": "manifest",
        "quay/quay/config.yaml": "quay_config",
        "quay/quay/inspect.json": "container_inspect",
        "quay/quay/logs/current.log": "quay_log",
        "quay/health/instance.json": "health_instance",
        "quay/health/endtoend.json": "health_endtoend",
        "quay/health/warning.json": "health_warning",
        "postgres/postgresql-quay/postgresql.conf": "pg_conf",
        "postgres/postgresql-quay/logs/postgresql-Thu.log": "pg_log",
        "postgres/postgresql-quay/df.txt": "df",
        "postgres/postgresql-quay/inspect.json": "container_inspect",
        "redis/redis/inspect.json": "container_inspect",
        "redis/redis/logs/current.log": "redis_log",
        "runtime/ps.json": "container_list",
        "runtime/stats.json": "podman_stats",
    },
    OUTAGE: {
        "config.yaml": "quay_config",
        "quay-logs.txt": "quay_log",
        "instance.json": "health_instance",
        "e2e.out": "health_endtoend",
        "attach/pg/postgresql-Wed.log": "pg_log",
        "postgresql.conf": "pg_conf",
        "podman-stats.txt": "podman_stats",
        "podman-ps-a.txt": "container_list",
        "df-ah.txt": "df",
    },
    MUST_GATHER: {
        # the start/end times oc adm must-gather writes: not an artifact (see sample_bundles/README.md)
        "must-gather.local.5012893147461034556/timestamp": "unrecognized",
        f"{_MG}/core/pods.yaml": "k8s_resource",
        f"{_MG}/core/events.yaml": "k8s_resource",
        f"{_MG}/quay.redhat.com/quayregistries/registry.yaml": "quayregistry_cr",
        f"{_APP}/registry-quay-app-6d8f7b9c5d-4xkqp.yaml": "k8s_resource",
        f"{_APP}/quay-app/quay-app/logs/current.log": "quay_log",
        f"{_APP}/quay-app/quay-app/logs/previous.log": "quay_log",
        f"{_DB}/registry-quay-database-5b7c9d4f8-q2lzx.yaml": "k8s_resource",
        f"{_DB}/postgres/postgres/logs/current.log": "pg_log",
        f"{_DB}/postgres/postgres/logs/previous.log": "pg_log",
    },
}

# Rules that must fire on each sample (checked when the rule is in the catalogue). As the
# catalogue grows (issue 5), add the ids that diagnose what each sample holds: for the outage,
# connection slots exhausted and the data volume full in pg_log, the df filesystem at 100 %,
# max_connections against Quay's demand, the database near its memory limit; for the
# must-gather, OOMKilled / CrashLoopBackOff in the pod status and the restarts.
EXPECTED_RULES: dict[str, set[str]] = {
    HEALTHY: set(),
    OUTAGE: {"DB001", "DB017", "DB020", "DB021", "HLT001", "HLT008", "HLT013", "LOG001", "LOG010", "RES001"},
    MUST_GATHER: {"BND001", "LOG001", "LOG008", "RES003", "RES005", "RES006", "RES009"},
}

# Samples whose story is a failure: the report must hold an error or critical finding.
FAILING = {OUTAGE, MUST_GATHER}

FORMATS = ["folder", "tgz", "zip", "tar.xz"]


@cache
def _report(sample: str, fmt: str, workdir: str) -> tuple[int, dict[str, Any]]:
    """Exit code and JSON report of `analyze` on one sample in one packing."""
    src = SAMPLES / sample
    target = src if fmt == "folder" else pack(src, Path(workdir) / f"{sample}.{fmt}")
    r = subprocess.run(
        [sys.executable, "-m", "analyzer", str(target), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    return r.returncode, json.loads(r.stdout)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("packed"))


def _strip(sample: str, text: str | None) -> str | None:
    """A path or message as in the folder report: archives add the sample's folder name."""
    return None if text is None else text.replace(f"{sample}/", "")


def _kinds(sample: str, report: dict[str, Any]) -> dict[str, str]:
    return {_strip(sample, a["path"]): a["kind"] for a in report["bundle"]["artifacts"]}


def _findings(sample: str, report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            f["rule_id"],
            f["severity"],
            _strip(sample, f["message"]),
            tuple((_strip(sample, e["path"]), e["line"], e["key"]) for e in f["evidence"]),
        )
        for f in report["findings"]
    ]


@pytest.mark.parametrize("sample", sorted(MEMBERS))
def test_every_member_is_classified_as_intended(sample: str, workdir: str) -> None:
    _, report = _report(sample, "folder", workdir)
    assert _kinds(sample, report) == MEMBERS[sample]
    for a in report["bundle"]["artifacts"]:
        want = "unrecognized" if a["kind"] == "unrecognized" else "parsed"
        assert a["status"] == want, (a["path"], a["status"], a["problems"])


@pytest.mark.parametrize("fmt", FORMATS[1:])
@pytest.mark.parametrize("sample", sorted(MEMBERS))
def test_archives_give_what_the_folder_gives(sample: str, fmt: str, workdir: str) -> None:
    code, folder = _report(sample, "folder", workdir)
    packed_code, packed = _report(sample, fmt, workdir)
    assert _kinds(sample, packed) == _kinds(sample, folder)
    assert _findings(sample, packed) == _findings(sample, folder)
    assert packed_code == code


def test_healthy_sample_is_quiet(workdir: str) -> None:
    code, report = _report(HEALTHY, "folder", workdir)
    loud = [f for f in report["findings"] if f["severity"] in ("error", "critical")]
    assert loud == []
    assert code == 0
    env = report["environment"]
    assert env["deployment"] == "standalone"
    assert env["collected_at"] == "2026-11-26T00:10:29Z"


@pytest.mark.parametrize("sample", sorted(FAILING))
def test_failing_samples_exit_1(sample: str, workdir: str) -> None:
    code, report = _report(sample, "folder", workdir)
    if sample == MUST_GATHER and not any(
        f["severity"] in ("error", "critical") for f in report["findings"]
    ):
        pytest.xfail("no catalogue rule reports OOMKilled / CrashLoopBackOff yet (issue 5)")
    assert code == 1


@pytest.mark.parametrize("sample", sorted(EXPECTED_RULES))
def test_expected_rules_fire(sample: str, workdir: str) -> None:
    _, report = _report(sample, "folder", workdir)
    status = {c["rule_id"]: c["status"] for c in report["checks"]}
    missed = {r: status[r] for r in EXPECTED_RULES[sample] if r in status and status[r] != "fired"}
    assert missed == {}


# The diagnosis a senior engineer would give: the causes the report leads with.
ROOT_CAUSES: dict[str, set[str]] = {
    OUTAGE: {"DB020", "DB021"},
    MUST_GATHER: {"RES009"},
}


@pytest.mark.parametrize("sample", sorted(ROOT_CAUSES))
def test_root_causes_lead_the_report(sample: str, workdir: str) -> None:
    _, report = _report(sample, "folder", workdir)
    roots = {f["rule_id"] for f in report["findings"] if f["explains"] and f["explained_by"] is None}
    assert roots == ROOT_CAUSES[sample]
    explained = [f for f in report["findings"] if f["explained_by"]]
    assert explained and all(f["explained_by"] in {x["rule_id"] for x in report["findings"]} for f in explained)
    text = subprocess.run(
        [sys.executable, "-m", "analyzer", str(SAMPLES / sample)], capture_output=True, text=True, timeout=300
    ).stdout
    after = text[text.index("ROOT CAUSES") :].splitlines()
    first = next(line for line in after if line.startswith("["))
    assert any(rid in first for rid in ROOT_CAUSES[sample])


@pytest.mark.parametrize("sample", sorted(MEMBERS))
def test_no_rule_fails_on_the_samples(sample: str, workdir: str) -> None:
    _, report = _report(sample, "folder", workdir)
    broken = {c["rule_id"]: c["reason"] for c in report["checks"] if c["status"] == "error"}
    assert broken == {}


def test_deployment_type_is_recognized(workdir: str) -> None:
    assert _report(OUTAGE, "folder", workdir)[1]["environment"]["deployment"] == "standalone"
    assert _report(MUST_GATHER, "folder", workdir)[1]["environment"]["deployment"] == "operator"


@pytest.mark.parametrize("sample", sorted(MEMBERS))
def test_reports_follow_the_contract(sample: str, workdir: str) -> None:
    from jsonschema import Draft202012Validator

    from analyzer.resources import load_schema

    _, report = _report(sample, "folder", workdir)
    Draft202012Validator(load_schema("report.schema.json")).validate(report)


def test_readme_describes_every_sample() -> None:
    readme = (SAMPLES / "README.md").read_text()
    folders = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir())
    assert folders == sorted(MEMBERS)
    for name in folders:
        assert f"`{name}/`" in readme, name
    # the project README's first command analyzes the outage sample and promises exit 1
    assert "exits 1" in readme
