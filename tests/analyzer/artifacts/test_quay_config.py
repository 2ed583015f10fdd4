"""Tests for the quay_config parser, our config.yaml schema and the per-version checks.

Inputs are the real config.yaml files in tests/data/quay (written for a running Quay), the
guide's RHOCSStorage example (Troubleshooting Red Hat Quay 3.11, ch. 4) and broken copies of them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from analyzer.artifacts import quay_config
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "quay"
REAL_CONFIGS = sorted(DATA.glob("*/config.yaml"))
HEALTHY = DATA / "healthy-push-pull" / "config.yaml"
CONFIG_SCHEMA = ROOT / "schemas" / "quay-config.schema.json"
DATA_SCHEMA = ROOT / "schemas" / "artifacts" / "quay_config.schema.json"

# The storage block of the guide's example (ch. 4, oc rsync output), indented as Quay writes it,
# under the location id "default" of the real configs.
RHOCS_BLOCK = """\
DISTRIBUTED_STORAGE_CONFIG:
  default:
  - RHOCSStorage
  - access_key: redacted
    bucket_name: lht-quay-datastore-68fff7b8-1b5e-46aa-8110-c4b7ead781f5
    hostname: s3.openshift-storage.svc.cluster.local
    is_secure: true
    port: 443
    secret_key: redacted
    storage_path: /datastorage/registry
"""
LOCAL_BLOCK = """\
DISTRIBUTED_STORAGE_CONFIG:
  default:
  - LocalStorage
  - storage_path: /datastorage/registry
