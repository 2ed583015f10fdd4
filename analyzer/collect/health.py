"""Quay's health endpoints, fetched the way the guide does with curl (ch. 5).

`GET <quay-url>/health/instance`, `/health/endtoend` and `/health/warning`, each bounded by the
step timeout. A 503 is an answer, not a failure: its JSON body says which service is down, so
every body that arrives is kept. TLS certificates are verified unless `--insecure` is given (a
self-signed route is common, and the failure message says how to proceed). Redirects are
followed, since Quay answers plain HTTP with a redirect when it terminates TLS itself.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from analyzer import __version__
from analyzer.collect.runner import Runner

ENDPOINTS = ("instance", "endtoend", "warning")
MAX_BODY = 1 << 20
# Quay's own checks answer within seconds (database 3 s, Redis 1 s); a longer wait is a hang
MAX_SECONDS = 30.0


def limit(step_timeout: float) -> float:
    """The timeout of one health request: the step timeout, at most MAX_SECONDS."""
    return min(step_timeout, MAX_SECONDS)


def base_url_from_config(config: dict[str, object] | None) -> str | None:
    """`<scheme>://<SERVER_HOSTNAME>` from a Quay config.yaml, when it names a host."""
    if not config:
        return None
    host = config.get("SERVER_HOSTNAME")
    if not isinstance(host, str) or not host.strip():
        return None
    scheme = config.get("PREFERRED_URL_SCHEME")
    scheme = scheme if scheme in ("http", "https") else "http"
    return f"{scheme}://{host.strip()}"


def valid_url(url: str) -> bool:
    """True for an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _opener(insecure: bool) -> urllib.request.OpenerDirector:
    """A URL opener that verifies TLS certificates unless told not to."""
    ctx = ssl.create_default_context()
    if insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx))


def _why(exc: BaseException, timeout: float) -> str:
    """A one-line reason for a request that got no answer."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate not trusted ({reason.verify_message or reason}); "
            "use --insecure to skip verification"
        )
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def fetch(runner: Runner, base_url: str, *, insecure: bool, timeout: float) -> None:
    """GET the three health endpoints into quay/health/<endpoint>.json."""
    opener = _opener(insecure)
    base = base_url.rstrip("/")
    for ep in ENDPOINTS:
        url = f"{base}/health/{ep}"
        cmd = f"GET {url}" + (" (TLS verification off)" if insecure else "")
        request = urllib.request.Request(
            url,
            headers={"Accept": "application/json", "User-Agent": f"analyze-collect/{__version__}"},
        )
        start = time.monotonic()
        status: int | None = None
        body = b""
        message = ""
        try:
            with opener.open(request, timeout=timeout) as resp:
                status = resp.status
                body = resp.read(MAX_BODY + 1)
        except urllib.error.HTTPError as exc:
            status = exc.code
            try:
                body = exc.read(MAX_BODY + 1)
            except (OSError, http.client.HTTPException):
                body = b""
            finally:
                exc.close()
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            message = _why(exc, timeout)
        seconds = round(time.monotonic() - start, 3)
        output = None
        if status is not None:
            if len(body) > MAX_BODY:
                body = body[:MAX_BODY]
                message = f"HTTP {status}: the body was cut at {MAX_BODY} bytes"
            if body.strip():
                output = runner.put(f"quay/health/{ep}.json", body)
                if not message and not _is_health(body):
                    message = f"HTTP {status}: the body is not Quay's health JSON"
            else:
                message = f"HTTP {status} with an empty body"
        runner.record(cmd, 0 if status is not None else None, seconds, output)
        if message:
            runner.fail(cmd, message)


def fetch_or_say(
    runner: Runner, base_url: str | None, *, insecure: bool, timeout: float, missing: str
) -> None:
    """Fetch the endpoints from base_url, or record that they were not fetched and why."""
    if base_url:
        fetch(runner, base_url, insecure=insecure, timeout=limit(timeout))
    else:
        runner.fail(None, f"health endpoints not fetched: no --quay-url given and {missing}")


def _is_health(body: bytes) -> bool:
    """True when a body is `{"data": {"services": {...}}, "status_code": N}`."""
    try:
        obj = json.loads(body)
    except ValueError:
        return False
    data = obj.get("data") if isinstance(obj, dict) else None
    return isinstance(data, dict) and isinstance(data.get("services"), dict)
