"""The access policy on contracts, stakes, committees, assises and engineering requests: the same
answer through the services, the pages and the API; bad ids refused with a clear 4xx, nothing
written, nothing revealed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from pacte.contracts import services
from pacte.contracts.models import (
    CommitteeAction,
    Contract,
    EngineeringRequest,
    ForumInvitation,
    Partner,
    PriorityStake,
    RaisedStake,
    SteeringCommittee,
    TerritorialForum,
)
from pacte.core.models import AuditEvent
from pacte.core.services import api_token_create

pytestmark = pytest.mark.django_db

D = datetime.date
LENS = "246200364"  # test-partner's organisation
ARRAS = "200033579"  # test-partner2's organisation
HUGE = 10**30
BEYOND_64_BITS = 2**63  # 19 digits: not even a URL the site answers
READ_ONLY = ["assembly", "finance", "elected", "partner"]


def signed(generation, siren, agent):
    contract = services.contract_create(
        actor=agent, generation=generation, partner=Partner.objects.get(siren=siren)
    )
    services.stake_add(
        actor=agent, contract=contract, title="Enjeu", pacts=generation.pacts.all()[:1]
    )
    services.contract_agree(actor=agent, contract=contract)
    services.contract_vote(
        actor=agent, contract=contract, deliberation_number="2023-112", vote_date=D(2023, 3, 27)
    )
    return contract


def committee_for(contract, agent, year=2024):
    return services.committee_hold(
        actor=agent,
        contract=contract,
        held_on=D(year, 6, 10),
        attendees="M. le Président",
        actions=[{"description": f"Action {year}", "owner": "Partenaire", "due_on": D(year, 9, 1)}],
    )


@pytest.fixture
def agent(users):
    return users["test-agent"]


@pytest.fixture
def lens_contract(generation, agent):
    return signed(generation, LENS, agent)


@pytest.fixture
def arras_contract(generation, agent):
    return signed(generation, ARRAS, agent)


@pytest.fixture
def bearer(users):
    def make(role):
        _, raw = api_token_create(user=users[f"test-{role}"], name="tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


@pytest.fixture
def other_generation(generation):
    """The previous generation, with a pact and an orientation of its own."""
    previous = generation.previous
    previous.pacts.get_or_create(name="Pacte d'avant")
    previous.orientations.get_or_create(name="Orientation d'avant")
    return previous


def audit_count():
    return AuditEvent.objects.count()


# --- Services: every write asks the policy ----------------------------------------------------


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_write_nothing_through_the_services(generation, lens_contract, users, role):
    actor = users[f"test-{role}"]
    committee = committee_for(lens_contract, users["test-agent"])
    action = committee.actions.get()
    lens = lens_contract.partner
    drafting = services.contract_create(
        actor=users["test-agent"],
        generation=generation,
        partner=Partner.objects.get(siren="246200729"),
    )
    before = audit_count()
    refusals = [
        lambda: services.contract_create(
            actor=actor, generation=generation, partner=Partner.objects.get(siren="200018083")
        ),
        lambda: services.contract_update(actor=actor, contract=drafting, monitoring_terms="X"),
        lambda: services.stake_add(
            actor=actor, contract=drafting, title="X", pacts=generation.pacts.all()[:1]
        ),
        lambda: services.amendment_create(
            actor=actor,
            contract=lens_contract,
            adopted_on=D(2024, 1, 1),
            reason="X",
            monitoring_terms="Y",
        ),
        lambda: services.committee_hold(
            actor=actor, contract=lens_contract, held_on=D(2025, 6, 1), attendees="X"
        ),
        lambda: services.committee_action_done(actor=actor, action=action, done_on=D(2024, 8, 1)),
        lambda: services.partner_create(
            actor=actor, name="Les Amis du Beffroi", kind="association", rna="W621000123"
        ),
    ]
    for refusal in refusals:
        with pytest.raises(PermissionDenied):
            refusal()
    assert audit_count() == before
    assert not drafting.stakes.exists()
    assert Contract.objects.get(pk=drafting.pk).monitoring_terms == ""
    assert SteeringCommittee.objects.filter(contract=lens_contract).count() == 1
    assert CommitteeAction.objects.get(pk=action.pk).done_on is None
    assert not lens_contract.amendments.exists()
    assert not Partner.objects.filter(name="Les Amis du Beffroi").exists()
    assert lens.contracts.count() == 1


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_instructing_roles_create_partners_as_the_history_import_does(users, role):
    partner = services.partner_create(
        actor=users[f"test-{role}"],
        name="Les Amis du Beffroi",
        kind=Partner.Kind.ASSOCIATION,
        rna="W621000123",
    )
    assert AuditEvent.objects.filter(action="partner.create", object_id=str(partner.pk)).exists()


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_hold_no_assise(generation, users, role):
    from pacte.territory.models import Territory

    actor = users[f"test-{role}"]
    territory = Territory.objects.get(name="Arrageois")
    partners = list(Partner.objects.filter(territory=territory))
    with pytest.raises(PermissionDenied):
        services.forum_create(
            actor=actor,
            generation=generation,
            territory=territory,
            held_on=D(2022, 10, 11),
            partners=partners,
        )
    assert not TerritorialForum.objects.filter(territory=territory).exists()
    forum = services.forum_create(
        actor=users["test-agent"],
        generation=generation,
        territory=territory,
        held_on=D(2022, 10, 11),
        partners=partners,
    )
    before = audit_count()
    for refusal in [
        lambda: services.forum_record_attendance(
            actor=actor, forum=forum, attended={partners[0].pk: True}
        ),
        lambda: services.raised_stake_add(
            actor=actor,
            forum=forum,
            partner=partners[0],
            title="X",
            pacts=generation.pacts.all()[:1],
        ),
        lambda: services.forum_stakes_to_contracts(actor=actor, forum=forum),
    ]:
        with pytest.raises(PermissionDenied):
            refusal()
    assert audit_count() == before
    assert not ForumInvitation.objects.filter(forum=forum, attended__isnull=False).exists()
    assert not RaisedStake.objects.filter(forum=forum).exists()


def test_a_raised_stake_takes_the_pacts_of_the_assise_generation(
    generation, other_generation, users
):
    from pacte.territory.models import Territory

    agent = users["test-agent"]
    territory = Territory.objects.get(name="Arrageois")
    partner = Partner.objects.filter(territory=territory).first()
    forum = services.forum_create(
        actor=agent,
        generation=generation,
        territory=territory,
        held_on=D(2022, 10, 11),
        partners=[partner],
    )
    with pytest.raises(ValidationError, match="génération de l'assise"):
        services.raised_stake_add(
            actor=agent,
            forum=forum,
            partner=partner,
            title="X",
            pacts=other_generation.pacts.all()[:1],
        )
    assert not RaisedStake.objects.exists()


def test_a_partner_asks_engineering_for_its_own_organisation_only(users):
    partner_user = users["test-partner"]
    lens = Partner.objects.get(siren=LENS)
    arras = Partner.objects.get(siren=ARRAS)
    request = services.engineering_request_create(
        actor=partner_user,
        partner=lens,
        provider="ingenierie62",
        subject="Étude de faisabilité",
        requested_on=D(2024, 2, 1),
    )
    assert request.created_by == partner_user and request.state == "requested"
    before = audit_count()
    with pytest.raises(Http404):
        services.engineering_request_create(
            actor=partner_user,
            partner=arras,
            provider="ingenierie62",
            subject="Pour un autre",
            requested_on=D(2024, 2, 1),
        )
    for role in ["assembly", "finance", "elected"]:
        with pytest.raises(PermissionDenied):
            services.engineering_request_create(
                actor=users[f"test-{role}"],
                partner=lens,
                provider="house",
                subject="Lecture seule",
                requested_on=D(2024, 2, 1),
            )
    assert audit_count() == before
    assert list(EngineeringRequest.objects.values_list("subject", flat=True)) == [
        "Étude de faisabilité"
    ]
    # Following the request is the Département's work.
    with pytest.raises(PermissionDenied):
        services.engineering_request_move(actor=partner_user, request=request, transition="start")


def test_a_partner_never_writes_a_committee_of_any_contract(lens_contract, arras_contract, users):
    """Its own contract's or another partner's: the same refusal, which reveals nothing."""
    agent = users["test-agent"]
    arras_action = committee_for(arras_contract, agent).actions.get()
    lens_action = committee_for(lens_contract, agent).actions.get()
    for action in [lens_action, arras_action]:
        with pytest.raises(PermissionDenied) as refusal:
            services.committee_action_done(
                actor=users["test-partner"], action=action, done_on=D(2024, 8, 1)
            )
        assert "Arras" not in str(refusal.value)
    assert not CommitteeAction.objects.filter(done_on__isnull=False).exists()


# --- Pages --------------------------------------------------------------------------------------


def test_committee_action_must_belong_to_the_committee_of_the_url(
    client_for, lens_contract, arras_contract, users
):
    agent = users["test-agent"]
    lens_committee = committee_for(lens_contract, agent)
    arras_action = committee_for(arras_contract, agent).actions.get()
    client = client_for("agent")
    url = f"/comites/{lens_committee.pk}/actions/{arras_action.pk}/realisee/"
    assert client.post(url).status_code == 404
    assert client.post(f"/comites/{lens_committee.pk}/actions/999999999/realisee/").status_code == (
        404
    )
    assert (
        client.post(
            f"/comites/{arras_action.committee_id}/actions/{'9' * 18}/realisee/"
        ).status_code
        == 404
    )
    assert (
        client.get(f"/comites/{lens_committee.pk}/actions/{arras_action.pk}/realisee/").status_code
        == 405
    )
    assert not CommitteeAction.objects.filter(done_on__isnull=False).exists()
    # The right pair is accepted.
    own_action = lens_committee.actions.get()
    assert (
        client.post(f"/comites/{lens_committee.pk}/actions/{own_action.pk}/realisee/").status_code
        == 302
    )
    own_action.refresh_from_db()
    assert own_action.done_on is not None


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_cannot_mark_an_action_done(client_for, lens_contract, users, role):
    committee = committee_for(lens_contract, users["test-agent"])
    action = committee.actions.get()
    response = client_for(role).post(f"/comites/{committee.pk}/actions/{action.pk}/realisee/")
    assert response.status_code == 403
    action.refresh_from_db()
    assert action.done_on is None


def test_partner_reads_its_committees_only_and_never_edits_them(
    client_for, lens_contract, arras_contract, users
):
    agent = users["test-agent"]
    lens_committee = committee_for(lens_contract, agent)
    arras_committee = committee_for(arras_contract, agent)
    client = client_for("partner")
    page = client.get(f"/comites/{lens_committee.pk}/")
    assert page.status_code == 200 and page.context["can_edit"] is False
    assert "Marquer réalisée" not in page.content.decode()
    assert client.get(f"/comites/{arras_committee.pk}/").status_code == 404
    assert client.get(f"/contrats/{lens_contract.pk}/comites/nouveau/").status_code == 403
    assert client.get(f"/contrats/{arras_contract.pk}/comites/nouveau/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/partenaires/{huge}/",
        "/contrats/{huge}/",
        "/contrats/{huge}/modifier/",
        "/contrats/{huge}/avenant/",
        "/contrats/{huge}/enjeux/ajouter/",
        "/contrats/{huge}/comites/nouveau/",
        "/comites/{huge}/",
        "/assises/{huge}/",
        "/ingenierie/{huge}/",
        "/generations/{huge}/",
    ],
)
def test_unknown_ids_in_pages_are_not_found(client_for, url):
    client = client_for("agent")
    for pk in ["999999999999999999", "0"]:
        assert client.get(url.format(huge=pk)).status_code == 404, (url, pk)
    # Beyond 64 bits the URL itself is unknown.
    assert client.get(url.format(huge=BEYOND_64_BITS)).status_code == 404


def test_another_partners_records_do_not_exist_for_a_partner(
    client_for, lens_contract, arras_contract, users
):
    request = services.engineering_request_create(
        actor=users["test-agent"],
        partner=arras_contract.partner,
        provider="house",
        subject="Demande d'Arras",
        requested_on=D(2024, 2, 1),
    )
    client = client_for("partner")
    for url in [
        f"/partenaires/{arras_contract.partner_id}/",
        f"/contrats/{arras_contract.pk}/",
        f"/ingenierie/{request.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Arras" not in response.content.decode()
    listing = client.get("/ingenierie/?format=csv").content.decode("utf-8-sig")
    assert "Demande d'Arras" not in listing


def test_a_partner_asks_engineering_through_its_pages(client_for, lens_contract):
    client = client_for("partner")
    arras = Partner.objects.get(siren=ARRAS)
    page = client.get(f"/partenaires/{lens_contract.partner_id}/")
    assert "Nouvelle demande d'ingénierie" in page.content.decode()
    form = client.get(f"/ingenierie/nouvelle/?partenaire={arras.pk}")
    assert form.status_code == 200
    assert list(form.context["form"].fields["partner"].queryset) == [lens_contract.partner]
    assert "Arras" not in form.content.decode()
    data = {"provider": "house", "subject": "Montage d'un tiers-lieu", "requested_on": "2024-03-04"}
    # Another partner's id, an unknown id, a huge id: refused by the form, nothing written.
    for bad in [arras.pk, 999999999, HUGE, "abc"]:
        response = client.post("/ingenierie/nouvelle/", {**data, "partner": bad})
        assert response.status_code == 400 and response.context["form"].errors["partner"]
    assert not EngineeringRequest.objects.exists()
    response = client.post("/ingenierie/nouvelle/", {**data, "partner": lens_contract.partner_id})
    created = EngineeringRequest.objects.get()
    assert response["Location"] == f"/ingenierie/{created.pk}/"
    assert created.partner_id == lens_contract.partner_id and created.contract == lens_contract
    # Following it is the Département's: the page offers no step and refuses one.
    detail = client.get(f"/ingenierie/{created.pk}/")
    assert detail.status_code == 200 and not detail.context["transitions"]
    assert client.post(f"/ingenierie/{created.pk}/", {"transition": "start"}).status_code == 403
    created.refresh_from_db()
    assert created.state == "requested"


@pytest.mark.parametrize("role", ["assembly", "finance", "elected"])
def test_read_only_roles_do_not_ask_engineering(client_for, role):
    client = client_for(role)
    assert client.get("/ingenierie/nouvelle/").status_code == 403
    lens = Partner.objects.get(siren=LENS)
    response = client.post(
        "/ingenierie/nouvelle/",
        {"partner": lens.pk, "provider": "house", "subject": "X", "requested_on": "2024-03-04"},
    )
    assert response.status_code == 403
    assert not EngineeringRequest.objects.exists()
    assert client.get("/ingenierie/").context["can_create"] is False


def test_engineering_steps_are_refused_to_read_only_roles(client_for, users):
    request = services.engineering_request_create(
        actor=users["test-agent"],
        partner=Partner.objects.get(siren=LENS),
        provider="house",
        subject="Étude",
        requested_on=D(2024, 2, 1),
    )
    for role in ["assembly", "finance", "elected", "partner"]:
        response = client_for(role).post(f"/ingenierie/{request.pk}/", {"transition": "start"})
        assert response.status_code == 403, role
    request.refresh_from_db()
    assert request.state == "requested" and not request.events.exists()
    # An unknown step is explained, not a crash.
    response = client_for("agent").post(f"/ingenierie/{request.pk}/", {"transition": "envoler"})
    assert response.status_code == 200 and "Action inconnue" in response.content.decode()


def test_forum_is_kept_by_instructing_roles_and_bad_ids_write_nothing(
    client_for, generation, users
):
    from pacte.territory.models import Territory

    territory = Territory.objects.get(name="Arrageois")
    partners = list(Partner.objects.filter(territory=territory).order_by("pk"))
    forum = services.forum_create(
        actor=users["test-agent"],
        generation=generation,
        territory=territory,
        held_on=D(2022, 10, 11),
        partners=partners,
    )
    url = f"/assises/{forum.pk}/"
    for role in ["assembly", "finance", "elected"]:
        client = client_for(role)
        page = client.get(url)
        assert page.status_code == 200 and page.context["can_edit"] is False
        for action in ["attendance", "to_contracts", "stake"]:
            response = client.post(url, {"action": action, "present": [partners[0].pk]})
            assert response.status_code == 403, (role, action)
    for role in ["partner", "partner2"]:
        assert client_for(role).get(url).status_code == 403
        assert client_for(role).post(url, {"action": "attendance"}).status_code == 403
    client = client_for("agent")
    lens = Partner.objects.get(siren=LENS)  # not of the Arrageois
    for bad in [lens.pk, "abc", str(HUGE), "-1"]:
        response = client.post(url, {"action": "attendance", "present": [partners[0].pk, bad]})
        assert response.status_code == 200, bad
        assert "Seuls les partenaires invités" in response.content.decode()
    assert not ForumInvitation.objects.filter(forum=forum, attended__isnull=False).exists()
    # A raised stake for a partner who was not invited, or with an unknown pact: form errors.
    pact = generation.pacts.first()
    for partner_id, pact_id in [(lens.pk, pact.pk), (partners[0].pk, HUGE), (HUGE, pact.pk)]:
        response = client.post(
            url,
            {
                "action": "stake",
                "enjeu-partner": partner_id,
                "enjeu-title": "X",
                "enjeu-pacts": [pact_id],
            },
        )
        assert response.status_code == 200 and response.context["stake_form"].errors
    assert not RaisedStake.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="forum.").count() == 1  # its planning


def test_contract_page_offers_each_role_what_the_policy_allows(client_for, generation, users):
    agent = users["test-agent"]
    contract = services.contract_create(
        actor=agent, generation=generation, partner=Partner.objects.get(siren=LENS)
    )
    services.stake_add(
        actor=agent, contract=contract, title="Enjeu", pacts=generation.pacts.all()[:1]
    )
    services.contract_agree(actor=agent, contract=contract)
    url = f"/contrats/{contract.pk}/"
    # The assembly service records the vote: the page offers it (and only it).
    assembly = client_for("assembly").get(url)
    assert set(assembly.context["transitions"]) == {"vote"}
    assert "Enregistrer le vote" in assembly.content.decode()
    assert not assembly.context["can_edit"] and not assembly.context["can_add_stake"]
    elected = client_for("elected").get(url)
    assert not elected.context["transitions"]
    assert "Faire avancer le contrat" not in elected.content.decode()
    partner = client_for("partner").get(url)
    assert not partner.context["transitions"] and not partner.context["can_edit"]
    assert partner.context["can_request_engineering"]
    agent_page = client_for("agent").get(url)
    assert set(agent_page.context["transitions"]) == {"reopen", "vote"}
    assert agent_page.context["can_edit"] and agent_page.context["can_hold_committee"]


@pytest.mark.parametrize("role", READ_ONLY)
def test_contract_forms_are_refused_to_read_only_roles(client_for, generation, users, role):
    contract = services.contract_create(
        actor=users["test-agent"], generation=generation, partner=Partner.objects.get(siren=LENS)
    )
    client = client_for(role)
    pact = generation.pacts.first()
    for url, data in [
        ("/contrats/nouveau/", {"partner": contract.partner_id}),
        (f"/contrats/{contract.pk}/modifier/", {"monitoring_terms": "X"}),
        (f"/contrats/{contract.pk}/avenant/", {"monitoring_terms": "X"}),
        (f"/contrats/{contract.pk}/enjeux/ajouter/", {"title": "X", "pacts": [pact.pk]}),
        (f"/contrats/{contract.pk}/etapes/agree/", {}),
        ("/assises/nouvelle/", {}),
    ]:
        if not url.endswith("/agree/"):
            assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    assert Contract.objects.get(pk=contract.pk).monitoring_terms == ""
    assert not PriorityStake.objects.filter(contract=contract).exists()


def test_contract_transitions_of_unknown_names_are_not_found(client_for, generation, users):
    contract = services.contract_create(
        actor=users["test-agent"], generation=generation, partner=Partner.objects.get(siren=LENS)
    )
    client = client_for("agent")
    for name in ["envoler", "record_history"]:
        assert client.post(f"/contrats/{contract.pk}/etapes/{name}/").status_code == 404
    assert client.get(f"/contrats/{contract.pk}/etapes/agree/").status_code == 405


def test_stake_form_refuses_pacts_of_another_generation_or_unknown(
    client_for, generation, other_generation, users
):
    contract = services.contract_create(
        actor=users["test-agent"], generation=generation, partner=Partner.objects.get(siren=LENS)
    )
    client = client_for("agent")
    other = other_generation.pacts.first()
    for pact_id in [other.pk, 999999999, HUGE, "abc"]:
        response = client.post(
            f"/contrats/{contract.pk}/enjeux/ajouter/", {"title": "X", "pacts": [pact_id]}
        )
        assert response.status_code == 400 and response.context["form"].errors["pacts"], pact_id
    assert not contract.stakes.exists()


def test_contract_create_form_refuses_unknown_or_huge_partner_ids(client_for, generation):
    client = client_for("agent")
    for partner_id in [999999999, HUGE, "abc"]:
        response = client.post("/contrats/nouveau/", {"partner": partner_id})
        assert response.status_code == 400 and response.context["form"].errors["partner"]
    assert not Contract.objects.filter(generation=generation).exists()


# --- API ----------------------------------------------------------------------------------------


def test_api_partner_cannot_reach_another_partners_records(
    client, bearer, lens_contract, arras_contract, users
):
    committee = committee_for(arras_contract, users["test-agent"])
    headers = bearer("partner")
    for url in [
        f"/api/partenaires/{arras_contract.partner_id}",
        f"/api/contrats/{arras_contract.pk}",
        f"/api/comites/{committee.pk}",
    ]:
        response = client.get(url, **headers)
        assert response.status_code == 404, url
        assert "Arras" not in response.content.decode()
    before = audit_count()
    # What a partner may do for itself: another partner's id is unknown to it.
    response = client.post(
        "/api/ingenierie",
        {
            "partner_id": arras_contract.partner_id,
            "provider": "house",
            "subject": "X",
            "requested_on": "2024-01-15",
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 404 and "Arras" not in response.content.decode()
    # What a partner may never do: refused (403) on its contract; another's is not found (404).
    for contract, status in [(lens_contract, 403), (arras_contract, 404)]:
        for url, payload in [
            (f"/api/contrats/{contract.pk}/comites", {"held_on": "2025-06-01", "attendees": ["X"]}),
            (f"/api/contrats/{contract.pk}/enjeux", {"title": "X", "pact_ids": []}),
            ("/api/contrats", {"partner_id": contract.partner_id}),
        ]:
            response = client.post(url, payload, content_type="application/json", **headers)
            assert response.status_code == status, (url, response.content)
            assert "Arras" not in response.content.decode()
    assert audit_count() == before
    assert not EngineeringRequest.objects.exists()


def test_api_partner_asks_engineering_for_itself_but_holds_no_committee(
    client, bearer, lens_contract
):
    headers = bearer("partner")
    response = client.post(
        "/api/ingenierie",
        {
            "partner_id": lens_contract.partner_id,
            "provider": "house",
            "subject": "Montage d'un tiers-lieu",
            "requested_on": "2024-01-15",
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201 and response.json()["partner_id"] == lens_contract.partner_id
    response = client.post(
        f"/api/contrats/{lens_contract.pk}/comites",
        {"held_on": "2025-06-01", "attendees": ["X"]},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403
    assert not lens_contract.committees.exists()


@pytest.mark.parametrize("role", ["assembly", "finance", "elected"])
def test_api_read_only_roles_write_nothing(client, bearer, lens_contract, role):
    headers = bearer(role)
    pact = lens_contract.generation.pacts.first()
    for url, payload in [
        (
            f"/api/contrats/{lens_contract.pk}/comites",
            {"held_on": "2025-06-01", "attendees": ["X"]},
        ),
        (f"/api/contrats/{lens_contract.pk}/enjeux", {"title": "X", "pact_ids": [pact.pk]}),
        (
            "/api/ingenierie",
            {
                "partner_id": lens_contract.partner_id,
                "provider": "house",
                "subject": "X",
                "requested_on": "2024-01-15",
            },
        ),
    ]:
        response = client.post(url, payload, content_type="application/json", **headers)
        assert response.status_code == 403, url
    assert not lens_contract.committees.exists() and lens_contract.stakes.count() == 1
    assert not EngineeringRequest.objects.exists()


def test_api_unknown_and_huge_ids_are_clear_refusals(
    client, bearer, generation, other_generation, users
):
    headers = bearer("agent")
    contract = services.contract_create(
        actor=users["test-agent"], generation=generation, partner=Partner.objects.get(siren=LENS)
    )
    for url in [
        "/api/partenaires/{pk}",
        "/api/contrats/{pk}",
        "/api/comites/{pk}",
        "/api/assises/{pk}",
    ]:
        for pk in [999999999, HUGE, -1]:
            assert client.get(url.format(pk=pk), **headers).status_code == 404, (url, pk)
    for pk in [999999999, HUGE]:
        for url, payload in [
            ("/api/contrats", {"partner_id": pk}),
            (f"/api/contrats/{pk}/enjeux", {"title": "X", "pact_ids": [1]}),
            (f"/api/contrats/{pk}/comites", {"held_on": "2025-06-01", "attendees": ["X"]}),
            (f"/api/contrats/{pk}/etapes/agree", {}),
            (
                "/api/ingenierie",
                {
                    "partner_id": pk,
                    "provider": "house",
                    "subject": "X",
                    "requested_on": "2024-01-15",
                },
            ),
        ]:
            response = client.post(url, payload, content_type="application/json", **headers)
            assert response.status_code == 404, (url, pk, response.content)
    pact = generation.pacts.first()
    other_pact = other_generation.pacts.first()
    orientation = generation.orientations.first()
    other_orientation = other_generation.orientations.first()
    for pact_ids, orientation_ids in [
        ([pact.pk, HUGE], []),
        ([pact.pk, 999999999], []),
        ([other_pact.pk], []),
        ([pact.pk], [other_orientation.pk]),
        ([pact.pk], [orientation.pk, HUGE]),
    ]:
        response = client.post(
            f"/api/contrats/{contract.pk}/enjeux",
            {"title": "X", "pact_ids": pact_ids, "orientation_ids": orientation_ids},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 422, (pact_ids, orientation_ids)
        assert "inconnu" in response.json()["detail"]
    assert not contract.stakes.exists()
    response = client.post(
        f"/api/contrats/{contract.pk}/etapes/envoler",
        {},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 404
    assert contract.events.count() == 0


def test_api_refuses_a_role_that_may_not_write_and_finds_no_unknown_id(
    client, bearer, lens_contract
):
    """The services refuse a role that may never write (403, in French); an id that does not
    exist is not found (404), whoever asks: nothing is written either way."""
    tokens = {role: bearer(role) for role in ["assembly", "finance", "elected", "partner"]}
    before = audit_count()  # a token's creation is audited: count after
    for role, headers in tokens.items():
        for contract_id, status in [(lens_contract.pk, 403), (987654321098, 404)]:
            for url, payload in [
                (f"/api/contrats/{contract_id}/enjeux", {"title": "X", "pact_ids": [1]}),
                (
                    f"/api/contrats/{contract_id}/comites",
                    {"held_on": "2025-06-01", "attendees": ["X"]},
                ),
                (f"/api/contrats/{contract_id}/etapes/agree", {}),
            ]:
                response = client.post(url, payload, content_type="application/json", **headers)
                assert response.status_code == status, (role, url, response.content)
                if status == 403:
                    assert response.json()["detail"].startswith("Votre rôle ne permet pas")
    assert audit_count() == before


def test_api_engineering_request_defaults_to_the_partners_own_organisation(client, bearer, users):
    payload = {"provider": "house", "subject": "Étude", "requested_on": "2024-01-15"}
    response = client.post(
        "/api/ingenierie", payload, content_type="application/json", **bearer("partner")
    )
    assert response.status_code == 201
    assert response.json()["partner_id"] == users["test-partner"].partner_id
    response = client.post(
        "/api/ingenierie", payload, content_type="application/json", **bearer("agent")
    )
    assert response.status_code == 422 and "partner_id" in response.json()["detail"]
    assert EngineeringRequest.objects.count() == 1
