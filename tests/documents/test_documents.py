"""Generated documents: the facts in their text, versions, signatures that verify, tampering
detected."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from pypdf import PdfReader

from pacte.core import french
from pacte.documents import services, signing
from pacte.documents.models import Document
from pacte.operations.models import Operation
from tests.finance.conftest import voted_operation

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    """The PDF's text, spaces folded, typographic apostrophes and spaces made plain."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    return text.replace("\u2019", "'").replace("\u202f", " ").replace("\xa0", " ")


def file_bytes(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


@pytest.fixture
def voted(lens_contract, users, ap):
    operation, commitment = voted_operation(lens_contract, users, sign=False)
    return Operation.objects.get(pk=operation.pk)


def test_amounts_in_french_words():
    assert french.number_in_words(1_250_000) == "un-million-deux-cent-cinquante-mille"
    assert french.number_in_words(80) == "quatre-vingts"
    assert french.number_in_words(71) == "soixante-et-onze"
    assert french.number_in_words(200) == "deux-cents"
    assert french.amount_in_words(Decimal("135000.50")) == (
        "cent-trente-cinq-mille euros et cinquante centimes"
    )


def test_sheet_carries_the_facts(voted, users):
    document = services.sheet_generate(actor=users["test-agent"], operation=voted)
    pdf = file_bytes(document.file)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for fact in [
        "FICHE DÉTAILLÉE",
        voted.reference,
        voted.title,
        "Communauté d'agglomération de Lens - Liévin",
        "Liévin (62510)",
        "Mobilités douces",
        "Pacte des solidarités territoriales",
        "450 000,00 €",
        "135 000,00 €",
        "30,00 % de la dépense hors taxes",
        "L1111-10",
        "Relier les deux gares à vélo.",
        "Intercommunal",
        "Localisation",
    ]:
        assert fact in text, (fact, text)
    assert len(document.sha256) == 64 and document.template_sha256
    assert document.data["reference"] == voted.reference
    assert document.generated_by == users["test-agent"]


def test_agreement_carries_the_facts_and_versions_never_overwrite(voted, users):
    first = services.agreement_generate(
        actor=users["test-agent"],
        operation=voted,
        department_signatory="M. Jean-Claude LEROY, Président",
    )
    text = text_of(file_bytes(first.file))
    for fact in [
        "CONVENTION DE SUBVENTION D'INVESTISSEMENT",
        "M. Jean-Claude LEROY, Président",
        "délibération n°2024-310 du 25 mars 2024",
        "135 000,00 €",
        "cent-trente-cinq-mille euros",
        "30,00 %",
        "450 000,00 €",
        "avance de 30 %",
        "jusqu'à 80 %",
        "2 ans",
        "4 ans",
        "logo du Département",
        "SIREN 246200364",
        "n°2022-317",
    ]:
        assert fact in text, fact
    second = services.agreement_generate(actor=users["test-agent"], operation=voted)
    assert (first.version, second.version) == (1, 2)
    assert file_bytes(first.file) != b"" and first.file.name != second.file.name


def test_partner_cannot_generate(voted, users):
    with pytest.raises(PermissionDenied):
        services.agreement_generate(actor=users["test-partner"], operation=voted)


def test_signing_in_order_freezes_verifies_and_signs_the_agreement(voted, users):
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["partner", "department"]
    )
    document.refresh_from_db()
    assert document.frozen
    with pytest.raises(PermissionDenied, match="tour du partenaire"):
        services.document_sign(actor=users["test-agent"], document=document)
    # Another partner's document is not found (its existence is not revealed).
    with pytest.raises(Http404):
        services.document_sign(actor=users["test-partner2"], document=document)
    services.document_sign(actor=users["test-partner"], document=document)
    assert Operation.objects.get(pk=voted.pk).state == "voted"
    last = services.document_sign(actor=users["test-agent"], document=document)
    assert Operation.objects.get(pk=voted.pk).state == "agreement_signed"
    signed = file_bytes(last.file)
    verification = signing.verify_pdf(signed)
    checks = verification.signatures
    assert verification.ok and verification.problems == []
    assert len(checks) == 2 and all(c.ok for c in checks)
    # What follows the last signature is its validation data (PAdES B-LT), nothing else.
    assert not checks[-1].changed_after and not verification.changed_after_signing
    # Each signature carries the time certified by the timestamp authority.
    assert all(c.timestamped_at is not None for c in checks)
    assert "Lens - Liévin" in checks[0].signer
    # The original stays as it was generated.
    import hashlib

    assert hashlib.sha256(file_bytes(document.file)).hexdigest() == document.sha256
    assert hashlib.sha256(signed).hexdigest() == last.sha256
    with pytest.raises(ValidationError, match="déjà signé"):
        services.document_sign(actor=users["test-agent"], document=document)
    with pytest.raises(ValidationError, match="déjà commencé"):
        services.signing_start(
            actor=users["test-agent"], document=document, order=["department", "partner"]
        )


