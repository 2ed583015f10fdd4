"""Fixtures for the collector tests: stand-in executables on PATH and a loopback health server."""

from __future__ import annotations

import io
import json
import os
import re
import ssl
import tarfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from analyzer.cli import main as analyze_main
from tests.collect.worlds import HEALTHY, OUTAGE, install_standins

# The bodies Quay returned in the outage (standalone-db-outage) and when healthy.
OUTAGE_HEALTH = {
    "/health/instance": (503, (OUTAGE / "instance.json").read_bytes()),
    "/health/endtoend": (503, (OUTAGE / "e2e.out").read_bytes()),
    "/health/warning": (200, (HEALTHY / "quay/health/warning.json").read_bytes()),
}
HEALTHY_HEALTH = {
    f"/health/{ep}": (200, (HEALTHY / f"quay/health/{ep}.json").read_bytes())
    for ep in ("instance", "endtoend", "warning")
}


@pytest.fixture
def standins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh world directory served by stand-in podman/oc placed first on PATH."""
    return use_standins(tmp_path, monkeypatch)


def use_standins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put stand-in podman/oc first on PATH, serving a new world directory under tmp_path."""
    bindir = tmp_path / "bin"
    install_standins(bindir)
    world = tmp_path / "world"
    world.mkdir()
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("STANDIN_WORLD", str(world))
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    return world


def behave(world: Path, *rules: dict[str, Any]) -> None:
    """Make the stand-ins hang or fail on matching commands."""
    (world / "behaviour.json").write_text(json.dumps(list(rules)))


def calls(world: Path) -> list[list[str]]:
    """Every argv the stand-ins received, in order."""
    path = world / "calls.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


@contextmanager
def health_server(
    bodies: dict[str, tuple[int, bytes]],
    *,
    tls: tuple[Path, Path] | None = None,
    delay: float = 0.0,
) -> Iterator[str]:
    """A loopback server answering the health paths; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            if delay:
                time.sleep(delay)
            status, body = bodies.get(self.path, (404, b"<html>404 Not Found</html>"))
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    scheme = "http"
    if tls is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def collect(args: list[str]) -> tuple[int, str]:
    """Run `analyze collect ARGS` in this process; (exit code, stderr)."""
    err = io.StringIO()
    with redirect_stderr(err):
        rc = analyze_main(["collect", *args])
    return rc, err.getvalue()


def analyze(bundle: Path, out: Path) -> dict[str, Any]:
    """`analyze BUNDLE --format json` as a dict."""
    err = io.StringIO()
    with redirect_stderr(err):
        rc = analyze_main([str(bundle), "--format", "json", "-o", str(out), "--fail-on", "never"])
    assert rc == 0, err.getvalue()
    return json.loads(out.read_text())


def missing_kinds(report: dict[str, Any]) -> set[str]:
    """The artifacts whose absence made a check not evaluable."""
    return {
        m
        for c in report["checks"]
        if c["status"] == "not_evaluable"
        for m in re.findall(r"\bno (\w+(?: listing)?)\b[^;]*? in the bundle", c["reason"])
    }


def members(archive: Path) -> dict[str, bytes]:
    """Every regular member of a .tgz with its bytes."""
    out: dict[str, bytes] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for m in tar:
            if m.isreg():
                fh = tar.extractfile(m)
                assert fh is not None
                out[m.name] = fh.read()
    return out
