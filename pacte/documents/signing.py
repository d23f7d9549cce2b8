"""PAdES signatures with pyHanko, from certificates that the Département's signing authority
issues to each signer. Any PDF reader that trusts that authority validates them."""

import datetime
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore


def _utc_now():
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
    now = _utc_now()
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
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Authority:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))


def authority() -> Authority:
    cert_file, key_file = settings.PACTE_SIGNING_CA_CERT, settings.PACTE_SIGNING_CA_KEY
    if not cert_file or not key_file:
        if not settings.DEBUG and not getattr(settings, "PACTE_ALLOW_TEST_SIGNING", False):
            raise ImproperlyConfigured(
                "Configurez PACTE_SIGNING_CA_CERT et PACTE_SIGNING_CA_KEY pour signer."
            )
        cert_file, key_file = ensure_demo_ca()
    passphrase = settings.PACTE_SIGNING_CA_PASSPHRASE.encode() or None
    return Authority(
        cert=x509.load_pem_x509_certificate(Path(cert_file).read_bytes()),
        key=serialization.load_pem_private_key(Path(key_file).read_bytes(), password=passphrase),
    )


def issue(ca: Authority, *, common_name: str, organisation: str):
    """A signing certificate for one person, valid one year, with a fresh key."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _utc_now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
                ]
            )
        )
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_cert_sign=False,
                crl_sign=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return cert, key


def sign_pdf(
    pdf: bytes, *, field_name: str, signer_name: str, organisation: str, reason: str
) -> bytes:
    """Add one PAdES signature as an incremental update (earlier signatures stay valid)."""
    ca = authority()
    cert, key = issue(ca, common_name=signer_name, organisation=organisation)
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([ca.asn1]),
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=settings.PACTE_SIGNING_LOCATION,
        name=signer_name,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    output = signers.sign_pdf(writer, meta, signer=signer)
    return output.getvalue()


@dataclass
class SignatureCheck:
    field: str
    signer: str
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted


def verify_pdf(pdf: bytes) -> list[SignatureCheck]:
    """Check every signature of a PDF against the signing authority. A tampered file has a
    signature that is no longer intact (or cannot be read at all)."""
    ca = authority()
    reader = PdfFileReader(BytesIO(pdf))
    context = ValidationContext(trust_roots=[ca.asn1], allow_fetching=False)
    checks = []
    for signature in reader.embedded_signatures:
        status = validate_pdf_signature(signature, context)
        checks.append(
            SignatureCheck(
                field=signature.field_name,
                signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
                intact=status.intact,
                valid=status.valid,
                trusted=status.trusted,
                covers_whole_file=status.coverage.name == "ENTIRE_FILE",
            )
        )
    return checks
