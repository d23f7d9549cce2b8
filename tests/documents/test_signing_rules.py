"""What a signature may not do, and what its verification must not miss: no signature once the
subsidy has lapsed, no editable text once the signature has started, no timestamp taken on the
word of an unknown authority, no confusion between an unsigned, a half-signed and a broken
document."""

import datetime
import io
from decimal import Decimal

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import PermissionDenied, ValidationError
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pacte.documents import selectors, services, signing
from pacte.documents.models import Signatory
from pacte.operations.models import Operation
from tests.documents.test_documents import _signed, file_bytes, voted  # noqa: F401

pytestmark = pytest.mark.django_db


def _opened(voted, users):  # noqa: F811
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["partner", "department"]
    )
    return document


def test_a_lapsed_operations_convention_is_not_signed(voted, users):  # noqa: F811
    document = _opened(voted, users)
    services.document_sign(actor=users["test-partner"], document=document)
    Operation.objects.filter(pk=voted.pk).update(state=Operation.State.LAPSED)
    document.refresh_from_db()
    with pytest.raises(PermissionDenied, match="L'opération est « caduque » : sa convention ne se"):
        services.document_sign(actor=users["test-agent"], document=document)
    assert document.signatures.filter(signed_at__isnull=True).count() == 1


def test_a_withdrawn_operations_signature_is_not_opened(voted, users):  # noqa: F811
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    Operation.objects.filter(pk=voted.pk).update(state=Operation.State.WITHDRAWN)
    document.refresh_from_db()
    with pytest.raises(ValidationError, match="ne se signe plus"):
        services.signing_start(
            actor=users["test-agent"], document=document, order=["partner", "department"]
        )
    assert not document.signatures.exists()


def test_no_editable_docx_once_the_signature_has_started(voted, users):  # noqa: F811
    _opened(voted, users)
    with pytest.raises(
        services.SignatureStarted,
        match="La convention v1 est en cours de signature : elle n'est pas régénérée.",
    ):
        services.agreement_docx_generate(actor=users["test-agent"], operation=voted)


