"""Pages of the sittings: list, creation, agenda, quorum, times, minutes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from pacte.core import policy
from pacte.core.errors import flash_form_errors, flash_refusal, form_status
from pacte.core.exports import export_response
from pacte.core.french import format_date
from pacte.core.ids import valid_id
from pacte.documents.services import batch_start

from .. import forms, selectors, services
from ..documents import minutes_pdf
from ..models import Attendance, Sitting
from ..workflows import ADOPT_MINUTES, PUBLISH_MINUTES, SIGN_MINUTES
from .public import serve_adopted_minutes

MINUTES_STEPS = (ADOPT_MINUTES, SIGN_MINUTES, PUBLISH_MINUTES)


@policy.page(get="sitting.read")
def sitting_list(request):
    body = request.GET.get("instance", "")
    year = selectors.valid_year(request.GET.get("annee"))
    exporting = request.GET.get("format") in {"csv", "xlsx"}
    sittings = selectors.sitting_list(
        user=request.user,
        body=body if body in Sitting.Body.values else "",
        year=year,
        action="export" if exporting else "read",
    )
    if exporting:
        return export_response(
            request.GET["format"],
            "seances",
            ["Date", "Instance", "Lieu", "Président", "Secrétaire", "Rapports", "Délibérés"],
            (
                [
                    format_date(s.held_on),
                    s.get_body_display(),
                    s.place,
                    s.president,
                    s.secretary,
                    s.report_total,
                    s.adopted_total,
                ]
                for s in sittings
            ),
            title="Séances",
        )
    return render(
        request,
        "assembly/sitting_list.html",
        {
            "sittings": sittings,
            "bodies": Sitting.Body.choices,
            "filters": {"body": body, "year": year},
            "can_create": policy.allows(request.user, "sitting", "create"),
        },
    )


@policy.page(get="sitting.create", post="sitting.create")
def sitting_create(request):
    form = forms.SittingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sitting = services.sitting_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request,
                f"La séance est créée avec les {sitting.members_in_office} membres en fonction : "
                "faites l'appel.",
            )
            return redirect("assembly:sitting_detail", pk=sitting.pk)
    return render(
        request,
        "assembly/form.html",
        {"form": form, "title": "Nouvelle séance", "back": None},
        status=form_status(request),
    )


def _agenda(user, sitting, convocations):
    reports = list(selectors.sitting_reports(user=user, sitting=sitting))
    for report in reports:
        report.notice_from = selectors.report_sent_on(report, convocations)
        report.sending_warning = selectors.sending_warning(report, sitting, convocations)
        report.quorum = selectors.sitting_quorum(sitting, report.opened_at)
    return reports


@policy.page(get="sitting.read")
def sitting_detail(request, pk: int):
    user = request.user
    sitting = selectors.sitting_get(user=user, pk=pk)
    attendances = list(sitting.attendances.all())
    statuses = [a.status for a in attendances]
    convocations = selectors.convocation_summary(sitting)
    return render(
        request,
        "assembly/sitting_detail.html",
        {
            "sitting": sitting,
            "reports": _agenda(request.user, sitting, convocations),
            "convocations": convocations,
            "quorum": selectors.sitting_quorum(sitting),
            "counts": {
                "present": statuses.count(Attendance.Status.PRESENT),
                "excused": statuses.count(Attendance.Status.EXCUSED),
                "absent": statuses.count(Attendance.Status.ABSENT),
                "proxies": len(sitting.proxies.all()),
            },
            "movements": [a for a in attendances if a.arrived_at or a.left_at],
            "can_hold": policy.allows(user, "sitting", "change", sitting),
            "can_write_reports": policy.allows(user, "report", "create"),
            "can_convoke": policy.allows(user, "sitting", "convoke", sitting),
            "minutes_choices": selectors.minutes_adopting_choices(sitting),
            "minutes_deadline": selectors.minutes_deadline(sitting),
            "minutes_history": sitting.events.order_by("at", "pk"),
            "can_batch": policy.allows(user, "batch", "create"),
            "voted_total": selectors.sitting_voted_total(user=user, sitting=sitting),
            "voted_waiting": selectors.sitting_voted_operations(user=user, sitting=sitting).count(),
            "times_form": forms.SittingTimesForm(instance=sitting, auto_id="heures-%s"),
        },
    )


@policy.page(get="sitting.read")
def sitting_quorum(request, pk: int):
    """The live quorum (htmx fragment, refreshed while the sitting is held)."""
    sitting = selectors.sitting_get(user=request.user, pk=pk)
    return render(
        request,
        "assembly/_quorum.html",
        {
            "sitting": sitting,
            "reports": _agenda(request.user, sitting, selectors.convocation_summary(sitting)),
        },
    )


@policy.page(post="sitting.change")
def sitting_times(request, pk: int):
    sitting = selectors.sitting_row(user=request.user, pk=pk)
    form = forms.SittingTimesForm(
        request.POST, instance=selectors.sitting_row(user=request.user, pk=pk)
    )
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        try:
            services.sitting_update(actor=request.user, sitting=sitting, **form.cleaned_data)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "Les heures de la séance sont enregistrées.")
    return redirect("assembly:sitting_detail", pk=pk)


@policy.page(get="sitting.read")
def sitting_minutes(request, pk: int):
    """The procès-verbal: as adopted once it is, else generated from the sitting's records."""
    sitting = selectors.sitting_get(user=request.user, pk=pk)
    if sitting.minutes_document is not None:
        return serve_adopted_minutes(request, sitting)
    response = HttpResponse(minutes_pdf(sitting), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="proces-verbal-{sitting.held_on:%Y-%m-%d}.pdf"'
    )
    return response


