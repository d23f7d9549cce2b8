"""The pages of the Département's instruction tools: private annotations on an operation, and
opinions (avis) asked of another service or of a Maison du Département. Only the services
(instruction, finances, assemblies, administration) see them: never a partner, nor an elected
member (pacte.core.policy, kinds `annotation` and `opinion`).

A refused write answers 400 with its reasons in French and the form as typed (nothing is
written); a write done goes back to the operation's page (or the opinion's)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from pacte.core import policy
from pacte.core.errors import error_texts
from pacte.core.french import format_date
from pacte.core.workflow import TransitionRefused

from . import forms, selectors, services
from .models import Annotation, OpinionRequest
from .workflows import ANSWER_OPINION, CANCEL_OPINION, OPINION_WORKFLOW


def _opinion_form(user, data=None):
    return forms.OpinionRequestForm(
        data,
        auto_id="avis-%s",
        addressees=selectors.opinion_addressees(user=user),
        houses=list(selectors.opinion_houses()),
    )


def panel(user, operation) -> dict | None:
    """What the operation's page shows of its instruction to `user`: the annotations, the
    opinions asked and their forms (a constant number of queries); None for anyone but the
    Département's services — the page then shows nothing of them."""
    tools = selectors.instruction_tools(user=user, operation=operation)
    if tools is None:
        return None
    can_request = (
        policy.allows(user, "opinion", "create", OpinionRequest(operation=operation))
        and operation.state not in services.CLOSED
    )
    return {
        **tools,
        "can_annotate": policy.allows(
            user, "annotation", "create", Annotation(operation=operation)
        ),
        "annotation_form": forms.AnnotationForm(auto_id="annotation-%s"),
        "can_request_opinion": can_request,
        "opinion_form": _opinion_form(user) if can_request else None,
        "user_pk": user.pk,
        "today": timezone.localdate(),
    }


def _clean(data, limits: dict[str, int]):
    """A copy of the posted `data` fit to be shown again: no NUL character, and each text
    field cut at its limit (the refusal says how long it was)."""
    shown = data.copy()
    for name, limit in limits.items():
        if name in shown:
            shown[name] = shown[name].replace("\x00", "")[:limit]
    return shown


def _refused(request, *, operation, title, errors, form=None, action="", submit=""):
    """The refusal of a write (400): its reasons, and the form again with what was typed."""
    return render(
        request,
        "operations/instruction_refused.html",
        {
            "operation": operation,
            "title": title,
            "errors": errors,
            "form": form,
            "action": action,
            "submit": submit,
        },
        status=400,
    )


