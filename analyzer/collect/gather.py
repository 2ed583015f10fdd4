"""What is collected from inside each kind of container, the same way on podman and OpenShift.

- Quay: `/conf/stack/config.yaml` and the public certificates beside it (`ssl.cert`,
  `extra_ca_certs/`, other `*.crt`/`*.pem`), never `ssl.key`; only CERTIFICATE blocks are kept
  from any file, so a key pasted into a certificate file stays behind too. Then the guide's
  database connectivity test, `curl -v telnet://<db host>:<port>` from inside the Quay container.
- PostgreSQL: `postgresql.conf` of the data directory (the RHEL image's
  `/var/lib/pgsql/data/userdata`, the community image's `/var/lib/postgresql/data`, or `$PGDATA`),
  the server log files of both directories the guide names (`userdata/log/`, the default since
  PostgreSQL 10, and `userdata/postgresql/logs/`) plus the pre-10 `pg_log/`, `df -ah`, and
  `SHOW ALL` when psql can connect.
- Clair: its config file (`$CLAIR_CONF`, by default `/clair/config.yaml`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from analyzer.artifacts.safeload import LoadError, load_yaml
from analyzer.collect.runner import Runner
from analyzer.collect.targets import Access, Target, safe_name

QUAY_CONF_DIR = "/conf/stack"
PG_DATA_DIRS = ("/var/lib/pgsql/data/userdata", "/var/lib/postgresql/data")
# guide ch. 3 (`userdata/log/*`), guide ch. 6.1 (`userdata/postgresql/logs/*`), PostgreSQL < 10
PG_LOG_DIRS = ("log", "postgresql/logs", "pg_log")
CLAIR_CONF = "/clair/config.yaml"
CONNECT_SECONDS = 5  # curl --max-time: long enough to connect, short enough not to stall

_CERT_BLOCK = re.compile(
    rb"-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----.+?-----END (?:TRUSTED |X509 )?CERTIFICATE-----",
    re.DOTALL,
)
_KEY_MARK = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_CERT_NAME = re.compile(r"(?:\.(?:crt|cert|pem)$|^extra_ca)", re.IGNORECASE)
# ssl.key and the like; a certificate named after keycloak is still a certificate
KEYLIKE_NAME = re.compile(r"\.key$|private|^ssl\.key", re.IGNORECASE)
_PG_LOG_NAME = re.compile(r"\.(?:log|csv|json)(?:\.\d+)?$")
_COLLECTOR_ON = re.compile(
    r"^\s*logging_collector\s*=?\s*'?(?:on|true|yes|1)'?\s*(?:#.*)?$", re.MULTILINE | re.IGNORECASE
)


# -- checks on what came back ---------------------------------------------------------------------


def yaml_text(data: bytes) -> str | None:
    """Why an output is not a YAML configuration file (None when it is one)."""
    text = data.decode("utf-8", errors="replace").strip()
    if not text:
        return "empty file"
    if text.lstrip().startswith(("Error:", "error:", "cat:", "OCI runtime")):
        return f"not a configuration file: {text.splitlines()[0][:200]}"
    return None


def pg_conf_text(data: bytes) -> str | None:
    """Why an output is not a postgresql.conf (None when it looks like one)."""
    problem = yaml_text(data)
    if problem:
        return problem
    if b"=" not in data and b"#" not in data:
        return "does not look like postgresql.conf (no settings, no comments)"
    return None


def psql_table(data: bytes) -> str | None:
    """Why an output is not psql's SHOW ALL table."""
    head = data[:4096]
    if b"|" not in head or b"setting" not in head:
        return "psql printed no settings table"
    return None


def curl_output(data: bytes) -> str | None:
    """Why an output is not `curl -v` output (the container may lack curl)."""
    if re.search(rb"^(?:\* |\*\s+Trying|curl: \()", data, re.MULTILINE):
        return None
    return "no curl -v output (is curl in the image?): " + data[:200].decode(errors="replace")


