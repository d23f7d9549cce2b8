from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from pacte.core import policy
from pacte.core.charts import Series, bar_chart, line_chart
from pacte.core.errors import flash_form_errors, flash_refusal, form_status
from pacte.core.exports import export_response
from pacte.core.french import SHORT_MONTHS, format_money
from pacte.core.ids import valid_id
from pacte.core.workflow import TransitionRefused
from pacte.operations.models import Operation
from pacte.operations.selectors import operation_get

from . import forms, selectors, services
from .models import Commitment, PaymentRequest
from .workflows import PAYMENT_WORKFLOW

COMMITMENT_HEADER = [
    "Référence",
    "Opération",
    "Partenaire",
    "Territoire",
    "Engagé le",
    "Engagé (€)",
    "Payé (€)",
    "Reliquat annulé (€)",
    "État",
]
COMMITMENTS_PER_PAGE = 50


def _commitment_row(c: Commitment) -> list[object]:
    partner = c.operation.contract.partner
    return [
        c.operation.reference,
        c.operation.title,
        partner.name,
        partner.territory.name if partner.territory else "",
        c.committed_on,
        c.amount,
        c.paid or 0,
        c.lapsed_amount,
        c.get_state_display(),
    ]


@policy.page(get="authorisation.read")
def ap_index(request):
    aps = list(selectors.ap_list(user=request.user))
    if len(aps) == 1:
        return redirect("finance:ap_detail", pk=aps[0].pk)
    return render(
        request, "finance/ap_list.html", {"aps": [(ap, selectors.ap_figures(ap)) for ap in aps]}
    )


@policy.page(get="authorisation.read")
def ap_detail(request, pk: int):
    ap = selectors.ap_get(user=request.user, pk=pk)
    figures = selectors.ap_figures(ap)
    timeline = selectors.ap_timeline(ap)
    by_year = selectors.ap_by_year(ap)
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        rows = (
            _commitment_row(c)
            for c in selectors.commitment_list(user=request.user, authorisation=ap, action="export")
        )
        stamp = timezone.localdate().strftime("%Y%m%d")
        return export_response(fmt, f"engagements-{stamp}", COMMITMENT_HEADER, rows, "Engagements")
    consumption = (
        line_chart(
            title="Consommation de l'autorisation de programme",
            description=(
                f"Montants cumulés mois par mois : AP votée {format_money(figures['voted'])}, "
                f"engagé {format_money(figures['committed'])}, "
                f"payé {format_money(figures['paid'])}."
            ),
            x_labels=[f"{SHORT_MONTHS[p['month'].month - 1]} {p['month'].year}" for p in timeline],
            series=[
                Series("AP votée", [p["voted"] for p in timeline]),
                Series("Engagé", [p["committed"] for p in timeline]),
                Series("Payé", [p["paid"] for p in timeline]),
            ],
        )
        if timeline
        else ""
    )
    yearly = (
        bar_chart(
            title="Crédits de paiement et paiements par exercice",
            description="Pour chaque exercice, les crédits de paiement votés et les paiements.",
            labels=[str(r["year"]) for r in by_year],
            series=[
                Series("CP votés", [r["credits"] for r in by_year]),
                Series("Payé", [r["paid"] for r in by_year]),
            ],
        )
        if by_year
        else ""
    )
    context = {
        "ap": ap,
        "figures": figures,
        "timeline": timeline,
        "by_year": by_year,
        "consumption": consumption,
        "yearly": yearly,
        "by_territory": selectors.ap_breakdown(ap, "territoire"),
        "by_pact": selectors.ap_breakdown(ap, "pacte"),
        "by_partner": selectors.ap_breakdown(ap, "partenaire"),
        "cofunding": selectors.cofunding(ap),
        "can_change": policy.allows(request.user, "authorisation", "change", ap),
        "revision_form": forms.APForm(),
        "cp_form": forms.CPForm(),
    }
    return render(request, "finance/ap_detail.html", context)


@policy.page(post="authorisation.change")
def ap_revise(request, pk: int):
    ap = selectors.ap_get(user=request.user, pk=pk)
    form = forms.APForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        try:
            services.ap_revise(actor=request.user, authorisation=ap, **form.cleaned_data)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "La révision de l'AP est enregistrée.")
    return redirect("finance:ap_detail", pk=pk)


