"""`analyze redact`: a sanitized copy with the same layout, re-scanned, still analyzable."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from analyzer.bundle import Bundle
from analyzer.pipeline import Options, analyze
from analyzer.redact import Redactor
from analyzer.redact.bundle import redact_bundle, rescan

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "sample_bundles"
HEALTHY = DATA / "quay" / "healthy-push-pull"

LDAP_TRACE = (
    "gunicorn-web stdout | *** <ldap.ldapobject.SimpleLDAPObject object at 0x7f3c2e1b4d90> "
    "ldap://ldap.example.com:389 - SimpleLDAPObject.simple_bind\n"
    "gunicorn-web stdout | (('uid=jdoe,ou=engineering,ou=people,dc=corp,dc=example,dc=com',\n"
    "gunicorn-web stdout |   'Tr0ub4dor&3',\n"
    "gunicorn-web stdout |   None,\n"
    "gunicorn-web stdout |   None),\n"
    "gunicorn-web stdout |  {})\n"
)
POD = """apiVersion: v1
kind: Pod
metadata:
  name: registry-quay-database-5b7c9d4f8-q2lzx
spec:
  containers:
  - env:
    - name: POSTGRESQL_PASSWORD
      value: pw
    - name: POSTGRESQL_USER
      value: quay
    name: postgres
