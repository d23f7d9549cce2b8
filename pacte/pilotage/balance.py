"""Reads of the territorial balance: the fund's subsidies voted per intercommunalité, per
territory and per commune with centrality functions, against their population.

An operation counts where its partner is: an intercommunality partner in its intercommunalité, a
commune in the intercommunalité it belongs to, any other structure in that of its seat commune;
the territory is the partner's. Subsidies voted are the amounts granted by the assembly
(`granted_amount`), whatever became of the operation since. Shares are taken against the whole
fund voted and the population of the département served.

A constant number of grouped queries, whatever the number of operations.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from pacte.contracts.models import Contract, Partner
from pacte.core import policy
from pacte.core.french import format_decimal, format_integer, format_money
from pacte.operations.models import Operation
from pacte.territory.maps import SvgMap, label_point
from pacte.territory.models import Department, Epci, Territory

ZERO = Decimal("0.00")
# A sequential palette (light to dark blue), distinct in grey too; no subsidy is pale grey.
CLASS_COLOURS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
NONE_COLOUR = "#f4f4f4"
CLASS_COUNT = 5


@dataclass
class BalanceRow:
    key: str
    label: str
    population: int
    amount: Decimal
    operations: int
    territory: str = ""
    detail: str = ""  # the commune of a commune partner, with its INSEE code
    path: str = ""
    fund_share: Decimal | None = None  # % of the fund voted
    population_share: Decimal | None = None  # % of the département's population
    colour: str = NONE_COLOUR
    rank: int = 0

    @property
    def per_inhabitant(self) -> Decimal | None:
        return self.amount / self.population if self.population else None

    @property
    def per_operation(self) -> Decimal | None:
        return self.amount / self.operations if self.operations else None

    @property
    def index(self) -> Decimal | None:
        """Share of the fund over share of the population: 1 when in proportion."""
        if not self.fund_share or not self.population_share:
            return ZERO if self.population_share else None
        return self.fund_share / self.population_share


@dataclass
class Legend:
    classes: list[tuple[str, str]] = field(default_factory=list)  # (colour, text)


def _voted(generation_id):
    qs = Operation.objects.order_by().filter(granted_amount__isnull=False)
    if generation_id:
        qs = qs.filter(
            contract_id__in=Contract.objects.filter(generation_id=generation_id).values("id")
        )
    return qs


def _shares(rows: list[BalanceRow], fund_total: Decimal, population_total: int) -> None:
    for row in rows:
        row.fund_share = row.amount * 100 / fund_total if fund_total else None
        row.population_share = (
            Decimal(row.population) * 100 / population_total if population_total else None
        )


def _rank(rows: list[BalanceRow]) -> list[BalanceRow]:
    """Highest amount per inhabitant first; those without population last."""
    rows.sort(key=lambda r: (r.per_inhabitant is None, -(r.per_inhabitant or 0), r.label))
    for position, row in enumerate(rows, start=1):
        row.rank = position
    return rows


def classify(values: list[Decimal], count: int = CLASS_COUNT) -> list[tuple[Decimal, Decimal]]:
    """Quantile classes (low, high) of the positive values, at most `count`, none empty."""
    positive = sorted(v for v in values if v and v > 0)
    if not positive:
        return []
    bounds = []
    for i in range(1, count + 1):
        index = max(0, -(-len(positive) * i // count) - 1)  # ceil(n·i/count) − 1
        bounds.append(positive[index])
    classes, low = [], positive[0]
    for high in bounds:
        if classes and high <= classes[-1][1]:
            continue
        classes.append((low, high))
        low = high
    return classes


def _colour(value, classes) -> str:
    if not value or value <= 0:
        return NONE_COLOUR
    for position, (_, high) in enumerate(classes):
        if value <= high:
            # Spread fewer classes over the palette's range, keeping its darkest end.
            return CLASS_COLOURS[CLASS_COUNT - len(classes) + position]
    return CLASS_COLOURS[-1]


def _legend(classes) -> Legend:
    legend = Legend()
    for position, (low, high) in enumerate(classes):
        colour = CLASS_COLOURS[CLASS_COUNT - len(classes) + position]
        if position == 0:
            text = f"jusqu'à {format_money(high)} par habitant"
        else:
            text = f"plus de {format_money(low)} à {format_money(high)} par habitant"
        legend.classes.append((colour, text))
    legend.classes.append((NONE_COLOUR, "aucune subvention votée"))
    return legend


def _paint(rows: list[BalanceRow]) -> Legend:
    classes = classify([r.per_inhabitant for r in rows])
    for row in rows:
        row.colour = _colour(row.per_inhabitant, classes)
    return _legend(classes)


@dataclass
class MapName:
    """A shape of a choropleth map by its number: written on the map at (x, y), inside the
    shape, and listed beside the map with its name and its figure."""

    number: int
    label: str
    figure: str
    x: float
    y: float


@dataclass
class ChoroplethMap:
    """A département map whose shapes are filled by class, with its legend and text
    alternative. `base` shapes (e.g. the intercommunalités under the communes) are drawn
    first, unfilled."""

    svg: SvgMap
    fills: list[tuple[str, str, str]]  # (path, colour, label)
    base: list[str]
    legend: Legend
    # Each shape's number written on the map, at a point inside it, and listed beside the map
    # with its name and figure; sized in the map's units (kilometres).
    names: list[MapName] = field(default_factory=list)
    marker_radius: float = 2.5
    label_size: float = 2.9
    label_shift: float = 1.0


def territorial_balance(*, user, generation_id: int | None) -> dict:
    policy.require(user, "dashboard", "read")
    department = Department.objects.filter(code=settings.PACTE_DEPARTMENT_CODE).first()
    population_total = department.population if department else 0
    voted = _voted(generation_id)
    fund = voted.aggregate(amount=Sum("granted_amount"), n=Count("id"))
    fund_total = Decimal(fund["amount"] or 0)

    # Intercommunalités.
    by_epci = {
        epci_id: (Decimal(amount or 0), n)
        for epci_id, amount, n in voted.annotate(
            epci=Coalesce("contract__partner__epci_id", "contract__partner__commune__epci_id")
        )
        .values_list("epci")
        .annotate(amount=Sum("granted_amount"), n=Count("id"))
        .values_list("epci", "amount", "n")
    }
    epcis = Epci.objects.select_related("territory").order_by("name")
    if department:
        epcis = epcis.filter(communes__department=department).distinct()
    epci_rows = []
    for epci in epcis:
        amount, n = by_epci.get(epci.pk, (ZERO, 0))
        epci_rows.append(
            BalanceRow(
                key=epci.siren,
                label=epci.name,
                population=epci.population,
                amount=amount,
                operations=n,
                territory=epci.territory.name if epci.territory else "",
                path=epci.svg_path,
            )
        )
    held = {e.pk for e in epcis}
    outside = [(a, n) for k, (a, n) in by_epci.items() if k not in held]

    # Territories: their population is that of their intercommunalités.
    by_territory = {
        territory_id: (Decimal(amount or 0), n)
        for territory_id, amount, n in voted.values_list("contract__partner__territory_id")
        .annotate(amount=Sum("granted_amount"), n=Count("id"))
        .values_list("contract__partner__territory_id", "amount", "n")
    }
    territories = Territory.objects.order_by("name").annotate(inhabitants=Sum("epcis__population"))
    if department:
        territories = territories.filter(department=department)
    territory_rows = []
    for territory in territories:
        amount, n = by_territory.get(territory.pk, (ZERO, 0))
        territory_rows.append(
            BalanceRow(
                key=str(territory.pk),
                label=territory.name,
                population=territory.inhabitants or 0,
                amount=amount,
                operations=n,
            )
        )

    # Communes with centrality functions: the partners of kind commune.
    by_partner = {
        partner_id: (Decimal(amount or 0), n)
        for partner_id, amount, n in voted.filter(contract__partner__kind=Partner.Kind.COMMUNE)
        .values_list("contract__partner_id")
        .annotate(amount=Sum("granted_amount"), n=Count("id"))
        .values_list("contract__partner_id", "amount", "n")
    }
    partners = (
        Partner.objects.filter(kind=Partner.Kind.COMMUNE, commune__isnull=False)
        .select_related("commune", "territory")
        .order_by("name")
    )
    if department:
        partners = partners.filter(commune__department=department)
    commune_rows = []
    for partner in partners:
        amount, n = by_partner.get(partner.pk, (ZERO, 0))
        commune_rows.append(
            BalanceRow(
                key=partner.commune.insee_code,
                label=partner.name,
                population=partner.commune.population,
                amount=amount,
                operations=n,
                territory=partner.territory.name if partner.territory else "",
                detail=f"{partner.commune.name} ({partner.commune.insee_code})",
                path=partner.commune.svg_path,
            )
        )

    for rows in (epci_rows, territory_rows, commune_rows):
        _shares(rows, fund_total, population_total)
    epci_legend = _paint(epci_rows)
    commune_legend = _paint(commune_rows)
    _rank(epci_rows)
    _rank(territory_rows)
    _rank(commune_rows)
    maps = {}
    if department and department.svg_path:
        maps["epci"] = _map(
            department,
            key="carte-equilibre-epci",
            title="Subventions votées par habitant, par intercommunalité",
            rows=epci_rows,
            base=[],
            legend=epci_legend,
            what="intercommunalités",
        )
        maps["communes"] = _map(
            department,
            key="carte-equilibre-communes",
            title="Subventions votées par habitant, communes exerçant des fonctions de centralité",
            rows=[r for r in commune_rows if r.path],
            base=[r.path for r in epci_rows if r.path],
            legend=commune_legend,
            what="communes partenaires",
        )
    return {
        "department": department,
        "fund_total": fund_total,
        "operations_total": fund["n"],
        "population_total": population_total,
        "per_inhabitant": fund_total / population_total if population_total else None,
        "epcis": epci_rows,
        "territories": territory_rows,
        "communes": commune_rows,
        "outside": (
            sum((a for a, _ in outside), ZERO),
            sum(n for _, n in outside),
        ),
        "maps": maps,
    }


def _map(department, *, key, title, rows, base, legend, what) -> ChoroplethMap:
    with_subsidy = [r for r in rows if r.amount > 0]
    ranked = sorted(with_subsidy, key=lambda r: -(r.per_inhabitant or 0))
    if ranked:
        top, bottom = ranked[0], ranked[-1]
        summary = (
            f"{len(with_subsidy)} {what} sur {len(rows)} ont des subventions votées ; "
            f"la plus dotée par habitant : {top.label} "
            f"({format_money(top.per_inhabitant)} par habitant), la moins dotée : "
            f"{bottom.label} ({format_money(bottom.per_inhabitant)} par habitant). "
            "Le tableau qui suit donne toutes les valeurs."
        )
    else:
        summary = f"Aucune subvention votée pour les {len(rows)} {what}."
    names = []
    for row in sorted((r for r in rows if r.path), key=lambda r: r.label):
        point = label_point(row.path)
        if point is not None:
            figure = (
                f"{format_money(row.per_inhabitant)} par habitant"
                if row.per_inhabitant is not None and row.amount > 0
                else "aucune subvention votée"
            )
            names.append(MapName(len(names) + 1, row.label, figure, *point))
    width = float(department.svg_viewbox.split()[2])
    return ChoroplethMap(
        names=names,
        marker_radius=round(width / 48, 2),
        label_size=round(width / 40, 2),
        label_shift=round(width / 115, 2),
        svg=SvgMap(
            key=key,
            viewbox=department.svg_viewbox,
            outline=department.svg_path,
            shapes=[],
            title=f"{title} — {department.name}",
            description=summary,
        ),
        fills=[
            (
                r.path,
                r.colour,
                f"{r.label} : {format_money(r.amount)} votés, "
                + (
                    f"{format_money(r.per_inhabitant)} par habitant "
                    f"({format_integer(r.population)} habitants)"
                    if r.per_inhabitant is not None
                    else "population inconnue"
                ),
            )
            for r in rows
        ],
        base=base,
        legend=legend,
    )


def percent(value) -> str:
    return "" if value is None else f"{format_decimal(value, 1)} %"