def _form_errors(form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


@policy.page(post="annotation.create")
def annotation_add(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    form = forms.AnnotationForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.annotation_add(
            actor=request.user, operation=operation, text=form.cleaned_data["text"]
        )
    except ValidationError as exc:
        return _refused(
            request,
            operation=operation,
            title="Annotation non enregistrée",
            errors=error_texts(exc),
            form=forms.AnnotationForm(
                _clean(request.POST, {"text": Annotation.MAX_LENGTH}), auto_id="annotation-%s"
            ),
            action=reverse("operations:annotation_add", args=[operation.pk]),
            submit="Ajouter l'annotation",
        )
    messages.success(request, "L'annotation interne est enregistrée.")
    return redirect(reverse("operations:operation_detail", args=[operation.pk]) + "#annotations")


@policy.page(post="annotation.change")
def annotation_change(request, pk: int, annotation_pk: int):
    annotation = selectors.annotation_get(user=request.user, operation_pk=pk, pk=annotation_pk)
    # Its author only: refused (403) before what was typed is read.
    policy.require(request.user, "annotation", "change", annotation)
    operation = annotation.operation
    deleting = request.POST.get("action") == "supprimer"
    form = forms.AnnotationForm(request.POST)
    try:
        if deleting:
            services.annotation_delete(actor=request.user, annotation=annotation)
        else:
            if not form.is_valid():
                raise ValidationError(_form_errors(form))
            services.annotation_change(
                actor=request.user, annotation=annotation, text=form.cleaned_data["text"]
            )
    except ValidationError as exc:
        return _refused(
            request,
            operation=operation,
            title="Annotation non supprimée" if deleting else "Annotation non modifiée",
            errors=error_texts(exc),
            form=None
            if deleting
            else forms.AnnotationForm(
                _clean(request.POST, {"text": Annotation.MAX_LENGTH}), auto_id="annotation-%s"
            ),
            action=reverse("operations:annotation_change", args=[operation.pk, annotation.pk]),
            submit="Enregistrer l'annotation",
        )
    messages.success(
        request,
        "L'annotation interne est supprimée." if deleting else "L'annotation est modifiée.",
    )
    return redirect(reverse("operations:operation_detail", args=[operation.pk]) + "#annotations")


@policy.page(post="opinion.create")
def opinion_request(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    form = _opinion_form(request.user, request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        data = form.cleaned_data
        opinion = services.opinion_request(
            actor=request.user,
            operation=operation,
            addressee=data["addressee"],
            question=data["question"],
            due_on=data["due_on"],
            **data["entity"],
        )
    except ValidationError as exc:
        return _refused(
            request,
            operation=operation,
            title="Demande d'avis non enregistrée",
            errors=error_texts(exc),
            form=_opinion_form(
                request.user,
                _clean(request.POST, {"question": OpinionRequest.QUESTION_MAX_LENGTH}),
            ),
            action=reverse("operations:opinion_request", args=[operation.pk]),
            submit="Demander l'avis",
        )
    messages.success(
        request,
        f"L'avis est demandé à {opinion.addressee} ({opinion.addressed_to}) pour le "
        f"{format_date(opinion.due_on)} ; la demande lui est notifiée.",
    )
    return redirect(reverse("operations:operation_detail", args=[operation.pk]) + "#avis")


@policy.page(get="opinion.read")
def opinion_list(request):
    """The opinions asked of the user (still awaited, the most urgent first, and those he
    gave), and those he asked for."""
    user = request.user
    return render(
        request,
        "operations/opinion_list.html",
        {
            "pending": list(selectors.opinions_pending_for(user)),
            "given": list(selectors.opinions_given_by(user)[:20]),
            "requested": list(selectors.opinions_requested_by(user)[:50]),
            "today": timezone.localdate(),
        },
    )


def _opinion_page(request, opinion, *, answer_form=None, cancel_form=None, status=200):
    user = request.user
    transitions = {t.name for t in OPINION_WORKFLOW.available(opinion, user)}
    can_answer = "answer" in transitions and opinion.addressee_id == user.pk
    can_cancel = "cancel" in transitions and user.pk in {
        opinion.requested_by_id,
        opinion.operation.assigned_to_id,
    }
    return render(
        request,
        "operations/opinion_detail.html",
        {
            "opinion": opinion,
            "operation": opinion.operation,
            "can_answer": can_answer,
            "can_cancel": can_cancel,
            "answer_form": answer_form or forms.OpinionAnswerForm(auto_id="reponse-%s"),
            "cancel_form": cancel_form or forms.OpinionCancelForm(auto_id="annulation-%s"),
            "today": timezone.localdate(),
        },
        status=status,
    )


@policy.page(get="opinion.read", post="opinion.answer")
def opinion_detail(request, pk: int):
    """The opinion: its question and due date, its answer; the addressee answers here. Opened
    by its requester once answered, the answer counts as read."""
    opinion = selectors.opinion_get(user=request.user, pk=pk)
    if request.method != "POST":
        if services.opinion_mark_seen(actor=request.user, opinion=opinion):
            opinion.answer_seen_at = timezone.now()
        return _opinion_page(request, opinion)
    policy.require(request.user, "opinion", ANSWER_OPINION, opinion)  # its addressee only
    form = forms.OpinionAnswerForm(request.POST, auto_id="reponse-%s")
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.opinion_answer(
            actor=request.user,
            opinion=opinion,
            verdict=form.cleaned_data["verdict"],
            answer=form.cleaned_data["answer"],
        )
    except (ValidationError, TransitionRefused) as exc:
        for text in error_texts(exc):
            messages.error(request, text)
        shown = forms.OpinionAnswerForm(
            _clean(request.POST, {"answer": OpinionRequest.ANSWER_MAX_LENGTH}),
            auto_id="reponse-%s",
        )
        return _opinion_page(request, opinion, answer_form=shown, status=400)
    messages.success(request, "Votre avis est rendu ; l'auteur de la demande en est averti.")
    return redirect("operations:opinion_detail", pk=opinion.pk)


@policy.page(post="opinion.cancel")
def opinion_cancel(request, pk: int):
    opinion = selectors.opinion_get(user=request.user, pk=pk)
    policy.require(request.user, "opinion", CANCEL_OPINION, opinion)  # its requester, instructor
    form = forms.OpinionCancelForm(request.POST, auto_id="annulation-%s")
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.opinion_cancel(
            actor=request.user, opinion=opinion, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, TransitionRefused) as exc:
        for text in error_texts(exc):
            messages.error(request, text)
        shown = forms.OpinionCancelForm(
            _clean(request.POST, {"reason": 1000}), auto_id="annulation-%s"
        )
        return _opinion_page(request, opinion, cancel_form=shown, status=400)
    messages.success(request, "La demande d'avis est annulée.")
    return redirect(reverse("operations:operation_detail", args=[opinion.operation_id]) + "#avis")
