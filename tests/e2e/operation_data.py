"""Data of the operations' browser tests, made by the project's services.

The contracts are those of partners that no other browser test touches: the CA de Lens - Liévin
(the organisation of `test-partner`) and the CA d'Hénin-Carvin. Each is created once for the
session, whichever test asks first, so that the tests do not depend on their order.
"""

from contextlib import contextmanager

LENS_LIEVIN_SIREN = "246200364"  # Communauté d'agglomération de Lens - Liévin (`test-partner`)
HENIN_CARVIN_SIREN = "246200299"  # Communauté d'agglomération d'Hénin-Carvin
HENIN_CARVIN_USER = "e2e-henin-carvin"
# The stakes that tests.operations.conftest.signed_contract gives every contract.
FIRST_STAKE = "Mobilités douces"
SECOND_STAKE = "Services aux habitants"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def user(username: str):
    from pacte.core.models import User

    return User.objects.get(username=username)


def signed_contract_of(siren: str):
    """The partner's signed 2023-2026 contract with two stakes, made on first request."""
    from pacte.contracts.models import Contract, Generation
    from tests.operations.conftest import signed_contract

    generation = Generation.objects.get(framework_deliberation_number="2022-317")
    contract = Contract.objects.filter(generation=generation, partner__siren=siren).first()
    if contract is None:
        contract = signed_contract(generation, siren, user("test-agent"))
    assert contract.state == Contract.State.SIGNED, contract.get_state_display()
    return contract


def henin_carvin_user():
    """A partner user of the CA d'Hénin-Carvin, made on first request."""
    from pacte.contracts.models import Partner
    from pacte.core.models import User
    from pacte.core.roles import Role
    from tests.factories import UserFactory

    existing = User.objects.filter(username=HENIN_CARVIN_USER).first()
    if existing is not None:
        return existing
    return UserFactory(
        username=HENIN_CARVIN_USER,
        role=Role.PARTNER,
        partner=Partner.objects.get(siren=HENIN_CARVIN_SIREN),
    )


def submitted_operation(contract, partner_user, title: str):
    """A complete operation (plan, attachments) submitted by the partner's user."""
    from pacte.operations import services
    from tests.operations.conftest import make_operation

    operation = make_operation(contract, partner_user, title=title)
    services.operation_submit(actor=partner_user, operation=operation)
    operation.refresh_from_db()
    return operation


@contextmanager
def media_root(directory):
    """Attachments stored in `directory`, for the test thread and the server thread alike."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(directory)):
        yield


def sheet_ready_operation(contract, partner_user, title, *, communes=1):
    """A complete operation of the partner, submitted, instructed and with its sheet ready."""
    import datetime

    from pacte.operations import services
    from pacte.operations.models import Attachment
    from tests.operations.conftest import GOOD_EXPENSES, GOOD_RESOURCES, SHEET, pdf

    agent = user("test-agent")
    operation = services.operation_create(
        actor=partner_user,
        contract=contract,
        title=title,
        category="mobility",
        description="Un équipement partagé par les communes de l'intercommunalité.",
        stakes=list(contract.stakes.all()[:1]),
        communes=list(contract.partner.epci.communes.order_by("name")[:communes]),
        planned_start=datetime.date(2027, 3, 1),
        planned_end=datetime.date(2028, 6, 30),
    )
    services.financing_plan_set(
        actor=partner_user, operation=operation, expenses=GOOD_EXPENSES, resources=GOOD_RESOURCES
    )
    for kind in [Attachment.Kind.DELIBERATION, Attachment.Kind.ESTIMATE]:
        services.attachment_add(
            actor=partner_user, operation=operation, kind=kind, upload=pdf(f"{kind}.pdf")
        )
    services.operation_submit(actor=partner_user, operation=operation)
    services.operation_take_charge(actor=agent, operation=operation)
    services.operation_update(actor=agent, operation=operation, **SHEET)
    operation.refresh_from_db()
    services.operation_mark_sheet_ready(actor=agent, operation=operation)
    return operation
