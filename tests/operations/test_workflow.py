"""Every transition of the operation, guarded by state and role, recorded, notified."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from pacte.core.workflow import TransitionRefused
from pacte.operations import services
from pacte.operations.models import Operation
from pacte.operations.workflows import OPERATION_WORKFLOW

from .conftest import SHEET, D, make_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    services.operation_submit(actor=users["test-partner"], operation=operation)
    return operation


def test_partner_submits_a_complete_operation(submitted, users):
    assert submitted.state == "submitted" and submitted.submitted_at
    event = submitted.events.get()
    assert (event.actor, event.from_state, event.to_state) == (
        users["test-partner"],
        "draft",
        "submitted",
    )


def test_only_the_owner_partner_submits(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    # Another partner's operation is not found; an agent may not submit (nor see a draft).
    with pytest.raises(Http404):
        services.operation_submit(actor=users["test-partner2"], operation=operation)
    with pytest.raises(PermissionDenied):
        services.operation_submit(actor=users["test-agent"], operation=operation)
    assert Operation.objects.get(pk=operation.pk).state == "draft"


def test_review_round_trip_notifies_the_partner(
    submitted, users, django_capture_on_commit_callbacks
):
    agent, partner = users["test-agent"], users["test-partner"]
    services.operation_take_charge(actor=agent, operation=submitted)
    assert submitted.assigned_to == agent and submitted.state == "in_review"
    with pytest.raises(TransitionRefused, match="motif"):
        services.operation_request_changes(actor=agent, operation=submitted, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        services.operation_request_changes(
            actor=agent, operation=submitted, reason="Joignez la notification de la DETR."
        )
    assert submitted.state == "awaiting_partner"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [partner.email]
    assert "Joignez la notification de la DETR." in mail.outbox[0].body
    assert submitted.messages.get().is_information_request
    # While the partner holds it, it may edit; then it answers.
    services.operation_update(actor=partner, operation=submitted, title="Véloroute du canal (v2)")
    with django_capture_on_commit_callbacks(execute=True):
        services.operation_answer(actor=partner, operation=submitted, body="Voici la notification.")
    assert submitted.state == "in_review"
    assert mail.outbox[-1].to == [agent.email]
    assert [e.to_state for e in submitted.events.all()] == [
        "submitted",
        "in_review",
        "awaiting_partner",
        "in_review",
    ]


def test_partner_cannot_edit_while_the_departement_holds_it(submitted, users):
    with pytest.raises(ValidationError, match="entre les mains du Département"):
        services.operation_update(actor=users["test-partner"], operation=submitted, title="X")
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        services.financing_plan_set(
            actor=users["test-partner"], operation=submitted, expenses=[], resources=[]
        )


def test_sheet_ready_needs_a_complete_sheet(submitted, users):
    agent = users["test-agent"]
    services.operation_take_charge(actor=agent, operation=submitted)
    with pytest.raises(TransitionRefused) as refused:
        services.operation_mark_sheet_ready(actor=agent, operation=submitted)
    assert "objectifs partagés" in " ".join(refused.value.messages)
    with pytest.raises(PermissionDenied):
        services.operation_update(
            actor=users["test-partner"], operation=submitted, shared_objectives="x"
        )
    services.operation_update(actor=agent, operation=submitted, **SHEET)
    submitted.refresh_from_db()
    services.operation_mark_sheet_ready(actor=agent, operation=submitted)
    assert submitted.state == "sheet_ready"


def test_proposed_subsidy_cannot_exceed_what_was_sought(submitted, users):
    agent = users["test-agent"]
    services.operation_take_charge(actor=agent, operation=submitted)
    services.operation_update(
        actor=agent, operation=submitted, **(SHEET | {"proposed_subsidy_amount": "150000.00"})
    )
    submitted.refresh_from_db()
    with pytest.raises(TransitionRefused, match="dépasse le montant sollicité"):
        services.operation_mark_sheet_ready(actor=agent, operation=submitted)


def test_later_transitions_are_declared_and_guarded(submitted, users):
    agent, admin = users["test-agent"], users["test-admin"]
    services.operation_take_charge(actor=agent, operation=submitted)
    services.operation_update(actor=agent, operation=submitted, **SHEET)
    submitted.refresh_from_db()
    services.operation_mark_sheet_ready(actor=agent, operation=submitted)
    OPERATION_WORKFLOW.apply(submitted, "schedule", actor=users["test-assembly"])
    with pytest.raises(PermissionDenied):
        OPERATION_WORKFLOW.apply(submitted, "grant", actor=agent)
    with pytest.raises(TransitionRefused, match="montant de la subvention"):
        OPERATION_WORKFLOW.apply(submitted, "grant", actor=users["test-assembly"])
    OPERATION_WORKFLOW.apply(
        submitted,
        "grant",
        actor=users["test-assembly"],
        granted_amount="135000.00",
        voted_on=D(2026, 12, 14),
    )
    OPERATION_WORKFLOW.apply(submitted, "sign_agreement", actor=agent)
    with pytest.raises(TransitionRefused, match="date de début"):
        services.operation_start_works(
            actor=users["test-partner"], operation=submitted, started_on=None
        )
    services.operation_start_works(
        actor=users["test-partner"], operation=submitted, started_on=D(2027, 3, 1)
    )
    with pytest.raises(PermissionDenied):
        OPERATION_WORKFLOW.apply(submitted, "lapse", actor=agent, reason="x")
    OPERATION_WORKFLOW.apply(submitted, "complete", actor=users["test-finance"])
    assert submitted.state == "completed"
    with pytest.raises(TransitionRefused, match="l'état actuel est « Achevée »"):
        services.operation_withdraw(actor=admin, operation=submitted, reason="x")


def test_withdraw_needs_a_reason(submitted, users):
    with pytest.raises(TransitionRefused, match="motif"):
        services.operation_withdraw(actor=users["test-partner"], operation=submitted, reason=" ")
    services.operation_withdraw(
        actor=users["test-partner"], operation=submitted, reason="Projet abandonné par le conseil."
    )
    assert submitted.state == "withdrawn"
    assert submitted.events.last().reason == "Projet abandonné par le conseil."


def test_batch_take_charge_and_assign(lens_contract, users):
    ops = [
        make_operation(lens_contract, users["test-partner"], title=f"Projet {i}") for i in range(3)
    ]
    for operation in ops[:2]:
        services.operation_submit(actor=users["test-partner"], operation=operation)
    done = services.operations_take_charge(actor=users["test-agent"], operations=ops)
    assert done == 2
    assert [Operation.objects.get(pk=o.pk).state for o in ops] == [
        "in_review",
        "in_review",
        "draft",
    ]
    services.operations_assign(
        actor=users["test-agent"], operations=ops[:2], assignee=users["test-admin"]
    )
    assert set(
        Operation.objects.filter(pk__in=[o.pk for o in ops[:2]]).values_list(
            "assigned_to", flat=True
        )
    ) == {users["test-admin"].pk}
    with pytest.raises(ValidationError, match="agent du Département"):
        services.operations_assign(
            actor=users["test-agent"], operations=ops, assignee=users["test-partner"]
        )


def test_commitments_reported_by_the_partner_validated_by_the_agent(
    lens_contract, users, client_for
):
    from pacte.core.french import NNBSP
    from pacte.operations.models import Attachment

    operation = make_operation(lens_contract, users["test-partner"])
    # A draft is the partner's alone: the agent inscribes commitments once it is submitted.
    with pytest.raises(Http404):
        services.commitment_add(
            actor=users["test-agent"],
            contract=lens_contract,
            operation=operation,
            kind="insertion",
            description="Heures d'insertion",
        )
    services.operation_submit(actor=users["test-partner"], operation=operation)
    with pytest.raises(PermissionDenied):
        services.commitment_add(
            actor=users["test-partner"],
            contract=lens_contract,
            kind="insertion",
            description="Heures d'insertion",
        )
    commitment = services.commitment_add(
        actor=users["test-agent"],
        contract=lens_contract,
        operation=operation,
        kind="insertion",
        description="Clause d'insertion dans le marché de travaux",
        target="1500",
        unit="heures",
    )
    # Quantities keep the decimals they have; nothing achieved yet reads « — », with no unit.
    page = client_for("agent").get(f"/operations/engagements/{commitment.pk}/").content.decode()
    assert f"<dd>1{NNBSP}500 heures</dd>" in page and "<dd>—</dd>" in page
    assert "1500,00" not in page and "— heures" not in page
    evidence = operation.attachments.filter(kind=Attachment.Kind.ESTIMATE)
    with pytest.raises(TransitionRefused, match="réalisé"):
        services.commitment_report(actor=users["test-partner"], commitment=commitment)
    with pytest.raises(Http404):
        services.commitment_report(
            actor=users["test-partner2"], commitment=commitment, achieved="1600"
        )
    services.commitment_report(
        actor=users["test-partner"],
        commitment=commitment,
        achieved="1620",
        report="Bilan du facilitateur",
        evidence=evidence,
    )
    assert commitment.state == "reported" and commitment.evidence.count() == 1
    with pytest.raises(PermissionDenied):
        services.commitment_validate(
            actor=users["test-partner"], commitment=commitment, accept=True
        )
    services.commitment_validate(actor=users["test-agent"], commitment=commitment, accept=True)
    assert commitment.is_met
