"""Reads of the territorial referential, through the access policy (`referential.read`).

The referential is the Département's working ground: its staff and elected members read it;
partner users work in their own space and do not browse it (403).
"""

from typing import Any, TypeVar

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse

from pacte.core import policy
from pacte.core.french import format_integer

from .maps import MapShape, SvgMap
from .models import Canton, Commune, Councillor, Department, Epci, PoliticalGroup, Territory
from .querysets import CouncillorQuerySet

_QuerySet = TypeVar("_QuerySet", bound=QuerySet[Any])


def _scope(user: policy.Viewer, queryset: _QuerySet) -> _QuerySet:
    return policy.scope(user, "referential", queryset)


EPCI_SORTS = {
    "nom": "name",
    "-nom": "-name",
    "population": "population",
    "-population": "-population",
    "communes": "commune_count",
    "-communes": "-commune_count",
    "territoire": "territory__name",
    "-territoire": "-territory__name",
}


def department_list(*, user: policy.Viewer) -> QuerySet[Department]:
    return _scope(user, Department.objects.all())


def territory_list(*, user: policy.Viewer) -> QuerySet[Territory]:
    return _scope(
        user,
        Territory.objects.select_related("department").annotate(
            epci_total=Count("epcis", distinct=True)
        ),
    )


def epci_list(
    *,
    user: policy.Viewer,
    kind: str = "",
    territory_id: int | None = None,
    sort: str = "nom",
    query: str = "",
    department_code: str = "",
) -> QuerySet[Epci]:
    qs = _scope(user, Epci.objects.select_related("territory"))
    if department_code:
        qs = qs.filter(
            pk__in=Commune.objects.filter(department__code=department_code).values("epci_id")
        )
    if kind:
        qs = qs.filter(kind=kind)
    if territory_id:
        qs = qs.filter(territory_id=territory_id)
    if query:
        qs = qs.filter(name__icontains=query.strip())
    return qs.order_by(EPCI_SORTS.get(sort, "name"), "name")


def epci_get(*, user: policy.Viewer, siren: str) -> Epci:
    try:
        return epci_list(user=user).get(siren=siren)
    except Epci.DoesNotExist as exc:
        raise Http404("Intercommunalité introuvable.") from exc


def commune_list(
    *, user: policy.Viewer, query: str = "", epci: Epci | None = None
) -> QuerySet[Commune]:
    qs = _scope(user, Commune.objects.select_related("epci", "department").search(query))
    if epci is not None:
        qs = qs.filter(epci=epci)
    return qs.prefetch_related(Prefetch("cantons", queryset=Canton.objects.order_by("code")))


def commune_get(*, user: policy.Viewer, insee_code: str) -> Commune:
    try:
        return commune_list(user=user).get(insee_code=insee_code)
    except Commune.DoesNotExist as exc:
        raise Http404("Commune introuvable.") from exc


def canton_list(*, user: policy.Viewer) -> QuerySet[Canton]:
    return _scope(
        user,
        Canton.objects.select_related("department").annotate(
            commune_total=Count("communes", distinct=True)
        ),
    )


def councillor_list(
    *,
    user: policy.Viewer,
    group_id: int | None = None,
    in_office: bool = True,
    department_code: str = "",
) -> CouncillorQuerySet:
    qs = _scope(user, Councillor.objects.select_related("canton", "political_group"))
    if department_code:
        qs = qs.filter(canton__department__code=department_code)
    if in_office:
        qs = qs.in_office()
    if group_id:
        qs = qs.filter(political_group_id=group_id)
    return qs.by_function()


def political_group_list(*, user: policy.Viewer) -> QuerySet[PoliticalGroup]:
    return _scope(user, PoliticalGroup.objects.annotate(member_total=Count("members")))


def epci_map(*, user: policy.Viewer, epci: Epci) -> list[SvgMap]:
    """One map per département holding communes of `epci`, the intercommunalité highlighted.
    Two queries whatever the number of départements it spans."""
    departments = list(_scope(user, Department.objects.filter(communes__epci=epci)).distinct())
    rows = (
        _scope(user, Epci.objects.all())
        .filter(communes__department__in=departments)
        .values_list("communes__department_id", "pk", "siren", "name", "svg_path")
        .distinct()
        .order_by("name")
    )
    by_department: dict[int, list[MapShape]] = {d.pk: [] for d in departments}
    for department_id, pk, siren, name, path in rows:
        by_department[department_id].append(
            MapShape(
                path=path,
                label=name,
                highlighted=pk == epci.pk,
                href=reverse("territory:epci_detail", args=[siren]),
            )
        )
    maps = []
    for department in departments:
        shapes = by_department[department.pk]
        maps.append(
            SvgMap(
                key=f"carte-{department.code}",
                viewbox=department.svg_viewbox,
                outline=department.svg_path,
                shapes=shapes,
                title=f"Carte du département {department.name} : {epci.name} en évidence",
                description=(
                    f"Le département {department.name} et ses {len(shapes)} intercommunalités ; "
                    f"{epci.name} ({epci.commune_count} communes, "
                    f"{format_integer(epci.population)} habitants) est mise en évidence."
                ),
            )
        )
    return maps