def public_certificates(data: bytes) -> tuple[bytes | None, bool]:
    """(only the certificate blocks of a PEM file, or None if it has none; had a private key)."""
    blocks = _CERT_BLOCK.findall(data)
    had_key = bool(_KEY_MARK.search(data))
    if not blocks:
        return None, had_key
    return b"\n".join(blocks) + b"\n", had_key


def load_config(data: bytes | None) -> dict[str, Any] | None:
    """A config.yaml read back as a mapping (bounded YAML loader); None if unreadable."""
    if not data:
        return None
    try:
        doc = load_yaml(data.decode("utf-8", errors="replace"))
    except LoadError:
        return None
    return doc.data if isinstance(doc.data, dict) else None


# -- Quay -----------------------------------------------------------------------------------------


def quay_config(runner: Runner, access: Access) -> dict[str, Any] | None:
    """Quay's config.yaml and the public certificates beside it; returns the parsed config."""
    t = access.target
    step = access.read_file(
        f"{QUAY_CONF_DIR}/config.yaml", f"{t.base}/config.yaml", check=yaml_text, read=True
    )
    config = load_config(step.data) if step.ok else None
    quay_certificates(runner, access)
    return config


def quay_certificates(runner: Runner, access: Access) -> None:
    """Certificate files of /conf/stack and extra_ca_certs/; private keys are never read."""
    t = access.target
    names = access.list_dir(QUAY_CONF_DIR)
    if names is None:
        if not t.running and access.usable:
            # a stopped container cannot list; copy the two usual places directly
            _certificate(runner, access, f"{QUAY_CONF_DIR}/ssl.cert", f"{t.base}/ssl.cert", True)
            access.read_dir(
                f"{QUAY_CONF_DIR}/extra_ca_certs", f"{t.base}/extra_ca_certs", lambda n: True
            )
            _vet_folder(runner, f"{t.base}/extra_ca_certs")
        return
    for name in names:
        if name.endswith("/"):
            continue
        if KEYLIKE_NAME.search(name):
            runner.withhold(
                f"{t.base}/{safe_name(name)}", "private key: never collected (public parts only)"
            )
            continue
        if _CERT_NAME.search(name):
            _certificate(
                runner, access, f"{QUAY_CONF_DIR}/{name}", f"{t.base}/{safe_name(name)}", False
            )
    if "extra_ca_certs/" in names:
        for name in access.list_dir(f"{QUAY_CONF_DIR}/extra_ca_certs") or []:
            if name.endswith("/") or KEYLIKE_NAME.search(name):
                continue
            _certificate(
                runner,
                access,
                f"{QUAY_CONF_DIR}/extra_ca_certs/{name}",
                f"{t.base}/extra_ca_certs/{safe_name(name)}",
                False,
            )


def _certificate(runner: Runner, access: Access, path: str, rel: str, quiet: bool) -> None:
    """One certificate file, reduced to its CERTIFICATE blocks."""
    step = access.read_file(path, rel, quiet=quiet)
    if step.output:
        keep_certificates_only(runner, step.output)


def keep_certificates_only(runner: Runner, rel: str) -> None:
    """Rewrite a collected PEM file with its certificate blocks only (or drop it)."""
    target = runner.root / rel
    try:
        data = target.read_bytes()
    except OSError:
        return
    certs, had_key = public_certificates(data)
    if had_key:
        runner.withhold(rel, "the file also held a private key, which was left out")
    if certs is None:
        runner.drop(rel)
        if not had_key:
            runner.fail(None, f"{rel}: no PEM certificate in the file; not collected")
        return
    if certs != data:
        target.write_bytes(certs)


def _vet_folder(runner: Runner, rel_dir: str) -> None:
    """Reduce every file collected into a folder to its certificate blocks."""
    folder = runner.root / rel_dir
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            keep_certificates_only(runner, f"{rel_dir}/{f.name}")