@policy.page(post="authorisation.change")
def cp_set(request, pk: int):
    ap = selectors.ap_get(user=request.user, pk=pk)
    form = forms.CPForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        try:
            services.cp_set(actor=request.user, authorisation=ap, **form.cleaned_data)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, f"Les CP {form.cleaned_data['year']} sont enregistrés.")
    return redirect("finance:ap_detail", pk=pk)


def _commitment_filters(request) -> selectors.CommitmentFilters:
    get = request.GET
    year = get.get("annee", "")
    return selectors.CommitmentFilters(
        partner_id=valid_id(get.get("partenaire")),
        authorisation_id=valid_id(get.get("ap")),
        pact_id=valid_id(get.get("pacte")),
        year=int(year) if len(year) == 4 and year.isascii() and year.isdigit() else None,
        state=get.get("etat", "") if get.get("etat") in Commitment.State.values else "",
        query=get.get("q", "").strip()[:100],
    )


@policy.page(get="commitment.read")
def commitment_list(request):
    """The commitments, narrowed by partner, AP, pact, year, state and reference, with their
    totals; the same list exported in CSV or XLSX."""
    user = request.user
    filters = _commitment_filters(request)
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        exported = selectors.commitment_list(user=user, action="export", filters=filters)
        return export_response(
            fmt,
            f"engagements-{timezone.localdate():%Y%m%d}",
            COMMITMENT_HEADER,
            (_commitment_row(c) for c in exported),
            "Engagements",
        )
    commitments = selectors.commitment_list(user=user, filters=filters)
    page = Paginator(commitments, COMMITMENTS_PER_PAGE).get_page(request.GET.get("page"))
    reads_fund = policy.allows(user, "authorisation", "read")
    context = {
        "page": page,
        "filters": filters,
        "totals": selectors.commitment_totals(commitments),
        "reads_fund": reads_fund,
        "partners": selectors.commitment_partners(user=user),
        "aps": selectors.ap_list(user=user) if reads_fund else [],
        "pacts": selectors.commitment_pacts(user=user),
        "years": selectors.commitment_years(user=user),
        "states": Commitment.State.choices,
    }
    return render(request, "finance/commitment_list.html", context)


@policy.page(get="payment.read")
def payment_list(request):
    state = request.GET.get("etat", "")
    state = state if state in PaymentRequest.State.values else ""
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        payments = selectors.payment_list(user=request.user, state=state, action="export")
        header = [
            "Référence",
            "Opération",
            "Partenaire",
            "Nature",
            "Demandé (€)",
            "Demandé le",
            "État",
            "Payé (€)",
            "Payé le",
            "Mandat",
        ]
        rows = (
            [
                p.commitment.operation.reference,
                p.commitment.operation.title,
                p.commitment.operation.contract.partner.name,
                p.get_kind_display(),
                p.requested_amount,
                p.requested_at,
                p.get_state_display(),
                p.paid_amount,
                p.paid_on,
                p.mandate_number,
            ]
            for p in payments
        )
        return export_response(
            fmt, f"paiements-{timezone.localdate():%Y%m%d}", header, rows, "Paiements"
        )
    return render(
        request,
        "finance/payment_list.html",
        {
            "payments": selectors.payment_list(user=request.user, state=state),
            "states": PaymentRequest.State.choices,
            "state": state,
        },
    )


