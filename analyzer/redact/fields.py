"""Where secrets live in the bundle's structured files, by key path.

Quay's config.yaml (quay-facts.md §1.4, §1.5, §1.7 for the storage drivers' credentials),
Clair's config.yaml (connection strings, `auth.psk.key`), container environments (podman
inspect `Config.Env`, pod specs' `env`), Kubernetes Secrets, and the QuayRegistry CR's env
overrides. A walker yields each secret with its dotted path, so callers can both register the
value and point at the line that holds it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from analyzer.redact.patterns import label_for_name, placeholder, secret_env_name, secret_name

# Quay config: exact top-level keys.
_QUAY_TOP: dict[str, str] = {
    "DATABASE_SECRET_KEY": "database-secret-key",
    "SECRET_KEY": "secret-key",
    "SECURITY_SCANNER_V4_PSK": "psk",
    "LDAP_ADMIN_PASSWD": "ldap-password",
    "MAIL_PASSWORD": "mail-password",
    "RECAPTCHA_SECRET_KEY": "recaptcha-secret",
    "ENABLE_HEALTH_DEBUG_SECRET": "health-debug-secret",
    "KEYSTONE_ADMIN_PASSWORD": "keystone-password",
    "SENTRY_DSN": "sentry-dsn",
    "SENTRY_PUBLIC_DSN": "sentry-dsn",
}
# Storage driver parameters (the second item of each DISTRIBUTED_STORAGE_CONFIG entry).
_STORAGE: dict[str, str] = {
    "access_key": "storage-access-key",
    "s3_access_key": "storage-access-key",
    "sts_user_access_key": "storage-access-key",
    "secret_key": "storage-secret-key",
    "s3_secret_key": "storage-secret-key",
    "sts_user_secret_key": "storage-secret-key",
    "azure_account_key": "storage-secret-key",
    "akamai_shared_secret": "storage-secret-key",
    "temp_url_key": "storage-secret-key",
    "swift_password": "storage-password",
    "password": "storage-password",
    "sas_token": "storage-token",
    "aws_session_token": "storage-token",
}
# Keys whose value is a URI or connection string that may carry a password.
_URI_KEY = re.compile(r"(?i)(?:^|_)(?:uri|url|uris|urls|dsn|endpoint|endpoint_url|address|hosts?)$")
_CONNSTRING_KEY = re.compile(r"(?i)^(?:connstring|conn_string|connection_string|conninfo)$")
_URI_PW = re.compile(
    r"\b[A-Za-z][A-Za-z0-9+.\-]{1,30}://[^\s:/@'\"<>|]{0,256}:(?P<pw>[^\s'\"<>|]{1,512})@"
)
_CONN_PW = re.compile(r"""(?i)\bpassword\s*=\s*(?:'(?P<q>(?:[^'\\]|\\.)*)'|(?P<b>[^\s']+))""")


@dataclass(frozen=True, slots=True)
class Secret:
    """One secret of a structured file: its key path, the secret text and its token label.

    `whole` is the value found at the path; `value` is the secret inside it (the password
    of a URI, the whole value otherwise).
    """

    path: str
    value: str
    label: str
    whole: str


def _scalar(v: Any) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, str | int | float):
        text = str(v)
        return None if placeholder(text) else text
    return None


def uri_passwords(text: str) -> list[str]:
    """Passwords inside URIs (`scheme://user:pw@host`) and libpq strings (`password=...`)."""
    out = [m.group("pw") for m in _URI_PW.finditer(text)]
    for m in _CONN_PW.finditer(text):
        pw = m.group("q") if m.group("q") is not None else m.group("b")
        if pw:
            out.append(pw)
    return [p for p in out if not placeholder(p)]


def _uri_label(key: str, text: str) -> str:
    low = text.lower()
    if low.startswith(("redis", "rediss")) or "redis" in key.lower():
        return "redis-password"
    if low.startswith("ldap"):
        return "ldap-password"
    if (
        key.upper() == "DB_URI"
        or low.startswith(("postgres", "mysql"))
        or "connstring" in key.lower()
    ):
        return "db-password"
    return "password"


def key_label(path: list[str]) -> str | None:
    """The token label of the value at a key path, or None when it is not a secret."""
    last = path[-1]
    top = path[0] if path else ""
    if len(path) == 1 and last in _QUAY_TOP:
        return _QUAY_TOP[last]
    if top == "DISTRIBUTED_STORAGE_CONFIG" and last.lower() in _STORAGE:
        return _STORAGE[last.lower()]
    if last.lower() == "password" and ("REDIS" in top.upper() or "redis" in ".".join(path).lower()):
        return "redis-password"
    if last.upper() == "CLIENT_SECRET":
        return "oidc-client-secret" if top.endswith("_LOGIN_CONFIG") else "oauth-client-secret"
    if last.upper() == "CONSUMER_SECRET":
        return "oauth-client-secret"
    if path[-2:] == ["psk", "key"]:  # Clair auth.psk.key
        return "psk"
    if secret_name(last):
        return label_for_name(last)
    return None


def walk_config(data: Any, prefix: tuple[str, ...] = ()) -> Iterator[Secret]:
    """Every secret of a configuration mapping (Quay, Clair, a CR), by key path."""
    if isinstance(data, dict):
        for k, v in data.items():
            path = [*prefix, str(k)]
            dotted = ".".join(path)
            text = _scalar(v)
            if text is not None:
                key = str(k)
                label = key_label(path)
                if _CONNSTRING_KEY.match(key) or _URI_KEY.search(key) or "://" in text:
                    for pw in uri_passwords(text):
                        yield Secret(dotted, pw, _uri_label(key, text), text)
                    if label and not _CONNSTRING_KEY.match(key) and key.upper() != "DB_URI":
                        yield Secret(dotted, text, label, text)
                elif label:
                    yield Secret(dotted, text, label, text)
            elif isinstance(v, dict | list):
                yield from walk_config(v, tuple(path))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            path = [*prefix, str(i)]
            text = _scalar(v)
            if text is not None and prefix and "://" in text:
                for pw in uri_passwords(text):
                    yield Secret(".".join(path), pw, _uri_label(prefix[-1], text), text)
            elif isinstance(v, dict | list):
                yield from walk_config(v, tuple(path))


def env_secrets(env: Any, prefix: str = "env") -> Iterator[Secret]:
    """Secrets of an environment: a name->value mapping or a list of NAME=value strings."""
    items: list[tuple[str, Any]] = []
    if isinstance(env, dict):
        items = list(env.items())
    elif isinstance(env, list):
        for e in env:
            if isinstance(e, str) and "=" in e:
                name, _, value = e.partition("=")
                items.append((name, value))
            elif isinstance(e, dict) and "name" in e:
                items.append((str(e.get("name")), e.get("value")))
    for name, value in items:
        text = _scalar(value)
        if text is None:
            continue
        if secret_env_name(str(name)):
            yield Secret(f"{prefix}.{name}", text, label_for_name(str(name)), text)
        else:
            for pw in uri_passwords(text):
                yield Secret(f"{prefix}.{name}", pw, _uri_label(str(name), text), text)


def walk_k8s(obj: Any, prefix: tuple[str, ...] = ()) -> Iterator[Secret]:
    """Secrets in Kubernetes objects as loaded from YAML/JSON: Secret data, env values.

    A Secret's values are base64: the encoded text is the secret as it appears in the file;
    when it decodes to a Quay or Clair config, the secrets inside are yielded too.
    """
    if isinstance(obj, dict):
        if obj.get("kind") == "Secret":
            for field in ("data", "stringData"):
                block = obj.get(field)
                if not isinstance(block, dict):
                    continue
                for k, v in block.items():
                    text = _scalar(v)
                    if text is None:
                        continue
                    path = ".".join([*prefix, field, str(k)])
                    yield Secret(path, text, "k8s-secret", text)
                    if field == "data":
                        yield from _decoded(path, text)
        if isinstance(obj.get("name"), str) and "value" in obj and secret_env_name(obj["name"]):
            text = _scalar(obj.get("value"))
            if text is not None:
                path = ".".join([*prefix, "value"])
                yield Secret(path, text, label_for_name(obj["name"]), text)
        for k, v in obj.items():
            if k in ("data", "stringData") and obj.get("kind") == "Secret":
                continue
            if isinstance(v, dict | list):
                yield from walk_k8s(v, (*prefix, str(k)))
            elif isinstance(v, str) and "://" in v:
                for pw in uri_passwords(v):
                    yield Secret(".".join([*prefix, str(k)]), pw, _uri_label(str(k), v), v)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk_k8s(v, (*prefix, str(i)))


def _decoded(path: str, text: str) -> Iterator[Secret]:
    """Secrets inside a base64 Secret value that holds a YAML config (the config bundle)."""
    if len(text) > (4 << 20):
        return
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    if ":" not in decoded:
        # a plain secret (a password, a key): its decoded form may appear elsewhere too
        if len(decoded.strip()) >= 4 and decoded.strip().isprintable():
            yield Secret(path, decoded.strip(), "k8s-secret", decoded)
        return
    from analyzer.artifacts import safeload

    try:
        doc = safeload.load_yaml(decoded)
    except safeload.LoadError:
        return
    if isinstance(doc.data, dict):
        for s in walk_config(doc.data):
            yield Secret(path, s.value, s.label, s.whole)
