"""Canary secrets planted in every artifact kind never appear in any output.

The bundle is real text (tests/data, the sample bundles, the guide's Clair example, the
formats python-ldap, peewee, PostgreSQL and curl write) with a distinct canary value in every
place a secret lives. To make sure the canaries reach the outputs at all, the run adds
deliberately leaky rules (as a user's `--rules DIR` could): they print every config value and
quote every line that holds a canary. With `--show-secrets` the canaries are there; without
it, no renderer (every format in analyzer.report.RENDERERS, so formats added later are covered
too), no stderr line and no error message may carry one.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from analyzer.engine.rules import load_rules
from analyzer.pipeline import Options, analyze
from analyzer.report import RENDERERS

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "sample_bundles"

CANARY = {
    "db_uri": "Cnry0DbUriPw",
    "database_secret_key": "cnry-dsk-4f1e9a7b",
    "secret_key": "cnry-sk-0b9c8d7e6f5a",
    "buildlogs_redis": "Cnry1RedisPw",
    "user_events_redis": "Cnry1bUserEvents",
    "s3_access_key": "AKIACNRYACCESS000001",
    "s3_secret_key": "cnry/S3secret+Key0987",
    "psk": "Y25yeS1wc2stdmFsdWUtMTIz",
    "ldap_admin": "Cnry2LdapAdmin",
    "oidc_client_secret": "cnry-oidc-9a8b7c6d",
    "mail_password": "Cnry3MailPw",
    "clair_connstring": "Cnry4ClairPw",
    "clair_uri": "Cnry5ClairUri",
    "ldap_user_bind": "Cnry6UserLdap!",
    "pod_env": "Cnry7PodEnv",
    "inspect_env": "Cnry8InspectEnv",
    "curl_bearer": "cnryBearerToken0123456789",
    "pg_conf": "Cnry10PgConf",
    "pg_log": "Cnry11PgLog",
    "bcrypt": "$2b$12$" + "CnryBcryptHash" + "x" * 39,
    "cr_env": "Cnry12CrEnv",
    "manifest_cmd": "Cnry13Manifest",
    "k8s_secret": base64.b64encode(b"Cnry14K8sSecret-value").decode(),
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJjbnJ5IjoiY2FuYXJ5In0.Q25yeTE1Snd0U2lnbmF0dXJl",
}

QUAY_LINE = "gunicorn-web stdout | 2026-11-26 00:10:24,571 [15376] [DEBUG] [{logger}] {msg}\n"


def _quay_config() -> str:
    text = (DATA / "quay" / "healthy-push-pull" / "config.yaml").read_text()
    text = text.replace("quay:quaypass@", f"quay:{CANARY['db_uri']}@")
    text = text.replace("4d3e2a71-6bb4-4c9e-9a0b-2f0d8f6a1c55", CANARY["database_secret_key"])
    text = text.replace(
        "b6bd4decff0235d49c206c7e2a1546acb7ff2ddbeaf4aa37d0f2a86cfce6e31b", CANARY["secret_key"]
    )
    text = text.replace(
        "BUILDLOGS_REDIS:\n  host: 127.0.0.1\n",
        f"BUILDLOGS_REDIS:\n  host: 127.0.0.1\n  password: {CANARY['buildlogs_redis']}\n",
    )
    text = text.replace(
        "DISTRIBUTED_STORAGE_CONFIG:\n  default:\n  - LocalStorage\n  - storage_path: /datastorage/registry\n",
        "DISTRIBUTED_STORAGE_CONFIG:\n  default:\n  - S3Storage\n"
        "  - host: s3.example.com\n"
        f"    s3_access_key: {CANARY['s3_access_key']}\n"
        f"    s3_secret_key: {CANARY['s3_secret_key']}\n"
        "    s3_bucket: quay\n    storage_path: /datastorage/registry\n",
    )
    text = text.replace(
        "USER_EVENTS_REDIS:\n  host: 127.0.0.1\n  port: 6379\n",
        "USER_EVENTS_REDIS:\n  host: 127.0.0.1\n  port: 6379\n"
        f'  password: "{CANARY["user_events_redis"]}"\n',
    )
    return text + (
        f"SECURITY_SCANNER_V4_PSK: {CANARY['psk']}\n"
        "LDAP_ADMIN_DN: uid=quayadmin,ou=people,dc=example,dc=com\n"
        f"LDAP_ADMIN_PASSWD: '{CANARY['ldap_admin']}'\n"
        "LDAP_URI: ldap://ldap.example.com:389\n"
        "RHSSO_LOGIN_CONFIG:\n  CLIENT_ID: quay\n"
        f"  CLIENT_SECRET: {CANARY['oidc_client_secret']}\n"
        "  OIDC_SERVER: https://sso.example.com/auth/realms/quay/\n  SERVICE_NAME: sso\n"
        f"MAIL_PASSWORD: {CANARY['mail_password']}\n"
    )


def _clair_config() -> str:
    pw = CANARY["clair_connstring"]
    return (
        "http_listen_addr: :8081\nintrospection_addr: :8088\nlog_level: debug\nindexer:\n"
        f"  connstring: host=quay-server.example.com port=5433 dbname=clair user=clairuser password={pw} sslmode=disable\n"
        "  scanlock_retry: 10\n  layer_scan_concurrency: 5\n  migrations: true\nmatcher:\n"
        f"  connstring: postgres://clairuser:{CANARY['clair_uri']}@quay-server.example.com:5433/clair\n"
        "  max_conn_pool: 100\n  migrations: true\n  indexer_addr: clair-indexer\nnotifier:\n"
        f"  connstring: host=quay-server.example.com port=5433 dbname=clair user=clairuser password={pw} sslmode=disable\n"
        "  delivery_interval: 1m\n  poll_interval: 5m\n  migrations: true\nauth:\n  psk:\n"
        f'    key: "{CANARY["psk"]}"\n    iss: ["quay"]\n'
    )


def _quay_log() -> str:
    base = (DATA / "quay" / "healthy-push-pull" / "quay-container.log").read_text()
    obj = "<ldap.ldapobject.SimpleLDAPObject object at 0x7f0d2c3b5e50>"
    trace = [
        # the admin bind, short enough for pprint to keep on one line
        f"gunicorn-web stdout | *** {obj} ldap://ldap.example.com:389 - SimpleLDAPObject.simple_bind\n",
        f"gunicorn-web stdout | (('uid=quayadmin,ou=people,dc=example,dc=com', '{CANARY['ldap_admin']}', None, None), {{}})\n",
        "gunicorn-web stdout | => result:\n",
        "gunicorn-web stdout | 1\n",
        QUAY_LINE.format(
            logger="data.users.externalldap",
            msg="Found user for LDAP username jdoe; validating password",
        ),
        # the user's own bind: a longer DN, so pprint wraps one argument per line
        f"gunicorn-web stdout | *** {obj} ldap://ldap.example.com:389 - SimpleLDAPObject.simple_bind\n",
        "gunicorn-web stdout | (('uid=jdoe,ou=engineering,ou=people,dc=corp,dc=example,dc=com',\n",
        f"gunicorn-web stdout |   '{CANARY['ldap_user_bind']}',\n",
        "gunicorn-web stdout |   None,\n",
        "gunicorn-web stdout |   None),\n",
        "gunicorn-web stdout |  {})\n",
        "gunicorn-registry stdout | 2026-11-26 00:10:24,669 [15382] [DEBUG] [peewee] "
        f'(\'UPDATE "user" SET "password_hash" = %s WHERE ("user"."id" = %s)\', [\'{CANARY["bcrypt"]}\', 1])\n',
        QUAY_LINE.format(
            logger="auth.registry_jwt_auth", msg=f"Validating auth header: Bearer {CANARY['jwt']}"
        ),
    ]
    return base + "".join(trace)


def _pods_yaml() -> str:
    src = next(SAMPLES.glob("openshift-must-gather/*/*/namespaces/quay-enterprise/core/pods.yaml"))
    text = src.read_text()
    return text.replace(
        "    - env:\n      - name: POSTGRESQL_USER\n",
        f"    - env:\n      - name: POSTGRESQL_REPLICATION_PASSWORD\n        value: {CANARY['pod_env']}\n      - name: POSTGRESQL_USER\n",
        1,
    )


def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="module")
def canary_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("canary") / "bundle"
    healthy = DATA / "quay" / "healthy-push-pull"
    key = _private_key()
    files = {
        "quay/quay-app/config.yaml": _quay_config(),
        "quay/quay-app/logs/current.log": _quay_log(),
        "quay/health/instance.json": (healthy / "health-instance.json").read_text(),
        "quay/quay-app/ssl.key": key,
        "clair/clairv4/config.yaml": _clair_config(),
        "runtime/pods.yaml": _pods_yaml(),
        "runtime/quayregistry.yaml": next(
            SAMPLES.glob(
                "openshift-must-gather/*/*/namespaces/quay-enterprise/quay.redhat.com/quayregistries/registry.yaml"
            )
        )
        .read_text()
        .replace(
            "  - kind: quay\n    managed: true\n    overrides:\n      replicas: 1\n",
            "  - kind: quay\n    managed: true\n    overrides:\n      replicas: 1\n      env:\n"
            f"      - name: DB_PASSWORD_OVERRIDE\n        value: {CANARY['cr_env']}\n",
        ),
        "runtime/secrets.yaml": (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: registry-quay-postgres-config-secret\n"
            f"  namespace: quay-enterprise\ntype: Opaque\ndata:\n  database-password: {CANARY['k8s_secret']}\n"
        ),
        "postgres/postgresql-quay/inspect.json": (
            SAMPLES / "standalone-healthy" / "postgres" / "postgresql-quay" / "inspect.json"
        )
        .read_text()
        .replace("POSTGRES_PASSWORD=quaypass", f"POSTGRES_PASSWORD={CANARY['inspect_env']}"),
        "postgres/postgresql-quay/postgresql.conf": (
            SAMPLES / "standalone-healthy" / "postgres" / "postgresql-quay" / "postgresql.conf"
        ).read_text()
        + f"primary_conninfo = 'host=db-primary.example.com port=5432 user=replicator password={CANARY['pg_conf']}'\n",
        "postgres/postgresql-quay/logs/postgresql-Thu.log": (
            '2026-11-26 00:04:46.903 UTC [6895] ERROR:  role "quay2" does not exist\n'
            f"2026-11-26 00:04:46.903 UTC [6895] STATEMENT:  ALTER ROLE quay2 WITH PASSWORD '{CANARY['pg_log']}'\n"
        ),
        "quay/quay-app/curl-api-user.txt": (
            "*   Trying 127.0.0.1:8080...\n* Connected to localhost (127.0.0.1) port 8080 (#0)\n"
            "> GET /api/v1/user/ HTTP/1.1\n> Host: localhost:8080\n> User-Agent: curl/7.88.1\n"
            f"> Accept: */*\n> Authorization: Bearer {CANARY['curl_bearer']}\n>\n"
            "< HTTP/1.1 200 OK\n< Server: nginx\n"
        ),
        "manifest.json": json.dumps(
            {
                "collector_version": "0.1.0",
                "time": "2026-11-26T00:10:29Z",
                "runtime": "podman",
                "host": "quay-server.example.com",
                "commands": [
                    {
                        "cmd": f"psql postgresql://quay:{CANARY['manifest_cmd']}@127.0.0.1:5432/quay -c 'SELECT 1'",
                        "exit_code": 0,
                        "seconds": 0.2,
                        "output": "postgres/select1.txt",
                    }
                ],
                "failures": [],
            },
            indent=2,
        ),
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    body_line = key.splitlines()[5]
    return root, body_line


LEAKY_RULES = {
    "LEAK001": ("quay_config", ["*", "*.*", "*.*.*", "*.*.*.*", "*.*.*.*.*"]),
    "LEAK002": ("clair_config", ["*", "*.*", "*.*.*", "*.*.*.*"]),
    "LEAK003": ("container_inspect", ["containers.*.env.*", "containers.*"]),
    "LEAK004": ("k8s_resource", ["items.*.containers.*.env.*", "items.*.containers.*"]),
    "LEAK005": ("quayregistry_cr", ["*", "env_overrides.*.*", "components.*.overrides"]),
    "LEAK006": ("manifest", ["commands.*.cmd", "commands.*"]),
    "LEAK007": ("pg_conf", ["*", "*.*", "*.*.*"]),
}
# one rule per line that holds a canary: a log rule quotes one line per matching record
LEAKY_LOGS = {
    "LEAK101": ("quay_log", "SimpleLDAPObject.simple_bind"),
    "LEAK102": ("quay_log", "uid=quayadmin,ou=people"),
    "LEAK103": ("quay_log", "Cnry6UserLdap"),
    "LEAK104": ("quay_log", "password_hash"),
    "LEAK105": ("quay_log", "Validating auth header: Bearer eyJhbGciOiJIUzI1NiJ9"),
    "LEAK106": ("pg_log", "WITH PASSWORD"),
}


def _leaky_rules(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    n = 0
    for rid, (kind, paths) in LEAKY_RULES.items():
        for i, path in enumerate(paths):
            n += 1
            rule = {
                "id": f"{rid[:4]}{int(rid[4:]) * 10 + i:03d}",
                "title": f"Leak every value of {kind}",
                "severity": "info",
                "category": "config",
                "artifact": kind,
                "condition": {"value": {"path": path, "op": "exists"}},
                "message": "{{ key }} = {{ value }} in {{ item }}",
                "why": "A careless rule that prints values.",
                "remediation": ["Nothing."],
                "references": ["getting-support"],
                "max_evidence": 50,
            }
            (directory / f"{rule['id']}-leak.yaml").write_text(json.dumps(rule))
    for rid, (kind, pattern) in LEAKY_LOGS.items():
        rule = {
            "id": rid,
            "title": f"Leak every line of {kind}",
            "severity": "info",
            "category": "logs",
            "artifact": kind,
            "condition": {"log": {"pattern": pattern}},
            "message": "{{ first }} / {{ last }} / {% for m in matches %}{{ m.excerpt }} | {% endfor %}",
            "why": "A careless rule that quotes lines.",
            "remediation": ["Nothing."],
            "references": ["getting-support"],
            "max_evidence": 50,
        }
        (directory / f"{rid}-leak.yaml").write_text(json.dumps(rule))
    return directory


def _secrets(body_line: str) -> dict[str, str]:
    return {**CANARY, "private_key_body": body_line}


def _outputs(bundle: Path, rules: Path, show: bool) -> dict[str, str]:
    ruleset = load_rules([rules])
    result = analyze(bundle, Options(rules_dirs=[rules], show_secrets=show), ruleset)
    out = {}
    for fmt, render in RENDERERS.items():
        for verbose in (False, True):
            try:
                out[f"{fmt}{'-verbose' if verbose else ''}"] = render(
                    result, {"verbose": verbose, "quiet": False}
                )
            except ModuleNotFoundError:  # a format whose module is still being written
                continue
    return out


def test_leaky_rules_do_surface_the_canaries(
    canary_bundle: tuple[Path, str], tmp_path: Path
) -> None:
    """With --show-secrets the canaries reach the output: the next test is not vacuous."""
    bundle, body = canary_bundle
    outputs = _outputs(bundle, _leaky_rules(tmp_path / "rules"), show=True)
    shown = json.dumps(outputs)
    surfaced = {
        name
        for name, value in _secrets(body).items()
        if value in shown or json.dumps(value)[1:-1] in shown
    }
    # the Kubernetes Secret's data and the curl request headers are parsed into nothing a
    # rule can print (the redacted copy test covers them); everything else must surface
    assert surfaced >= set(CANARY) - {"k8s_secret", "curl_bearer"}, set(CANARY) - surfaced


def test_no_canary_in_any_output_format(canary_bundle: tuple[Path, str], tmp_path: Path) -> None:
    bundle, body = canary_bundle
    outputs = _outputs(bundle, _leaky_rules(tmp_path / "rules"), show=False)
    assert {"json", "text"} <= {k.split("-")[0] for k in outputs}
    for fmt, text in outputs.items():
        for name, value in _secrets(body).items():
            assert value not in text, f"{name} leaked in {fmt}"
            assert json.dumps(value)[1:-1] not in text, f"{name} leaked (escaped) in {fmt}"
    assert "<secret:" in outputs["json"]


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_no_canary_on_the_command_line(
    canary_bundle: tuple[Path, str], tmp_path: Path, fmt: str
) -> None:
    bundle, body = canary_bundle
    rules = _leaky_rules(tmp_path / "rules")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer",
            str(bundle),
            "--rules",
            str(rules),
            "--format",
            fmt,
            "--verbose",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    if "not available" in proc.stderr:
        pytest.skip(f"format {fmt} is not available yet")
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    for name, value in _secrets(body).items():
        assert value not in proc.stdout, f"{name} leaked on stdout ({fmt})"
        assert value not in proc.stderr, f"{name} leaked on stderr ({fmt})"


@pytest.mark.parametrize(
    "argv",
    [
        ["postgresql://quay:Cnry0DbUriPw@db.example.com/quay"],
        ["/tmp/no/such/bundle", "--limit", "password=Cnry0DbUriPw"],
        ["/tmp/no/such/bundle", "--since", "Authorization: Bearer cnryBearerToken0123456789"],
        ["redact", "/tmp/no/such?password=Cnry0DbUriPw", "-o", "x.tgz"],
    ],
    ids=["uri-as-bundle", "limit-value", "since-value", "redact-path"],
)
def test_no_canary_in_error_messages(tmp_path: Path, argv: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("analyze: error: ") and "Traceback" not in proc.stderr
    assert "Cnry0DbUriPw" not in proc.stderr and "cnryBearerToken0123456789" not in proc.stderr


def test_show_secrets_warns_loudly(canary_bundle: tuple[Path, str], tmp_path: Path) -> None:
    bundle, _ = canary_bundle
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer",
            str(bundle),
            "--show-secrets",
            "--format",
            "json",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode in (0, 1)
    assert "WARNING" in proc.stderr and "--show-secrets" in proc.stderr


def test_redacted_copy_holds_no_canary(canary_bundle: tuple[Path, str], tmp_path: Path) -> None:
    import tarfile

    bundle, body = canary_bundle
    clean = tmp_path / "clean.tgz"
    mapping = tmp_path / "map.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer",
            "redact",
            str(bundle),
            "-o",
            str(clean),
            "--map",
            str(mapping),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with tarfile.open(clean) as t:
        data = b"".join(t.extractfile(m).read() for m in t.getmembers() if m.isfile())  # type: ignore[union-attr]
    for name, value in _secrets(body).items():
        assert value.encode() not in data, f"{name} left in the redacted copy"
        assert value not in proc.stdout and value not in proc.stderr
    assert "WARNING" in proc.stderr  # --map writes secrets: said first
    values = set(json.loads(mapping.read_text()).values())
    assert CANARY["db_uri"] in values and CANARY["ldap_user_bind"] in values
    assert (mapping.stat().st_mode & 0o077) == 0
    shutil.rmtree(tmp_path / "rules", ignore_errors=True)
