"""The data of a report's PDF and its annexes (subsidies, contracts approved)."""

from pacte.core.french import french_spacing

from ..models import Report
from .annex import subsidies_annex
from .deliberation import commission_sentence, opinions_of, sitting_heading
from .text import BODIES, PRESIDENT, lines, text_blocks


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
