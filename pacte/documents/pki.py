"""The signing authority of the Département: its certificate and key (PEM files set by
PACTE_SIGNING_CA_CERT and PACTE_SIGNING_CA_KEY, or the demo's test authority created once under
var/pki/), which issues the signatories' and the timestamp authority's certificates.

When the signatories' certificates come from a certification provider (PKCS#12 files of
PACTE_SIGNATORIES_DIR, or a PKCS#11 token), Pacte issues none: PACTE_SIGNING_CA_CERT is then the
provider's root, which the verification trusts, and no key is needed."""

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


def demo_ca_paths() -> tuple[Path, Path]:
    pki = Path(settings.VAR_DIR) / "pki"
    return pki / "ca-cert.pem", pki / "ca-key.pem"


def ensure_demo_ca() -> tuple[Path, Path]:
    """Create the demo's test signing authority under var/pki/ if it does not exist."""
    cert_path, key_path = demo_ca_paths()
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Département du Pas-de-Calais"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Autorité de signature de TEST — Pacte"),
        ]
    )
    now = utc_now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    write_pem(cert_path, cert, key_path, key)
    return cert_path, key_path


def write_pem(cert_path: Path, cert: x509.Certificate, key_path: Path, key: Any) -> None:
    """A demo authority's certificate and key (PEM), the key readable by its owner only."""
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


@dataclass
class Authority:
    cert: x509.Certificate
    # None when a certification provider issues the certificates (`from_provider`).
    key: Any | None

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    @property
    def issues_certificates(self) -> bool:
        """Whether Pacte issues (and revokes) the signatories' certificates with this
        authority's key."""
        return self.key is not None

    def signing_key(self) -> Any:
        if self.key is None:
            raise ImproperlyConfigured(
                "Les certificats des signataires viennent d'un prestataire "
                "(PACTE_SIGNATORIES_DIR ou PACTE_PKCS11_MODULE) : Pacte n'en délivre pas."
            )
        return self.key


def from_provider() -> bool:
    """Whether the signatories' certificates come from a certification provider: its PKCS#12
    files (PACTE_SIGNATORIES_DIR) or a PKCS#11 token (PACTE_PKCS11_MODULE)."""
    return bool(settings.PACTE_SIGNATORIES_DIR or settings.PACTE_PKCS11_MODULE)


def authority() -> Authority:
    cert_file, key_file = settings.PACTE_SIGNING_CA_CERT, settings.PACTE_SIGNING_CA_KEY
    if not cert_file or (not key_file and not from_provider()):
        if not settings.DEBUG and not getattr(settings, "PACTE_ALLOW_TEST_SIGNING", False):
            raise ImproperlyConfigured(
                "Configurez PACTE_SIGNING_CA_CERT et PACTE_SIGNING_CA_KEY pour signer (la clé "
                "n'est pas nécessaire quand les certificats viennent d'un prestataire : "
                "PACTE_SIGNATORIES_DIR ou PACTE_PKCS11_MODULE)."
            )
        cert_file, key_file = ensure_demo_ca()
    cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    if not key_file:
        return Authority(cert=cert, key=None)
    passphrase = settings.PACTE_SIGNING_CA_PASSPHRASE.encode() or None
    return Authority(
        cert=cert,
        key=serialization.load_pem_private_key(Path(key_file).read_bytes(), password=passphrase),
    )
