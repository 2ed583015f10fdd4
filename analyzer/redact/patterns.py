"""What a secret looks like in free text, independent of where it was found.

Each detector finds the secret part of a match and leaves its context alone, so a redacted
`postgresql://quay:<secret:db-password:1>@db:5432/quay` still says which user connects where.
The same detectors serve two purposes: redaction (`Redactor.text`) and the re-scan of a
sanitized bundle (`scan_text`), which must find nothing but tokens.

Sources of the shapes: Quay's config keys (quay-facts.md §1), libpq connection strings,
python-ldap's trace output (`*** <obj> <uri> - SimpleLDAPObject.simple_bind` followed by the
pprint of the call's arguments: the bind DN, then the password), which Quay turns on with
`USERS_DEBUG=1`, and the usual header and key formats (PEM, bcrypt, JWT, AWS key ids).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

TOKEN_RE = re.compile(r"<secret:[a-z0-9-]+:\d+>")
_TOKEN_FULL = re.compile(r"\A<secret:[a-z0-9-]+:\d+>\Z")

# Values that are placeholders, not secrets: a key named `password` holding these says nothing.
_NOT_SECRET = frozenset(
    {"", "true", "false", "null", "none", "nil", "yes", "no", "~", "''", '""', "[]", "{}", "-"}
)


def is_token(value: object) -> bool:
    """True when a value is exactly a redaction token (an unknown secret, not a value)."""
    return isinstance(value, str) and _TOKEN_FULL.match(value.strip()) is not None


def placeholder(value: str) -> bool:
    """True for values that cannot be a secret: empty, booleans, masks, env references."""
    v = value.strip().strip("'\"").strip()
    if v.lower() in _NOT_SECRET:
        return True
    if TOKEN_RE.fullmatch(v):
        return True
    if set(v) <= {"*", "x", "X", "."} and len(v) >= 3:  # ****, ***HIDDEN*** style masks
        return True
    if v.startswith(("$(", "${")) and v.endswith((")", "}")):  # an env reference, not a value
        return True
    return bool(v.upper() == "***HIDDEN***" or v.startswith("<secret:"))


# -- key names ---------------------------------------------------------------------------------

# Names (a config key, an env variable, a command-line option) whose value is a secret.
# Long words may follow any prefix (PGPASSWORD, MINIO_ROOT_PASSWORD); short ones need a
# separator before them, so `bypass` or `monkey` are not taken for secrets.
_LONG_WORDS = (
    r"password|passwd|passphrase|secret|secretkey|secret_key|secret-key|accesskey|access_key|"
    r"access-key|privatekey|private_key|private-key|apikey|api_key|api-key|token|credentials?|"
    r"requirepass|masterauth|passcode|account_key|accountkey|sas_token|shared_secret|"
    r"temp_url_key|auth_key|signing_key|encryption_key|master_key|session_key|client_key"
)
_SHORT_WORDS = r"pass|pwd|psk|pw"
NAME = (
    rf"(?:[A-Za-z0-9]{{0,40}}(?:{_LONG_WORDS})|(?:[A-Za-z0-9]{{1,40}}[_.-]){{0,6}}(?:{_SHORT_WORDS}))"
    r"(?![A-Za-z0-9_])"
)
_NAME_FULL = re.compile(rf"(?i)(?:[A-Za-z0-9]{{1,40}}[_.-]){{0,8}}{NAME}")
# names that hold where a secret is, not the secret
_NOT_A_VALUE_NAME = re.compile(
    r"(?i)(?:_|-|\.)(?:file|path|dir|filename|name|ref|id|kind|type|length|len|ttl|expiration|"
    r"lifetime|policy|enabled)$"
)


# names whose value is the name of a Kubernetes Secret object, not a secret
_REFERENCE_NAMES = frozenset(
    {
        "configbundlesecret",
        "secretname",
        "secretref",
        "pullsecret",
        "imagepullsecret",
        "imagepullsecrets",
        "qe_k8s_config_secret",
        "programmatic_token_k8s_secret",
    }
)


def secret_name(name: str) -> bool:
    """True when a key or variable name says its value is a secret (DB_PASSWORD, secret_key...)."""
    name = name.strip().strip("'\"-")
    if not name or _NOT_A_VALUE_NAME.search(name) or name.lower() in _REFERENCE_NAMES:
        return False
    return _NAME_FULL.fullmatch(name) is not None


_ENV_SECRET = re.compile(
    r"(?i)pass(?:word|wd|phrase)?|secret|token|api_?key|access_?key|private_?key|credential|psk|pwd"
)


def secret_env_name(name: str) -> bool:
    """True when an environment variable's name says its value is a secret.

    Looser than key names: POSTGRESQL_PASSWORD_OVERRIDE or AWS_SECRET_ACCESS_KEY_ID hold
    secrets wherever the word sits, unless the name says it is a file, path or reference.
    """
    name = name.strip().strip("'\"")
    if not name or _NOT_A_VALUE_NAME.search(name) or name.lower() in _REFERENCE_NAMES:
        return False
    return secret_name(name) or _ENV_SECRET.search(name) is not None


def label_for_name(name: str) -> str:
    """The token label for a secret found under a name: db-password, redis-password, token..."""
    n = name.lower()
    if any(w in n for w in ("pass", "pwd", "passcode", "masterauth")):
        for hint, label in (
            ("redis", "redis-password"),
            ("ldap", "ldap-password"),
            ("mail", "mail-password"),
            ("smtp", "mail-password"),
            ("postgres", "db-password"),
            ("pg", "db-password"),
            ("db", "db-password"),
            ("database", "db-password"),
            ("mysql", "db-password"),
            ("swift", "storage-password"),
        ):
            if hint in n:
                return label
        return "password"
    if "psk" in n:
        return "psk"
    if "access" in n and "key" in n:
        return "access-key"
    if "token" in n:
        return "token"
    if "private" in n:
        return "private-key"
    if "secret" in n or "key" in n:
        return "secret"
    if "credential" in n:
        return "credentials"
    return "secret"


# -- detectors ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """One secret inside a text: where its secret part is, and what kind it is."""

    start: int
    end: int
    label: str

    def value(self, text: str) -> str:
        return text[self.start : self.end]


# Python string literal as pprint writes it (single or double quotes, optional b prefix).
_LIT = r"""b?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
# Between two items of a pprint'ed tuple: spaces, or a line break that may carry the
# supervisord prefix (`gunicorn-web stdout | `) or a collector's timestamp before it.
_GAP = r"""[ \t]*(?:\n(?:[^\n'"]{0,200}?\|)?[ \t]*)?"""
LDAP_BIND = re.compile(rf"\.simple_bind\w*[^\n]*{_GAP}\(\({_GAP}{_LIT}{_GAP},{_GAP}(?P<pw>{_LIT})")
# An LDAP entry as Quay's DEBUG log prints it: `'userPassword': [b'{SSHA}...']`
LDAP_USERPASSWORD = re.compile(rf"""(?i)['"]userPassword['"]\s*:\s*\[\s*(?P<pw>{_LIT})""")

