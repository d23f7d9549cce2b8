"""What waits for the demo's partners today, as the agent leaves it to them: a request for
information on an operation of `partenaire` under review, and the reciprocal commitments that
go with the subsidies of `partenaire` and `partenaire2` — to declare for the first, one already
declared by the second and waiting for the agent's check. Each partner's « À traiter » then has
each kind of everyday work to show, and the steering committee's action (« déclarer la
réalisation des engagements réciproques de l'année ») something to act upon."""

from decimal import Decimal

from pacte.core.models import User
from pacte.operations import services
from pacte.operations.models import Operation, ReciprocalCommitment

C = ReciprocalCommitment.Kind


def _operation(partner_user: User, states: set[str]) -> Operation | None:
    return (
        Operation.objects.filter(
            contract__partner=partner_user.partner, state__in=states, is_demo=True
        )
        .order_by("pk")
        .first()
    )


def _inscribe(agent: User, operation: Operation) -> list[ReciprocalCommitment]:
    return [
        services.commitment_add(
            actor=agent,
            contract=operation.contract,
            operation=operation,
            kind=C.INSERTION,
            description="Heures d'insertion réservées aux demandeurs d'emploi du territoire",
            target=Decimal("350"),
            unit="heures",
        ),
        services.commitment_add(
            actor=agent,
            contract=operation.contract,
            operation=operation,
            kind=C.COMMUNICATION,
            description="Panneau de chantier et plaque mentionnant le soutien du Département",
        ),
    ]


def seed_partner_work() -> None:
    if ReciprocalCommitment.objects.exists():
        return
    agent = User.objects.get(username="agent")
    first, second = (User.objects.get(username=u) for u in ("partenaire", "partenaire2"))
    asked = _operation(first, {Operation.State.IN_REVIEW})
    if asked is not None:
        services.operation_request_changes(
            actor=agent,
            operation=asked,
            reason="Merci de joindre la notification de la subvention régionale et de préciser "
            "qui assurera l'entretien des sentiers après les travaux.",
        )
    signed = _operation(first, set(Operation.SIGNED_STATES))
    if signed is not None:
        _inscribe(agent, signed)
    started = _operation(second, set(Operation.SIGNED_STATES))
    if started is not None:
        insertion, _ = _inscribe(agent, started)
        services.commitment_report(
            actor=second,
            commitment=insertion,
            achieved=Decimal("120"),
            report="120 heures réalisées par deux demandeurs d'emploi du quartier, sur le lot "
            "gros œuvre ; le reste est prévu au second semestre.",
        )
