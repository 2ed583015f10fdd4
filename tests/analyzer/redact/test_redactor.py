"""The redaction layer: known fields by key path, secret shapes in text, consistent tokens."""

from __future__ import annotations

import dataclasses

import pytest

from analyzer.model import Environment, Evidence, Finding, Result, Severity
from analyzer.redact import (
    Redactor,
    collect,
    collect_env,
    from_parsed,
    is_token,
    label_for,
    learn_from_records,
    redact_result,
)
from analyzer.redact.fields import walk_config, walk_k8s
from analyzer.redact.patterns import find_secrets, scan_text, secret_name

# python-ldap's trace (ldapobject._ldap_call at trace_level 2): the call line, then the pprint of
# (args, kwargs); Quay's supervisord listener prefixes every line with the program and stream.
LDAP_OBJ = "<ldap.ldapobject.SimpleLDAPObject object at 0x7f3c2e1b4d90>"
LDAP_WRAPPED = (
    f"gunicorn-web stdout | *** {LDAP_OBJ} ldap://ldap.example.com:389 - SimpleLDAPObject.simple_bind\n"
    "gunicorn-web stdout | (('uid=jdoe,ou=engineering,ou=people,dc=corp,dc=example,dc=com',\n"
    "gunicorn-web stdout |   'Tr0ub4dor&3',\n"
    "gunicorn-web stdout |   None,\n"
    "gunicorn-web stdout |   None),\n"
    "gunicorn-web stdout |  {})"
)
LDAP_ONE_LINE = (
    f"*** {LDAP_OBJ} ldap://ldap.example.com:389 - SimpleLDAPObject.simple_bind\n"
    "(('cn=admin,dc=example,dc=org', 'adminpw', None, None), {})"
)


@pytest.mark.parametrize(
    "text,secret,label",
    [
        ("DB_URI: postgresql://quay:s3cr@t!@db:5432/quay", "s3cr@t!", "db-password"),
        ("redis://:R3disPass@redis:6379/0", "R3disPass", "redis-password"),
        (
            "host=db port=5432 user=clair password='with space' sslmode=disable",
            "with space",
            "password",
        ),
        ('"Env": ["POSTGRESQL_PASSWORD=hunter22", "PATH=/usr/bin"]', "hunter22", "db-password"),
        ("--password=abc123", "abc123", "password"),
        ("PGPASSWORD=xyz123 psql -h db", "xyz123", "db-password"),
        ("requirepass foobared2", "foobared2", "redis-password"),
        (
            "> Authorization: Basic cXVheWFkbWluOnBhc3N3b3Jk",
            "cXVheWFkbWluOnBhc3N3b3Jk",
            "auth-header",
        ),
        ("Validating auth header: Bearer abcdefghijklmnop", "abcdefghijklmnop", "token"),
        ("key id AKIAIOSFODNN7EXAMPLE in use", "AKIAIOSFODNN7EXAMPLE", "aws-access-key"),
        (
            "hash $2b$12$" + "R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "bcrypt-hash",
        ),
        ("STATEMENT:  ALTER ROLE quay WITH PASSWORD 'n3wPass'", "n3wPass", "db-password"),
        ("< Set-Cookie: _csrf_token=abcDEF123; Path=/; HttpOnly", "abcDEF123", "cookie"),
        (LDAP_WRAPPED, "Tr0ub4dor&3", "ldap-password"),
        (LDAP_ONE_LINE, "adminpw", "ldap-password"),
        (
            "{'uid': [b'jdoe'], 'userPassword': [b'{SSHA}abcdefgh']}",
            "{SSHA}abcdefgh",
            "ldap-password-hash",
        ),
    ],
    ids=[
        "db-uri",
        "redis-uri",
        "libpq-quoted",
        "inspect-env",
        "cli-option",
        "pgpassword",
        "redis-conf",
        "basic-auth",
        "bearer",
        "aws-key-id",
        "bcrypt",
        "sql-password",
        "cookie",
        "ldap-trace-wrapped",
        "ldap-trace-one-line",
        "ldap-userpassword",
    ],
)
def test_shapes_are_found_and_replaced(text: str, secret: str, label: str) -> None:
    hits = find_secrets(text)
    assert [(h.value(text), h.label) for h in hits if h.value(text) == secret] == [(secret, label)]
    r = Redactor()
    out = r.text(text)
    assert secret not in out
    assert f"<secret:{label}:1>" in out
    assert scan_text(out) == []  # nothing secret-looking is left


