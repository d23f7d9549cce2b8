import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from pacte.contracts import services
from pacte.contracts.models import Contract, ContractEvent, Partner
from pacte.core.models import AuditEvent
from pacte.core.workflow import TransitionRefused

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def lens():
    return Partner.objects.get(siren="246200364")


@pytest.fixture
def contract(generation, lens, users):
    return services.contract_create(actor=users["test-agent"], generation=generation, partner=lens)


def add_stake(contract, users, title="Conforter les centres-bourgs"):
    pacts = list(contract.generation.pacts.all()[:1])
    orientations = list(contract.generation.orientations.all()[:2])
    return services.stake_add(
        actor=users["test-agent"],
        contract=contract,
        title=title,
        pacts=pacts,
        orientations=orientations,
    )


def move_to_signed(contract, users):
    agent = users["test-agent"]
    add_stake(contract, users)
    add_stake(contract, users, "Développer les liaisons douces")
    services.contract_agree(actor=agent, contract=contract)
    services.contract_vote(
        actor=agent, contract=contract, deliberation_number="2023-112", vote_date=D(2023, 3, 27)
    )
    services.contract_sign(
        actor=agent,
        contract=contract,
        partner_signed_on=D(2023, 4, 20),
        department_signed_on=D(2023, 4, 25),
    )
    return contract


def test_generation_from_the_seed(generation):
    assert generation.name == "Quatrième démarche de contractualisation 2023-2026"
    assert generation.framework_deliberation_date == D(2022, 9, 26)
    assert (generation.forum_start, generation.forum_end) == (D(2022, 10, 7), D(2022, 10, 20))
    assert [p.name for p in generation.pacts.all()] == [
        "Pacte des solidarités territoriales",
        "Pacte des réussites citoyennes",
        "Pacte des solidarités humaines",
    ]
    assert generation.orientations.count() == 3
    assert generation.previous.framework_deliberation_date == D(2018, 11, 12)
    assert generation.previous.is_history


def test_new_contract_is_drafted_and_recalls_the_pacts(contract):
    assert contract.state == Contract.State.DRAFTING
    assert "Pacte des solidarités territoriales" in contract.pact_ambitions
    assert AuditEvent.objects.filter(action="contract.create", object_id=str(contract.pk)).exists()


def test_one_contract_per_partner_and_generation(contract, generation, lens, users):
    with pytest.raises(ValidationError, match="déjà un contrat"):
        services.contract_create(actor=users["test-agent"], generation=generation, partner=lens)
    with pytest.raises(IntegrityError):
        Contract.objects.create(generation=generation, partner=lens)


def test_no_contract_in_a_past_generation(generation, lens, users):
    with pytest.raises(ValidationError, match="génération est passée"):
        services.contract_create(
            actor=users["test-agent"], generation=generation.previous, partner=lens
        )


def test_agreement_needs_a_stake(contract, users):
    with pytest.raises(TransitionRefused, match="au moins un enjeu"):
        services.contract_agree(actor=users["test-agent"], contract=contract)
    contract.refresh_from_db()
    assert contract.state == Contract.State.DRAFTING
    assert not contract.events.exists()


def test_full_workflow_keeps_who_when_and_why(contract, users):
    move_to_signed(contract, users)
    contract.refresh_from_db()
    assert contract.state == Contract.State.SIGNED
    events = list(contract.events.all())
    assert [(e.from_state, e.to_state) for e in events] == [
        ("drafting", "agreed"),
        ("agreed", "voted"),
        ("voted", "signed"),
    ]
    assert all(e.actor == users["test-agent"] and e.at for e in events)
    services.contract_close(
        actor=users["test-agent"],
        contract=contract,
        closed_on=D(2026, 12, 31),
        reason="Fin de la génération",
    )
    last = contract.events.last()
    assert (last.to_state, last.reason) == ("closed", "Fin de la génération")
    assert contract.closed_on == D(2026, 12, 31)


def test_steps_are_guarded_by_state(contract, users):
    agent = users["test-agent"]
    with pytest.raises(TransitionRefused, match="l'état actuel est « En rédaction »"):
        services.contract_sign(
            actor=agent,
            contract=contract,
            partner_signed_on=D(2023, 4, 1),
            department_signed_on=D(2023, 4, 1),
        )
    add_stake(contract, users)
    services.contract_agree(actor=agent, contract=contract)
    with pytest.raises(TransitionRefused, match="numéro et la date"):
        services.contract_vote(
            actor=agent, contract=contract, deliberation_number="", vote_date=None
        )
    with pytest.raises(TransitionRefused, match="motif"):
        services.contract_reopen(actor=agent, contract=contract, reason=" ")
    services.contract_reopen(
        actor=agent, contract=contract, reason="Le partenaire revoit ses enjeux"
    )
    assert contract.state == Contract.State.DRAFTING


