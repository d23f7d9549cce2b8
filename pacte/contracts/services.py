from django.db import transaction

from pacte.core.audit import audit
from pacte.territory.models import Epci

from .models import Partner


@transaction.atomic
def partner_create(*, actor, **fields) -> Partner:
    """Create a partner after the full checks of its identifiers (raises ValidationError)."""
    partner = Partner(**fields)
    partner.full_clean()
    partner.save()
    audit(
        actor=actor,
        action="partner.create",
        obj=partner,
        summary=f"Partenaire « {partner.name} » créé",
    )
    return partner


@transaction.atomic
def partners_create_from_epcis(*, actor, epcis=None, is_demo: bool = False) -> list[Partner]:
    """One partner per intercommunalité of the referential that has none yet."""
    epcis = Epci.objects.filter(partner__isnull=True) if epcis is None else epcis
    created = []
    for epci in epcis.select_related("territory").order_by("name"):
        created.append(
            partner_create(
                actor=actor,
                name=epci.name,
                kind=Partner.Kind.EPCI,
                siren=epci.siren,
                epci=epci,
                territory=epci.territory,
                is_demo=is_demo,
            )
        )
    return created
