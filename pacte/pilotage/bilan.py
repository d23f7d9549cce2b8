"""The bilan of a generation: what its operations achieved, in figures and in one sentence.

The operations counted are those the Département supported: voted, under agreement, under way
or completed (`Operation.objects.voted()`), past and current generations alike; the operations
imported from the history are completed operations of their generation. Every sum is made in
Python on Decimals read from the database (no floating point on the way).

- fund: the subsidy voted from the Fonds d'Innovation Territorial (`granted_amount`);
- other departmental funding (« droit commun »): the plan's « Département — autres
  financements » resources;
- total cost: the basis of the financing plan (expenses excluding VAT when the owner recovers
  it, including VAT otherwise);
- public investment: the plan's public resources (the fund, the Département's other funding,
  the State, the Région, Europe, other public funders) plus the owner's own funding when the
  owner is a public body (commune, intercommunalité, syndicat mixte).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.utils import timezone

from pacte.contracts.models import Generation, Partner
from pacte.core import policy
from pacte.core.french import (
    amount_words,
    count_words,
    format_date,
    format_date_words,
    format_integer,
)
from pacte.core.ids import MAX_ID
from pacte.operations.models import Expense, Operation, Resource

ZERO = Decimal("0.00")
PUBLIC_OWNERS = frozenset({Partner.Kind.COMMUNE, Partner.Kind.EPCI, Partner.Kind.JOINT_SYNDICATE})
NOT_SET = "Non renseigné"
NO_PACT = "Sans pacte (génération antérieure aux pactes ou enjeu sans pacte)"
NO_ORIENTATION = "Sans orientation transversale"


@dataclass
class Figures:
    count: int = 0
    fund: Decimal = ZERO
    common_law: Decimal = ZERO
    public_investment: Decimal = ZERO
    total_cost: Decimal = ZERO
    with_common_law: int = 0

    def add(self, other: "Figures") -> None:
        self.count += other.count
        self.fund += other.fund
        self.common_law += other.common_law
        self.public_investment += other.public_investment
        self.total_cost += other.total_cost
        self.with_common_law += other.with_common_law


@dataclass
class OperationFigures:
    pk: int
    reference: str
    title: str
    partner: str
    category: str
    territory: str
    epci: str
    voted_on: datetime.date | None
    figures: Figures
    pacts: set = field(default_factory=set)
    orientations: set = field(default_factory=set)


@dataclass
class BreakdownRow:
    label: str
    figures: Figures


@dataclass
class Breakdown:
    key: str
    title: str
    heading: str
    rows: list[BreakdownRow]
    note: str = ""
    overlapping: bool = False


@dataclass
class Bilan:
    generation: Generation
    as_of: datetime.date
    totals: Figures
    operations: list[OperationFigures]
    breakdowns: list[Breakdown]
    sentence: str

    def breakdown(self, key: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.key == key)


# --- Reads ---------------------------------------------------------------------------------


# Database ids are 64-bit: a larger number designates nothing.


def bilan_generations(*, user, action: str = "read"):
    """The generations whose bilan `user` may read (or export, with `action`)."""
    return policy.scope(user, "bilan", Generation.objects.order_by("-period_start"), action)


def bilan_get(*, user, generation_id, action: str = "read") -> Bilan:
    generations = bilan_generations(user=user, action=action)
    try:
        pk = int(generation_id)
    except (TypeError, ValueError, OverflowError):
        pk = 0
    generation = generations.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if generation is None:
        raise Http404("Génération introuvable.")
    return compute_bilan(generation)


def compute_bilan(generation: Generation, as_of: datetime.date | None = None) -> Bilan:
    as_of = as_of or timezone.localdate()
    supported = Operation.objects.voted().in_generation(generation)
    rows = supported.order_by("reference").values_list(
        "pk",
        "reference",
        "title",
        "category",
        "granted_amount",
        "voted_on",
        "vat_recovered",
        "contract__partner__name",
        "contract__partner__kind",
        "contract__partner__territory__name",
        "contract__partner__epci__name",
        "contract__partner__epci__territory__name",
        "contract__partner__commune__epci__name",
        "contract__partner__commune__epci__territory__name",
    )
    categories = dict(Operation.Category.choices)
    operations: dict[int, OperationFigures] = {}
    vat_recovered: dict[int, bool] = {}
    public_owner: dict[int, bool] = {}
    for (
        pk,
        reference,
        title,
        category,
        granted,
        voted_on,
        vat,
        partner,
        kind,
        territory,
        epci,
        epci_territory,
        commune_epci,
        commune_epci_territory,
    ) in rows:
        operations[pk] = OperationFigures(
            pk=pk,
            reference=reference,
            title=title,
            partner=partner,
            category=categories.get(category, category),
            territory=territory or epci_territory or commune_epci_territory or NOT_SET,
            epci=epci or commune_epci or "Non rattachée à une intercommunalité",
            voted_on=voted_on,
            figures=Figures(count=1, fund=granted or ZERO),
        )
        vat_recovered[pk] = vat
        public_owner[pk] = kind in PUBLIC_OWNERS
    ids = supported.values("pk")
    for operation_id, excl, incl in Expense.objects.filter(operation__in=ids).values_list(
        "operation_id", "amount_excl_tax", "amount_incl_tax"
    ):
        operations[operation_id].figures.total_cost += excl if vat_recovered[operation_id] else incl
    for operation_id, funder, amount in Resource.objects.filter(operation__in=ids).values_list(
        "operation_id", "funder", "amount"
    ):
        figures = operations[operation_id].figures
        if funder == Resource.Funder.DEPARTMENT_OTHER:
            figures.common_law += amount
            figures.with_common_law = 1
        if funder in Resource.PUBLIC_FUNDERS or (
            funder == Resource.Funder.SELF and public_owner[operation_id]
        ):
            figures.public_investment += amount
    for operation_id, pact, orientation in (
        supported.order_by()
        .values_list("pk", "stakes__pacts__name", "stakes__orientations__name")
        .distinct()
    ):
        if pact:
            operations[operation_id].pacts.add(pact)
        if orientation:
            operations[operation_id].orientations.add(orientation)

    totals = Figures()
    for operation in operations.values():
        totals.add(operation.figures)
    listed = list(operations.values())
    breakdowns = [
        _breakdown(
            "categorie",
            "Par catégorie de projet",
            "Catégorie",
            listed,
            lambda o: [o.category],
        ),
        _breakdown(
            "pacte",
            "Par pacte",
            "Pacte",
            listed,
            lambda o: sorted(o.pacts) or [NO_PACT],
            overlapping=True,
        ),
        _breakdown(
            "orientation",
            "Par orientation transversale",
            "Orientation",
            listed,
            lambda o: sorted(o.orientations) or [NO_ORIENTATION],
            overlapping=True,
        ),
        _breakdown("territoire", "Par territoire", "Territoire", listed, lambda o: [o.territory]),
        _breakdown(
            "intercommunalite",
            "Par intercommunalité",
            "Intercommunalité",
            listed,
            lambda o: [o.epci],
        ),
    ]
    return Bilan(
        generation=generation,
        as_of=as_of,
        totals=totals,
        operations=listed,
        breakdowns=breakdowns,
        sentence=bilan_sentence(generation, totals, as_of),
    )


def _breakdown(key, title, heading, operations, labels_of, overlapping=False) -> Breakdown:
    groups: dict[str, Figures] = defaultdict(Figures)
    for operation in operations:
        for label in labels_of(operation):
            groups[label].add(operation.figures)
    rows = sorted(
        (BreakdownRow(label, figures) for label, figures in groups.items()),
        key=lambda r: (-r.figures.fund, r.label),
    )
    note = ""
    if overlapping:
        note = (
            "Une opération qui sert plusieurs pactes compte dans chacun"
            if key == "pacte"
            else "Une opération qui sert plusieurs orientations compte dans chacune"
        ) + " : les lignes ne s'additionnent pas."
    return Breakdown(key, title, heading, rows, note, overlapping)


# --- The sentence --------------------------------------------------------------------------


def bilan_sentence(generation: Generation, totals: Figures, as_of: datetime.date) -> str:
    """The bilan as the framework deliberation's report writes it (report n°18 of 2022)."""
    subject = f"La génération de contractualisation {generation.period_label}"
    if generation.framework_deliberation_date:
        subject += f", votée le {format_date_words(generation.framework_deliberation_date)}"
    if generation.is_history or as_of > generation.period_end:
        years = generation.period_end.year - generation.period_start.year + 1
        when = f"a permis en {years} années"
    else:
        when = f"a permis à ce jour ({format_date(as_of)})"
    if not totals.count:
        return f"{subject} n'a encore accompagné aucune opération."
    fund_name = generation.fund_name or "Fonds d'Innovation Territorial"
    text = (
        f"{subject}, {when}, d'accompagner {count_words(totals.count)} par une mobilisation de "
        f"{amount_words(totals.fund, more_than=False)} issus du {fund_name}"
    )
    if totals.common_law > 0:
        some = "pour certains projets " if totals.with_common_law < totals.count else ""
        text += (
            f", associée, {some}à {amount_words(totals.common_law, more_than=True)} de "
            "financements de droit commun"
        )
    text += ". "
    these = (
        "Cette opération représente"
        if totals.count == 1
        else f"Ces {format_integer(totals.count)} opérations représentent"
    )
    text += (
        f"{these} un investissement public de "
        f"{amount_words(totals.public_investment, more_than=True)} collectivement mobilisés pour "
        "le développement et la préservation des territoires."
    )
    return text


