import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pacte.contracts import services as contract_services
from pacte.contracts.models import Partner
from pacte.operations import services
from pacte.operations.models import Attachment
from pacte.territory.models import Commune

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def signed_contract(generation, siren, agent):
    partner = Partner.objects.get(siren=siren)
    contract = contract_services.contract_create(
        actor=agent, generation=generation, partner=partner
    )
    contract_services.stake_add(
        actor=agent, contract=contract, title="Mobilités douces", pacts=[generation.pacts.first()]
    )
    contract_services.stake_add(
        actor=agent,
        contract=contract,
        title="Services aux habitants",
        pacts=list(generation.pacts.all()[1:]),
    )
    contract_services.contract_agree(actor=agent, contract=contract)
    contract_services.contract_vote(
        actor=agent, contract=contract, deliberation_number="2023-120", vote_date=D(2023, 3, 27)
    )
    contract_services.contract_sign(
        actor=agent,
        contract=contract,
        partner_signed_on=D(2023, 4, 3),
        department_signed_on=D(2023, 4, 5),
    )
    return contract


@pytest.fixture
def lens_contract(generation, users):
    return signed_contract(generation, "246200364", users["test-agent"])


@pytest.fixture
def arras_contract(generation, users):
    return signed_contract(generation, "200033579", users["test-agent"])


def pdf(name="piece.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


GOOD_EXPENSES = [
    {"label": "Travaux", "amount_excl_tax": "400000.00", "amount_incl_tax": "480000.00"},
    {"label": "Maîtrise d'œuvre", "amount_excl_tax": "50000.00", "amount_incl_tax": "60000.00"},
]
GOOD_RESOURCES = [
    {"funder": "fit", "amount": "135000.00", "status": "requested"},
    {"funder": "detr", "amount": "90000.00", "status": "obtained"},
    {"funder": "region", "amount": "45000.00", "status": "requested"},
    {"funder": "self", "amount": "180000.00", "status": "obtained"},
]


def make_operation(contract, actor, *, complete=True, title="Véloroute du canal"):
    lievin = Commune.objects.get(insee_code="62510")
    operation = services.operation_create(
        actor=actor,
        contract=contract,
        title=title,
        category="mobility",
        description="Une liaison douce de 6 km entre deux gares.",
        stakes=list(contract.stakes.all()[:1]),
        communes=[lievin],
        planned_start=D(2027, 3, 1),
        planned_end=D(2028, 6, 30),
    )
    if complete:
        services.financing_plan_set(
            actor=actor, operation=operation, expenses=GOOD_EXPENSES, resources=GOOD_RESOURCES
        )
        for kind in [Attachment.Kind.DELIBERATION, Attachment.Kind.ESTIMATE]:
            services.attachment_add(
                actor=actor, operation=operation, kind=kind, upload=pdf(f"{kind}.pdf")
            )
    operation.refresh_from_db()
    return operation


SHEET = dict(
    shared_objectives="Relier les deux gares à vélo.",
    environment="Le long du canal, en site propre.",
    territorial_reach="intercommunal",
    usage_terms="Ouverte toute l'année, entretenue par l'agglomération.",
    proposed_subsidy_amount=Decimal("135000.00"),
    justification_policies="Mobilités du quotidien, environnement.",
    justification_dynamics="Territoire en reconversion.",
    justification_cofunding="DETR et Région.",
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
