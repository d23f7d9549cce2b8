"""A9: a sitting's minutes — adopted at a following sitting of the same body (their PDF is then
stored, and no longer changes), signed by the président and the secretary, and published
online within the week. Each step is a transition of the declared workflow, with its history
row."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from pacte.core import policy
from pacte.core.models import User
from pacte.documents.models import Document
from pacte.documents.rendering import render_pdf
from pacte.documents.services import document_store

from ..documents.minutes import minutes_data, minutes_datetime
from ..documents.text import MINUTES_TEMPLATE
from ..models import Sitting
from ..workflows import ADOPT_MINUTES, MINUTES_WORKFLOW, PUBLISH_MINUTES, SIGN_MINUTES


def minutes_reference(sitting: Sitting) -> str:
    prefix = "PV-CD" if sitting.body == Sitting.Body.COUNCIL else "PV-CP"
    return f"{prefix}-{sitting.held_on:%Y-%m-%d}"


@transaction.atomic
def minutes_adopt(*, actor: User | None, sitting: Sitting, at: Sitting) -> Sitting:
    """The minutes are adopted at the beginning of the sitting `at`: their PDF, generated
    from the record, is stored as adopted."""
    policy.require(actor, "sitting", ADOPT_MINUTES, sitting)
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if sitting.minutes_state != Sitting._meta.get_field("minutes_state").default:
        raise ValidationError("Le procès-verbal de cette séance est déjà arrêté.")
    sitting.minutes_adopted_at = at
    # The checks read the adopting sitting: run them before the PDF is made.
    refusal = MINUTES_WORKFLOW.transitions[ADOPT_MINUTES].checks[0](sitting)
    if refusal:
        raise ValidationError(refusal)
    data = minutes_data(sitting)
    data["reference"] = minutes_reference(sitting)
    document = document_store(
        actor=actor,
        operation=None,
        kind=Document.Kind.MINUTES,
        template=MINUTES_TEMPLATE,
        data=data,
        content=render_pdf(MINUTES_TEMPLATE, data, dated=minutes_datetime(sitting)),
    )
    MINUTES_WORKFLOW.apply(
        sitting, ADOPT_MINUTES, actor=actor, minutes_adopted_at=at, minutes_document=document
    )
    return sitting


def minutes_sign(*, actor: User | None, sitting: Sitting, on: datetime.date) -> Sitting:
    """The président and the secretary signed the adopted minutes on `on`."""
    MINUTES_WORKFLOW.apply(sitting, SIGN_MINUTES, actor=actor, minutes_signed_on=on)
    return sitting


def minutes_publish(*, actor: User | None, sitting: Sitting, on: datetime.date) -> Sitting:
    """Put online (the public list of minutes shows them from that day)."""
    MINUTES_WORKFLOW.apply(sitting, PUBLISH_MINUTES, actor=actor, minutes_published_on=on)
    return sitting
