"""The collector's parts on their own: the step runner, container recognition, the checks on
what comes back, and the command line's usage errors."""

from __future__ import annotations

import io
import os
import sys
import time
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from analyzer.collect import gather, health
from analyzer.collect.cli import Usage, since_value
from analyzer.collect.cli import main as collect_main
from analyzer.collect.runner import Runner, bundle_path
from analyzer.collect.targets import component_of, safe_name
from tests.collect.worlds import make_cert

PY = sys.executable


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    return Runner(tmp_path / "bundle", tmp_path / "scratch", timeout=10)


# -- runner ---------------------------------------------------------------------------------------


def test_output_goes_to_the_bundle_and_is_recorded(runner: Runner) -> None:
    step = runner.run([PY, "-c", "print('hello')"], output="runtime/x.txt")
    assert step.ok and step.output == "runtime/x.txt"
    assert (runner.root / "runtime/x.txt").read_text() == "hello\n"
    assert (
        runner.commands[-1]["exit_code"] == 0 and runner.commands[-1]["output"] == "runtime/x.txt"
    )
    assert runner.failures == [] and runner.files == {"runtime/x.txt"}


def test_a_failing_command_keeps_no_output_and_says_why(runner: Runner) -> None:
    code = (
        "import sys; print('half'); sys.stderr.write('Error: no such container\\n'); sys.exit(125)"
    )
    step = runner.run([PY, "-c", code], output="runtime/x.json")
    assert not step.ok and step.output is None
    assert step.message == "exit code 125: Error: no such container"
    assert not (runner.root / "runtime/x.json").exists()
    assert runner.failures[-1]["message"] == step.message
    assert runner.commands[-1]["exit_code"] == 125 and runner.commands[-1]["output"] is None


def test_a_hanging_command_and_its_children_are_stopped(runner: Runner, tmp_path: Path) -> None:
    marker = tmp_path / "child-alive"
    child = tmp_path / "child.py"
    child.write_text(f"import time\ntime.sleep(3)\nopen({str(marker)!r}, 'w').close()\n")
    parent = tmp_path / "parent.py"
    # the child would outlive its parent's SIGTERM unless the whole session is stopped
    parent.write_text(
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, {str(child)!r}])\n"
        "time.sleep(60)\n"
    )
    start = time.monotonic()
    step = runner.run([PY, str(parent)], output="x.txt", timeout=1)
    assert time.monotonic() - start < 10
    assert step.exit_code is None and step.message.startswith("timed out after 1 s")
    time.sleep(3.5)
    assert not marker.exists()


def test_missing_program(runner: Runner) -> None:
    step = runner.run(["no-such-program-xyz", "ps"], output="x.txt")
    assert step.message == "no-such-program-xyz: command not found"
    assert runner.commands[-1]["exit_code"] is None


@pytest.mark.parametrize(
    ("empty_ok", "failed"), [(False, True), (True, False)], ids=["config-empty", "log-empty"]
)
def test_empty_output(runner: Runner, empty_ok: bool, failed: bool) -> None:
    step = runner.run([PY, "-c", "pass"], output="x.txt", empty_ok=empty_ok)
    assert step.output is None and bool(runner.failures) is failed


def test_a_check_rejects_an_output(runner: Runner) -> None:
    step = runner.run([PY, "-c", "print('{')"], output="x.json", check=lambda d: "not JSON")
    assert step.message == "not JSON" and not (runner.root / "x.json").exists()


def test_quiet_probes_are_recorded_but_not_failures(runner: Runner) -> None:
    runner.run([PY, "-c", "import sys; sys.exit(1)"], quiet=True)
    assert runner.failures == [] and runner.commands[-1]["exit_code"] == 1


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../b", "", "."])
def test_bundle_paths_stay_inside(bad: str) -> None:
    with pytest.raises(ValueError):
        bundle_path(bad)


def test_the_scratch_directory_is_emptied(runner: Runner) -> None:
    step = runner.run([PY, "-c", "print('[]')"], read=True)
    assert step.data == b"[]\n"
    assert list(runner.scratch.iterdir()) == []


