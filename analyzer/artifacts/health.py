"""The three Quay health kinds: `/health/instance`, `/health/endtoend` and `/health/warning` bodies.

Quay answers each endpoint with `{"data": {"services": {name: bool}}, "status_code": 200|503}`;
for a superuser (or a session with `health_debug`) `data` also carries `services_expanded` with
the failure text of each service, `notes` and the pod's `hostname`. Bundles hold these bodies as
saved by curl: bare or pretty-printed, after `curl -i` headers, inside `curl -v` output, or empty
when nothing answered. This module finds the body and the HTTP status around it and checks the
services against what each endpoint reports (quay-facts §4). Each failing service is also listed
with Quay's failure text (`failures`), and a page that is not JSON (nginx's redirect in TLS mode,
a 502 while gunicorn is down) is reported by its title and redirect target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analyzer.artifacts.base import Parsed, TextSource
from analyzer.artifacts.connectivity import is_progress_header, split_curl_line
from analyzer.artifacts.safeload import LoadError, load_json
from analyzer.model import Problem

# Services each endpoint reports (health/services.py). The instance checkers that ship with
# Quay (Local, LDAP, RDSAware) skip redis and storage; preferred_storage appears only with
# HEALTH_CHECKER_INSTANCE_CHECK_PREFERRED_STORAGE.
EXPECTED: dict[str, frozenset[str]] = {
    "health_instance": frozenset(
        {"registry_gunicorn", "web_gunicorn", "service_key", "disk_space", "database", "auth"}
    ),
    "health_endtoend": frozenset({"auth", "database", "redis", "storage"}),
    "health_warning": frozenset({"disk_space_warning"}),
}
OPTIONAL: dict[str, frozenset[str]] = {
    "health_instance": frozenset({"preferred_storage"}),
    "health_endtoend": frozenset(),
    "health_warning": frozenset(),
}
ENDPOINT = {
    "health_instance": "/health/instance",
    "health_endtoend": "/health/endtoend",
    "health_warning": "/health/warning",
}

_HEADER_IN = re.compile(r"^<\s?")
_STATUS = re.compile(r"^HTTP/\d(?:\.\d)?\s+(?P<code>\d{3})(?:\s+(?P<reason>.*?))?\s*$")
_W_STATUS = re.compile(r"^HTTP (?P<code>\d{3})\s*$")  # curl -w "HTTP %{http_code}"
_BYTES_DATA = re.compile(r"^[{}] \[\d+ bytes data\]\s*$")
_CURL_EXIT = re.compile(r"^curl: \((?P<code>\d+)\) (?P<why>.*)$")
_CURL_TAIL = re.compile(r"\*\s+(?:Connection #\d+ to host .*left intact|Closing connection.*)$")
_LOCATION = re.compile(r"^location:\s*(?P<url>\S+)", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title>\s*(?P<title>[^<]{1,120}?)\s*</title>", re.IGNORECASE)


@dataclass
class _Response:
    """What surrounded the body: HTTP status line(s), curl's own errors, the wrapper style."""

    body: list[tuple[int, str]] = field(default_factory=list)
    http_status: int | None = None
    http_reason: str | None = None
    status_line: int | None = None
    curl_error: str | None = None
    wrapper: str | None = None
    no_response: bool = False
    too_large: bool = False
    location: str | None = None