"""


def real_text() -> str:
    return HEALTHY.read_text(encoding="utf-8")


def guide_text() -> str:
    text = real_text()
    assert LOCAL_BLOCK in text
    return text.replace(LOCAL_BLOCK, RHOCS_BLOCK)


def parse_text(text: str, path: str = "conf/stack/config.yaml") -> Parsed:
    return quay_config.parse(TextSource.from_text(path, text))


def edit(text: str, old: str, new: str) -> str:
    """Replace one exact piece of the real config (the test fails if it is not there)."""
    assert old in text, old
    return text.replace(old, new, 1)


def by_code(parsed: Parsed, code: str) -> list:
    return [p for p in parsed.problems if p.code == code]


@pytest.fixture(scope="module")
def data_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(DATA_SCHEMA.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- real configs


@pytest.mark.parametrize("path", REAL_CONFIGS, ids=[p.parent.name for p in REAL_CONFIGS])
def test_real_config_parses_without_problems(path: Path, data_validator) -> None:
    parsed = quay_config.parse(TextSource.from_bytes(str(path), path.read_bytes()))
    assert parsed.status == "parsed"
    assert parsed.problems == []
    assert parsed.data == yaml.safe_load(path.read_text(encoding="utf-8"))
    assert parsed.meta["storage"] == {"default": "LocalStorage"}
    assert parsed.locations["BUILDLOGS_REDIS.host"] == 3
    assert parsed.locations["DISTRIBUTED_STORAGE_CONFIG.default.0"] == 11
    assert parsed.locations["DISTRIBUTED_STORAGE_CONFIG.default.1.storage_path"] == 12
    assert parsed.locations["SUPER_USERS.0"] == 31
    data_validator.validate(parsed.data)
    json.dumps(parsed.data)


def test_real_config_has_at_least_one_sample() -> None:
    assert len(REAL_CONFIGS) >= 2


def test_guide_rhocs_storage_example_parses_without_problems(data_validator) -> None:
    parsed = parse_text(guide_text())
    assert parsed.status == "parsed"
    assert parsed.problems == []
    assert parsed.meta["storage"] == {"default": "RHOCSStorage"}
    assert parsed.data["DISTRIBUTED_STORAGE_CONFIG"]["default"][1]["port"] == 443
    assert parsed.line_of("DISTRIBUTED_STORAGE_CONFIG.default.1.hostname") == 14
    data_validator.validate(parsed.data)


def test_guide_example_typo_in_driver_name_is_caught() -> None:
    # The guide's printed example spells the driver "RHOCSSStorage".
    parsed = parse_text(edit(guide_text(), "- RHOCSStorage", "- RHOCSSStorage"))
    (problem,) = parsed.problems
    assert problem.code == "enum"
    assert problem.key == "DISTRIBUTED_STORAGE_CONFIG.default.0"
    assert problem.line == 11
    assert "did you mean RHOCSStorage?" in problem.message
    assert "FakeStorage" in problem.message


# --------------------------------------------------------------------------- broken copies

BROKEN = [
    # id, old, new, code, key, line, fragment of the message
    (
        "missing-required-key",
        "SERVER_HOSTNAME: localhost:8080\n",
        "",
        "required",
        "SERVER_HOSTNAME",
        None,
        "SERVER_HOSTNAME is required but missing",
    ),
    (
        "missing-redis-host",
        "BUILDLOGS_REDIS:\n  host: 127.0.0.1\n",
        "BUILDLOGS_REDIS:\n",
        "required",
        "BUILDLOGS_REDIS.host",
        2,
        "BUILDLOGS_REDIS.host is required but missing",
    ),
    (
        "wrong-type-port",
        "  port: 6379\nDATABASE_SECRET_KEY",
        '  port: "6379"\nDATABASE_SECRET_KEY',
        "type",
        "BUILDLOGS_REDIS.port",
        4,
        'BUILDLOGS_REDIS.port is "6379" (a string); expected an integer',
    ),
    (
        "wrong-type-boolean-as-string",
        "FEATURE_USER_CREATION: true",
        'FEATURE_USER_CREATION: "false"',
        "type",
        "FEATURE_USER_CREATION",
        21,
        "expected a boolean (true/false)",
    ),
    (
        "bad-enum",
        "PREFERRED_URL_SCHEME: http\n",
        "PREFERRED_URL_SCHEME: htps\n",
        "enum",
        "PREFERRED_URL_SCHEME",
        24,
        'PREFERRED_URL_SCHEME is "htps"; allowed: http, https',
    ),
    (
        "bad-time-pattern",
        "DEFAULT_TAG_EXPIRATION: 2w",
        "DEFAULT_TAG_EXPIRATION: 2weeks",
        "pattern",
        "DEFAULT_TAG_EXPIRATION",
        8,
        'DEFAULT_TAG_EXPIRATION is "2weeks"; expected a whole number followed by',
    ),
    (
        "bad-time-pattern-in-list",
        "TAG_EXPIRATION_OPTIONS:\n- 2w",
        "TAG_EXPIRATION_OPTIONS:\n- 2 weeks",
        "pattern",
        "TAG_EXPIRATION_OPTIONS.0",
        33,
        'TAG_EXPIRATION_OPTIONS.0 is "2 weeks"',
    ),
    (
        "hostname-with-scheme",
        "SERVER_HOSTNAME: localhost:8080",
        "SERVER_HOSTNAME: http://localhost:8080",
        "pattern",
        "SERVER_HOSTNAME",
        28,
        "without scheme or path",
    ),
    (
        "setup-not-complete",
        "SETUP_COMPLETE: true",
        "SETUP_COMPLETE: false",
        "const",
        "SETUP_COMPLETE",
        29,
        "SETUP_COMPLETE is false; it must be true",
    ),
    (
        "unknown-driver",
        "- LocalStorage",
        "- S3Storge",
        "enum",
        "DISTRIBUTED_STORAGE_CONFIG.default.0",
        11,
        "did you mean S3Storage?",
    ),
    (
        "unknown-driver-param",
        "  - storage_path: /datastorage/registry\n",
        "  - storage_path: /datastorage/registry\n    s3_bucket: quay\n",
        "additionalProperties",
        "DISTRIBUTED_STORAGE_CONFIG.default.1.s3_bucket",
        13,
        "LocalStorage has no parameter s3_bucket",
    ),
    (
        "location-not-a-list",
        "  default:\n  - LocalStorage\n  - storage_path: /datastorage/registry\n",
        "  default: LocalStorage\n",
        "type",
        "DISTRIBUTED_STORAGE_CONFIG.default",
        10,
        'DISTRIBUTED_STORAGE_CONFIG.default is "LocalStorage" (a string); expected a list',
    ),
    (
        "location-without-parameters",
        "  - LocalStorage\n  - storage_path: /datastorage/registry\n",
        "  - LocalStorage\n",
        "minItems",
        "DISTRIBUTED_STORAGE_CONFIG.default",
        10,
        "has 1 element; expected a 2-element list [DriverName, {parameters}]",
    ),
    (
        "no-storage-location",
        LOCAL_BLOCK,
        "DISTRIBUTED_STORAGE_CONFIG: {}\n",
        "minProperties",
        "DISTRIBUTED_STORAGE_CONFIG",
        9,
        "it needs at least one storage location",
    ),
    (
        "duplicate-preference",
        "DISTRIBUTED_STORAGE_PREFERENCE:\n- default\n",
        "DISTRIBUTED_STORAGE_PREFERENCE:\n- default\n- default\n",
        "uniqueItems",
        "DISTRIBUTED_STORAGE_PREFERENCE",
        14,
        "lists the same entry more than once",
    ),
    (
        "ldap-without-admin-dn",
        "AUTHENTICATION_TYPE: Database",
        "AUTHENTICATION_TYPE: LDAP\nLDAP_ADMIN_PASSWD: secret",
        "required",
        "LDAP_ADMIN_DN",
        None,
        "LDAP_ADMIN_DN is required when AUTHENTICATION_TYPE is LDAP but missing",
    ),
    (
        "scanner-without-endpoint",
        "FEATURE_SECURITY_SCANNER: false",
        "FEATURE_SECURITY_SCANNER: true",
        "required",
        "SECURITY_SCANNER_V4_ENDPOINT",
        None,
        "required when FEATURE_SECURITY_SCANNER is true",
    ),
    (
        "typo-key",
        "FEATURE_SECURITY_SCANNER: false",
        "FEATURE_SECURITY_SCANER: false",
        "unknown-key",
        "FEATURE_SECURITY_SCANER",
        20,
        "did you mean FEATURE_SECURITY_SCANNER?",
    ),
    (
        "lower-case-key",
        "TESTING: false\n",
        "TESTING: false\nsuper_users:\n- admin\n",
        "ignored-key",
        "super_users",
        35,
        "super_users is ignored: Quay reads only upper-case top-level keys; did you mean SUPER_USERS?",
    ),
    (
        "duplicate-key",
        "TESTING: false\n",
        "TESTING: false\nSUPER_USERS:\n- admin\n",
        "duplicate-key",
        "SUPER_USERS",
        35,
        "duplicate key SUPER_USERS (first on line 30)",
    ),
    (
        "trailing-document-marker",
        "",
        "---\n",
        "multiple-documents",
        None,
        40,
        "Quay loads it as a single document and fails to start",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "code", "key", "line", "fragment"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_copy_is_reported(old, new, code, key, line, fragment, data_validator) -> None:
    # a document marker goes after the last line; every other case edits the real text
    text = real_text() + new if not old else edit(real_text(), old, new)
    parsed = parse_text(text)
    assert parsed.status == "parsed"
    found = by_code(parsed, code)
    assert found, parsed.problems
    problem = next((p for p in found if p.key == key), found[0])
    assert problem.key == key
    assert problem.line == line
    assert fragment in problem.message
    # only the problem that was planted (a duplicate key leaves no other trace)
    assert {p.code for p in parsed.problems} == {code}
    data_validator.validate(parsed.data)


def test_missing_driver_parameter_names_the_driver() -> None:
    text = edit(
        guide_text(),
        "    bucket_name: lht-quay-datastore-68fff7b8-1b5e-46aa-8110-c4b7ead781f5\n",
        "",
    )
    (problem,) = parse_text(text).problems
    assert problem.code == "required"
    assert problem.key == "DISTRIBUTED_STORAGE_CONFIG.default.1.bucket_name"
    assert problem.line == 12  # where the parameter mapping starts
    assert problem.message == (
        "DISTRIBUTED_STORAGE_CONFIG.default.1.bucket_name is required by the RHOCSStorage driver but missing"
    )


def test_string_port_of_digits_is_accepted_for_storage() -> None:
    # config-tool converts a string of digits; blog and guide configs write port: "80".
    parsed = parse_text(edit(guide_text(), "    port: 443\n", '    port: "443"\n'))
    assert parsed.problems == []


def test_misspelled_driver_parameter_suggests_the_right_one() -> None:
    text = edit(guide_text(), "    hostname:", "    host_name:")
    problems = parse_text(text).problems
    assert {(p.code, p.key) for p in problems} == {
        ("additionalProperties", "DISTRIBUTED_STORAGE_CONFIG.default.1.host_name"),
        ("required", "DISTRIBUTED_STORAGE_CONFIG.default.1.hostname"),
    }
    extra = next(p for p in problems if p.code == "additionalProperties")
    assert "did you mean hostname?" in extra.message
    assert "TypeError" in extra.message


@pytest.mark.parametrize(
    ("old", "new", "secret"),
    [
        (
            "SECRET_KEY: b6bd4decff0235d49c206c7e2a1546acb7ff2ddbeaf4aa37d0f2a86cfce6e31b",
            "SECRET_KEY: 123456789",
            "123456789",
        ),
        ("DB_URI: postgresql://quay:quaypass@", "DB_URI: postgres://quay:quaypass@", "quaypass"),
        (
            "  host: 127.0.0.1\n  port: 6379\nDATABASE",
            "  host: 127.0.0.1\n  password: 42424242\n  port: 6379\nDATABASE",
            "42424242",
        ),
    ],
    ids=["secret-key-wrong-type", "db-uri-bad-scheme", "redis-password-wrong-type"],
)
def test_messages_never_quote_secret_values(old, new, secret) -> None:
    parsed = parse_text(edit(real_text(), old, new))
    assert parsed.problems
    for problem in parsed.problems:
        assert secret not in problem.message
        assert "value hidden" in problem.message


@pytest.mark.parametrize(
    "extra",
    [
        "KEYCLOAK_LOGIN_CONFIG:\n  OIDC_SERVER: https://sso.example.com/realms/quay/\n  CLIENT_ID: quay\n"
        "  CLIENT_SECRET: s\n  SERVICE_NAME: Keycloak\n",
        "KEYSTONE_AUTH_URL: https://keystone.example.com/v3\n",
        "ENTERPRISE_LOGO_URL: /static/img/quay-horizontal-color.svg\n",
        "BUILDMAN_HOSTNAME: quay-builder.example.com:443\n",
        "GITHUB_LOGIN_CONFIG: {}\nGITHUB_TRIGGER_CONFIG: {}\n",
        "LDAP_BASE_DN:\n- dc=example\n- dc=com\nLDAP_URI: ldaps://ldap.example.com:636\n",
        "CORS_ORIGIN:\n- https://ui.example.com\n",
        # the guide's podman exec example (ch. 4)
        "ALLOWED_OCI_ARTIFACT_TYPES:\n"
        "  application/vnd.oci.image.config.v1+json:\n"
        "    - application/vnd.oci.image.layer.v1.tar+zstd\n"
        "  application/vnd.sylabs.sif.config.v1+json:\n"
        "    - application/vnd.sylabs.sif.layer.v1+tar\n"
        "AVATAR_KIND: local\n",
        "APP_SPECIFIC_TOKEN_EXPIRATION: null\nSECURITY_SCANNER_V4_ENDPOINT: null\n",
    ],
    ids=[
        "oidc-provider",
        "keystone-prefix",
        "legacy-logo",
        "build-manager-host",
        "empty-login-blocks",
        "ldap-lists",
        "cors-list",
        "guide-oci-artifact-types",
        "nullable-interval-and-url",
    ],
)
def test_known_keys_are_not_reported(extra: str) -> None:
    assert parse_text(real_text() + extra).problems == []


def test_oidc_provider_needs_its_fields() -> None:
    parsed = parse_text(
        real_text()
        + "AZURE_LOGIN_CONFIG:\n  CLIENT_ID: quay\n  OIDC_SERVER: https://login.example.com\n"
    )
    assert {(p.code, p.key) for p in parsed.problems} == {
        ("required", "AZURE_LOGIN_CONFIG.CLIENT_SECRET"),
        ("required", "AZURE_LOGIN_CONFIG.SERVICE_NAME"),
        ("pattern", "AZURE_LOGIN_CONFIG.OIDC_SERVER"),
    }


def test_github_login_config_is_checked_when_the_feature_is_on() -> None:
    parsed = parse_text(
        real_text() + "FEATURE_GITHUB_LOGIN: true\nGITHUB_LOGIN_CONFIG:\n  CLIENT_ID: abc\n"
    )
    (problem,) = parsed.problems
    assert (problem.code, problem.key) == ("required", "GITHUB_LOGIN_CONFIG.CLIENT_SECRET")
    assert "when FEATURE_GITHUB_LOGIN is true" in problem.message


def test_autoprune_policy_values_follow_the_method() -> None:
    bad = "DEFAULT_NAMESPACE_AUTOPRUNE_POLICY:\n  method: number_of_tags\n  value: 0\n"
    parsed = parse_text(real_text() + bad)
    assert [(p.code, p.key) for p in parsed.problems] == [
        ("minimum", "DEFAULT_NAMESPACE_AUTOPRUNE_POLICY.value")
    ]
    good = "DEFAULT_NAMESPACE_AUTOPRUNE_POLICY:\n  method: creation_date\n  value: 30d\n"
    assert parse_text(real_text() + good).problems == []


def test_yaml_timestamps_become_iso_strings() -> None:
    parsed = parse_text(real_text() + "REGISTRY_TITLE_SHORT: 2024-03-01 10:20:30\n")
    assert parsed.data["REGISTRY_TITLE_SHORT"] == "2024-03-01T10:20:30Z"
    json.dumps(parsed.data)


# --------------------------------------------------------------------------- unreadable text

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

INVALID = [
    # an unclosed flow list is noticed on the next line, where the mark points
    (
        "yaml-syntax-error",
        lambda t: edit(t, "  host: 127.0.0.1\n", "  host: [127.0.0.1\n"),
        "syntax",
        4,
    ),
    (
        "tab-indentation",
        lambda t: edit(t, "  host: 127.0.0.1\n", "\thost: 127.0.0.1\n"),
        "syntax",
        3,
    ),
    ("billion-laughs", lambda t: BILLION_LAUGHS, "limit", None),
    (
        "python-object-tag",
        lambda t: edit(
            t,
            "SERVER_HOSTNAME: localhost:8080",
            'SERVER_HOSTNAME: !!python/object/apply:os.system ["id"]',
        ),
        "tag",
        28,
    ),
    ("top-level-list", lambda t: "- AUTHENTICATION_TYPE: Database\n", "type", 1),
    ("top-level-string", lambda t: "# comment\nconfig\n", "type", 2),
    ("empty", lambda t: "", "empty", None),
    ("comments-only", lambda t: "# nothing here\n", "empty", None),
]


@pytest.mark.parametrize(
    ("make", "code", "line"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_unreadable_config_is_invalid(make, code, line) -> None:
    parsed = parse_text(make(real_text()))
    assert parsed.status == "invalid"
    assert parsed.data is None
    (problem,) = parsed.problems
    assert problem.code == code
    if line is not None:
        assert problem.line == line


def test_billion_laughs_line_is_reported() -> None:
    (problem,) = parse_text(BILLION_LAUGHS).problems
    assert problem.line is not None and 1 <= problem.line <= 9


def test_oversized_config_is_invalid() -> None:
    src = TextSource.from_text("config.yaml", real_text(), max_text_bytes=100)
    parsed = quay_config.parse(src)
    assert parsed.status == "invalid"
    assert parsed.problems[0].code == "too-large"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("AB_:- \n\t[]{}&*!|>'\"#%@`,.0123x")), max_size=120))
def test_parse_never_raises(text: str) -> None:
    parsed = parse_text(text)
    assert parsed.status in ("parsed", "invalid")
    if parsed.status == "parsed":
        json.dumps(parsed.data)


# --------------------------------------------------------------------------- versions


def version_codes(text: str, version: str) -> set[tuple[str, str]]:
    parsed = parse_text(text)
    return {
        (p.code, p.key)
        for p in quay_config.version_problems(parsed.data, version, locations=parsed.locations)
    }


S3_WITH_CHUNKS = """\
DISTRIBUTED_STORAGE_CONFIG:
  default:
  - S3Storage
  - s3_bucket: quay
    storage_path: /registry
    maximum_chunk_size_gb: 1
