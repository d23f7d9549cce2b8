"""Signatures that last (PAdES B-LT): a signature is checked at the time its timestamp
certifies, with the validation data its file carries, so that it still holds once its signer's
certificate has expired — for real: a certificate valid a few seconds, a signature, the
certificate's end, the check. Without a trusted timestamp, an expired certificate is said to
have expired, and a certificate of an unknown authority to be one: never one for the other."""

import datetime
import io
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from pacte.documents import signing
from pacte.documents.pki import Authority, authority, utc_now
from pacte.documents.timestamping import timestamper
from tests.documents.test_signing_rules import _unknown_authority

pytestmark = pytest.mark.django_db


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _signer(tmp_path, ca: Authority, name: str, valid_for: datetime.timedelta):
    cert, key = signing.issue(ca, common_name=name, organisation="Pacte", valid_for=valid_for)
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer", key, cert, [ca.cert], serialization.NoEncryption()
        )
    )
    return signers.SimpleSigner.load_pkcs12(str(path)), cert


def _without_timestamp(pdf: bytes, signer) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES
    )
    return signers.PdfSigner(meta, signer=signer).sign_pdf(writer).getvalue()


def _foreign_authority() -> Authority:
    """An authority the Département does not recognise."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Autorité inconnue")])
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
        .sign(key, hashes.SHA256())
    )
    return Authority(cert=cert, key=key)


def test_a_timestamped_signature_holds_after_its_certificate_expires(tmp_path):
    ca = authority()
    seconds = datetime.timedelta(seconds=6)
    short, cert = _signer(tmp_path, ca, "Mme Brève DURÉE", seconds)
    timestamped = signing.sign_pdf(
        _blank_pdf(),
        field_name="Signature1",
        signer=short,
        signer_name="Mme Brève DURÉE",
        reason="Essai",
    )
    bare = _without_timestamp(_blank_pdf(), short)
    assert signing.verify_pdf(timestamped).ok and signing.verify_pdf(bare).ok
    time.sleep(max(0.0, (cert.not_valid_after_utc - utc_now()).total_seconds()) + 2)
    assert cert.not_valid_after_utc < utc_now()  # expired, for real

    verification = signing.verify_pdf(timestamped)
    assert verification.ok, verification.problems
    check = verification.signatures[0]
    assert check.trusted and check.timestamp_trusted
    assert check.checked_at == check.timestamped_at < cert.not_valid_after_utc

    verification = signing.verify_pdf(bare)
    check = verification.signatures[0]
    assert not verification.ok and not check.trusted
    assert check.trust_problem == signing.TrustProblem.EXPIRED
    (problem,) = verification.problems
    assert problem.startswith("Le certificat de la signature « Signature1 » a expiré le ")
    assert "n'est pas horodatée par une autorité reconnue" in problem
    assert "aucune autorité reconnue par le Département" not in problem


def test_a_certificate_of_an_unknown_authority_is_said_to_be_one(tmp_path):
    """(Pacte refuses to sign with it; another tool timestamped it.)"""
    foreign, _ = _signer(
        tmp_path, _foreign_authority(), "M. Faux SIGNATAIRE", signing.CERTIFICATE_VALIDITY
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(_blank_pdf()))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES
    )
    pdf = signers.PdfSigner(meta, signer=foreign, timestamper=timestamper()).sign_pdf(writer)
    verification = signing.verify_pdf(pdf.getvalue())
    check = verification.signatures[0]
    assert check.intact and check.valid and not check.trusted and check.timestamp_trusted
    assert check.trust_problem == signing.TrustProblem.UNKNOWN_AUTHORITY
    assert verification.problems == [
        "La signature « Signature1 » émane d'un certificat qu'aucune autorité reconnue par le "
        "Département n'a délivré."
    ]


def test_a_timestamp_of_an_unknown_authority_does_not_date_the_certificate(tmp_path):
    """An untrusted timestamp does not move the check into the past: the certificate is
    checked now."""
    ca = authority()
    signer, _ = _signer(tmp_path, ca, "Mme Test", signing.CERTIFICATE_VALIDITY)
    writer = IncrementalPdfFileWriter(io.BytesIO(_blank_pdf()))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES
    )
    pdf = signers.PdfSigner(meta, signer=signer, timestamper=_unknown_authority()).sign_pdf(writer)
    check = signing.verify_pdf(pdf.getvalue()).signatures[0]
    assert check.checked_at is None and check.trusted and not check.timestamp_trusted
