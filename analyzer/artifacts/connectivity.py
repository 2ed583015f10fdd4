"""The `connectivity` kind: what `curl -v telnet://host:port` printed when someone tested a port.

The troubleshooting guide checks Quay -> database reachability with `curl -v telnet://<db>:5432`.
This module turns that output (one or several runs in one file, with or without curl's progress
meter) into one attempt per run: which host and port, which addresses were tried, whether a TCP
connection was made, and why not. It also owns the small helpers that strip curl's progress
meter from a line, which the health parser reuses for `curl -v` wrapped bodies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analyzer.artifacts.base import Parsed, TextSource
from analyzer.model import Problem

# curl's progress meter: "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0".
# It is redrawn with bare carriage returns, so its updates share a line with the `*` lines that
# curl -v writes to the same stream; each update has to be cut away before reading the rest.
_SIZE = r"[\d.]+[kKMGTPE]?"
_PROGRESS = re.compile(
    rf"^\s*\d+\s+{_SIZE}\s+\d+\s+{_SIZE}\s+\d+\s+{_SIZE}\s+{_SIZE}\s+{_SIZE}"
    rf"\s+\S+\s+\S+\s+\S+\s+{_SIZE}"
)
_PROGRESS_HEADER = re.compile(r"^\s*(?:% Total\s+% Received|Dload\s+Upload\s+Total)")

_TRYING = re.compile(r"^\*\s+Trying\s+(?P<addr>\S+?)(?:\.\.\.)?\s*$")
_CONNECTED = re.compile(r"^\*\s+Connected to (?P<host>\S+) \((?P<ip>[^)]*)\) port (?P<port>\d+)")
_CONNECT_FAILED = re.compile(
    r"^\*\s+connect to (?P<ip>\S+) port (?P<port>\d+) failed: (?P<why>.+)$"
)
_IMMEDIATE_FAIL = re.compile(r"^\*\s+Immediate connect fail for (?P<ip>[^:\s]+): (?P<why>.+)$")
_FAILED = re.compile(
    r"^\*\s+Failed to connect to (?P<host>\S+) port (?P<port>\d+)(?: after \d+ ms)?: (?P<why>.+)$"
)
_RESOLVE = re.compile(r"^\*\s+Could not resolve host: (?P<host>\S+)")
_TIMEOUT = re.compile(r"^\*\s+(?P<why>.*(?:timed out|[Tt]ime-?out).*)$")
_TRANSFER = re.compile(r"^\*\s+(?P<why>(?:Recv|Send) failure: .+)$")
_CLOSING = re.compile(r"^\*\s+(?:Closing connection|Connection #\d+ to host .* left intact)")
_CURL_EXIT = re.compile(r"^curl: \((?P<code>\d+)\) (?P<why>.*)$")
_URL = re.compile(r"telnet://(?P<host>\[[^\]]+\]|[^/:\s]+)(?::(?P<port>\d+))?")

# Reasons in the order a rule would want to name them: the most specific wins.
_KINDS = (
    ("refused", ("refused",)),
    ("resolve", ("resolve",)),
    ("timeout", ("timed out", "timeout", "time-out")),
    ("unreachable", ("unreachable", "no route")),
    ("reset", ("reset by peer",)),
)


def split_curl_line(line: str) -> list[str]:
    """Pieces of one output line with curl's progress-meter redraws removed."""
    out: list[str] = []
    for piece in line.split("\r"):
        while True:
            m = _PROGRESS.match(piece)
            if not m:
                break
            piece = piece[m.end() :]
        if piece.strip():
            out.append(piece)
    return out


def is_progress_header(text: str) -> bool:
    """True for the two header lines curl prints above its progress meter."""
    return bool(_PROGRESS_HEADER.match(text))


def error_kind(text: str | None) -> str | None:
    """Class of a connection error text: refused, resolve, timeout, unreachable, reset, other."""
    if not text:
        return None
    low = text.lower()
    for kind, words in _KINDS:
        if any(w in low for w in words):
            return kind
    return "other"


