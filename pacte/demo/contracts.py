"""Demo data of the contracts domain.

Facts from deliberation 2022-317 (the generation, its calendar, its pacts and orientations, the
previous generation voted on 12/11/2018) are entered as such. Everything else — contracts'
contents, stakes, assises' places, committees — is plausible demo data, marked `is_demo`.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from stdnum.fr import siren as stdnum_siren

from pacte.contracts import services
from pacte.contracts.models import Contract, Generation, Orientation, Pact, Partner
from pacte.core import french
from pacte.core.models import User
from pacte.core.roles import Role
from pacte.territory.models import Commune, Territory

CURRENT = "Quatrième démarche de contractualisation 2023-2026"
PREVIOUS = "Troisième démarche de contractualisation 2019-2022"

PACTS = [
    (
        "Pacte des solidarités territoriales",
        "Accompagner un développement équilibré de tous les territoires du Pas-de-Calais : "
        "services au public, attractivité, aménagement et mobilités du quotidien.",
    ),
    (
        "Pacte des réussites citoyennes",
        "Favoriser la réussite de chacun par l'éducation, la culture, le sport, la citoyenneté "
        "et l'engagement associatif.",
    ),
    (
        "Pacte des solidarités humaines",
        "Protéger et accompagner les plus fragiles : enfance, personnes âgées, handicap, "
        "insertion et accès aux droits.",
    ),
]
ORIENTATIONS = [
    ("S'engager pour la jeunesse", "Orientation transversale du mandat départemental."),
    ("Agir pour l'environnement", "Orientation transversale du mandat départemental."),
    (
        "Produire du lien social entre les habitants",
        "Orientation transversale du mandat départemental.",
    ),
]

# Communes with centrality functions (INSEE code, reason) — the reasons are demo text.
CENTRAL_COMMUNES = [
    ("62041", "Chef-lieu du département, pôle administratif, culturel et universitaire."),
    ("62193", "Ville portuaire, pôle d'emploi et de services du Calaisis."),
    ("62160", "Sous-préfecture, pôle hospitalier et culturel du Boulonnais."),
    ("62765", "Sous-préfecture, centre de services et d'équipements de l'Audomarois."),
    ("62119", "Sous-préfecture, pôle commercial et de santé de l'Artois."),
    ("62767", "Pôle de services et d'équipements du Ternois rural."),
]
THIRD_PARTIES = [
    ("Association Tiers-lieux en Artois", Partner.Kind.ASSOCIATION, "W623004512", "62119"),
    (
        "Association Sentiers et Randonnées de la Côte d'Opale",
        Partner.Kind.ASSOCIATION,
        "W622001873",
        "62160",
    ),
    (
        "Syndicat mixte des Mobilités douces de l'Arrageois",
        Partner.Kind.JOINT_SYNDICATE,
        "",
        "62041",
    ),
    (
        "Syndicat mixte du Bassin minier pour le patrimoine",
        Partner.Kind.JOINT_SYNDICATE,
        "",
        "62498",
    ),
]

STAKE_IDEAS = [
    ("Conforter les centres-bourgs et leurs services", [0], [2]),
    ("Développer les mobilités douces et les liaisons cyclables", [0], [1]),
    ("Valoriser le patrimoine et les lieux de mémoire", [0, 1], [2]),
    ("Offrir aux jeunes des lieux de pratique culturelle et sportive", [1], [0]),
    ("Rapprocher les services publics des habitants", [0, 2], [2]),
    ("Lutter contre la précarité alimentaire", [2], [2]),
    ("Préserver la ressource en eau et la biodiversité", [0], [1]),
    ("Accompagner l'insertion professionnelle des publics fragiles", [2], [0]),
    ("Développer le tourisme de nature", [0], [1]),
    ("Favoriser l'inclusion numérique", [1, 2], [0, 2]),
]


def siren_for_commune(insee: str) -> str:
    """Communes' SIREN: 21, the département, 0, the commune's number, Luhn key."""
    base = f"21{insee[:2]}0{insee[2:]}"
    return next(base + str(k) for k in range(10) if stdnum_siren.is_valid(base + str(k)))


def fictitious_siren(seed: int) -> str:
    base = f"8{seed:07d}"
    return next(base + str(k) for k in range(10) if stdnum_siren.is_valid(base + str(k)))


@transaction.atomic
def seed_generations() -> Generation:
    previous, _ = Generation.objects.get_or_create(
        name=PREVIOUS,
        defaults=dict(
            period_start=datetime.date(2019, 1, 1),
            period_end=datetime.date(2022, 12, 31),
            framework_deliberation_number="2018-514",
            framework_deliberation_date=datetime.date(2018, 11, 12),
            fund_name="Fonds d'Innovation Territorial",
            is_history=True,
            fund_description="« Contractualiser pour mieux appréhender et partager les enjeux "
            "de développement et d'aménagement ».",
        ),
    )
    current, _ = Generation.objects.get_or_create(
        name=CURRENT,
        defaults=dict(
            period_start=datetime.date(2023, 1, 1),
            period_end=datetime.date(2026, 12, 31),
            framework_deliberation_number="2022-317",
            framework_deliberation_date=datetime.date(2022, 9, 26),
            forum_start=datetime.date(2022, 10, 7),
            forum_end=datetime.date(2022, 10, 20),
            first_contracts_vote=datetime.date(2023, 3, 1),
            fund_name="Fonds d'Innovation Territorial",
            fund_description="Enveloppe d'autorisation de programme soumise au vote du Budget "
            "Primitif 2023 pour les 4 prochaines années.",
            previous=previous,
        ),
    )
    for position, (name, ambition) in enumerate(PACTS, start=1):
        Pact.objects.get_or_create(
            generation=current,
            name=name,
            defaults={"ambition": ambition, "ambition_is_demo": True, "position": position},
        )
    for position, (name, description) in enumerate(ORIENTATIONS, start=1):
        Orientation.objects.get_or_create(
            generation=current,
            name=name,
            defaults={"description": description, "position": position},
        )
    return current


@transaction.atomic
def seed_partners() -> None:
    for insee, reason in CENTRAL_COMMUNES:
        commune = Commune.objects.select_related("epci__territory").get(insee_code=insee)
        if not Partner.objects.filter(commune=commune, kind=Partner.Kind.COMMUNE).exists():
            services.partner_create(
                actor=None,
                name=f"Ville {french.of(commune.name)}",
                kind=Partner.Kind.COMMUNE,
                siren=siren_for_commune(insee),
                commune=commune,
                territory=commune.epci.territory if commune.epci else None,
                centrality_reason=reason,
                is_demo=True,
            )
    for index, (name, kind, rna, insee) in enumerate(THIRD_PARTIES, start=1):
        if Partner.objects.filter(name=name).exists():
            continue
        commune = Commune.objects.select_related("epci__territory").get(insee_code=insee)
        services.partner_create(
            actor=None,
            name=name,
            kind=kind,
            rna=rna,
            siren="" if rna else fictitious_siren(index),
            commune=commune,
            territory=commune.epci.territory if commune.epci else None,
            is_demo=True,
        )


def _agent():
    return User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").first()


@transaction.atomic
def seed_contracts(generation: Generation) -> None:
    """Assises in every territory, then contracts through every state."""
    if generation.contracts.exists():
        return
    rng = random.Random(62)
    agent = _agent()
    pacts = list(generation.pacts.all())
    orientations = list(generation.orientations.all())
    territories = list(Territory.objects.order_by("name"))
    span = (generation.forum_end - generation.forum_start).days + 1
    weekdays = [
        generation.forum_start + datetime.timedelta(days=d)
        for d in range(span)
        if (generation.forum_start + datetime.timedelta(days=d)).weekday() < 5
    ]
    for index, territory in enumerate(territories):
        partners = list(Partner.objects.filter(territory=territory).order_by("name"))
        forum = services.forum_create(
            actor=agent,
            generation=generation,
            territory=territory,
            held_on=weekdays[index * len(weekdays) // len(territories)],
            place=f"{territory.house_name or territory.name}",
            partners=partners,
            is_demo=True,
        )
        services.forum_record_attendance(
            actor=agent, forum=forum, attended={p.pk: rng.random() < 0.9 for p in partners}
        )
        for partner in partners:
            for title, pact_idx, orientation_idx in rng.sample(STAKE_IDEAS, 3):
                services.raised_stake_add(
                    actor=agent,
                    forum=forum,
                    partner=partner,
                    title=title,
                    pacts=[pacts[i] for i in pact_idx],
                    orientations=[orientations[i] for i in orientation_idx],
                )
        services.forum_stakes_to_contracts(actor=agent, forum=forum)

    contracts = list(generation.contracts.select_related("partner").order_by("partner__name"))
    plan = ["signed"] * 20 + ["voted"] * 4 + ["agreed"] * 3 + ["drafting"] * 3
    rng.shuffle(plan)
    for number, (contract, target) in enumerate(zip(contracts, plan, strict=False), start=1):
        _advance(contract, target, agent, number, rng)


@transaction.atomic
def seed_committees(generation: Generation) -> None:
    """The steering committees of eight signed contracts, once their operations, votes and
    payments are in: each committee's pack records the contract as it stood on its day."""
    rng = random.Random(63)
    agent = _agent()
    for contract in generation.contracts.filter(state=Contract.State.SIGNED)[:8]:
        _committees(contract, agent, rng)


