"""Revocation and providers' certificates: a right ended or revoked no longer signs, the
certificate Pacte issued for it goes on the authority's revocation list, and a signature made
with it after the revocation is reported as such (one made before still holds). With the
certificates of a certification provider (PKCS#12 files), Pacte needs no authority key and
trusts the provider's root."""

import datetime
import io
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from pacte.documents import services, signing
from pacte.documents.models import Signatory, SigningCertificate, revoked_certificates
from pacte.documents.pki import authority, ensure_demo_ca
from pacte.documents.timestamping import timestamper
from tests.documents.test_documents import file_bytes, voted  # noqa: F401
from tests.documents.test_long_term import _foreign_authority

pytestmark = pytest.mark.django_db


def _opened(operation, users):
    document = services.agreement_generate(actor=users["test-agent"], operation=operation)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    return document


def _listed(serial: int) -> list:
    """The revocation dates of `serial` on the authority's current list."""
    (crl,) = signing._revocation_lists(authority())
    return [
        entry["revocation_date"].native
        for entry in crl["tbs_cert_list"]["revoked_certificates"]
        if entry["user_certificate"].native == serial
    ]


def test_a_revoked_right_signs_no_more_and_its_certificate_is_revoked(voted, users):  # noqa: F811
    right = Signatory.objects.get(user=users["test-agent"], side=Signatory.Side.DEPARTMENT)
    document = _opened(voted, users)
    step = services.document_sign(actor=users["test-agent"], document=document)
    certificate = SigningCertificate.objects.get(signatory=right)
    serial = int(certificate.serial)
    assert _listed(serial) == []
    time.sleep(1.5)  # the revocation list counts in seconds

    right.revoked_at = timezone.now()
    right.full_clean()
    right.save()
    assert revoked_certificates() == [(serial, right.revoked_at)]
    (listed,) = _listed(serial)
    assert abs(listed - right.revoked_at) < datetime.timedelta(seconds=1)
    # Signed before its revocation: still a signature.
    verification = signing.verify_pdf(file_bytes(step.file))
    assert verification.ok, verification.problems
    # The right signs no more…
    assert "pour le Département, son Président" in services.missing_signatories(document)
    assert services.active_signatory(users["test-agent"], Signatory.Side.DEPARTMENT, None) is None
    assert not services.holds_a_right_to_sign(users["test-agent"])
    # … and its key neither, through Pacte's signing (it checks the certificate first).
    key = signing.signatory(
        key_id=f"signataire-{right.pk}",
        common_name=right.name,
        organisation="Département du Pas-de-Calais",
    )
    assert key.signing_cert.serial_number == serial  # the same certificate
    with pytest.raises(ValidationError, match="n'est pas valide aujourd'hui"):
        signing.sign_pdf(
            file_bytes(document.file),
            field_name="Signature1",
            signer=key,
            signer_name=right.name,
            reason="Après révocation",
        )
    # Signed anyway with the key, elsewhere, after the revocation: reported as such.
    writer = IncrementalPdfFileWriter(io.BytesIO(file_bytes(document.file)))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES
    )
    late = signers.PdfSigner(meta, signer=key, timestamper=timestamper()).sign_pdf(writer)
    verification = signing.verify_pdf(late.getvalue())
    check = verification.signatures[0]
    assert check.intact and check.valid and not check.trusted
    assert check.trust_problem == signing.TrustProblem.REVOKED
    (problem,) = verification.problems
    assert problem.startswith(
        "La signature « Signature1 » a été faite avec un certificat révoqué le "
    )
    assert "avant la signature" in problem


def test_an_ended_right_is_revoked_from_the_end_of_its_last_day(users):
    right = Signatory.objects.get(user=users["test-agent"], side=Signatory.Side.DEPARTMENT)
    SigningCertificate.objects.create(
        signatory=right, serial="123456789", not_after=timezone.now() + datetime.timedelta(days=9)
    )
    today = timezone.localdate()
    right.ends_on = today
    right.save()
    assert revoked_certificates() == []  # it ends tonight
    right.ends_on = today - datetime.timedelta(days=1)
    right.save()
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    assert revoked_certificates() == [(123456789, midnight)]
    assert _listed(123456789) == [midnight]


@pytest.fixture
def provider(settings, tmp_path, users):
    """A certification provider: its root (no key given to Pacte), and a PKCS#12 file it
    delivered for the agent's right to sign, in PACTE_SIGNATORIES_DIR."""
    provider = _foreign_authority()
    root = tmp_path / "prestataire.pem"
    root.write_bytes(provider.cert.public_bytes(serialization.Encoding.PEM))
    right = Signatory.objects.get(user=users["test-agent"], side=Signatory.Side.DEPARTMENT)
    cert, key = signing.issue(
        provider, common_name=right.name, organisation="Département du Pas-de-Calais"
    )
    folder = tmp_path / "signataires"
    folder.mkdir()
    (folder / f"signataire-{right.pk}.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"s", key, cert, [provider.cert], serialization.BestAvailableEncryption(b"phrase")
        )
    )
    settings.DEBUG = False
    settings.PACTE_ALLOW_TEST_SIGNING = False
    settings.PACTE_SIGNING_CA_CERT = str(root)
    settings.PACTE_SIGNING_CA_KEY = ""
    settings.PACTE_SIGNATORIES_DIR = str(folder)
    settings.PACTE_SIGNATORIES_PASSPHRASE = "phrase"
    # The timestamp authority of the tests is another's: its root is recognised.
    settings.PACTE_TSA_CA_CERT = str(ensure_demo_ca()[0])
    return cert


def test_the_certificates_of_a_provider_need_no_authority_key(voted, users, provider):  # noqa: F811
    ca = authority()
    assert ca.key is None and not ca.issues_certificates
    document = _opened(voted, users)
    step = services.document_sign(actor=users["test-agent"], document=document)
    verification = signing.verify_pdf(file_bytes(step.file))
    assert verification.ok, verification.problems
    check = verification.signatures[0]
    assert check.trusted and check.timestamp_trusted
    assert not SigningCertificate.objects.exists()  # the provider revokes its own


def test_without_a_provider_the_authority_key_is_required(settings, tmp_path):
    settings.DEBUG = False
    settings.PACTE_ALLOW_TEST_SIGNING = False
    settings.PACTE_SIGNING_CA_CERT = str(ensure_demo_ca()[0])
    settings.PACTE_SIGNING_CA_KEY = ""
    settings.PACTE_SIGNATORIES_DIR = ""
    settings.PACTE_PKCS11_MODULE = ""
    with pytest.raises(ImproperlyConfigured, match="PACTE_SIGNING_CA_KEY"):
        authority()
    settings.PACTE_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
    assert authority().key is None
