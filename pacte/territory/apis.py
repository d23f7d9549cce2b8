from ninja import Router, Schema
from ninja.pagination import paginate

from pacte.core import policy
from pacte.core.pagination import Pages
from pacte.core.schemas import IdFilter

from . import selectors

router = Router(tags=["Territoire"])


class DepartmentOut(Schema):
    code: str
    name: str
    population: int
    commune_count: int


class TerritoryRef(Schema):
    id: int
    name: str


class EpciOut(Schema):
    siren: str
    name: str
    kind: str
    kind_label: str
    population: int
    commune_count: int
    commune_count_total: int
    territory: TerritoryRef | None

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()


class CommuneOut(Schema):
    insee_code: str
    name: str
    population: int
    department: str
    epci_siren: str | None
    cantons: list[str]
    longitude: float | None
    latitude: float | None

    @staticmethod
    def resolve_department(obj):
        return obj.department.code

    @staticmethod
    def resolve_epci_siren(obj):
        return obj.epci.siren if obj.epci_id else None

    @staticmethod
    def resolve_cantons(obj):
        return [c.code for c in obj.cantons.all()]


class CantonOut(Schema):
    code: str
    name: str
    department: str
    commune_total: int

    @staticmethod
    def resolve_department(obj):
        return obj.department.code


class CouncillorOut(Schema):
    id: int
    civility: str
    first_name: str
    last_name: str
    canton_code: str
    canton: str
    function: str
    function_label: str
    function_rank: int | None
    political_group: str | None
    group_is_fictitious: bool

    @staticmethod
    def resolve_canton_code(obj):
        return obj.canton.code

    @staticmethod
    def resolve_canton(obj):
        return obj.canton.name

    @staticmethod
    def resolve_political_group(obj):
        return obj.political_group.name if obj.political_group_id else None


@router.get("/departements", response=list[DepartmentOut], summary="Départements")
@policy.endpoint("referential.read")
def departments(request):
    return selectors.department_list(user=request.user)


@router.get("/intercommunalites", response=list[EpciOut], summary="Intercommunalités")
@policy.endpoint("referential.read")
@paginate(Pages, page_size=100)
def epcis(request, nature: str = "", territoire: IdFilter = None):
    return selectors.epci_list(user=request.user, kind=nature, territory_id=territoire)


@router.get("/intercommunalites/{siren}", response=EpciOut, summary="Une intercommunalité")
@policy.endpoint("referential.read")
def epci(request, siren: str):
    return selectors.epci_get(user=request.user, siren=siren)


@router.get("/communes", response=list[CommuneOut], summary="Communes (recherche)")
@policy.endpoint("referential.read")
@paginate(Pages, page_size=100)
def communes(request, q: str = "", epci: str = ""):
    scope = selectors.epci_get(user=request.user, siren=epci) if epci else None
    return selectors.commune_list(user=request.user, query=q, epci=scope).order_by("insee_code")


@router.get("/communes/{insee_code}", response=CommuneOut, summary="Une commune")
@policy.endpoint("referential.read")
def commune(request, insee_code: str):
    return selectors.commune_get(user=request.user, insee_code=insee_code)


@router.get("/cantons", response=list[CantonOut], summary="Cantons")
@policy.endpoint("referential.read")
def cantons(request):
    return selectors.canton_list(user=request.user).order_by("code")


@router.get("/elus", response=list[CouncillorOut], summary="Conseillers départementaux")
@policy.endpoint("referential.read")
def councillors(request, groupe: IdFilter = None):
    return selectors.councillor_list(user=request.user, group_id=groupe)
