"""Documents built from Pacte's data with Typst templates (files in pacte/documents/typst/)."""

import datetime
import hashlib
import json
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import typst
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from pacte.core.french import (
    NBSP,
    amount_in_words,
    format_date_words,
    format_decimal,
    format_money,
    format_quantity,
    french_spacing,
)
from pacte.operations.financing import summarise

from .agreement import agreement_text

TEMPLATES = Path(__file__).resolve().parent / "typst"


def template_sha256(name: str) -> str:
    """The template's version: a hash of its file and of the shared layout."""
    digest = hashlib.sha256()
    for file in [TEMPLATES / "common.typ", TEMPLATES / name]:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def printable(text: str) -> str:
    """A text as a PDF/A document may hold it: invisible format characters (a byte order
    mark, zero-width spaces…), private-use and unpaired surrogate codepoints removed, and the
    full-width forms of Asian keyboards (« ＝１２ ») written as their plain characters."""
    kept = []
    for char in text:
        code = ord(char)
        if 0xFF01 <= code <= 0xFF5E:
            kept.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            kept.append(" ")
        elif unicodedata.category(char) in {"Cf", "Co", "Cs"} and char != "\u00ad":
            continue
        else:
            kept.append(char)
    return "".join(kept)


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(item) for item in value]
    return value


class RenderingRefused(ValidationError):
    """The text cannot be set in the document (a character its fonts do not have)."""


def render_pdf(name: str, data: dict, *, dated: datetime.datetime) -> bytes:
    """Compile the template with the data as JSON: tagged PDF/A-2a (accessible). `dated` is
    the document's own date (its generation, or the act's adoption), written in the PDF's
    metadata (Info and XMP): the same data and date give the same bytes. A text that the
    document's fonts cannot show is refused in French, naming the character."""
    try:
        return typst.compile(
            str(TEMPLATES / name),
            root=str(TEMPLATES),
            sys_inputs={"data": json.dumps(_printable(data), ensure_ascii=False)},
            pdf_standards=["a-2a"],
            timestamp=int(dated.timestamp()),
        )
    except typst.TypstError as exc:
        found = re.search(r"the text `\"(.+?)\"` could not be displayed", str(exc))
        if found:
            raise RenderingRefused(
                f"Le document ne peut pas être composé : le caractère « {found.group(1)} » "
                "d'un texte saisi n'existe pas dans ses polices. Corrigez ce texte (titre, "
                "description, nom…) puis générez-le à nouveau."
            ) from exc
        raise


def signature_fields(name: str, data: dict) -> list[dict]:
    """Where the template leaves room for each signature (its `<signature-field>` marks): the
    signer, the page (from 1), and the space's position and size in points from the page's
    top left corner."""
    found = typst.query(
        str(TEMPLATES / name),
        "<signature-field>",
        field="value",
        root=str(TEMPLATES),
        sys_inputs={"data": json.dumps(_printable(data), ensure_ascii=False)},
    )
    return [
        {key: field[key] for key in ("signer", "page", "x", "y", "width", "height")}
        for field in json.loads(found)
    ]


def _money(value) -> str:
    return format_money(value) if value is not None else "—"


def location_svg(operation) -> str | None:
    """The département with the operation's communes highlighted, as a standalone SVG."""
    communes = list(operation.communes.all())
    if not communes:
        return None
    department = communes[0].department
    shapes = "".join(
        f'<path d="{c.svg_path}" fill="#b34000" stroke="#4a1a00" stroke-width="0.4"/>'
        for c in communes
        if c.svg_path
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{department.svg_viewbox}">'
        f'<path d="{department.svg_path}" fill="#eef3f8" stroke="#5b6b7b" stroke-width="0.4"/>'
        f"{shapes}</svg>"
    )


def _base(operation) -> dict:
    generation = operation.contract.generation
    stakes = list(operation.stakes.all())
    pacts = sorted({p.name for s in stakes for p in s.pacts.all()})
    orientations = sorted({o.name for s in stakes for o in s.orientations.all()})
    schedule = (
        f"du {operation.planned_start:%d/%m/%Y} au {operation.planned_end:%d/%m/%Y}"
        if operation.planned_start and operation.planned_end
        else "—"
    )
    return {
        "reference": operation.reference,
        "title": operation.title,
        "generation": generation.name,
        "generation_lower": generation.name[0].lower() + generation.name[1:],
        "framework": generation.framework_deliberation_number,
        "partner": operation.contract.partner.name,
        "category": operation.get_category_display(),
        "communes": ", ".join(f"{c.name} ({c.insee_code})" for c in operation.communes.all())
        or "—",
        "schedule": schedule,
        "stakes": [s.title for s in stakes],
        "pacts": pacts,
        "orientations": orientations,
        "commitments": [
            f"{c.description}"
            + (
                f" (cible : {format_quantity(c.target)} {c.unit})".rstrip()
                if c.target is not None
                else ""
            )
            for c in operation.commitments.all()
        ],
    }