def test_signatures_come_after_the_vote(contract, users):
    agent = users["test-agent"]
    add_stake(contract, users)
    services.contract_agree(actor=agent, contract=contract)
    services.contract_vote(
        actor=agent, contract=contract, deliberation_number="2023-112", vote_date=D(2023, 3, 27)
    )
    with pytest.raises(TransitionRefused, match="après son vote"):
        services.contract_sign(
            actor=agent,
            contract=contract,
            partner_signed_on=D(2023, 3, 1),
            department_signed_on=D(2023, 4, 1),
        )
    contract.refresh_from_db()
    assert contract.state == Contract.State.VOTED and contract.partner_signed_on is None


@pytest.mark.parametrize("role", ["elected", "finance", "partner"])
def test_roles_that_may_not_move_a_contract(contract, users, role):
    add_stake(contract, users)
    with pytest.raises(PermissionDenied):
        services.contract_agree(actor=users[f"test-{role}"], contract=contract)


def test_assembly_service_may_record_the_vote(contract, users):
    add_stake(contract, users)
    services.contract_agree(actor=users["test-agent"], contract=contract)
    services.contract_vote(
        actor=users["test-assembly"],
        contract=contract,
        deliberation_number="2023-112",
        vote_date=D(2023, 3, 27),
    )
    assert contract.state == Contract.State.VOTED


def test_voted_text_changes_only_through_an_amendment(contract, users):
    move_to_signed(contract, users)
    agent = users["test-agent"]
    with pytest.raises(ValidationError, match="avenant"):
        services.contract_update(actor=agent, contract=contract, monitoring_terms="Autre")
    with pytest.raises(ValidationError, match="avenant"):
        add_stake(contract, users, "Un enjeu de trop")
    before = Contract.objects.get(pk=contract.pk).monitoring_terms
    amendment = services.amendment_create(
        actor=agent,
        contract=contract,
        adopted_on=D(2024, 6, 1),
        reason="Suivi semestriel",
        deliberation_number="2024-201",
        monitoring_terms="Deux comités par an.",
    )
    contract.refresh_from_db()
    assert contract.monitoring_terms == "Deux comités par an."
    assert amendment.number == 1
    assert amendment.changes == {
        "monitoring_terms": {"avant": before, "après": "Deux comités par an."}
    }
    with pytest.raises(ValidationError, match="ne modifie rien"):
        services.amendment_create(
            actor=agent,
            contract=contract,
            adopted_on=D(2024, 7, 1),
            reason="Rien",
            monitoring_terms="Deux comités par an.",
        )


def test_assises_stakes_become_draft_stakes_of_each_partner(generation, users):
    from pacte.territory.models import Territory

    agent = users["test-agent"]
    territory = Territory.objects.get(name="Arrageois")
    partners = list(Partner.objects.filter(territory=territory))
    with pytest.raises(ValidationError, match="du 07/10/2022 au 20/10/2022"):
        services.forum_create(
            actor=agent,
            generation=generation,
            territory=territory,
            held_on=D(2022, 11, 3),
            partners=partners,
        )
    forum = services.forum_create(
        actor=agent,
        generation=generation,
        territory=territory,
        held_on=D(2022, 10, 11),
        place="Arras",
        partners=partners,
    )
    services.forum_record_attendance(
        actor=agent, forum=forum, attended={p.pk: True for p in partners}
    )
    pact = generation.pacts.first()
    target = partners[0]
    for title in ["Revitaliser les centres-bourgs", "Créer des liaisons douces"]:
        services.raised_stake_add(
            actor=agent, forum=forum, partner=target, title=title, pacts=[pact]
        )
    created = services.forum_stakes_to_contracts(actor=agent, forum=forum)
    assert len(created) == 2
    contract = Contract.objects.get(generation=generation, partner=target)
    assert contract.state == Contract.State.DRAFTING
    assert [s.title for s in contract.stakes.all()] == [
        "Revitaliser les centres-bourgs",
        "Créer des liaisons douces",
    ]
    # Running it again adds nothing.
    assert services.forum_stakes_to_contracts(actor=agent, forum=forum) == []