_PEM = re.compile(
    r"-----BEGIN (?P<kind>(?:[A-Z0-9]+ )*)PRIVATE KEY-----(?P<body>.*?)"
    r"(?:-----END (?P=kind)PRIVATE KEY-----|\Z)",
    re.S,
)
# scheme://user:password@host — the user part may be empty (redis://:pw@host); the password
# runs to the last @ of the authority, so a raw @ inside it does not leave a tail behind.
_URI = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]{1,30})://(?P<user>[^\s:/@'\"<>|]{0,256}):"
    r"(?P<pw>[^\s'\"<>|]{0,512})@(?=[^\s@'\"<>|]{0,512}(?:[/\s'\"?#|]|\Z))"
)
_PORT_PATH = re.compile(r"\d{1,5}/")
_BCRYPT = re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}")
_AUTH_HEADER = re.compile(
    r"(?i)\b(?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|jwt|digest|negotiate)\s+)?"
    r"(?P<v>[^\s'\",]+)"
)
_BEARER = re.compile(r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9\-._~+/]{8,}=*)")
_COOKIE = re.compile(r"(?i)\b(?:set-)?cookie\s*:\s*(?P<rest>[^\r\n]*)")
_COOKIE_PAIR = re.compile(r"(?:^|;)\s*(?P<name>[^=;\s]+)\s*=\s*(?P<v>[^;\s]*)")
_COOKIE_ATTRS = frozenset(
    {"path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "priority"}
)
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}")
_DOCKER_AUTH = re.compile(r"""(?i)["']auth["']\s*:\s*["'](?P<v>[A-Za-z0-9+/=]{8,})["']""")
# name=value, name: value, "name": "value" on one line
_KV = re.compile(
    rf"""(?i)(?<![A-Za-z0-9_.-])-{{0,2}}(?P<name>(?:[A-Za-z0-9]{{1,40}}[_.-]){{0,8}}{NAME})["']?[ \t]*(?P<sep>[:=])[ \t]*"""
    r"""(?P<v>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s"',;}&)\]]+)"""
)
# SQL that sets a password, as PostgreSQL logs a failing statement:
# `ALTER ROLE quay WITH PASSWORD 'x'`, `CREATE USER u ENCRYPTED PASSWORD 'x'`, MySQL `IDENTIFIED BY 'x'`
_SQL_PASSWORD = re.compile(
    r"(?i)(?:\bpassword|\b(?:user|role)\b[^;\n]{0,200}?\bidentified\s+by)\s+(?P<v>'(?:[^'\\\n]|''|\\.)*')"
)
# (alembic says "revision identified by '<rev>'": only IDENTIFIED BY after USER/ROLE is SQL)
# redis.conf: `requirepass <password>`, `masterauth <password>`
_REDIS_CONF = re.compile(r"(?im)^[ \t]*(?:requirepass|masterauth)[ \t]+(?P<v>\S+)")
# a line of Kubernetes env in YAML holds the name; its value is on the next line
ENV_NAME_LINE = re.compile(
    r"""^\s*-?\s*["']?name["']?\s*:\s*["']?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?\s*,?\s*$"""
)
ENV_VALUE_LINE = re.compile(r"""^(?P<pre>\s*["']?value["']?\s*:\s*)(?P<v>.*?)\s*,?\s*$""")


