import datetime

import pytest

from pacte.assembly import services
from pacte.operations import services as operation_services
from tests.finance.conftest import ap, arras_contract, lens_contract, media_root  # noqa: F401
from tests.operations.conftest import SHEET, make_operation

D = datetime.date
T = datetime.time


def ready_operation(contract, users, title="Véloroute du canal"):
    """An operation whose detailed sheet is ready for the vote."""
    partner_user = (
        users["test-partner"] if contract.partner.siren == "246200364" else users["test-partner2"]
    )
    operation = make_operation(contract, partner_user, title=title)
    operation_services.operation_submit(actor=partner_user, operation=operation)
    operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
    operation_services.operation_update(actor=users["test-agent"], operation=operation, **SHEET)
    operation.refresh_from_db()
    operation_services.operation_mark_sheet_ready(actor=users["test-agent"], operation=operation)
    operation.refresh_from_db()
    return operation


@pytest.fixture
def standing_committee(users):
    """A commission permanente of 2024, everyone present at 10:00."""
    actor = users["test-assembly"]
    sitting = services.sitting_create(
        actor=actor,
        body="standing_committee",
        held_on=D(2024, 3, 25),
        place="Arras",
        president="M. Jean-Claude LEROY",
        secretary="M. Bruno COUSEIN",
        opened_at=T(10, 0),
    )
    services.attendance_mark_all_present(actor=actor, sitting=sitting)
    return sitting


def coming_sitting(clerk, *, days=21, title="Règlement du fonds"):
    """A commission permanente `days` ahead, at 10:00 in Arras, with one report on its agenda
    (convocations and online proxies are for coming sittings)."""
    from django.utils import timezone

    sitting = services.sitting_create(
        actor=clerk,
        body="standing_committee",
        held_on=timezone.localdate() + datetime.timedelta(days=days),
        place="Arras",
        president="M. Jean-Claude LEROY",
        opened_at=T(10, 0),
    )
    services.report_save(
        actor=clerk,
        sitting=sitting,
        kind="framework",
        title=title,
        text="Exposé.",
        decision="Article unique.",
    )
    return sitting