def _signed(voted, users):
    """The agreement signed by both sides: the document and its last step."""
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    services.document_sign(actor=users["test-agent"], document=document)
    last = services.document_sign(actor=users["test-partner"], document=document)
    return document, last


def appended_update(pdf: bytes, text: bytes = b"(Montant de la subvention : 900 000 EUR)") -> bytes:
    """An unsigned incremental update after the signatures that prints `text` on page 1."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 50 700 Td " + text + b" Tj ET")
    )
    contents = page["/Contents"]
    if isinstance(contents, generic.ArrayObject):
        page["/Contents"] = generic.ArrayObject([*contents, stream])
    else:
        page["/Contents"] = generic.ArrayObject([contents, stream])
    writer.update_container(page)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_a_changed_byte_breaks_the_signature(voted, users):
    _, last = _signed(voted, users)
    signed = file_bytes(last.file)
    assert signing.verify_pdf(signed).ok
    position = signed.index(b"CONVENTION") if b"CONVENTION" in signed else len(signed) // 3
    tampered = bytearray(signed)
    tampered[position] ^= 0x01
    verification = signing.verify_pdf(bytes(tampered))
    assert not verification.ok and verification.problems


def test_an_update_appended_after_the_signatures_is_reported(voted, users):
    _, last = _signed(voted, users)
    tampered = appended_update(file_bytes(last.file))
    verification = signing.verify_pdf(tampered)
    # Each signature still covers what it signed; what was added after them is seen.
    assert all(c.intact and c.valid and c.trusted for c in verification.signatures)
    assert verification.changed_after_signing and not verification.ok
    assert verification.signatures[-1].changed_after
    assert (
        "Le document a été modifié après sa dernière signature : ce qu'il affiche n'est plus "
        "ce qui a été signé." in verification.problems
    )


def test_a_corrupted_certificate_is_a_verdict_not_an_error(voted, users):
    _, last = _signed(voted, users)
    signed = bytearray(file_bytes(last.file))
    start = signed.rindex(b"/Contents <") + len(b"/Contents <") + 400
    signed[start : start + 1] = b"0" if signed[start : start + 1] != b"0" else b"1"
    verification = signing.verify_pdf(bytes(signed))
    assert not verification.ok
    assert any("illisible" in text for text in verification.problems), verification.problems


def test_a_file_that_is_not_a_pdf_is_a_verdict(voted, users):
    verification = signing.verify_pdf(b"%PDF-1.7\nceci n'est pas un PDF")
    assert not verification.ok and verification.problems[0].startswith("Le fichier n'est pas")


def test_a_replaced_stored_file_is_refused_at_download_and_reported_by_the_check(
    client_for, voted, users
):
    document, last = _signed(voted, users)
    tampered = appended_update(file_bytes(last.file))
    with open(last.file.path, "wb") as handle:  # the storage altered behind Pacte's back
        handle.write(tampered)
    agent = client_for("agent")
    page = agent.get(f"/documents/{voted.pk}/{document.pk}/verifier/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "ne peut pas être tenu pour signé" in content
    assert "il a été remplacé ou altéré" in content
    assert "modifié après sa dernière signature" in content
    download = agent.get(f"/documents/{voted.pk}/{document.pk}/")
    assert download.status_code == 409
    assert "ne correspond plus à l&#x27;empreinte SHA-256" in download.content.decode()
    # The original, as generated, is intact and still served.
    original = agent.get(f"/documents/{voted.pk}/{document.pk}/?original=1")
    assert original.status_code == 200 and original.content == file_bytes(document.file)


def test_nothing_is_signed_on_top_of_an_altered_file(voted, users):
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    with open(document.file.path, "ab") as handle:
        handle.write(b"% ajout")
    with pytest.raises(ValidationError, match="remplacé ou altéré"):
        services.document_sign(actor=users["test-agent"], document=document)
    assert not document.signatures.filter(signed_at__isnull=False).exists()


def test_a_missing_stored_file_is_a_french_404(client_for, voted, users):
    import os

    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    os.remove(document.file.path)
    response = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/")
    assert response.status_code == 404
    assert "introuvable sur le serveur" in response.content.decode()


def test_the_verification_page_says_the_document_is_intact(client_for, voted, users):
    document, _ = _signed(voted, users)
    content = client_for("partner").get(f"/documents/{voted.pk}/{document.pk}/verifier/")
    assert "Document intègre." in content.content.decode()


def test_a_convention_whose_signature_started_is_never_generated_again(
    client_for, voted, users, django_capture_on_commit_callbacks
):
    from pacte.documents.models import DocumentBatch

    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    with pytest.raises(ValidationError, match="v1 est en cours de signature"):
        services.agreement_generate(actor=users["test-agent"], operation=voted)
    agent = client_for("agent")
    response = agent.post(f"/documents/{voted.pk}/generer/agreement/", follow=True)
    assert "en cours de signature : elle n&#x27;est pas régénérée" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        agent.post(
            "/operations/lot/",
            {"action": "agreements", "ids": [voted.pk], "next": "/operations/"},
        )
    batch = DocumentBatch.objects.get()
    assert (batch.done, batch.failures, batch.state) == (0, [], "done")
    assert batch.skipped == [
        {
            "operation": voted.reference,
            "reason": "La convention v1 est en cours de signature : elle n'est pas régénérée.",
        }
    ]
    page = agent.get(f"/documents/lots/{batch.pk}/").content.decode()
    assert "1 laissé tel quel" in page and "Documents laissés tels quels" in page
    assert list(Document.objects.filter(operation=voted, kind="agreement")) == [document]


def test_generated_pdfs_carry_their_generation_date(voted, users):
    from django.utils import timezone
    from pyhanko.pdf_utils.reader import PdfFileReader

    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    info = PdfFileReader(io.BytesIO(file_bytes(document.file))).trailer_view["/Info"]
    assert str(info["/CreationDate"]).startswith(f"D:{timezone.now():%Y%m%d}")


def test_pages_list_generate_download_and_refuse_other_partners(client_for, voted, users):
    client = client_for("agent")
    client.post(f"/documents/{voted.pk}/generer/sheet/")
    client.post(f"/documents/{voted.pk}/generer/agreement/")
    documents = Document.objects.filter(operation=voted)
    assert {d.kind for d in documents} == {"sheet", "agreement"}
    page = client.get(f"/operations/{voted.pk}/").content.decode()
    assert "Fiche détaillée v1" in page and "Convention v1" in page
    sheet = documents.get(kind="sheet")
    response = client_for("partner").get(f"/documents/{voted.pk}/{sheet.pk}/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert client_for("partner2").get(f"/documents/{voted.pk}/{sheet.pk}/").status_code == 404
    assert client_for("partner").post(f"/documents/{voted.pk}/generer/sheet/").status_code == 403


def test_sign_button_is_offered_to_the_signer_whose_turn_it_is(client_for, voted, users):
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    sign_url = f"/documents/{voted.pk}/{document.pk}/signer/"
    assert sign_url in client_for("agent").get(f"/operations/{voted.pk}/").content.decode()
    assert sign_url not in client_for("partner").get(f"/operations/{voted.pk}/").content.decode()
    client_for("agent").post(sign_url, {"confirm": "1"})
    assert sign_url in client_for("partner").get(f"/operations/{voted.pk}/").content.decode()
    response = client_for("partner").post(sign_url, {"confirm": "1"}, follow=True)
    assert "Signature du partenaire enregistrée" in response.content.decode()
    verify = client_for("partner").get(f"/documents/{voted.pk}/{document.pk}/verifier/")
    assert verify.status_code == 200 and "NON" not in verify.content.decode()
    assert len(verify.context["verdict"].verification.signatures) == 2


def test_batch_generates_in_the_background_and_reports_failures(
    client_for, voted, users, lens_contract, django_capture_on_commit_callbacks
):
    import zipfile

    from pacte.documents.models import DocumentBatch
    from pacte.operations import services as operation_services
    from tests.operations.conftest import make_operation

    # Submitted but not voted (a never-submitted draft is the partner's own, out of the agent's
    # sight: it cannot be selected at all).
    draft = make_operation(lens_contract, users["test-partner"], title="Pas encore votée")
    operation_services.operation_submit(actor=users["test-partner"], operation=draft)
    client = client_for("agent")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/operations/lot/",
            {"action": "agreements", "ids": [voted.pk, draft.pk], "next": "/operations/"},
        )
    batch = DocumentBatch.objects.get()
    assert response["Location"] == f"/documents/lots/{batch.pk}/"
    batch.refresh_from_db()
    assert (batch.total, batch.done, batch.state) == (2, 1, "done")
    assert batch.failures == [
        {"operation": draft.reference, "error": "La convention suit le vote de la subvention."}
    ]
    with batch.archive.open("rb") as handle:
        names = zipfile.ZipFile(handle).namelist()
    assert names == [f"{voted.reference}-convention-v1.pdf"]
    page = client.get(f"/documents/lots/{batch.pk}/").content.decode()
    assert "1 document sur 2" in page and "La convention suit le vote" in page
    assert 'value="100"' in page
    fragment = client.get(f"/documents/lots/{batch.pk}/", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert client.get(f"/documents/lots/{batch.pk}/archive/").status_code == 200
    assert client_for("partner").get(f"/documents/lots/{batch.pk}/").status_code == 403
    # The archive is checked against its hash like every stored file.
    with batch.archive.open("wb") as handle:
        handle.write(b"PK\x03\x04 autre chose")
    replaced = client_for("agent").get(f"/documents/lots/{batch.pk}/archive/")
    assert replaced.status_code == 409


def test_a_signature_keeps_its_validation_data_and_timestamp(voted, users):
    """PAdES B-LT: the file itself carries what its signatures need to be checked later
    (certificates and revocation lists, in its document security store), and each signature
    its timestamp: they validate from the file alone, revocation checked strictly, with no
    access to the authorities."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    _, last = _signed(voted, users)
    reader = PdfFileReader(io.BytesIO(file_bytes(last.file)))
    store = DocumentSecurityStore.read_dss(reader)
    assert store.certs and store.crls
    context = store.as_validation_context(
        {
            "trust_roots": [signing.authority().asn1],
            "allow_fetching": False,
            "revocation_mode": "hard-fail",
        }
    )
    for signature in reader.embedded_signatures:
        status = validate_pdf_signature(signature, context, ts_validation_context=context)
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.timestamp_validity is not None and status.timestamp_validity.trusted


