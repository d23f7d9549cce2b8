"""The territorial balance: maps, ranked tables and their exports."""

from decimal import ROUND_HALF_UP, Decimal

from django.shortcuts import render
from django.utils import timezone

from pacte.contracts.selectors import generation_list
from pacte.core import policy
from pacte.core.exports import export_response

from .. import balance as selectors
from .. import dashboards
from .dashboards import SHORT_TITLES, dashboard_filters

TABLES = {
    "intercommunalites": ("epcis", "Intercommunalité", "equilibre-intercommunalites"),
    "territoires": ("territories", "Territoire", "equilibre-territoires"),
    "communes": ("communes", "Commune partenaire", "equilibre-communes-centralite"),
}
CENT = Decimal("0.01")


def _q(value):
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def _export(fmt: str, table: str, data: dict):
    key, first, filename = TABLES[table]
    header = ["Rang", first]
    if table == "communes":
        header.append("Commune (code INSEE)")
    if table != "territoires":
        header.append("Territoire")
    header += [
        "Population",
        "Opérations votées",
        "Subventions votées (€)",
        "Par habitant (€)",
        "Par opération (€)",
        "Part du fonds (%)",
        "Part de la population (%)",
        "Indice (part du fonds / part de la population)",
    ]
    rows = []
    for r in data[key]:
        row = [r.rank, r.label]
        if table == "communes":
            row.append(r.detail)
        if table != "territoires":
            row.append(r.territory)
        row += [
            r.population,
            r.operations,
            r.amount,
            _q(r.per_inhabitant),
            _q(r.per_operation),
            _q(r.fund_share),
            _q(r.population_share),
            _q(r.index),
        ]
        rows.append(row)
    start = len(header) - 3
    formats = {start: "0.00", start + 1: "0.00", start + 2: "0.00"}
    stamp = timezone.localdate().strftime("%Y%m%d")
    return export_response(
        fmt, f"{filename}-{stamp}", header, rows, "Équilibre territorial", formats
    )


@policy.page(get="dashboard.read")
def balance(request):
    filters = dashboard_filters(request)
    data = selectors.territorial_balance(user=request.user, generation_id=filters.generation_id)
    fmt = request.GET.get("format")
    table = request.GET.get("tableau", "intercommunalites")
    if fmt in {"csv", "xlsx"} and table in TABLES:
        return _export(fmt, table, data)
    context = {
        "kind": "balance",
        "tabs": [(k, SHORT_TITLES[k]) for k in dashboards.dashboards_for(request.user)],
        "data": data,
        "filters": filters,
        "generations": generation_list(user=request.user),
        "generation_query": f"generation={filters.generation_id or ''}",
    }
    return render(request, "pilotage/balance/balance.html", context)
