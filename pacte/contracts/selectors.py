"""Reads of partners, scoped by the user: a partner user sees only its own organisation."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from pacte.core.roles import Role

from .models import Partner


def partner_list(*, user, kind: str = "", territory_id: int | None = None, query: str = ""):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Connectez-vous pour consulter les partenaires.")
    qs: QuerySet[Partner] = Partner.objects.select_related("epci", "commune", "territory")
    if user.role == Role.PARTNER:
        qs = qs.filter(pk=user.partner_id)
    elif not user.is_internal:
        return qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if territory_id:
        qs = qs.filter(territory_id=territory_id)
    if query:
        qs = qs.filter(name__icontains=query.strip())
    return qs.order_by("name")


def partner_get(*, user, pk: int) -> Partner:
    try:
        return partner_list(user=user).get(pk=pk)
    except Partner.DoesNotExist as exc:
        # The same answer whether it does not exist or belongs to someone else.
        raise Http404("Partenaire introuvable.") from exc
