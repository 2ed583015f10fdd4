"""The deployments the stand-in `podman` and `oc` pretend to be, built from real outputs.

Standalone (podman): the database outage of `sample_bundles/standalone-db-outage` (Quay's log,
`postgresql.conf`, the PostgreSQL server log with the connection-slot errors, `df -ah` with a
full data volume, the 503 health bodies), plus Redis (`tests/data/redis`, as in
`standalone-healthy`) and Clair (the standalone config of the Clair docs and Clair log lines
quoted in the rule cases). `podman ps`/`stats` JSON and `inspect` keep the shapes of formats.md
§1-2 and of `standalone-healthy`, with the values of the outage's tables.

Operator (oc): the OOM-killed, crash-looping Quay pod of `sample_bundles/openshift-must-gather`
(pods, events, QuayRegistry, current and previous logs with the kubelet's timestamps), with
the database pod's files from `tests/data/postgres`.

Distinct secrets are planted everywhere a deployment keeps them (config.yaml, Clair's config,
container environments, Kubernetes Secrets, TLS private keys) so tests can prove none reaches the
bundle.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "sample_bundles"
OUTAGE = SAMPLES / "standalone-db-outage"
HEALTHY = SAMPLES / "standalone-healthy"
MG = next(
    (SAMPLES / "openshift-must-gather").glob("must-gather.local.*/*/namespaces/quay-enterprise")
)
HERE = Path(__file__).resolve().parent

# Quoted verbatim in tests/analyzer/artifacts/test_clair_log.py and the CLR rule cases.
CLAIR_LINES = [
    '{"level":"info","component":"main","version":"v4.2.0","time":"2021-08-15T16:31:11Z","message":"ready"}',
    '{"level":"error","component":"libvuln/updates/Manager.Run","error":"alpine: error requesting \\"https://secdb.alpinelinux.org/last-update\\": Get \\"https://secdb.alpinelinux.org/last-update\\": dial tcp 172.105.78.12:443: i/o timeout","time":"2023-12-17T12:03:13Z","message":"failed constructing factory, excluding from run"}',
    '{"level":"warn","component":"indexer/controller/Controller.Index","error":"fetcher: request failed: Get \\"https://quay-server.example.com/_storage_proxy/\\": x509: certificate signed by unknown authority","time":"2023-12-17T12:05:41Z","message":"layers fetch failure"}',
]


@dataclass
class Secrets:
    """Every planted secret, so tests can look for each in the bundle."""

    values: dict[str, str] = field(default_factory=dict)
    key_pems: list[bytes] = field(default_factory=list)

    def all(self) -> dict[str, str]:
        return dict(self.values)


# -- certificates ------------------------------------------------------------------------------


def make_cert(cn: str, sans: list[str]) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) of a self-signed certificate, valid 2026-2036."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2036, 1, 1, tzinfo=UTC))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


# -- podman -t timestamps ----------------------------------------------------------------------

_QUAY_T = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)[,.](\d{3})")
_REDIS_T = re.compile(r"^\d+:[XCSM] (\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d)\.(\d{3}) ")
_JSON_T = re.compile(r'"time":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z"')


def podman_t(text: str, start: datetime) -> str:
    """The `podman logs -t` form of a log: each line prefixed with podman's LogTimeFormat.

    libpod/logs/log.go: `2006-01-02T15:04:05.000000000Z07:00` (nine fraction digits, Z in UTC).
    A line's time is its own when it shows one, else the previous line's.
    """
    t = start
    out = []
    for line in text.splitlines():
        if m := _QUAY_T.search(line):
            t = datetime.fromisoformat(f"{m[1]}T{m[2]}.{m[3]}+00:00")
        elif m := _REDIS_T.search(line):
            t = datetime.strptime(m[1], "%d %b %Y %H:%M:%S").replace(tzinfo=UTC)
            t += timedelta(milliseconds=int(m[2]))
        elif m := _JSON_T.search(line):
            t = datetime.fromisoformat(m[1] + "+00:00")
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond * 1000:09d}Z"
        out.append(f"{stamp} {line}\n")
    return "".join(out)


# -- the standalone world ----------------------------------------------------------------------


def _inspect(template: Path, **changes: object) -> list[dict[str, object]]:
    """A podman inspect array from a real one, with the fields that differ changed."""
    obj = json.loads(template.read_text())[0]
    obj = copy.deepcopy(obj)
    for dotted, value in changes.items():
        parts = dotted.split("__")
        node = obj
        for p in parts[:-1]:
            node = node[p]
        node[parts[-1]] = value
    return [obj]


def _dump_inspect(path: Path, obj: list[dict[str, object]], debuglog: str | None = None) -> None:
    # podman prints inspect with a five-space indent (formats.md §2.2, standalone-healthy)
    if debuglog is not None:
        env = obj[0]["Config"]["Env"]  # type: ignore[index]
        obj[0]["Config"]["Env"] = [  # type: ignore[index]
            f"DEBUGLOG={debuglog}" if e.startswith("DEBUGLOG=") else e for e in env
        ]
    path.write_text(json.dumps(obj, indent=5) + "\n")


def _ps_entry(
    name: str, image: str, cid: str, command: list[str], status: str
) -> dict[str, object]:
    """One `podman ps -a --format json` object (formats.md §2.1 keys, 2-space array)."""
    running = status.startswith("Up")
    return {
        "AutoRemove": False,
        "Command": command,
        "Created": 1795340000,
        "CreatedAt": "8 days ago",
        "CIDFile": "",
        "Exited": not running,
        "ExitedAt": -62135596800 if running else 1795998900,
        "ExitCode": 0 if running else 1,
        "Id": cid,
        "Image": image,
        "ImageID": cid[::-1],
        "IsInfra": False,
        "Labels": {},
        "Mounts": [],
        "Names": [name],
        "Namespaces": {},
        "Networks": ["podman"],
        "Pid": 0,
        "Pod": "",
        "PodName": "",
        "Ports": [],
        "Restarts": 0,
        "Size": None,
        "StartedAt": 1795974000,
        "State": "running" if running else "exited",
        "Status": status,
    }


def _stats(
    cid: str, name: str, cpu: str, mem: str, memp: str, block: str, pids: str, cput: str, avg: str
) -> dict[str, str]:
    """One `podman stats --format json` object: string values, podman >= 3.3 keys (formats.md §1.1)."""
    return {
        "id": cid[:12],
        "name": name,
        "cpu_time": cput,
        "cpu_percent": cpu,
        "avg_cpu": avg,
        "mem_usage": mem,
        "mem_percent": memp,
        "net_io": "0B / 0B",
        "block_io": block,
        "pids": pids,
    }


QUAY_ID = "39deb628abd4" + "5f0c1e2d3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
PG_ID = "75fce97dbf30" + "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d"
REDIS_ID = "67deb1112984" + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8"
CLAIR_ID = "8c1f2e3d4b5a" + "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4"


def podman_world(dest: Path, *, db_running: bool = True) -> Secrets:
    """The standalone database outage, with secrets planted; returns them."""
    s = Secrets()
    s.values = {
        "db_password": "Dq7-vR2mX9pL4sTz",
        "secret_key": "c0ffee9d1b7e4a5f8c2d6e0b3a9f7c1d5e8b2a4f6c0d9e3b7a1f5c8d2e6b0a4f",
        "database_secret_key": "e2c4a6f8-1b3d-4f5a-8c7e-9d0b2a4c6e8f",
        "psk": "Wk1xUjd2TjNwUTh0WTJiSzVoRjlqTDRtWDZjVjFuQjA=",
        "redis_password": "Rd-Secret-Value-4471mm",
        "pg_env_password": "Pg-Env-Secret-5583xq",
        "pg_admin_password": "Pg-Admin-Secret-9921zk",
        "clair_db_password": "ClairDb-Secret-6610pw",
    }
    v = s.values
    cert, key = make_cert("quay-server.example.com", ["quay-server.example.com"])
    ca, ca_key = make_cert("Example Corp Root CA", ["ca.example.com"])
    s.key_pems = [key, ca_key]

    dest.mkdir(parents=True, exist_ok=True)
    c = dest / "containers"
    started = datetime(2026, 11, 25, 13, 50, 0, tzinfo=UTC)

    # -- quay
    q = c / "quay"
    conf = (OUTAGE / "config.yaml").read_text()
    conf = conf.replace("Quay-test-pass-01", v["db_password"])
    conf = conf.replace(
        "b6bd4decff0235d49c206c7e2a1546acb7ff2ddbeaf4aa37d0f2a86cfce6e31b", v["secret_key"]
    )
    conf = conf.replace("4d3e2a71-6bb4-4c9e-9a0b-2f0d8f6a1c55", v["database_secret_key"])
    conf = conf.replace(
        "  host: 127.0.0.1\n  port: 6379\n",
        f"  host: 127.0.0.1\n  password: {v['redis_password']}\n  port: 6379\n",
    )
    conf = conf.replace(
        "FEATURE_SECURITY_SCANNER: false\n",
        "FEATURE_SECURITY_SCANNER: true\n",
    )
    conf = conf.replace(
        "SERVER_HOSTNAME: quay-server.example.com\n",
        f"SECURITY_SCANNER_V4_ENDPOINT: http://quay-server.example.com:8081\n"
        f"SECURITY_SCANNER_V4_PSK: {v['psk']}\n"
        "SERVER_HOSTNAME: quay-server.example.com\n",
    )
    _put(q / "fs/conf/stack/config.yaml", conf)
    _put(q / "fs/conf/stack/ssl.cert", cert)
    _put(q / "fs/conf/stack/ssl.key", key)
    _put(q / "fs/conf/stack/extra_ca_certs/example-ca.crt", ca)
    # a careless bundle: a CA file with its key pasted below it
    _put(q / "fs/conf/stack/extra_ca_certs/combined.pem", ca + ca_key)
    _put(q / "logs.txt", podman_t((OUTAGE / "quay-logs.txt").read_text(), started))
    _dump_inspect(
        _mk(q / "inspect.json"),
        _inspect(
            HEALTHY / "quay/quay/inspect.json",
            Id=QUAY_ID,
            ImageName="registry.redhat.io/quay/quay-rhel8:v3.15.0",
            RawImageName="registry.redhat.io/quay/quay-rhel8:v3.15.0",
        ),
        debuglog="false",
    )
    # `curl -sv --max-time 5 telnet://127.0.0.1:5432` (tests/data/connectivity/
    # connected-silent-localhost.txt, with this host and port): connected, then curl's time-out
    _put(
        q / "curl.txt",
        (DATA / "connectivity/connected-silent-localhost.txt")
        .read_text()
        .replace("localhost (127.0.0.1)", "127.0.0.1 (127.0.0.1)")
        .replace("18765", "5432"),
    )
    _put(q / "curl.exit", "28")

    # -- postgres
    p = c / "postgresql-quay"
    _put(
        p / "fs/var/lib/pgsql/data/userdata/postgresql.conf",
        (OUTAGE / "postgresql.conf").read_bytes(),
    )
    _put(
        p / "fs/var/lib/pgsql/data/userdata/log/postgresql-Wed.log",
        (OUTAGE / "attach/pg/postgresql-Wed.log").read_bytes(),
    )
    _put(p / "df.txt", (OUTAGE / "df-ah.txt").read_bytes())
    _put(
        p / "psql.err",
        'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
        "FATAL:  sorry, too many clients already\n",
    )
    # the RHEL image's container log stops where the logging collector takes over
    db_log = (MG / "pods").glob("registry-quay-database-*/postgres/postgres/logs/current.log")
    _put(p / "logs.txt", next(db_log).read_text())
    pg_env = [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "container=oci",
        "POSTGRESQL_USER=quayuser",
        f"POSTGRESQL_PASSWORD={v['pg_env_password']}",
        "POSTGRESQL_DATABASE=quay",
        f"POSTGRESQL_ADMIN_PASSWORD={v['pg_admin_password']}",
        "HOME=/var/lib/pgsql",
    ]
    pg = _inspect(
        HEALTHY / "postgres/postgresql-quay/inspect.json",
        Id=PG_ID,
        ImageName="registry.redhat.io/rhel9/postgresql-15:latest",
        RawImageName="registry.redhat.io/rhel9/postgresql-15:latest",
    )
    pg[0]["Config"]["Env"] = pg_env
    pg[0]["HostConfig"]["Memory"] = 2147483648
    if not db_running:
        pg[0]["State"].update({"Status": "exited", "Running": False, "ExitCode": 1})
    _dump_inspect(_mk(p / "inspect.json"), pg)

    # -- redis
    r = c / "redis"
    _put(r / "logs.txt", podman_t((HEALTHY / "redis/redis/logs/current.log").read_text(), started))
    rd = _inspect(
        HEALTHY / "redis/redis/inspect.json",
        Id=REDIS_ID,
        ImageName="registry.redhat.io/rhel9/redis-6:latest",
        RawImageName="registry.redhat.io/rhel9/redis-6:latest",
    )
    rd[0]["Config"]["Env"] = [*rd[0]["Config"]["Env"], f"REDIS_PASSWORD={v['redis_password']}"]
    _dump_inspect(_mk(r / "inspect.json"), rd)

    # -- clair (standalone docs example: quay-docs clair-standalone-configure.adoc)
    k = c / "clairv4"
    clair_conf = _clair_standalone().replace("clairpass", v["clair_db_password"])
    clair_conf = clair_conf.replace("MTU5YzA4Y2ZkNzJoMQ==", v["psk"])
    _put(k / "fs/clair/config.yaml", clair_conf)
    _put(k / "logs.txt", podman_t("\n".join(CLAIR_LINES) + "\n", started))
    cl = _inspect(
        HEALTHY / "redis/redis/inspect.json",
        Id=CLAIR_ID,
        Name="clairv4",
        ImageName="registry.redhat.io/quay/clair-rhel8:v3.15.0",
        RawImageName="registry.redhat.io/quay/clair-rhel8:v3.15.0",
    )
    cl[0]["Config"]["Env"] = [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "CLAIR_CONF=/clair/config.yaml",
        "CLAIR_MODE=combo",
    ]
    _dump_inspect(_mk(k / "inspect.json"), cl)

    db_status = "Up 7 hours" if db_running else "Exited (1) 5 minutes ago"
    ps = [
        _ps_entry(
            "postgresql-quay",
            "registry.redhat.io/rhel9/postgresql-15:latest",
            PG_ID,
            ["run-postgresql"],
            db_status,
        ),
        _ps_entry(
            "redis",
            "registry.redhat.io/rhel9/redis-6:latest",
            REDIS_ID,
            ["run-redis"],
            "Up 7 hours",
        ),
        _ps_entry(
            "quay",
            "registry.redhat.io/quay/quay-rhel8:v3.15.0",
            QUAY_ID,
            ["registry"],
            "Up 7 hours",
        ),
        _ps_entry(
            "clairv4", "registry.redhat.io/quay/clair-rhel8:v3.15.0", CLAIR_ID, [], "Up 7 hours"
        ),
        # not part of Quay: must be left alone
        _ps_entry("grafana", "docker.io/grafana/grafana:11.0.0", "ab" * 32, [], "Up 7 hours"),
    ]
    (dest / "ps.json").write_text(json.dumps(ps, indent=2) + "\n")
    # the outage's `podman stats` table (standalone-db-outage/podman-stats.txt) as JSON
    stats = [
        _stats(
            QUAY_ID,
            "quay",
            "64.18%",
            "3.413GB / 8.59GB",
            "39.73%",
            "1.204GB / 88.45MB",
            "214",
            "3h12m41.52s",
            "38.71%",
        ),
        _stats(
            PG_ID,
            "postgresql-quay",
            "97.40%",
            "1.991GB / 2.147GB",
            "92.72%",
            "9.338GB / 18.9GB",
            "103",
            "2h1m7.19s",
            "24.33%",
        ),
        _stats(
            REDIS_ID,
            "redis",
            "0.31%",
            "7.082MB / 1.074GB",
            "0.66%",
            "1.319MB / 12.29kB",
            "5",
            "41.831s",
            "0.14%",
        ),
    ]
    if not db_running:
        stats = [x for x in stats if x["name"] != "postgresql-quay"]
    (dest / "stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    return s


def _clair_standalone() -> str:
    """The standalone Clair config quoted from the Clair docs in the clair_config tests."""
    sys.path.insert(0, str(ROOT))
    from tests.analyzer.artifacts.test_clair_config import STANDALONE

    return STANDALONE


# -- the Operator world --------------------------------------------------------------------------

CONFIG_SECRET = "registry-quay-config-secret-9t2bh7k5mf"


def oc_world(dest: Path, *, quay_running: bool = False) -> Secrets:
    """The OOM-killed Quay of the must-gather sample, with secrets planted; returns them."""
    s = Secrets()
    s.values = {
        "db_password": "OpDb-Secret-3390ab",
        "secret_key": "5e8f1a9c3b7d2e6f0a4c8b1d5e9f3a7c2b6d0e4f8a1c5b9d3e7f0a2c6b8d4e1f",
        "database_secret_key": "7a9c1e3f-5b2d-4e6f-8a0c-1d3e5f7a9b2c",
        "redis_password": "OpRedis-Secret-8812cd",
    }
    v = s.values
    cert, key = make_cert(
        "registry-quay-quay-enterprise.apps.ocp.example.com", ["*.apps.ocp.example.com"]
    )
    s.key_pems = [key]
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "namespace").write_text("quay-enterprise\n")

    cr = yaml.safe_load((MG / "quay.redhat.com/quayregistries/registry.yaml").read_text())
    _yaml(
        dest / "quayregistry.yaml",
        {"apiVersion": "v1", "items": [cr], "kind": "List", "metadata": {"resourceVersion": ""}},
    )
    pods = yaml.safe_load((MG / "core/pods.yaml").read_text())
    for pod in pods["items"]:
        if pod["metadata"]["name"].startswith("registry-quay-app-"):
            # the operator mounts the generated config secret at /conf/stack (configvolume)
            pod["spec"]["volumes"] = [
                {
                    "name": "configvolume",
                    "secret": {"defaultMode": 420, "secretName": CONFIG_SECRET},
                },
                {
                    "name": "extra-ca-certs",
                    "configMap": {"defaultMode": 420, "name": "cluster-service-ca"},
                },
            ]
            if quay_running:
                st = pod["status"]["containerStatuses"][0]
                st["state"] = {"running": {"startedAt": "2026-11-24T09:58:50Z"}}
    _yaml(dest / "pods.yaml", pods)
    for pod in pods["items"]:
        _yaml(_mk(dest / "pods" / f"{pod['metadata']['name']}.yaml"), pod)
    shutil.copy(MG / "core/events.yaml", dest / "events.yaml")
    app = next(p for p in pods["items"] if p["metadata"]["name"].startswith("registry-quay-app-"))
    db = next(
        p for p in pods["items"] if p["metadata"]["name"].startswith("registry-quay-database-")
    )
    app_name, db_name = app["metadata"]["name"], db["metadata"]["name"]
    # kubectl top's layout (tests/analyzer/artifacts/test_top_pods.py): the crash-looping pod has
    # no metrics, so only the database is listed
    (dest / "top-pods.txt").write_text(
        "NAME                                      CPU(cores)   MEMORY(bytes)   \n"
        f"{db_name:<42}250m         512Mi           \n"
    )
    for which in ("current.log", "previous.log"):
        src = MG / "pods" / app_name / "quay-app/quay-app/logs" / which
        _put(dest / "logs" / app_name / "quay-app" / which, src.read_bytes())
    _put(
        dest / "logs" / db_name / "postgres/current.log",
        (MG / "pods" / db_name / "postgres/postgres/logs/current.log").read_bytes(),
    )

    config = (HEALTHY / "quay/quay/config.yaml").read_text()
    config = config.replace(
        "postgresql://quay:quaypass@127.0.0.1:5432/quay",
        f"postgresql://quayuser:{v['db_password']}@registry-quay-database:5432/quay",
    )
    config = config.replace(
        "b6bd4decff0235d49c206c7e2a1546acb7ff2ddbeaf4aa37d0f2a86cfce6e31b", v["secret_key"]
    )
    config = config.replace("4d3e2a71-6bb4-4c9e-9a0b-2f0d8f6a1c55", v["database_secret_key"])
    config = config.replace(
        "  host: 127.0.0.1\n  port: 6379\n",
        f"  host: registry-quay-redis\n  password: {v['redis_password']}\n  port: 6379\n",
    )
    config = config.replace(
        "SERVER_HOSTNAME: localhost:8080",
        "SERVER_HOSTNAME: registry-quay-quay-enterprise.apps.ocp.example.com",
    )
    config = config.replace(
        "PREFERRED_URL_SCHEME: http", "PREFERRED_URL_SCHEME: https\nEXTERNAL_TLS_TERMINATION: true"
    )
    secret = {
        "apiVersion": "v1",
        "data": {
            "config.yaml": base64.b64encode(config.encode()).decode(),
            "ssl.cert": base64.b64encode(cert).decode(),
            "ssl.key": base64.b64encode(key).decode(),
        },
        "kind": "Secret",
        "metadata": {"name": CONFIG_SECRET, "namespace": "quay-enterprise"},
        "type": "Opaque",
    }
    _put(dest / "secrets" / f"{CONFIG_SECRET}.json", json.dumps(secret, indent=4) + "\n")
    s.values["ssl_key_b64"] = secret["data"]["ssl.key"][:60]
    # the user's config bundle: what the Operator started from
    user = dict(
        secret, metadata={"name": cr["spec"]["configBundleSecret"], "namespace": "quay-enterprise"}
    )
    _put(
        dest / "secrets" / f"{cr['spec']['configBundleSecret']}.json",
        json.dumps(user, indent=4) + "\n",
    )

    qfs = dest / "containers" / app_name / "fs/conf/stack"
    _put(qfs / "config.yaml", config)
    _put(qfs / "ssl.cert", cert)
    _put(qfs / "ssl.key", key)

    dfs = dest / "containers" / db_name
    _put(
        dfs / "fs/var/lib/pgsql/data/userdata/postgresql.conf",
        (DATA / "postgres/postgresql.conf.pg15-default").read_bytes(),
    )
    _put(
        dfs / "fs/var/lib/pgsql/data/userdata/log/postgresql-Thu.log",
        (DATA / "postgres/log-samples/postgresql-Thu.log").read_bytes(),
    )
    _put(
        dfs / "df.txt",
        (HEALTHY / "postgres/postgresql-quay/df.txt")
        .read_text()
        .replace("/var/lib/postgresql/data", "/var/lib/pgsql/data"),
    )
    _put(dfs / "psql.txt", (DATA / "postgres/settings/show_all.txt").read_bytes())
    return s


# -- helpers ---------------------------------------------------------------------------------------


def _mk(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _put(path: Path, data: str | bytes) -> None:
    _mk(path)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)


def _yaml(path: Path, obj: object) -> None:
    # oc writes YAML with sorted keys
    path.write_text(yaml.safe_dump(obj, sort_keys=True, default_flow_style=False))


def install_standins(bindir: Path) -> None:
    """`podman` and `oc` wrappers that run standin.py with this interpreter."""
    bindir.mkdir(parents=True, exist_ok=True)
    for tool in ("podman", "oc"):
        script = bindir / tool
        script.write_text(
            f"#!{sys.executable}\n"
            "import sys\n"
            f"sys.path.insert(0, {str(HERE)!r})\n"
            "import standin\n"
            f"sys.exit(standin.main({tool!r}, sys.argv[1:]))\n"
        )
        script.chmod(0o755)