"""


def _members(path: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    with Bundle(path) as b:
        for m in b.members():
            out[m.path] = None if m.skipped else m.open().read()
    return out


def _tar(files: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A bundle with nested archives, a compressed log, a key, a pod, a weak password."""
    config = (HEALTHY / "config.yaml").read_bytes() + b"LDAP_ADMIN_PASSWD: admin\n"
    log = b"".join((HEALTHY / "quay-container.log").read_bytes().splitlines(keepends=True)[:120])
    log += LDAP_TRACE.encode() + b"binary \xff\xfe tail without secrets\n"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    inner_zip = io.BytesIO()
    with zipfile.ZipFile(inner_zip, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("runtime/pods.yaml", POD)
    files = {
        "quay/quay-app/config.yaml": config,
        "quay/quay-app/logs/current.log": log,
        "quay/quay-app/logs/previous.log.gz": gzip.compress(log, mtime=0),
        "quay/quay-app/ssl.key": key,
        "quay/health/instance.json": (HEALTHY / "health-instance.json").read_bytes(),
        "attach/db.tgz": _tar({"postgresql.conf": b"max_connections = 100\n"}, "w:gz"),
        "attach/pods.zip": inner_zip.getvalue(),
    }
    path = tmp_path / "bundle.tgz"
    path.write_bytes(_tar(files, "w:gz"))
    return path


def test_same_layout_secrets_replaced_and_clean(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "clean.tgz"
    report = redact_bundle(source, dest)
    assert report.clean, report.leftovers
    before, after = _members(source), _members(dest)
    assert set(after) == set(before)  # nested archives and compressed files where they were
    assert after["attach/db.tgz!postgresql.conf"] == b"max_connections = 100\n"
    config = after["quay/quay-app/config.yaml"] or b""
    assert b"quaypass" not in config and b"LDAP_ADMIN_PASSWD: <secret:ldap-password:1>" in config
    assert b"DB_URI: postgresql://quay:<secret:db-password:1>@127.0.0.1:5432/quay" in config
    log = after["quay/quay-app/logs/current.log"] or b""
    assert b"Tr0ub4dor&3" not in log and b"'<secret:ldap-password:2>'," in log
    assert (
        b"binary \xff\xfe tail without secrets\n" in log
    )  # bytes that are not UTF-8 kept as they were
    assert after["quay/quay-app/logs/previous.log.gz"] == log
    assert b"value: <secret:db-password:" in (after["attach/pods.zip!runtime/pods.yaml"] or b"")
    key = after["quay/quay-app/ssl.key"] or b""
    assert key.startswith(b"-----BEGIN RSA PRIVATE KEY-----\n<secret:private-key:1>\n-----END")
    with tarfile.open(dest) as t:
        inner = t.extractfile("attach/pods.zip")
        assert inner is not None and inner.read(2) == b"PK"  # a zip stays a zip
    counts = {f.path: dict(f.replaced) for f in report.files}
    assert counts["quay/quay-app/config.yaml"]["ldap-password"] == 1
    assert "Tr0ub4dor" not in json.dumps(report.to_json())


def test_a_redacted_copy_redacts_to_itself(source: Path, tmp_path: Path) -> None:
    once = tmp_path / "once.tgz"
    twice = tmp_path / "twice.tgz"
    redact_bundle(source, once)
    report = redact_bundle(once, twice)
    assert report.clean and sum(report.totals().values()) == 0
    assert _members(once) == _members(twice)


def test_rescan_finds_what_was_left(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "leaky.tgz"
    monkeypatch.setattr(Redactor, "text", lambda self, s: s)  # a redactor that misses shapes
    report = redact_bundle(source, dest)
    assert not report.clean
    labels = {(x.path, x.label) for x in report.leftovers}
    assert ("quay/quay-app/logs/current.log", "ldap-password") in labels
    assert ("quay/quay-app/config.yaml", "db-password") in labels
    assert all("Tr0ub4dor" not in repr(x) for x in report.leftovers)
    monkeypatch.undo()
    assert rescan(source)  # the original is, of course, full of secrets


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analyzer", "redact", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_cli_exit_codes_and_messages(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out" / "clean.tgz"
    ok = _cli(str(source), "-o", str(dest), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "quay/quay-app/config.yaml: 1 database-secret-key, 1 db-password" in ok.stdout
    assert "nothing secret-looking left" in ok.stdout and "quaypass" not in ok.stdout
    again = _cli(str(source), "-o", str(dest), cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    assert _cli(str(source), "-o", str(dest), "--force", cwd=tmp_path).returncode == 0
    for args, words in (
        ((str(tmp_path / "missing.tgz"), "-o", str(tmp_path / "x.tgz")), "no such file"),
        ((str(source),), "required"),
        ((str(source), "-o", str(tmp_path / "x.zip")), "*.tgz"),
        ((str(source), "-o", str(source)), "the bundle itself"),
    ):
        r = _cli(*args, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert words in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_cli_refuses_output_inside_a_directory_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "config.yaml").write_bytes((HEALTHY / "config.yaml").read_bytes())
    r = _cli(str(bundle), "-o", str(bundle / "clean.tgz"), cwd=tmp_path)
    assert r.returncode == 2 and "inside the bundle" in r.stderr


def test_cli_removes_an_unclean_copy_unless_forced(source: Path, tmp_path: Path) -> None:
    # a PEM key with a body line that is no base64 the line rewriter recognizes stays in place
    odd = tmp_path / "odd"
    (odd / "quay").mkdir(parents=True)
    (odd / "quay" / "notes.txt").write_text(
        "-----BEGIN PRIVATE KEY-----\n#### not base64 ####\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
    )
    dest = tmp_path / "odd.tgz"
    r = _cli(str(odd), "-o", str(dest), cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "re-scan found" in r.stderr and not dest.exists()
    r = _cli(str(odd), "-o", str(dest), "--force", cwd=tmp_path)
    assert r.returncode == 1 and dest.exists() and "kept" in r.stderr


def _findings(path: Path) -> tuple[set[tuple[str, str]], dict[str, str]]:
    result = analyze(path, Options())
    return (
        {(f.rule_id, f.message) for f in result.findings},
        {c.rule_id: c.status for c in result.checks},
    )


@pytest.mark.parametrize(
    "bundle",
    ["standalone-healthy", "standalone-db-outage", "openshift-must-gather"],
)
def test_redacted_samples_give_the_same_findings(bundle: str, tmp_path: Path) -> None:
    src = SAMPLES / bundle
    dest = tmp_path / f"{bundle}.tgz"
    report = redact_bundle(src, dest)
    assert report.clean, report.leftovers
    before, after = _findings(src), _findings(dest)
    assert after[0] == before[0]
    assert after[1] == before[1]


CLAIR = """http_listen_addr: :8081
introspection_addr: :8088
log_level: debug
indexer:
  connstring: host=quay-server.example.com port=5433 dbname=clair user=clairuser password=clairpass sslmode=disable
  scanlock_retry: 10
  layer_scan_concurrency: 5
  migrations: true
auth:
  psk:
    key: "MTU5YzA4Y2ZkNzJoMQ=="
    iss: ["quay"]
"""


def test_psk_shape_checks_are_not_evaluated_on_tokens(tmp_path: Path) -> None:
    """A PSK that is a token has no known shape: the base64 check must not fire on the copy."""
    src = tmp_path / "bundle"
    (src / "clair").mkdir(parents=True)
    (src / "clair" / "config.yaml").write_text(CLAIR)
    dest = tmp_path / "clean.tgz"
    assert redact_bundle(src, dest).clean
    before, after = _findings(src), _findings(dest)
    assert after[0] == before[0]


def test_a_redacted_private_key_is_a_key_of_unknown_value(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    src = tmp_path / "bundle"
    (src / "quay").mkdir(parents=True)
    (src / "quay" / "ssl.key").write_bytes(key)
    (src / "quay" / "config.yaml").write_bytes((HEALTHY / "config.yaml").read_bytes())
    dest = tmp_path / "clean.tgz"
    assert redact_bundle(src, dest).clean
    before, after = _findings(src), _findings(dest)
    assert after[0] == before[0]
