"""The machine formats: JSON and SARIF validated against their schemas, JUnit parsed."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from report_fixtures import ROOT

from analyzer.model import Evidence, Result
from analyzer.report.json_report import render as render_json
from analyzer.report.junit import render as render_junit
from analyzer.report.sarif import render as render_sarif

SARIF_SCHEMA = ROOT / "schemas" / "external" / "sarif-schema-2.1.0.json"
SARIF_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
REPORT_SCHEMA = ROOT / "schemas" / "report.schema.json"


@pytest.fixture(params=["hand-written", "pipeline"])
def any_result(request: pytest.FixtureRequest) -> Result:
    name = "result" if request.param == "hand-written" else "pipeline_result"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def _errors(schema_path, document, validator_cls):  # type: ignore[no-untyped-def]
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = validator_cls(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


# -- JSON ----------------------------------------------------------------------------------


def test_json_validates_against_the_report_schema(any_result: Result) -> None:
    doc = json.loads(render_json(any_result, {}))
    assert _errors(REPORT_SCHEMA, doc, jsonschema.Draft202012Validator) == []


# -- SARIF ---------------------------------------------------------------------------------


def test_vendored_sarif_schema_is_the_one_documented() -> None:
    assert hashlib.sha256(SARIF_SCHEMA.read_bytes()).hexdigest() == SARIF_SHA256


def test_sarif_validates_against_the_oasis_schema(any_result: Result) -> None:
    doc = json.loads(render_sarif(any_result, {}))
    assert _errors(SARIF_SCHEMA, doc, jsonschema.Draft4Validator) == []


def test_sarif_one_result_per_finding_with_rule_metadata(result: Result) -> None:
    run = json.loads(render_sarif(result, {}))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(result.findings)
    for res, finding in zip(run["results"], result.findings, strict=True):
        rule = rules[res["ruleIndex"]]
        assert rule["id"] == res["ruleId"] == finding.rule_id
        assert res["message"]["text"] == finding.message
        assert rule["helpUri"] == finding.references[0].url
        assert rule["shortDescription"]["text"] == finding.title
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert (
        levels["TST001"] == "error" and levels["TST004"] == "warning" and levels["TST003"] == "note"
    )
    help_text = rules[[r["id"] for r in rules].index("TST001")]["help"]["text"]
    assert (
        "1. Count the connections Quay opens" in help_text
        and "4. Collect a new bundle" in help_text
    )
    # every check is a rule, fired or not
    assert {r["id"] for r in rules} == {c.rule_id for c in result.checks} | {
        f.rule_id for f in result.findings
    }


def test_sarif_locations_are_bundle_paths_and_lines(result: Result) -> None:
    run = json.loads(render_sarif(result, {}))["runs"][0]
    first = next(r for r in run["results"] if r["ruleId"] == "TST002")
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {
        "uri": "quay/quay-app/logs/current.log",
        "uriBaseId": "BUNDLE",
    }
    assert loc["region"]["startLine"] == 33
    assert first["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 97
    assert first["properties"]["explainedBy"] == "TST001"
    keyed = next(r for r in run["results"] if r["ruleId"] == "TST004")
    assert keyed["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "FEATURE_SECURITY_SCANNER", "kind": "member"}
    ]
    bundle = next(r for r in run["results"] if r["ruleId"] == "BND007")
    # a bundle-wide finding points at the bundle root: code scanning wants a location on every result
    assert bundle["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": ".", "uriBaseId": "BUNDLE"}


def test_sarif_uris_are_escaped(result: Result) -> None:
    result.findings[0].evidence = [
        Evidence("must-gather/quay logs.tgz!ns/c:1/current.log", 5, None, "x")
    ]
    run = json.loads(render_sarif(result, {}))["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "must-gather/quay%20logs.tgz!ns/c%3A1/current.log"


def test_sarif_reports_checks_that_raised(result: Result) -> None:
    run = json.loads(render_sarif(result, {}))["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["TST008"]


# -- JUnit ---------------------------------------------------------------------------------


def test_junit_one_testcase_per_check_and_a_failure_per_fired_rule(any_result: Result) -> None:
    root = ET.fromstring(render_junit(any_result, {}))
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(any_result.checks)
    fired = {c.rule_id for c in any_result.checks if c.status == "fired"}
    failed = {c.get("name", "").split()[0] for c in cases if c.find("failure") is not None}
    assert failed == fired
    assert all(len(c.findall("failure")) <= 1 for c in cases)
    skipped = {
        c.rule_id for c in any_result.checks if c.status in ("not_evaluable", "not_applicable")
    }
    assert {c.get("name", "").split()[0] for c in cases if c.find("skipped") is not None} == skipped
    assert int(root.get("tests", "0")) == len(cases)
    assert int(root.get("failures", "0")) == len(fired)
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests", "0")) == len(suite.findall("testcase"))


def test_junit_failure_carries_every_finding_of_the_rule(pipeline_result: Result) -> None:
    root = ET.fromstring(render_junit(pipeline_result, {}))
    case = next(c for c in root.iter("testcase") if c.get("name", "").startswith("TST003 "))
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "info"
    text = failure.text or ""
    assert text.count("[INFO] TST003") == 2
    assert "gunicorn-web uses the logs model <data.logs_model" in text


def test_junit_errors_skips_and_suites(result: Result) -> None:
    root = ET.fromstring(render_junit(result, {}))
    by_name = {c.get("name", "").split()[0]: c for c in root.iter("testcase")}
    error = by_name["TST008"].find("error")
    assert error is not None and "'port' is undefined" in error.get("message", "")
    skipped = by_name["TST005"].find("skipped")
    assert (
        skipped is not None
        and skipped.get("message") == "not evaluable: no clair_config in the bundle"
    )
    assert "podman exec -it <clair_container>" in (skipped.text or "")
    assert by_name["TST001"].get("classname") == "quay.database"
    assert {s.get("name") for s in root.findall("testsuite")} >= {
        "quay-bundle-analyzer.database",
        "quay-bundle-analyzer.config",
    }


def test_junit_survives_characters_xml_cannot_hold(result: Result) -> None:
    result.findings[0].message = "bell \x07 escape \x1b nul \x00 end"
    root = ET.fromstring(render_junit(result, {}))
    failure = next(
        c for c in root.iter("testcase") if c.get("name", "").startswith("TST001 ")
    ).find("failure")
    assert failure is not None and "bell \\x07 escape \\x1b nul \\x00 end" in (
        failure.get("message") or ""
    )
