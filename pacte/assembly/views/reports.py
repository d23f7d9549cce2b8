"""Pages of the reports: writing, sending to the members, commissions' opinions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from pacte.core import policy
from pacte.core.errors import flash_form_errors, flash_refusal, form_status
from pacte.core.workflow import TransitionRefused

from .. import forms, selectors, services
from ..documents import subsidies_annex
from ..models import Ballot


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
        status=form_status(request),
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
    figures = selectors.group_presence(sitting, report.opened_at)
    for group in groups:
        group.present, group.represented = figures.get(group.pk, (None, None))
    voters = [a for a in sitting.attendances.order_by("position") if a in present] + [
        p.giver for p in proxies
    ]
    convocations = selectors.convocation_summary(sitting)
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
            "sending_warning": selectors.sending_warning(report, sitting, convocations),
            "notice_from": selectors.report_sent_on(report, convocations),
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


def post_form(request, form, service, success: str, pk: int, to="report_detail", **extra):
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
    return post_form(
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
    return post_form(
        request,
        forms.OpinionForm(request.POST),
        services.opinion_record,
        "L'avis de la commission est enregistré.",
        pk,
        report=report,
    )