_YAML_NOT_A_VALUE = re.compile(r"[{\[]|[|>][-+]?\d?$|[&*!][\w.!/-]*$")
_ENV_REF = re.compile(
    r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}?|\([A-Za-z_][A-Za-z0-9_]*\)?|[A-Z_][A-Z0-9_]*$)"
)


def _strip_quotes(v: str) -> tuple[int, int]:
    """Offsets of the inside of a quoted value (the whole value when unquoted)."""
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return 1, len(v) - 1
    if len(v) >= 3 and v[0] == "b" and v[1] == v[-1] and v[1] in "'\"":
        return 2, len(v) - 1
    return 0, len(v)


def _literal_hit(m: re.Match[str], group: str, label: str) -> Hit | None:
    a, b = _strip_quotes(m.group(group))
    start = m.start(group) + a
    end = m.start(group) + b
    if end <= start:
        return None
    return Hit(start, end, label)


def _uri_label(scheme: str) -> str:
    s = scheme.lower()
    if s.startswith(("postgres", "mysql", "mariadb", "sqlite", "cockroach")):
        return "db-password"
    if s.startswith("redis") or s.startswith("rediss"):
        return "redis-password"
    if s.startswith("ldap"):
        return "ldap-password"
    if s.startswith(("smtp", "imap")):
        return "mail-password"
    return "password"


def _detect_pem(text: str) -> Iterator[Hit]:
    if "PRIVATE KEY-----" not in text:
        return
    for m in _PEM.finditer(text):
        body = m.group("body")
        lead = len(body) - len(body.lstrip())
        trail = len(body) - len(body.rstrip())
        # keep the separators ("\n" or an escaped "\\n") around the body
        for sep in ("\\n", "\\r\\n"):
            if body.startswith(sep, lead) and not body[lead:].startswith(sep + "-----"):
                lead += len(sep)
        if body.rstrip().endswith("\\n"):
            trail += 2
        start, end = m.start("body") + lead, m.end("body") - trail
        if end > start:
            yield Hit(start, end, "private-key")


def _detect_uri(text: str) -> Iterator[Hit]:
    if "://" not in text:
        return
    for m in _URI.finditer(text):
        pw = m.group("pw")
        if not pw:
            continue
        user = m.group("user")
        if _PORT_PATH.match(pw) and ("." in user or user == "localhost"):
            continue  # http://host:8080/path/name@example.com: a port and a path, no password
        yield Hit(m.start("pw"), m.end("pw"), _uri_label(m.group("scheme")))


def _detect_ldap(text: str) -> Iterator[Hit]:
    if "simple_bind" in text:
        for m in LDAP_BIND.finditer(text):
            h = _literal_hit(m, "pw", "ldap-password")
            if h:
                yield h
    if "serPassword" in text or "serpassword" in text.lower():
        for m in LDAP_USERPASSWORD.finditer(text):
            h = _literal_hit(m, "pw", "ldap-password-hash")
            if h:
                yield h