# --- Exports -------------------------------------------------------------------------------

TABLE_HEADER = [
    "Répartition",
    "Libellé",
    "Opérations",
    "Fonds d'Innovation Territorial (€)",
    "Droit commun du Département (€)",
    "Investissement public (€)",
    "Coût total (€)",
]
OPERATIONS_HEADER = [
    "Référence",
    "Intitulé",
    "Partenaire",
    "Catégorie",
    "Territoire",
    "Intercommunalité",
    "Voté le",
    "Fonds d'Innovation Territorial (€)",
    "Droit commun du Département (€)",
    "Investissement public (€)",
    "Coût total (€)",
]


def _figures_cells(figures: Figures) -> list:
    return [
        figures.count,
        figures.fund,
        figures.common_law,
        figures.public_investment,
        figures.total_cost,
    ]


def breakdown_rows(bilan: Bilan) -> list[list]:
    rows = [["Ensemble", "Toutes les opérations", *_figures_cells(bilan.totals)]]
    for breakdown in bilan.breakdowns:
        dimension = breakdown.heading
        for row in breakdown.rows:
            rows.append([dimension, row.label, *_figures_cells(row.figures)])
    return rows


def operation_rows(bilan: Bilan) -> list[list]:
    return [
        [
            o.reference,
            o.title,
            o.partner,
            o.category,
            o.territory,
            o.epci,
            o.voted_on,
            o.figures.fund,
            o.figures.common_law,
            o.figures.public_investment,
            o.figures.total_cost,
        ]
        for o in bilan.operations
    ]
