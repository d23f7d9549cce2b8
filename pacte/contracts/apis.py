from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from . import selectors

router = Router(tags=["Partenaires"])


class PartnerOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    siren: str
    siret: str
    rna: str
    epci_siren: str | None
    commune_insee: str | None
    territory: str | None
    is_demo: bool

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_epci_siren(obj):
        return obj.epci.siren if obj.epci_id else None

    @staticmethod
    def resolve_commune_insee(obj):
        return obj.commune.insee_code if obj.commune_id else None

    @staticmethod
    def resolve_territory(obj):
        return obj.territory.name if obj.territory_id else None


@router.get(
    "/partenaires", response=list[PartnerOut], summary="Partenaires visibles par l'utilisateur"
)
@paginate(PageNumberPagination, page_size=100)
def partners(request, nature: str = "", q: str = ""):
    return selectors.partner_list(user=request.user, kind=nature, query=q)


@router.get("/partenaires/{partner_id}", response=PartnerOut, summary="Un partenaire")
def partner(request, partner_id: int):
    return selectors.partner_get(user=request.user, pk=partner_id)
