"""The command line as a user meets it: exit codes, one-line errors, the JSON contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.resources import load_schema
from tests.conftest import DATA, tar_of

HEALTHY = DATA / "quay" / "healthy-push-pull"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analyzer", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    r = run("/no/such/file", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "no such file" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "content,why",
    [(b"", "empty"), (b"\x7fELF\x02\x01" + bytes(range(200)), "not a bundle"), (b"\x1f\x8b\x08\x00garbage", "gzip")],
    ids=["empty", "binary", "bad-gzip"],
)
def test_unreadable_inputs_exit_2(tmp_path: Path, content: bytes, why: str) -> None:
    p = tmp_path / "input.bin"
    p.write_bytes(content)
    r = run(str(p))
    assert r.returncode == 2, r.stderr
    assert why in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_empty_directory_exits_2(tmp_path: Path) -> None:
    r = run(str(tmp_path))
    assert r.returncode == 2
    assert "no member could be read" in r.stderr


def test_usage_errors_exit_2() -> None:
    assert main([]) == 2
    assert main(["x", "--format", "pdf"]) == 2
    assert main(["x", "--fail-on", "sometimes"]) == 2
    assert main(["x", "--since", "yesterday"]) == 2
    assert main(["x", "--limit", "nonsense=1"]) == 2


def test_reserved_subcommand_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch"]) == 2
    assert "reserved" in capsys.readouterr().err
    # a directory named like a subcommand is analyzed when written as ./rules
    d = tmp_path / "rules"
    d.mkdir()
    (d / "config.yaml").write_text((HEALTHY / "config.yaml").read_text())
    r = run("./rules", "-q", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr


def test_version() -> None:
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("analyze ")


def test_json_report_validates_against_the_contract(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    r = run(str(HEALTHY), "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    report = json.loads(r.stdout)
    Draft202012Validator(load_schema("report.schema.json")).validate(report)
    kinds = {a["path"]: a["kind"] for a in report["bundle"]["artifacts"]}
    assert kinds["config.yaml"] == "quay_config"
    assert kinds["quay-container.log"] == "quay_log"
    assert kinds["health-instance.json"] == "health_instance"
    assert {c["status"] for c in report["checks"]} <= {"fired", "passed", "not_evaluable", "not_applicable", "error"}
    assert report["environment"]["log_span"]["start"].startswith("2026-11-26T00:10")


def test_analyze_from_another_directory_with_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    r = run(str(HEALTHY), "-f", "json", "-o", str(out), cwd=tmp_path)
    assert r.returncode in (0, 1)
    assert r.stdout == ""
    assert json.loads(out.read_text())["schema_version"] == "1"


def test_fail_on_drives_the_exit_code(tmp_path: Path) -> None:
    # the healthy bundle lacks resource and PostgreSQL artifacts: info findings only
    assert run(str(HEALTHY), "-q").returncode == 0
    assert run(str(HEALTHY), "-q", "--fail-on", "info").returncode == 1
    assert run(str(HEALTHY), "-q", "--fail-on", "never").returncode == 0


def test_archive_input_is_the_same_as_the_folder(tmp_path: Path) -> None:
    files = {f"case/{p.name}": p.read_bytes() for p in HEALTHY.iterdir() if p.is_file()}
    tgz = tmp_path / "case-12345.tgz"
    tgz.write_bytes(tar_of(files))
    a = json.loads(run(str(HEALTHY), "-f", "json").stdout)
    b = json.loads(run(str(tgz), "-f", "json").stdout)
    assert [f["rule_id"] for f in a["findings"]] == [f["rule_id"] for f in b["findings"]]
    assert sorted(x["kind"] for x in a["bundle"]["artifacts"]) == sorted(x["kind"] for x in b["bundle"]["artifacts"])


def test_select_and_ignore(tmp_path: Path) -> None:
    r = json.loads(run(str(HEALTHY), "-f", "json", "--select", "BND006").stdout)
    assert [c["rule_id"] for c in r["checks"]] == ["BND006"]
    r = json.loads(run(str(HEALTHY), "-f", "json", "--ignore", "bundle").stdout)
    assert all(c["category"] != "bundle" for c in r["checks"])
    assert run(str(HEALTHY), "--select", "NOPE999").returncode == 2


def test_secrets_from_config_never_reach_the_output() -> None:
    out = run(str(HEALTHY), "-f", "json", "--verbose").stdout
    config = (HEALTHY / "config.yaml").read_text()
    for secret in ("quaypass", "4d3e2a71-6bb4-4c9e-9a0b-2f0d8f6a1c55"):
        assert secret in config
        assert secret not in out


def test_rules_subcommands() -> None:
    r = run("rules", "list")
    assert r.returncode == 0 and "BND001" in r.stdout
    r = run("rules", "explain", "BND001")
    assert r.returncode == 0 and "Remediation" in r.stdout and "Example" in r.stdout
    assert run("rules", "explain", "ZZZ999").returncode == 2
    assert run("rules").returncode == 2


def test_real_postgresql_samples_are_listed_as_their_kinds() -> None:
    """Issue 'Parsers': a bundle of the real PostgreSQL samples lists each as pg_log/pg_conf, parsed."""
    report = json.loads(run(str(DATA / "postgres"), "-f", "json").stdout)
    kinds = {a["path"]: (a["kind"], a["status"]) for a in report["bundle"]["artifacts"]}
    for name in ("postgresql-Thu.log", "postgresql-Thu.csv", "postgresql-Thu.json"):
        assert kinds[f"log-samples/{name}"] == ("pg_log", "parsed")
    for variant in ("rhel-est.log", "ja-jst.log", "ja-jst.csv", "ja-jst.json", "sqlstate-plus03.log"):
        assert kinds[f"log-variants/{variant}"] == ("pg_log", "parsed")
    for conf in ("case/postgresql.conf", "case/conf.d/B-upper.conf", "case/inc/a.conf", "shadow/main.conf"):
        assert kinds[f"conf-cases/{conf}"] == ("pg_conf", "parsed")
    assert kinds["postgresql.conf.pg15-default"] == ("pg_conf", "parsed")
    for dump in ("show_all.txt", "pg_settings.csv", "pg_settings_expanded.txt"):
        assert kinds[f"settings/{dump}"] == ("pg_settings", "parsed")


USER_RULE = """\
id: SITE001
title: Quay runs with anonymous access enabled
severity: warning
category: config
artifact: quay_config
condition:
  value: {path: FEATURE_ANONYMOUS_ACCESS, op: "==", value: true}
