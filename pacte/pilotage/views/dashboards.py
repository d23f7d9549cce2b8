"""Dashboards per role: thin views that read the selectors of `dashboards.py` and draw charts."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from pacte.contracts.selectors import generation_current, generation_list
from pacte.core import policy
from pacte.core.charts import Series, bar_rows, format_count, format_days, line_chart
from pacte.core.french import format_money
from pacte.core.ids import MAX_ID
from pacte.territory.selectors import territory_list

from .. import dashboards as selectors

TITLES = {
    "direction": "Tableau de bord de la direction",
    "instruction": "Tableau de bord de l'instruction",
    "finances": "Tableau de bord des finances",
    "elus": "Tableau de bord des élus",
}
SHORT_TITLES = {
    "direction": "Direction",
    "instruction": "Instruction",
    "finances": "Finances",
    "elus": "Élus (synthèse)",
}
SECTIONS = {
    "direction": ("states", "territories", "amounts", "times", "late", "commitments"),
    "instruction": ("mine", "states", "territories", "times", "late", "commitments"),
    "finances": ("amounts", "territories", "times", "late"),
    "elus": ("states", "territories", "amounts", "times", "late", "commitments"),
}
# Each section's tab (and its anchor, for a link or a page without JavaScript).
SECTION_TABS = {
    "mine": ("mes-dossiers", "Mes dossiers"),
    "states": ("etats", "Par état"),
    "territories": ("territoires", "Par territoire"),
    "amounts": ("montants", "Montants"),
    "times": ("delais", "Délais"),
    "late": ("attention", "Points d'attention"),
    "commitments": ("engagements", "Engagements réciproques"),
}
# The elected members' view is aggregate: counts, no names of operations or partners.
WITH_LISTS = {"direction", "instruction", "finances"}


# Database ids are 64-bit: a larger number designates nothing.


def _int(raw):
    """An id from the query string, or None when it cannot be one."""
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if 0 < value <= MAX_ID else None


def dashboard_filters(request) -> selectors.Filters:
    """Generation (the current one unless another, or all with an empty value) and territory."""
    raw = request.GET.get("generation")
    if raw is None:
        current = generation_current(user=request.user)
        generation_id = current.pk if current else None
    else:
        generation_id = _int(raw)
    return selectors.Filters(
        generation_id=generation_id, territory_id=_int(request.GET.get("territoire"))
    )


@policy.page(get="dashboard.read")
def dashboard_index(request):
    """Each role lands on its own dashboard; a partner has none."""
    kind = selectors.home_dashboard(request.user)
    if kind is None:
        raise PermissionDenied("Votre rôle ne permet pas de consulter les tableaux de bord.")
    return redirect("dashboards:dashboard", kind=kind)


@policy.page(get="dashboard.<kind>")
def dashboard(request, kind: str):
    if kind not in TITLES:
        raise Http404("Tableau de bord introuvable.")
    selectors.require_dashboard(request.user, kind)
    filters = dashboard_filters(request)
    period = "year" if request.GET.get("periode") == "annee" else "month"
    sections = SECTIONS[kind]
    user = request.user
    context = {
        "kind": kind,
        "title": TITLES[kind],
        "sections": sections,
        "section_tabs": [(s, *SECTION_TABS[s]) for s in sections],
        "filters": filters,
        "period": period,
        "tabs": [(k, SHORT_TITLES[k]) for k in selectors.dashboards_for(user)],
        "generations": generation_list(user=user),
        "territories": territory_list(user=user),
        "with_lists": kind in WITH_LISTS,
    }
    figures = selectors.operation_figures(user=user, filters=filters)
    if "mine" in sections:
        context["mine"] = figures.mine
    if "states" in sections:
        states = figures.states
        context["states"] = states
        context["states_total"] = sum(s["count"] for s in states)
        context["states_chart"] = bar_rows(
            title="Opérations par état",
            description=(
                "Nombre d'opérations dans chaque état du parcours, du dépôt à l'achèvement ; "
                f"{context['states_total']} opérations en tout. Les chiffres sont dans le "
                "tableau qui suit."
            ),
            labels=[s["label"] for s in states],
            series=[Series("Opérations", [Decimal(s["count"]) for s in states])],
            value_format=format_count,
        )
    if "territories" in sections:
        territories = figures.by_territory
        context["by_territory"] = territories
        if territories:
            context["territory_chart"] = bar_rows(
                title="Subventions votées par territoire",
                description=(
                    "Montant des subventions du fonds votées pour les opérations des partenaires "
                    "de chaque territoire ; le tableau qui suit donne aussi le nombre "
                    "d'opérations déposées et votées."
                ),
                labels=[t["label"] for t in territories],
                series=[Series("Montant voté", [t["amount"] for t in territories])],
            )
    if "amounts" in sections:
        amounts = selectors.amounts_over_time(user=user, filters=filters, period=period)
        context["amounts"] = amounts
        rows = amounts["rows"]
        if rows:
            series = [
                Series("Voté (cumul)", [r["voted_total"] for r in rows]),
                Series("Engagé net (cumul)", [r["committed_total"] for r in rows]),
                Series("Payé (cumul)", [r["paid_total"] for r in rows]),
            ]
            if amounts["has_ap"]:
                series.insert(0, Series("AP en vigueur", [r["ap"] or 0 for r in rows]))
            totals = amounts["totals"]
            context["amounts_chart"] = line_chart(
                title="Montants votés, engagés et payés dans le temps",
                description=(
                    f"Montants cumulés {'année' if period == 'year' else 'mois'} par "
                    f"{'année' if period == 'year' else 'mois'} : voté "
                    f"{format_money(totals['voted'])}, engagé net "
                    f"{format_money(totals['committed'])}, payé {format_money(totals['paid'])}."
                ),
                x_labels=[r["label"] for r in rows],
                series=series,
            )
    if "times" in sections:
        times = selectors.processing_times(user=user, filters=filters)
        context["times"] = times
        measured = [t for t in times if t.count]
        if measured:
            context["times_chart"] = bar_rows(
                title="Délais de traitement (jours)",
                description=(
                    "Pour chaque étape, la médiane et le 9e décile des délais en jours ; "
                    "le tableau qui suit donne aussi le nombre d'opérations mesurées."
                ),
                labels=[t.label for t in measured],
                series=[
                    Series("Médiane", [t.median for t in measured]),
                    Series("9e décile", [Decimal(t.decile9) for t in measured]),
                ],
                value_format=format_days,
            )
    met = selectors.commitments_met(user=user, filters=filters)
    if "late" in sections:
        context["late"] = selectors.late_items(
            user=user, filters=filters, with_lists=kind in WITH_LISTS, figures=figures, met=met
        )
    if "commitments" in sections:
        context["met"] = met
        if met["items"]:
            context["met_chart"] = bar_rows(
                title="Engagements réciproques tenus",
                description=(
                    f"Engagements réciproques validés sur l'ensemble, par nature : "
                    f"{met['validated']} sur {met['total']}."
                ),
                labels=[i["label"] for i in met["items"]],
                series=[
                    Series("Engagements", [Decimal(i["total"]) for i in met["items"]]),
                    Series("Validés", [Decimal(i["validated"]) for i in met["items"]]),
                ],
                value_format=format_count,
            )
    return render(request, "pilotage/dashboards/dashboard.html", context)
