"""The demo's instruction tools, used today by its agents: a private annotation, a file followed,
an opinion asked of a colleague and awaited, another given and not read yet (each agent's « À
traiter » and notifications then have something true to show)."""

import datetime

from django.utils import timezone

from pacte.core.models import User
from pacte.operations import services
from pacte.operations.models import Operation, OpinionRequest


def seed_instruction() -> None:
    agent = User.objects.get(username="agent")
    colleague = User.objects.get(username="signataire")
    if OpinionRequest.objects.filter(requested_by=agent).exists():
        return
    files = list(
        Operation.objects.filter(state=Operation.State.IN_REVIEW, is_demo=True)
        .select_related("contract__partner__territory")
        .order_by("submitted_at", "pk")[:3]
    )
    if len(files) < 3:
        return
    annotated, awaited, answered = files
    services.annotation_add(
        actor=agent,
        operation=annotated,
        text="Le maire a évoqué en réunion un décalage du chantier au printemps : à confirmer "
        "avec le plan de financement actualisé avant d'écrire la fiche.",
    )
    services.operation_follow(actor=agent, operation=annotated)
    today = timezone.localdate()
    services.opinion_request(
        actor=agent,
        operation=awaited,
        addressee=colleague,
        question="Le projet est-il compatible avec le schéma départemental des équipements "
        "sportifs ? Un avis sur son dimensionnement serait utile avant la fiche.",
        due_on=today + datetime.timedelta(days=8),
        service=OpinionRequest.Service.SPORT,
    )
    house = answered.contract.partner.territory
    opinion = services.opinion_request(
        actor=agent,
        operation=answered,
        addressee=colleague,
        question="La Maison du Département connaît-elle ce porteur de projet et les besoins "
        "des habitants auxquels il répond ?",
        due_on=today + datetime.timedelta(days=15),
        service="" if house and house.house_name else OpinionRequest.Service.OTHER,
        house=house if house and house.house_name else None,
    )
    services.opinion_answer(
        actor=colleague,
        opinion=opinion,
        verdict=OpinionRequest.Verdict.FAVOURABLE,
        answer="Porteur connu et fiable ; le besoin est confirmé par les partenaires sociaux du "
        "territoire.",
    )