message: "FEATURE_ANONYMOUS_ACCESS is true in {{ path }}: anyone can pull public repositories."
remediation:
  - "Set `FEATURE_ANONYMOUS_ACCESS: false` in config.yaml if the registry is not meant to be public."
  - Restart Quay and run the analyzer again.
references: [config]
"""
USER_CASES = """\
rule: SITE001
fires_when_anonymous_access_is_on:
  given:
    quay_config: |
      SERVER_HOSTNAME: quay.example.com
      FEATURE_ANONYMOUS_ACCESS: true
  expect:
    - "FEATURE_ANONYMOUS_ACCESS is true in quay/quay-app/config.yaml: anyone can pull public repositories."
silent_when_off:
  given:
    quay_config: |
      SERVER_HOSTNAME: quay.example.com
      FEATURE_ANONYMOUS_ACCESS: false
  expect: []
"""


def test_a_new_rule_is_two_yaml_files(tmp_path: Path) -> None:
    """Issue 'Rule engine': a rule and its cases, no Python, tested and then changing the report."""
    d = tmp_path / "site-rules"
    (d / "cases").mkdir(parents=True)
    (d / "SITE001-anonymous-access.yaml").write_text(USER_RULE)
    (d / "cases" / "SITE001.yaml").write_text(USER_CASES)
    r = run("rules", "test", str(d))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed, 0 failed" in r.stdout
    before = json.loads(run(str(HEALTHY), "-f", "json").stdout)
    after = json.loads(run(str(HEALTHY), "-f", "json", "--rules", str(d)).stdout)
    assert "SITE001" not in {f["rule_id"] for f in before["findings"]}
    assert "SITE001" in {f["rule_id"] for f in after["findings"]}
    # a failing case makes `rules test` exit 1
    (d / "cases" / "SITE001.yaml").write_text(USER_CASES.replace("anyone can pull", "nobody can pull"))
    assert run("rules", "test", str(d)).returncode == 1
