"""The demo's conventions are real documents: generated, signed by the partner's representative
then the Département's delegate through the signing services, timestamped, and verifiable;
some wait for a signature."""

import pytest

from pacte.contracts.models import Partner
from pacte.demo import documents as demo_documents
from pacte.documents import signing
from pacte.documents.models import Document, Signatory
from pacte.documents.services import current_file
from pacte.operations.models import Operation
from tests.finance.conftest import voted_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegate(users):
    """The demo's delegate of the Président (a delegation by arrêté)."""
    Signatory.objects.create(
        user=users["test-agent"],
        side=Signatory.Side.DEPARTMENT,
        name="Mme Diane DÉLÉGATAIRE",
        quality="Directrice générale adjointe des services",
        delegation="arrêté de démonstration n°2023-DEMO-01 du 2 janvier 2023",
        starts_on="2023-01-02",
    )
    return users["test-agent"]


def test_a_signed_operation_gets_its_sheet_and_its_signed_convention(
    lens_contract, users, ap, delegate
):
    operation, _ = voted_operation(lens_contract, users, sign=False)
    with demo_documents.timestamping():
        convention = demo_documents.convention(
            operation, agent=users["test-agent"], partner_user=users["test-partner"]
        )
    operation.refresh_from_db()
    assert operation.state == Operation.State.AGREEMENT_SIGNED
    assert Document.objects.filter(operation=operation, kind=Document.Kind.SHEET).exists()
    verdict = signing.verify_pdf(current_file(convention))
    assert verdict.ok, verdict.problems
    assert len(verdict.signatures) == 2
    assert all(check.timestamped_at is not None for check in verdict.signatures)


def test_a_waiting_convention_has_its_first_signatures_only(lens_contract, users, ap, delegate):
    operation, _ = voted_operation(lens_contract, users, sign=False)
    with demo_documents.timestamping():
        convention = demo_documents.convention(
            operation, agent=users["test-agent"], partner_user=users["test-partner"], signatures=1
        )
    operation.refresh_from_db()
    assert operation.state == Operation.State.VOTED
    steps = list(convention.signatures.order_by("order").values_list("signer", "signed_at"))
    assert [signer for signer, _ in steps] == ["partner", "department"]
    assert steps[0][1] is not None and steps[1][1] is None


def test_a_partner_without_a_representative_gets_a_fictitious_named_one(users):
    partner = Partner.objects.filter(kind=Partner.Kind.EPCI, signatories__isnull=True).first()
    right = demo_documents.representative(partner, users["test-partner"])
    civility, *_ = right.name.split()
    assert civility in {"M.", "Mme"} and right.name.split()[-1] in demo_documents.LAST_NAMES
    assert partner.name in right.quality
    assert demo_documents.representative(partner, users["test-partner"]) == right  # once


def test_without_an_authority_set_the_demo_serves_its_own(settings):
    settings.PACTE_TSA_URL = ""
    with demo_documents.timestamping():
        assert settings.PACTE_TSA_URL.startswith("http://127.0.0.1:")
    assert settings.PACTE_TSA_URL == ""


def test_the_demo_has_its_president_and_his_delegate(settings, tmp_path):
    """The Président (an elected member's login) is printed in the conventions; his delegate
    signs them."""
    from pacte.core.roles import Role
    from pacte.demo import seed
    from pacte.documents import services

    settings.VAR_DIR = tmp_path
    seed.seed_users(seed.demo_password())
    seed.seed_signatories()
    president = Signatory.objects.select_related("user").get(user__username="president")
    assert president.is_president and president.user.role == Role.ELECTED
    assert president.signs_as == "M. Jean-Claude LEROY, Président du Conseil départemental"
    for right in Signatory.objects.filter(user__username__in=["president", "signataire"]):
        right.full_clean()
    assert services._party_signatory(Signatory.Side.DEPARTMENT, None) == president
    delegate = demo_documents._delegate()  # the first delegate (the session's agent, here)
    assert delegate != president.user
    assert Signatory.objects.get(user=delegate).delegation


def test_a_partner_who_logs_in_to_the_demo_has_a_convention_waiting_for_it(
    lens_contract, users, ap, delegate
):
    """« partenaire2 » (or « partenaire ») finds a convention waiting for its own signature;
    the demo's other partners' contacts cannot log in."""
    from pacte.core.models import User

    ours, _ = voted_operation(lens_contract, users, sign=False)
    others = [voted_operation(lens_contract, users, sign=False)[0] for _ in range(2)]
    contact = User.objects.create(
        username="contact-x", role="partner", partner=ours.contract.partner
    )
    contact.set_unusable_password()
    contact.save()
    plan = demo_documents.waiting_plan(
        [(others[0], contact), (others[1], contact), (ours, users["test-partner"])], [1, 0, 1]
    )
    assert plan == {ours.pk: 0, others[0].pk: 1, others[1].pk: 1}
    with demo_documents.timestamping():
        convention = demo_documents.convention(
            ours, agent=users["test-agent"], partner_user=users["test-partner"], signatures=0
        )
    convention.refresh_from_db()
    from pacte.documents.selectors import document_list

    (document,) = [
        d
        for d in document_list(user=users["test-partner"], operation=ours)
        if d.pk == convention.pk
    ]
    assert document.next_step.signer == "partner" and document.can_sign
