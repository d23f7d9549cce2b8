"""Pages of an adopted act for the assembly service: publication, transmission, files."""

from django.http import FileResponse, Http404
from django.shortcuts import render

from pacte.core import policy

from .. import forms, selectors, services
from .reports import post_form


@policy.page(get="deliberation.manage")
def deliberation_manage(request, pk: int):
    user = request.user
    deliberation = selectors.deliberation_get(user=user, pk=pk)
    return render(
        request,
        "assembly/deliberation_manage.html",
        {
            "deliberation": deliberation,
            "corrections": list(deliberation.corrections.all()),
            "can_publish": policy.allows(user, "deliberation", "publish", deliberation),
            "can_transmit": policy.allows(user, "deliberation", "transmit", deliberation),
            "events": selectors.deliberation_events(user=user, deliberation=deliberation),
            "can_correct": policy.allows(user, "report", "create"),
            "is_public": selectors.is_public(deliberation),
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
    return _pdf(document, f"{which}-{deliberation.number}.pdf")


def _pdf(document, filename: str):

    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
