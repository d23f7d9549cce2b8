"""Pages of the assembly service: sittings, attendance and proxies, reports, opinions, votes,
publication. Staff and members read; the assembly service writes (agents write reports)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from pacte.core import policy
from pacte.core.errors import flash_form_errors, flash_refusal
from pacte.core.exports import export_response
from pacte.core.french import format_date
from pacte.core.workflow import TransitionRefused
from pacte.documents.services import batch_start

from . import forms, rules, selectors, services
from .documents import minutes_pdf, subsidies_annex
from .models import Attendance, Ballot, Report, Sitting

# --- Sittings ------------------------------------------------------------------------------


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
        request, "assembly/form.html", {"form": form, "title": "Nouvelle séance", "back": None}
    )


def _agenda(user, sitting):
    reports = list(selectors.sitting_reports(user=user, sitting=sitting))
    for report in reports:
        report.sending_warning = rules.report_sending_warning(
            sitting_day=sitting.held_on, sent_on=report.sent_on, urgency=report.urgency
        )
        report.quorum = selectors.sitting_quorum(sitting, report.opened_at)
    return reports


@policy.page(get="sitting.read")
def sitting_detail(request, pk: int):
    user = request.user
    sitting = selectors.sitting_get(user=user, pk=pk)
    attendances = list(sitting.attendances.all())
    statuses = [a.status for a in attendances]
    return render(
        request,
        "assembly/sitting_detail.html",
        {
            "sitting": sitting,
            "reports": _agenda(request.user, sitting),
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
            "can_batch": policy.allows(user, "batch", "create"),
            "voted_total": selectors.sitting_voted_total(user=user, sitting=sitting),
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
        {"sitting": sitting, "reports": _agenda(request.user, sitting)},
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


def _time_or_none(raw: str, label: str):
    import datetime

    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return datetime.time.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(f"{label} : « {raw} » n'est pas une heure (HH:MM).") from exc


@policy.page(get="sitting.read", post="sitting.change")
def sitting_attendance(request, pk: int):
    sitting = selectors.sitting_get(user=request.user, pk=pk)
    if request.method == "POST":
        if "all_present" in request.POST:
            count = services.attendance_mark_all_present(actor=request.user, sitting=sitting)
            messages.success(request, f"{count} membres marqués présents.")
            return redirect("assembly:sitting_attendance", pk=pk)
        changed, problems = 0, []
        for attendance in sitting.attendances.all():
            status = request.POST.get(f"statut-{attendance.pk}")
            if status is None:
                continue
            try:
                arrived = _time_or_none(
                    request.POST.get(f"arrivee-{attendance.pk}"), f"Arrivée de {attendance}"
                )
                left = _time_or_none(
                    request.POST.get(f"depart-{attendance.pk}"), f"Départ de {attendance}"
                )
                if (status, arrived, left) != (
                    attendance.status,
                    attendance.arrived_at,
                    attendance.left_at,
                ):
                    services.attendance_record(
                        actor=request.user,
                        attendance=attendance,
                        status=status,
                        arrived_at=arrived,
                        left_at=left,
                    )
                    changed += 1
            except ValidationError as exc:
                problems.append(exc)
        for exc in problems:
            flash_refusal(request, exc)
        if changed:
            messages.success(request, f"{changed} présence(s) enregistrée(s).")
        elif not problems:
            messages.info(request, "Aucun changement.")
        return redirect("assembly:sitting_attendance", pk=pk)
    return render(
        request,
        "assembly/sitting_attendance.html",
        {
            "sitting": sitting,
            "quorum": selectors.sitting_quorum(sitting),
            "statuses": Attendance.Status.choices,
            "proxy_form": forms.ProxyForm(sitting=sitting, auto_id="pouvoir-%s"),
            "can_hold": policy.allows(request.user, "sitting", "change", sitting),
            "proxy_limit": rules.max_proxies_held(sitting.held_on),
        },
    )


@policy.page(post="sitting.change")
def proxy_add(request, pk: int):
    sitting = selectors.sitting_get(user=request.user, pk=pk)
    form = forms.ProxyForm(request.POST, sitting=sitting)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        try:
            proxy = services.proxy_record(actor=request.user, sitting=sitting, **form.cleaned_data)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, f"Pouvoir enregistré : {proxy}.")
    return redirect("assembly:sitting_attendance", pk=pk)


@policy.page(post="sitting.change")
def proxy_remove(request, pk: int, proxy_pk: int):
    sitting = selectors.sitting_row(user=request.user, pk=pk)
    proxy = selectors.proxy_get(user=request.user, sitting=sitting, pk=proxy_pk)
    try:
        services.proxy_remove(actor=request.user, proxy=proxy)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, "Pouvoir retiré.")
    return redirect("assembly:sitting_attendance", pk=pk)


@policy.page(get="sitting.read")
def sitting_minutes(request, pk: int):
    """The procès-verbal, generated from the sitting's records."""
    sitting = selectors.sitting_get(user=request.user, pk=pk)
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