# -- which containers belong to Quay ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "image", "command", "label", "expected"),
    [
        ("quay", "registry.redhat.io/quay/quay-rhel8:v3.15.0", "registry", "", "quay"),
        ("postgresql-quay", "registry.redhat.io/rhel9/postgresql-15:latest", "", "", "postgres"),
        ("redis", "registry.redhat.io/rhel9/redis-6:latest", "", "", "redis"),
        ("clairv4", "registry.redhat.io/quay/clair-rhel8:v3.15.0", "", "", "clair"),
        ("mirroring-worker", "quay.io/projectquay/quay:v3.15.0", "repomirror", "", "mirror"),
        ("quay-worker-2", "quay.io/projectquay/quay:v3.15.0", "repomirror", "", "mirror"),
        ("quay-app", "quay.io/projectquay/quay:v3.12.0", "", "", "quay"),
        ("quay-postgres", "docker.io/library/postgres:12", "", "", "postgres"),
        ("quay-redis", "docker.io/library/redis:6.2", "", "", "redis"),
        ("registry-quay-app-6d8f7b9c5d-4xkqp", "", "", "quay-app", "quay"),
        ("registry-quay-database-5b7c9d4f8-q2lzx", "", "", "postgres", "postgres"),
        ("registry-clair-postgres-7c9d-x", "quay.io/sclorg/postgresql-13-c9s", "", "", "postgres"),
        ("registry-clair-app-6b7c8d9e0f-abcde", "", "", "clair-app", "clair"),
        ("registry-quay-mirror-55d6-zz", "", "", "quay-mirror", "mirror"),
        ("registry-quay-redis-6d5c4b3a2-zyxwv", "", "", "", "redis"),
        ("db", "quay.io/sclorg/postgresql-13-c9s", "", "", "postgres"),
        ("web", "quay.io/someorg/nginx:1.25", "", "", None),
        ("grafana", "docker.io/grafana/grafana:11.0.0", "", "", None),
        (
            "quay-operator.v3.15.0-7f9c-abcde",
            "registry.redhat.io/quay/quay-operator-rhel8",
            "",
            "",
            None,
        ),
        ("quay-pod-infra", "localhost/podman-pause:4.9", "", "", None),
    ],
    ids=lambda v: v if isinstance(v, str) and v else None,
)
def test_component_of(
    name: str, image: str, command: str, label: str, expected: str | None
) -> None:
    assert component_of(name, image, command, label) == expected


@pytest.mark.parametrize(
    ("name", "safe"), [("quay", "quay"), ("../etc", "_etc"), ("a/b c", "a_b_c"), ("", "unnamed")]
)
def test_safe_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe


# -- what comes back ------------------------------------------------------------------------------


def test_public_certificates_keep_only_certificate_blocks() -> None:
    cert, key = make_cert("quay.example.com", ["quay.example.com"])
    assert gather.public_certificates(cert) == (cert.strip() + b"\n", False)
    kept, had_key = gather.public_certificates(key + cert)
    assert had_key and kept is not None and b"PRIVATE" not in kept and b"CERTIFICATE" in kept
    assert gather.public_certificates(key) == (None, True)
    assert gather.public_certificates(b"not a pem") == (None, False)


@pytest.mark.parametrize(
    ("uri", "endpoint"),
    [
        ("postgresql://quayuser:pw@127.0.0.1:5432/quay", ("127.0.0.1", 5432)),
        (
            "postgresql://quayuser:p%40ss@registry-quay-database/quay",
            ("registry-quay-database", 5432),
        ),
        ("postgres://u:p@db.example.com:5433/quay?sslmode=require", ("db.example.com", 5433)),
        ("postgresql://u:p@[fd00::12]:5432/quay", ("fd00::12", 5432)),
        ("mysql+pymysql://u:p@mysql:3306/quay", None),
        ("postgresql://u:p@host;rm -rf:5432/quay", None),
        ("not a uri", None),
    ],
    ids=["ipv4", "default-port", "postgres-scheme", "ipv6", "mysql", "odd-host", "garbage"],
)
def test_db_endpoint(uri: str, endpoint: tuple[str, int] | None) -> None:
    assert gather.db_endpoint({"DB_URI": uri}) == endpoint


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        (
            b"*   Trying 127.0.0.1:5432...\n* Connected to 127.0.0.1 (127.0.0.1) port 5432 (#0)\n",
            True,
        ),
        (b"curl: (6) Could not resolve host: db.invalid\n", True),
        (b"Error: crun: executable file `curl` not found in $PATH\n", False),
    ],
    ids=["connected", "unresolvable", "no-curl"],
)
def test_curl_output(data: bytes, ok: bool) -> None:
    assert (gather.curl_output(data) is None) is ok


