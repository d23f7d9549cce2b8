"""The assembly's documents stored as versioned, hashed PDF documents: the deliberation and
its report at adoption, the copy put online at publication."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from pacte.core import policy
from pacte.core.dates import local_datetime
from pacte.core.models import User
from pacte.documents.models import Document
from pacte.documents.rendering import render_pdf
from pacte.documents.services import document_store

from ..models import Deliberation
from .deliberation import deliberation_data, publication_stamp
from .report import report_data
from .text import DELIBERATION_TEMPLATE, REPORT_TEMPLATE

NOON = datetime.time(12)


def act_datetime(deliberation: Deliberation) -> datetime.datetime:
    """When the act was made: its sitting's day, at the time its report was taken up (or the
    sitting opened; noon when neither is known, so that the day stays the same in the UTC
    time PDF metadata use). The date of its PDFs, whenever they are generated."""
    report = deliberation.report
    sitting = report.sitting
    return local_datetime(sitting.held_on, report.opened_at or sitting.opened_at or NOON)


@transaction.atomic
def deliberation_documents_generate(
    *, actor: User | None, deliberation: Deliberation
) -> tuple[Document, Document]:
    """Store the deliberation and its report as PDF documents and link them to it (on the
    instance given too). Run by the adoption, inside its transaction."""
    # Part of the adoption: the vote makes the act.
    policy.require(actor, "report", "proceed", deliberation.report)
    if Deliberation.objects.filter(pk=deliberation.pk, document__isnull=False).exists():
        raise ValidationError(
            f"La délibération n°{deliberation.number} a son texte adopté : il ne change plus."
        )
    stored = {}
    for kind, template, data in [
        (Document.Kind.DELIBERATION, DELIBERATION_TEMPLATE, deliberation_data(deliberation)),
        (Document.Kind.REPORT, REPORT_TEMPLATE, report_data(deliberation.report)),
    ]:
        data["reference"] = deliberation.number
        stored[kind] = document_store(
            actor=actor,
            operation=None,
            kind=kind,
            template=template,
            data=data,
            content=render_pdf(template, data, dated=act_datetime(deliberation)),
        )
    deliberation.document = stored[Document.Kind.DELIBERATION]
    deliberation.report_document = stored[Document.Kind.REPORT]
    deliberation.save(update_fields=["document", "report_document"])
    return deliberation.document, deliberation.report_document


@transaction.atomic
def published_document_generate(*, actor: User | None, deliberation: Deliberation) -> Document:
    """Store the copy put online: the adopted deliberation's data and template, with the
    publication stamp (the date put online, the adopted PDF's hash, the act's author)."""
    policy.require(actor, "deliberation", "publish", deliberation)
    if not deliberation.published_on:
        raise ValidationError("La délibération n'est pas encore mise en ligne.")
    adopted = deliberation.document
    if adopted is None:
        raise ValidationError("La délibération adoptée n'a pas encore son PDF.")
    data = dict(adopted.data)
    data["stamp"] = publication_stamp(deliberation, adopted.sha256)
    document = document_store(
        actor=actor,
        operation=None,
        kind=Document.Kind.PUBLISHED_DELIBERATION,
        template=DELIBERATION_TEMPLATE,
        data=data,
        content=render_pdf(
            DELIBERATION_TEMPLATE, data, dated=local_datetime(deliberation.published_on, NOON)
        ),
    )
    deliberation.published_document = document
    deliberation.save(update_fields=["published_document"])
    return document
