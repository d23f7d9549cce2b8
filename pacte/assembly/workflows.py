"""The publicity of a deliberation, declared as two workflows with their history rows
(DeliberationEvent): its publication online (docs/regles.md, A12) and its transmission to the
préfet then the acknowledgement (A11, A13). An act is enforceable once both are done; neither
is undone nor done twice, and none is dated before the sitting that adopted the act or after
today. The one way back: an anomaly the préfecture reports (AnomalieActe) means the act was not
received; it is recorded as such, and the act, corrected, is sent again from there."""

from django.utils import timezone

from pacte.core.french import format_date
from pacte.core.policy import RUN_SITTINGS
from pacte.core.workflow import Transition, Workflow

from .models import Deliberation

P = Deliberation.Publication
T = Deliberation.Transmission


def _dated(label: str, field: str):
    """A check that `field` holds a date between the sitting and today."""

    def check(deliberation: Deliberation) -> str:
        day = getattr(deliberation, field)
        if day is None:
            return f"Indiquez la date : {label}."
        today = timezone.localdate()
        held_on = deliberation.report.sitting.held_on
        if day > today:
            return (
                f"{label[:1].upper()}{label[1:]} le {format_date(day)} : cette date est à venir "
                f"(nous sommes le {format_date(today)}). Enregistrez-la le jour venu."
            )
        if day < held_on:
            return (
                f"{label[:1].upper()}{label[1:]} le {format_date(day)} : c'est avant la séance "
                f"du {format_date(held_on)} qui a adopté l'acte."
            )
        return ""

    return check


def _anomaly_after_sending(deliberation: Deliberation) -> str:
    sent, reported = deliberation.transmitted_on, deliberation.anomaly_on
    if sent and reported and reported < sent:
        return (
            f"L'anomalie du {format_date(reported)} précède la transmission du "
            f"{format_date(sent)} : elle porte sur un autre envoi."
        )
    return ""


def _acknowledged_after_sending(deliberation: Deliberation) -> str:
    sent, received = deliberation.transmitted_on, deliberation.acknowledged_on
    if sent and received and received < sent:
        return (
            f"L'accusé de réception du {format_date(received)} précède la transmission du "
            f"{format_date(sent)} : vérifiez les dates."
        )
    return ""


PUBLICATION_WORKFLOW = Workflow(
    kind="deliberation",
    state_field="publication_state",
    states=P,
    history_model="assembly.DeliberationEvent",
    history_fk="deliberation",
    transitions=[
        Transition(
            "publish",
            "Mettre en ligne la délibération",
            frozenset({P.UNPUBLISHED}),
            P.PUBLISHED,
            RUN_SITTINGS,
            checks=(_dated("mise en ligne", "published_on"),),
        ),
    ],
)

TRANSMISSION_WORKFLOW = Workflow(
    kind="deliberation",
    state_field="transmission_state",
    states=T,
    history_model="assembly.DeliberationEvent",
    history_fk="deliberation",
    transitions=[
        Transition(
            "transmit",
            "Enregistrer la transmission au préfet",
            # Sent again once corrected, after an anomaly.
            frozenset({T.NOT_SENT, T.ANOMALY}),
            T.SENT,
            RUN_SITTINGS,
            checks=(_dated("transmission au préfet", "transmitted_on"),),
        ),
        Transition(
            "acknowledge",
            "Enregistrer l'accusé de réception du préfet",
            frozenset({T.SENT}),
            T.ACKNOWLEDGED,
            RUN_SITTINGS,
            checks=(
                _dated("accusé de réception du préfet", "acknowledged_on"),
                _acknowledged_after_sending,
            ),
        ),
        Transition(
            "report_anomaly",
            "Enregistrer l'anomalie signalée par la préfecture",
            frozenset({T.SENT}),
            T.ANOMALY,
            RUN_SITTINGS,
            checks=(
                _dated("anomalie signalée par la préfecture", "anomaly_on"),
                _anomaly_after_sending,
            ),
        ),
    ],
)

PUBLISH = PUBLICATION_WORKFLOW.name("publish")
TRANSMIT = TRANSMISSION_WORKFLOW.name("transmit")
ACKNOWLEDGE = TRANSMISSION_WORKFLOW.name("acknowledge")
REPORT_ANOMALY = TRANSMISSION_WORKFLOW.name("report_anomaly")

# How the act's page names each step of its publicity, in its history.
STEP_NAMES = {
    PUBLISH: "mise en ligne",
    TRANSMIT: "transmission au préfet",
    ACKNOWLEDGE: "accusé de réception du préfet",
    REPORT_ANOMALY: "anomalie signalée par la préfecture",
}