"""


def driver_block(driver: str, params: str) -> str:
    return f"DISTRIBUTED_STORAGE_CONFIG:\n  default:\n  - {driver}\n  - {params}\n"


VERSION_CASES = [
    # id, config text, version, expected (code, key) set
    ("real-config-3.8", real_text(), "3.8", set()),
    ("real-config-3.15", real_text(), "3.15.7", set()),
    (
        "new-key-on-3.8",
        real_text() + "FEATURE_USER_EVENTS: true\n",
        "3.8.15",
        {("not-in-version", "FEATURE_USER_EVENTS")},
    ),
    ("new-key-on-3.15", real_text() + "FEATURE_USER_EVENTS: true\n", "3.15", set()),
    (
        "removed-key-on-3.8",
        real_text() + "SECURITY_SCANNER_ENDPOINT: http://clair:6060\n",
        "3.8",
        set(),
    ),
    (
        "removed-key-on-3.15",
        real_text() + "SECURITY_SCANNER_ENDPOINT: http://clair:6060\n",
        "3.15",
        {("removed-in-version", "SECURITY_SCANNER_ENDPOINT")},
    ),
    (
        "cloudflare-on-3.8",
        edit(
            real_text(),
            LOCAL_BLOCK,
            driver_block(
                "CloudFlareStorage",
                "s3_bucket: b\n    storage_path: /r\n    s3_region: us-east-1\n    cloudflare_domain: cdn.example.com\n    cloudflare_privatekey_filename: cf.pem",
            ),
        ),
        "3.8",
        {("driver-not-in-version", "DISTRIBUTED_STORAGE_CONFIG.default.0")},
    ),
    (
        "cloudflare-on-3.15",
        edit(
            real_text(),
            LOCAL_BLOCK,
            driver_block(
                "CloudFlareStorage",
                "s3_bucket: b\n    storage_path: /r\n    s3_region: us-east-1\n    cloudflare_domain: cdn.example.com\n    cloudflare_privatekey_filename: cf.pem",
            ),
        ),
        "3.15",
        set(),
    ),
    (
        "sts-on-3.10",
        edit(
            real_text(),
            LOCAL_BLOCK,
            driver_block("STSS3Storage", "s3_bucket: b\n    storage_path: /r"),
        ),
        "3.10",
        {("driver-not-in-version", "DISTRIBUTED_STORAGE_CONFIG.default.0")},
    ),
    (
        "sts-on-3.11",
        edit(
            real_text(),
            LOCAL_BLOCK,
            driver_block("STSS3Storage", "s3_bucket: b\n    storage_path: /r"),
        ),
        "3.11",
        set(),
    ),
    (
        "akamai-on-3.13",
        edit(
            real_text(),
            LOCAL_BLOCK,
            driver_block(
                "AkamaiS3Storage",
                "s3_bucket: b\n    storage_path: /r\n    s3_region: r\n    akamai_domain: a\n    akamai_shared_secret: s",
            ),
        ),
        "3.13",
        {("driver-not-in-version", "DISTRIBUTED_STORAGE_CONFIG.default.0")},
    ),
    (
        "akamai-on-3.15",
        edit(
            real_text(),
            LOCAL_BLOCK,
            driver_block(
                "AkamaiS3Storage",
                "s3_bucket: b\n    storage_path: /r\n    s3_region: r\n    akamai_domain: a\n    akamai_shared_secret: s",
            ),
        ),
        "3.15",
        {("config-tool-rejects", "DISTRIBUTED_STORAGE_CONFIG.default.0")},
    ),
    (
        "s3-chunk-param-on-3.8",
        edit(real_text(), LOCAL_BLOCK, S3_WITH_CHUNKS),
        "3.8",
        {("param-not-in-version", "DISTRIBUTED_STORAGE_CONFIG.default.1.maximum_chunk_size_gb")},
    ),
    ("s3-chunk-param-on-3.15", edit(real_text(), LOCAL_BLOCK, S3_WITH_CHUNKS), "3.15", set()),
    ("rhocs-guide-on-3.8", guide_text(), "3.8", set()),
    (
        "splunk-logs-on-3.8",
        real_text() + "LOGS_MODEL: splunk\n",
        "3.8",
        {("value-not-in-version", "LOGS_MODEL")},
    ),
    ("splunk-logs-on-3.15", real_text() + "LOGS_MODEL: splunk\n", "3.15", set()),
    (
        "splunk-config-on-3.8",
        real_text()
        + "LOGS_MODEL_CONFIG:\n  producer: splunk_hec\n  splunk_hec_config:\n    host: s\n    hec_token: t\n",
        "3.8",
        {
            ("value-not-in-version", "LOGS_MODEL_CONFIG.producer"),
            ("not-in-version", "LOGS_MODEL_CONFIG.splunk_hec_config"),
        },
    ),
    ("cors-string-on-3.8", real_text() + "CORS_ORIGIN: https://ui.example.com\n", "3.8", set()),
    (
        "cors-string-on-3.15",
        real_text() + "CORS_ORIGIN: https://ui.example.com\n",
        "3.15",
        {("value-not-in-version", "CORS_ORIGIN")},
    ),
    (
        "main-branch-key-on-3.15",
        real_text() + "SECURITY_SCANNER_V4_INDEXING: true\n",
        "3.15",
        {("not-in-version", "SECURITY_SCANNER_V4_INDEXING")},
    ),
    (
        "version-with-v-prefix",
        real_text() + "FEATURE_USER_EVENTS: true\n",
        "v3.12.1",
        {("not-in-version", "FEATURE_USER_EVENTS")},
    ),
    ("unparseable-version", real_text() + "FEATURE_USER_EVENTS: true\n", "latest", set()),
]


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [c[1:] for c in VERSION_CASES],
    ids=[c[0] for c in VERSION_CASES],
)
def test_version_problems(text: str, version: str, expected: set) -> None:
    assert version_codes(text, version) == expected


def test_version_problem_wording_and_lines() -> None:
    parsed = parse_text(real_text() + "FEATURE_USER_EVENTS: true\n")
    (problem,) = quay_config.version_problems(parsed.data, "3.8.2", locations=parsed.locations)
    assert problem.message == "FEATURE_USER_EVENTS has no effect on Quay 3.8, it appeared in 3.15"
    assert problem.line == 40

    parsed = parse_text(edit(real_text(), LOCAL_BLOCK, S3_WITH_CHUNKS))
    (problem,) = quay_config.version_problems(parsed.data, "3.8", locations=parsed.locations)
    assert problem.line == 14
    assert "unexpected keyword argument 'maximum_chunk_size_gb'" in problem.message


def test_version_problems_tolerate_any_data() -> None:
    assert quay_config.version_problems(None, "3.8") == []
    assert (
        quay_config.version_problems({"DISTRIBUTED_STORAGE_CONFIG": {"a": "x", "b": [1]}}, "3.8")
        == []
    )


# --------------------------------------------------------------------------- the schemas


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(CONFIG_SCHEMA.read_text(encoding="utf-8"))


def test_config_schema_is_valid_2020_12(schema) -> None:
    Draft202012Validator.check_schema(schema)
    Draft202012Validator.check_schema(json.loads(DATA_SCHEMA.read_text(encoding="utf-8")))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "additionalProperties" not in schema


def test_config_schema_keeps_the_upstream_required_list(schema) -> None:
    upstream = {
        "PREFERRED_URL_SCHEME",
        "SERVER_HOSTNAME",
        "DB_URI",
        "AUTHENTICATION_TYPE",
        "DISTRIBUTED_STORAGE_CONFIG",
        "BUILDLOGS_REDIS",
        "USER_EVENTS_REDIS",
        "DISTRIBUTED_STORAGE_PREFERENCE",
        "DEFAULT_TAG_EXPIRATION",
        "TAG_EXPIRATION_OPTIONS",
    }
    assert upstream <= set(schema["required"])
    assert set(schema["required"]) <= set(schema["properties"])


VERSION = re.compile(r"^3\.\d+$")


def test_every_property_is_documented_and_dated(schema) -> None:
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
        assert VERSION.match(prop.get("x-since", "")), name
        if "x-removed" in prop:
            since = tuple(map(int, prop["x-since"].split(".")))
            removed = tuple(map(int, prop["x-removed"].split(".")))
            assert since < removed, name
        for json_type in (
            [prop["type"]] if isinstance(prop.get("type"), str) else prop.get("type", [])
        ):
            assert json_type in {
                "string",
                "integer",
                "number",
                "boolean",
                "array",
                "object",
                "null",
            }, name


@pytest.mark.parametrize(
    ("key", "since", "removed"),
    [
        ("PREFERRED_URL_SCHEME", "3.8", None),
        ("ACTION_LOG_AUDIT_LOGINS", "3.9", None),
        ("FEATURE_AUTO_PRUNE", "3.10", None),
        ("ROBOTS_WHITELIST", "3.11", None),
        ("DB_CONNECTION_POOLING", "3.12", None),
        ("DISABLE_PUSHES", "3.13", None),
        ("FOOTER_LINKS", "3.14", None),
        ("FEATURE_USER_EVENTS", "3.15", None),
        ("SECURITY_SCANNER_ENDPOINT", "3.8", "3.9"),
        ("FEATURE_UI_V2_REPO_SETTINGS", "3.9", "3.11"),
        ("IGNORE_UNKNOWN_MEDIATYPES", "3.11", "3.12"),
        ("TERMS_OF_SERVICE_URL", "3.10", "3.14"),
    ],
)
def test_version_annotations_follow_the_facts(schema, key, since, removed) -> None:
    prop = schema["properties"][key]
    assert prop["x-since"] == since
    assert prop.get("x-removed") == removed


@pytest.mark.parametrize(
    ("key", "json_type"),
    [
        ("ACTION_LOG_AUDIT_LOGINS", "boolean"),
        ("DEFAULT_SYSTEM_REJECT_QUOTA_BYTES", "integer"),
        ("QUOTA_BACKFILL_BATCH_SIZE", "integer"),
        ("UI_DELAY_AFTER_WRITE_SECONDS", "integer"),
        ("UI_MODELCARD_ARTIFACT_TYPE", "string"),
        ("SECRET_KEY", "string"),
        ("LDAP_BASE_DN", "array"),
        ("SETUP_COMPLETE", "boolean"),
    ],
)
def test_upstream_type_defects_are_fixed(schema, key, json_type) -> None:
    assert schema["properties"][key]["type"] == json_type


def test_every_nested_property_is_documented(schema) -> None:
    undocumented = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and "description" not in sub and "$ref" not in sub:
                    undocumented.append(f"{where}/{name}")
            for key, sub in node.items():
                if key not in ("allOf", "if", "then"):  # conditions repeat documented keys
                    walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for index, sub in enumerate(node):
                walk(sub, f"{where}/{index}")

    walk(schema, "")
    assert undocumented == []


def test_every_driver_has_a_definition_with_a_version(schema) -> None:
    names = schema["$defs"]["storageDriverName"]["enum"]
    assert len(names) == 13
    for name in names:
        driver = schema["$defs"][f"driver.{name}"]
        assert VERSION.match(driver["x-since"]), name
        assert driver["additionalProperties"] is False
        assert set(driver["required"]) <= set(driver["properties"]), name
        for param, param_schema in driver["properties"].items():
            assert param_schema.get("description"), (name, param)
    since = {n: schema["$defs"][f"driver.{n}"]["x-since"] for n in names}
    assert since["CloudFlareStorage"] == since["MultiCDNStorage"] == "3.9"
    assert since["IBMCloudStorage"] == since["STSS3Storage"] == "3.11"
    assert since["AkamaiS3Storage"] == "3.14"
    assert since["RHOCSStorage"] == since["LocalStorage"] == "3.8"


def test_extra_keys_do_not_overlap_properties(schema) -> None:
    assert not set(schema["x-known-extra-keys"]) & set(schema["properties"])


def test_validator_is_compiled_once() -> None:
    assert quay_config._validator() is quay_config._validator()


def test_importing_the_parser_does_not_import_jsonschema() -> None:
    code = "import sys, analyzer.artifacts.quay_config; print('jsonschema' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
