"""Pages of an adopted act for the assembly service: publication, transmission, files."""

from django.http import Http404
from django.shortcuts import render

from pacte.core import files, policy

from .. import actes, forms, selectors, services
from ..workflows import ACKNOWLEDGE, STEP_NAMES, TRANSMIT, P, T
from .reports import post_form


@policy.page(get="deliberation.manage")
def deliberation_manage(request, pk: int):
    user = request.user
    deliberation = selectors.deliberation_get(user=user, pk=pk)
    step = (
        {T.NOT_SENT: TRANSMIT, T.SENT: ACKNOWLEDGE}.get(T(deliberation.transmission_state))
        if policy.allows(user, "deliberation", "transmit", deliberation)
        else None
    )
    return render(
        request,
        "assembly/deliberation_manage.html",
        {
            "deliberation": deliberation,
            "corrections": list(deliberation.corrections.all()),
            "publish_open": deliberation.publication_state == P.UNPUBLISHED
            and policy.allows(user, "deliberation", "publish", deliberation),
            # The next step of the transmission the page offers: the sending, then the receipt.
            "transmission_step": step,
            "sending": step == TRANSMIT,
            "events": [
                (event, STEP_NAMES.get(event.transition, event.transition))
                for event in selectors.deliberation_events(user=user, deliberation=deliberation)
            ],
            "can_correct": policy.allows(user, "report", "create"),
            "is_public": selectors.is_public(deliberation),
            "expected_actes_id": actes.expected_actes_identifier(deliberation),
            "publish_form": forms.PublishForm(auto_id="publication-%s"),
            "transmit_form": forms.TransmitForm(
                initial={"acknowledged_on": deliberation.acknowledged_on},
                auto_id="transmission-%s",
            ),
        },
    )


@policy.page(post="deliberation.publish")
def deliberation_publish(request, pk: int):
    deliberation = selectors.deliberation_get(user=request.user, pk=pk)
    return post_form(
        request,
        forms.PublishForm(request.POST),
        services.deliberation_publish,
        "La délibération est mise en ligne.",
        pk,
        to="deliberation_manage",
        deliberation=deliberation,
    )


@policy.page(post="deliberation.transmit")
def deliberation_transmit(request, pk: int):
    deliberation = selectors.deliberation_get(user=request.user, pk=pk)
    return post_form(
        request,
        forms.TransmitForm(request.POST),
        services.deliberation_transmit,
        "La transmission au préfet est enregistrée.",
        pk,
        to="deliberation_manage",
        deliberation=deliberation,
    )


@policy.page(get="deliberation.manage")
def deliberation_file(request, pk: int, which: str):
    deliberation = selectors.deliberation_get(user=request.user, pk=pk)
    document = {
        "deliberation": deliberation.document,
        "rapport": deliberation.report_document,
        "publiee": deliberation.published_document,
    }.get(which)
    if document is None:
        raise Http404("Document introuvable.")
    return _pdf(request, document, f"{which}-{deliberation.number}.pdf")


def _pdf(request, document, filename: str):
    return files.serve(
        request,
        document.file,
        document.sha256,
        filename=filename,
        content_type="application/pdf",
        inline=True,
    )
