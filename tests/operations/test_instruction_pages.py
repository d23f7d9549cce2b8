"""The instruction tools through the pages: the Département's services see and use them; a
partner never reads an annotation or an opinion — not on the operation's page, its history,
the API, the exports nor the generated documents — and bad input gets a French 400 with
nothing written."""

import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pacte.core.roles import Role
from pacte.core.services import api_token_create
from pacte.operations import services
from pacte.operations.models import Annotation, OpinionRequest
from pacte.territory.models import Territory
from tests.export_helpers import csv_rows, xlsx_rows
from tests.finance.conftest import ap, voted_operation  # noqa: F401 — shared fixture

from .conftest import make_operation
from .test_instruction import DAY, in_review

pytestmark = pytest.mark.django_db

NOTE = "Le maire hésite : relancer après les municipales."
QUESTION = "Le carrefour de la RD 58 supporte-t-il le trafic ?"
ANSWER = "Réservé : prévoir un plateau traversant au carrefour."
SECRETS = [NOTE, QUESTION, ANSWER, "Annotations internes", "Avis demandés"]


@pytest.fixture
def colleague(make_user):
    return make_user(username="agent-maison", role=Role.AGENT, email="maison@exemple.fr")


def instruct(operation, users, colleague):
    """An annotation, and an opinion asked and given, on `operation`."""
    services.annotation_add(actor=users["test-agent"], operation=operation, text=NOTE)
    opinion = services.opinion_request(
        actor=users["test-agent"],
        operation=operation,
        addressee=colleague,
        question=QUESTION,
        due_on=timezone.localdate() + 10 * DAY,
        house=Territory.objects.exclude(house_name="").first(),
    )
    services.opinion_answer(actor=colleague, opinion=opinion, verdict="reserved", answer=ANSWER)
    return opinion


