"""The rule engine: loading (and refusing) rules, every condition kind, every check status."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analyzer.engine import paths
from analyzer.engine.literals import implied, required_literals
from analyzer.engine.rules import RuleError, load_rules
from analyzer.engine.units import parse_bytes, parse_in_unit, parse_seconds
from analyzer.rulecases import run_case

PG_LOG = (
    "2026-11-26 00:04:45.911 UTC [6846] FATAL:  remaining connection slots are reserved for non-replication superuser connections\n"
    "2026-11-26 00:04:46.903 UTC [6895] FATAL:  sorry, too many clients already\n"
)
HEALTH_BAD = (
    '{"data":{"services":{"auth":true,"database":false,"disk_space":true,"registry_gunicorn":true,'
    '"service_key":true,"web_gunicorn":true}},"status_code":503}'
)
CONFIG = "SERVER_HOSTNAME: quay.example.com\nDISTRIBUTED_STORAGE_PREFERENCE: [default, missing]\nDISTRIBUTED_STORAGE_CONFIG:\n  default: [LocalStorage, {storage_path: /datastorage/registry}]\n"


def write_rule(d: Path, rid: str, body: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    f = d / f"{rid}-test.yaml"
    f.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return f


BASE = """
id: {rid}
title: A problem that a test rule looks for
severity: {sev}
category: database
{src}
condition:
{cond}
message: "{msg}"
remediation:
  - Fix it.
