"""The data of a report's PDF and its annexes (subsidies, contracts approved)."""

from decimal import Decimal

from pacte.core.french import (
    format_money,
    french_spacing,
)
from pacte.finance.models import Commitment, ProgrammeAuthorisation
from pacte.finance.selectors import ap_figures
from pacte.operations.financing import summarise

from ..models import Report
from .deliberation import commission_sentence, opinions_of, sitting_heading
from .text import BODIES, PRESIDENT, lines, text_blocks


def subsidies_annex(report: Report) -> dict | None:
    """The annex of a report on subsidies: its operations and amounts, checked against the AP
    (for the report's PDF and its page)."""
    operations = list(
        report.operations.select_related("contract__partner", "contract__generation")
        .prefetch_related("expenses", "resources")
        .order_by("reference")
    )
    if not operations:
        return None
    rows, total = [], Decimal("0.00")
    for operation in operations:
        summary = summarise(operation)
        amount = operation.proposed_subsidy_amount or Decimal("0.00")
        total += amount
        rows.append(
            {
                "reference": operation.reference,
                "partner": operation.contract.partner.name,
                "title": operation.title,
                "cost": format_money(summary.basis),
                "cost_basis": "HT" if summary.basis_label == "hors taxes" else "TTC",
                "subsidy": format_money(amount),
            }
        )
    annex = {
        "title": "ANNEXE : OPÉRATIONS PROPOSÉES",
        "header": ["Référence", "Partenaire", "Opération", "Coût total", "Subvention proposée"],
        "rows": rows,
        "total_label": f"Total ({len(rows)} opération{'s' if len(rows) > 1 else ''})",
        "total": format_money(total),
        "ap": None,
    }
    generation = operations[0].contract.generation
    ap = ProgrammeAuthorisation.objects.filter(generation=generation).first()
    if ap is not None:
        figures = ap_figures(ap)
        # Once adopted, this report's subsidies are committed: they are not « already » so.
        own = Commitment.objects.filter(authorisation=ap, operation__in=operations)
        own_committed = sum((c.net_amount for c in own), Decimal("0.00"))
        before = figures["committed"] - own_committed
        annex["ap"] = {
            "label": f"Autorisation de programme « {ap.label} » ({generation.name})",
            "header": ["Montant de l'AP", "Déjà engagé", "Présent rapport", "Disponible après"],
            "values": [
                format_money(ap.amount),
                format_money(before),
                format_money(total),
                format_money(ap.amount - before - total),
            ],
        }
    return annex


def contracts_annex(report: Report) -> dict | None:
    contracts = list(
        report.contracts.select_related("partner", "generation").order_by("partner__name")
    )
    if not contracts:
        return None
    return {
        "title": "ANNEXE : CONTRATS SOUMIS À APPROBATION",
        "header": ["Partenaire", "Génération"],
        "rows": [[c.partner.name, c.generation.name] for c in contracts],
    }


def report_data(report: Report) -> dict:
    """Everything the report writes, in its order, with its annex."""
    sitting = report.sitting
    heading = sitting_heading(sitting)
    data = {
        "reference": (
            report.deliberation.number
            if hasattr(report, "deliberation")
            else f"{sitting.held_on:%Y-%m-%d}-rapport-{report.number}"
        ),
        "collectivity": heading["collectivity"],
        "pole": report.pole,
        "direction": report.direction,
        "number_line": f"RAPPORT N°{report.number}",
        "territories": f"Territoire(s): {report.territories}",
        "heading": BODIES[sitting.body]["report_heading"],
        "meeting": heading["meeting"],
        "title": report.title.upper(),
        "text": text_blocks(report.text),
        "proposal_intro": "Il convient de statuer et le cas échéant :",
        "proposal": lines(report.proposal),
        "opinions": [commission_sentence(o) for o in opinions_of(report)],
        "closing": "Je vous prie de bien vouloir en délibérer.",
        "president_title": PRESIDENT,
        "signed": "SIGNE",
        "president_name": heading["president_name"],
        "subsidies": subsidies_annex(report) if report.kind == Report.Kind.SUBSIDIES else None,
        "contracts": contracts_annex(report) if report.kind == Report.Kind.CONTRACTS else None,
    }
    return french_spacing(data)
