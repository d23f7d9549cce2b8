import datetime
from decimal import Decimal

import pytest

from pacte.finance import services
from pacte.operations import services as operation_services
from pacte.operations.workflows import OPERATION_WORKFLOW
from tests.operations.conftest import (  # noqa: F401 — shared fixtures and helpers
    SHEET,
    arras_contract,
    lens_contract,
    make_operation,
    pdf,
    signed_contract,
)

D = datetime.date


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def open_fund(generation, finance, *, amount="1000000.00", yearly="300000.00"):
    """The fund's AP, voted with the framework deliberation on 26/09/2022 (so that the tests'
    sittings, some dated from today back to four years ago, allocate within an AP already
    voted), with its CP for 2023 to 2027."""
    authorisation = services.ap_create(
        actor=finance,
        generation=generation,
        label="FIT 2023-2026",
        amount=Decimal(amount),
        deliberation_number="2022-317",
        voted_on=D(2022, 9, 26),
    )
    for year in range(2023, 2028):
        services.cp_set(
            actor=finance, authorisation=authorisation, year=year, amount=Decimal(yearly)
        )
    return authorisation


@pytest.fixture
def ap(generation, users):
    return open_fund(generation, users["test-finance"])


def voted_operation(contract, users, *, amount="135000.00", sign=True, title="Véloroute"):
    """An operation taken to the vote (commitment against the AP) and, if asked, signed."""
    operation = make_operation(
        contract,
        users["test-partner"] if contract.partner.siren == "246200364" else users["test-partner2"],
        title=title,
    )
    partner_user = (
        users["test-partner"] if contract.partner.siren == "246200364" else (users["test-partner2"])
    )
    operation_services.operation_submit(actor=partner_user, operation=operation)
    operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
    operation_services.operation_update(actor=users["test-agent"], operation=operation, **SHEET)
    operation.refresh_from_db()
    operation_services.operation_mark_sheet_ready(actor=users["test-agent"], operation=operation)
    OPERATION_WORKFLOW.apply(operation, "schedule", actor=users["test-assembly"])
    commitment = services.commit_subsidy(
        actor=users["test-assembly"],
        operation=operation,
        amount=Decimal(amount),
        voted_on=D(2024, 3, 25),
        deliberation_number="2024-310",
    )
    if sign:
        OPERATION_WORKFLOW.apply(operation, "sign_agreement", actor=users["test-agent"])
    operation.refresh_from_db()
    return operation, commitment