def _advance(contract, target, agent, number, rng):
    order = ["drafting", "agreed", "voted", "signed"]
    if order.index(target) >= 1:
        services.contract_update(
            actor=agent,
            contract=contract,
            implementation_terms="Les opérations sont soumises au fil de l'eau et instruites "
            "avec la Maison du Département ; chaque opération fait l'objet d'une fiche "
            "détaillée et d'une convention.",
            monitoring_terms="Un comité de pilotage annuel réunit le partenaire et le "
            "Département pour un point d'étape sur l'avancée des projets.",
            engineering_ingenierie62=True,
            engineering_house=True,
        )
        services.contract_agree(actor=agent, contract=contract)
    if order.index(target) >= 2:
        vote_date = datetime.date(2023, 3, 27) if number % 3 else datetime.date(2023, 6, 5)
        services.contract_vote(
            actor=agent,
            contract=contract,
            deliberation_number=f"2023-{100 + number:03d}",
            vote_date=vote_date,
        )
    if order.index(target) >= 3:
        signed = contract.vote_date + datetime.timedelta(days=rng.randint(20, 60))
        services.contract_sign(
            actor=agent,
            contract=contract,
            partner_signed_on=signed,
            department_signed_on=signed + datetime.timedelta(days=rng.randint(1, 10)),
        )