# --- Reports -------------------------------------------------------------------------------


def _report_form(request, sitting, report=None):
    user = request.user
    initial = {}
    corrects = request.GET.get("rectifie")
    if corrects and report is None:
        original = selectors.deliberation_get(user=user, pk=corrects)
        initial = {
            "corrects": original.pk,
            "kind": original.report.kind,
            "title": f"Rectification de la délibération n°{original.number} — "
            f"{original.report.title}",
            "pole": original.report.pole,
            "direction": original.report.direction,
            "territories": original.report.territories,
        }
    return forms.ReportForm(
        request.POST or None,
        instance=report,
        initial=initial,
        operations=selectors.report_operation_choices(user=user, report=report),
        contracts=selectors.report_contract_choices(user=user, report=report),
        deliberations=selectors.correctable_deliberations(user=user),
    )


def _save_report(request, form, sitting, report=None):
    data = dict(form.cleaned_data)
    operations = data.pop("operations") or []
    contracts = data.pop("contracts") or []
    try:
        return services.report_save(
            actor=request.user,
            sitting=sitting,
            report=report,
            operations=operations,
            contracts=contracts,
            **data,
        )
    except (ValidationError, TransitionRefused) as exc:
        flash_refusal(request, exc)
        return None


@policy.page(get="report.create", post="report.create")
def report_create(request, pk: int):
    sitting = selectors.sitting_get(user=request.user, pk=pk)
    form = _report_form(request, sitting)
    if request.method == "POST" and form.is_valid():
        report = _save_report(request, form, sitting)
        if report:
            messages.success(
                request, f"Le rapport n°{report.number} est inscrit à l'ordre du jour."
            )
            return redirect("assembly:report_detail", pk=report.pk)
    return render(
        request,
        "assembly/form.html",
        {"form": form, "title": f"Nouveau rapport — {sitting}", "back": sitting},
    )


@policy.page(get="report.change", post="report.change")
def report_edit(request, pk: int):
    report = selectors.report_get(user=request.user, pk=pk, action="change")
    if hasattr(report, "deliberation"):
        messages.error(request, "Ce rapport est délibéré : il ne change plus.")
        return redirect("assembly:report_detail", pk=pk)
    form = _report_form(request, report.sitting, report)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_report(request, form, report.sitting, report)
    ):
        messages.success(request, "Le rapport est enregistré.")
        return redirect("assembly:report_detail", pk=pk)
    return render(
        request,
        "assembly/form.html",
        {"form": form, "title": f"Modifier le rapport n°{report.number}", "back": report.sitting},
    )


@policy.page(get="report.read")
def report_detail(request, pk: int):
    user = request.user
    report = selectors.report_get(user=user, pk=pk)
    sitting = report.sitting
    operations = list(selectors.report_operations(user=user, report=report))
    annex = subsidies_annex(report) if operations else None
    present, proxies = selectors.presence_at(sitting, report.opened_at)
    represented = {p.giver_id: p.holder for p in proxies}
    groups = list(selectors.political_groups(user=user))
    voters = [a for a in sitting.attendances.order_by("position") if a in present] + [
        p.giver for p in proxies
    ]
    return render(
        request,
        "assembly/report_detail.html",
        {
            "report": report,
            "sitting": sitting,
            "deliberation": getattr(report, "deliberation", None),
            "annex": annex,
            "annex_rows": list(zip(operations, annex["rows"], strict=True)) if annex else [],
            "ap_rows": list(zip(annex["ap"]["header"], annex["ap"]["values"], strict=True))
            if annex and annex["ap"]
            else [],
            "sending_warning": rules.report_sending_warning(
                sitting_day=sitting.held_on, sent_on=report.sent_on, urgency=report.urgency
            ),
            "quorum": selectors.sitting_quorum(sitting, report.opened_at),
            "can_hold": policy.allows(user, "report", "proceed", report),
            "can_edit": policy.allows(user, "report", "change", report),
            "send_form": forms.SendForm(
                initial={"sent_on": report.sent_on, "urgency": report.urgency},
                auto_id="envoi-%s",
            ),
            "opinion_form": forms.OpinionForm(auto_id="avis-%s"),
            "open_form": forms.OpenItemForm(
                initial={"at": report.opened_at}, auto_id="ouverture-%s"
            ),
            "groups": groups,
            "voters": voters,
            "represented": represented,
            "choices": Ballot.Choice.choices,
            "contracts": list(report.contracts.all()),
        },
    )


