"""The TLS kinds: certificate files (`ssl.cert`, `extra_ca_certs/*`, `ldap.crt`...) and private keys.

Certificates become what rules compare: subject, SANs, validity window, CA and self-signed
flags, and a SHA-256 fingerprint of the public key, which is how a certificate is matched to
its key (`ssl.cert` against `ssl.key`). A key file yields only its type, size, that fingerprint
and whether it is encrypted: nothing from which the private key could be recovered is kept.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtensionOID, NameOID

from analyzer.artifacts.base import Parsed, TextSource, TooLarge
from analyzer.model import Problem

_BEGIN = re.compile(rb"^-----BEGIN ([A-Z0-9 ]+)-----\s*$")
_END = re.compile(rb"^-----END ([A-Z0-9 ]+)-----\s*$")
_CERT_LABELS = {b"CERTIFICATE", b"TRUSTED CERTIFICATE", b"X509 CERTIFICATE"}
_KEY_LABELS = {
    b"PRIVATE KEY",
    b"RSA PRIVATE KEY",
    b"EC PRIVATE KEY",
    b"DSA PRIVATE KEY",
    b"ENCRYPTED PRIVATE KEY",
    b"OPENSSH PRIVATE KEY",
}
_KEY_FORMAT = {
    b"PRIVATE KEY": "pkcs8",
    b"ENCRYPTED PRIVATE KEY": "pkcs8",
    b"RSA PRIVATE KEY": "pkcs1",
    b"EC PRIVATE KEY": "sec1",
    b"DSA PRIVATE KEY": "dsa",
    b"OPENSSH PRIVATE KEY": "openssh",
}
_KEY_TYPE_BY_LABEL = {b"RSA PRIVATE KEY": "RSA", b"EC PRIVATE KEY": "EC", b"DSA PRIVATE KEY": "DSA"}


def _blocks(data: bytes) -> tuple[list[tuple[bytes, int, bytes]], list[Problem]]:
    """Every PEM block as (label, BEGIN line, block bytes); unterminated blocks are problems."""
    blocks: list[tuple[bytes, int, bytes]] = []
    problems: list[Problem] = []
    label: bytes | None = None
    start = 0
    buf: list[bytes] = []
    for n, raw in enumerate(data.splitlines(), start=1):
        line = raw.strip()
        if label is None:
            m = _BEGIN.match(line)
            if m:
                label, start, buf = m[1], n, [line]
            continue
        buf.append(line)
        m = _END.match(line)
        if m:
            if m[1] == label:
                blocks.append((label, start, b"\n".join(buf) + b"\n"))
            else:
                problems.append(
                    Problem(
                        f"PEM block opened as {label.decode()} is closed as {m[1].decode()}",
                        line=n,
                        code="syntax",
                    )
                )
            label = None
        elif m2 := _BEGIN.match(line):
            problems.append(
                Problem(f"PEM block {label.decode()} has no END line", line=start, code="syntax")
            )
            label, start, buf = m2[1], n, [line]
    if label is not None:
        problems.append(
            Problem(f"PEM block {label.decode()} has no END line", line=start, code="syntax")
        )
    return blocks, problems


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def spki_sha256(public_key: Any) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo: the same for a certificate and its key."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _key_info(public_key: Any) -> tuple[str | None, int | None]:
    """(type, bits) of a public key."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC", public_key.curve.key_size
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", 456
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size
    return None, None