def test_next_committee_shows_the_open_actions_of_the_last(contract, users):
    from pacte.contracts.selectors import open_actions_before

    move_to_signed(contract, users)
    agent = users["test-agent"]
    first = services.committee_hold(
        actor=agent,
        contract=contract,
        held_on=D(2024, 6, 10),
        attendees="M. le Président",
        actions=[
            {
                "description": "Envoyer le plan de financement",
                "owner": "Partenaire",
                "due_on": D(2024, 9, 1),
            },
            {
                "description": "Visiter le chantier",
                "owner": "Maison du Département",
                "due_on": D(2024, 10, 1),
            },
        ],
    )
    assert first.progress["stakes"] == [s.title for s in contract.stakes.all()]
    assert first.progress["operations"] == [] and "totals" in first.progress
    services.committee_action_done(
        actor=agent, action=first.actions.first(), done_on=D(2024, 8, 30)
    )
    second = services.committee_hold(
        actor=agent, contract=contract, held_on=D(2025, 6, 12), attendees="Mme la Vice-présidente"
    )
    assert [a.description for a in open_actions_before(committee=second)] == ["Visiter le chantier"]
    assert [a["description"] for a in second.progress["open_actions"]] == ["Visiter le chantier"]
    with pytest.raises(ValidationError, match="déjà son comité"):
        services.committee_hold(
            actor=agent, contract=contract, held_on=D(2025, 9, 1), attendees="X"
        )


def test_committee_follows_a_voted_contract(contract, users):
    with pytest.raises(ValidationError, match="contrat voté ou signé"):
        services.committee_hold(
            actor=users["test-agent"], contract=contract, held_on=D(2024, 6, 1), attendees="X"
        )


def test_engineering_request_workflow(lens, users):
    agent = users["test-agent"]
    request = services.engineering_request_create(
        actor=agent,
        partner=lens,
        provider="ingenierie62",
        subject="Étude de faisabilité",
        requested_on=D(2024, 2, 1),
        people="Ingénierie 62 — pôle bâtiment",
    )
    services.engineering_request_move(actor=agent, request=request, transition="start")
    with pytest.raises(TransitionRefused, match="résultat"):
        services.engineering_request_move(actor=agent, request=request, transition="finish")
    services.engineering_request_move(
        actor=agent, request=request, transition="finish", outcome="Étude remise le 12/04/2024"
    )
    assert request.state == "done" and request.outcome == "Étude remise le 12/04/2024"
    assert [e.to_state for e in request.events.all()] == ["in_progress", "done"]


def test_workflow_is_the_only_writer_of_states():
    """No code outside the workflow assigns a state field (checked on the source)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "pacte"
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "workflow.py" or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\.state\s*=[^=]|update\(\s*state\s*=", line):
                offenders.append(f"{path}:{number}: {line.strip()}")
    assert offenders == []


def test_demo_seeds_contracts_in_every_state(generation, users):
    from pacte.demo.contracts import seed_committees, seed_contracts

    seed_contracts(generation)
    seed_committees(generation)
    states = set(Contract.objects.filter(generation=generation).values_list("state", flat=True))
    assert states == {"drafting", "agreed", "voted", "signed"}
    assert Contract.objects.filter(generation=generation).count() == 30
    assert generation.forums.count() == 8
    for forum in generation.forums.all():
        assert D(2022, 10, 7) <= forum.held_on <= D(2022, 10, 20)
        assert forum.held_on.weekday() < 5
    assert ContractEvent.objects.filter(contract__generation=generation).exists()


def test_agreed_text_changes_only_after_reopening(contract, users):
    agent = users["test-agent"]
    add_stake(contract, users)
    services.contract_agree(actor=agent, contract=contract)
    with pytest.raises(ValidationError, match="reprenez la rédaction"):
        services.contract_update(actor=agent, contract=contract, monitoring_terms="Autre")
    with pytest.raises(ValidationError, match="reprenez la rédaction"):
        add_stake(contract, users, "Un enjeu ajouté après l'accord")
    services.contract_reopen(actor=agent, contract=contract, reason="Nouvel enjeu à discuter")
    add_stake(contract, users, "Un enjeu ajouté après l'accord")
    assert contract.stakes.count() == 2
