"""Tests for the tls_cert and tls_key parsers; every certificate and key is generated here."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from jsonschema import Draft202012Validator

from analyzer.artifacts import tls
from analyzer.artifacts.base import Parsed, TextSource

ROOT = Path(__file__).resolve().parents[3]
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _valid(kind: str, data: Any) -> None:
    schema = json.loads((ROOT / "schemas" / "artifacts" / f"{kind}.schema.json").read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: Any, *, issuer: str | None = None, issuer_key: Any = None,
          days: int = 365, start: dt.datetime = T0, sans: list[x509.GeneralName] | None = None,
          ca: bool | None = None, serial: int = 0x1001) -> x509.Certificate:
    b = (x509.CertificateBuilder()
         .subject_name(_name(subject)).issuer_name(_name(issuer or subject))
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days)))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if ca is not None:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    signer = issuer_key or key
    algo = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return b.sign(signer, algo)


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {
        "ca": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "leaf": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": ec.generate_private_key(ec.SECP256R1()),
    }


def _parse_cert(raw: bytes, path: str = "ssl.cert") -> Parsed:
    return tls.parse_tls_cert(TextSource.from_bytes(path, raw))


def _parse_key(raw: bytes, path: str = "ssl.key") -> Parsed:
    return tls.parse_tls_key(TextSource.from_bytes(path, raw))


def test_chain_leaf_then_ca(keys: dict[str, Any]) -> None:
    ca = _cert("Example Root CA", keys["ca"], ca=True)
    leaf = _cert("quay.example.com", keys["leaf"], issuer="Example Root CA", issuer_key=keys["ca"],
                 sans=[x509.DNSName("quay.example.com"), x509.DNSName("*.apps.example.com"),
                       x509.IPAddress(ipaddress.ip_address("10.0.0.5"))], serial=0xBEEF)
    p = _parse_cert(_pem(leaf, ca))
    assert p.status == "parsed", p.problems
    first, second = p.data["certificates"]
    assert first["common_name"] == "quay.example.com"
    assert first["subject"] == "CN=quay.example.com,O=Example"
    assert first["issuer"] == "CN=Example Root CA,O=Example"
    assert first["sans"] == ["quay.example.com", "*.apps.example.com", "10.0.0.5"]
    assert first["self_signed"] is False and first["is_ca"] is False
    assert first["serial"] == "beef"
    assert first["not_before"] == "2024-01-01T00:00:00Z"
    assert first["not_after"] == "2024-12-31T00:00:00Z"
    assert (first["key_type"], first["key_bits"]) == ("RSA", 2048)
    assert first["signature_hash"] == "sha256"
    assert second["self_signed"] is True and second["is_ca"] is True
    assert second["sans"] == []
    assert p.locations == {"certificates.0": 1, "certificates.1": p.locations["certificates.1"]}
    assert p.locations["certificates.1"] > 1
    _valid("tls_cert", p.data)


def test_expired_self_signed_certificate(keys: dict[str, Any]) -> None:
    cert = _cert("quay.example.com", keys["leaf"], start=dt.datetime(2020, 3, 1, tzinfo=dt.UTC),
                 days=90)
    p = _parse_cert(_pem(cert))
    (c,) = p.data["certificates"]
    # expiry is judged against the collection time by rules; the parser reports the window
    assert c["not_after"] == "2020-05-30T00:00:00Z"
    assert c["self_signed"] is True
    assert c["is_ca"] is False
    assert c["sans"] == []
    _valid("tls_cert", p.data)


def test_same_name_but_other_signer_is_not_self_signed(keys: dict[str, Any]) -> None:
    cert = _cert("quay.example.com", keys["leaf"], issuer="quay.example.com",
                 issuer_key=keys["ca"])
    assert _parse_cert(_pem(cert)).data["certificates"][0]["self_signed"] is False


def test_certificate_and_key_match_by_public_key(keys: dict[str, Any]) -> None:
    cert = _cert("quay.example.com", keys["leaf"])
    other = _cert("other.example.com", keys["ec"])
    key_pem = keys["leaf"].private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption())
    c = _parse_cert(_pem(cert, other))
    k = _parse_key(key_pem)
    assert k.status == "parsed"
    (key,) = k.data["keys"]
    assert key == {"type": "RSA", "bits": 2048,
                   "public_key_sha256": c.data["certificates"][0]["public_key_sha256"],
                   "encrypted": False, "format": "pkcs1"}
    assert key["public_key_sha256"] != c.data["certificates"][1]["public_key_sha256"]
    _valid("tls_key", k.data)


def _secret_fragments(pem: bytes) -> list[str]:
    lines = [x for x in pem.decode().splitlines() if x and not x.startswith("-----")]
    return [ln[:24] for ln in lines]


@pytest.mark.parametrize(
    ("fmt", "encryption", "expected"),
    [
        ("pkcs8", None, {"type": "EC", "bits": 256, "encrypted": False, "format": "pkcs8"}),
        ("pkcs8", b"pass", {"type": None, "bits": None, "encrypted": True, "format": "pkcs8"}),
        ("traditional", b"pass", {"type": "EC", "bits": None, "encrypted": True, "format": "sec1"}),
        ("openssh", None, {"type": "EC", "bits": 256, "encrypted": False, "format": "openssh"}),
    ],
    ids=["pkcs8-plain", "pkcs8-encrypted", "sec1-encrypted", "openssh"],
)
def test_key_formats_and_no_key_material_kept(keys: dict[str, Any], fmt: str,
                                              encryption: bytes | None,
                                              expected: dict[str, Any]) -> None:
    formats = {"pkcs8": serialization.PrivateFormat.PKCS8,
               "traditional": serialization.PrivateFormat.TraditionalOpenSSL,
               "openssh": serialization.PrivateFormat.OpenSSH}
    enc = (serialization.BestAvailableEncryption(encryption) if encryption
           else serialization.NoEncryption())
    pem = keys["ec"].private_bytes(serialization.Encoding.PEM, formats[fmt], enc)
    p = _parse_key(pem)
    assert p.status == "parsed", p.problems
    (k,) = p.data["keys"]
    assert {x: k[x] for x in expected} == expected
    assert (k["public_key_sha256"] is None) is bool(encryption)
    dump = repr((p.data, p.problems, p.meta))
    for fragment in _secret_fragments(pem):
        assert fragment not in dump
    _valid("tls_key", p.data)


def test_ed25519_certificate(keys: dict[str, Any]) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    p = _parse_cert(_pem(_cert("ed.example.com", key)))
    c = p.data["certificates"][0]
    assert (c["key_type"], c["key_bits"], c["signature_hash"]) == ("Ed25519", 256, None)
    _valid("tls_cert", p.data)


def test_der_certificate(keys: dict[str, Any]) -> None:
    der = _cert("quay.example.com", keys["leaf"]).public_bytes(serialization.Encoding.DER)
    p = _parse_cert(der, "ssl.der")
    assert p.status == "parsed"
    assert p.meta["encoding"] == "der"


def test_private_key_in_certificate_file_is_reported_not_read(keys: dict[str, Any]) -> None:
    key_pem = keys["leaf"].private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
    p = _parse_cert(_pem(_cert("quay.example.com", keys["leaf"])) + key_pem)
    assert p.status == "parsed"
    assert [x.code for x in p.problems] == ["private-key"]
    for fragment in _secret_fragments(key_pem):
        assert fragment not in repr((p.data, p.problems, p.meta))


@pytest.mark.parametrize(
    "raw",
    [b"", b"not a certificate\n",
     b"-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END CERTIFICATE-----\n",
     b"-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n"],
    ids=["empty", "text", "truncated-der", "no-end-line"],
)
def test_bad_pem_is_invalid(raw: bytes) -> None:
    p = _parse_cert(raw)
    assert p.status == "invalid"
    assert p.problems and all(x.code == "syntax" for x in p.problems)


def test_bad_key_file_is_invalid() -> None:
    p = _parse_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert p.status == "invalid"
    assert p.problems[0].code == "syntax"
    assert _parse_key(b"").status == "invalid"


def test_sniffers(keys: dict[str, Any]) -> None:
    cert_pem = _pem(_cert("quay.example.com", keys["leaf"])).decode()
    key_pem = keys["leaf"].private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption()).decode()
    assert tls.sniff_tls_cert(cert_pem[:200]) and not tls.sniff_tls_key(cert_pem[:200])
    assert tls.sniff_tls_key(key_pem[:200]) and not tls.sniff_tls_cert(key_pem[:200])
