import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from . import policy
from .audit import audit
from .french import format_date
from .models import ApiToken, User


class ApiTokenRefused(Exception):
    """The token does not authenticate (unknown, revoked, expired, or its user deactivated):
    the API answers 401 with this French message."""


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scope: str = ApiToken.Scope.READ_WRITE,
    expires_on: datetime.date | None = None,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with the raw secret, shown once and never stored.

    The token is valid until the end of `expires_on` (one year from today by default, two years
    at most, never in the past). The pages and the command offer « lecture » first; code calling
    this service says which scope it needs."""
    if actor is not None:
        policy.require(actor, "account", "change")
        if actor.pk != user.pk:
            policy.require(actor, "user", "change")
    errors = {}
    if scope not in ApiToken.Scope.values:
        errors["scope"] = "Choisissez la portée du jeton : « lecture » ou « lecture et écriture »."
    today = timezone.localdate()
    if expires_on is None:
        expires_on = ApiToken.default_expiry_date()
    if expires_on < today:
        errors["expires_on"] = "La date d'expiration ne peut pas être dans le passé."
    elif expires_on > ApiToken.latest_expiry_date():
        errors["expires_on"] = (
            "Un jeton vaut au plus deux ans : choisissez une date d'expiration au plus tard le "
            f"{format_date(ApiToken.latest_expiry_date())}."
        )
    if not user.is_active:
        errors["__all__"] = "Ce compte est désactivé : il ne peut pas recevoir de jeton."
    if errors:
        raise ValidationError(errors)
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "Jeton",
        digest=ApiToken.hash(raw),
        prefix=raw[6:14],
        scope=scope,
        expires_at=ApiToken.end_of_day(expires_on),
    )
    audit(
        actor=actor or user,
        action="api_token.create",
        obj=token,
        summary=(
            f"Jeton d'API « {token.name} » ({token.get_scope_display()}, valable jusqu'au "
            f"{format_date(token.expires_at)}) créé pour {user.username}"
        ),
        data={"scope": token.scope, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    """Revoke a token: by its owner, or by an administrator of the accounts."""
    if actor is not None:
        policy.require(actor, "account", "change")
        if token.user_id != actor.pk and not policy.allows(actor, "user", "change"):
            raise Http404("Jeton introuvable.")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            actor=actor,
            action="api_token.revoke",
            obj=token,
            summary=f"Jeton d'API « {token.name} » révoqué",
        )
    return token


def api_token_authenticate(*, raw: str, method: str = "GET") -> User:
    """The active user owning this token, for a request of this HTTP method.

    Raises ApiTokenRefused (401) when the token is unknown, revoked, expired or its user
    deactivated, and PermissionDenied (403) when a read token is used to write (any method
    other than GET, HEAD, OPTIONS). Records the last use, at most once a minute."""
    token = ApiToken.objects.select_related("user").filter(digest=ApiToken.hash(raw)).first()
    if token is None:
        raise ApiTokenRefused(
            "Jeton d'API inconnu. Créez un jeton sur la page « Mon compte » de Pacte."
        )
    if token.is_revoked:
        raise ApiTokenRefused(
            f"Ce jeton d'API a été révoqué le {format_date(token.revoked_at)}. "
            "Créez un nouveau jeton sur la page « Mon compte » de Pacte."
        )
    if token.is_expired:
        raise ApiTokenRefused(
            f"Ce jeton d'API a expiré le {format_date(token.expires_at)}. "
            "Créez un nouveau jeton sur la page « Mon compte » de Pacte."
        )
    if not token.user.is_active:
        raise ApiTokenRefused("Le compte de ce jeton d'API est désactivé.")
    if method.upper() not in ApiToken.READ_METHODS and not token.can_write:
        raise PermissionDenied(
            "Ce jeton d'API ne permet que la lecture. Pour écrire, créez un jeton « lecture et "
            "écriture » sur la page « Mon compte » ; votre rôle doit aussi permettre l'écriture."
        )
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() >= ApiToken.LAST_USE_PRECISION
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
