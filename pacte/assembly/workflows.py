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

from .models import Deliberation, MinutesState, Sitting
from .selectors import next_sitting

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


# --- A9: a sitting's minutes ------------------------------------------------------------------

M = MinutesState


def _adopted_at_a_following_sitting(sitting: Sitting) -> str:
    adopting = sitting.minutes_adopted_at
    if adopting is None:
        return "Indiquez la séance qui arrête le procès-verbal."
    if sitting.closed_at is None:
        return "La séance n'est pas close : son procès-verbal s'arrête une fois la séance levée."
    if adopting.body != sitting.body or adopting.held_on <= sitting.held_on:
        return (
            f"Le procès-verbal de la séance du {format_date(sitting.held_on)} s'arrête à une "
            f"séance suivante de la même instance ({sitting.get_body_display().lower()}), pas à "
            f"celle du {format_date(adopting.held_on)}."
        )
    if adopting.held_on > timezone.localdate():
        return (
            f"La séance du {format_date(adopting.held_on)} n'a pas encore eu lieu : le "
            "procès-verbal s'y arrêtera."
        )
    following = next_sitting(sitting)
    if following is not None and following.pk != adopting.pk:
        return (
            f"Le procès-verbal s'arrête au commencement de la séance suivante (CGCT L3121-13), "
            f"celle du {format_date(following.held_on)}, pas à celle du "
            f"{format_date(adopting.held_on)}."
        )
    if adopting.opened_at is None or not adopting.attendances.filter(status="present").exists():
        return (
            f"La séance du {format_date(adopting.held_on)} n'est pas ouverte (heure d'ouverture "
            "et présences non relevées) : le procès-verbal s'arrête à son commencement."
        )
    return ""


def _minutes_dated(label: str, field: str, after: str):
    def check(sitting: Sitting) -> str:
        day = getattr(sitting, field)
        if day is None:
            return f"Indiquez la date : {label}."
        if day > timezone.localdate():
            return f"{label[:1].upper()}{label[1:]} le {format_date(day)} : cette date est à venir."
        floor = (
            sitting.minutes_adopted_at.held_on
            if after == "adopted" and sitting.minutes_adopted_at
            else sitting.minutes_signed_on
        )
        if floor and day < floor:
            what = "la séance qui l'a arrêté" if after == "adopted" else "sa signature"
            return (
                f"{label[:1].upper()}{label[1:]} le {format_date(day)} : c'est avant {what} "
                f"({format_date(floor)})."
            )
        return ""

    return check


MINUTES_WORKFLOW = Workflow(
    kind="sitting",
    state_field="minutes_state",
    states=M,
    history_model="assembly.SittingEvent",
    history_fk="sitting",
    transitions=[
        Transition(
            "adopt_minutes",
            "Arrêter le procès-verbal à une séance suivante",
            frozenset({M.DRAFT}),
            M.ADOPTED,
            RUN_SITTINGS,
            checks=(_adopted_at_a_following_sitting,),
        ),
        Transition(
            "sign_minutes",
            "Enregistrer la signature du procès-verbal",
            frozenset({M.ADOPTED}),
            M.SIGNED,
            RUN_SITTINGS,
            checks=(_minutes_dated("signature du procès-verbal", "minutes_signed_on", "adopted"),),
        ),
        Transition(
            "publish_minutes",
            "Publier le procès-verbal",
            frozenset({M.SIGNED}),
            M.PUBLISHED,
            RUN_SITTINGS,
            checks=(
                _minutes_dated("publication du procès-verbal", "minutes_published_on", "signed"),
            ),
        ),
    ],
)

ADOPT_MINUTES = MINUTES_WORKFLOW.name("adopt_minutes")
SIGN_MINUTES = MINUTES_WORKFLOW.name("sign_minutes")
PUBLISH_MINUTES = MINUTES_WORKFLOW.name("publish_minutes")
# A9: the minutes are published within the week that follows the sitting that adopted them.
MINUTES_PUBLICATION_DAYS = 7
