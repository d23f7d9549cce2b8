from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from pacte.core import policy
from pacte.core.exports import export_response

from . import selectors
from .models import Epci

COMMUNES_PER_PAGE = 50


def _department(request) -> str:
    """The département shown: the one Pacte serves unless another is asked for ("" = all)."""
    return request.GET.get("departement", settings.PACTE_DEPARTMENT_CODE).strip()[:3]


def _stamp() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def _int_or_none(raw):
    """A database id from the query string, or None (not a number, or beyond 64 bits)."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


def _export_format(request) -> str | None:
    """The export asked for ("csv", "xlsx"), after the referential's export rule."""
    fmt = request.GET.get("format")
    if fmt not in {"csv", "xlsx"}:
        return None
    policy.require(request.user, "referential", "export")
    return fmt


@policy.page(get="referential.read")
def index(request):
    return redirect("territory:epci_list")


@policy.page(get="referential.read")
def epci_list(request):
    kind = request.GET.get("nature", "")
    kind = kind if kind in Epci.Kind.values else ""
    territory_id = _int_or_none(request.GET.get("territoire"))
    sort = request.GET.get("tri", "nom")
    department = _department(request)
    epcis = list(
        selectors.epci_list(
            user=request.user,
            kind=kind,
            territory_id=territory_id,
            sort=sort,
            department_code=department,
        )
    )
    fmt = _export_format(request)
    if fmt:
        header = ["Intercommunalité", "Nature", "SIREN", "Population", "Communes", "Territoire"]
        rows = (
            [
                e.name,
                e.get_kind_display(),
                e.siren,
                e.population,
                e.commune_count,
                e.territory.name if e.territory else "",
            ]
            for e in epcis
        )
        return export_response(
            fmt, f"intercommunalites-{_stamp()}", header, rows, "Intercommunalités"
        )
    context = {
        "epcis": epcis,
        "kinds": Epci.Kind.choices,
        "territories": selectors.territory_list(user=request.user),
        "kind": kind,
        "territory_id": territory_id,
        "sort": sort if sort in selectors.EPCI_SORTS else "nom",
        "total_population": sum(e.population for e in epcis),
        "total_communes": sum(e.commune_count for e in epcis),
        "departments": selectors.department_list(user=request.user),
        "department": department,
    }
    return render(request, "territory/epci_list.html", context)


@policy.page(get="referential.read")
def epci_detail(request, siren: str):
    epci = selectors.epci_get(user=request.user, siren=siren)
    communes = selectors.commune_list(user=request.user, epci=epci).order_by("name")
    context = {
        "epci": epci,
        "communes": communes,
        "maps": selectors.epci_map(user=request.user, epci=epci),
    }
    return render(request, "territory/epci_detail.html", context)


@policy.page(get="referential.read")
def commune_search(request):
    query = request.GET.get("q", "").strip()[:100]
    communes = selectors.commune_list(user=request.user, query=query).order_by("name")
    fmt = _export_format(request)
    if fmt:
        header = ["Commune", "Code INSEE", "Population", "Intercommunalité", "Canton(s)"]
        rows = (
            [
                c.name,
                c.insee_code,
                c.population,
                c.epci.name if c.epci else "",
                ", ".join(canton.name for canton in c.cantons.all()),
            ]
            for c in communes
        )
        return export_response(fmt, f"communes-{_stamp()}", header, rows, "Communes")
    page = Paginator(communes, COMMUNES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"query": query, "page": page}
    template = (
        "territory/_commune_results.html"
        if request.htmx and request.htmx.target == "resultats"
        else "territory/commune_search.html"
    )
    return render(request, template, context)


@policy.page(get="referential.read")
def councillor_list(request):
    group_id = _int_or_none(request.GET.get("groupe"))
    department = _department(request)
    councillors = selectors.councillor_list(
        user=request.user, group_id=group_id, department_code=department
    )
    fmt = _export_format(request)
    if fmt:
        header = ["Civilité", "Prénom", "Nom", "Canton", "Fonction", "Groupe politique"]
        rows = (
            [
                c.civility,
                c.first_name,
                c.last_name,
                c.canton.name,
                c.function_label,
                c.political_group.name if c.political_group else "",
            ]
            for c in councillors
        )
        return export_response(fmt, f"elus-{_stamp()}", header, rows, "Élus")
    context = {
        "departments": selectors.department_list(user=request.user),
        "department": department,
        "councillors": councillors,
        "groups": selectors.political_group_list(user=request.user),
        "group_id": group_id,
    }
    return render(request, "territory/councillor_list.html", context)