def _post_form(request, form, service, success: str, pk: int, to="report_detail", **extra):
    """Run `service` with the form's data; refusals and bad input go back as messages."""
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        try:
            service(actor=request.user, **extra, **form.cleaned_data)
        except (ValidationError, TransitionRefused) as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, success)
    return redirect(f"assembly:{to}", pk=pk)


@policy.page(post="report.proceed")
def report_send(request, pk: int):
    report = selectors.report_get(user=request.user, pk=pk, action="proceed")
    return _post_form(
        request,
        forms.SendForm(request.POST),
        services.report_send,
        "La date d'envoi aux élus est enregistrée.",
        pk,
        report=report,
    )


@policy.page(post="report.proceed")
def report_opinion(request, pk: int):
    report = selectors.report_get(user=request.user, pk=pk, action="proceed")
    return _post_form(
        request,
        forms.OpinionForm(request.POST),
        services.opinion_record,
        "L'avis de la commission est enregistré.",
        pk,
        report=report,
    )


@policy.page(post="report.proceed")
def report_open(request, pk: int):
    report = selectors.report_get(user=request.user, pk=pk, action="proceed")
    form = forms.OpenItemForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("assembly:report_detail", pk=pk)
    try:
        quorum = services.item_open(actor=request.user, report=report, at=form.cleaned_data["at"])
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        level = messages.success if quorum.reached else messages.error
        level(request, f"Point ouvert à {form.cleaned_data['at']:%H:%M}. {quorum.explanation}")
    return redirect("assembly:report_detail", pk=pk)


@policy.page(post="report.proceed")
def report_vote(request, pk: int):
    report = selectors.report_get(user=request.user, pk=pk, action="proceed")
    try:
        if report.vote_mode == Report.VoteMode.ROLL_CALL:
            choices = {
                member: request.POST.get(f"vote-{member.pk}", "")
                for member in report.sitting.attendances.all()
            }
            deliberation = services.item_vote_roll_call(
                actor=request.user, report=report, choices=choices
            )
        else:
            counts = {}
            for group in selectors.political_groups(user=request.user):
                numbers = []
                for field in ("pour", "contre", "abstention", "npv"):
                    raw = request.POST.get(f"{field}-{group.pk}", "").strip() or "0"
                    if not raw.isdigit():
                        raise ValidationError(
                            f"{group.name} : « {raw} » n'est pas un nombre de voix."
                        )
                    numbers.append(int(raw))
                counts[group] = numbers
            deliberation = services.item_vote_by_group(
                actor=request.user,
                report=report,
                counts=counts,
                president_votes_for=request.POST.get("president") == "pour",
            )
    except (ValidationError, TransitionRefused) as exc:
        flash_refusal(request, exc)
        return redirect("assembly:report_detail", pk=pk)
    messages.success(
        request,
        f"Délibération n°{deliberation.number} : "
        f"{'adoptée' if deliberation.adopted else 'rejetée'} "
        f"({deliberation.votes_for} pour, {deliberation.votes_against} contre, "
        f"{deliberation.abstentions} abstention).",
    )
    return redirect("assembly:report_detail", pk=pk)


# --- Deliberations -------------------------------------------------------------------------


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
            "can_hold": policy.allows(user, "deliberation", "publish", deliberation),
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
    return _post_form(
        request,
        forms.PublishForm(request.POST),
        services.deliberation_publish,
        "La délibération est mise en ligne.",
        pk,
        to="deliberation_manage",
        deliberation=deliberation,
    )


@policy.page(post="deliberation.publish")
def deliberation_transmit(request, pk: int):
    deliberation = selectors.deliberation_get(user=request.user, pk=pk)
    return _post_form(
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
    from django.http import FileResponse

    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
