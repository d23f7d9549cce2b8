"""The bilan as a PDF, with the Typst template `pacte/documents/typst/bilan.typ`."""

from django.utils import timezone

from pacte.core.french import format_date, format_integer, format_money
from pacte.documents.rendering import render_pdf

from . import bilan as bilans


def _cells(figures) -> list[str]:
    return [
        format_integer(figures.count),
        format_money(figures.fund),
        format_money(figures.common_law),
        format_money(figures.public_investment),
        format_money(figures.total_cost),
    ]


def bilan_data(bilan, charts: dict) -> dict:
    generation = bilan.generation
    totals = bilan.totals
    return {
        "reference": f"Bilan {generation.period_label}",
        "generation": generation.name,
        "title": f"Bilan de la génération {generation.period_label}",
        "as_of": format_date(bilan.as_of),
        "framework": generation.framework_deliberation_number or "—",
        "sentence": bilan.sentence,
        "kpis": [
            ["Opérations accompagnées", format_integer(totals.count)],
            ["Fonds d'Innovation Territorial", format_money(totals.fund)],
            ["Financements de droit commun du Département", format_money(totals.common_law)],
            ["Investissement public", format_money(totals.public_investment)],
            ["Coût total des opérations", format_money(totals.total_cost)],
        ],
        "breakdowns": [
            {
                "title": b.title,
                "heading": b.heading,
                "note": b.note,
                "rows": [[r.label, *_cells(r.figures)] for r in b.rows],
                "total": None if b.overlapping else ["Total", *_cells(totals)],
                "chart": str(charts[b.key]) if b.key in charts else None,
                "chart_alt": f"Fonds d'Innovation Territorial mobilisé, {b.title.lower()} : "
                + "; ".join(f"{r.label} {format_money(r.figures.fund)}" for r in b.rows),
            }
            for b in bilan.breakdowns
        ],
        "operations": [
            [
                o.reference,
                o.title,
                o.partner,
                format_date(o.voted_on),
                format_money(o.figures.fund),
                format_money(o.figures.total_cost),
            ]
            for o in bilan.operations
        ],
    }


def render_bilan_pdf(bilan: "bilans.Bilan", charts: dict) -> bytes:
    return render_pdf("bilan.typ", bilan_data(bilan, charts), dated=timezone.now())
