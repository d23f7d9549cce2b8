"""The Président is the right marked so, not a quality that contains « président »: a
vice-president or the president of a commission neither signs without an arrêté nor is printed
as the Département's representative; one Président at a time."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from pacte.documents import services
from pacte.documents.models import Signatory
from tests.documents.test_documents import file_bytes, text_of, voted  # noqa: F401

pytestmark = pytest.mark.django_db

START = datetime.date(2021, 7, 1)


def _right(user, **fields) -> Signatory:
    values = {
        "user": user,
        "side": Signatory.Side.DEPARTMENT,
        "name": "M. Jean-Claude LEROY",
        "quality": "Président du Conseil départemental",
        "starts_on": START,
    }
    values.update(fields)
    return Signatory(**values)


@pytest.mark.parametrize(
    "quality",
    ["Vice-président chargé des finances", "Présidente de la commission des finances"],
)
def test_a_quality_that_says_president_is_not_the_office(users, quality):
    right = _right(users["test-elected"], name="Mme Iris VICE", quality=quality)
    with pytest.raises(ValidationError) as refused:
        right.full_clean()
    assert (
        "seul le Président du Conseil départemental signe"
        in (refused.value.message_dict["delegation"][0])
    )


def test_only_the_president_is_printed_and_signs_without_an_arrete(voted, users):  # noqa: F811
    # Recorded before the field existed (no validation then): not the Président.
    Signatory.objects.create(
        user=users["test-elected"],
        side=Signatory.Side.DEPARTMENT,
        name="Mme Iris COMMISSION",
        quality="Présidente de la commission des finances",
        starts_on=START,
    )
    document = services.agreement_generate(actor=users["test-agent"], operation=voted)
    text = text_of(file_bytes(document.file))
    assert "COMMISSION" not in text and "Présidente de la commission" not in text
    assert "représenté par le Président du Conseil départemental" in text
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    assert services.signing_refusal(users["test-elected"], document, document.signatures.first())
    with pytest.raises(PermissionDenied):
        services.document_sign(actor=users["test-elected"], document=document)
    # The Président, marked so, is printed in the next version.
    Signatory.objects.all().filter(user=users["test-elected"]).delete()
    president = _right(users["test-elected"], is_president=True)
    president.full_clean()
    president.save()
    assert services._party_signatory(Signatory.Side.DEPARTMENT, None) == president


def test_one_president_at_a_time(users):
    first = _right(users["test-elected"], is_president=True)
    first.full_clean()
    first.save()
    successor = _right(
        users["test-admin"],
        name="Mme Nouvelle PRÉSIDENTE",
        quality="Présidente du Conseil départemental",
        is_president=True,
        starts_on=datetime.date(2028, 7, 1),
    )
    with pytest.raises(ValidationError) as refused:
        successor.full_clean()
    assert refused.value.message_dict["is_president"] == [
        "Un seul Président à la fois : M. Jean-Claude LEROY l'est déjà à partir du 01/07/2021. "
        "Terminez d'abord ce droit (« jusqu'au »)."
    ]
    first.ends_on = datetime.date(2028, 6, 30)
    first.full_clean()
    first.save()
    successor.full_clean()  # one after the other
    successor.save()
    earlier = _right(users["test-agent"], starts_on=datetime.date(2028, 6, 1), is_president=True)
    with pytest.raises(ValidationError, match="M. Jean-Claude LEROY l'est déjà"):
        earlier.full_clean()


def test_the_president_signs_for_the_department_and_by_no_arrete(users):
    partner_side = _right(
        users["test-partner"],
        side=Signatory.Side.PARTNER,
        partner=users["test-partner"].partner,
        is_president=True,
    )
    with pytest.raises(ValidationError) as refused:
        partner_side.full_clean()
    assert "is_president" in refused.value.message_dict
    delegated = _right(users["test-elected"], is_president=True, delegation="arrêté n°1")
    with pytest.raises(ValidationError) as refused:
        delegated.full_clean()
    assert refused.value.message_dict["delegation"] == [
        "Le Président signe en vertu de sa fonction : pas d'arrêté de délégation pour lui."
    ]


def test_the_migration_marks_the_office_only(users):
    migration = importlib.import_module("pacte.documents.migrations.0010_signatory_president")
    rights = {
        quality: Signatory.objects.create(
            user=users["test-elected"],
            side=Signatory.Side.DEPARTMENT,
            name="M. X",
            quality=quality,
            starts_on=START,
        )
        for quality in [
            "Président du Conseil départemental",
            "Présidente du Conseil départemental du Pas-de-Calais",
            "Vice-président chargé des finances",
            "Présidente de la commission des finances",
        ]
    }
    migration.mark_the_presidents(apps, None)
    marked = {q for q, r in rights.items() if Signatory.objects.get(pk=r.pk).is_president}
    assert marked == {
        "Président du Conseil départemental",
        "Présidente du Conseil départemental du Pas-de-Calais",
    }


def _opened(operation, users):
    document = services.agreement_generate(actor=users["test-agent"], operation=operation)
    services.signing_start(
        actor=users["test-agent"], document=document, order=["department", "partner"]
    )
    return document


def test_the_president_signs_from_an_elected_members_account(voted, users, client_for):  # noqa: F811
    president = _right(users["test-elected"], is_president=True)
    president.full_clean()
    president.save()
    document = _opened(voted, users)
    elected = client_for("elected")
    url = f"/documents/{voted.pk}/{document.pk}/signer/"
    operation_page = elected.get(f"/operations/{voted.pk}/").content.decode()
    assert url in operation_page  # the « Signer » button
    page = elected.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "M. Jean-Claude LEROY, Président du Conseil départemental" in text
    assert (
        "<dt>Par</dt><dd>sa fonction (Président du Conseil départemental), sans délégation" in text
    )
    assert elected.post(url, {"confirm": "1"}).status_code == 302
    step = document.signatures.get(order=1)
    assert step.signed_by == users["test-elected"]
    assert step.signed_as == "M. Jean-Claude LEROY, Président du Conseil départemental"
    # The partner's step is not his; and his right to sign makes him write nothing else.
    with pytest.raises(PermissionDenied, match="C'est au tour du partenaire de signer."):
        services.document_sign(actor=users["test-elected"], document=document)
    with pytest.raises(PermissionDenied, match="Votre rôle ne permet pas de générer"):
        services.agreement_generate(actor=users["test-elected"], operation=voted)
    assert elected.post(f"/documents/{voted.pk}/generer/sheet/").status_code == 403
    assert elected.post(f"/documents/{voted.pk}/{document.pk}/signature/").status_code == 403


def test_an_elected_member_without_a_right_to_sign_does_not_sign(voted, users, client_for):  # noqa: F811
    document = _opened(voted, users)
    url = f"/documents/{voted.pk}/{document.pk}/signer/"
    elected = client_for("elected")
    assert elected.get(url).status_code == 403
    assert elected.post(url, {"confirm": "1"}).status_code == 403
    with pytest.raises(PermissionDenied, match="Votre rôle ne permet pas de signer une convention"):
        services.document_sign(actor=users["test-elected"], document=document)
    # A right that has ended is none.
    Signatory.objects.create(
        user=users["test-elected"],
        side=Signatory.Side.DEPARTMENT,
        name="M. Jean-Claude LEROY",
        quality="Président du Conseil départemental",
        is_president=True,
        starts_on=START,
        ends_on=datetime.date(2024, 6, 30),
    )
    assert elected.get(url).status_code == 403
    assert not document.signatures.filter(signed_at__isnull=False).exists()
