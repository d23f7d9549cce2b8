"""Pages of an adopted act for the assembly service: publication, transmission to the préfet
(by hand, or through the connector, with the préfecture's answer uploaded or fetched), files."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from pacte.core import files, policy
from pacte.core.errors import error_texts
from pacte.core.workflow import TransitionRefused

from .. import actes, forms, selectors, services
from .. import transmission as connectors
from ..services import transmission as transmission_services
from ..workflows import ACKNOWLEDGE, STEP_NAMES, TRANSMIT, P, T
from .reports import post_form


def _manage(request, deliberation, *, receive_form=None, status=200):
    user = request.user
    state = T(deliberation.transmission_state)
    connector = connectors.CONNECTORS.get(connectors.configured_name())
    may_transmit = policy.allows(user, "deliberation", "transmit", deliberation)
    sending = transmission_services.latest_sending(deliberation)
    pending = sending if sending is not None and sending.is_open else None
    # The next step of the transmission recorded by hand, without a connector: the sending
    # (again after an anomaly), then the receipt.
    step = (
        {T.NOT_SENT: TRANSMIT, T.ANOMALY: TRANSMIT, T.SENT: ACKNOWLEDGE}.get(state)
        if may_transmit and connector is None
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
            "transmission_step": step,
            "sending": step == TRANSMIT,
            "connector": connector,
            "last_sending": sending,
            "pending_sending": pending,
            "can_send": connector is not None
            and may_transmit
            and state in transmission_services.SENDABLE
            and pending is None
            and deliberation.adopted
            and deliberation.document_id is not None,
            "can_receive": state == T.SENT
            and policy.allows(user, "deliberation", "acknowledge", deliberation),
            "anomaly": state == T.ANOMALY,
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
            "send_form": forms.SendToPrefectForm(
                initial={"subject_code": deliberation.subject_code}, auto_id="envoi-%s"
            ),
            "receive_form": receive_form or forms.PrefectMessageForm(auto_id="reponse-%s"),
        },
        status=status,
    )


@policy.page(get="deliberation.manage")
def deliberation_manage(request, pk: int):
    return _manage(request, selectors.deliberation_get(user=request.user, pk=pk))


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


@policy.page(post="deliberation.transmit")
def deliberation_send(request, pk: int):
    deliberation = selectors.deliberation_get(user=request.user, pk=pk)
    return post_form(
        request,
        forms.SendToPrefectForm(request.POST),
        transmission_services.deliberation_send_to_prefect,
        "La délibération est confiée au connecteur de transmission : elle part dans un "
        "instant, et son accusé de réception sera enregistré dès son retour.",
        pk,
        to="deliberation_manage",
        deliberation=deliberation,
    )


@policy.page(post="deliberation.acknowledge")
def deliberation_receive(request, pk: int):
    """The préfecture's XML answer, uploaded: recorded, or the page again (400) with the
    French reason beside the field, nothing written."""
    deliberation = selectors.deliberation_get(user=request.user, pk=pk)
    form = forms.PrefectMessageForm(request.POST, request.FILES, auto_id="reponse-%s")
    if form.is_valid():
        try:
            answer = transmission_services.deliberation_receive_message(
                actor=request.user, deliberation=deliberation, message=form.cleaned_data["file"]
            )
        except (ValidationError, TransitionRefused) as exc:
            for text in error_texts(exc):
                form.add_error("file", text)
        else:
            if isinstance(answer, actes.Acknowledgement):
                messages.success(
                    request,
                    f"L'accusé de réception du préfet est enregistré : {answer.actes_id}.",
                )
            else:
                messages.warning(request, f"{answer.text}. Corrigez l'acte puis transmettez-le.")
            return redirect("assembly:deliberation_manage", pk=pk)
    deliberation.refresh_from_db()
    return _manage(request, deliberation, receive_form=form, status=400)


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
