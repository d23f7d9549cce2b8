"""The annex of the acts on subsidies: the operations, their partners and amounts."""

from decimal import Decimal

from pacte.core.french import format_money
from pacte.finance.models import Commitment, ProgrammeAuthorisation
from pacte.finance.selectors import ap_figures
from pacte.operations.financing import summarise

from ..models import Report


def subsidies_annex(report: Report, *, with_ap: bool = True) -> dict | None:
    """The annex of a report on subsidies: its operations and amounts, checked against the AP
    (for the report's PDF and its page); without the AP (whose figures move with later
    commitments), the annex of the deliberation that attributes them."""
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
    if not with_ap:
        return annex
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
