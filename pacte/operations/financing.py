"""The financing plan's figures and rules: balance, CGCT L1111-10, the fund's caps.

Every figure is Decimal to the cent; nothing is rounded here but the percentages shown.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from pacte.core.french import format_decimal, format_money
from pacte.core.money import MONEY_MAX_DIGITS, percent

from .models import Expense, Operation, Resource

ZERO = Decimal("0.00")
MONEY_LIMIT = Decimal(10) ** (MONEY_MAX_DIGITS - 2)
MIN_OWNER_SHARE = Decimal("20")  # CGCT L1111-10 III, in % of the total public funding
# Urban renewal and European territorial cooperation are exceptions of the law itself; the
# others are granted by an arrêté of the préfet, whose reference the plan records.
PREFECT_DEROGATIONS = frozenset(Operation.Derogation.values) - {
    "",
    Operation.Derogation.URBAN_RENEWAL,
    Operation.Derogation.FEDER,
}


@dataclass
class OwnerContribution:
    """CGCT L1111-10 III: the owner provides at least 20 % of the project's public funding."""

    applies: bool
    owner_amount: Decimal
    public_total: Decimal
    required_amount: Decimal
    share: Decimal | None
    derogation: str
    compliant: bool

    @property
    def explanation(self) -> str:
        if not self.applies:
            return "Règle non applicable : le porteur n'est ni une commune ni un groupement."
        text = (
            f"Participation du porteur {format_money(self.owner_amount)} sur "
            f"{format_money(self.public_total)} de financements publics "
            f"({format_decimal(self.share) if self.share is not None else '—'} %) ; "
            "minimum 20 % soit "
            f"{format_money(self.required_amount)}."
        )
        if self.derogation:
            return text + f" Dérogation : {self.derogation}."
        return text


@dataclass
class FinancingSummary:
    basis_label: str
    expenses_excl_tax: Decimal
    expenses_incl_tax: Decimal
    basis: Decimal
    resources: Decimal
    by_funder: dict[str, Decimal]
    fund_amount: Decimal
    department_other: Decimal
    fund_rate: Decimal | None
    owner: OwnerContribution
    problems: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.basis == self.resources and self.basis > 0

    @property
    def gap(self) -> Decimal:
        return self.basis - self.resources


def summarise(operation: Operation, expenses=None, resources=None) -> FinancingSummary:
    """Figures of the plan. `expenses` and `resources` may be given to avoid queries."""
    expenses = list(operation.expenses.all() if expenses is None else expenses)
    resources = list(operation.resources.all() if resources is None else resources)
    excl = sum((e.amount_excl_tax for e in expenses), ZERO)
    incl = sum((e.amount_incl_tax for e in expenses), ZERO)
    basis = excl if operation.vat_recovered else incl
    by_funder: dict[str, Decimal] = {}
    for r in resources:
        by_funder[r.funder] = by_funder.get(r.funder, ZERO) + r.amount
    total = sum(by_funder.values(), ZERO)
    fund = by_funder.get(Resource.Funder.FIT, ZERO)
    generation = operation.contract.generation

    owner_amount = by_funder.get(Resource.Funder.SELF, ZERO)
    others_public = sum((a for f, a in by_funder.items() if f in Resource.PUBLIC_FUNDERS), ZERO)
    public_total = others_public + owner_amount
    # Never rounded in the owner's favour: 20 % of 100 000,02 € is 20 000,004 €, so 20 000,01 €
    # is the least the owner pays; the check compares exact amounts, not the rounded one.
    required = (public_total * MIN_OWNER_SHARE / 100).quantize(
        Decimal("0.01"), rounding=ROUND_CEILING
    )
    reaches_minimum = owner_amount * 100 >= public_total * MIN_OWNER_SHARE
    applies = operation.owner_is_local_authority
    derogation = operation.get_derogation_display() if operation.derogation else ""
    owner = OwnerContribution(
        applies=applies,
        owner_amount=owner_amount,
        public_total=public_total,
        required_amount=required,
        share=percent(owner_amount, public_total),
        derogation=derogation,
        compliant=(not applies) or reaches_minimum or bool(operation.derogation),
    )
    summary = FinancingSummary(
        basis_label="hors taxes" if operation.vat_recovered else "toutes taxes comprises",
        expenses_excl_tax=excl,
        expenses_incl_tax=incl,
        basis=basis,
        resources=total,
        by_funder=by_funder,
        fund_amount=fund,
        department_other=by_funder.get(Resource.Funder.DEPARTMENT_OTHER, ZERO),
        fund_rate=percent(fund, basis),
        owner=owner,
    )
    problems = summary.problems
    if not expenses:
        problems.append("Ajoutez au moins une dépense.")
    if not resources:
        problems.append("Ajoutez au moins une ressource.")
    elif fund == ZERO:
        problems.append("Indiquez le montant sollicité au Fonds d'Innovation Territorial.")
    if expenses and resources and not summary.balanced:
        problems.append(
            f"Le plan de financement n'est pas équilibré : dépenses {summary.basis_label} "
            f"{format_money(basis)}, ressources {format_money(total)} "
            f"(écart {format_money(summary.gap)})."
        )
    if expenses and basis < generation.min_project_amount:
        problems.append(
            f"Le coût du projet ({format_money(basis)}) est inférieur au minimum de "
            f"{format_money(generation.min_project_amount)} fixé pour cette génération."
        )
    if fund and summary.fund_rate is not None and summary.fund_rate > generation.fund_max_rate:
        problems.append(
            "Le Fonds d'Innovation Territorial couvrirait "
            f"{format_decimal(summary.fund_rate)} % de la dépense, au-delà du taux maximal de "
            f"{format_decimal(generation.fund_max_rate)} %."
        )
    if fund > generation.fund_ceiling_amount:
        problems.append(
            f"Le montant sollicité au fonds ({format_money(fund)}) dépasse le plafond de "
            f"{format_money(generation.fund_ceiling_amount)} par opération."
        )
    if not owner.compliant:
        problems.append(
            "La participation du porteur est inférieure à 20 % des financements publics "
            f"(CGCT L1111-10) : {owner.explanation} Augmentez l'autofinancement ou indiquez "
            "la dérogation et l'arrêté du préfet."
        )
    if operation.derogation in PREFECT_DEROGATIONS and not operation.derogation_order.strip():
        problems.append("Indiquez la référence de l'arrêté du préfet qui accorde la dérogation.")
    return summary


