"""One redaction layer for everything the analyzer prints or writes.

Secrets are replaced by consistent tokens (`<secret:db-password:1>`): the same value gets
the same token everywhere in one run, so relationships stay visible ("Quay uses the password
from config.yaml") while the value does not. Two sources of secrets:
- known fields, by key path, in the configurations of the bundle (Quay, Clair, Redis blocks,
  storage credentials, PSKs, LDAP bind passwords...), whose values are then replaced wherever
  they appear (a log line repeating a password is redacted too);
- patterns that look like secrets in any text (credentials in URIs, private key blocks,
  bcrypt hashes, bearer tokens, AWS keys, password=... pairs).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

MIN_SECRET_LEN = 4  # shorter values would redact ordinary words

# Key names (last path segment, case-insensitive) whose values are secrets, with the token label.
_SECRET_KEYS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^database_secret_key$", re.I), "database-secret-key"),
    (re.compile(r"^secret_key$", re.I), "secret-key"),
    (re.compile(r"^(?:security_scanner_v4_psk|psk|key)$", re.I), "psk"),
    (re.compile(r"(?:^|_)(?:password|passwd|pass|pwd)$", re.I), "password"),
    (
        re.compile(
            r"(?:^|_)(?:secret|client_secret|consumer_secret|secret_key|s3_secret_key|sts_user_secret_key|azure_account_key|account_key)$",
            re.I,
        ),
        "secret",
    ),
    (
        re.compile(r"(?:^|_)(?:access_key|s3_access_key|sts_user_access_key|access_key_id)$", re.I),
        "access-key",
    ),
    (
        re.compile(
            r"(?:^|_)(?:token|hec_token|sas_token|api_token|dt_api_token|aws_session_token|bootstrap_token)$",
            re.I,
        ),
        "token",
    ),
    (
        re.compile(
            r"^(?:ldap_admin_passwd|mail_password|recaptcha_secret_key|github_client_secret)$", re.I
        ),
        "password",
    ),
    (re.compile(r"(?:^|_)private_?key$", re.I), "private-key"),
    (re.compile(r"^connstring$", re.I), "connstring"),
]
# Quay config keys holding URIs whose credentials are secret
_URI_KEYS = re.compile(r"^(?:DB_URI|connstring|url|uri|endpoint_url|LDAP_URI)$", re.I)

_URI_CRED = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^\s:/@'\"]*):(?P<pw>[^\s@'\"]+)@"
)
_PEM_KEY = re.compile(
    r"-----BEGIN (?P<kind>[A-Z ]*PRIVATE KEY)-----.*?(?:-----END (?P=kind)-----|\Z)", re.S
)
_BCRYPT = re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}")
_BEARER = re.compile(r"(?i)(\bbearer\s+)([A-Za-z0-9\-._~+/]{8,}=*)")
_BASIC = re.compile(r"(?i)(\bauthorization:\s*basic\s+)([A-Za-z0-9+/]{8,}=*)")
_AWS_KEY = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b")
_KV = re.compile(
    r"(?i)(?P<k>\b(?:password|passwd|pwd|secret|secret_key|access_key|psk|token|api_key|client_secret)\b"
    r"[\"']?\s*(?:=|:)\s*[\"']?)(?P<v>[^\s\"',;}&]{3,})"
)


@dataclasses.dataclass
class Redactor:
    """Maps secret values to tokens; consistent within one run."""

    show_secrets: bool = False
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)
    counters: dict[str, int] = dataclasses.field(default_factory=dict)
    _known: list[str] = dataclasses.field(default_factory=list)
    _known_re: re.Pattern[str] | None = None

    def token(self, value: str, label: str) -> str:
        tok = self.tokens.get(value)
        if tok is None:
            n = self.counters.get(label, 0) + 1
            self.counters[label] = n
            tok = f"<secret:{label}:{n}>"
            self.tokens[value] = tok
        return tok

    def add(self, value: Any, label: str) -> None:
        """Register a secret value found in a known field."""
        if not isinstance(value, str | int) or isinstance(value, bool):
            return
        text = str(value)
        if len(text) < MIN_SECRET_LEN or text.startswith("<secret:"):
            return
        if text not in self.tokens:
            self.token(text, label)
        if text not in self._known:
            self._known.append(text)
            self._known_re = None

    def add_uri(self, value: Any, label: str) -> None:
        if isinstance(value, str):
            for m in _URI_CRED.finditer(value):
                self.add(m.group("pw"), label)
            for m in re.finditer(r"(?i)\bpassword\s*=\s*'?([^\s']+)", value):
                self.add(m.group(1), label)

    def text(self, s: str) -> str:
        """Redact one string (identity with --show-secrets)."""
        if self.show_secrets or not s:
            return s
        if self._known:
            if self._known_re is None:
                alts = sorted(self._known, key=len, reverse=True)
                self._known_re = re.compile("|".join(re.escape(a) for a in alts))
            s = self._known_re.sub(lambda m: self.tokens[m.group(0)], s)
        s = _PEM_KEY.sub(lambda m: self.token(m.group(0), "private-key"), s)
        s = _URI_CRED.sub(
            lambda m: (
                f"{m.group('scheme')}{m.group('user')}:{self._tok(m.group('pw'), 'password')}@"
            ),
            s,
        )
        s = _BCRYPT.sub(lambda m: self.token(m.group(0), "bcrypt-hash"), s)
        s = _BEARER.sub(lambda m: m.group(1) + self.token(m.group(2), "token"), s)
        s = _BASIC.sub(lambda m: m.group(1) + self.token(m.group(2), "basic-auth"), s)
        s = _AWS_KEY.sub(lambda m: self.token(m.group(0), "aws-access-key"), s)
        s = _JWT.sub(lambda m: self.token(m.group(0), "jwt"), s)
        s = _KV.sub(lambda m: m.group("k") + self._tok(m.group("v"), "secret"), s)
        return s

    def _tok(self, value: str, label: str) -> str:
        if value.startswith("<secret:"):
            return value
        return self.token(value, label)

    def value(self, v: Any) -> Any:
        """Redact every string inside a JSON-like value."""
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [self.value(x) for x in v]
        return v


def label_for(key: str) -> str | None:
    last = key.rsplit(".", 1)[-1]
    for pattern, label in _SECRET_KEYS:
        if pattern.search(last):
            return label
    return None


def collect(redactor: Redactor, data: Any, prefix: str = "") -> None:
    """Register the secrets of a configuration mapping by key path."""
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            label = label_for(str(k))
            if _URI_KEYS.search(str(k)):
                redactor.add_uri(v, "db-password" if str(k).upper() == "DB_URI" else "password")
            if label and isinstance(v, str | int) and not isinstance(v, bool):
                if label == "connstring":
                    redactor.add_uri(v, "db-password")
                else:
                    redactor.add(v, label)
            elif str(k).lower() == "password" and v is not None:
                redactor.add(v, "password")
            collect(redactor, v, key)
    elif isinstance(data, list):
        # storage driver blocks are [Driver, {params}]
        for i, v in enumerate(data):
            collect(redactor, v, f"{prefix}.{i}")


def collect_env(redactor: Redactor, env: dict[str, Any]) -> None:
    for k, v in env.items():
        if label_for(k) or re.search(r"(?i)pass|secret|token|key", k):
            redactor.add(v, "env-secret")


def redact_result(result: Any, redactor: Redactor) -> Any:
    """A copy of a Result with every string passed through the redactor."""
    if redactor.show_secrets:
        return result
    return _walk(result, redactor)


def _walk(obj: Any, r: Redactor) -> Any:
    if isinstance(obj, str):
        return r.text(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _walk(getattr(obj, f.name), r) for f in dataclasses.fields(obj)}
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, dict):
        return {k: _walk(v, r) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_walk(v, r) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_walk(v, r) for v in obj)
    return obj


def from_parsed(parsed: dict[str, Iterable[Any]], show_secrets: bool = False) -> Redactor:
    """A redactor primed with the secrets of every configuration in the bundle."""
    r = Redactor(show_secrets=show_secrets)
    for kind in ("quay_config", "clair_config", "quayregistry_cr", "manifest"):
        for p in parsed.get(kind, []):
            collect(r, getattr(p, "data", None))
    for kind in ("container_inspect", "k8s_resource"):
        for p in parsed.get(kind, []):
            data = getattr(p, "data", None)
            if not isinstance(data, dict):
                continue
            for c in data.get("containers", []) + [
                c for it in data.get("items", []) for c in it.get("containers", [])
            ]:
                if isinstance(c, dict) and isinstance(c.get("env"), dict):
                    collect_env(r, c["env"])
    return r
