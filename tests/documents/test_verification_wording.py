"""What « Vérifier les signatures » and the signing say, word for word: an unsigned file is judged
against the hash recorded at its generation, a changed byte does not blame the certificate, a
file cut back to an earlier revision is reported by the signatures it lost, the sides are
written « le Département » and « le partenaire », times « 18 h 32 »."""

import re

import pytest
from django.core.exceptions import ValidationError

from pacte.documents import selectors, services, signing
from pacte.documents.models import DocumentBatch
from tests.documents.test_documents import _signed, file_bytes, voted  # noqa: F401

pytestmark = pytest.mark.django_db

TIME = re.compile(r"\b\d{1,2} h \d{2}\b")
CLOCK = re.compile(r"\b\d{2}:\d{2}\b")


def _opened(operation, users):
    document = services.agreement_generate(actor=users["test-agent"], operation=operation)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    return document


def test_an_altered_unsigned_file_is_judged_against_its_generation(voted, users, client_for):  # noqa: F811
    document = _opened(voted, users)
    with open(document.file.path, "ab") as handle:
        handle.write(b"% ajout")
    document.refresh_from_db()
    verdict = selectors.document_verdict(document)
    assert verdict.problems == [
        "Le fichier stocké ne correspond plus à l'empreinte SHA-256 enregistrée lors de sa "
        "génération : il a été remplacé ou altéré."
    ]
    page = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/verifier/")
    text = page.content.decode()
    assert "lors de sa génération" in text and "dernière signature" not in text


def test_a_changed_byte_does_not_blame_the_certificate(voted, users, client_for):  # noqa: F811
    document, last = _signed(voted, users)
    tampered = bytearray(file_bytes(last.file))
    tampered[len(tampered) // 5] ^= 0x01  # inside what both signatures cover
    with open(last.file.path, "wb") as handle:
        handle.write(bytes(tampered))
    verdict = selectors.document_verdict(document)
    assert all(not check.intact and check.trusted for check in verdict.verification.signatures)
    page = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/verifier/")
    text = page.content.decode()
    # Intègre NON, valide oui, autorité reconnue oui: the certificate itself is fine.
    assert text.count("<td>NON</td><td>oui</td><td>oui</td>") == 2, text
    assert "aucune autorité reconnue" not in text


def test_a_file_cut_back_to_an_earlier_revision_is_reported(voted, users):  # noqa: F811
    document, last = _signed(voted, users)
    first = document.signatures.get(order=1)
    with open(last.file.path, "wb") as handle:  # the file as the first signature left it
        handle.write(file_bytes(first.file))
    problems = selectors.document_verdict(document).problems
    lost = [text for text in problems if text.startswith("La signature n°2 ")]
    assert len(lost) == 1, problems
    assert lost[0].startswith("La signature n°2 (le partenaire, enregistrée le ")
    assert lost[0].endswith(
        ") ne figure plus dans le fichier : il a été ramené à une version antérieure ou altéré."
    )
    assert TIME.search(lost[0])


def test_the_rows_name_the_department_with_its_capital_and_times_the_french_way(
    voted,  # noqa: F811
    users,
    client_for,
):
    document, _ = _signed(voted, users)
    text = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/verifier/")
    text = text.content.decode()
    assert "1 — le Département" in text and "2 — le partenaire" in text
    assert "le département" not in text
    assert "(horodatée ; certificat vérifié à cette date)" in text
    assert TIME.search(text) and not CLOCK.search(text.split("<main")[1])


def test_signing_on_top_of_an_altered_file_says_it_changed(voted, users):  # noqa: F811
    document = _opened(voted, users)
    with open(document.file.path, "ab") as handle:
        handle.write(b"% ajout")
    with pytest.raises(ValidationError) as refused:
        services.document_sign(actor=users["test-agent"], document=document)
    assert refused.value.messages == [
        "Le fichier à signer a changé depuis sa génération : son empreinte SHA-256 n'est plus "
        "celle enregistrée alors (il a été remplacé ou altéré). Rien n'a été signé ; "
        "signalez-le à l'administrateur."
    ]
    assert not document.signatures.filter(signed_at__isnull=False).exists()


def test_signing_on_top_of_an_altered_signed_file_says_since_the_last_signature(voted, users):  # noqa: F811
    document = _opened(voted, users)
    step = services.document_sign(actor=users["test-agent"], document=document)
    with open(step.file.path, "ab") as handle:
        handle.write(b"% ajout")
    with pytest.raises(ValidationError, match="a changé depuis sa dernière signature"):
        services.document_sign(actor=users["test-partner"], document=document)
    assert document.signatures.filter(signed_at__isnull=False).count() == 1


def test_the_address_that_opens_the_signature_read_leads_to_the_documents(
    voted,  # noqa: F811
    users,
    client_for,
):
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    agent = client_for("agent")
    response = agent.get(f"/documents/{voted.pk}/{document.pk}/signature/", follow=True)
    assert response.redirect_chain == [(f"/operations/{voted.pk}/#documents", 302)]
    assert "La signature s&#x27;ouvre depuis la page de l&#x27;opération" in (
        response.content.decode()
    )
    document.refresh_from_db()
    assert not document.frozen


def test_the_batch_page_and_the_documents_table_say_times_the_french_way(
    voted,  # noqa: F811
    users,
    client_for,
):
    services.sheet_generate(actor=users["test-agent"], operation=voted)
    batch = DocumentBatch.objects.create(
        kind="sheet", label="Fiches", operation_ids=[voted.pk], total=1
    )
    agent = client_for("agent")
    for url in [f"/documents/lots/{batch.pk}/", f"/operations/{voted.pk}/"]:
        text = agent.get(url).content.decode()
        main = text.split("<main")[1]
        if url.startswith("/operations/"):
            main = main.split('id="documents"')[1].split("</section>")[0]
        assert TIME.search(main) and not CLOCK.search(main), url


def test_a_timestamped_signature_is_said_so(voted, users):  # noqa: F811
    _, last = _signed(voted, users)
    checks = signing.verify_pdf(file_bytes(last.file)).signatures
    assert all(c.checked_at is not None and c.checked_at == c.timestamped_at for c in checks)