def read_amount(raw: object, label: str) -> Decimal:
    """An amount as typed or sent (« 125 000,50 », « 125000.5 »), to the cent; a French
    refusal naming the line otherwise."""
    text = str(raw).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    # Digits and a decimal point only: no exponent (« 1,5e3 »), no other script's digits.
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise ValidationError(f"{label} : montant illisible « {raw} ».")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"{label} : montant illisible « {raw} ».") from exc
    if not value.is_finite() or value <= 0:
        raise ValidationError(f"{label} : un montant positif, au centime près.")
    if value >= MONEY_LIMIT:
        raise ValidationError(
            f"{label} : montant hors de portée (moins de 1 000 milliards d'euros)."
        )
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"{label} : un montant positif, au centime près.")
    return value


@dataclass
class PlanLines:
    """The lines of a plan read from what was typed or sent: those that are right, unsaved,
    and a French sentence for each that is not (the plan is written only without any)."""

    expenses: list[Expense]
    resources: list[Resource]
    problems: list[str]


def plan_lines(
    operation: Operation,
    expenses: Iterable[Mapping[str, Any]],
    resources: Iterable[Mapping[str, Any]],
) -> PlanLines:
    """Each line checked (its label or funder, its amounts, TTC at least HT), then what the
    plan adds up, which Pacte stores and shows. The service writes the lines only when there
    is no problem; the financing plan's form shows them as they are typed."""
    lines = PlanLines(expenses=[], resources=[], problems=[])
    for index, item in enumerate(expenses, start=1):
        try:
            label = str(item.get("label") or "").strip()
            if not label:
                raise ValidationError(f"Dépense {index} : indiquez le poste de dépense.")
            excl = read_amount(item.get("amount_excl_tax"), f"Dépense {index} (HT)")
            incl = read_amount(item.get("amount_incl_tax"), f"Dépense {index} (TTC)")
            if incl < excl:
                raise ValidationError(
                    f"Dépense {index} : le montant TTC est au moins le montant HT."
                )
        except ValidationError as exc:
            lines.problems += exc.messages
            continue
        lines.expenses.append(
            Expense(operation=operation, label=label, amount_excl_tax=excl, amount_incl_tax=incl)
        )
    for index, item in enumerate(resources, start=1):
        try:
            funder = item.get("funder")
            if funder not in Resource.Funder.values:
                raise ValidationError(f"Ressource {index} : choisissez le financeur.")
            status = item.get("status") or Resource.Status.REQUESTED
            if status not in Resource.Status.values:
                raise ValidationError(f"Ressource {index} : statut inconnu.")
            amount = read_amount(item.get("amount"), f"Ressource {index}")
        except ValidationError as exc:
            lines.problems += exc.messages
            continue
        lines.resources.append(
            Resource(
                operation=operation,
                funder=funder,
                label=str(item.get("label") or "").strip(),
                amount=amount,
                status=status,
            )
        )
    totals = {
        "le coût HT": sum((e.amount_excl_tax for e in lines.expenses), ZERO),
        "le coût TTC": sum((e.amount_incl_tax for e in lines.expenses), ZERO),
        "les ressources": sum((r.amount for r in lines.resources), ZERO),
    }
    for label, total in totals.items():
        if total >= MONEY_LIMIT:
            lines.problems.append(
                f"Plan de financement hors de portée : {label} du plan atteint "
                f"{format_money(total)} (moins de 1 000 milliards d'euros)."
            )
    return lines