def _split_addr(addr: str) -> tuple[str, int | None]:
    """'10.0.0.5:5432' / '[::1]:5432' / '10.0.0.5' (older curl) -> (ip, port)."""
    if addr.startswith("["):
        ip, _, rest = addr[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return ip, int(port) if port.isdigit() else None
    if addr.count(":") == 1:
        ip, _, port = addr.partition(":")
        return ip, int(port) if port.isdigit() else None
    return addr, None


@dataclass
class _Attempt:
    line: int
    host: str | None = None
    port: int | None = None
    ip: str | None = None
    connected: bool = False
    tried: list[dict[str, Any]] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # source -> text
    exit_code: int | None = None
    curl_error: str | None = None
    finished: bool = False
    closed: bool = False

    def reason(self) -> str | None:
        for key in ("connect", "failed", "resolve", "timeout", "transfer", "exit"):
            if key in self.reasons:
                return self.reasons[key]
        return None

    def to_json(self) -> dict[str, Any]:
        host = self.host or self.ip
        if host and ":" in host and not host.startswith("["):
            host = f"[{host}]"
        target = host
        if host is not None and self.port is not None:
            target = f"{host}:{self.port}"
        error = self.reason()
        kinds = [error_kind(t) for t in self.reasons.values()]
        kind = next((k for k in kinds if k and k != "other"), error_kind(error))
        return {
            "target": target,
            "host": self.host,
            "port": self.port,
            "ip": self.ip,
            "connected": self.connected,
            "error": error,
            "error_kind": kind,
            "exit_code": self.exit_code,
            "curl_error": self.curl_error,
            "tried": self.tried,
        }


class _Reader:
    """Folds curl's `*` lines into attempts, one per curl run."""

    def __init__(self) -> None:
        self.attempts: list[_Attempt] = []
        self.cur: _Attempt | None = None

    def _open(self, line: int, fresh: bool) -> _Attempt:
        if self.cur is None or (fresh and (self.cur.finished or self.cur.closed)):
            self.cur = _Attempt(line=line)
            self.attempts.append(self.cur)
        return self.cur

    def _active(self) -> bool:
        c = self.cur
        return c is not None and bool(
            c.tried or c.connected or c.reasons or c.exit_code is not None
        )

    def feed(self, lineno: int, seg: str) -> None:
        if is_progress_header(seg):
            # A progress header starts every curl run that was not given -s.
            if self._active() and self.cur is not None:
                self.cur.finished = True
            return
        if not seg.startswith("*") and not seg.startswith("curl:"):
            m = _URL.search(seg)
            if m:  # a command line echoed into the file: the next run's target
                if self._active() and self.cur is not None:
                    self.cur.finished = True
                a = self._open(lineno, fresh=True)
                a.host = m["host"].strip("[]")
                a.port = int(m["port"]) if m["port"] else a.port
            return
        if m := _TRYING.match(seg):
            a = self._open(lineno, fresh=True)
            ip, port = _split_addr(m["addr"])
            a.tried.append({"ip": ip, "port": port, "error": None, "line": lineno})
            a.ip = ip
            if port is not None:
                a.port = port
        elif m := _CONNECTED.match(seg):
            a = self._open(lineno, fresh=True)
            a.connected = True
            # an earlier address of the same run may have failed; the run still got through
            a.reasons.pop("connect", None)
            a.host = m["host"].strip("[]")
            a.ip = m["ip"].strip("[]") or a.ip
            a.port = int(m["port"])
        elif m := _CONNECT_FAILED.match(seg) or _IMMEDIATE_FAIL.match(seg):
            a = self._open(lineno, fresh=False)
            ip = m["ip"].strip("[]")
            a.reasons["connect"] = m["why"].strip()
            for t in reversed(a.tried):
                if t["ip"] == ip and t["error"] is None:
                    t["error"] = m["why"].strip()
                    break
            else:
                port = int(m["port"]) if "port" in m.groupdict() else None
                a.tried.append({"ip": ip, "port": port, "error": m["why"].strip(), "line": lineno})
        elif m := _FAILED.match(seg):
            a = self._open(lineno, fresh=False)
            a.host = m["host"].strip("[]")
            a.port = int(m["port"])
            a.reasons["failed"] = m["why"].strip()
        elif m := _RESOLVE.match(seg):
            a = self._open(lineno, fresh=True)
            a.host = m["host"]
            a.reasons["resolve"] = f"Could not resolve host: {m['host']}"
        elif m := _TRANSFER.match(seg):
            self._open(lineno, fresh=False).reasons["transfer"] = m["why"].strip()
        elif _CLOSING.match(seg):
            if self.cur is not None:
                self.cur.closed = True
        elif m := _TIMEOUT.match(seg):
            self._open(lineno, fresh=False).reasons.setdefault("timeout", m["why"].strip())
        elif m := _CURL_EXIT.match(seg):
            a = self.cur
            if a is None or a.finished or a.exit_code is not None:
                a = _Attempt(line=lineno)
                self.attempts.append(a)
                self.cur = a
            a.exit_code = int(m["code"])
            a.curl_error = m["why"].strip()
            a.reasons["exit"] = a.curl_error
            a.finished = True
            if a.host is None:
                # "curl: (7) Failed to connect to db port 5432 ..." still names the target
                if f := re.search(r"to (\S+) port (\d+)", a.curl_error):
                    a.host, a.port = f[1], int(f[2])
                elif f := re.search(r"resolve host: (\S+)", a.curl_error):
                    a.host = f[1]


def sniff(head: str) -> bool:
    """True when the text looks like curl -v output of a plain TCP (telnet://) check."""
    if "> GET " in head or "< HTTP/" in head:
        return False
    if "telnet://" in head:
        return True
    return bool(
        re.search(r"^\*\s+Trying \S+", head, re.M)
        or re.search(r"(?:Failed to connect to|Could not resolve host:) \S+", head)
        or re.search(r"^\*\s+Connected to \S+ \(", head, re.M)
    )


def parse(src: TextSource) -> Parsed:
    """Parse curl -v telnet:// output into connection attempts."""
    reader = _Reader()
    for lineno, line in src.lines():
        for seg in split_curl_line(line):
            reader.feed(lineno, seg.strip() if seg.lstrip().startswith("*") else seg)
    attempts = [a for a in reader.attempts if a.tried or a.connected or a.reasons or a.host]
    out = Parsed(kind="connectivity", path=src.path, problems=list(src.notes))
    if not attempts:
        out.status = "invalid"
        out.problems.append(
            Problem(
                "no curl connection attempt found (expected `curl -v telnet://host:port` output)"
            )
        )
        return out
    data = {"attempts": [a.to_json() for a in attempts]}
    for i, a in enumerate(attempts):
        out.locations[f"attempts.{i}"] = a.line
        for j, t in enumerate(a.tried):
            out.locations[f"attempts.{i}.tried.{j}"] = t["line"]
    for item in data["attempts"]:
        for t in item["tried"]:
            t.pop("line", None)
    out.data = data
    out.meta["targets"] = sorted({a["target"] for a in data["attempts"] if a["target"]})
    return out