def _read_response(src: TextSource) -> _Response:
    """Separate the JSON body from curl -v / -i / -w decorations."""
    resp = _Response()
    in_headers = False
    size = 0
    for lineno, line in src.lines():
        for seg in split_curl_line(line) or [""]:
            if in_headers:
                if not seg.strip():
                    in_headers = False
                elif m := _LOCATION.match(seg.strip()):
                    resp.location = m["url"]
                continue
            if is_progress_header(seg):
                continue
            if seg.startswith("< ") or seg.rstrip() == "<":
                resp.wrapper = "curl-v"
                header = _HEADER_IN.sub("", seg, count=1)
                m = _STATUS.match(header)
                if m:
                    resp.http_status, resp.http_reason = int(m["code"]), m["reason"] or None
                    resp.status_line = lineno
                elif loc := _LOCATION.match(header.strip()):
                    resp.location = loc["url"]
                continue
            if seg.startswith(">") or seg.startswith("*") or _BYTES_DATA.match(seg):
                resp.wrapper = resp.wrapper or "curl-v"
                continue
            if m := _CURL_EXIT.match(seg):
                resp.curl_error = seg.strip()
                continue
            if m := _STATUS.match(seg):
                # curl -i: a status line, headers, a blank line, then the body (a redirect
                # followed with -L repeats the block; the last status is the one that counts)
                resp.wrapper = resp.wrapper or "curl-i"
                resp.http_status, resp.http_reason = int(m["code"]), m["reason"] or None
                resp.status_line = lineno
                in_headers = True
                continue
            if m := _W_STATUS.match(seg.strip()):
                code = int(m["code"])
                if code == 0:
                    resp.no_response = True  # curl's 000: no HTTP response at all
                else:
                    resp.http_status = code
                    resp.status_line = lineno
                continue
            text = _CURL_TAIL.sub("", seg)
            if not text.strip() and not resp.body:
                continue
            size += len(text) + 1
            if size > src.max_text_bytes:
                resp.too_large = True
                return resp
            resp.body.append((lineno, text))
    while resp.body and not resp.body[-1][1].strip():
        resp.body.pop()
    return resp


def _line_of(body: list[tuple[int, str]], token: str, start: int = 0) -> tuple[int, int] | None:
    """(index, line) of the first body line at or after index start that contains token."""
    for i in range(start, len(body)):
        if token in body[i][1]:
            return i, body[i][0]
    return None


