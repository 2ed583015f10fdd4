"""Formats on the command line: exit codes kept by every format, --output, --quiet, lazy
imports, and every sample bundle rendered in every format from one run of the engine."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from report_fixtures import ROOT, RULES

from analyzer.cli import main
from analyzer.model import Result
from analyzer.report import RENDERERS

FORMATS = ("text", "json", "markdown", "html", "sarif", "junit")
SAMPLES = ROOT / "sample_bundles"
SAMPLE_DIRS = sorted(p for p in SAMPLES.iterdir() if p.is_dir()) if SAMPLES.is_dir() else []


# Loading the built-in rules takes most of a run; the command line is tested many times
# here, always with the same rules, so they are loaded once (the RuleSet is not changed by
# a run: selection makes a new one).
CACHE_RULES = """
import analyzer.engine.rules as _rules
_load, _cache = _rules.load_rules, {}
def _cached(extra_dirs=(), builtin_dir=None):
    key = (tuple(str(d) for d in extra_dirs), str(builtin_dir))
    if key not in _cache:
        _cache[key] = _load(extra_dirs, builtin_dir)
    return _cache[key]
_rules.load_rules = _cached
"""


@pytest.fixture(scope="module", autouse=True)
def rules_loaded_once() -> Iterator[None]:
    """Memoize load_rules for this module's runs of the command line."""
    import analyzer.engine.rules as rules

    original = rules.load_rules
    namespace: dict[str, object] = {}
    exec(CACHE_RULES, namespace)  # noqa: S102 - our own snippet, shared with the subprocess test
    yield
    rules.load_rules = original


def _check_document(fmt: str, text: str) -> None:
    """The output is a well-formed document of its format."""
    if fmt in ("json", "sarif"):
        json.loads(text)
    elif fmt == "junit":
        ET.fromstring(text)
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    elif fmt == "markdown":
        assert text.startswith("# Quay support bundle report")
    else:
        assert text.startswith("Quay support bundle report")


@pytest.mark.parametrize(
    ("fmt", "fail_on", "code"),
    [(fmt, "error", 1) for fmt in FORMATS] + [("json", "critical", 1), ("sarif", "never", 0)],
    ids=[f"{fmt}-fail-on-error" for fmt in FORMATS] + ["json-fail-on-critical", "sarif-never"],
)
def test_every_format_keeps_the_exit_code(
    bundle_dir: Path, tmp_path: Path, fmt: str, fail_on: str, code: int
) -> None:
    out = tmp_path / f"report.{fmt}"
    argv = [
        str(bundle_dir),
        "--rules",
        str(RULES),
        "--format",
        fmt,
        "--output",
        str(out),
        "--fail-on",
        fail_on,
    ]
    assert main(argv) == code  # the test rules fire a critical finding on this bundle
    _check_document(fmt, out.read_text(encoding="utf-8"))


def test_quiet_prints_only_the_summary_line(
    bundle_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main([str(bundle_dir), "--rules", str(RULES), "--quiet", "--select", "TST001,TST002"]) == 1
    )
    out = capsys.readouterr().out
    assert out == "2 findings (1 critical, 1 error); checks: 2 fired\n"


def test_piped_text_is_plain(bundle_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main([str(bundle_dir), "--rules", str(RULES), "--select", "TST001", "--fail-on", "never"])
        == 0
    )
    out = capsys.readouterr().out
    assert "\x1b[" not in out and "[CRITICAL] TST001" in out


def test_machine_formats_do_not_load_pandas_or_rich(bundle_dir: Path, tmp_path: Path) -> None:
    # one process, formats in turn: none of them may have loaded pandas or rich
    code = (
        CACHE_RULES + "import sys\n"
        "from analyzer.cli import main\n"
        "for fmt in ('json', 'sarif', 'junit', 'text'):\n"
        f"    rc = main([{str(bundle_dir)!r}, '--rules', {str(RULES)!r}, '-f', fmt, '-o', sys.argv[1] + fmt])\n"
        "    print(fmt, rc, sorted(m for m in ('pandas', 'rich') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "report.")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.stdout.splitlines() == ["json 1 []", "sarif 1 []", "junit 1 []", "text 1 []"], (
        out.stderr[-2000:]
    )


def test_all_formats_from_one_result(pipeline_result: Result) -> None:
    before = json.dumps([f.to_json() for f in pipeline_result.findings])
    for fmt in FORMATS:
        _check_document(fmt, RENDERERS[fmt](pipeline_result, {}))
    # renderers only read the result
    assert json.dumps([f.to_json() for f in pipeline_result.findings]) == before


def test_no_secret_from_the_bundle_in_any_format(pipeline_result: Result) -> None:
    # tests/data/quay/bad-manifest-push/config.yaml (in the bundle) holds these test secrets
    secrets = [
        "quaypass",
        "b6bd4decff0235d49c206c7e2a1546acb7ff2ddbeaf4aa37d0f2a86cfce6e31b",
        "4d3e2a71-6bb4-4c9e-9a0b-2f0d8f6a1c55",
    ]
    config = (ROOT / "tests/data/quay/bad-manifest-push/config.yaml").read_text(encoding="utf-8")
    assert all(s in config for s in secrets)
    for fmt in FORMATS:
        text = RENDERERS[fmt](pipeline_result, {"verbose": True})
        assert not [s for s in secrets if s in text], fmt


@pytest.mark.skipif(not SAMPLE_DIRS, reason="no sample bundles in sample_bundles/")
@pytest.mark.parametrize("sample", SAMPLE_DIRS, ids=[p.name for p in SAMPLE_DIRS])
def test_sample_bundles_render_in_every_format(sample: Path) -> None:
    from analyzer.pipeline import Options, analyze

    result = analyze(sample, Options())
    sarif_schema = json.loads(
        (ROOT / "schemas/external/sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    report_schema = json.loads((ROOT / "schemas/report.schema.json").read_text(encoding="utf-8"))
    for fmt in FORMATS:
        text = RENDERERS[fmt](result, {"verbose": True})
        _check_document(fmt, text)
        if fmt == "sarif":
            jsonschema.Draft4Validator(sarif_schema).validate(json.loads(text))
        if fmt == "json":
            jsonschema.Draft202012Validator(report_schema).validate(json.loads(text))


def test_progress_appears_only_after_a_moment_and_goes_away() -> None:
    from analyzer.report.progress import ProgressDisplay

    display = ProgressDisplay()
    display.update(10, 100, "quay/quay-app/logs/current.log")
    assert display._progress is None, "nothing is shown for a bundle read in a moment"
    display.start -= 1.0  # as if the bundle had been read for a second
    display.update(50, 100, "quay/quay-app/logs/current.log")
    assert display._progress is not None
    display.close()
    assert display._progress is None