@pytest.mark.parametrize(
    "text",
    [
        'FATAL:  password authentication failed for user "quay"',
        'WWW-Authenticate: Bearer realm="http://localhost:8080/v2/auth",service="localhost:8080"',
        "BOOTSTRAP_TOKEN_EXPIRATION: 3600",
        "SECRET_KEY: <secret:secret-key:1>",
        "password: ''",
        "DB_PASSWORD: ${DB_PASSWORD}",
        "configBundleSecret: registry-config-bundle-xk2p9",
        "tokens: {",
        "gunicorn-web stdout | 2026-11-26 00:10:18,474 [15254] [DEBUG] [app] Loading default config.",
        "MAIL_PASSWORD: null",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Redactor().text(text) == text


def test_same_value_same_token_and_labels_count_up() -> None:
    r = Redactor()
    a = r.text("postgresql://quay:pw-one-1@db/quay")
    b = r.text("again postgresql://quay:pw-one-1@db/quay and postgresql://clair:pw-two-2@db/clair")
    assert "<secret:db-password:1>" in a and b.count("<secret:db-password:1>") == 1
    assert "<secret:db-password:2>" in b
    assert r.mapping() == {
        "<secret:db-password:1>": "pw-one-1",
        "<secret:db-password:2>": "pw-two-2",
    }


QUAY_CONFIG = {
    "DB_URI": "postgresql://quay:quay@db:5432/quay",
    "DATABASE_SECRET_KEY": "0f9e8d7c-6b5a",
    "SECRET_KEY": "a1b2c3d4e5f6a7b8",
    "SECURITY_SCANNER_V4_PSK": "c2VjcmV0LXBzaw==",
    "BUILDLOGS_REDIS": {"host": "redis", "password": "bl-redis-pw"},
    "USER_EVENTS_REDIS": {"host": "redis", "password": "ue-redis-pw"},
    "DATA_MODEL_CACHE_CONFIG": {
        "engine": "redis",
        "redis_config": {"primary": {"password": "cache-pw-1"}},
    },
    "DISTRIBUTED_STORAGE_CONFIG": {
        "s3": [
            "S3Storage",
            {
                "s3_access_key": "AKIAEXAMPLEKEY000001",
                "s3_secret_key": "s3/secret+1",
                "s3_bucket": "b",
            },
        ],
        "rgw": [
            "RadosGWStorage",
            {"access_key": "rgw-access-1", "secret_key": "rgw-secret-1", "hostname": "rgw"},
        ],
        "az": ["AzureStorage", {"azure_account_key": "az-key-1", "sas_token": "sv=2020&sig=abc"}],
        "sw": ["SwiftStorage", {"swift_user": "u", "swift_password": "swift-pw-1"}],
    },
    "LDAP_ADMIN_PASSWD": "ldap-admin-1",
    "RHSSO_LOGIN_CONFIG": {"CLIENT_ID": "quay", "CLIENT_SECRET": "oidc-secret-1"},
    "GITHUB_TRIGGER_CONFIG": {"CLIENT_ID": "x", "CLIENT_SECRET": "gh-secret-1"},
    "MAIL_PASSWORD": "mail-pw-1",
    "SERVER_HOSTNAME": "quay.example.com",
    "FEATURE_MAILING": True,
    "PROGRAMMATIC_TOKEN_K8S_SECRET": "quay-bootstrap",
}
EXPECTED = {
    "DB_URI": ("quay", "db-password"),
    "DATABASE_SECRET_KEY": ("0f9e8d7c-6b5a", "database-secret-key"),
    "SECRET_KEY": ("a1b2c3d4e5f6a7b8", "secret-key"),
    "SECURITY_SCANNER_V4_PSK": ("c2VjcmV0LXBzaw==", "psk"),
    "BUILDLOGS_REDIS.password": ("bl-redis-pw", "redis-password"),
    "USER_EVENTS_REDIS.password": ("ue-redis-pw", "redis-password"),
    "DATA_MODEL_CACHE_CONFIG.redis_config.primary.password": ("cache-pw-1", "redis-password"),
    "DISTRIBUTED_STORAGE_CONFIG.s3.1.s3_access_key": ("AKIAEXAMPLEKEY000001", "storage-access-key"),
    "DISTRIBUTED_STORAGE_CONFIG.s3.1.s3_secret_key": ("s3/secret+1", "storage-secret-key"),
    "DISTRIBUTED_STORAGE_CONFIG.rgw.1.access_key": ("rgw-access-1", "storage-access-key"),
    "DISTRIBUTED_STORAGE_CONFIG.rgw.1.secret_key": ("rgw-secret-1", "storage-secret-key"),
    "DISTRIBUTED_STORAGE_CONFIG.az.1.azure_account_key": ("az-key-1", "storage-secret-key"),
    "DISTRIBUTED_STORAGE_CONFIG.az.1.sas_token": ("sv=2020&sig=abc", "storage-token"),
    "DISTRIBUTED_STORAGE_CONFIG.sw.1.swift_password": ("swift-pw-1", "storage-password"),
    "LDAP_ADMIN_PASSWD": ("ldap-admin-1", "ldap-password"),
    "RHSSO_LOGIN_CONFIG.CLIENT_SECRET": ("oidc-secret-1", "oidc-client-secret"),
    "GITHUB_TRIGGER_CONFIG.CLIENT_SECRET": ("gh-secret-1", "oauth-client-secret"),
    "MAIL_PASSWORD": ("mail-pw-1", "mail-password"),
}


def test_quay_config_secrets_by_key_path() -> None:
    found = {s.path: (s.value, s.label) for s in walk_config(QUAY_CONFIG)}
    assert found == EXPECTED


def test_clair_config_secrets_by_key_path() -> None:
    clair = {
        "indexer": {
            "connstring": "host=db port=5432 user=clair password=clair-pw-1 sslmode=disable"
        },
        "matcher": {"connstring": "postgres://clair:clair-pw-2@db:5432/clair"},
        "auth": {"psk": {"key": "MTU5YzA4Y2ZkNzJoMQ==", "iss": ["quay"]}},
    }
    found = {s.path: (s.value, s.label) for s in walk_config(clair)}
    assert found == {
        "indexer.connstring": ("clair-pw-1", "db-password"),
        "matcher.connstring": ("clair-pw-2", "db-password"),
        "auth.psk.key": ("MTU5YzA4Y2ZkNzJoMQ==", "psk"),
    }


def test_kubernetes_secrets_and_env() -> None:
    pod = {
        "kind": "Pod",
        "spec": {
            "containers": [
                {
                    "env": [
                        {"name": "POSTGRESQL_PASSWORD", "value": "pod-pw-1"},
                        {"name": "POSTGRESQL_USER", "value": "quay"},
                        {"name": "QE_K8S_CONFIG_SECRET", "value": "registry-quay-config-secret"},
                        {
                            "name": "REDIS_PASSWORD",
                            "valueFrom": {"secretKeyRef": {"name": "x", "key": "y"}},
                        },
                    ]
                }
            ]
        },
    }
    secret = {
        "kind": "Secret",
        "data": {"password": "cXVheXBhc3M="},
        "stringData": {"token": "tok-1"},
    }
    found = {(s.value, s.label) for s in walk_k8s({"items": [pod, secret]})}
    assert found == {
        ("pod-pw-1", "db-password"),
        ("cXVheXBhc3M=", "k8s-secret"),
        ("quaypass", "k8s-secret"),  # the decoded value, which may appear elsewhere in clear
        ("tok-1", "k8s-secret"),
    }


def test_short_and_word_like_values_are_replaced_only_in_context() -> None:
    r = Redactor()
    collect(r, {"DB_URI": "postgresql://quay:quay@db:5432/quay", "SECRET_KEY": "password"})
    # "quay" is the user, the database and the password: replacing the word would ruin the text
    assert r.text('FATAL:  password authentication failed for user "quay"') == (
        'FATAL:  password authentication failed for user "quay"'
    )
    assert r.text("DB_URI: postgresql://quay:quay@db:5432/quay") == (
        "DB_URI: postgresql://quay:<secret:db-password:1>@db:5432/quay"
    )
    assert r.text("SECRET_KEY: password") == "SECRET_KEY: <secret:secret-key:1>"


def test_a_known_value_is_replaced_where_it_has_no_context() -> None:
    r = Redactor()
    collect_env(r, {"POSTGRESQL_PASSWORD": "Zx9-unique-pw"})
    assert (
        r.text("connecting with Zx9-unique-pw now") == "connecting with <secret:db-password:1> now"
    )


def test_an_ldap_password_learned_from_the_trace_is_replaced_on_its_own_line() -> None:
    class Rec:
        def __init__(self, text: str) -> None:
            self.text = text

    r = Redactor()
    list(learn_from_records([Rec(LDAP_WRAPPED)], r))
    # an excerpt can be the password line alone
    assert (
        r.text("gunicorn-web stdout |   'Tr0ub4dor&3',")
        == "gunicorn-web stdout |   '<secret:ldap-password:1>',"
    )


def test_result_is_redacted_everywhere() -> None:
    r = Redactor()
    collect(r, QUAY_CONFIG)
    finding = Finding(
        rule_id="CFG001",
        title="t",
        severity=Severity.ERROR,
        category="config",
        message="uses a1b2c3d4e5f6a7b8 and AKIAEXAMPLEKEY000001",
        evidence=[
            Evidence(
                path="config.yaml", line=3, key="MAIL_PASSWORD", excerpt="MAIL_PASSWORD: mail-pw-1"
            )
        ],
        remediation=["set s3/secret+1 again"],
    )
    result = Result("b", "0", "0", "x", Environment(), [], [finding], [])
    out = redact_result(result, r)
    text = repr(dataclasses.asdict(out))
    for value, _label in EXPECTED.values():
        if len(value) >= 6 and value != "quay":
            assert value not in text
    assert out.findings[0].evidence[0].excerpt == "MAIL_PASSWORD: <secret:mail-password:1>"
    # the original Result is not changed
    assert "mail-pw-1" in finding.evidence[0].excerpt


def test_show_secrets_is_identity() -> None:
    r = from_parsed({}, show_secrets=True)
    assert r.text("postgresql://quay:pw-one-1@db/quay") == "postgresql://quay:pw-one-1@db/quay"


def test_tokens_and_names() -> None:
    assert is_token("<secret:db-password:1>") and not is_token("x<secret:db-password:1>")
    assert label_for("BUILDLOGS_REDIS.password") == "redis-password"
    assert label_for("SERVER_HOSTNAME") is None
    assert secret_name("POSTGRESQL_PASSWORD") and secret_name("AWS_SECRET_ACCESS_KEY")
    assert not secret_name("AWS_SHARED_CREDENTIALS_FILE") and not secret_name("bypass")


def test_redaction_of_pathological_text_is_prompt() -> None:
    import time

    start = time.monotonic()
    for text in (
        "a." * 200_000,
        "x://a:" * 50_000,
        "-----BEGIN PRIVATE KEY-----" * 5_000,
        "password=" * 50_000,
    ):
        Redactor().text(text)
    assert time.monotonic() - start < 20