def _bool_or_none(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def _str_or_none(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)


def _guess_endpoint(services: dict[str, bool]) -> str | None:
    """Which endpoint a set of service names can only have come from, if any."""
    names = set(services)
    fits = [k for k in EXPECTED if names and names <= EXPECTED[k] | OPTIONAL[k]]
    return fits[0] if len(fits) == 1 else None


def _parse(src: TextSource, kind: str) -> Parsed:
    out = Parsed(kind=kind, path=src.path, problems=list(src.notes))
    resp = _read_response(src)
    out.meta["endpoint"] = ENDPOINT[kind]
    out.meta["wrapper"] = resp.wrapper
    if resp.http_status is not None:
        out.meta["http_status"] = resp.http_status
    if resp.curl_error:
        out.meta["curl_error"] = resp.curl_error

    if resp.too_large:
        out.status = "invalid"
        out.problems.append(Problem(f"response is larger than {src.max_text_bytes} bytes"))
        return out
    if not resp.body:
        out.status = "invalid"
        why = "empty response"
        if resp.no_response:
            why += " (curl got no HTTP response: HTTP 000)"
        elif resp.http_status is not None:
            why += f" (HTTP {resp.http_status})"
        if resp.location:
            why += f"; redirected to {resp.location}"
        if resp.curl_error:
            why += f"; {resp.curl_error}"
        out.problems.append(Problem(why, line=resp.status_line, code="empty"))
        return out

    text = "\n".join(t for _, t in resp.body)
    first_line = resp.body[0][0]
    try:
        obj = load_json(text)
    except LoadError as exc:
        out.status = "invalid"
        if text.lstrip().startswith(("{", "[")):
            line = first_line + exc.line - 1 if exc.line else first_line
            out.problems.append(Problem(exc.message, line=line, code="syntax"))
        else:
            # an error or redirect page (nginx 301 in TLS mode, 502 while gunicorn is down):
            # its title and the redirect target say more than its first line
            details = []
            if resp.http_status is not None:
                details.append(f"HTTP {resp.http_status}")
            if resp.location:
                details.append(f"Location: {resp.location}")
            status = f" ({', '.join(details)})" if details else ""
            title = _HTML_TITLE.search(text[:4096])
            what = (
                f"an HTML page titled {title['title']!r}"
                if title
                else repr(text.strip().splitlines()[0][:80])
            )
            out.problems.append(
                Problem(
                    f"response is not a JSON health body{status}: {what}",
                    line=first_line,
                    code="syntax",
                )
            )
        return out
    if not isinstance(obj, dict):
        out.status = "invalid"
        out.problems.append(
            Problem(
                f"expected a JSON object, found {type(obj).__name__}", line=first_line, code="type"
            )
        )
        return out

    body = resp.body
    problems = out.problems
    locs = out.locations

    inner = obj.get("data")
    if not isinstance(inner, dict):
        problems.append(
            Problem(
                'the body has no "data" object' if inner is None else '"data" is not an object',
                line=first_line,
                key="data",
                code="required" if inner is None else "type",
            )
        )
        inner = {}
    svc_at = _line_of(body, '"services"')
    svc_idx = svc_at[0] if svc_at else 0
    if svc_at:
        locs["services"] = svc_at[1]
    raw_services = inner.get("services")
    services: dict[str, bool] = {}
    if raw_services is None:
        problems.append(
            Problem(
                'the body has no "data.services" object',
                line=first_line,
                key="services",
                code="required",
            )
        )
    elif not isinstance(raw_services, dict):
        problems.append(
            Problem(
                '"data.services" is not an object',
                line=locs.get("services"),
                key="services",
                code="type",
            )
        )
    else:
        for name, value in raw_services.items():
            at = _line_of(body, f'"{name}"', svc_idx)
            line = at[1] if at else first_line
            if isinstance(value, bool):
                services[str(name)] = value
                locs[f"services.{name}"] = line
            else:
                problems.append(
                    Problem(
                        f"service {name!r} is {value!r}, not true/false",
                        line=line,
                        key=f"services.{name}",
                        code="type",
                    )
                )

    status_code = obj.get("status_code")
    at = _line_of(body, '"status_code"')
    if at:
        locs["status_code"] = at[1]
    if status_code is None:
        problems.append(
            Problem(
                'the body has no "status_code"', line=first_line, key="status_code", code="required"
            )
        )
    elif not isinstance(status_code, int) or isinstance(status_code, bool):
        problems.append(
            Problem(
                f"status_code is {status_code!r}, not an integer",
                line=locs.get("status_code"),
                key="status_code",
                code="type",
            )
        )
        status_code = None
    if resp.status_line is not None:
        locs["http_status"] = resp.status_line
    if "status_code" in locs:
        # the verdicts derived from the status are cited at the status line
        locs["status_consistent"] = locs["status_code"]

    expanded = _expanded(inner.get("services_expanded"), body, locs, problems)
    notes_raw = inner.get("notes")
    notes = [_str_or_none(n) or "" for n in notes_raw] if isinstance(notes_raw, list) else []
    for key in ("hostname", "notes", "config_provider"):
        at = _line_of(body, f'"{key}"')
        if at:
            locs[key] = at[1]

    failing = [name for name, ok in services.items() if not ok]
    for i, name in enumerate(failing):
        locs[f"failing.{i}"] = locs.get(f"services.{name}", first_line)
    # one entry per failing service with Quay's own words for it (superuser bodies only), so a
    # rule that matches `failures.*.service` finds the failure text beside the name
    failures = [
        {"service": name, "failure": ((expanded or {}).get(name) or {}).get("failure")}
        for name in failing
    ]
    for i, name in enumerate(failing):
        locs[f"failures.{i}"] = locs.get(f"services.{name}", first_line)

    _check_services(kind, services, locs, problems, first_line)
    consistent = _check_status(services, status_code, resp.http_status, notes, locs, problems)

    out.data = {
        "services": services,
        "status_code": status_code,
        "http_status": resp.http_status,
        "http_reason": resp.http_reason,
        "expanded": expanded,
        "notes": notes,
        "hostname": _str_or_none(inner.get("hostname")),
        "config_provider": _str_or_none(inner.get("config_provider")),
        "is_testing": _bool_or_none(inner.get("is_testing")),
        "local_service_key_id": _str_or_none(inner.get("local_service_key_id")),
        "failing": failing,
        "failures": failures,
        "healthy": bool(services) and not failing,
        "status_consistent": consistent,
    }
    looks_like = _guess_endpoint(services)
    out.meta["looks_like"] = looks_like
    return out


def _expanded(
    raw: Any, body: list[tuple[int, str]], locs: dict[str, int], problems: list[Problem]
) -> dict[str, dict[str, Any]] | None:
    """Normalize the superuser `services_expanded` map, or None when the body lacks it."""
    if raw is None:
        return None
    at = _line_of(body, '"services_expanded"')
    start = at[0] if at else 0
    if at:
        locs["expanded"] = at[1]
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                '"services_expanded" is not an object',
                line=locs.get("expanded"),
                key="expanded",
                code="type",
            )
        )
        return None
    out: dict[str, dict[str, Any]] = {}
    for name, entry in raw.items():
        hit = _line_of(body, f'"{name}"', start)
        line = hit[1] if hit else locs.get("expanded")
        if not isinstance(entry, dict) or not isinstance(entry.get("status"), bool):
            problems.append(
                Problem(
                    f"services_expanded.{name} has no true/false status",
                    line=line,
                    key=f"expanded.{name}",
                    code="type",
                )
            )
            continue
        out[str(name)] = {
            "status": entry["status"],
            "failure": _str_or_none(entry.get("failure")),
            "message": _str_or_none(entry.get("message")) or None,
        }
        if line is not None:
            locs[f"expanded.{name}"] = line
    return out