# The POST names the transition in its `action` field; the page lets through those who may
# make one of them (`refuse` is allowed to both checkers and payers), the workflow decides.
@policy.page(get="payment.read", post="payment.refuse")
def payment_detail(request, pk: int):
    payment = selectors.payment_get(user=request.user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "check":
                services.payment_check(actor=request.user, payment=payment)
            elif action == "refuse":
                form = forms.ReasonForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("Indiquez le motif du refus.")
                services.payment_refuse(
                    actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
                )
            elif action == "pay":
                form = forms.PayForm(request.POST)
                if not form.is_valid():
                    # Show the errors on their fields, with what was typed.
                    return render(
                        request,
                        "finance/payment_detail.html",
                        {
                            "payment": payment,
                            "transitions": {
                                t.name for t in PAYMENT_WORKFLOW.available(payment, request.user)
                            },
                            "pay_form": form,
                            "reason_form": forms.ReasonForm(),
                        },
                        status=200,
                    )
                services.payment_pay(actor=request.user, payment=payment, **form.cleaned_data)
            else:
                raise ValidationError("Choisissez une action parmi celles que propose la page.")
        except (TransitionRefused, ValidationError) as exc:
            flash_refusal(request, exc)
        else:
            payment.refresh_from_db()
            messages.success(request, f"État de la demande : « {payment.get_state_display()} ».")
        return redirect("finance:payment_detail", pk=pk)
    return render(
        request,
        "finance/payment_detail.html",
        {
            "payment": payment,
            "transitions": {t.name for t in PAYMENT_WORKFLOW.available(payment, request.user)},
            "pay_form": forms.PayForm(initial={"paid_on": timezone.localdate()}),
            "reason_form": forms.ReasonForm(),
            "can_request_again": _can_request_again(request.user, payment),
        },
    )


def _can_request_again(user, payment: PaymentRequest) -> bool:
    """A refused request's page leads its partner to a new request, while the subsidy can
    still be paid (payment_request_create says the rest: ceilings, evidence)."""
    operation = payment.commitment.operation
    return (
        payment.state == PaymentRequest.State.REFUSED
        and payment.commitment.state == Commitment.State.ACTIVE
        and operation.state in Operation.SIGNED_STATES
        and policy.allows(user, "payment", "create", payment)
    )


@policy.page(get="payment.create", post="payment.create")
def payment_request(request, operation_pk: int):
    operation = operation_get(user=request.user, pk=operation_pk)
    form = forms.PaymentRequestForm(request.POST or None, attachments=operation.attachments.all())
    if request.method == "POST" and form.is_valid():
        try:
            created = services.payment_request_create(
                actor=request.user, operation=operation, **form.cleaned_data
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            # « Avance demandée », « Acompte demandé », « Solde demandé ».
            feminine = created.kind == PaymentRequest.Kind.ADVANCE
            messages.success(
                request,
                f"{created.get_kind_display()} demandé{'e' if feminine else ''} ; le Département "
                "va vérifier vos justificatifs.",
            )
            return redirect("operations:operation_detail", pk=operation_pk)
    finance = selectors.operation_finance(user=request.user, operation=operation)
    return render(
        request,
        "finance/payment_request_form.html",
        {"form": form, "operation": operation, "finance": finance},
        status=form_status(request),
    )


@policy.page(get="authorisation.read")
def lapse_watch(request, pk: int):
    ap = selectors.ap_get(user=request.user, pk=pk)
    fmt = request.GET.get("format")
    exporting = fmt in {"csv", "xlsx"}
    rows = selectors.lapse_watch(user=request.user, ap=ap, action="export" if exporting else "read")
    if exporting:
        header = [
            "Référence",
            "Opération",
            "Partenaire",
            "Engagé le",
            "Commencer avant",
            "Commencée le",
            "Achever avant",
            "Prochaine échéance",
            "Jours restants",
            "Délai dépassé",
        ]
        data = (
            [
                r["commitment"].operation.reference,
                r["commitment"].operation.title,
                r["commitment"].operation.contract.partner.name,
                r["commitment"].committed_on,
                r["start"],
                r["started"],
                r["completion"],
                r["next"],
                r["days"],
                r["late"],
            ]
            for r in rows
        )
        return export_response(
            fmt, f"caducite-{timezone.localdate():%Y%m%d}", header, data, "Caducité"
        )
    return render(
        request,
        "finance/lapse_watch.html",
        {
            "ap": ap,
            "rows": rows,
            "can_extend": policy.allows(request.user, "commitment", "extend"),
            "can_lapse": policy.allows(request.user, "authorisation", "lapse", ap),
            "lapse_form": forms.LapseForm(initial={"on": timezone.localdate()}),
        },
    )


# The POST names the action in its `action` field: `extend` is allowed to more roles than
# `lapse`, so the page lets them through and the services decide.
@policy.page(post="commitment.extend")
def commitment_action(request, pk: int):
    commitment = selectors.commitment_get(user=request.user, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "extend":
            services.commitment_extend_start(
                actor=request.user, commitment=commitment, reason=request.POST.get("reason", "")
            )
            messages.success(request, "Le délai de commencement est prorogé d'un an.")
        elif action == "lapse":
            form = forms.LapseForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Indiquez le motif et la date de la caducité.")
            services.commitment_lapse(
                actor=request.user, commitment=commitment, **form.cleaned_data
            )
            messages.success(request, "Le reliquat est annulé et revient à l'AP.")
        else:
            raise ValidationError("Choisissez une action parmi celles que propose la page.")
    except (TransitionRefused, ValidationError) as exc:
        flash_refusal(request, exc)
    return redirect("finance:lapse_watch", pk=commitment.authorisation_id)