@pytest.mark.parametrize(
    ("config", "url"),
    [
        (
            {"SERVER_HOSTNAME": "quay.example.com", "PREFERRED_URL_SCHEME": "https"},
            "https://quay.example.com",
        ),
        ({"SERVER_HOSTNAME": "localhost:8080"}, "http://localhost:8080"),
        ({"PREFERRED_URL_SCHEME": "https"}, None),
        (None, None),
    ],
    ids=["https", "default-http", "no-host", "no-config"],
)
def test_health_base_url(config: dict[str, str] | None, url: str | None) -> None:
    assert health.base_url_from_config(config) == url


# -- command line ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("24h", "24h"), ("90m", "90m"), ("1h30m", "1h30m"), ("2d", "48h"), ("1.5h", "1.5h")],
)
def test_since_value(text: str, value: str) -> None:
    assert since_value(text) == value


@pytest.mark.parametrize("text", ["yesterday", "2024-05-01", "-1h", "10"])
def test_since_rejects(text: str) -> None:
    with pytest.raises(Usage):
        since_value(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--runtime", "podman", "--namespace", "quay"], "--namespace is for --runtime oc"),
        (
            ["--runtime", "podman", "--quay-url", "quay.example.com"],
            "is not an http:// or https:// URL",
        ),
        (["--runtime", "podman", "--since", "yesterday"], "is not a duration"),
        (["--runtime", "podman", "--timeout", "0"], "--timeout must be a positive"),
        (["--runtime", "docker"], "invalid choice"),
        ([], "required: --runtime"),
        (["--runtime", "podman", "-o", "bundle.zip"], "name it .tgz or .tar.gz"),
    ],
    ids=["namespace-podman", "url", "since", "timeout", "runtime", "no-runtime", "zip"],
)
def test_usage_errors(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    with redirect_stderr(err):
        rc = collect_main(args)
    assert rc == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_an_existing_output_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "case.tgz"
    out.write_bytes(b"keep me")
    err = io.StringIO()
    with redirect_stderr(err):
        rc = collect_main(["--runtime", "podman", "-o", str(out)])
    assert rc == 2 and "already exists" in err.getvalue()
    assert out.read_bytes() == b"keep me"


def test_runtime_not_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    err = io.StringIO()
    with redirect_stderr(err):
        rc = collect_main(["--runtime", "oc", "-o", str(tmp_path / "x.tgz")])
    assert rc == 2 and "oc is not on PATH" in err.getvalue()
    assert os.listdir(tmp_path) == ["empty-bin"]


# -- what happens after redaction ------------------------------------------------------------------


class _Leftover:
    path, line, label = "quay/quay/logs/current.log", 12, "password"


class _Report:
    def __init__(self, clean: bool) -> None:
        self.clean = clean
        self.leftovers = [] if clean else [_Leftover()]

    def totals(self) -> dict[str, int]:
        return {"password": 1}


def _fake_collect(runner: Runner, opts: object) -> object:
    from analyzer.collect.options import Outcome

    runner.run([PY, "-c", "print('[]')"], output="runtime/ps.json")
    return Outcome(host="h")


@pytest.mark.parametrize(
    ("force", "rc", "kept"), [(False, 1, False), (True, 0, True)], ids=["removed", "forced"]
)
def test_secret_looking_text_left_after_redaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, force: bool, rc: int, kept: bool
) -> None:
    from analyzer.collect import archive, podman

    def fake_redact(root: Path, dest: Path) -> _Report:
        dest.write_bytes(b"archive")
        return _Report(clean=False)

    monkeypatch.setattr(podman, "collect", _fake_collect)
    monkeypatch.setattr(archive, "redact", fake_redact)
    monkeypatch.setattr("shutil.which", lambda prog: "/usr/bin/" + prog)
    out = tmp_path / "case.tgz"
    err = io.StringIO()
    with redirect_stderr(err):
        code = collect_main(
            ["--runtime", "podman", "-o", str(out)] + (["--force"] if force else [])
        )
    assert code == rc
    assert out.exists() is kept
    assert "quay/quay/logs/current.log:12 (password)" in err.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == (["case.tgz"] if kept else [])


def test_a_redaction_error_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.collect import archive, podman

    def broken(root: Path, dest: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(podman, "collect", _fake_collect)
    monkeypatch.setattr(archive, "redact", broken)
    monkeypatch.setattr("shutil.which", lambda prog: "/usr/bin/" + prog)
    err = io.StringIO()
    with redirect_stderr(err):
        code = collect_main(["--runtime", "podman", "-o", str(tmp_path / "case.tgz")])
    assert code == 2 and "redaction failed (OSError: disk full)" in err.getvalue()
    assert list(tmp_path.iterdir()) == []