def _committees(contract, agent, rng):
    first = services.committee_hold(
        actor=agent,
        contract=contract,
        held_on=datetime.date(2024, 6, rng.randint(3, 28)),
        attendees="Le président du partenaire\nLe conseiller départemental du canton\n"
        "La cheffe de la Maison du Département\nLe chargé de territoire",
        place="Siège du partenaire",
        decisions="Les opérations engagées avancent selon le calendrier prévu.",
        actions=[
            {
                "description": "Transmettre le plan de financement actualisé du projet phare",
                "owner": "Partenaire",
                "due_on": datetime.date(2024, 9, 30),
            },
            {
                "description": "Organiser une visite de chantier avec les élus",
                "owner": "Maison du Département",
                "due_on": datetime.date(2024, 11, 15),
            },
        ],
        is_demo=True,
    )
    services.committee_action_done(
        actor=agent,
        action=first.actions.order_by("due_on").first(),
        done_on=datetime.date(2024, 9, 20),
    )
    second = services.committee_hold(
        actor=agent,
        contract=contract,
        held_on=datetime.date(2025, 6, rng.randint(2, 27)),
        attendees="Le président du partenaire\nLe conseiller départemental du canton\n"
        "Le chargé de territoire",
        place="Maison du Département",
        decisions="Point d'étape annuel ; les actions ouvertes sont reconduites.",
        actions=[
            {
                "description": "Préparer les opérations à présenter en 2026",
                "owner": "Partenaire",
                "due_on": datetime.date(2025, 12, 31),
            }
        ],
        is_demo=True,
    )
    # The actions of past years were carried out; this year's committee, held a few months ago,
    # left one due in the coming weeks (the partner's « À traiter »).
    for action, done_on in (
        (first.actions.order_by("due_on").last(), datetime.date(2025, 4, 10)),
        (second.actions.get(), datetime.date(2025, 12, rng.randint(1, 19))),
    ):
        services.committee_action_done(actor=agent, action=action, done_on=done_on)
    today = timezone.localdate()
    held = min(
        datetime.date(today.year, 6, rng.randint(2, 27)), today - datetime.timedelta(days=45)
    )
    if held.year > second.held_on.year:
        services.committee_hold(
            actor=agent,
            contract=contract,
            held_on=held,
            attendees="Le président du partenaire\nLe conseiller départemental du canton\n"
            "Le chargé de territoire",
            place="Siège du partenaire",
            decisions="Point d'étape annuel : les engagements réciproques de l'année sont à "
            "déclarer avant la fin de l'année.",
            actions=[
                {
                    "description": "Déclarer la réalisation des engagements réciproques de l'année",
                    "owner": "Partenaire",
                    "due_on": today + datetime.timedelta(days=rng.randint(12, 28)),
                }
            ],
            is_demo=True,
        )