def hidden_from(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_the_agent_annotates_and_asks_an_opinion_from_the_operation_page(
    client_for, lens_contract, users, colleague
):
    operation = in_review(lens_contract, users)
    client = client_for("agent")
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert "Annotations internes" in page and "Avis demandés" in page
    assert "Demander un avis" in page and "Ajouter l'annotation" in page
    response = client.post(f"/operations/{operation.pk}/annotations/", {"text": NOTE})
    assert response.status_code == 302
    assert response["Location"] == f"/operations/{operation.pk}/#annotations"
    house = Territory.objects.exclude(house_name="").first()
    due = timezone.localdate() + 7 * DAY
    response = client.post(
        f"/operations/{operation.pk}/avis/",
        {
            "addressee": colleague.pk,
            "entity": f"maison:{house.pk}",
            "question": QUESTION,
            "due_on": due.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    opinion = OpinionRequest.objects.get()
    assert opinion.house == house and opinion.addressee == colleague
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert "Le maire hésite" in page and "Le carrefour de la RD 58" in page
    assert f"attendu pour le {due:%d/%m/%Y}" in page
    # The addressee finds it among his opinions to give, and answers on its page.
    client.force_login(colleague)
    listing = client.get("/operations/avis/").content.decode()
    assert "Avis qui vous sont demandés (1)" in listing and operation.reference in listing
    assert "en retard" not in listing
    OpinionRequest.objects.filter(pk=opinion.pk).update(due_on=timezone.localdate() - DAY)
    listing = client.get("/operations/avis/").content.decode()
    assert '<strong class="late">en retard</strong>' in listing
    detail = client.get(f"/operations/avis/{opinion.pk}/").content.decode()
    assert "Rendre votre avis" in detail and "Annuler la demande" not in detail
    response = client.post(
        f"/operations/avis/{opinion.pk}/", {"verdict": "reserved", "answer": ANSWER}
    )
    assert response.status_code == 302
    assert OpinionRequest.objects.get(pk=opinion.pk).state == "answered"
    # The requester sees the answer as new until he opens it.
    client.force_login(users["test-agent"])
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert "avis réservé" in page and "nouveau, non lu" in page
    assert "nouveau, non lu" in client.get("/operations/avis/").content.decode()
    assert (
        ANSWER.replace("'", "&#x27;")
        in client.get(f"/operations/avis/{opinion.pk}/").content.decode()
    )
    assert "nouveau, non lu" not in client.get(f"/operations/{operation.pk}/").content.decode()


def test_a_partner_reads_no_annotation_nor_opinion_anywhere(
    client,
    client_for,
    lens_contract,
    users,
    colleague,
    ap,  # noqa: F811
):
    operation, _ = voted_operation(lens_contract, users, sign=False)
    opinion = instruct(operation, users, colleague)
    from pacte.documents import services as document_services
    from tests.documents.test_documents import file_bytes, text_of

    sheet = document_services.sheet_generate(actor=users["test-agent"], operation=operation)
    agreement = document_services.agreement_generate(
        actor=users["test-agent"],
        operation=operation,
        department_signatory="M. Jean-Claude LEROY, Président",
    )
    docx = document_services.agreement_docx_generate(actor=users["test-agent"], operation=operation)
    for document in [sheet, agreement]:
        assert hidden_from(text_of(file_bytes(document.file))) == []
    with zipfile.ZipFile(io.BytesIO(file_bytes(docx.file))) as archive:
        xml = " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert hidden_from(xml) == []
    # The agent sees them; the partner and an elected member do not, anywhere they read.
    agent_page = client_for("agent").get(f"/operations/{operation.pk}/").content.decode()
    assert "Le maire hésite" in agent_page and "Le carrefour de la RD 58" in agent_page
    for role in ["partner", "elected"]:
        reader = client_for(role)
        for url in [
            f"/operations/{operation.pk}/",
            f"/operations/{operation.pk}/historique/",
            "/operations/?generation=",
        ]:
            response = reader.get(url)
            assert response.status_code == 200, url
            assert hidden_from(response.content.decode()) == [], (role, url)
        for fmt, read in [("csv", csv_rows), ("xlsx", xlsx_rows)]:
            rows = read(reader.get(f"/operations/?generation=&format={fmt}"))
            assert len(rows) > 1 and hidden_from(json.dumps(rows, default=str)) == []
        for url in [
            "/operations/avis/",
            f"/operations/avis/{opinion.pk}/",
        ]:
            assert reader.get(url).status_code == 403, (role, url)
    _, raw = api_token_create(user=users["test-partner"], name="api")
    api = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for url in ["/api/operations", f"/api/operations/{operation.pk}"]:
        response = client.get(url, **api)
        assert response.status_code == 200
        assert hidden_from(response.content.decode()) == []
    assert "annotation" not in client.get("/api/openapi.json").content.decode().lower()


def test_a_partner_or_an_elected_member_writes_nothing(
    client_for, lens_contract, arras_contract, users, colleague
):
    operation = in_review(lens_contract, users)
    opinion = instruct(operation, users, colleague)
    note = Annotation.objects.get()
    other = in_review(arras_contract, users, title="Parking relais")
    before = (Annotation.objects.count(), OpinionRequest.objects.count())
    for role in ["partner", "partner2", "elected"]:
        client = client_for(role)
        for target in [operation, other]:
            for url, data in [
                (f"/operations/{target.pk}/annotations/", {"text": "Non"}),
                (f"/operations/{target.pk}/avis/", {"question": "Non"}),
            ]:
                response = client.post(url, data)
                assert response.status_code == 403, (role, url)
                assert "Votre rôle ne permet pas" in response.content.decode()
        response = client.post(
            f"/operations/{operation.pk}/annotations/{note.pk}/", {"action": "supprimer"}
        )
        assert response.status_code == 403
        response = client.post(f"/operations/avis/{opinion.pk}/annuler/", {})
        assert response.status_code == 403
    # A colleague of the services reads the note but neither rewrites nor deletes it.
    client = client_for("finance")
    for data in [{"text": "Réécrite"}, {"action": "supprimer"}]:
        response = client.post(f"/operations/{operation.pk}/annotations/{note.pk}/", data)
        assert response.status_code == 403 and "Seul l&#x27;auteur" in response.content.decode()
    assert (Annotation.objects.count(), OpinionRequest.objects.count()) == before
    assert Annotation.objects.get().text == NOTE


def test_bad_input_gets_a_french_400_and_nothing_is_written(
    client_for, lens_contract, users, colleague
):
    operation = in_review(lens_contract, users)
    draft = make_operation(lens_contract, users["test-partner"], title="Brouillon")
    client = client_for("agent")
    assert client.post(f"/operations/{draft.pk}/annotations/", {"text": "Vu"}).status_code == 404
    assert client.post("/operations/987654321098/annotations/", {"text": "Vu"}).status_code == 404
    for text, message in [
        ("avant\x00après", "caract"),
        ("x" * 100_000, "5\u202f000 caractères au plus (celle-ci en a 100\u202f000)"),
        ("", "L&#x27;annotation est vide."),
    ]:
        response = client.post(f"/operations/{operation.pk}/annotations/", {"text": text})
        page = response.content.decode()
        assert response.status_code == 400
        assert "Annotation non enregistrée" in page and message in page, page[-3000:]
        assert "Rien n'a été enregistré" in page and "\x00" not in page
    yesterday = timezone.localdate() - DAY
    for due, message in [
        (yesterday.isoformat(), "passé"),
        (timezone.localdate().isoformat(), "aujourd&#x27;hui"),
        ((timezone.localdate() + 400 * DAY).isoformat(), "dans un an au plus"),
        ("99999-01-01", "date valide"),
        ("", "Indiquez la date"),
    ]:
        response = client.post(
            f"/operations/{operation.pk}/avis/",
            {
                "addressee": colleague.pk,
                "entity": "service:roads",
                "question": QUESTION,
                "due_on": due,
            },
        )
        page = response.content.decode()
        assert response.status_code == 400, due
        assert "Demande d&#x27;avis non enregistrée" in page and message in page, (due, page)
    for forged in [
        {"addressee": "98765432109876543210", "entity": "service:roads"},
        {"addressee": users["test-partner"].pk, "entity": "service:roads"},
        {"addressee": colleague.pk, "entity": "maison:98765432109876543210"},
        {"addressee": colleague.pk, "entity": "service:piscine"},
    ]:
        data = {"question": QUESTION, "due_on": (timezone.localdate() + 5 * DAY).isoformat()}
        response = client.post(f"/operations/{operation.pk}/avis/", data | forged)
        assert response.status_code == 400, forged
        assert "98765432109876543210" not in response.content.decode()
    opinion = services.opinion_request(
        actor=users["test-agent"],
        operation=operation,
        addressee=colleague,
        question=QUESTION,
        due_on=timezone.localdate() + 5 * DAY,
        service="roads",
    )
    # Someone else than the addressee may not answer; the addressee's bad answer is refused.
    response = client.post(
        f"/operations/avis/{opinion.pk}/", {"verdict": "reserved", "answer": "Oui"}
    )
    assert response.status_code == 403 and "Seul le destinataire" in response.content.decode()
    client.force_login(colleague)
    response = client.post(f"/operations/avis/{opinion.pk}/", {"verdict": "", "answer": "x"})
    assert (
        response.status_code == 400
        and "favorable, réservé ou défavorable" in response.content.decode()
    )
    response = client.post(f"/operations/avis/{opinion.pk}/annuler/", {})
    assert (
        response.status_code == 403
        and "Seul l&#x27;auteur de la demande" in response.content.decode()
    )
    assert not Annotation.objects.exists()
    assert OpinionRequest.objects.get().state == "requested"
    assert client.get("/operations/avis/987654321098/").status_code == 404


def test_the_operation_page_queries_do_not_grow_with_annotations_and_opinions(
    client_for, lens_contract, users, colleague, django_assert_max_num_queries
):
    operation = in_review(lens_contract, users)
    instruct(operation, users, colleague)
    client = client_for("agent")
    client.get(f"/operations/{operation.pk}/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/operations/{operation.pk}/")
    for i in range(5):
        instruct(operation, users, colleague)
        services.annotation_add(actor=users["test-finance"], operation=operation, text=f"N{i}")
    with django_assert_max_num_queries(len(one)):
        page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert page.count("<p>Le maire hésite") == 6
    client.force_login(colleague)
    client.get("/operations/avis/")
    with CaptureQueriesContext(connection) as listing:
        client.get("/operations/avis/")
    for _ in range(3):
        services.opinion_request(
            actor=users["test-agent"],
            operation=operation,
            addressee=colleague,
            question=QUESTION,
            due_on=timezone.localdate() + 5 * DAY,
            service="roads",
        )
    with django_assert_max_num_queries(len(listing)):
        client.get("/operations/avis/")