def sheet_data(operation) -> dict:
    summary = summarise(operation)
    funders = dict(operation.resources.model.Funder.choices)
    statuses = dict(operation.resources.model.Status.choices)
    proposed = operation.proposed_subsidy_amount
    svg = location_svg(operation)
    data = _base(operation) | {
        "description": operation.description,
        "shared_objectives": operation.shared_objectives or "—",
        "environment": operation.environment or "—",
        "reach": operation.get_territorial_reach_display() or "—",
        "usage_terms": operation.usage_terms or "—",
        "expenses": [
            {
                "label": e.label,
                "excl": format_money(e.amount_excl_tax),
                "incl": format_money(e.amount_incl_tax),
            }
            for e in operation.expenses.all()
        ],
        "total_excl": format_money(summary.expenses_excl_tax),
        "total_incl": format_money(summary.expenses_incl_tax),
        "resources": [
            {
                "funder": funders[r.funder] + (f" — {r.label}" if r.label else ""),
                "status": statuses[r.status],
                "amount": format_money(r.amount),
            }
            for r in operation.resources.all()
        ],
        "total_resources": format_money(summary.resources),
        "owner_rule": summary.owner.explanation,
        "proposed_subsidy": _money(proposed),
        "proposed_rate": (
            f"{format_decimal(proposed * 100 / summary.basis)} % de la dépense "
            f"{summary.basis_label}"
            if proposed and summary.basis
            else "—"
        ),
        "justification_policies": operation.justification_policies or "—",
        "justification_dynamics": operation.justification_dynamics or "—",
        "justification_cofunding": operation.justification_cofunding or "—",
        "map": svg,
        "map_alt": (
            f"Localisation de l'opération dans le département : {_base(operation)['communes']}"
            if svg
            else ""
        ),
    }
    # No-break spaces before « ; : % » and inside « », in every text but the map's drawing.
    return french_spacing({k: v for k, v in data.items() if k != "map"}) | {"map": svg}


FEMININE_NAMES = ("communauté", "commune", "ville", "métropole", "association", "agence", "régie")
MASCULINE_NAMES = (
    "syndicat",
    "pôle",
    "pays",
    "parc",
    "centre",
    "office",
    "comité",
    "établissement",
)


def _feminine(partner) -> bool:
    """Whether the partner's name calls for « représentée »: by its first word (« Communauté
    de communes… », « Syndicat mixte… »), or else by its nature (a commune, an association)."""
    name = partner.name.strip().lower()
    if name.startswith(FEMININE_NAMES):
        return True
    if name.startswith(MASCULINE_NAMES):
        return False
    return partner.kind in {partner.Kind.COMMUNE, partner.Kind.ASSOCIATION, partner.Kind.EPCI}


def agreement_data(operation, *, department_signatory: str, partner_signatory: str) -> dict:
    summary = summarise(operation)
    generation = operation.contract.generation
    amount = operation.granted_amount or Decimal("0")
    partner = operation.contract.partner
    ids = ", ".join(
        filter(
            None,
            [
                f"SIREN {partner.siren}" if partner.siren else "",
                f"SIRET {partner.siret}" if partner.siret else "",
                f"RNA {partner.rna}" if partner.rna else "",
            ],
        )
    )
    voted_on = operation.voted_on or timezone.localdate()
    facts = _base(operation) | {
        "amount": format_money(amount),
        "amount_words": amount_in_words(amount),
        "rate": f"{format_decimal(amount * 100 / summary.basis)}{NBSP}%" if summary.basis else "—",
        "basis": format_money(summary.basis),
        "basis_label": summary.basis_label,
        "deliberation": getattr(getattr(operation, "commitment", None), "deliberation_number", "")
        or "—",
        "vote_date_words": format_date_words(voted_on),
        "partner_ids": ids or "—",
        "partner_represented": "représentée" if _feminine(partner) else "représenté",
        "department_signatory": department_signatory,
        "partner_signatory": partner_signatory,
        "advance_percent": f"{format_decimal(generation.advance_max_percent, 0)}{NBSP}%",
        "instalments_percent": f"{format_decimal(generation.instalments_max_percent, 0)}{NBSP}%",
        "start_years": generation.start_deadline_years,
        "completion_years": generation.completion_deadline_years,
        "location": settings.PACTE_SIGNING_LOCATION,
    }
    # The text both forms set (PDF and DOCX), kept with the facts it was written from.
    return facts | {"text": _printable(agreement_text(facts))}
