"""`analyze collect --runtime podman` against stand-in podman and a loopback health server.

The standalone world is the database outage of sample_bundles/standalone-db-outage (see
worlds.py). The collected bundle must follow the collection layout, classify completely, hold no
planted secret, and give the same diagnosis as the bundle a person collects by hand with the
guide's commands from the same deployment.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import jsonschema
import pytest

from tests.collect.conftest import (
    OUTAGE_HEALTH,
    analyze,
    behave,
    calls,
    collect,
    health_server,
    members,
    missing_kinds,
    use_standins,
)
from tests.collect.worlds import ROOT, Secrets, podman_world

# Checks whose verdict needs a secret's value: on a redacted bundle they are not evaluable
# (architecture.md, Secrets), so they may differ from the hand-collected, unredacted bundle.
SECRET_VALUE_CHECKS = {"CLR004", "CFG025", "CFG036"}

EXPECTED_MEMBERS = {
    "manifest.json": "manifest",
    "runtime/ps.json": "container_list",
    "runtime/stats.json": "podman_stats",
    "quay/quay/inspect.json": "container_inspect",
    "quay/quay/logs/current.log": "quay_log",
    "quay/quay/config.yaml": "quay_config",
    "quay/quay/ssl.cert": "tls_cert",
    "quay/quay/extra_ca_certs/example-ca.crt": "tls_cert",
    "quay/quay/extra_ca_certs/combined.pem": "tls_cert",
    "quay/quay/db-connectivity.txt": "connectivity",
    "quay/health/instance.json": "health_instance",
    "quay/health/endtoend.json": "health_endtoend",
    "quay/health/warning.json": "health_warning",
    "postgres/postgresql-quay/inspect.json": "container_inspect",
    "postgres/postgresql-quay/logs/current.log": "pg_log",
    "postgres/postgresql-quay/logs/postgresql-Wed.log": "pg_log",
    "postgres/postgresql-quay/postgresql.conf": "pg_conf",
    "postgres/postgresql-quay/df.txt": "df",
    "redis/redis/inspect.json": "container_inspect",
    "redis/redis/logs/current.log": "redis_log",
    "clair/clairv4/inspect.json": "container_inspect",
    "clair/clairv4/logs/current.log": "clair_log",
    "clair/clairv4/config.yaml": "clair_config",
}


def _manifest(archive: Path) -> dict[str, Any]:
    return json.loads(members(archive)["manifest.json"])


def _fired(report: dict[str, Any]) -> dict[str, str]:
    return {f["rule_id"]: f["severity"] for f in report["findings"]}


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c["rule_id"]: c["status"] for c in report["checks"]}


def hand_collect(dest: Path, health_url: str) -> Path:
    """The bundle a person collects with the guide's commands (rules/_artifacts.yaml)."""
    dest.mkdir()
    steps: list[tuple[list[str], str, bool]] = [
        (["podman", "ps", "-a", "--format", "json"], "ps.json", False),
        (["podman", "stats", "--no-stream", "--format", "json"], "stats.json", False),
        (["podman", "inspect", "quay"], "quay-inspect.json", False),
        (["podman", "inspect", "postgresql-quay"], "postgresql-inspect.json", False),
        (["podman", "inspect", "redis"], "redis-inspect.json", False),
        (["podman", "inspect", "clairv4"], "clair-inspect.json", False),
        (["podman", "logs", "-t", "quay"], "quay.log", True),
        (["podman", "logs", "-t", "postgresql-quay"], "postgresql-container.log", True),
        (["podman", "logs", "-t", "redis"], "redis.log", True),
        (["podman", "logs", "-t", "clairv4"], "clair.log", True),
        (["podman", "exec", "quay", "cat", "/conf/stack/config.yaml"], "config.yaml", False),
        (["podman", "exec", "quay", "cat", "/conf/stack/ssl.cert"], "ssl.cert", False),
        (
            ["podman", "exec", "quay", "cat", "/conf/stack/extra_ca_certs/example-ca.crt"],
            "example-ca.crt",
            False,
        ),
        (
            ["podman", "exec", "quay", "curl", "-sv", "--max-time", "5", "telnet://127.0.0.1:5432"],
            "db-connectivity.txt",
            True,
        ),
        (
            [
                "podman",
                "exec",
                "postgresql-quay",
                "cat",
                "/var/lib/pgsql/data/userdata/postgresql.conf",
            ],
            "postgresql.conf",
            False,
        ),
        (
            [
                "podman",
                "exec",
                "postgresql-quay",
                "cat",
                "/var/lib/pgsql/data/userdata/log/postgresql-Wed.log",
            ],
            "postgres-logs/postgresql-Wed.log",
            False,
        ),
        (["podman", "exec", "postgresql-quay", "df", "-ah"], "df.txt", False),
        (["podman", "exec", "clairv4", "cat", "/clair/config.yaml"], "clair-config.yaml", False),
    ]
    for argv, name, merge in steps:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            subprocess.run(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT if merge else subprocess.DEVNULL,
                check=False,
                timeout=60,
            )
    for ep in ("instance", "endtoend", "warning"):
        try:
            with urllib.request.urlopen(f"{health_url}/health/{ep}", timeout=10) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
        (dest / f"health-{ep}.json").write_bytes(body)
    return dest


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The outage world collected by `analyze collect` and by hand, both analyzed."""
    tmp_path = tmp_path_factory.mktemp("outage")
    with pytest.MonkeyPatch.context() as mp:
        standins = use_standins(tmp_path, mp)
        secrets = podman_world(standins)
        out = tmp_path / "case.tgz"
        with health_server(OUTAGE_HEALTH) as url:
            rc, err = collect(
                ["--runtime", "podman", "--quay-url", url, "-o", str(out), "--timeout", "60"]
            )
            collector_calls = calls(standins)
            hand = hand_collect(tmp_path / "hand", url)
        assert rc == 0, err
        yield {
            "world": standins,
            "calls": collector_calls,
            "secrets": secrets,
            "archive": out,
            "stderr": err,
            "report": analyze(out, tmp_path / "collected.json"),
            "hand": analyze(hand, tmp_path / "hand.json"),
        }


def test_bundle_follows_the_collection_layout(outage: dict[str, Any]) -> None:
    names = set(members(outage["archive"]))
    assert names == set(EXPECTED_MEMBERS)


def test_every_member_is_classified_as_its_layout_says(outage: dict[str, Any]) -> None:
    kinds = {a["path"]: a["kind"] for a in outage["report"]["bundle"]["artifacts"]}
    assert kinds == EXPECTED_MEMBERS
    bad = [a for a in outage["report"]["bundle"]["artifacts"] if a["status"] != "parsed"]
    assert bad == []


def _psk_token_only(report: dict[str, Any]) -> bool:
    """True when CLR011 fired only because the redacted Clair PSK is a token, not base64."""
    found = [f for f in report["findings"] if f["rule_id"] == "CLR011"]
    return bool(found) and all("auth.psk.key is not valid base64" in f["message"] for f in found)


def test_same_diagnosis_as_the_hand_collected_bundle(outage: dict[str, Any]) -> None:
    collected, hand = _fired(outage["report"]), _fired(outage["hand"])
    for rule in SECRET_VALUE_CHECKS:
        collected.pop(rule, None)
        hand.pop(rule, None)
    if _psk_token_only(outage["report"]):
        # known analyzer bug, see test_a_redacted_clair_psk_is_not_a_config_error
        collected.pop("CLR011")
    assert collected == hand
    # the planted problems are reported, with evidence from what was collected
    cited = {e["path"] for f in outage["report"]["findings"] for e in f["evidence"]}
    assert {
        "quay/health/instance.json",  # database: false, 503
        "postgres/postgresql-quay/logs/postgresql-Wed.log",  # connection slots exhausted
        "postgres/postgresql-quay/df.txt",  # the data volume at 100 %
        "runtime/stats.json",  # the database near its memory limit
        "clair/clairv4/logs/current.log",  # Clair's fetch failures, an old Clair
    } <= cited
    assert {"database", "health", "resources", "clair"} <= {
        f["category"] for f in outage["report"]["findings"]
    }
    env_c, env_h = outage["report"]["environment"], outage["hand"]["environment"]
    for key in ("deployment", "quay_version", "postgres_version", "clair_version", "log_span"):
        assert env_c[key] == env_h[key], key
    assert env_c["collected_at"] == _manifest(outage["archive"])["time"]


def test_checks_that_need_a_secret_value_never_fire_on_the_tokens(outage: dict[str, Any]) -> None:
    # Quay's and Clair's PSK are both tokens now: no verdict on whether they match
    statuses = _statuses(outage["report"])
    assert statuses["CLR004"] in ("not_evaluable", "passed")


def test_a_redacted_clair_psk_is_not_a_config_error(outage: dict[str, Any]) -> None:
    assert not _psk_token_only(outage["report"])


def test_nothing_the_analyzer_needs_is_missing(outage: dict[str, Any]) -> None:
    fired = _fired(outage["report"])
    assert not [r for r in fired if r.startswith("BND")], fired
    # what stays absent: bucket listings (aws, outside the deployment), the TLS private key
    # (never collected) and SHOW ALL (psql refused: too many clients, as planted)
    assert missing_kinds(outage["report"]) <= {
        "storage_listing",
        "bucket listing",
        "tls_key",
        "pg_settings",
    }


def test_no_planted_secret_in_the_bundle(outage: dict[str, Any]) -> None:
    secrets: Secrets = outage["secrets"]
    blob = b"\n".join(members(outage["archive"]).values())
    for name, value in secrets.all().items():
        assert value.encode() not in blob, name
    assert b"PRIVATE KEY" not in blob
    for pem in secrets.key_pems:
        body = [ln for ln in pem.splitlines() if ln and not ln.startswith(b"-----")]
        assert all(ln not in blob for ln in body)


def test_private_keys_are_never_even_read(outage: dict[str, Any]) -> None:
    argvs = [" ".join(c) for c in outage["calls"]]
    assert not [a for a in argvs if "ssl.key" in a]
    withheld = {w["path"] for w in _manifest(outage["archive"])["withheld"]}
    assert withheld == {"quay/quay/ssl.key", "quay/quay/extra_ca_certs/combined.pem"}


def test_manifest_records_every_command(outage: dict[str, Any]) -> None:
    m = _manifest(outage["archive"])
    assert m["runtime"] == "podman" and m["redacted"] is True
    run = [" ".join(c) for c in outage["calls"]]
    recorded = [c["cmd"] for c in m["commands"] if not c["cmd"].startswith("GET ")]
    assert recorded == [shlex.join(c) for c in outage["calls"]] and len(run) == len(recorded)
    assert len(m["commands"]) == len(recorded) + 3  # the three health GETs
    by_output = {c["output"]: c for c in m["commands"] if c["output"]}
    assert by_output["quay/quay/logs/current.log"]["cmd"] == "podman logs -t quay"
    assert (
        by_output["quay/quay/config.yaml"]["cmd"] == "podman exec quay cat /conf/stack/config.yaml"
    )
    assert by_output["quay/quay/db-connectivity.txt"]["exit_code"] == 28
    # every kept output is in the bundle, every bundle file but the manifest has its command
    names = set(members(outage["archive"])) - {"manifest.json"}
    assert {o for o in by_output if not o.endswith("/")} == names
    assert [f["cmd"] for f in m["failures"]] == [
        "podman exec postgresql-quay psql -X -U postgres -c 'SHOW ALL'"
    ]
    assert "too many clients" in m["failures"][0]["message"]


def test_containers_outside_quay_are_left_alone(outage: dict[str, Any]) -> None:
    assert not [c for c in outage["calls"] if "grafana" in c]


def test_summary_on_stderr(outage: dict[str, Any]) -> None:
    err = outage["stderr"]
    assert "wrote" in err and "1 step failed" in err
    assert "analyze " in err  # the self-check it recommends


# -- steps that fail or hang ----------------------------------------------------------------------


def test_a_hanging_and_a_failing_step_are_recorded_and_the_rest_collected(
    standins: Path, tmp_path: Path
) -> None:
    podman_world(standins)
    behave(
        standins,
        {"tool": "podman", "match": r"^stats ", "sleep": 60},
        {
            "tool": "podman",
            "match": r"^logs -t redis$",
            "stderr": 'Error: no container with name or ID "redis" found: no such container',
            "exit": 125,
        },
    )
    out = tmp_path / "case.tgz"
    with health_server(OUTAGE_HEALTH) as url:
        rc, err = collect(
            ["--runtime", "podman", "--quay-url", url, "-o", str(out), "--timeout", "4"]
        )
    assert rc == 0, err
    m = _manifest(out)
    failures = {f["cmd"]: f["message"] for f in m["failures"]}
    assert failures["podman stats --no-stream --format json"].startswith("timed out after 4 s")
    assert "no such container" in failures["podman logs -t redis"]
    stats = next(c for c in m["commands"] if c["cmd"].startswith("podman stats"))
    assert stats["exit_code"] is None and stats["output"] is None and stats["seconds"] >= 4
    names = set(members(out))
    assert "runtime/stats.json" not in names and "redis/redis/logs/current.log" not in names
    assert {
        "quay/quay/logs/current.log",
        "quay/quay/config.yaml",
        "redis/redis/inspect.json",
    } <= names
    assert "postgres/postgresql-quay/logs/postgresql-Wed.log" in names


def test_a_log_cut_by_the_timeout_is_kept_and_marked_incomplete(
    standins: Path, tmp_path: Path
) -> None:
    podman_world(standins)
    behave(
        standins,
        {
            "tool": "podman",
            "match": r"^logs -t quay$",
            "stdout": "nginx stdout | partial line\n",
            "sleep": 60,
        },
    )
    out = tmp_path / "case.tgz"
    with health_server(OUTAGE_HEALTH) as url:
        rc, _ = collect(
            ["--runtime", "podman", "--quay-url", url, "-o", str(out), "--timeout", "4"]
        )
    assert rc == 0
    m = _manifest(out)
    msg = next(f["message"] for f in m["failures"] if f["cmd"] == "podman logs -t quay")
    assert "incomplete" in msg
    assert members(out)["quay/quay/logs/current.log"] == b"nginx stdout | partial line\n"


def test_a_stopped_database_is_read_with_podman_cp(standins: Path, tmp_path: Path) -> None:
    podman_world(standins, db_running=False)
    out = tmp_path / "case.tgz"
    with health_server(OUTAGE_HEALTH) as url:
        rc, err = collect(["--runtime", "podman", "--quay-url", url, "-o", str(out)])
    assert rc == 0, err
    got = members(out)
    assert "postgres/postgresql-quay/postgresql.conf" in got
    assert "postgres/postgresql-quay/logs/postgresql-Wed.log" in got
    assert "postgres/postgresql-quay/df.txt" not in got
    m = _manifest(out)
    assert any(
        c["cmd"] == "podman cp postgresql-quay:/var/lib/pgsql/data/userdata/log -"
        and c["output"] == "postgres/postgresql-quay/logs/"
        for c in m["commands"]
    )
    assert any("df -ah" in f["message"] and "not running" in f["message"] for f in m["failures"])
    assert not [c for c in calls(standins) if c[1:3] == ["exec", "postgresql-quay"]]


def test_since_is_passed_to_podman_logs(standins: Path, tmp_path: Path) -> None:
    podman_world(standins)
    out = tmp_path / "case.tgz"
    with health_server(OUTAGE_HEALTH) as url:
        rc, _ = collect(["--runtime", "podman", "--quay-url", url, "-o", str(out), "--since", "2d"])
    assert rc == 0
    logs = [c for c in calls(standins) if c[1] == "logs"]
    assert logs and all(c[2:5] == ["-t", "--since", "48h"] for c in logs)
    assert _manifest(out)["since"] == "48h"


def test_nothing_collected_exits_2_and_writes_nothing(standins: Path, tmp_path: Path) -> None:
    podman_world(standins)
    behave(
        standins,
        {
            "tool": "podman",
            "match": ".",
            "stderr": "Error: unable to connect to Podman socket: connection refused",
            "exit": 125,
        },
    )
    out = tmp_path / "case.tgz"
    rc, err = collect(["--runtime", "podman", "-o", str(out)])
    assert rc == 2
    assert "nothing could be collected" in err and "unable to connect to Podman" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".analyze-collect")] == []


def test_no_redact_warns_first_and_keeps_secrets(standins: Path, tmp_path: Path) -> None:
    secrets = podman_world(standins)
    out = tmp_path / "raw.tgz"
    with health_server(OUTAGE_HEALTH) as url:
        rc, err = collect(["--runtime", "podman", "--quay-url", url, "-o", str(out), "--no-redact"])
    assert rc == 0
    assert err.startswith("analyze collect: WARNING: --no-redact")
    got = members(out)
    assert secrets.values["db_password"].encode() in got["quay/quay/config.yaml"]
    assert _manifest(out)["redacted"] is False
    assert out.stat().st_mode & 0o077 == 0
    # even unredacted, private keys are never collected
    assert b"PRIVATE KEY" not in b"".join(got.values())


def test_manifest_reads_back_with_the_analyzer_parser_and_schema(outage: dict[str, Any]) -> None:
    from analyzer.artifacts import manifest
    from analyzer.artifacts.base import TextSource

    raw = members(outage["archive"])["manifest.json"]
    parsed = manifest.parse(TextSource.from_bytes("manifest.json", raw))
    assert parsed.status == "parsed" and parsed.problems == []
    schema = json.loads((ROOT / "schemas/artifacts/manifest.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(parsed.data)
    assert parsed.data["failures"] == [
        {"cmd": "podman exec postgresql-quay psql -X -U postgres -c 'SHOW ALL'", "message": ANY}
    ]
    assert parsed.meta["collected_at"] == _manifest(outage["archive"])["time"]


def test_the_private_working_directory_is_removed(outage: dict[str, Any]) -> None:
    left = [p.name for p in outage["archive"].parent.iterdir() if p.name.startswith(".")]
    assert left == []