def _ext(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> Any:
    try:
        return cert.extensions.get_extension_for_oid(oid).value
    except (x509.ExtensionNotFound, ValueError):
        return None


def _describe(cert: x509.Certificate) -> dict[str, Any]:
    """The facts about one certificate that rules use."""
    try:
        subject = cert.subject.rfc4514_string()
        issuer = cert.issuer.rfc4514_string()
    except ValueError:
        subject = issuer = None
    try:
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        cn = str(cns[0].value) if cns else None
    except ValueError:
        cn = None
    sans: list[str] = []
    san = _ext(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if san is not None:
        sans.extend(str(n) for n in san.get_values_for_type(x509.DNSName))
        sans.extend(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    bc = _ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
    try:
        public_key = cert.public_key()
        key_type, key_bits = _key_info(public_key)
        fingerprint: str | None = spki_sha256(public_key)
    except (ValueError, TypeError):
        public_key, key_type, key_bits, fingerprint = None, None, None, None
    self_signed = cert.issuer == cert.subject
    if self_signed:
        try:
            cert.verify_directly_issued_by(cert)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            # same name on both sides but the signature is not its own: not self-signed
            self_signed = False
    try:
        hash_name = cert.signature_hash_algorithm.name if cert.signature_hash_algorithm else None
    except UnsupportedAlgorithm:
        hash_name = None
    return {
        "subject": subject,
        "issuer": issuer,
        "common_name": cn,
        "sans": sans,
        "not_before": _iso(cert.not_valid_before_utc),
        "not_after": _iso(cert.not_valid_after_utc),
        "serial": format(cert.serial_number, "x"),
        "is_ca": bool(bc.ca) if bc is not None else False,
        "self_signed": self_signed,
        "public_key_sha256": fingerprint,
        "key_type": key_type,
        "key_bits": key_bits,
        "signature_hash": hash_name,
        "fingerprint_sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }


def _read(src: TextSource, kind: str) -> tuple[bytes | None, Parsed]:
    out = Parsed(kind=kind, path=src.path, problems=list(src.notes))
    try:
        return src.read_bytes(), out
    except TooLarge as exc:
        out.status = "invalid"
        out.problems.append(Problem(str(exc)))
        return None, out


def parse_tls_cert(src: TextSource) -> Parsed:
    """Parse one or more PEM certificates (a chain or a CA bundle); DER accepted too."""
    data, out = _read(src, "tls_cert")
    if data is None:
        return out
    certs: list[dict[str, Any]] = []
    blocks, problems = _blocks(data)
    out.problems.extend(problems)
    if not blocks and data[:1] == b"\x30":
        try:
            certs.append(_describe(x509.load_der_x509_certificate(data)))
            out.locations["certificates.0"] = 1
            out.meta["encoding"] = "der"
        except (ValueError, TypeError):
            pass
    for label, line, pem in blocks:
        if label in _KEY_LABELS:
            # A key inside a certificate file is itself a finding; its content is never read.
            out.problems.append(
                Problem(
                    f"a private key block ({label.decode()}) is stored in this certificate file",
                    line=line,
                    code="private-key",
                )
            )
            continue
        if label not in _CERT_LABELS:
            continue
        try:
            if label == b"TRUSTED CERTIFICATE":
                # OpenSSL's trusted form: DER certificate followed by trust settings
                der = base64.b64decode(b"".join(pem.splitlines()[1:-1]))
                cert = x509.load_der_x509_certificate(_first_der(der))
            else:
                cert = x509.load_pem_x509_certificate(
                    pem.replace(b"X509 CERTIFICATE", b"CERTIFICATE")
                )
        except (ValueError, TypeError) as exc:
            out.problems.append(
                Problem(
                    f"certificate block cannot be read ({type(exc).__name__}: bad base64 or DER)",
                    line=line,
                    code="syntax",
                )
            )
            continue
        try:
            described = _describe(cert)
        except (ValueError, TypeError) as exc:  # malformed extensions surface only when read
            out.problems.append(Problem(
                f"certificate cannot be read ({type(exc).__name__}: malformed field)",
                line=line, code="syntax"))
            continue
        out.locations[f"certificates.{len(certs)}"] = line
        certs.append(described)
    if not certs:
        out.status = "invalid"
        if not blocks and not out.problems:
            out.problems.append(Problem("no PEM certificate found", code="syntax"))
        elif not any(p.code == "syntax" for p in out.problems):
            out.problems.append(Problem("no certificate block found", code="syntax"))
        return out
    out.data = {"certificates": certs}
    out.meta["count"] = len(certs)
    return out


def _first_der(der: bytes) -> bytes:
    """The first DER element (a certificate) of a concatenation."""
    if len(der) < 2 or der[0] != 0x30:
        raise ValueError("not a DER sequence")
    n = der[1]
    if n < 0x80:
        return der[: 2 + n]
    width = n & 0x7F
    length = int.from_bytes(der[2 : 2 + width], "big")
    return der[: 2 + width + length]


def parse_tls_key(src: TextSource) -> Parsed:
    """Parse PEM private keys: type, size, public-key fingerprint, encrypted or not."""
    data, out = _read(src, "tls_key")
    if data is None:
        return out
    keys: list[dict[str, Any]] = []
    blocks, problems = _blocks(data)
    out.problems.extend(problems)
    for label, line, pem in blocks:
        if label not in _KEY_LABELS:
            continue
        entry: dict[str, Any] = {
            "type": _KEY_TYPE_BY_LABEL.get(label),
            "bits": None,
            "public_key_sha256": None,
            "encrypted": label == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in pem,
            "format": _KEY_FORMAT.get(label),
        }
        if not entry["encrypted"]:
            try:
                if label == b"OPENSSH PRIVATE KEY":
                    key: Any = serialization.load_ssh_private_key(pem, password=None)
                else:
                    key = serialization.load_pem_private_key(pem, password=None)
            except TypeError:
                # the library says a password is needed: an encrypted key we cannot open
                entry["encrypted"] = True
            except (ValueError, UnsupportedAlgorithm) as exc:
                out.problems.append(
                    Problem(
                        f"private key block ({label.decode()}) cannot be read: "
                        f"{type(exc).__name__}",
                        line=line,
                        code="syntax",
                    )
                )
                continue
            else:
                public = key.public_key()
                entry["type"], entry["bits"] = _key_info(public)
                entry["public_key_sha256"] = spki_sha256(public)
                del key
        out.locations[f"keys.{len(keys)}"] = line
        keys.append(entry)
    if not keys and "<secret:private-key:" in data.decode("utf-8", "replace"):
        # an already-redacted bundle: the key was there, its details are withheld
        keys.append(
            {"type": None, "bits": None, "public_key_sha256": None, "encrypted": None, "format": None, "redacted": True}
        )
    if not keys:
        out.status = "invalid"
        out.problems.append(Problem("no PEM private key found", code="syntax"))
        return out
    out.data = {"keys": keys}
    return out


def sniff_tls_cert(head: str) -> bool:
    """True when the head starts a PEM certificate."""
    return "-----BEGIN CERTIFICATE-----" in head or "-----BEGIN TRUSTED CERTIFICATE-----" in head


def sniff_tls_key(head: str) -> bool:
    """True when the head starts a PEM private key."""
    return bool(re.search(r"-----BEGIN (?:[A-Z]+ )?(?:ENCRYPTED )?PRIVATE KEY-----", head))