def test_each_signatory_signs_with_one_certificate_issued_once(voted, users):
    """Keys are not minted per click: each right to sign has its certificate, issued once."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from pacte.documents.models import Signatory

    serials = []
    for _ in range(2):
        document = services.agreement_generate(actor=users["test-agent"], operation=voted)
        services.signing_start(
            actor=users["test-agent"], document=document, order=["department", "partner"]
        )
        step = services.document_sign(actor=users["test-agent"], document=document)
        signature = PdfFileReader(io.BytesIO(file_bytes(step.file))).embedded_signatures[0]
        serials.append(signature.signer_cert.serial_number)
        Document.objects.filter(pk=document.pk).update(frozen=False)  # a next version, to sign
        document.signatures.all().delete()
    assert serials[0] == serials[1]
    right = Signatory.objects.get(user=users["test-agent"])
    assert step.signed_as == (
        f"{right.name}, Directeur général des services, par délégation "
        "(arrêté n°2023-001 du 2 janvier 2023)"
    )


def test_only_the_holders_of_a_right_to_sign_sign(voted, users, make_user):
    """The Département signs by its Président or a delegate: an administrator, who may
    instruct, holds no delegation and does not sign; nor does an agent whose delegation has
    ended. A partner's user who is not its legal representative does not sign for it."""
    import datetime

    from pacte.core.roles import Role
    from pacte.documents.models import Signatory

    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    with pytest.raises(PermissionDenied, match="pas de délégation de signature en cours"):
        services.document_sign(actor=users["test-admin"], document=document)
    right = Signatory.objects.get(user=users["test-agent"])
    Signatory.objects.filter(pk=right.pk).update(ends_on=datetime.date(2024, 12, 31))
    with pytest.raises(PermissionDenied, match="pas de délégation de signature en cours"):
        services.document_sign(actor=users["test-agent"], document=document)
    Signatory.objects.filter(pk=right.pk).update(ends_on=None)
    services.document_sign(actor=users["test-agent"], document=document)
    colleague = make_user(
        username="collegue-lens", role=Role.PARTNER, partner=users["test-partner"].partner
    )
    with pytest.raises(PermissionDenied, match="Seul le représentant légal du partenaire"):
        services.document_sign(actor=colleague, document=document)
    assert document.signatures.filter(signed_at__isnull=False).count() == 1
    step = services.document_sign(actor=users["test-partner"], document=document)
    assert step.signed_as.endswith(", Président")