def db_endpoint(config: dict[str, Any] | None) -> tuple[str, int] | None:
    """(host, port) of a PostgreSQL DB_URI; None for other databases or no URI."""
    uri = (config or {}).get("DB_URI")
    if not isinstance(uri, str):
        return None
    try:
        parts = urlsplit(uri.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or not parts.scheme.lower().startswith("postgres"):
        return None
    if not re.fullmatch(r"[A-Za-z0-9_.:\-]+", host):
        return None
    return host, port or 5432


def db_connectivity(runner: Runner, quay: Target, config: dict[str, Any] | None) -> None:
    """The guide's connectivity test from the Quay container to the database in DB_URI."""
    endpoint = db_endpoint(config)
    if endpoint is None:
        return
    if not quay.running:
        runner.fail(
            None, f"database connectivity test: {quay.name} is not running, so it cannot run curl"
        )
        return
    host, port = endpoint
    target = f"[{host}]" if ":" in host else host
    runner.run(
        [
            *quay.exec_prefix,
            "curl",
            "-sv",
            "--max-time",
            str(CONNECT_SECONDS),
            f"telnet://{target}:{port}",
        ],
        output=f"{quay.base}/db-connectivity.txt",
        merge_stderr=True,
        # curl's own verdicts are the result, not a failure of the step: 6 unresolvable,
        # 7 refused, 28 timed out (also after connecting), 52/56 closed or reset
        expected=(0, 6, 7, 28, 52, 56),
        check=curl_output,
        timeout=CONNECT_SECONDS + 30,
    )


# -- PostgreSQL -----------------------------------------------------------------------------------


def postgres(runner: Runner, access: Access) -> None:
    """postgresql.conf, the server log files, df -ah and SHOW ALL of one database container."""
    t = access.target
    if not access.usable:
        runner.fail(None, access.unavailable("postgresql.conf, server logs, df -ah, SHOW ALL"))
        return
    candidates = list(dict.fromkeys([t.env.get("PGDATA", "").rstrip("/"), *PG_DATA_DIRS]))
    candidates = [c for c in candidates if c]
    data_dir = None
    conf_text = ""
    for d in candidates:
        step = access.read_file(
            f"{d}/postgresql.conf",
            f"{t.base}/postgresql.conf",
            quiet=True,
            check=pg_conf_text,
            read=True,
        )
        if step.ok:
            data_dir = d
            conf_text = (step.data or b"").decode("utf-8", errors="replace")
            break
    if data_dir is None:
        runner.fail(None, f"postgresql.conf of {t.name} not found in {', '.join(candidates)}")
    taken: set[str] = {"current.log", "previous.log"}
    found_dir = False
    for d in [data_dir] if data_dir else candidates:
        for sub in PG_LOG_DIRS:
            kept = access.read_dir(
                f"{d}/{sub}", f"{t.base}/logs", lambda n: bool(_PG_LOG_NAME.search(n)), taken=taken
            )
            found_dir = found_dir or kept is not None
    if not found_dir and _COLLECTOR_ON.search(conf_text):
        runner.fail(
            None,
            f"{t.name}: logging_collector is on but no server log directory was found "
            f"({', '.join(PG_LOG_DIRS)} under the data directory)",
        )
    if not t.running:
        runner.fail(None, access.unavailable("df -ah and SHOW ALL"))
        return
    runner.run([*t.exec_prefix, "df", "-ah"], output=f"{t.base}/df.txt")
    runner.run(
        [*t.exec_prefix, "psql", "-X", "-U", "postgres", "-c", "SHOW ALL"],
        output=f"{t.base}/settings.txt",
        check=psql_table,
    )


# -- Clair ----------------------------------------------------------------------------------------


def clair(runner: Runner, access: Access) -> None:
    """Clair's config.yaml."""
    t = access.target
    path = t.env.get("CLAIR_CONF") or CLAIR_CONF
    access.read_file(path, f"{t.base}/config.yaml", check=yaml_text)