@policy.page(post="batch.create")
def sitting_agreements(request, pk: int):
    """Generate, in one batch, the conventions of the operations the sitting voted."""
    sitting = selectors.sitting_row(user=request.user, pk=pk)
    operations = selectors.sitting_voted_operations(user=request.user, sitting=sitting)
    if not operations.exists():
        messages.info(
            request,
            "Aucune opération votée à cette séance n'attend sa convention : elles sont signées "
            "ou plus loin.",
        )
        return redirect("assembly:sitting_detail", pk=pk)
    try:
        batch = batch_start(
            actor=request.user,
            kind="agreement",
            operations=list(operations),
            label=f"Conventions — {sitting}",
        )
    except ValidationError as exc:
        flash_refusal(request, exc)
        return redirect("assembly:sitting_detail", pk=pk)
    return redirect("documents:batch", batch_pk=batch.pk)


@policy.page(post="sitting.<step>", choices={"step": MINUTES_STEPS})
def sitting_minutes_step(request, pk: int, step: str):
    """A9: adopt the minutes at a following sitting, record their signature, publish them."""
    sitting = selectors.sitting_row(user=request.user, pk=pk)
    try:
        if step == ADOPT_MINUTES:
            wanted = valid_id(request.POST.get("at"))
            at = next(
                (s for s in selectors.minutes_adopting_choices(sitting) if s.pk == wanted), None
            )
            if at is None:
                raise ValidationError(
                    "Choisissez la séance suivante, déjà tenue, qui arrête le procès-verbal."
                )
            sitting = services.minutes_adopt(actor=request.user, sitting=sitting, at=at)
        else:
            form = forms.MinutesDateForm(request.POST)
            if not form.is_valid():
                flash_form_errors(request, form)
                return redirect("assembly:sitting_detail", pk=pk)
            day = form.cleaned_data["on"]
            if step == SIGN_MINUTES:
                services.minutes_sign(actor=request.user, sitting=sitting, on=day)
            else:
                services.minutes_publish(actor=request.user, sitting=sitting, on=day)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, f"Procès-verbal : {sitting.get_minutes_state_display().lower()}.")
    return redirect("assembly:sitting_detail", pk=pk)