def test_the_convention_names_who_represents_each_party(voted, users):
    from pacte.documents.models import Signatory

    Signatory.objects.create(
        user=users["test-admin"],
        side=Signatory.Side.DEPARTMENT,
        name="M. Jean DUPONT",
        quality="Président du Conseil départemental",
        is_president=True,
        starts_on=voted.voted_on,
    )
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    text = text_of(file_bytes(document.file))
    representative = Signatory.objects.get(user=users["test-partner"])
    assert "représenté par M. Jean DUPONT, Président du Conseil départemental" in text
    # « la Communauté d'agglomération… représentée », « le Département… représenté »
    assert f"représentée par {representative.name}, Président" in text
    assert "son représentant légal" not in text


def test_a_timestamp_authority_out_of_reach_refuses_the_signature_in_french(voted, users, settings):
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    settings.PACTE_TSA_URL = "http://127.0.0.1:9/"  # nothing listens there
    with pytest.raises(ValidationError, match="service d'horodatage ne répond pas"):
        services.document_sign(actor=users["test-agent"], document=document)
    assert not document.signatures.filter(signed_at__isnull=False).exists()
    settings.PACTE_TSA_URL = ""
    with pytest.raises(ValidationError, match="pas encore configurée"):
        services.document_sign(actor=users["test-agent"], document=document)