def _check_services(
    kind: str,
    services: dict[str, bool],
    locs: dict[str, int],
    problems: list[Problem],
    first_line: int,
) -> None:
    """Report services this endpoint never returns, and ones it always returns but are absent."""
    if not services:
        return
    expected, optional = EXPECTED[kind], OPTIONAL[kind]
    endpoint = ENDPOINT[kind]
    for name in services:
        if name not in expected and name not in optional:
            problems.append(
                Problem(
                    f"service {name!r} is not reported by {endpoint}; is this body from another "
                    "endpoint?",
                    line=locs.get(f"services.{name}"),
                    key=f"services.{name}",
                    code="unexpected-service",
                )
            )
    missing = sorted(expected - set(services))
    if missing:
        problems.append(
            Problem(
                f"{endpoint} always reports {', '.join(missing)}, absent here",
                line=locs.get("services", first_line),
                key="services",
                code="missing-service",
            )
        )


def _check_status(
    services: dict[str, bool],
    status_code: int | None,
    http_status: int | None,
    notes: list[str],
    locs: dict[str, int],
    problems: list[Problem],
) -> bool | None:
    """Whether status_code agrees with the services; problems for the unexplained cases."""
    if http_status is not None and status_code is not None and http_status != status_code:
        problems.append(
            Problem(
                f"HTTP status {http_status} differs from the body's status_code {status_code}",
                line=locs.get("http_status"),
                key="http_status",
                code="inconsistent-status",
            )
        )
    if status_code is None or not services:
        return None
    all_ok = all(services.values())
    consistent = status_code == (200 if all_ok else 503)
    if consistent or (all_ok and status_code == 503):
        # 503 with every service true is a known Quay answer (the docs' own /health/warning
        # example); it stays visible as status_consistent=false without being a problem.
        return consistent
    failing = [n for n, ok in services.items() if not ok]
    if status_code == 200 and failing:
        why = (
            f"status_code 200 although {', '.join(failing)} report false; the LDAP and RDS-aware "
            "health checkers skip some failures"
        )
        if notes:
            why += f" (notes: {'; '.join(notes)})"
    else:
        why = f"status_code {status_code} is neither 200 nor 503"
    problems.append(
        Problem(why, line=locs.get("status_code"), key="status_code", code="inconsistent-status")
    )
    return consistent


def parse_health_instance(src: TextSource) -> Parsed:
    """Parse a /health/instance response."""
    return _parse(src, "health_instance")


def parse_health_endtoend(src: TextSource) -> Parsed:
    """Parse a /health/endtoend response."""
    return _parse(src, "health_endtoend")


def parse_health_warning(src: TextSource) -> Parsed:
    """Parse a /health/warning response."""
    return _parse(src, "health_warning")


_HEALTH_BODY = re.compile(r'"services"\s*:\s*\{')


def _service_names(head: str) -> set[str]:
    m = _HEALTH_BODY.search(head)
    if not m:
        return set()
    # the services object is flat: names up to the first closing brace
    chunk = head[m.end() :].split("}", 1)[0]
    return set(re.findall(r'"([a-z_]+)"\s*:', chunk))


def sniff_health_instance(head: str) -> bool:
    """True when the head holds a health body with instance-only services."""
    return bool(_service_names(head) & (EXPECTED["health_instance"] - EXPECTED["health_endtoend"]))


def sniff_health_endtoend(head: str) -> bool:
    """True when the head holds a health body with endtoend's services and no instance-only ones."""
    names = _service_names(head)
    return bool(names & {"redis", "storage"}) and not names & (
        EXPECTED["health_instance"] - EXPECTED["health_endtoend"]
    )


def sniff_health_warning(head: str) -> bool:
    """True when the head holds a /health/warning body."""
    return "disk_space_warning" in _service_names(head)