def _detect_simple(
    pattern: re.Pattern[str], label: str, group: int | str = 0
) -> Callable[[str], Iterator[Hit]]:
    def detect(text: str) -> Iterator[Hit]:
        for m in pattern.finditer(text):
            yield Hit(m.start(group), m.end(group), label)

    return detect


def _detect_headers(text: str) -> Iterator[Hit]:
    low = text.lower()
    if "authorization" in low:
        for m in _AUTH_HEADER.finditer(text):
            yield Hit(m.start("v"), m.end("v"), "auth-header")
    if "bearer" in low:
        for m in _BEARER.finditer(text):
            yield Hit(m.start("v"), m.end("v"), "token")
    if "cookie" in low:
        for m in _COOKIE.finditer(text):
            base = m.start("rest")
            for p in _COOKIE_PAIR.finditer(m.group("rest")):
                if p.group("name").lower() in _COOKIE_ATTRS or not p.group("v"):
                    continue
                yield Hit(base + p.start("v"), base + p.end("v"), "cookie")


def _detect_kv(text: str) -> Iterator[Hit]:
    if _KV_HINT.search(text) is None:
        return
    for m in _KV.finditer(text):
        name = m.group("name")
        if _NOT_A_VALUE_NAME.search(name) or name.lower() in _REFERENCE_NAMES:
            continue
        a, b = _strip_quotes(m.group("v"))
        value = m.group("v")[a:b]
        if not value or placeholder(value):
            continue
        if a == 0 and m.group("sep") == ":" and _YAML_NOT_A_VALUE.match(value):
            continue  # a mapping, list, block scalar, anchor, alias or tag follows, not a value
        if _ENV_REF.match(value):
            continue  # $NAME, ${NAME}, $(NAME): a reference to a value, not the value
        yield Hit(m.start("v") + a, m.start("v") + b, label_for_name(name))


def _detect_sql(text: str) -> Iterator[Hit]:
    low = text.lower()
    if "password" in low or "identified" in low:
        for m in _SQL_PASSWORD.finditer(text):
            h = _literal_hit(m, "v", "db-password")
            if h:
                yield h


def _detect_docker_auth(text: str) -> Iterator[Hit]:
    if "auth" in text:
        for m in _DOCKER_AUTH.finditer(text):
            yield Hit(m.start("v"), m.end("v"), "registry-auth")


# Order matters where matches overlap: the first detector's hit wins.
DETECTORS: tuple[Callable[[str], Iterator[Hit]], ...] = (
    _detect_pem,
    _detect_ldap,
    _detect_uri,
    _detect_headers,
    _detect_simple(_BCRYPT, "bcrypt-hash"),
    _detect_simple(_AWS_KEY_ID, "aws-access-key"),
    _detect_simple(_JWT, "jwt"),
    _detect_docker_auth,
    _detect_simple(_REDIS_CONF, "redis-password", "v"),
    _detect_sql,
    _detect_kv,
)


# Every detector needs one of these; a text with none of them (most paths, kinds, statuses,
# messages) is skipped at the cost of one search.
_ANY_SHAPE = re.compile(
    r"[:=@]|-----BEGIN|eyJ|\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)|\$2[abxy]?\$|bearer|"
    r"requirepass|masterauth|password|identified",
    re.I,
)
_KV_HINT = re.compile(r"pass|pwd|psk|pw|secret|token|key|credential|auth", re.I)


def find_secrets(text: str) -> list[Hit]:
    """Every secret-looking span in a text, non-overlapping, in order; tokens are not hits."""
    if not text or _ANY_SHAPE.search(text) is None:
        return []
    hits: list[Hit] = []
    # tokens already in the text are not secrets, nor is anything inside them
    taken = (
        [Hit(m.start(), m.end(), "") for m in TOKEN_RE.finditer(text)] if "<secret:" in text else []
    )
    for detect in DETECTORS:
        for h in detect(text):
            value = h.value(text)
            if not value.strip() or TOKEN_RE.fullmatch(value.strip()) or placeholder(value):
                continue
            if any(h.start < o.end and o.start < h.end for o in hits) or any(
                h.start < o.end and o.start < h.end for o in taken
            ):
                continue
            hits.append(h)
    hits.sort(key=lambda h: h.start)
    return hits


def scan_text(text: str) -> list[str]:
    """Labels of the secret-looking things left in a text (for the re-scan; never values)."""
    return [h.label for h in find_secrets(text)]