def _unknown_authority() -> timestamps.DummyTimeStamper:
    """A timestamp authority of nobody's: its own root, a time it chooses."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Horodatage complaisant")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=3650))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    from asn1crypto import keys

    return timestamps.DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        certs_to_embed=SimpleCertificateStore(),
        fixed_dt=datetime.datetime(2020, 1, 1, 10, 0, tzinfo=datetime.UTC),
    )


def test_a_timestamp_of_an_unknown_authority_is_not_a_certified_date(voted, users):  # noqa: F811
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    signer = signing.signatory(key_id="test-tsa", common_name="Mme Test", organisation="Pacte")
    writer = IncrementalPdfFileWriter(io.BytesIO(file_bytes(document.file)))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES
    )
    out = signers.PdfSigner(meta, signer=signer, timestamper=_unknown_authority()).sign_pdf(writer)
    verification = signing.verify_pdf(out.getvalue())
    check = verification.signatures[0]
    assert check.intact and check.valid and check.trusted  # the signature itself holds
    assert not check.timestamp_trusted and not verification.ok
    assert (
        "L'horodatage de la signature « Signature1 » n'est pas valide ou n'émane pas d'une "
        "autorité d'horodatage reconnue : sa date n'est pas certifiée."
    ) in verification.problems


def test_a_changed_byte_is_said_once_without_blaming_the_certificate(voted, users):  # noqa: F811
    _, last = _signed(voted, users)
    tampered = bytearray(file_bytes(last.file))
    position = tampered.index(b"CONVENTION") if b"CONVENTION" in tampered else len(tampered) // 3
    tampered[position] ^= 0x01
    problems = signing.verify_pdf(bytes(tampered)).problems
    assert not any("autorité reconnue" in text for text in problems), problems


def test_an_unreadable_file_is_said_in_french():
    verification = signing.verify_pdf(b"%PDF-1.7\n<< /Type /Catalog >>\ntrailer <g>")
    assert verification.problems == [
        "Le fichier n'est pas un PDF lisible : il est tronqué ou altéré."
    ]


def test_the_verification_tells_unsigned_half_signed_and_signed_apart(
    voted,  # noqa: F811
    users,
    client_for,
):
    document = _opened(voted, users)
    url = f"/documents/{voted.pk}/{document.pk}/verifier/"
    agent = client_for("agent")
    page = agent.get(url).content.decode()
    assert "Ce document n'est pas encore signé." in page
    assert "Il attend la signature du partenaire, puis du Département." in page
    assert 'role="alert"' not in page
    assert selectors.document_verdict(document).ok
    services.document_sign(actor=users["test-partner"], document=document)
    page = agent.get(url).content.decode()
    assert "Document intègre." in page
    assert "le document attend encore la signature du Département." in page
    assert "1 — le partenaire" in page
    download = f"/documents/{voted.pk}/{document.pk}/"
    stem = document.filename[:-4]
    half = agent.get(download)["Content-Disposition"]
    assert f"{stem}-signature-1-sur-2.pdf" in half  # not yet « signé »
    services.document_sign(actor=users["test-agent"], document=document)
    page = agent.get(url).content.decode()
    assert "Document intègre." in page and "attend encore" not in page
    assert "2 — le Département" in page
    assert f"{stem}-signe.pdf" in agent.get(download)["Content-Disposition"]


def test_without_a_delegation_only_the_president_signs_for_the_department(users):
    right = Signatory(
        user=users["test-agent"],
        side=Signatory.Side.DEPARTMENT,
        name="Mme Diane DÉLÉGATAIRE",
        quality="Directrice générale adjointe des services",
        delegation="",
        starts_on=datetime.date(2023, 1, 2),
    )
    with pytest.raises(ValidationError) as refused:
        right.full_clean()
    assert refused.value.message_dict["delegation"] == [
        "Sans arrêté de délégation, seul le Président du Conseil départemental signe pour le "
        "Département : indiquez l'arrêté qui délègue la signature, ou cochez « Président(e) du "
        "Conseil départemental » pour le titulaire de la fonction."
    ]
    right.quality = "Président du Conseil départemental"
    with pytest.raises(ValidationError):  # a quality is a text, not the office
        right.full_clean()
    right.is_president = True
    right.full_clean()  # the Président signs by his office


def test_a_delegation_limited_in_amount_does_not_sign_beyond_it(voted, users, client_for):  # noqa: F811
    document = _opened(voted, users)
    services.document_sign(actor=users["test-partner"], document=document)
    right = Signatory.objects.get(user=users["test-agent"], side=Signatory.Side.DEPARTMENT)
    right.max_amount = Decimal("100000.00")
    right.full_clean()
    right.save()
    with pytest.raises(PermissionDenied) as refused:
        services.document_sign(actor=users["test-agent"], document=document)
    assert (
        "couvre les conventions dont la subvention ne dépasse pas 100\u202f000,00\xa0€ ; "
        "celle-ci porte sur 135\u202f000,00\xa0€"
    ) in str(refused.value)
    assert document.signatures.filter(signed_at__isnull=False).count() == 1  # nothing written
    page = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/signer/")
    assert "dépasse pas 100\u202f000,00\xa0€" in page.content.decode()
    right.max_amount = Decimal("135000.00")
    right.save()
    services.document_sign(actor=users["test-agent"], document=document)
    assert document.signatures.filter(signed_at__isnull=False).count() == 2


def test_an_amount_limit_is_that_of_a_delegation(users):
    right = Signatory(
        user=users["test-agent"],
        side=Signatory.Side.DEPARTMENT,
        name="M. Jean-Claude LEROY",
        quality="Président du Conseil départemental",
        is_president=True,
        max_amount=Decimal("1000.00"),
        starts_on=datetime.date(2023, 1, 2),
    )
    with pytest.raises(ValidationError) as refused:
        right.full_clean()
    assert "max_amount" in refused.value.message_dict


def test_the_sign_page_shows_the_file_to_sign_and_the_delegation(voted, users, client_for):  # noqa: F811
    document = _opened(voted, users)
    services.document_sign(actor=users["test-partner"], document=document)
    page = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/signer/")
    text = page.content.decode()
    last = document.signatures.get(order=1)
    assert f"{last.sha256[:16]}…" in text and f"{document.sha256[:16]}…" not in text
    assert "avec les signatures déjà apposées" in text
    assert "par délégation (" in text.split('for="confirmation">')[1].split("</label>")[0]


def test_no_generate_button_once_the_signature_has_started(voted, users, client_for):  # noqa: F811
    agent = client_for("agent")
    before = agent.get(f"/operations/{voted.pk}/").content.decode()
    assert "Générer la convention" in before
    _opened(voted, users)
    after = agent.get(f"/operations/{voted.pk}/").content.decode()
    assert "Générer la convention" not in after and "Convention en DOCX modifiable" not in after
    assert "La signature de la convention a commencé" in after


def test_a_right_signs_what_pacte_signs_and_the_sign_page_says_it(voted, users, client_for):  # noqa: F811
    from django.db import IntegrityError, transaction

    right = Signatory.objects.get(user=users["test-agent"], side=Signatory.Side.DEPARTMENT)
    right.scope = "Marchés publics de travaux"
    with pytest.raises(ValidationError) as refused:
        right.full_clean()
    assert "scope" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Signatory.objects.filter(pk=right.pk).update(scope="Marchés publics de travaux")
    right.refresh_from_db()
    assert right.get_scope_display() == (
        "Conventions de subvention du Fonds d'Innovation Territorial"
    )
    right.max_amount = Decimal("200000.00")
    right.save()
    document = _opened(voted, users)
    services.document_sign(actor=users["test-partner"], document=document)
    text = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/signer/")
    text = text.content.decode()
    assert (
        "<dt>Objet du droit de signer</dt><dd>Conventions de subvention du Fonds d&#x27;Innovation "
        "Territorial</dd>"
    ) in text
    assert "subventions jusqu'à 200\u202f000,00\xa0€" in text
    assert "délégation (arrêté n°2023-001 du 2 janvier 2023), en vigueur depuis le 02/01/2023" in (
        text
    )
    right.max_amount = None
    right.save()
    text = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/signer/")
    assert "sans limite de montant" in text.content.decode()


def test_no_signature_opens_while_a_side_has_no_signatory(voted, users, client_for):  # noqa: F811
    """A partner without a recorded legal representative: its step could never be signed."""
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    representative = Signatory.objects.get(user=users["test-partner"])
    Signatory.objects.filter(pk=representative.pk).update(ends_on=datetime.date(2024, 12, 31))
    partner = voted.contract.partner.name
    expected = (
        "La signature ne peut pas s'ouvrir : personne n'est enregistré pour la signer pour "
        f"{partner}, son représentant légal (nom et qualité), parmi les utilisateurs du "
        "partenaire. Un administrateur l'enregistre d'abord (administration, « Signataires »)."
    )
    with pytest.raises(ValidationError) as refused:
        services.signing_start(
            actor=users["test-agent"], document=document, order=["department", "partner"]
        )
    assert refused.value.messages == [expected]
    document.refresh_from_db()
    assert not document.frozen and not document.signatures.exists()
    # The operation's page says it before the button.
    agent = client_for("agent")
    page = agent.get(f"/operations/{voted.pk}/").content.decode()
    documents = page.split('id="documents"')[1]
    assert expected.replace("'", "&#x27;") in documents
    assert documents.index("ne peut pas s&#x27;ouvrir") < documents.index("Ouvrir la signature")
    response = agent.post(
        f"/documents/{voted.pk}/{document.pk}/signature/",
        {"order": "department,partner"},
        follow=True,
    )
    assert response.redirect_chain[0][1] == 302 and response.status_code == 200
    # Said once: the message points to the note, which says who is missing.
    assert [str(m) for m in response.context["messages"]] == [
        "La signature ne s'ouvre pas encore : la note au-dessus du bouton « Ouvrir la "
        "signature » dit qui manque."
    ]
    assert response.content.decode().count(expected.replace("'", "&#x27;")) == 1
    document.refresh_from_db()
    assert not document.frozen
    # Neither for the Département, without its Président or a delegate.
    Signatory.objects.filter(side=Signatory.Side.DEPARTMENT).update(
        ends_on=datetime.date(2024, 12, 31)
    )
    with pytest.raises(ValidationError, match="pour le Département, son Président") as refused:
        services.signing_start(
            actor=users["test-agent"], document=document, order=["department", "partner"]
        )
    assert f"ni pour {partner}" in refused.value.messages[0]
    # Recorded again: the signature opens, and the page says nothing more.
    Signatory.objects.update(ends_on=None)
    assert "ne peut pas s&#x27;ouvrir" not in agent.get(f"/operations/{voted.pk}/").content.decode()
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