def test_texts_a_pdfa_document_cannot_hold_are_cleaned_or_refused_in_french(voted, users):
    from pacte.documents.rendering import RenderingRefused, printable

    assert printable("\ufeff=1+1 ＝ x\u200b, 1 200 m² « é »") == "=1+1 = x, 1 200 m² « é »"
    Operation.objects.filter(pk=voted.pk).update(title="\ufeff=1+1 ＝ Salle")
    voted.refresh_from_db()
    services.sheet_generate(actor=users["test-agent"], operation=voted)
    Operation.objects.filter(pk=voted.pk).update(title="Salle 漢字")
    voted.refresh_from_db()
    with pytest.raises(RenderingRefused, match="le caractère « 漢 »"):
        services.sheet_generate(actor=users["test-agent"], operation=voted)


def test_a_kept_certificate_serves_only_the_person_it_was_issued_to(settings, tmp_path):
    """The certificate kept under a right's number is issued again when that number now
    designates someone else (a restored or recreated record), never lent to them."""
    settings.VAR_DIR = tmp_path  # a folder of kept certificates of its own

    def holder(signer):
        return signer.signing_cert.subject.native["common_name"], signer.signing_cert.serial_number

    first = holder(signing.signatory(key_id="signataire-1", common_name="A", organisation="O"))
    again = holder(signing.signatory(key_id="signataire-1", common_name="A", organisation="O"))
    other = holder(signing.signatory(key_id="signataire-1", common_name="B", organisation="O"))
    assert first == again
    assert other[0] == "B" and other[1] != first[1]
