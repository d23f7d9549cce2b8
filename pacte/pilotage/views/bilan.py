"""The bilan of a generation: page, PDF and spreadsheet exports of its tables."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from pacte.core import policy
from pacte.core.errors import flash_refusal
from pacte.core.exports import export_response
from pacte.core.french import format_money

from .. import bilan as bilans
from ..bilan_charts import hbar_chart
from ..bilan_pdf import render_bilan_pdf

ABBREVIATIONS = [
    ("Communauté d'agglomération", "CA"),
    ("Communauté de communes", "CC"),
    ("Communauté urbaine", "CU"),
]


def short_label(label: str) -> str:
    """Chart labels only: « CA du Boulonnais »; tables and tooltips keep the full name."""
    for long, short in ABBREVIATIONS:
        if label.startswith(long):
            return short + label[len(long) :]
    return label.split(" (")[0]


CHARTED = ("categorie", "pacte", "orientation", "territoire", "intercommunalite")


def charts(bilan) -> dict:
    """One chart of the fund per breakdown, when it says more than « not known »."""
    drawn = {}
    for breakdown in bilan.breakdowns:
        known = [
            r for r in breakdown.rows if r.label not in (bilans.NO_PACT, bilans.NO_ORIENTATION)
        ]
        if breakdown.key not in CHARTED or not known:
            continue
        drawn[breakdown.key] = hbar_chart(
            title=f"Fonds d'Innovation Territorial mobilisé — {breakdown.title.lower()}",
            description="; ".join(
                f"{r.label} : {format_money(r.figures.fund)} ({r.figures.count} opération"
                f"{'s' if r.figures.count > 1 else ''})"
                for r in breakdown.rows
            ),
            rows=[(short_label(r.label), r.figures.fund) for r in breakdown.rows],
        )
    return drawn


@policy.page(get="bilan.read")
def bilan_index(request):
    generations = bilans.bilan_generations(user=request.user)
    rows = [(g, bilans.compute_bilan(g).totals) for g in generations]
    return render(
        request,
        "pilotage/bilan/index.html",
        {"rows": rows, "can_import": policy.allows(request.user, "history_import", "create")},
    )


@policy.page(get="bilan.read")
def bilan_detail(request, pk: int):
    fmt = request.GET.get("format")
    exporting = fmt in {"csv", "xlsx"}
    bilan = bilans.bilan_get(
        user=request.user, generation_id=pk, action="export" if exporting else "read"
    )
    if exporting:
        label = bilan.generation.period_label
        if request.GET.get("tableau") == "operations":
            return export_response(
                fmt,
                f"bilan-{label}-operations",
                bilans.OPERATIONS_HEADER,
                bilans.operation_rows(bilan),
                "Opérations",
            )
        return export_response(
            fmt, f"bilan-{label}", bilans.TABLE_HEADER, bilans.breakdown_rows(bilan), "Bilan"
        )
    drawn = charts(bilan)
    sections = [(b, drawn.get(b.key)) for b in bilan.breakdowns]
    return render(
        request,
        "pilotage/bilan/detail.html",
        {
            "bilan": bilan,
            "sections": sections,
            "totals": bilan.totals,
            "can_open_operations": policy.allows(request.user, "operation", "read"),
        },
    )


@policy.page(get="bilan.read")
def bilan_pdf(request, pk: int):
    bilan = bilans.bilan_get(user=request.user, generation_id=pk)
    try:
        content = render_bilan_pdf(bilan, charts(bilan))
    except ValidationError as exc:  # a text its fonts cannot show: said, with what to correct
        flash_refusal(request, exc)
        return redirect("bilan:detail", pk=pk)
    response = HttpResponse(content, content_type="application/pdf")
    name = f"bilan-{bilan.generation.period_label}-{timezone.localdate():%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