references: [db]
"""


def rule(d: Path, rid: str, cond: str, msg: str, src: str = "", sev: str = "error", extra: str = "") -> Path:
    text = BASE.format(rid=rid, sev=sev, src=src, cond=textwrap.indent(textwrap.dedent(cond).strip(), "  "), msg=msg)
    return write_rule(d, rid, text + extra)


def rs(d: Path):  # type: ignore[no-untyped-def]
    return load_rules([d])


def run(ruleset, rid: str, given: dict[str, str], expect, **kw):  # type: ignore[no-untyped-def]
    case = {"given": given, "expect": expect, **kw}
    return run_case(ruleset, rid, "t", case)


# -- loading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,fragment",
    [
        ("id: ZZ900\ntitle: A title long enough", "$: 'severity' is a required property"),
        (BASE.format(rid="ZZ900", sev="warn", src="artifact: pg_log", cond="  log: {pattern: x}", msg="m"), "'warn' is not allowed"),
        (BASE.format(rid="ZZ900", sev="error", src="artifact: pg_log", cond="  log: {pattern: x, min_cont: 2}", msg="m"), "min_cont"),
        (BASE.format(rid="ZZ900", sev="error", src="artifact: pg_lgo", cond="  log: {pattern: x}", msg="m"), "unknown artifact kind 'pg_lgo'"),
        (BASE.format(rid="ZZ900", sev="error", src="artifact: pg_log", cond="  log: {pattern: '(unclosed'}", msg="m"), "regex does not compile"),
        (BASE.format(rid="ZZ900", sev="error", src="artifact: pg_log", cond="  log: {pattern: x}", msg="{{ cnt }}"), "uses ['cnt']"),
        (BASE.format(rid="ZZ900", sev="error", src="artifact: pg_log", cond="  log: {pattern: x}\n  value: {path: a, op: exists}", msg="m"), "exactly one of"),
        (BASE.format(rid="ZZ900", sev="error", src="artifact: pg_log", cond="  log: {pattern: 'too many clients', literal: 'nope'}", msg="m"), "literals"),
        (BASE.format(rid="ZZ900", sev="error", src="fact: nosuch", cond="  value: {path: a, op: exists}", msg="m"), "unknown fact"),
        (BASE.format(rid="ZZ900", sev="error", src="artifact: pg_log", cond="  log: {pattern: x}", msg="m").replace("[db]", "[nolink]"), "unknown link key"),
    ],
    ids=["required", "enum", "extra-key", "artifact", "regex", "placeholder", "two-kinds", "literal", "fact", "link"],
)
def test_invalid_rules_are_refused_with_file_and_path(tmp_path: Path, body: str, fragment: str) -> None:
    f = write_rule(tmp_path, "ZZ900", body)
    with pytest.raises(RuleError) as exc:
        load_rules([tmp_path])
    assert str(f) in str(exc.value)
    assert fragment in str(exc.value)


def test_file_name_must_start_with_id(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ901", "log: {pattern: x}", "m", "artifact: pg_log")
    (tmp_path / "ZZ901-test.yaml").rename(tmp_path / "other-name.yaml")
    with pytest.raises(RuleError, match="file name must start with the rule id"):
        load_rules([tmp_path])


def test_user_rule_cannot_reuse_a_builtin_id(tmp_path: Path) -> None:
    rule(tmp_path, "BND001", "missing: {kinds: [quay_config]}", "m")
    with pytest.raises(RuleError, match="already used"):
        load_rules([tmp_path])


def test_root_cause_must_be_as_severe_as_what_it_explains(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ902", "missing: {kinds: [quay_config]}", "m", sev="warning", extra="explains: [BND003]\n")
    load_rules([tmp_path])  # BND003 is info: fine
    rule(tmp_path, "ZZ903", "missing: {kinds: [quay_config]}", "m", sev="info", extra="explains: [BND001]\n")
    with pytest.raises(RuleError, match="at least as severe"):
        load_rules([tmp_path])


def test_broken_rule_dir_stops_the_cli_with_exit_2(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ904", "log: {pattern: x, min_cont: 2}", "m", "artifact: pg_log")
    r = subprocess.run(
        [sys.executable, "-m", "analyzer", str(tmp_path), "--rules", str(tmp_path)], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert "ZZ904-test.yaml" in r.stderr and "$.condition.log" in r.stderr
    assert r.stderr.count("\n") == 1


# -- condition kinds -------------------------------------------------------------------------


def test_log_condition_counts_windows_and_named_groups(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ910", "log: {pattern: '(?P<what>sorry, too many clients already)', level: [FATAL], min_count: 1}",
         "{{ count }} x {{ what }} first {{ first_seen }}", "artifact: pg_log")
    r = run(rs(tmp_path), "ZZ910", {"pg_log": PG_LOG}, ["1 x sorry, too many clients already first 2026-11-26T00:04:46.903Z"],
            evidence=["postgres/postgresql/logs/postgresql-Thu.log:2"])
    assert r.ok, r.detail


def test_log_condition_sqlstate_filter_and_within(tmp_path: Path) -> None:
    csv = (
        '2026-11-26 00:04:45.911 UTC,"app","appdb",6846,"127.0.0.1:1",6b0,1,"startup",2026-11-26 00:04:45 UTC,,0,FATAL,53300,'
        '"remaining connection slots are reserved for non-replication superuser connections",,,,,,,,,"","client backend",,0\n'
        '2026-11-26 00:04:46.903 UTC,"app","appdb",6895,"127.0.0.1:1",6b1,1,"startup",2026-11-26 00:04:46 UTC,,0,FATAL,53300,'
        '"sorry, too many clients already",,,,,,,,,"","client backend",,0\n'
    )
    rule(tmp_path, "ZZ911", "log: {pattern: '.', sqlstate: ['53300'], min_count: 2, within: 5s}",
         "{{ window_count }} in {{ within }}", "artifact: pg_log")
    r = run(rs(tmp_path), "ZZ911", {"postgres/db/logs/postgresql-Thu.csv": csv}, ["2 in 5s"])
    assert r.ok, r.detail
    rule(tmp_path, "ZZ912", "log: {pattern: '.', sqlstate: ['53300'], min_count: 2, within: 500ms}", "m", "artifact: pg_log")
    r = run(rs(tmp_path), "ZZ912", {"postgres/db/logs/postgresql-Thu.csv": csv}, [])
    assert r.ok, r.detail


def test_log_condition_respects_since_until(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ913", "log: {pattern: 'too many clients'}", "{{ count }}", "artifact: pg_log")
    ruleset = rs(tmp_path)
    assert run(ruleset, "ZZ913", {"pg_log": PG_LOG}, ["1"], since="2026-11-26T00:04:46Z").ok
    assert run(ruleset, "ZZ913", {"pg_log": PG_LOG}, [], until="2026-11-26T00:04:46Z").ok


def test_value_condition_per_match_and_aggregate(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ920", "value: {path: services.*, op: '==', value: false}", "{{ key }} is down", "artifact: health_instance")
    assert run(rs(tmp_path), "ZZ920", {"health_instance": HEALTH_BAD}, ["services.database is down"]).ok
    rule(tmp_path, "ZZ921", "value: {path: services.*, op: '==', value: true, aggregate: true}", "{{ count }} up", "artifact: health_instance")
    assert run(rs(tmp_path), "ZZ921", {"health_instance": HEALTH_BAD}, ["5 up"]).ok


def test_value_condition_ref_and_length(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ922", "value: {path: DISTRIBUTED_STORAGE_PREFERENCE.*, op: 'not in', ref: DISTRIBUTED_STORAGE_CONFIG}",
         "{{ value }} is not configured", "artifact: quay_config")
    r = run(rs(tmp_path), "ZZ922", {"quay_config": CONFIG}, ["missing is not configured"],
            evidence=["quay/quay-app/config.yaml:2"])
    assert r.ok, r.detail
    rule(tmp_path, "ZZ923", "value: {path: DISTRIBUTED_STORAGE_CONFIG.#, op: '<', value: 2}", "{{ value }} location", "artifact: quay_config")
    assert run(rs(tmp_path), "ZZ923", {"quay_config": CONFIG}, ["1 location"]).ok


def test_value_missing_operator(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ924", "value: {path: SECRET_KEY, op: missing}", "no {{ key }}", "artifact: quay_config")
    assert run(rs(tmp_path), "ZZ924", {"quay_config": CONFIG}, ["no SECRET_KEY"]).ok
    assert run(rs(tmp_path), "ZZ924", {"quay_config": CONFIG + "SECRET_KEY: abcdef\n"}, []).ok


def test_threshold_with_units_skips_non_numbers(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ930", "threshold: {path: settings.shared_buffers.value, op: '<', value: 128MB, unit: bytes, bare_unit: 8kB}",
         "{{ human }} < {{ limit_human }}", "artifact: pg_conf")
    ruleset = rs(tmp_path)
    assert run(ruleset, "ZZ930", {"pg_conf": "shared_buffers = 1024\n"}, ["8 MiB < 128 MiB"]).ok  # 1024 pages of 8 kB
    assert run(ruleset, "ZZ930", {"pg_conf": "shared_buffers = 16384\n"}, []).ok  # 16384 pages = 128 MB
    assert run(ruleset, "ZZ930", {"pg_conf": "max_connections = 10\n"}, "skipped").ok  # nothing to compare


def test_problems_condition_filters_by_code(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ940", "problems: {code: [unknown-key]}", "{{ message }}", "artifact: quay_config")
    msg = (
        "FEATURE_SECURITY_SCANER is not a setting any Quay release from 3.8 on knows, so Quay ignores it; "
        "did you mean FEATURE_SECURITY_SCANNER?"
    )
    r = run(rs(tmp_path), "ZZ940", {"quay_config": CONFIG + "FEATURE_SECURITY_SCANER: true\n"}, [msg],
            evidence=["quay/quay-app/config.yaml:5"])
    assert r.ok, r.detail


def test_schema_condition(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ950", "schema: {required: [SECURITY_SCANNER_V4_PSK]}", "{{ message }}", "artifact: quay_config")
    assert run(rs(tmp_path), "ZZ950", {"quay_config": CONFIG}, ["'SECURITY_SCANNER_V4_PSK' is a required property"]).ok


def test_status_condition(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ960", "status: {in: [invalid]}", "{{ paths | join(', ') }}", "artifact: quay_config")
    assert run(rs(tmp_path), "ZZ960", {"quay_config": "a: [unclosed\n"}, ["quay/quay-app/config.yaml"]).ok
    assert run(rs(tmp_path), "ZZ960", {"quay_config": CONFIG}, []).ok


def test_all_any_not_across_artifacts(tmp_path: Path) -> None:
    cond = """
    all:
      - id: health
        artifact: health_instance
        value: {path: services.database, op: '==', value: false}
      - id: pg
        artifact: pg_log
        log: {pattern: 'too many clients'}
    """
    rule(tmp_path, "ZZ970", cond, "{{ pg.count }} refusals, health {{ health.key }}")
    ruleset = rs(tmp_path)
    r = run(ruleset, "ZZ970", {"health_instance": HEALTH_BAD, "pg_log": PG_LOG}, ["1 refusals, health services.database"])
    assert r.ok, r.detail
    assert run(ruleset, "ZZ970", {"health_instance": HEALTH_BAD}, "skipped").ok  # no PostgreSQL log: not evaluable
    ok_health = HEALTH_BAD.replace('"database":false', '"database":true')
    assert run(ruleset, "ZZ970", {"health_instance": ok_health}, []).ok  # one child false: passed
    cond_any = """
    any:
      - artifact: pg_log
        log: {pattern: 'too many clients'}
      - artifact: quay_config
        value: {path: SERVER_HOSTNAME, op: missing}
    """
    rule(tmp_path, "ZZ971", cond_any, "{{ count }}")
    assert run(rs(tmp_path), "ZZ971", {"pg_log": PG_LOG, "quay_config": CONFIG}, ["1"]).ok
    rule(tmp_path, "ZZ972", "not: {artifact: quay_config, value: {path: SECRET_KEY, op: exists}}", "no secret key")
    assert run(rs(tmp_path), "ZZ972", {"quay_config": CONFIG}, ["no secret key"]).ok


def test_fact_condition_and_not_applicable(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ980", "value: {path: deployment, op: '==', value: standalone}", "standalone", "fact: quay",
         extra="applies_to: {quay: '>=3.9'}\n")
    ruleset = rs(tmp_path)
    inspect = '[{"Id": "8b35b493ac05", "Name": "quay", "Config": {"Image": "registry.redhat.io/quay/quay-rhel8:v3.8.2", "Env": []}, "State": {"Status": "running", "OOMKilled": false, "ExitCode": 0}, "RestartCount": 0, "HostConfig": {"Memory": 0}}]'
    assert run(ruleset, "ZZ980", {"quay/quay/inspect.json": inspect}, "skipped").ok  # Quay 3.8: not applicable


def test_error_status_when_a_template_fails(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ990", "value: {path: services.*, op: '==', value: false}", "{{ item.nope.deeper }}", "artifact: health_instance")
    r = run(rs(tmp_path), "ZZ990", {"health_instance": HEALTH_BAD}, ["x"])
    assert not r.ok and "raised" in r.detail


def test_checks_report_every_status(tmp_path: Path) -> None:
    rule(tmp_path, "ZZ995", "log: {pattern: 'too many clients'}", "fired", "artifact: pg_log")
    rule(tmp_path, "ZZ996", "log: {pattern: 'never matches this'}", "x", "artifact: pg_log")
    rule(tmp_path, "ZZ997", "log: {pattern: 'x'}", "x", "artifact: clair_log")
    rule(tmp_path, "ZZ998", "value: {path: deployment, op: exists}", "x", "fact: quay", extra="applies_to: {deployment: [operator]}\n")
    bundle = tmp_path / "bundle"
    (bundle / "postgres" / "db" / "logs").mkdir(parents=True)
    (bundle / "postgres" / "db" / "logs" / "postgresql-Thu.log").write_text(PG_LOG)
    (bundle / "runtime").mkdir()
    (bundle / "runtime" / "ps.json").write_text('[{"Id": "abc", "Names": ["quay"], "Image": "quay", "State": "running", "Status": "Up 2 hours"}]')
    r = subprocess.run([sys.executable, "-m", "analyzer", str(bundle), "--rules", str(tmp_path), "-f", "json",
                        "--select", "ZZ995,ZZ996,ZZ997,ZZ998"], capture_output=True, text=True)
    report = json.loads(r.stdout)
    status = {c["rule_id"]: c["status"] for c in report["checks"]}
    assert status == {"ZZ995": "fired", "ZZ996": "passed", "ZZ997": "not_evaluable", "ZZ998": "not_applicable"}
    ne = next(c for c in report["checks"] if c["rule_id"] == "ZZ997")
    assert "clair_log" in ne["reason"] and any("podman logs" in c for c in ne["collect"])


# -- helpers ---------------------------------------------------------------------------------


def test_paths() -> None:
    data = {"a": [{"b": 1}, {"b": 2}], "m": {"x": 1, "y": 2}}
    assert [(k, v) for k, v, _ in paths.walk(data, "a.*.b")] == [("a.0.b", 1), ("a.1.b", 2)]
    assert [v for _k, v, _ in paths.walk(data, "m.#")] == [2]
    assert list(paths.walk(data, "nope.x")) == []


@pytest.mark.parametrize(
    "text,unit,expected",
    [("128MB", "bytes", 128 * 1024**2), ("2GiB", "bytes", 2 * 1024**3), ("90%", "percent", 90.0),
     ("5min", "s", 300.0), ("1.5s", "ms", 1500.0), ("250", "ms", 250.0), ("500m", "millicores", 500.0), ("2", "millicores", 2000.0)],
)
def test_units(text: str, unit: str, expected: float) -> None:
    assert parse_in_unit(text, unit) == expected


def test_units_reject_garbage() -> None:
    assert parse_bytes("--") is None and parse_seconds("soon") is None


def test_required_literals_are_necessary() -> None:
    lits = required_literals(r"could not connect to server: Connection refused|port \d+ failed: Connection refused")
    assert lits == {"could not connect to server: Connection refused", " failed: Connection refused"}
    assert required_literals("a|b") is None
    assert implied(["Connection refused"], lits, False)
    assert not implied(["could not connect"], lits, False)
