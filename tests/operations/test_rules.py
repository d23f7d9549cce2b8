"""The financing plan's rules: balance, CGCT L1111-10 and its derogations, the fund's caps."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pacte.core.workflow import TransitionRefused
from pacte.operations import services
from pacte.operations.checks import early_start_warning
from pacte.operations.financing import summarise

from .conftest import GOOD_EXPENSES, D, make_operation

pytestmark = pytest.mark.django_db


def plan(operation, users, resources, expenses=GOOD_EXPENSES):
    services.financing_plan_set(
        actor=users["test-partner"], operation=operation, expenses=expenses, resources=resources
    )
    return summarise(operation)


def test_good_plan_is_balanced_and_compliant(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    summary = summarise(operation)
    assert summary.basis == Decimal("450000.00") and summary.balanced
    assert summary.fund_rate == Decimal("30.00")
    assert summary.owner.share == Decimal("40.00")
    assert summary.owner.compliant and summary.problems == []
    assert "minimum 20 % soit 90\u202f000,00\xa0€" in summary.owner.explanation


def test_unbalanced_plan_blocks_submission_with_the_gap(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    summary = plan(
        operation,
        users,
        [
            {"funder": "fit", "amount": "135000"},
            {"funder": "self", "amount": "200000"},
        ],
    )
    assert not summary.balanced
    with pytest.raises(TransitionRefused) as refused:
        services.operation_submit(actor=users["test-partner"], operation=operation)
    text = " ".join(refused.value.messages)
    assert "n'est pas équilibré" in text
    assert "écart 115\u202f000,00\xa0€" in text
    operation.refresh_from_db()
    assert operation.state == "draft"


def test_vat_basis_follows_recovery(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    services.operation_update(actor=users["test-partner"], operation=operation, vat_recovered=False)
    operation.refresh_from_db()
    summary = summarise(operation)
    assert summary.basis == Decimal("540000.00") and not summary.balanced


def test_owner_below_twenty_percent_is_refused_with_the_computation(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    summary = plan(
        operation,
        users,
        [
            {"funder": "fit", "amount": "200000"},
            {"funder": "detr", "amount": "160000"},
            {"funder": "self", "amount": "80000"},
            {"funder": "private", "amount": "10000"},
        ],
    )
    # Public funding: 200 000 + 160 000 + 80 000 (the owner's own) = 440 000; 20 % = 88 000.
    assert summary.owner.public_total == Decimal("440000.00")
    assert summary.owner.required_amount == Decimal("88000.00")
    assert not summary.owner.compliant
    assert any("CGCT L1111-10" in p for p in summary.problems)


def test_the_twenty_percent_minimum_is_never_rounded_in_the_owners_favour(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    resources = [
        {"funder": "fit", "amount": "50000.01"},
        {"funder": "detr", "amount": "30000.01"},
        {"funder": "self", "amount": "20000.00"},
    ]
    # Public funding 100 000,02 €: 20 % is 20 000,004 €, so at least 20 000,01 €.
    owner = plan(operation, users, resources).owner
    assert owner.public_total == Decimal("100000.02")
    assert owner.required_amount == Decimal("20000.01")
    assert not owner.compliant
    resources[2]["amount"] = "20000.01"
    resources[0]["amount"] = "50000.00"  # public 100 000,02 still
    assert plan(operation, users, resources).owner.compliant


@pytest.mark.parametrize(
    "kind", ["heritage", "urban_renewal", "feder", "water", "roads", "fire_defence"]
)
def test_derogation_lifts_the_owner_rule_only_with_the_prefect_order(lens_contract, users, kind):
    operation = make_operation(lens_contract, users["test-partner"])
    plan(
        operation,
        users,
        [
            {"funder": "fit", "amount": "200000"},
            {"funder": "detr", "amount": "200000"},
            {"funder": "self", "amount": "50000"},
        ],
    )
    services.operation_update(actor=users["test-partner"], operation=operation, derogation=kind)
    operation.refresh_from_db()
    summary = summarise(operation)
    assert summary.owner.compliant
    if kind in {"urban_renewal", "feder"}:  # exceptions of the law: no arrêté to give
        assert summary.problems == []
        return
    assert "arrêté du préfet" in " ".join(summary.problems)
    services.operation_update(
        actor=users["test-partner"],
        operation=operation,
        derogation_order="Arrêté préfectoral n°2024-117",
    )
    operation.refresh_from_db()
    assert summarise(operation).problems == []
    services.operation_submit(actor=users["test-partner"], operation=operation)
    assert operation.state == "submitted"


def test_owner_rule_does_not_apply_to_an_association(generation, users, make_user):
    from pacte.contracts import services as cs
    from pacte.contracts.models import Partner
    from pacte.core.roles import Role

    association = Partner.objects.get(rna="W623004512")
    # The operation is the association's: its own user creates it (agents do not).
    member = make_user(username="association", role=Role.PARTNER, partner=association)
    contract = cs.contract_create(
        actor=users["test-agent"], generation=generation, partner=association
    )
    cs.stake_add(
        actor=users["test-agent"],
        contract=contract,
        title="Tiers-lieux",
        pacts=[generation.pacts.first()],
    )
    cs.contract_agree(actor=users["test-agent"], contract=contract)
    cs.contract_vote(
        actor=users["test-agent"],
        contract=contract,
        deliberation_number="2023-130",
        vote_date=D(2023, 3, 27),
    )
    operation = make_operation(contract, member, complete=False)
    services.financing_plan_set(
        actor=member,
        operation=operation,
        expenses=GOOD_EXPENSES,
        resources=[
            {"funder": "fit", "amount": "200000"},
            {"funder": "region", "amount": "230000"},
            {"funder": "self", "amount": "20000"},
        ],
    )
    summary = summarise(operation)
    assert not summary.owner.applies and summary.owner.compliant
    assert "non applicable" in summary.owner.explanation


def test_fund_caps_and_minimum_size_are_settings_of_the_generation(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    generation = lens_contract.generation
    generation.fund_max_rate = Decimal("25.00")
    generation.fund_ceiling_amount = Decimal("100000.00")
    generation.min_project_amount = Decimal("500000.00")
    generation.save()
    operation.refresh_from_db()
    problems = " ".join(summarise(operation).problems)
    assert "30,00 % de la dépense, au-delà du taux maximal de 25,00 %" in problems
    assert "dépasse le plafond de 100\u202f000,00\xa0€" in problems
    assert "inférieur au minimum de 500\u202f000,00\xa0€" in problems


def test_bad_amounts_are_refused_and_nothing_is_written(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    for expenses, message in [
        ([{"label": "Travaux", "amount_excl_tax": "abc", "amount_incl_tax": "1"}], "illisible"),
        ([{"label": "Travaux", "amount_excl_tax": "-5", "amount_incl_tax": "1"}], "positif"),
        (
            [{"label": "Travaux", "amount_excl_tax": "10.001", "amount_incl_tax": "12"}],
            "au centime",
        ),
        ([{"label": "Travaux", "amount_excl_tax": "100", "amount_incl_tax": "90"}], "TTC"),
        ([{"label": "", "amount_excl_tax": "100", "amount_incl_tax": "120"}], "poste"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.financing_plan_set(
                actor=users["test-partner"], operation=operation, expenses=expenses, resources=[]
            )
    assert operation.expenses.count() == 2 and operation.resources.count() == 4


def test_submission_lists_everything_missing(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    operation.stakes.clear()
    with pytest.raises(TransitionRefused) as refused:
        services.operation_submit(actor=users["test-partner"], operation=operation)
    text = " ".join(refused.value.messages)
    for expected in [
        "au moins un enjeu",
        "Délibération du porteur",
        "Devis ou estimation",
        "au moins une dépense",
        "au moins une ressource",
    ]:
        assert expected in text


def test_early_start_is_flagged_unless_authorised(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    assert early_start_warning(operation) == ""
    services.operation_update(
        actor=users["test-partner"], operation=operation, planned_start=D(2024, 1, 10)
    )
    operation.refresh_from_db()
    assert "avant le vote" in early_start_warning(operation)
    operation.early_start_authorised_on = D(2023, 12, 1)
    assert early_start_warning(operation) == ""
