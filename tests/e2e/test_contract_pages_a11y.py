"""axe-core finds no WCAG 2.1 A or AA violation on the pages of the contracts domain.

The pages' data is made once for the module by the project's services, on partners that no other
browser test touches: the CC du Ternois (a contract in drafting), the CA du Pays de Saint-Omer (a
signed contract with two steering committees and engineering requests, and a partner user) and
the Audomarois (an assise with a raised stake).
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e

TERNOIS_SIREN = "200069672"  # Communauté de communes du Ternois
SAINT_OMER_SIREN = "200069037"  # Communauté d'agglomération du Pays de Saint-Omer
SAINT_OMER = "Communauté d'agglomération du Pays de Saint-Omer"
AUDOMAROIS = "Audomarois"
SAINT_OMER_USER = "e2e-saint-omer"


@dataclass(frozen=True)
class PagesData:
    generation: int
    drafting_contract: int
    signed_contract: int
    committee: int
    forum: int
    engineering_request: int
    saint_omer: int


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker) -> PagesData:
    from pacte.contracts import services
    from pacte.contracts.models import EngineeringRequest, Generation, Partner
    from pacte.core.models import User
    from pacte.core.roles import Role
    from pacte.territory.models import Territory
    from tests.factories import UserFactory

    with django_db_blocker.unblock():
        agent = User.objects.get(username="test-agent")
        generation = Generation.objects.get(framework_deliberation_number="2022-317")
        pacts = list(generation.pacts.all())
        orientations = list(generation.orientations.all())
        ternois = Partner.objects.get(siren=TERNOIS_SIREN)
        saint_omer = Partner.objects.get(siren=SAINT_OMER_SIREN)

        drafting = services.contract_create(actor=agent, generation=generation, partner=ternois)
        services.stake_add(
            actor=agent,
            contract=drafting,
            title="Rapprocher les services publics des habitants",
            pacts=pacts[:1],
            orientations=orientations[2:],
        )

        # The assise of the Audomarois, with the territory's partners invited.
        territory = Territory.objects.get(name=AUDOMAROIS)
        forum = services.forum_create(
            actor=agent,
            generation=generation,
            territory=territory,
            held_on=datetime.date(2022, 10, 12),
            place="Maison du Département Solidarité de l'Audomarois",
            partners=Partner.objects.filter(territory=territory),
        )
        services.forum_record_attendance(actor=agent, forum=forum, attended={saint_omer.pk: True})
        services.raised_stake_add(
            actor=agent,
            forum=forum,
            partner=saint_omer,
            title="Développer le tourisme de nature dans le marais audomarois",
            pacts=pacts[:1],
            orientations=orientations[1:2],
        )

        signed = services.contract_create(actor=agent, generation=generation, partner=saint_omer)
        for title, stake_pacts in [
            ("Développer le tourisme de nature dans le marais audomarois", pacts[:1]),
            ("Favoriser l'inclusion numérique", pacts[1:]),
        ]:
            services.stake_add(actor=agent, contract=signed, title=title, pacts=stake_pacts)
        services.contract_agree(actor=agent, contract=signed)
        services.contract_vote(
            actor=agent,
            contract=signed,
            deliberation_number="2023-131",
            vote_date=datetime.date(2023, 3, 27),
        )
        services.contract_sign(
            actor=agent,
            contract=signed,
            partner_signed_on=datetime.date(2023, 4, 20),
            department_signed_on=datetime.date(2023, 4, 28),
        )
        for year, actions in [
            (2024, [("Transmettre le plan de financement actualisé", "Partenaire")]),
            (2025, [("Préparer les opérations à présenter en 2026", "Partenaire")]),
        ]:
            committee = services.committee_hold(
                actor=agent,
                contract=signed,
                held_on=datetime.date(year, 6, 12),
                attendees="Le président du partenaire\nLe chargé de territoire",
                place="Siège du partenaire",
                decisions="Point d'étape annuel.",
                actions=[
                    {"description": d, "owner": o, "due_on": datetime.date(year, 12, 31)}
                    for d, o in actions
                ],
            )

        request = services.engineering_request_create(
            actor=agent,
            partner=saint_omer,
            contract=signed,
            provider=EngineeringRequest.Provider.INGENIERIE62,
            subject="Étude de faisabilité d'une passerelle cyclable",
            description="Une étude juridique et technique avant le dépôt de l'opération.",
            requested_on=datetime.date(2024, 2, 5),
        )
        services.engineering_request_create(
            actor=agent,
            partner=saint_omer,
            contract=signed,
            provider=EngineeringRequest.Provider.HOUSE,
            subject="Accompagnement du montage d'un tiers-lieu",
            requested_on=datetime.date(2024, 3, 11),
        )
        services.engineering_request_move(actor=agent, request=request, transition="start")

        UserFactory(username=SAINT_OMER_USER, role=Role.PARTNER, partner=saint_omer)
        return PagesData(
            generation=generation.pk,
            drafting_contract=drafting.pk,
            signed_contract=signed.pk,
            committee=committee.pk,  # the 2025 one, with the 2024 action still open
            forum=forum.pk,
            engineering_request=request.pk,
            saint_omer=saint_omer.pk,
        )


# (test id, URL, the first-level heading that shows the page is the expected one), as an agent.
AGENT_PAGES = [
    ("contract-list", "/contrats/", "Contrats"),
    ("contract-create", "/contrats/nouveau/", "Nouveau contrat"),
    (
        "contract-drafting",
        "/contrats/{data.drafting_contract}/",
        "Contrat 2023-2026 — Communauté de communes du Ternois",
    ),
    ("contract-signed", "/contrats/{data.signed_contract}/", f"Contrat 2023-2026 — {SAINT_OMER}"),
    (
        "committee-form",
        "/contrats/{data.signed_contract}/comites/nouveau/",
        f"Comité de pilotage — {SAINT_OMER}",
    ),
    (
        "committee-detail",
        "/comites/{data.committee}/",
        f"Comité de pilotage 2025 — {SAINT_OMER}",
    ),
    ("forum-list", "/assises/", "Assises territoriales"),
    ("forum-detail", "/assises/{data.forum}/", f"Assise territoriale — {AUDOMAROIS}"),
    ("engineering-list", "/ingenierie/", "Demandes d'ingénierie"),
    ("engineering-form", "/ingenierie/nouvelle/", "Nouvelle demande d'ingénierie"),
    (
        "engineering-detail",
        "/ingenierie/{data.engineering_request}/",
        "Étude de faisabilité d'une passerelle cyclable",
    ),
    (
        "generation",
        "/generations/{data.generation}/",
        "Quatrième démarche de contractualisation 2023-2026",
    ),
]


@pytest.mark.parametrize(
    ("url", "heading"), [p[1:] for p in AGENT_PAGES], ids=[p[0] for p in AGENT_PAGES]
)
def test_contracts_page_has_no_axe_violation(page, login, data, url, heading):
    login("agent")
    response = page.goto(url.format(data=data))
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_no_axe_violations(page)


def test_stake_form_with_its_error_has_no_axe_violation(page, login, data):
    login("agent")
    page.goto(f"/contrats/{data.drafting_contract}/enjeux/ajouter/")
    page.get_by_role("button", name="Enregistrer").click()
    # Each error is shown next to its field and is the field's accessible description.
    title = page.get_by_label("Intitulé de l'enjeu")
    expect(page.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("Ce champ est obligatoire.")
    pacts = page.get_by_role("group", name="Pactes")
    expect(pacts.get_by_text("Rattachez l'enjeu à au moins un pacte.")).to_be_visible()
    expect(pacts).to_have_accessible_description("Rattachez l'enjeu à au moins un pacte.")
    assert_no_axe_violations(page)


def test_partner_own_page_has_no_axe_violation(page, data):
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(SAINT_OMER_USER)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=2, name="À traiter")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Mon organisation").click()
    expect(page).to_have_url(re.compile(rf"/partenaires/{data.saint_omer}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SAINT_OMER)
    expect(page.get_by_role("link", name="Comité de pilotage 2025")).to_be_visible()
    expect(
        page.get_by_role("link", name="Étude de faisabilité d'une passerelle cyclable")
    ).to_be_visible()
    assert_no_axe_violations(page)
